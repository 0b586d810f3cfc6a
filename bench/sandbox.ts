/**
 * Sandbox benchmark: per-job overhead (fresh isolate through result), columnar transfer into an
 * isolate next to a raw in-process copy of the same buffers, and row-object transfer.
 *
 * Run: node --no-node-snapshot --import tsx bench/sandbox.ts
 * Prints a table and writes bench/results/sandbox.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { pathToFileURL } from "node:url";
import ivm from "isolated-vm";
import type { ColumnarBatch } from "../sandbox/batch.ts";
import { batchBytes } from "../sandbox/batch.ts";
import { SandboxPool } from "../sandbox/pool.ts";
import type { QueryPort } from "../sandbox/query-port.ts";

const COLUMNS = 5;

/** Sizes of one sandbox measurement; the defaults are the full run, smaller ones a smoke test. */
export interface SandboxBenchOptions {
  readonly emptyJobs?: number;
  readonly columnRows?: number;
  readonly rowObjectRows?: number;
  readonly repeats?: number;
}

function numericBatch(rows: number, columns: number): ColumnarBatch {
  return {
    rowCount: rows,
    columns: Array.from({ length: columns }, (_, c) => ({
      name: `c${c}`,
      sqlType: "DOUBLE",
      data: {
        kind: "number" as const,
        values: Float64Array.from({ length: rows }, (_, i) => i * (c + 1)),
        valid: null,
      },
    })),
  };
}

/** A port that answers every query with one prepared batch: the benchmark measures the sandbox, not DuckDB. */
function fixedPort(batch: ColumnarBatch): QueryPort {
  return { execute: async () => batch };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

async function timeJob(pool: SandboxPool, script: string, port: QueryPort, id: string): Promise<number> {
  const started = performance.now();
  const result = await pool.run({ jobId: id, script, language: "javascript" }, port);
  const elapsed = performance.now() - started;
  if (result.status !== "completed") throw new Error(`benchmark job failed: ${JSON.stringify(result.error)}`);
  return elapsed;
}

/** The same steps in this process, without a worker or IPC: the floor under the per-job figure. */
async function rawIsolateJob(): Promise<number> {
  const started = performance.now();
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const context = await isolate.createContext();
  const module = await isolate.compileModule("export default async () => ({});", {
    filename: "file:///script.js",
  });
  await module.instantiate(context, () => {
    throw new Error("no imports");
  });
  await module.evaluate();
  isolate.dispose();
  return performance.now() - started;
}

/** Moving the buffers into an isolate in this process (transfer, no IPC). */
async function rawTransferIntoIsolate(batch: ColumnarBatch): Promise<number> {
  const isolate = new ivm.Isolate({ memoryLimit: 512 });
  const context = await isolate.createContext();
  const copies = batch.columns.map((c) =>
    c.data.kind === "number" ? c.data.values.slice() : new Float64Array(),
  );
  const started = performance.now();
  const external = new ivm.ExternalCopy(copies, { transferList: copies.map((c) => c.buffer) });
  await context.global.set("columns", external.copyInto({ release: true, transferIn: true }));
  const elapsed = performance.now() - started;
  isolate.dispose();
  return elapsed;
}

function rawCopy(batch: ColumnarBatch): number {
  const started = performance.now();
  for (const column of batch.columns) if (column.data.kind === "number") column.data.values.slice();
  return performance.now() - started;
}

async function rawRowObjectsIntoIsolate(rows: number): Promise<number> {
  const objects = Array.from({ length: rows }, (_, i) => ({
    c0: i,
    c1: i * 2,
    c2: i * 3,
    c3: i * 4,
    c4: i * 5,
  }));
  const isolate = new ivm.Isolate({ memoryLimit: 512 });
  const context = await isolate.createContext();
  const started = performance.now();
  await context.global.set("rows", new ivm.ExternalCopy(objects).copyInto({ release: true }));
  const elapsed = performance.now() - started;
  isolate.dispose();
  return elapsed;
}

export type SandboxBenchResult = Awaited<ReturnType<typeof measureSandbox>>;

/** Measures the sandbox on a one-worker pool whose query port answers from memory. */
export async function measureSandbox(options: SandboxBenchOptions = {}) {
  const EMPTY_JOBS = options.emptyJobs ?? 60;
  const COLUMN_ROWS = options.columnRows ?? 1_000_000;
  const ROW_OBJECT_ROWS = options.rowObjectRows ?? 100_000;
  const REPEATS = options.repeats ?? 5;
  const pool = new SandboxPool({ size: 1 });
  const empty = fixedPort(numericBatch(0, 0));
  const emptyScript = "export default async () => ({});";
  let jobs = 0;
  for (let i = 0; i < 5; i++) await timeJob(pool, emptyScript, empty, `warm_${jobs++}`);

  const overhead: number[] = [];
  for (let i = 0; i < EMPTY_JOBS; i++)
    overhead.push(await timeJob(pool, emptyScript, empty, `empty_${jobs++}`));
  overhead.sort((a, b) => a - b);
  const raw: number[] = [];
  for (let i = 0; i < 20; i++) raw.push(await rawIsolateJob());

  const columns = numericBatch(COLUMN_ROWS, COLUMNS);
  const columnBytes = batchBytes(columns);
  const columnScript =
    "export default async (ctx) => { const c = await ctx.sqlColumns('q'); return { r: [{ n: c.c0.length }] }; }";
  const columnJob: number[] = [];
  for (let i = 0; i < REPEATS; i++)
    columnJob.push(await timeJob(pool, columnScript, fixedPort(columns), `cols_${jobs++}`));
  const columnTransferMs = Math.max(0.001, median(columnJob) - median(overhead));
  const inProcessMs: number[] = [];
  const copyMs: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    inProcessMs.push(await rawTransferIntoIsolate(columns));
    copyMs.push(rawCopy(columns));
  }

  const rows = numericBatch(ROW_OBJECT_ROWS, COLUMNS);
  const rowScript =
    "export default async (ctx) => { const r = await ctx.sql('q'); return { r: [{ n: r.length }] }; }";
  const rowJob: number[] = [];
  for (let i = 0; i < REPEATS; i++)
    rowJob.push(await timeJob(pool, rowScript, fixedPort(rows), `rows_${jobs++}`));
  const rowTransferMs = Math.max(0.001, median(rowJob) - median(overhead));
  const rawRowMs: number[] = [];
  for (let i = 0; i < REPEATS; i++) rawRowMs.push(await rawRowObjectsIntoIsolate(ROW_OBJECT_ROWS));
  await pool.close();

  const mb = columnBytes / 1e6;
  const results = {
    machine: { node: process.version, cpus: cpus().length },
    perJob: {
      jobs: EMPTY_JOBS,
      p50Ms: percentile(overhead, 50),
      p95Ms: percentile(overhead, 95),
      meanMs: overhead.reduce((a, b) => a + b, 0) / overhead.length,
      rawInProcessIsolateMs: median(raw),
    },
    columnar: {
      rows: COLUMN_ROWS,
      columns: COLUMNS,
      megabytes: mb,
      sandboxMs: columnTransferMs,
      sandboxMBps: mb / (columnTransferMs / 1000),
      inProcessTransferMs: median(inProcessMs),
      inProcessTransferMBps: mb / (median(inProcessMs) / 1000),
      rawCopyMs: median(copyMs),
      rawCopyMBps: mb / (median(copyMs) / 1000),
    },
    rowObjects: {
      rows: ROW_OBJECT_ROWS,
      columns: COLUMNS,
      sandboxMs: rowTransferMs,
      sandboxRowsPerSec: ROW_OBJECT_ROWS / (rowTransferMs / 1000),
      rawExternalCopyMs: median(rawRowMs),
      rawExternalCopyRowsPerSec: ROW_OBJECT_ROWS / (median(rawRowMs) / 1000),
    },
  };
  return results;
}

async function main(): Promise<void> {
  const results = await measureSandbox();
  const { rows: COLUMN_ROWS, megabytes: mb } = results.columnar;
  const columnTransferMs = results.columnar.sandboxMs;
  const rowTransferMs = results.rowObjects.sandboxMs;
  const ROW_OBJECT_ROWS = results.rowObjects.rows;
  const f = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
  console.table({
    "job overhead (empty script, fresh isolate → result)": {
      sandbox: `${f(results.perJob.p50Ms)} ms p50, ${f(results.perJob.p95Ms)} ms p95`,
      raw: `${f(results.perJob.rawInProcessIsolateMs)} ms in-process isolate`,
    },
    [`columnar in (${COLUMN_ROWS} rows × ${COLUMNS} float64, ${f(mb)} MB)`]: {
      sandbox: `${f(results.columnar.sandboxMBps)} MB/s (${f(columnTransferMs)} ms, parent → bulk channel → isolate)`,
      raw: `${f(results.columnar.rawCopyMBps)} MB/s memcpy; ${f(results.columnar.inProcessTransferMBps)} MB/s in-process transfer`,
    },
    [`row objects in (${ROW_OBJECT_ROWS} rows × ${COLUMNS})`]: {
      sandbox: `${f(results.rowObjects.sandboxRowsPerSec)} rows/s (${f(rowTransferMs)} ms)`,
      raw: `${f(results.rowObjects.rawExternalCopyRowsPerSec)} rows/s ExternalCopy of objects`,
    },
  });
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL("./results/sandbox.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
