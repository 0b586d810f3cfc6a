/**
 * The benchmark of issue 8: how close the sandbox comes to raw DuckDB, and how much it serves.
 * In one run on one machine: (1) aggregate queries as jobs through the gateway over HTTP against
 * the same queries run directly in DuckDB; (2) trivial-job latency and throughput with durable
 * audit; (3) the sandbox (bench/sandbox.ts); (4) the policy engine (bench/policies.ts); (5) audit
 * appends (bench/audit.ts); (6) gateway and worker memory; (7) a burst of submissions; (8) the same
 * trivial jobs on two gateways and two runners sharing a PostgreSQL control plane; (9) the
 * reconstruction attacks and district-level utility (bench/reconstruction.ts).
 * Figures are medians over `--runs` repeats, with min and max as the spread.
 *
 * Usage: npm run bench -- [--scale 10] [--seconds 5] [--clients 16] [--runs 3] [--burst 3000]
 *          [--domain FILE] [--cache DIR] [--out FILE] [--quick]
 * The demo domain of a scale is generated once into DIR (default bench/results/) and reused.
 * `--quick` is a smoke test: a tiny domain, short phases, one run.
 */
import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { copyFile, link, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import pg from "pg";
import { generateDemoDomain } from "../seeds/generate.ts";
import { startEmbeddedPostgres } from "../test/support/embedded-postgres.ts";
import { measureAudit } from "./audit.ts";
import { JOB_QUERIES } from "./job-stages.ts";
import { measurePolicies, openEngineTimer } from "./policies.ts";
import { MB, rssBytes } from "./processes.ts";
import {
  measureReconstruction,
  RECONSTRUCTION_DEFAULTS,
  RECONSTRUCTION_MARGIN_LABEL,
  RECONSTRUCTION_QUICK,
} from "./reconstruction.ts";
import { measureSandbox } from "./sandbox.ts";

const { values: args } = parseArgs({
  options: {
    scale: { type: "string" },
    seconds: { type: "string" },
    clients: { type: "string" },
    runs: { type: "string" },
    burst: { type: "string" },
    domain: { type: "string" },
    cache: { type: "string" },
    out: { type: "string" },
    quick: { type: "boolean", default: false },
  },
});
const quick = args.quick === true;
const number = (value: string | undefined, fallback: number) =>
  value === undefined ? fallback : Number(value);
const options = {
  scale: number(args.scale, quick ? 0.01 : 1),
  seconds: number(args.seconds, quick ? 1 : 5),
  clients: number(args.clients, quick ? 4 : 16),
  runs: Math.max(1, number(args.runs, quick ? 1 : 3)),
  burst: number(args.burst, quick ? 150 : 3000),
  queueCapacity: quick ? 50 : 1000,
  workers: 2,
};
const here = dirname(fileURLToPath(import.meta.url));
const cacheDir = resolve(args.cache ?? join(here, "results"));
const outFile = resolve(args.out ?? join(here, "results", "bench.json"));

const TARGETS = {
  groupByRatio: 1.1,
  trivialJobsPerSecond: 300,
  trivialP50Ms: 10,
  columnarMBps: 1000,
  trivialP99Ms: 40,
  gatewayRoleIdleRssMB: 150,
};

// `tag` makes each job's query new to the policy engine (a predicate no row meets, so the work is
// the same): a repeated DP query is answered from the budget ledger without running at all, and
// aliases do not count (the engine's query key ignores them). Raw DuckDB runs the same text.
// The same queries `npm run bench:jobs` splits into stages.
const OVERHEAD_QUERIES = {
  population_group_by: JOB_QUERIES.population_group_by!,
  visits_join_population: JOB_QUERIES.visits_join_population!,
  air_quality_daily_series: JOB_QUERIES.daily_series!,
} as const;

const TRIVIAL_SCRIPT = `export default async function main(ctx) {
  return { by_station: await ctx.sql("SELECT station, count(*) AS n FROM air_quality GROUP BY station") };
}`;

// ---- statistics -------------------------------------------------------------------------------

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Spread {
  median: number;
  min: number;
  max: number;
}
type Summary = Spread | string | boolean | null | Summary[] | { [key: string]: Summary };

/** Every numeric leaf of the repeated results becomes { median, min, max }; other leaves are taken from the first run. */
function summarise(runs: readonly unknown[]): Summary {
  const first = runs[0];
  if (typeof first === "number") {
    const numbers = runs.map(Number);
    return { median: median(numbers), min: Math.min(...numbers), max: Math.max(...numbers) };
  }
  if (Array.isArray(first)) return first.map((_, i) => summarise(runs.map((r) => (r as unknown[])[i])));
  if (first !== null && typeof first === "object") {
    return Object.fromEntries(
      Object.keys(first).map((key) => [key, summarise(runs.map((r) => (r as Record<string, unknown>)[key]))]),
    );
  }
  return (first ?? null) as Summary;
}

// ---- processes and memory ---------------------------------------------------------------------

/** The gateway's sandbox workers are its child processes (`SandboxPool.workerPids` inside it). */
function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (ppid) follows the command name, which is in parentheses and may hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Samples a process's RSS every 50 ms until stopped; returns the peak. */
function rssSampler(pid: number): { stop(): number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssBytes(pid));
    },
  };
}

// ---- the gateway under test -------------------------------------------------------------------

interface Gateway {
  /** Where it serves HTTP; empty for a runner. */
  readonly url: string;
  readonly pid: number;
  readonly credentials: {
    bureau: { key: string };
    auditor: { key: string };
    operator: { key: string; license: string };
  };
  readonly operatorKey: string;
  readonly bureauKey: string;
  readonly auditorKey: string;
  readonly license: string;
  close(): Promise<void>;
}

async function domainFile(): Promise<string> {
  if (args.domain) return resolve(args.domain);
  const file = join(cacheDir, `domain-s${options.scale}.duckdb`);
  if (!existsSync(file)) {
    await mkdir(cacheDir, { recursive: true });
    log(`generating the demo domain at scale ${options.scale} into ${file} (once) ...`);
    await generateDemoDomain({ file, scale: options.scale });
  }
  return file;
}

/**
 * A data folder next to the cached domain, holding it by a hard link (no copy). The gateway's first
 * start splits the one-file domain into data versions (the upgrade path): a copy of each table
 * into its version file, before the node listens, so no measurement includes it.
 */
async function dataFolderFor(domain: string): Promise<string> {
  // DuckDB's lockdown refuses a symlinked file: it resolves the link and the WAL path moves.
  const dir = await mkdtemp(join(dirname(domain), "bench-gateway-"));
  await link(domain, join(dir, "domain.duckdb")).catch(() => copyFile(domain, join(dir, "domain.duckdb")));
  return dir;
}

async function startGatewayProcess(
  domain: string,
  queueCapacity: number,
  node: { dir?: string; env?: Record<string, string>; credentials?: Gateway["credentials"] } = {},
): Promise<Gateway> {
  const dir = node.dir ?? (await dataFolderFor(domain));
  // The production form `npm start` runs: compiled JavaScript, no TypeScript loader (see main()).
  const child: ChildProcess = fork(join(here, "..", "dist", "bench", "gateway-process.js"), [], {
    execArgv: ["--no-node-snapshot"],
    env: {
      PATH: process.env.PATH ?? "",
      PORT: "0",
      DATA_DIR: dir,
      LOG_LEVEL: "warn",
      SANDBOX_WORKERS: String(options.workers),
      OPERATOR_CONCURRENCY: String(options.workers),
      JOB_QUEUE_CAPACITY: String(queueCapacity),
      ...node.env,
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const listening = await new Promise<{ url: string; credentials: Gateway["credentials"] | null }>(
    (resolveStart, reject) => {
      child.once("message", (message) => resolveStart(message as never));
      child.once("exit", (code) => reject(new Error(`the gateway exited during start (${code})`)));
    },
  );
  // A node joining a domain others provisioned creates no demo keys: it is given them.
  const credentials = listening.credentials ?? node.credentials;
  if (!credentials) throw new Error("the first node of a domain must create its demo credentials");
  const gateway: Gateway = {
    url: listening.url,
    pid: child.pid!,
    credentials,
    operatorKey: credentials.operator.key,
    bureauKey: credentials.bureau.key,
    auditorKey: credentials.auditor.key,
    license: credentials.operator.license,
    async close() {
      const gone = new Promise((done) => child.once("exit", done));
      child.send("close");
      await gone;
      if (!node.dir) await rm(dir, { recursive: true, force: true });
    },
  };
  if (gateway.url && !node.env?.ROLE) await waitForWorkers(gateway);
  return gateway;
}

/** Workers start with the gateway; measurements begin once they are up (and their RSS readable). */
async function waitForWorkers(gateway: Gateway): Promise<void> {
  for (let i = 0; i < (quick ? 2 : 20); i++) await runJob(gateway, TRIVIAL_SCRIPT);
}

interface JobAnswer {
  id: string;
  status: string;
  outputs?: Record<string, unknown[]>;
  error?: { code: string };
}

async function call<T>(gateway: Gateway, method: string, path: string, body?: unknown, key?: string) {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key ?? gateway.operatorKey}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

const SETTLED = new Set(["released", "held", "rejected", "failed", "cancelled"]);

async function settle(gateway: Gateway, id: string): Promise<JobAnswer> {
  for (;;) {
    const { body } = await call<JobAnswer>(gateway, "GET", `/v1/jobs/${id}?wait=30`);
    if (SETTLED.has(body.status)) return body;
  }
}

/** Submit, then long-poll until settled: what an operator's client does. */
async function runJob(gateway: Gateway, script: string): Promise<JobAnswer & { ms: number }> {
  const started = performance.now();
  const submitted = await call<JobAnswer>(gateway, "POST", "/v1/jobs", { script, license: gateway.license });
  if (submitted.status !== 202) throw new Error(`submission answered ${submitted.status}`);
  const job = await settle(gateway, submitted.body.id);
  return { ...job, ms: performance.now() - started };
}

// ---- (1) overhead against raw DuckDB ----------------------------------------------------------

async function measureOverhead(gateway: Gateway, domain: string) {
  const instance = await DuckDBInstance.create(domain, { access_mode: "READ_ONLY" });
  const connection = await instance.connect();
  const rawMs = async (sql: string) => {
    const started = performance.now();
    (await connection.runAndReadAll(sql)).getRowsJson();
    return performance.now() - started;
  };
  const engine = await openEngineTimer(domain);
  const failures: Record<string, Record<string, number>> = {};
  /** A job that does not release (e.g. TIMEOUT past the wall limit) is counted, not timed. */
  const jobMs = async (name: string, sql: string) => {
    const script = `export default async function main(ctx) { return { result: await ctx.sql(${JSON.stringify(sql)}) }; }`;
    const job = await runJob(gateway, script);
    if (job.status === "released") return job.ms;
    const reason = `${job.status}:${job.error?.code ?? "none"}`;
    const counts = failures[name] ?? {};
    failures[name] = counts;
    counts[reason] = (counts[reason] ?? 0) + 1;
    return null;
  };
  try {
    const perQuery: Record<string, { rawMs: number[]; engineMs: number[]; jobMs: number[] }> = {};
    let n = 0;
    const tag = () => `bench-${n++}`;
    for (const [name, sql] of Object.entries(OVERHEAD_QUERIES)) {
      perQuery[name] = { rawMs: [], engineMs: [], jobMs: [] };
      // Warm the DuckDB instances' buffer pools (and the OS page cache) first.
      await rawMs(sql(tag()));
      await engine.ms(sql(tag()));
      await jobMs(name, sql(tag()));
    }
    await awaitVerifiedUnits(gateway);
    await awaitIdle(gateway.pid);
    for (let run = 0; run < options.runs; run++) {
      for (const [name, sql] of Object.entries(OVERHEAD_QUERIES)) {
        const text = sql(tag());
        perQuery[name]!.rawMs.push(await rawMs(text));
        perQuery[name]!.engineMs.push(await engine.ms(sql(tag())));
        const ms = await jobMs(name, text);
        if (ms !== null) perQuery[name]!.jobMs.push(ms);
      }
    }
    return Object.fromEntries(
      Object.entries(perQuery).map(([name, { rawMs: raw, engineMs: inEngine, jobMs: job }]) => [
        name,
        {
          rawMs: summarise(raw) as Spread,
          engineMs: summarise(inEngine) as Spread,
          /** What running it as a job (HTTP, queue, sandbox, release, audit) adds to the engine's time. */
          jobOverEngine: median(job) / median(inEngine),
          jobMs: (job.length > 0
            ? summarise(job)
            : { median: Number.NaN, min: Number.NaN, max: Number.NaN }) as Spread,
          ratio: median(job) / median(raw),
          overheadMs: median(job) - median(raw),
          released: job.length,
          notReleased: failures[name] ?? {},
        },
      ]),
    );
  } finally {
    engine.close();
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * The engine verifies in the background, on first use, that population's unit is unique (which
 * lets it skip the contribution-bounding window); the measured runs start once jobs use it, or
 * after a minute without (then the figures are those of the general path).
 */
async function awaitVerifiedUnits(gateway: Gateway): Promise<void> {
  const until = performance.now() + 60_000;
  while (performance.now() < until) {
    const sql = OVERHEAD_QUERIES.population_group_by(`warm-${Math.random()}`);
    const script = `export default async function main(ctx) { return { result: await ctx.sql(${JSON.stringify(sql)}) }; }`;
    const submitted = await call<JobAnswer>(gateway, "POST", "/v1/jobs", {
      script,
      license: gateway.license,
    });
    await settle(gateway, submitted.body.id);
    // The shortcut is named in the query's audit entry (operators are not shown it).
    const { body } = await call<{ entries: { data: { verdict?: { rewrites?: string[] } } }[] }>(
      gateway,
      "GET",
      `/v1/audit?job=${submitted.body.id}&type=query.checked`,
      undefined,
      gateway.auditorKey,
    );
    if (body.entries.some((e) => e.data.verdict?.rewrites?.includes("unit_unique_per_row"))) return;
    await new Promise((done) => setTimeout(done, 1000));
  }
  log("population's unit was not verified unique within a minute: measuring the general path");
}

/** CPU seconds a process has used so far (utime + stime of /proc/<pid>/stat). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * The gateway verifies facts about the domain in the background after it starts (seconds of CPU
 * at scale 10); timing jobs while that runs would measure the two together. Waits until the
 * gateway uses under a tenth of a core over a second, or two minutes.
 */
async function awaitIdle(pid: number): Promise<void> {
  const until = performance.now() + 120_000;
  while (performance.now() < until) {
    const before = cpuSeconds(pid);
    await new Promise((done) => setTimeout(done, 1000));
    if (cpuSeconds(pid) - before < 0.1) return;
  }
  log("the gateway did not go idle within two minutes: measuring anyway");
}

// ---- (2) trivial jobs: latency and throughput; (6) memory under load --------------------------

async function measureLatencyAlone(gateway: Gateway, jobs: number) {
  const latencies: number[] = [];
  for (let i = 0; i < jobs; i++) latencies.push((await runJob(gateway, TRIVIAL_SCRIPT)).ms);
  return { jobs, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

async function measureThroughput(gateway: Gateway, others: readonly Gateway[] = []) {
  const entries = [gateway, ...others];
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const sampler = rssSampler(gateway.pid);
  const workerPeak = new Map<number, number>();
  const workerTimer = setInterval(() => {
    for (const pid of childPids(gateway.pid))
      workerPeak.set(pid, Math.max(workerPeak.get(pid) ?? 0, rssBytes(pid)));
  }, 100);
  const started = performance.now();
  const until = started + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.clients }, async (_, client) => {
      while (performance.now() < until) {
        const job = await runJob(entries[client % entries.length]!, TRIVIAL_SCRIPT);
        latencies.push(job.ms);
        statuses[job.status] = (statuses[job.status] ?? 0) + 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  clearInterval(workerTimer);
  const released = statuses.released ?? 0;
  return {
    clients: options.clients,
    seconds: elapsed,
    jobs: latencies.length,
    released,
    notReleased: latencies.length - released,
    jobsPerSecond: released / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    gatewayPeakRssMB: sampler.stop() / MB,
    workerPeakRssMB: Math.max(0, ...workerPeak.values()) / MB,
  };
}

// ---- (8) several nodes on PostgreSQL ------------------------------------------------------------

/**
 * Two stateless gateways and two runners sharing one PostgreSQL control plane and one data folder
 * (BENCH_DATABASE_URL names a server; otherwise one is started from embedded-postgres). The same
 * number of sandbox workers as the one-node phases, split between the runners.
 */
async function measureCluster(domain: string) {
  const server = process.env.BENCH_DATABASE_URL ? undefined : await startEmbeddedPostgres();
  const admin = process.env.BENCH_DATABASE_URL ?? server!.url;
  const name = `aos_bench_${process.pid}_${Date.now()}`;
  const sql = async (statement: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await sql(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const dir = await dataFolderFor(domain);
  const perRunner = Math.max(1, Math.floor(options.workers / 2));
  const env = (role: "gateway" | "runner", id: string) => ({
    DATABASE_URL: url.toString(),
    ROLE: role,
    RUNNER_ID: id,
    SANDBOX_WORKERS: String(perRunner),
    OPERATOR_CONCURRENCY: String(perRunner * 2),
  });
  const nodes: Gateway[] = [];
  try {
    const first = await startGatewayProcess(domain, options.queueCapacity, {
      dir,
      env: env("gateway", "gateway-a"),
    });
    nodes.push(first);
    const joined = { dir, credentials: first.credentials };
    const rest = await Promise.all([
      startGatewayProcess(domain, options.queueCapacity, { ...joined, env: env("gateway", "gateway-b") }),
      startGatewayProcess(domain, options.queueCapacity, { ...joined, env: env("runner", "runner-a") }),
      startGatewayProcess(domain, options.queueCapacity, { ...joined, env: env("runner", "runner-b") }),
    ]);
    nodes.push(...rest);
    const second = rest[0]!;
    const runners = rest.slice(1);
    for (let i = 0; i < (quick ? 4 : 20); i++) await runJob(i % 2 === 0 ? first : second, TRIVIAL_SCRIPT);
    await new Promise((done) => setTimeout(done, 1000));
    const gatewayIdleRssMB = [first, second].map((g) => rssBytes(g.pid) / MB);
    const runnerIdleRssMB = runners.map((r) => rssBytes(r.pid) / MB);
    const alone = [];
    for (let run = 0; run < options.runs; run++)
      alone.push(await measureLatencyAlone(first, quick ? 10 : 200));
    const loaded = [];
    for (let run = 0; run < options.runs; run++) loaded.push(await measureThroughput(first, [second]));
    return {
      gateways: 2,
      runners: 2,
      workersPerRunner: perRunner,
      gatewayIdleRssMB,
      runnerIdleRssMB,
      latency: summarise(alone),
      throughput: summarise(loaded),
    };
  } finally {
    for (const node of nodes.reverse()) await node.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    await sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await server?.stop();
  }
}

// ---- (7) burst --------------------------------------------------------------------------------

/** Jobs in one status, counted over every page of the list (a page holds at most 500). */
async function countJobs(gateway: Parameters<typeof call>[0], status: string): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const { body } = await call<{ jobs: unknown[]; next: string | null }>(
      gateway,
      "GET",
      `/v1/jobs?status=${status}&limit=500${query}`,
      undefined,
      gateway.bureauKey,
    );
    count += body.jobs.length;
    cursor = body.next;
  } while (cursor);
  return count;
}

async function measureBurst(gateway: Gateway, submissions: number, queueCapacity: number) {
  let maxQueued = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      maxQueued = Math.max(maxQueued, await countJobs(gateway, "queued"));
      await new Promise((done) => setTimeout(done, 20));
    }
  })();
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: submissions }, () =>
      call<JobAnswer>(gateway, "POST", "/v1/jobs", {
        script: TRIVIAL_SCRIPT,
        license: gateway.license,
      }).catch(() => ({ status: 0, body: null })),
    ),
  );
  const submitSeconds = (performance.now() - started) / 1000;
  // Jobs that left the queue while submissions were still answered (the sampler may miss a peak
  // between its rounds, so the bound is also checked by accounting): accepted ≤ capacity + those.
  let leftQueue = 0;
  for (const status of ["running", "released", "held", "rejected", "failed", "cancelled"]) {
    leftQueue += await countJobs(gateway, status);
  }
  const accepted = answers.flatMap((a) => (a.status === 202 && a.body ? [a.body.id] : []));
  const tooMany = answers.filter((a) => a.status === 429).length;
  const settled = await Promise.all(accepted.map((id) => settle(gateway, id)));
  sampling = false;
  await sampler;
  const released = settled.filter((j) => j.status === "released").length;
  return {
    submissions,
    queueCapacity,
    accepted: accepted.length,
    rejected429: tooMany,
    otherAnswers: submissions - accepted.length - tooMany,
    submitSeconds,
    drainSeconds: (performance.now() - started) / 1000,
    settled: settled.length,
    released,
    lost: accepted.length - settled.length,
    maxQueuedObserved: maxQueued,
    leftQueueDuringSubmission: leftQueue,
    // Every submission was either accepted or answered 429, every accepted job settled.
    noneLost: settled.length === accepted.length && accepted.length + tooMany === submissions,
    // The queue never held more than its bound: as sampled, and by accounting (jobs that left the
    // queue during the burst, warm-up jobs included, make room for as many more acceptances).
    queueBoundRespected: maxQueued <= queueCapacity && accepted.length <= queueCapacity + leftQueue,
  };
}

// ---- the run ----------------------------------------------------------------------------------

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function main(): Promise<void> {
  const startedAt = new Date();
  log("building the compiled gateway (npm run build)");
  execFileSync(
    process.execPath,
    [
      join(here, "..", "node_modules", "typescript", "bin", "tsc"),
      "-p",
      join(here, "..", "tsconfig.build.json"),
    ],
    {
      stdio: "inherit",
    },
  );
  const domain = await domainFile();
  log(`domain ${domain}; runs ${options.runs}, ${options.clients} clients × ${options.seconds} s`);

  const gateway = await startGatewayProcess(domain, options.queueCapacity);
  let overhead: Awaited<ReturnType<typeof measureOverhead>>;
  let latency: Summary;
  let throughput: Summary;
  let memory: {
    gatewayIdleRssMB: number;
    workersIdleRssMB: number[];
    gatewayUnderLoadPeakRssMB: Summary;
    workerUnderLoadPeakRssMB: Summary;
    workers: number;
  };
  let burst: Awaited<ReturnType<typeof measureBurst>>;
  try {
    await new Promise((done) => setTimeout(done, 500));
    const idleRss = rssBytes(gateway.pid) / MB;
    const idleWorkers = childPids(gateway.pid).map((pid) => rssBytes(pid) / MB);
    log("(1) overhead against raw DuckDB");
    overhead = await measureOverhead(gateway, domain);
    log("(2) trivial-job latency, one client");
    const alone = [];
    for (let run = 0; run < options.runs; run++)
      alone.push(await measureLatencyAlone(gateway, quick ? 10 : 200));
    latency = summarise(alone);
    log(`(2) trivial-job throughput, ${options.clients} clients`);
    const loaded = [];
    for (let run = 0; run < options.runs; run++) loaded.push(await measureThroughput(gateway));
    throughput = summarise(loaded);
    memory = {
      gatewayIdleRssMB: idleRss,
      workersIdleRssMB: idleWorkers,
      gatewayUnderLoadPeakRssMB: summarise(loaded.map((l) => l.gatewayPeakRssMB)),
      workerUnderLoadPeakRssMB: summarise(loaded.map((l) => l.workerPeakRssMB)),
      workers: childPids(gateway.pid).length,
    };
  } finally {
    await gateway.close();
  }
  log(`(7) burst of ${options.burst} submissions`);
  const burstGateway = await startGatewayProcess(domain, options.queueCapacity);
  try {
    burst = await measureBurst(burstGateway, options.burst, options.queueCapacity);
  } finally {
    await burstGateway.close();
  }

  log("(8) two gateways and two runners on PostgreSQL");
  const cluster = await measureCluster(domain);

  log("(3) sandbox");
  const sandboxRuns = [];
  for (let run = 0; run < options.runs; run++) {
    sandboxRuns.push(
      await measureSandbox(
        quick ? { emptyJobs: 10, columnRows: 100_000, rowObjectRows: 10_000, repeats: 2 } : {},
      ),
    );
  }
  const sandbox = summarise(sandboxRuns);
  log("(4) policy engine");
  const policies = await measurePolicies(domain, quick ? 2 : 3);
  log("(5) audit appends");
  const auditRuns = [];
  for (let run = 0; run < options.runs; run++) auditRuns.push(await measureAudit(quick ? 0.3 : 2));
  const audit = summarise(auditRuns);
  log("(9) reconstruction attacks and utility");
  const reconstruction = await measureReconstruction(domain, {
    ...(quick ? RECONSTRUCTION_QUICK : RECONSTRUCTION_DEFAULTS),
    log: (message) => log(`(9) ${message}`),
  });

  const groupBy = overhead.population_group_by!;
  const tp = throughput as Record<string, Spread>;
  const lat = latency as Record<string, Spread>;
  const columnar = (sandbox as Record<string, Record<string, Spread>>).columnar!;
  const targets = {
    groupByRatio: {
      target: `≤ ${TARGETS.groupByRatio}`,
      measured: groupBy.ratio,
      met: groupBy.ratio <= TARGETS.groupByRatio,
    },
    trivialJobsPerSecond: {
      target: `≥ ${TARGETS.trivialJobsPerSecond}`,
      measured: tp.jobsPerSecond!.median,
      met: tp.jobsPerSecond!.median >= TARGETS.trivialJobsPerSecond,
    },
    trivialP50Ms: {
      target: `≤ ${TARGETS.trivialP50Ms}`,
      measured: lat.p50Ms!.median,
      met: lat.p50Ms!.median <= TARGETS.trivialP50Ms,
    },
    trivialP99Ms: {
      target: `≤ ${TARGETS.trivialP99Ms}`,
      measured: lat.p99Ms!.median,
      met: lat.p99Ms!.median <= TARGETS.trivialP99Ms,
    },
    gatewayRoleIdleRssMB: {
      target: `≤ ${TARGETS.gatewayRoleIdleRssMB}`,
      measured: Math.max(...cluster.gatewayIdleRssMB),
      met: Math.max(...cluster.gatewayIdleRssMB) <= TARGETS.gatewayRoleIdleRssMB,
    },
    columnarMBps: {
      target: `≥ ${TARGETS.columnarMBps}`,
      measured: columnar.sandboxMBps!.median,
      met: columnar.sandboxMBps!.median >= TARGETS.columnarMBps,
    },
    reconstruction: {
      target: RECONSTRUCTION_MARGIN_LABEL,
      measured: Math.max(...reconstruction.attacks.map((a) => a.recovered - a.guessing)),
      met: reconstruction.met.reconstruction,
    },
    utility: {
      target: "≤ 1% mean relative error",
      measured: Math.max(...reconstruction.utility.map((u) => u.meanRelativeError)),
      met: reconstruction.met.utility,
    },
  };
  const result = {
    benchmark: "aos",
    startedAt: startedAt.toISOString(),
    machine: { node: process.version, cpus: cpus().length, memoryGB: totalmem() / 2 ** 30 },
    options: { ...options, quick, domain },
    targets,
    overhead,
    latency,
    throughput,
    sandbox,
    policies,
    audit,
    reconstruction,
    memory,
    burst,
    cluster,
  };
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, `${JSON.stringify(result, null, 2)}\n`);

  const f = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));
  const s = (x: Spread) => `${f(x.median)} (${f(x.min)}–${f(x.max)})`;
  const table: Record<string, { value: string; raw: string; target: string }> = {};
  for (const [name, o] of Object.entries(overhead)) {
    table[`job/raw ${name}`] = {
      value: `${f(o.ratio)}× (job ${s(o.jobMs)} ms)`,
      raw: `${s(o.rawMs)} ms`,
      target: name === "population_group_by" ? targets.groupByRatio.target : "",
    };
    table[`job/engine ${name}`] = {
      value: `${f(o.jobOverEngine)}× (engine ${s(o.engineMs)} ms)`,
      raw: "",
      target: "≤ 1.10",
    };
  }
  table["trivial job p50 / p99, one client"] = {
    value: `${s(lat.p50Ms!)} / ${s(lat.p99Ms!)} ms`,
    raw: "",
    target: `p50 ${targets.trivialP50Ms.target} ms`,
  };
  table[`trivial jobs/s, ${options.clients} clients`] = {
    value: `${s(tp.jobsPerSecond!)} (p50 ${f(tp.p50Ms!.median)} ms, p99 ${f(tp.p99Ms!.median)} ms)`,
    raw: "",
    target: targets.trivialJobsPerSecond.target,
  };
  const sb = sandbox as Record<string, Record<string, Spread>>;
  table["fresh isolate → result (empty script)"] = {
    value: `${s(sb.perJob!.p50Ms!)} ms p50`,
    raw: `${f(sb.perJob!.rawInProcessIsolateMs!.median)} ms in-process`,
    target: "",
  };
  table["columnar into an isolate"] = {
    value: `${s(columnar.sandboxMBps!)} MB/s`,
    raw: `${f(columnar.rawCopyMBps!.median)} MB/s memcpy`,
    target: `${targets.columnarMBps.target} MB/s`,
  };
  table["row objects into an isolate"] = {
    value: `${s(sb.rowObjects!.sandboxRowsPerSec!)} rows/s`,
    raw: `${f(sb.rowObjects!.rawExternalCopyRowsPerSec!.median)} rows/s in-process`,
    target: "",
  };
  for (const q of policies.queries) {
    table[`policy ${q.name}`] = {
      value: `parse ${f(q.parse_ms)} check ${f(q.check_ms)} rewrite ${f(q.rewrite_ms)} engine ${f(q.engine_total_ms)} ms (${f(q.engine_total_ms / q.raw_duckdb_ms)}× raw, ${f(q.engine_total_ms / q.raw_read_ms)}× raw with its rows read; rewritten SQL ${f(q.rewritten_ratio)}×)`,
      raw: `${f(q.raw_duckdb_ms)} ms`,
      target: "engine ≤ 2.0× raw",
    };
  }
  const auditRows = (audit as Record<string, Record<string, Spread>[]>).rows!;
  for (const row of auditRows) {
    table[`audit appends/s, ${row.writers!.median} writers`] = {
      value: s(row.appendsPerSecond!),
      raw: `${f((audit as Record<string, Spread>).rawSyncsPerSecond!.median)} unbatched fdatasync/s`,
      target: "",
    };
  }
  table["gateway RSS idle / under load"] = {
    value: `${f(memory.gatewayIdleRssMB)} / ${s(memory.gatewayUnderLoadPeakRssMB as Spread)} MB`,
    raw: "",
    target: "",
  };
  table["worker RSS idle / under load"] = {
    value: `${memory.workersIdleRssMB.map(f).join(", ")} / ${s(memory.workerUnderLoadPeakRssMB as Spread)} MB`,
    raw: "",
    target: "",
  };
  const clusterLatency = cluster.latency as Record<string, Spread>;
  const clusterThroughput = cluster.throughput as Record<string, Spread>;
  table["2 gateways + 2 runners (PostgreSQL): trivial p50 / p99, one client"] = {
    value: `${s(clusterLatency.p50Ms!)} / ${s(clusterLatency.p99Ms!)} ms`,
    raw: "",
    target: "",
  };
  table[`2 gateways + 2 runners (PostgreSQL): trivial jobs/s, ${options.clients} clients`] = {
    value: `${s(clusterThroughput.jobsPerSecond!)} (p50 ${f(clusterThroughput.p50Ms!.median)} ms, p99 ${f(clusterThroughput.p99Ms!.median)} ms)`,
    raw: "",
    target: "",
  };
  table["gateway-role RSS idle (each) / runner RSS idle"] = {
    value: `${cluster.gatewayIdleRssMB.map(f).join(", ")} / ${cluster.runnerIdleRssMB.map(f).join(", ")} MB`,
    raw: "",
    target: `gateway ≤ ${TARGETS.gatewayRoleIdleRssMB} MB`,
  };
  table[`burst of ${burst.submissions}`] = {
    value: `${burst.accepted} accepted, ${burst.rejected429} × 429, ${burst.lost} lost, max queued ${burst.maxQueuedObserved}/${burst.queueCapacity}, bound ${burst.queueBoundRespected ? "kept" : "EXCEEDED"}`,
    raw: "",
    target: "none lost, bound kept",
  };
  const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
  for (const a of reconstruction.attacks) {
    table[`reconstruction ${a.column} ${a.attack}`] = {
      value: `recovered ${percent(a.recovered)} vs guessing ${percent(a.guessing)}; ${a.answered}/${a.asked} answered, ε ${a.epsilonSpent}, stopped by ${a.stoppedBy}`,
      raw: "",
      target: `≤ ${percent(a.guessing + 0.05)}${a.met ? "" : " LEAK"}`,
    };
  }
  for (const u of reconstruction.utility) {
    table[`utility ${u.figure} (${u.groups} districts ≥ 1,000 units)`] = {
      value:
        u.groups === 0
          ? "no district of 1,000 units at this scale"
          : `mean ${percent(u.meanRelativeError)}, max ${percent(u.maxRelativeError)}, bias ${percent(u.bias)}`,
      raw: "",
      target: "≤ 1.0%",
    };
  }
  console.table(table);
  log(`wrote ${outFile}`);
}

await main();
