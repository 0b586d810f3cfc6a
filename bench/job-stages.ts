/**
 * Where a job's time goes: runs one query as jobs over HTTP, one at a time, and splits each job's
 * time (as its client sees it) into stages from the gateway's own OpenTelemetry spans, which the
 * gateway exports here (a small OTLP/HTTP JSON receiver):
 *
 * - submit: the POST until it answered (admission, one durable commit);
 * - queued: from that answer until the runner started the job (claim, policy and data versions);
 * - query: the policy engine answering the job's queries (`sql.check`: parse, check, rewrite, the
 *   SQL, noise, release of figures, the answer's columns);
 * - sandbox: the rest of the run before the release gate (the isolate, the answer carried into
 *   it as columns, the script, its outputs written out and validated);
 * - gate: the release gate (`release.gate`: identifier scan and lookup, small cells, limits);
 * - settle: from the gate to the end of the run (output digests, audit entries, the receipt,
 *   the durable commit);
 * - answer: from the end of the run until the client had the settled job (the long poll waking,
 *   the job read back, the HTTP answer).
 *
 * Usage: npm run bench:jobs -- --domain FILE [--query daily_series] [--jobs 15] [--out FILE]
 * (`--domain`: a demo domain file, e.g. from `npm run seed`; `--scale N` generates one instead.)
 * The gateway runs from the TypeScript sources in a process of its own, two sandbox workers.
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { link, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { generateDemoDomain } from "../seeds/generate.ts";

/** The queries, which bench/run.ts also times as jobs against raw DuckDB and the engine (section 1). */
export const JOB_QUERIES: Readonly<Record<string, (tag: string) => string>> = {
  population_group_by: (tag) =>
    `SELECT district, count(*) AS n, avg(annual_income) AS mean_income FROM population WHERE district <> '${tag}' GROUP BY district`,
  visits_join_population: (tag) =>
    `SELECT p.district, count(*) AS visits, avg(m.cost) AS mean_cost FROM population p JOIN medical_visits m ON p.person_id = m.person_id WHERE p.district <> '${tag}' GROUP BY p.district`,
  daily_series: (tag) =>
    `SELECT station, date_trunc('day', hour) AS day, avg(pm25) AS pm25 FROM air_quality WHERE station <> '${tag}' GROUP BY station, day ORDER BY station, day`,
};

export const STAGES = ["submit", "queued", "query", "sandbox", "gate", "settle", "answer"] as const;
export type Stage = (typeof STAGES)[number];

interface Span {
  readonly name: string;
  readonly jobId: string | undefined;
  /** Milliseconds since the epoch. */
  readonly start: number;
  readonly end: number;
}

/** The spans an OTLP/HTTP JSON export request carries. */
function spansOf(body: unknown): Span[] {
  const spans: Span[] = [];
  const resourceSpans = (body as { resourceSpans?: unknown[] }).resourceSpans ?? [];
  for (const resource of resourceSpans as { scopeSpans?: { spans?: Record<string, unknown>[] }[] }[]) {
    for (const scope of resource.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const attributes = (span.attributes ?? []) as { key: string; value: { stringValue?: string } }[];
        spans.push({
          name: String(span.name),
          jobId: attributes.find((a) => a.key === "job.id")?.value.stringValue,
          start: Number(BigInt(String(span.startTimeUnixNano)) / 1000n) / 1000,
          end: Number(BigInt(String(span.endTimeUnixNano)) / 1000n) / 1000,
        });
      }
    }
  }
  return spans;
}

/** Receives the gateway's spans; metrics are acknowledged and dropped. */
async function startReceiver(spans: Span[]): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.url?.endsWith("/v1/traces"))
        spans.push(...spansOf(JSON.parse(Buffer.concat(chunks).toString())));
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return server;
}

interface StartedGateway {
  readonly url: string;
  readonly operatorKey: string;
  readonly license: string;
  close(): Promise<void>;
}

async function startGateway(domain: string, telemetry: string): Promise<StartedGateway> {
  // DuckDB refuses a symlinked file; a hard link shares the cached domain without a copy.
  const dir = await mkdtemp(join(dirname(domain), "bench-jobs-"));
  await link(domain, join(dir, "domain.duckdb"));
  const child: ChildProcess = fork(fileURLToPath(new URL("./gateway-process.ts", import.meta.url)), [], {
    execArgv: ["--no-node-snapshot", "--import", "tsx"],
    env: {
      PATH: process.env.PATH ?? "",
      PORT: "0",
      DATA_DIR: dir,
      LOG_LEVEL: "warn",
      SANDBOX_WORKERS: "2",
      OPERATOR_CONCURRENCY: "2",
      OTEL_EXPORTER_OTLP_ENDPOINT: telemetry,
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const started = await new Promise<{
    url: string;
    credentials: { operator: { key: string; license: string } };
  }>((listening, failed) => {
    child.once("message", (message) => listening(message as never));
    child.once("exit", (code) => failed(new Error(`the gateway exited during start (${code})`)));
  });
  return {
    url: started.url,
    operatorKey: started.credentials.operator.key,
    license: started.credentials.operator.license,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((done) => child.once("exit", done));
        child.send("close");
        await gone;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const SETTLED = new Set(["released", "held", "rejected", "failed", "cancelled"]);

/** Submits a job and long-polls it until settled; its id, status, and when (epoch ms) it began and ended. */
async function runJob(gateway: StartedGateway, sql: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${gateway.operatorKey}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await response.json()) as { id: string; status: string };
  };
  const script = `export default async function main(ctx) { return { result: await ctx.sql(${JSON.stringify(sql)}) }; }`;
  const began = performance.timeOrigin + performance.now();
  const { id } = await call("POST", "/v1/jobs", { script, license: gateway.license });
  let job = await call("GET", `/v1/jobs/${id}?wait=30`);
  while (!SETTLED.has(job.status)) job = await call("GET", `/v1/jobs/${id}?wait=30`);
  return { id, status: job.status, began, ended: performance.timeOrigin + performance.now() };
}

/** One job's stages (ms) from its spans; undefined when a span it needs is missing. */
export function stagesOf(
  job: { id: string; began: number; ended: number },
  spans: readonly Span[],
): Record<Stage, number> | undefined {
  const own = spans.filter((s) => s.jobId === job.id);
  const run = own.find((s) => s.name === "job.run");
  const gate = own.find((s) => s.name === "release.gate");
  // The submission's own request span: the POST that began while the client's call was open.
  const post = spans.find(
    (s) => s.name.startsWith("POST") && s.start >= job.began - 5 && s.end <= (run?.start ?? 0),
  );
  if (!run || !gate || !post) return undefined;
  const query = own.filter((s) => s.name === "sql.check").reduce((total, s) => total + (s.end - s.start), 0);
  return {
    submit: post.end - job.began,
    queued: run.start - post.end,
    query,
    sandbox: gate.start - run.start - query,
    gate: gate.end - gate.start,
    settle: run.end - gate.end,
    answer: job.ended - run.end,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface JobStagesOptions {
  readonly domain: string;
  readonly query: string;
  readonly jobs: number;
}

/** Runs the jobs (after two unmeasured ones) and gives each one's total and stages, and their medians. */
export async function measureJobStages(options: JobStagesOptions) {
  const sql = JOB_QUERIES[options.query];
  if (!sql) throw new Error(`unknown query ${options.query}; one of ${Object.keys(JOB_QUERIES).join(", ")}`);
  const spans: Span[] = [];
  const receiver = await startReceiver(spans);
  const gateway = await startGateway(
    options.domain,
    `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
  );
  try {
    let n = 0;
    for (let i = 0; i < 2; i++) await runJob(gateway, sql(`warm-${n++}`));
    const jobs = [];
    for (let i = 0; i < options.jobs; i++) jobs.push(await runJob(gateway, sql(`bench-${n++}`)));
    // The gateway's batch span processor exports every 5 s, and at its close.
    await gateway.close();
    const measured = jobs.flatMap((job) => {
      const stages = stagesOf(job, spans);
      return stages && job.status === "released" ? [{ totalMs: job.ended - job.began, stages }] : [];
    });
    return {
      query: options.query,
      jobs: options.jobs,
      measured: measured.length,
      medianMs: median(measured.map((m) => m.totalMs)),
      medianStagesMs: Object.fromEntries(
        STAGES.map((s) => [s, median(measured.map((m) => m.stages[s]))]),
      ) as Record<Stage, number>,
      perJob: measured,
    };
  } finally {
    await gateway.close();
    receiver.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      domain: { type: "string" },
      scale: { type: "string" },
      query: { type: "string", default: "daily_series" },
      jobs: { type: "string", default: "15" },
      out: { type: "string" },
    },
  });
  let domain = values.domain ? resolve(values.domain) : undefined;
  if (!domain) {
    const scale = Number(values.scale ?? "0.1");
    domain = fileURLToPath(new URL(`./results/domain-s${scale}.duckdb`, import.meta.url));
    if (!existsSync(domain)) {
      await mkdir(dirname(domain), { recursive: true });
      console.log(`generating the demo domain at scale ${scale} into ${domain} (once) ...`);
      await generateDemoDomain({ file: domain, scale });
    }
  }
  const result = await measureJobStages({ domain, query: values.query!, jobs: Number(values.jobs) });
  console.log(
    `${result.query}: ${result.measured} of ${result.jobs} jobs measured, median ${result.medianMs.toFixed(1)} ms`,
  );
  console.table(
    Object.fromEntries(STAGES.map((s) => [s, { medianMs: Number(result.medianStagesMs[s].toFixed(1)) }])),
  );
  const out = values.out
    ? resolve(values.out)
    : fileURLToPath(new URL("./results/job-stages.json", import.meta.url));
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
