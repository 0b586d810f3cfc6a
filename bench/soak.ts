/**
 * The soak: many small jobs through one real gateway (the compiled embedded default in a process
 * of its own, as `npm start` runs it), sampling the gateway process's RSS as they run. Memory that
 * grows with the number of jobs is a leak: after a warm-up the RSS must stay flat, within ±10%.
 *
 * Usage: npm run bench:soak -- [--jobs 10000] [--clients 8] [--workers 2] [--scale 0.002]
 *          [--warmup 0.1] [--out FILE] [--snapshots DIR] [--no-build]
 * `--snapshots DIR` writes a V8 heap snapshot of the gateway at the end of the warm-up and at the
 * end (compare them in Chrome DevTools' Memory tab to see what grew). Each job asks a query no
 * earlier job asked, so nothing is answered from a cache: every job takes the whole path.
 */
import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { MB, rssBytes } from "./processes.ts";

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "10000" },
    clients: { type: "string", default: "8" },
    workers: { type: "string", default: "2" },
    scale: { type: "string", default: "0.002" },
    warmup: { type: "string", default: "0.1" },
    out: { type: "string" },
    snapshots: { type: "string" },
    "no-build": { type: "boolean", default: false },
  },
});
const positive = (name: string, text: string | undefined): number => {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`--${name} takes a positive number (got ${text})\n`);
    process.exit(2);
  }
  return value;
};
const options = {
  jobs: Math.round(positive("jobs", args.jobs)),
  clients: Math.round(positive("clients", args.clients)),
  workers: Math.round(positive("workers", args.workers)),
  scale: positive("scale", args.scale),
  warmup: Math.min(0.5, positive("warmup", args.warmup)),
};
const here = dirname(fileURLToPath(import.meta.url));
const outFile = resolve(args.out ?? join(here, "results", "soak.json"));
/** RSS may move this much (as a fraction) between the start and the end of the measured part. */
const FLAT_WITHIN = 0.1;
const SAMPLE_MS = 1000;

function log(message: string): void {
  process.stderr.write(`[soak] ${message}\n`);
}

interface GatewayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly operatorKey: string;
  readonly license: string;
  ask<T>(message: unknown, reply: string): Promise<T>;
}

async function startGatewayProcess(dir: string): Promise<GatewayProcess> {
  const child = fork(join(here, "..", "dist", "bench", "gateway-process.js"), [], {
    execArgv: ["--no-node-snapshot"],
    env: {
      PATH: process.env.PATH ?? "",
      PORT: "0",
      DATA_DIR: dir,
      SEED_SCALE: String(options.scale),
      LOG_LEVEL: "warn",
      SANDBOX_WORKERS: String(options.workers),
      OPERATOR_CONCURRENCY: String(options.workers),
      JOB_QUEUE_CAPACITY: String(Math.max(100, options.clients * 4)),
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const started = await new Promise<{
    url: string;
    credentials: { operator: { key: string; license: string } } | null;
  }>((done, reject) => {
    child.once("message", (message) => done(message as never));
    child.once("exit", (code) => reject(new Error(`the gateway exited during start (${code})`)));
  });
  if (!started.credentials) throw new Error("a fresh data folder must create demo credentials");
  return {
    child,
    url: started.url,
    operatorKey: started.credentials.operator.key,
    license: started.credentials.operator.license,
    ask<T>(message: unknown, reply: string) {
      return new Promise<T>((done) => {
        const listener = (answer: unknown) => {
          if ((answer as { t?: string }).t !== reply) return;
          child.off("message", listener);
          done(answer as T);
        };
        child.on("message", listener);
        child.send(message as never);
      });
    },
  };
}

const SETTLED = new Set(["released", "held", "rejected", "failed", "cancelled"]);

/** Submit, then long-poll until settled, as an operator's client does; the job's final status. */
async function runJob(gateway: GatewayProcess, n: number): Promise<string> {
  const headers = { authorization: `Bearer ${gateway.operatorKey}`, "content-type": "application/json" };
  // A predicate no row meets, new for each job: the same work, never a repeated (cached) query.
  const script = `export default async function main(ctx) {
    return { by_station: await ctx.sql("SELECT station, count(*) AS n FROM air_quality WHERE station <> 'soak-${n}' GROUP BY station") };
  }`;
  const submitted = await fetch(`${gateway.url}/v1/jobs`, {
    method: "POST",
    headers,
    body: JSON.stringify({ script, license: gateway.license }),
  });
  const job = (await submitted.json()) as { id?: string; status?: string; code?: string };
  if (submitted.status !== 202 || !job.id) return `refused:${job.code ?? submitted.status}`;
  for (;;) {
    const polled = await fetch(`${gateway.url}/v1/jobs/${job.id}?wait=30`, { headers });
    const body = (await polled.json()) as { status: string };
    if (SETTLED.has(body.status)) return body.status;
  }
}

interface Sample {
  readonly jobs: number;
  readonly seconds: number;
  readonly rssMB: number;
  readonly heapUsedMB: number;
  readonly heapTotalMB: number;
  readonly externalMB: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  if (!args["no-build"]) {
    log("building the compiled gateway (tsc -p tsconfig.build.json)");
    execFileSync(
      process.execPath,
      [
        join(here, "..", "node_modules", "typescript", "bin", "tsc"),
        "-p",
        join(here, "..", "tsconfig.build.json"),
      ],
      { stdio: "inherit" },
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "aos-soak-"));
  const gateway = await startGatewayProcess(dir);
  const pid = gateway.child.pid!;
  const samples: Sample[] = [];
  const statuses: Record<string, number> = {};
  let done = 0;
  const warmupJobs = Math.round(options.jobs * options.warmup);
  const snapshots: string[] = [];
  const snapshot = async (name: string) => {
    if (!args.snapshots) return;
    await mkdir(resolve(args.snapshots), { recursive: true });
    const file = join(resolve(args.snapshots), `gateway-${name}.heapsnapshot`);
    snapshots.push((await gateway.ask<{ file: string }>({ heapSnapshot: file }, "heap-snapshot")).file);
  };
  const started = performance.now();
  const sample = async () => {
    const memory = await gateway.ask<NodeJS.MemoryUsage>("memory", "memory");
    samples.push({
      jobs: done,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      rssMB: rssBytes(pid) / MB,
      heapUsedMB: memory.heapUsed / MB,
      heapTotalMB: memory.heapTotal / MB,
      externalMB: (memory.external + memory.arrayBuffers) / MB,
    });
  };
  // One sample at a time: a heap snapshot holds the gateway up, and samples must not pile up behind it.
  let sampling: Promise<void> | undefined;
  const timer = setInterval(() => {
    sampling ??= sample().finally(() => {
      sampling = undefined;
    });
  }, SAMPLE_MS);
  log(`${options.jobs} jobs, ${options.clients} clients, ${options.workers} sandbox workers`);
  let next = 0;
  let warmedUp = false;
  try {
    await Promise.all(
      Array.from({ length: options.clients }, async () => {
        while (next < options.jobs) {
          const n = next++;
          const status = await runJob(gateway, n);
          statuses[status] = (statuses[status] ?? 0) + 1;
          done++;
          if (done % 1000 === 0) log(`${done} jobs, RSS ${(rssBytes(pid) / MB).toFixed(0)} MB`);
          if (!warmedUp && done >= warmupJobs) {
            warmedUp = true;
            await snapshot("after-warmup");
          }
        }
      }),
    );
  } finally {
    clearInterval(timer);
    await sampling;
  }
  await sample();
  await snapshot("end");
  const seconds = (performance.now() - started) / 1000;
  gateway.child.send("close");
  await new Promise((exit) => gateway.child.once("exit", exit));
  await rm(dir, { recursive: true, force: true });

  // The measured part: from the end of the warm-up on. Its first and last tenths are compared by
  // their medians (a GC's sawtooth is not growth).
  const measured = samples.filter((s) => s.jobs >= warmupJobs);
  const tenth = Math.max(1, Math.floor(measured.length / 10));
  const early = median(measured.slice(0, tenth).map((s) => s.rssMB));
  const late = median(measured.slice(-tenth).map((s) => s.rssMB));
  const change = late / early - 1;
  const flat = Math.abs(change) <= FLAT_WITHIN;
  const result = {
    startedAt: new Date(Date.now() - seconds * 1000).toISOString(),
    machine: { node: process.version, cpus: cpus().length },
    options: { ...options, sampleMs: SAMPLE_MS, flatWithin: FLAT_WITHIN },
    jobs: { done, statuses, seconds, perSecond: done / seconds },
    rss: {
      afterWarmupMB: early,
      endMB: late,
      peakMB: Math.max(...measured.map((s) => s.rssMB)),
      change,
      flat,
    },
    heapUsed: {
      afterWarmupMB: median(measured.slice(0, tenth).map((s) => s.heapUsedMB)),
      endMB: median(measured.slice(-tenth).map((s) => s.heapUsedMB)),
    },
    snapshots,
    samples,
  };
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, `${JSON.stringify(result, null, 2)}\n`);
  const f = (x: number) => x.toFixed(0);
  log(
    `${done} jobs in ${f(seconds)} s (${(done / seconds).toFixed(1)}/s): ${JSON.stringify(statuses)}; ` +
      `gateway RSS ${f(early)} MB after warm-up → ${f(late)} MB at the end (${(change * 100).toFixed(1)}%, peak ${f(result.rss.peakMB)} MB); ` +
      `heap used ${f(result.heapUsed.afterWarmupMB)} → ${f(result.heapUsed.endMB)} MB: ${flat ? "flat" : "NOT flat"} (±${FLAT_WITHIN * 100}%)`,
  );
  log(`written to ${outFile}`);
  if (!flat) process.exitCode = 1;
}

await main();
