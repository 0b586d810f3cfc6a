import type { DuckDBConnection } from "@duckdb/node-api";
import { type CryptoProfile, INTERNATIONAL } from "../../audit/crypto-profile.ts";
import { outputDigests } from "../../audit/output-digest.ts";
import type { ReceiptClaims } from "../../audit/receipt.ts";
import { decideRelease } from "../../policies/release-gate.ts";
import type { DataDomain } from "../../storage/data-domain.ts";
import { sqlDialect } from "../../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore } from "../../storage/sql-store.ts";
import type { AuditEvent, AuditSink } from "../audit-sink.ts";
import { freezeLabel, freezeTouchingJob } from "../freeze-state.ts";
import { notify } from "../inbox.ts";
import type { ClaimedJob, Execution } from "./execution.ts";
import { createIdentifierLookup, type IdentifierMemo } from "./identifier-lookup.ts";
import { jobRepository } from "./job-repository.ts";
import type {
  GateDecision,
  JobError,
  JobProducts,
  JobRecord,
  JobStatus,
  JobUsage,
  OutputColumnTypes,
  OutputTable,
  Receipt,
} from "./model.ts";
import type { NoiseRegister } from "./output-accuracy.ts";
import type { JobQuery } from "./policy-port.ts";

/** How a job ends: its status, why, who ended it, and what it produced. */
export interface Settlement {
  readonly status: JobStatus;
  readonly reason: string;
  readonly actor: string;
  readonly error?: JobError;
  readonly products?: JobProducts;
  readonly usage?: JobUsage;
  readonly decision?: GateDecision;
}

export interface ReleaseDeps {
  readonly store: Pick<SqlStore, "transaction">;
  readonly audit: AuditSink;
  /** Signs a release receipt with the domain key (see audit/receipt.ts). */
  readonly signReceipt: (claims: ReceiptClaims) => Receipt;
  /** The domain's crypto profile: its digest hashes the outputs (default `international`). */
  readonly cryptoProfile?: CryptoProfile;
  readonly now: () => Date;
}

/** The job had already moved on (another node settled it, or its lease was taken): nothing was written. */
export class JobMovedOn extends Error {
  constructor(jobId: string) {
    super(`job ${jobId} is no longer in the state this step expected`);
  }
}

/**
 * Decides what a finished run may release: the release gate over its outputs, logs and error,
 * with the identifier lookup against the data domain for strings the catalog does not publish.
 */
export async function gateExecution(
  dataDomain: Pick<DataDomain, "connect">,
  claimed: ClaimedJob,
  execution: Execution,
  memo?: IdentifierMemo,
): Promise<Settlement> {
  const { license, manifests } = claimed;
  const { result, queries, tainted, usage } = execution;
  const verdicts = queries.flatMap((q) => (q.verdict ? [q.verdict] : []));
  const reviewsRequired = verdicts.some((v) => v.requiresReview) ? 2 : 1;
  // Most outputs hold no string the catalog does not publish: the connection is opened on demand.
  let lookupConnection: Promise<DuckDBConnection> | undefined;
  try {
    const lookup = createIdentifierLookup(
      {
        runAndReadAll: async (sql, values) => {
          lookupConnection ??= dataDomain.connect(claimed.dataVersions);
          return (await lookupConnection).runAndReadAll(sql, values);
        },
      },
      manifests,
      // Only a job pinned to data versions reads data that can never change under a remembered answer.
      memo && claimed.dataVersions ? { memo, versions: claimed.dataVersions } : undefined,
    );
    const logs = result.logs.map((entry) => entry.message);
    if (result.status === "failed") {
      const failure = result.error;
      const full: JobError = {
        code: failure.code,
        class: failure.class,
        message: failure.message,
        ...(failure.line === undefined ? {} : { line: failure.line }),
        ...(failure.column === undefined ? {} : { column: failure.column }),
      };
      // The message is an output too: shown only when the job read nothing row-level and the
      // gate finds nothing identifying in it (or in the logs that go with it).
      const gate = await decideRelease(
        { outputs: {}, logs, errors: [failure.message] },
        verdicts,
        { releaseMode: "auto" },
        lookup,
      );
      const shown = !tainted && gate.outcome === "released";
      if (tainted) {
        // Whether a row-reading job failed, and how, is itself chosen by a script that saw rows:
        // such a job is held like a successful one, and a reviewer decides what its failure shows.
        return {
          status: "held",
          reason: "tainted job failed",
          actor: "system",
          products: { outputs: {}, logs, error: full },
          usage,
          decision: {
            outcome: "held",
            reasons: [{ code: "tainted", detail: "the job read row-level data: its result is reviewed" }],
            tainted,
            reviewsRequired,
          },
        };
      }
      return {
        status: "failed",
        reason: failure.code,
        actor: "system",
        // The class is the thrown value's `name`, which a script can set to anything it read.
        error: shown ? full : { ...full, class: builtInClass(full.class), message: null },
        products: { outputs: {}, logs: shown ? logs : [], error: full },
        usage,
        decision: { outcome: gate.outcome, reasons: [...gate.reasons], tainted, reviewsRequired: 0 },
      };
    }
    const decision = await decideRelease(
      { outputs: result.outputs, logs },
      verdicts,
      {
        releaseMode: license.releaseMode,
        ...(license.quotas.outputCells ? { maxCells: license.quotas.outputCells } : {}),
      },
      lookup,
    );
    const outputs = (decision.outcome === "rejected" ? {} : decision.outputs) as Record<string, OutputTable>;
    return {
      status: decision.outcome,
      reason: decision.outcome,
      actor: "system",
      decision: {
        outcome: decision.outcome,
        reasons: decision.reasons.map((r) => ({ ...r })),
        tainted,
        reviewsRequired: decision.outcome === "held" ? reviewsRequired : 0,
      },
      products: productsOf(normaliseOutputs(outputs), result.types, logs, execution.noise),
      usage,
    };
  } finally {
    await lookupConnection?.then(
      (connection) => connection.closeSync(),
      () => undefined,
    );
  }
}

/**
 * A finished run's products: its outputs, their column types, the accuracy of the noisy figures
 * they hold, its logs.
 */
function productsOf(
  outputs: Record<string, OutputTable>,
  types: Record<string, OutputColumnTypes> | undefined,
  logs: readonly string[],
  noise: NoiseRegister,
): JobProducts {
  const accuracy = noise.annotate(outputs);
  return { outputs, ...(types ? { types } : {}), ...(accuracy ? { accuracy } : {}), logs };
}

/** Where a job must be for a step to settle it; the step changes nothing if it is not. */
export interface SettleExpectation {
  readonly from: readonly JobStatus[];
  /** For a running job: the runner that must still hold its lease. */
  readonly runner?: string;
  /** For a running job: its lease must have run out before this time (a reaper's claim). */
  readonly leaseExpiredBefore?: string;
  /** The run's checked queries, recorded with its end. */
  readonly queries?: readonly JobQuery[];
  readonly via?: "gate" | "review";
}

/**
 * Writes a job's end in one transaction: the job row moves from a state in `from` (and, when
 * `runner` is given, only while that runner still holds it), and the audit log gains the run's
 * checked queries, the gate decision, the release with its receipt, and the end — all of it or
 * none. Throws `JobMovedOn` (nothing written) when the job was no longer where it was expected.
 */
export function finishJob(
  deps: ReleaseDeps,
  job: JobRecord,
  settlement: Settlement,
  expect: SettleExpectation,
): Promise<{ receipt: Receipt | null; settlement: Settlement }> {
  return deps.store.transaction((tx) => finishJobIn(deps, tx, job, settlement, expect));
}

/**
 * `finishJob` inside the caller's transaction (a review records its decision in the same one).
 * Answers the settlement written: a gate's release is held instead while a freeze touches the job.
 */
export async function finishJobIn(
  deps: Omit<ReleaseDeps, "store">,
  tx: SqlExecutor,
  job: JobRecord,
  gated: Settlement,
  expect: SettleExpectation,
): Promise<{ receipt: Receipt | null; settlement: Settlement }> {
  const settlement = expect.via === "review" ? gated : await holdWhileFrozen(tx, job, gated, deps.now());
  const subject = { job: job.id, operator: job.operatorId, license: job.licenseId };
  const moved = await jobRepository.settle(
    tx,
    job.id,
    {
      status: settlement.status,
      finishedAt: deps.now().toISOString(),
      decision: settlement.decision ?? null,
      products: settlement.products ?? null,
      error: settlement.error ?? null,
      usage: settlement.usage ?? null,
    },
    expect,
  );
  if (!moved) throw new JobMovedOn(job.id);
  const events: AuditEvent[] = (expect.queries ?? []).map((query) => ({
    type: "query.checked",
    actor: job.operatorId,
    subject: { ...subject, datasets: query.verdict?.datasets ?? [] },
    data: { index: query.index, sql: query.sql, verdict: query.verdict ?? null, error: query.error ?? null },
  }));
  if (settlement.decision) {
    events.push({
      type: "job.gate",
      actor: "system",
      subject,
      data: {
        outcome: settlement.decision.outcome,
        reasons: settlement.decision.reasons,
        tainted: settlement.decision.tainted,
      },
    });
  }
  let receipt: Receipt | null = null;
  if (settlement.status === "released") {
    // A settlement without products (a review's approval) releases what the gate held.
    const products = settlement.products ?? job.products;
    const outputs = products?.outputs ?? {};
    const types = products?.types ?? {};
    receipt = await release(deps, tx, job, outputs, types, settlement.actor, expect.via ?? "gate", events);
    events.length = 0;
  }
  events.push({
    type: "job.finished",
    actor: settlement.actor,
    subject,
    data: { status: settlement.status, reason: settlement.reason, usage: settlement.usage ?? null },
  });
  await deps.audit.appendIn(tx, events);
  if (settlement.status === "held") {
    const approvals = Math.max(1, settlement.decision?.reviewsRequired ?? 1);
    await notify(
      tx,
      { roles: ["bureau"] },
      {
        kind: "review.awaiting",
        subject: { job: job.id, license: job.licenseId },
        message: `job ${job.id} is held for review (${approvals} approval${approvals === 1 ? "" : "s"} needed)`,
      },
    );
  }
  return { receipt, settlement };
}

/**
 * Appends the entries before it and the release (whose log position the receipt names), and signs
 * a receipt naming that position, the policy versions and each output's hash. In the caller's
 * transaction: the receipt and the entry it points to commit together.
 */
async function release(
  deps: Omit<ReleaseDeps, "store">,
  tx: SqlExecutor,
  job: JobRecord,
  outputs: Record<string, OutputTable>,
  types: Readonly<Record<string, OutputColumnTypes>>,
  actor: string,
  via: "gate" | "review",
  before: readonly AuditEvent[],
): Promise<Receipt | null> {
  // The JSON's hash, and the CSV's: CSV keeps no types, so a CSV download verifies against its own.
  const hashes = Object.entries(outputs).map(([name, rows]) => ({
    name,
    ...outputDigests(rows, types[name], deps.cryptoProfile ?? INTERNATIONAL),
  }));
  const releasedAt = deps.now().toISOString();
  const positions = await deps.audit.appendIn(tx, [
    ...before,
    {
      type: "output.released",
      actor,
      subject: { job: job.id, operator: job.operatorId, license: job.licenseId },
      data: { outputs: hashes, via, releasedAt },
    },
  ]);
  if (hashes.length === 0) return null;
  const policyVersions = await jobRepository.policyVersions(tx, job.id);
  const receipt = deps.signReceipt({
    job: job.id,
    operator: job.operatorId,
    license: job.licenseId,
    purpose: job.purpose,
    policyVersions: policyVersions ?? job.policyVersions ?? {},
    outputs: hashes,
    releasedAt,
    logPosition: positions[positions.length - 1]!.position,
  });
  await tx.run("UPDATE jobs SET receipt = $2 WHERE id = $1", [job.id, JSON.stringify(receipt)]);
  return receipt;
}

/** Error classes a withheld error may show: the sandbox's own and JavaScript's built-in ones. */
const BUILT_IN_CLASSES = new Set([
  "Error",
  "TypeError",
  "RangeError",
  "ReferenceError",
  "SyntaxError",
  "EvalError",
  "URIError",
  "AggregateError",
  "NonError",
  "UnreadableError",
  "QueryError",
  "OutputError",
  "ScriptError",
  "Timeout",
  "MemoryLimit",
  "LimitExceeded",
  "SandboxCrash",
  "Cancelled",
]);

function builtInClass(name: string): string {
  return BUILT_IN_CLASSES.has(name) ? name : "Error";
}

/** Outputs as tables: one flat row becomes a one-row table, a scalar a one-cell table named `value`. */
export function normaliseOutputs(outputs: Record<string, unknown>): Record<string, OutputTable> {
  const tables: Record<string, OutputTable> = {};
  for (const [name, value] of Object.entries(outputs)) {
    if (Array.isArray(value)) tables[name] = value as OutputTable;
    else if (value !== null && typeof value === "object") tables[name] = [value as OutputTable[number]];
    else tables[name] = [{ value: value as OutputTable[number][string] }];
  }
  return tables;
}

/**
 * A release the gate decided, held instead while a freeze touches the job: a reviewer releases it
 * once the freeze is lifted. Any other settlement is answered as it is.
 */
async function holdWhileFrozen(
  tx: Pick<SqlExecutor, "dialect" | "query">,
  job: Pick<JobRecord, "operatorId" | "licenseId">,
  settlement: Settlement,
  now: Date,
): Promise<Settlement> {
  if (settlement.status !== "released") return settlement;
  // Waits for a freeze committing now, so that its release check cannot miss it (READ COMMITTED).
  await sqlDialect.turn(tx, "freeze", { shared: true });
  const freeze = await freezeTouchingJob(tx, job, now);
  if (!freeze) return settlement;
  const decision = settlement.decision ?? {
    outcome: "released",
    reasons: [],
    tainted: false,
    reviewsRequired: 0,
  };
  return {
    ...settlement,
    status: "held",
    reason: "frozen",
    decision: {
      ...decision,
      outcome: "held",
      reasons: [
        ...decision.reasons,
        { code: "frozen", detail: `releases are held while freeze ${freezeLabel(freeze)} holds` },
      ],
      reviewsRequired: Math.max(1, decision.reviewsRequired),
    },
  };
}
