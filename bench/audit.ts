/**
 * Audit-ledger benchmark on the SQLite control-plane store: committed appends per second with 1, 8
 * and 64 concurrent writers (each append its own durable transaction), the cost of `appendIn`
 * inside a transaction that also changes a row, bare durable transactions per second for
 * comparison, and verification speed.
 * Usage: node --import tsx bench/audit.ts [--seconds 3]
 * Prints tables and writes bench/results/audit.json.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { AuditEvent } from "../audit/entry.ts";
import { openStoreAuditLedger } from "../audit/store-ledger.ts";
import type { SqlExecutor } from "../storage/sql-store.ts";
import { openSqliteStore } from "../storage/sqlite-store.ts";

const WRITERS = [1, 8, 64];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function event(n: number): AuditEvent {
  return {
    type: "query.checked",
    actor: "system",
    subjects: { job: `job_${n}`, operator: `op_${n % 8}`, license: `lic_${n % 8}`, datasets: ["population"] },
    data: {
      sql: "SELECT district, count(*) AS n, avg(annual_income) AS mean_income FROM population GROUP BY district",
      verdict: "rewritten",
      rowsScanned: 100_000 + n,
      epsilon: 0.1,
    },
  };
}

/** The state change a verb commits with its entry: one row written. */
const change = (tx: SqlExecutor, n: number) =>
  tx.run("INSERT INTO budget_answers (license_id, query_key, answer) VALUES ('lic', $1, '{}')", [`q${n}`]);

async function measureIn(dir: string, seconds: number, writers: readonly number[]) {
  const { privateKey } = generateKeyPairSync("ed25519");
  const store = await openSqliteStore(join(dir, "control.sqlite"));
  const ledger = openStoreAuditLedger(store, { privateKey, checkpointIntervalMs: 1000 });
  let sequence = 0;
  const timed = async (ms: number, work: () => Promise<unknown>) => {
    let count = 0;
    const until = performance.now() + ms;
    while (performance.now() < until) {
      await work();
      count += 1;
    }
    return count;
  };
  try {
    // A durable transaction that writes one row and nothing else: the ceiling the store imposes.
    const bare = await timed(1000, () => store.transaction((tx) => change(tx, sequence++)));
    const rows = [];
    for (const count of writers) {
      const latencies: number[] = [];
      const started = performance.now();
      const appends = (
        await Promise.all(
          Array.from({ length: count }, () =>
            timed(seconds * 1000, async () => {
              const t = performance.now();
              await ledger.append(event(sequence++));
              latencies.push(performance.now() - t);
            }),
          ),
        )
      ).reduce((a, b) => a + b, 0);
      latencies.sort((a, b) => a - b);
      rows.push({
        writers: count,
        appends,
        appendsPerSecond: Math.round(appends / ((performance.now() - started) / 1000)),
        latencyP50Ms: round(percentile(latencies, 50)),
        latencyP99Ms: round(percentile(latencies, 99)),
      });
    }
    // appendIn's share of a verb's transaction: the same change with and without its entry.
    let appendInMs = 0;
    const withEntry = await timed(1000, () =>
      store.transaction(async (tx) => {
        await change(tx, sequence);
        const t = performance.now();
        await ledger.appendIn(tx, [event(sequence++)]);
        appendInMs += performance.now() - t;
      }),
    );
    const appendIn = {
      bareTransactionMs: round(1000 / bare, 3),
      withEntryTransactionMs: round(1000 / withEntry, 3),
      appendInMs: round(appendInMs / withEntry, 3),
    };
    await ledger.close();
    const verifyStart = performance.now();
    const verification = await ledger.verify();
    if (!verification.valid)
      throw new Error(`benchmark log does not verify: ${JSON.stringify(verification.firstBad)}`);
    const verifyEntriesPerSecond = Math.round(
      verification.entries / ((performance.now() - verifyStart) / 1000),
    );
    return { rawSyncsPerSecond: bare, rows, appendIn, verifyEntriesPerSecond };
  } finally {
    await store.close();
  }
}

/**
 * Committed appends per second at 1, 8 and 64 writers, `seconds` each, in a temp folder.
 * `rawSyncsPerSecond` is bare durable transactions per second (one WAL sync each).
 */
export async function measureAudit(seconds: number, writers: readonly number[] = WRITERS) {
  const dir = await mkdtemp(join(tmpdir(), "bench-audit-"));
  try {
    return await measureIn(dir, seconds, writers);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: "string", default: "3" } } });
  const seconds = Number(values.seconds);
  const measured = await measureAudit(seconds);
  console.log(`bare durable transactions (one row each): ${measured.rawSyncsPerSecond} per second`);
  console.table(measured.rows);
  console.table([measured.appendIn]);
  console.log(`verify: ${measured.verifyEntriesPerSecond} entries per second`);
  const result = {
    benchmark: "audit-append",
    store: "sqlite",
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    seconds,
    ...measured,
  };
  await mkdir("bench/results", { recursive: true });
  await writeFile("bench/results/audit.json", `${JSON.stringify(result, null, 2)}\n`);
  console.log("wrote bench/results/audit.json");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
