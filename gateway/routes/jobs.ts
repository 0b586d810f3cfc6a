import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import type { JobService, JobView } from "../../control/jobs/job-service.ts";
import {
  GateDecision,
  JobError,
  JobStatus,
  JobSubmission,
  JobUsage,
  OutputAccuracy,
  Receipt,
} from "../../control/jobs/model.ts";
import { Timestamp } from "../../policies/timestamp.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { named } from "../named-schema.ts";
import { ARROW_STREAM, ArrowStreamBody, outputResponse } from "../output-formats.ts";
import { PAGE_QUERY, pageBody, pageOf, pageRequest } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR, Problem } from "../problem.ts";

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const Cell = z.union([Scalar, z.array(z.unknown())]).openapi("OutputCell", {
  description:
    "A cell in its JSON form: a 64-bit integer as a number within ±(2^53-1) and as a string of its digits beyond (JSON parsers read larger numbers inexactly); a decimal as a number; a date `YYYY-MM-DD`; a timestamp with time zone RFC 3339 in UTC (`2024-03-01T00:00:00.123456Z`), one without a zone the same without the offset; a list as an array. NaN and infinities are never released (an output holding one is refused). The Arrow form carries the column types themselves.",
});
/** A released output as JSON: its rows, each a flat object of column values. */
export const OutputTableSchema = z.array(z.record(z.string(), Cell)).openapi("OutputTable");
/** The submission body (control/jobs/model.ts), named in the contract. */
export const JobSubmissionDoc = named(JobSubmission, "JobSubmission");
const ReceiptDoc = named(Receipt, "Receipt");

/** The job event stream: what each event is called and carries. */
const JobEventStream = z.string().openapi("JobEventStream", {
  description:
    "`text/event-stream`. Each event has an `id` (its sequence number; send `Last-Event-ID` to resume) and JSON `data` with `at` (RFC 3339): `queued` (`{}`), `running` (`{ policyVersions }`), `progress` (`{ fraction, message? }`), `query` (`{ index, ok, kind, datasets, rewrites, epsilonCharged, cached, rows? }`, or `{ index, ok: false, code, detail }`), `gate` (`{ outcome, reasons }`), `finished` (`{ status, code? }`: the stream ends, except for `held`). `ping` (`{}`) keeps an idle stream open.",
  example:
    'id: 2\nevent: running\ndata: {"policyVersions":{"air_quality":1},"at":"2026-12-05T10:00:01.250Z"}\n\nid: 5\nevent: finished\ndata: {"status":"released","at":"2026-12-05T10:00:02.100Z"}\n\n',
});

export const JobViewSchema = z
  .object({
    id: z.string(),
    status: JobStatus,
    license: z.string(),
    purpose: z.string(),
    language: z.string(),
    scriptSha256: z.string(),
    submittedAt: Timestamp,
    startedAt: Timestamp.nullable(),
    finishedAt: Timestamp.nullable(),
    policyVersions: z.record(z.string(), z.number()).nullable(),
    decision: GateDecision.nullable(),
    outputs: z.record(z.string(), OutputTableSchema).optional(),
    accuracy: z.record(z.string(), OutputAccuracy).optional().openapi({
      description:
        "Per output and column, the accuracy of each noisy figure in row order (null where a cell is exact or computed by the script): `scale` of the discrete Laplace noise (null for a mean), `ci95`, the half-width of the 95% interval (figures are rounded to it), and `bounded`, the bounds the figure was computed under, which move it beyond the interval where the data exceed them (docs/accuracy.md).",
    }),
    logs: z.array(z.string()).optional(),
    error: JobError.optional(),
    usage: JobUsage.nullable(),
    receipt: ReceiptDoc.optional(),
  })
  .openapi("Job");

type JobWire = z.infer<typeof JobViewSchema>;
/** The service's view is the wire shape with readonly arrays; the schema's types are mutable. */
const wire = (job: JobView): JobWire => job as unknown as JobWire;

const JobId = z.object({ id: z.string().min(1).max(100).openapi({ example: "job_0b6f…" }) });
const security = [{ bearer: [] }];
const problemContent = { "application/problem+json": { schema: Problem } };

const submitJob = createRoute({
  method: "post",
  path: "/v1/jobs",
  operationId: "submitJob",
  tags: ["jobs"],
  summary: "Submit a script to run under a license.",
  description:
    "Validates the body, checks the operator and the license (active, in its window, purpose, quotas) and queues the job durably. Send an `Idempotency-Key` header to make retries safe: the same key and body return the first job.",
  security,
  request: {
    headers: z.object({ "idempotency-key": z.string().min(1).max(200).optional() }),
    body: {
      required: true,
      content: { "application/json": { schema: JobSubmissionDoc } },
    },
  },
  responses: {
    202: { description: "Accepted and queued.", content: { "application/json": { schema: JobViewSchema } } },
    200: {
      description: "The job this Idempotency-Key already created.",
      content: { "application/json": { schema: JobViewSchema } },
    },
    409: { description: "The Idempotency-Key was used for another job.", content: problemContent },
    413: { description: "Body or script too large.", content: problemContent },
    ...COMMON_ERRORS,
  },
});

const listJobs = createRoute({
  method: "get",
  path: "/v1/jobs",
  operationId: "listJobs",
  tags: ["jobs"],
  summary: "Jobs, newest first, a page at a time: an operator's own, or every job for the bureau.",
  security,
  request: {
    query: z.object({ status: JobStatus.optional(), ...PAGE_QUERY }),
  },
  responses: {
    200: {
      description: "A page of jobs and the cursor of the next.",
      content: { "application/json": { schema: pageOf("jobs", JobViewSchema) } },
    },
    ...COMMON_ERRORS,
  },
});

const getJob = createRoute({
  method: "get",
  path: "/v1/jobs/{id}",
  operationId: "getJob",
  tags: ["jobs"],
  summary: "A job; with `wait=S`, waits up to S seconds for it to settle (long poll).",
  security,
  request: { params: JobId, query: z.object({ wait: z.coerce.number().min(0).max(60).optional() }) },
  responses: {
    200: { description: "The job.", content: { "application/json": { schema: JobViewSchema } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const cancelJob = createRoute({
  method: "post",
  path: "/v1/jobs/{id}/cancel",
  operationId: "cancelJob",
  tags: ["jobs"],
  summary: "Cancel a queued or running job.",
  security,
  request: { params: JobId },
  responses: {
    200: {
      description: "The job, cancelled or cancelling.",
      content: { "application/json": { schema: JobViewSchema } },
    },
    409: { description: "The job has already settled.", content: problemContent },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const getOutput = createRoute({
  method: "get",
  path: "/v1/jobs/{id}/outputs/{name}",
  operationId: "getJobOutput",
  tags: ["jobs"],
  summary: "A released output as JSON, CSV or an Arrow IPC stream, by the Accept header.",
  security,
  request: { params: JobId.extend({ name: z.string().min(1).max(200) }) },
  responses: {
    200: {
      description: "The output.",
      content: {
        "application/json": { schema: OutputTableSchema },
        "text/csv": { schema: z.string() },
        [ARROW_STREAM]: { schema: ArrowStreamBody },
      },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const getReceipt = createRoute({
  method: "get",
  path: "/v1/jobs/{id}/receipt",
  operationId: "getJobReceipt",
  tags: ["jobs"],
  summary: "A released job's receipt, signed by the domain key: for its operator, the bureau and auditors.",
  description:
    "The receipt names the job, operator, license, purpose, policy versions, each output's SHA-256 (of its JSON and of its CSV) and the log position of the release; it carries no output values. Verify it offline with the domain's public key (`aos receipt verify`).",
  security,
  request: { params: JobId },
  responses: {
    200: { description: "The receipt.", content: { "application/json": { schema: ReceiptDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const jobEvents = createRoute({
  method: "get",
  path: "/v1/jobs/{id}/events",
  operationId: "streamJobEvents",
  tags: ["jobs"],
  summary:
    "Server-sent events of a job: queued, running, progress, each query's verdict, the gate decision, the final state.",
  security,
  request: { params: JobId },
  responses: {
    200: {
      description: "An event stream; it ends after the final state.",
      content: { "text/event-stream": { schema: JobEventStream } },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const RECEIPT_PATH = /^\/v1\/jobs\/[^/]+\/receipt$/;

export interface JobRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query">;
  readonly jobs: JobService;
}

/** Job routes: operators submit and follow their own jobs; the bureau sees every job. */
export function registerJobRoutes(app: OpenAPIHono<GatewayEnv>, deps: JobRouteDeps): void {
  const operatorOnly = requireRole(deps.controlPlane, "operator");
  const operatorOrBureau = requireRole(deps.controlPlane, "operator", "bureau");
  app.on("POST", "/v1/jobs", operatorOnly);
  // Auditors read receipts (hashes and names, no values), nothing else of a job.
  const receiptReaders = requireRole(deps.controlPlane, "operator", "bureau", "auditor");
  app.on("GET", ["/v1/jobs", "/v1/jobs/*"], function jobReaders(c, next) {
    return RECEIPT_PATH.test(c.req.path) ? receiptReaders(c, next) : operatorOrBureau(c, next);
  });
  app.on("POST", "/v1/jobs/*", operatorOrBureau);

  app.openapi(submitJob, async (c) => {
    const { job, created } = await deps.jobs.submit(
      c.get("principal"),
      c.req.valid("json"),
      c.req.valid("header")["idempotency-key"],
    );
    c.header("location", `/v1/jobs/${job.id}`);
    return created ? c.json(wire(job), 202) : c.json(wire(job), 200);
  });

  app.openapi(listJobs, async (c) => {
    const query = c.req.valid("query");
    const page = await deps.jobs.list(
      c.get("principal"),
      query.status ? { status: query.status } : {},
      pageRequest(query),
    );
    return c.json(pageBody("jobs", page, wire), 200);
  });

  app.openapi(getJob, async (c) => {
    const { id } = c.req.valid("param");
    const { wait } = c.req.valid("query");
    const principal = c.get("principal");
    const job = wait ? await deps.jobs.wait(principal, id, wait) : await deps.jobs.get(principal, id);
    return c.json(wire(job), 200);
  });

  app.openapi(cancelJob, async (c) =>
    c.json(wire(await deps.jobs.cancel(c.get("principal"), c.req.valid("param").id)), 200),
  );

  app.openapi(getOutput, async (c) => {
    const { id, name } = c.req.valid("param");
    const { rows, accuracy, types } = await deps.jobs.output(c.get("principal"), id, name);
    return outputResponse(c, rows, `${id}-${encodeURIComponent(name)}`, accuracy, types);
  });

  app.openapi(getReceipt, async (c) =>
    c.json(await deps.jobs.receipt(c.get("principal"), c.req.valid("param").id), 200),
  );

  app.openapi(jobEvents, async (c) => {
    const { id } = c.req.valid("param");
    const principal = c.get("principal");
    const lastEventId = Number(c.req.header("last-event-id") ?? 0) || 0;
    // Resolves NOT_FOUND (through onError) before the stream starts.
    const queue: Array<{ seq: number; type: string; data: unknown; at: string }> = [];
    let wake: (() => void) | undefined;
    const { job, unsubscribe } = await deps.jobs.subscribe(
      principal,
      id,
      (event) => {
        queue.push(event);
        wake?.();
      },
      lastEventId,
    );
    return streamSSE(c, async (stream) => {
      stream.onAbort(unsubscribe);
      try {
        // A job settled before this subscription (or before a restart) still gets its final state.
        if (
          queue.length === 0 &&
          ["released", "held", "rejected", "failed", "cancelled"].includes(job.status)
        ) {
          await stream.writeSSE({ event: "finished", data: JSON.stringify({ status: job.status }) });
          return;
        }
        for (;;) {
          while (queue.length > 0) {
            const event = queue.shift()!;
            await stream.writeSSE({
              id: String(event.seq),
              event: event.type,
              data: JSON.stringify({ ...(event.data as object), at: event.at }),
            });
            const status = (event.data as { status?: string }).status;
            if (event.type === "finished" && status !== "held") return;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            const timer = setTimeout(resolve, 15_000);
            timer.unref();
          });
          wake = undefined;
          if (queue.length === 0) {
            // The job may have ended on another node whose notification never arrived: its row says.
            const now = await deps.jobs.get(principal, id);
            if (["released", "rejected", "failed", "cancelled"].includes(now.status)) {
              await stream.writeSSE({ event: "finished", data: JSON.stringify({ status: now.status }) });
              return;
            }
            await stream.writeSSE({ event: "ping", data: "{}" });
          }
        }
      } finally {
        unsubscribe();
      }
    }) as never;
  });
}
