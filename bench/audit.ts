/**
 * Audit-ledger benchmark: durable appends per second (write + fdatasync, group commit) with 1, 8
 * and 64 concurrent writers, the raw cost of one fdatasync for comparison, and verification speed.
 * Usage: node --import tsx bench/audit.ts [--seconds 3] [--dir DIR]
 * Prints a table and writes bench/results/audit.json.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { openAuditLedger } from "../audit/ledger.ts";
import { verifyAuditLog } from "../audit/verify.ts";

const WRITERS = [1, 8, 64];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

/** One write + fdatasync per line, no batching: the ceiling durability alone would impose. */
async function rawSyncsPerSecond(dir: string): Promise<number> {
  const handle = await open(join(dir, "raw.log"), "a");
  const line = Buffer.from(`${"x".repeat(400)}\n`);
  let count = 0;
  const until = performance.now() + 1000;
  while (performance.now() < until) {
    await handle.write(line);
    await handle.datasync();
    count += 1;
  }
  await handle.close();
  return count;
}

interface Row {
  writers: number;
  appends: number;
  appendsPerSecond: number;
  syncs: number;
  appendsPerSync: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  verifyEntriesPerSecond: number;
}

async function run(dir: string, writers: number, seconds: number): Promise<Row> {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const file = join(dir, `audit-${writers}.log`);
  const ledger = await openAuditLedger({ file, privateKey, checkpointIntervalMs: 1000 });
  const latencies: number[] = [];
  let sequence = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (performance.now() < until) {
        const n = sequence++;
        const t = performance.now();
        await ledger.append({
          type: "query.checked",
          actor: "system",
          subjects: {
            job: `job_${w}_${n}`,
            operator: `op_${w}`,
            license: `lic_${w}`,
            datasets: ["population"],
          },
          data: {
            sql: "SELECT district, count(*) AS n, avg(annual_income) AS mean_income FROM population GROUP BY district",
            verdict: "rewritten",
            rowsScanned: 100_000 + n,
            epsilon: 0.1,
          },
        });
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const stats = ledger.stats();
  await ledger.close();
  const verifyStart = performance.now();
  const verification = await verifyAuditLog(file, { publicKey });
  const verifySeconds = (performance.now() - verifyStart) / 1000;
  if (!verification.valid)
    throw new Error(`benchmark log does not verify: ${JSON.stringify(verification.firstBad)}`);
  latencies.sort((a, b) => a - b);
  return {
    writers,
    appends: stats.appends,
    appendsPerSecond: Math.round(stats.appends / elapsed),
    syncs: stats.syncs,
    appendsPerSync: Math.round((stats.appends / stats.syncs) * 10) / 10,
    latencyP50Ms: Math.round(percentile(latencies, 50) * 100) / 100,
    latencyP99Ms: Math.round(percentile(latencies, 99) * 100) / 100,
    verifyEntriesPerSecond: Math.round(verification.entries / verifySeconds),
  };
}

/** Durable appends per second at 1, 8 and 64 writers, `seconds` each, in a temp folder. */
export async function measureAudit(seconds: number, writers: readonly number[] = WRITERS) {
  const dir = await mkdtemp(join(tmpdir(), "bench-audit-"));
  try {
    const rawSyncs = await rawSyncsPerSecond(dir);
    const rows: Row[] = [];
    for (const w of writers) rows.push(await run(dir, w, seconds));
    return { rawSyncsPerSecond: rawSyncs, rows };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: "string", default: "3" }, dir: { type: "string" } },
  });
  const seconds = Number(values.seconds);
  const dir = values.dir ?? (await mkdtemp(join(tmpdir(), "bench-audit-")));
  try {
    const rawSyncs = await rawSyncsPerSecond(dir);
    console.log(
      `one line + fdatasync, unbatched: ${rawSyncs} per second (${(1000 / rawSyncs).toFixed(2)} ms each)`,
    );
    const rows: Row[] = [];
    for (const writers of WRITERS) rows.push(await run(dir, writers, seconds));
    console.table(rows);
    const result = {
      benchmark: "audit-append",
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      seconds,
      rawSyncsPerSecond: rawSyncs,
      rows,
    };
    await mkdir("bench/results", { recursive: true });
    await writeFile("bench/results/audit.json", `${JSON.stringify(result, null, 2)}\n`);
    console.log("wrote bench/results/audit.json");
  } finally {
    if (values.dir === undefined) await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
