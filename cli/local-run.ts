import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { issueReceipt } from "../audit/receipt.ts";
import { openStoreAuditLedger, type StoreAuditLedger } from "../audit/store-ledger.ts";
import { ControlPlaneBudgetLedger } from "../control/budget-ledger.ts";
import { publishManifest } from "../control/catalog.ts";
import { dummyDomainStatements } from "../control/dummy-data.ts";
import { createPrincipal } from "../control/identity.ts";
import { jobRepository } from "../control/jobs/job-repository.ts";
import { JobService } from "../control/jobs/job-service.ts";
import {
  type GateDecision,
  type JobUsage,
  type OutputTable,
  SETTLED_STATUSES,
} from "../control/jobs/model.ts";
import type { JobQuery } from "../control/jobs/policy-port.ts";
import { ledgerAuditSink } from "../control/ledger-sink.ts";
import { grantLicense } from "../control/licenses.ts";
import { type QueryVerdict, verifyDomainFacts } from "../control/query-service.ts";
import { DomainError, type ErrorCode } from "../policies/errors.ts";
import { License } from "../policies/license.ts";
import type { DatasetManifest } from "../policies/manifest.ts";
import { SandboxPool } from "../sandbox/index.ts";
import { openDataDomain } from "../storage/data-domain.ts";
import { openSqlParser } from "../storage/sql-parser.ts";
import type { SqlExecutor } from "../storage/sql-store.ts";
import { openSqliteStore } from "../storage/sqlite-store.ts";

/**
 * `aos run SCRIPT --local`: the script goes through the server's own job pipeline (`JobService`:
 * admission, runner, sandbox, policy engine, release gate) on this machine, against a throwaway
 * domain in a temp folder: a SQLite control plane holding the catalog, a local operator and its
 * license, and a DuckDB file of dummy data generated from the manifests, opened read-only and
 * locked down like the real one. Budget is charged to that control plane, which is deleted with
 * the folder, so nothing is spent; verdicts are the ones the server would give on the same data.
 */

/** An event of a local run, shaped like the server's job events so one printer shows both. */
export interface LocalRunEvent {
  readonly type: "running" | "progress" | "query" | "gate" | "finished";
  readonly data: Record<string, unknown>;
}

export interface LocalRunOptions {
  readonly script: string;
  readonly language: "javascript" | "typescript";
  /** The catalog to run against (fetched from the server, or the demo manifests offline). */
  readonly manifests: readonly DatasetManifest[];
  /** The license to run under; by default one over every manifest (see `localLicense`). */
  readonly license?: License;
  /** Dummy rows per dataset (default 2000, enough for groups above the thresholds). */
  readonly rows?: number;
  readonly seed?: number;
  readonly onEvent?: (event: LocalRunEvent) => void;
}

export interface LocalRunResult {
  readonly status: "released" | "held" | "rejected" | "failed";
  readonly decision: Pick<GateDecision, "outcome" | "reasons" | "tainted">;
  readonly outputs: Record<string, OutputTable>;
  readonly logs: readonly string[];
  readonly error?: {
    readonly code: ErrorCode;
    readonly class: string;
    readonly message: string;
    readonly line?: number;
    readonly column?: number;
  };
  /** Each query with its verdict, as the run's audit log recorded it. */
  readonly queries: readonly JobQuery[];
  /** What the server would meter for the job (ε per dataset included). */
  readonly usage: JobUsage;
}

/** Dummy rows per dataset when not told. */
export const DEFAULT_LOCAL_ROWS = 2000;

/**
 * A license over every given dataset for local runs: a year from now, ε on the differentially
 * private ones, automatic release (as the demo operator's license).
 */
export function localLicense(manifests: readonly DatasetManifest[], now = new Date()): License {
  return License.parse({
    id: "lic_local",
    operator: "local",
    purpose: "local development",
    validFrom: new Date(now.getTime() - 86_400_000).toISOString(),
    validTo: new Date(now.getTime() + 365 * 86_400_000).toISOString(),
    datasets: manifests.map((m) =>
      m.grade >= 3 ? { name: m.name, epsilon: { perQuery: 0.5, total: 1000 } } : { name: m.name },
    ),
    releaseMode: "auto",
  });
}

/**
 * Runs a script locally against dummy data.
 *
 * @example
 * const result = await runLocally({ script, language: "javascript", manifests: DEMO_MANIFESTS });
 * console.log(result.status, result.outputs);
 */
export async function runLocally(options: LocalRunOptions): Promise<LocalRunResult> {
  const emit = options.onEvent ?? (() => {});
  const dir = await mkdtemp(join(tmpdir(), "aos-local-"));
  const cleanups: (() => unknown)[] = [() => rm(dir, { recursive: true, force: true })];
  try {
    // Started first: the sandbox worker boots while the domain is built.
    const pool = new SandboxPool({ size: 1, jobsPerWorker: 1 });
    cleanups.push(() => pool.close());
    const store = await openSqliteStore(join(dir, "control.sqlite"));
    cleanups.push(() => store.close());

    const requested = options.license ?? localLicense(options.manifests);
    const licensed = new Set(requested.datasets.map((d) => d.name));
    // The runner reads only the licensed part of the catalog: the rest is neither published nor generated.
    const manifests = options.manifests.filter((m) => licensed.has(m.name));
    const { operator, license } = await store.transaction(async (tx) => {
      const operator = await createPrincipal(tx, {
        role: "operator",
        name: "local developer",
        organization: "this machine",
      });
      for (const manifest of manifests) await publishManifest(tx, manifest, operator.id, "local run");
      // The license as given (window, quotas, release mode, ε), held by the local operator.
      const { license } = await grantLicense(tx, { ...requested, operator: operator.id });
      return { operator, license };
    });

    const domainFile = join(dir, "domain.duckdb");
    await writeDummyDomain(domainFile, manifests, options);
    const dataDomain = await openDataDomain(domainFile, { threads: 1 });
    cleanups.push(() => dataDomain.close());
    // As the gateway does at start; awaited here so the run takes the plans a warm server takes.
    await verifyDomainFacts(dataDomain.facts, manifests);
    const parser = await openSqlParser();
    cleanups.push(() => parser.close());

    // A throwaway domain key: receipts and checkpoints of a throwaway log verify against nothing.
    const { privateKey } = generateKeyPairSync("ed25519");
    // Never closed: closing only writes a last checkpoint, into a log deleted with the folder.
    const ledger = openStoreAuditLedger(store, { privateKey, checkpointIntervalMs: 0 });
    const jobs = new JobService(
      {
        store,
        dataDomain,
        pool,
        ledger: new ControlPlaneBudgetLedger(store),
        parser: parser.connection,
        audit: ledgerAuditSink(ledger),
        signReceipt: (claims) => issueReceipt(claims, privateKey),
      },
      { queueCapacity: 1, perOperatorConcurrency: 1, concurrency: 1, runnerId: "local", soleRunner: true },
    );
    cleanups.push(() => jobs.drain());
    await jobs.recover();

    const submitted = await jobs.submit(operator, {
      script: options.script,
      license: license.id,
      language: options.language,
    });
    const id = submitted.job.id;
    // Past events are replayed to a new subscriber, so none is missed while this subscribes.
    const { unsubscribe } = await jobs.subscribe(operator, id, (event) => {
      // A local run has no queue to wait in.
      if (event.type !== "queued") emit({ type: event.type, data: { ...event.data } });
    });
    cleanups.push(unsubscribe);
    let status = submitted.job.status;
    while (!SETTLED_STATUSES.has(status)) status = (await jobs.wait(operator, id, 60)).status;

    return await localResult(store, ledger, id);
  } finally {
    // A throwaway run's cleanup never hides its result (or the error it ended with).
    for (const cleanup of cleanups.reverse())
      await Promise.resolve()
        .then(cleanup)
        .catch(() => undefined);
  }
}

/** Writes the dummy tables into a new DuckDB file, which is then opened like the real domain. */
async function writeDummyDomain(
  file: string,
  manifests: readonly DatasetManifest[],
  options: Pick<LocalRunOptions, "rows" | "seed">,
): Promise<void> {
  const instance = await DuckDBInstance.create(file, { threads: "1" });
  const connection = await instance.connect();
  try {
    const statements = dummyDomainStatements(manifests, {
      rows: options.rows ?? DEFAULT_LOCAL_ROWS,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    // One commit: the file is written once, not once per statement.
    await connection.run("BEGIN TRANSACTION");
    for (const statement of statements) await connection.run(statement);
    await connection.run("COMMIT");
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * What a local developer sees of the settled job: everything the pipeline kept of it, as a
 * reviewer would (the data is dummy, so there is nothing to withhold) — held outputs, an
 * unredacted error and the logs that go with it — and each query's verdict from the audit log.
 */
async function localResult(
  store: Pick<SqlExecutor, "query">,
  ledger: Pick<StoreAuditLedger, "query">,
  id: string,
): Promise<LocalRunResult> {
  const job = await jobRepository.get(store, id);
  const error = job?.products?.error ?? job?.error ?? undefined;
  if (
    !job?.decision ||
    !job.usage ||
    (job.status !== "released" &&
      job.status !== "held" &&
      job.status !== "rejected" &&
      job.status !== "failed")
  ) {
    // Ended before the gate (the machinery failed, the license lapsed): nothing was produced.
    throw new DomainError(error?.code ?? "INTERNAL", error?.message ?? `the local job ended ${job?.status}`);
  }
  const queries: JobQuery[] = [];
  for await (const entry of ledger.query({ job: id, type: "query.checked" })) {
    // Written by `finishJob` from the run's JobQuery list a moment ago, in this process.
    const data = entry.data as {
      index: number;
      sql: string;
      verdict: QueryVerdict | null;
      error: JobQuery["error"] | null;
    };
    queries.push({
      index: data.index,
      sql: data.sql,
      ...(data.verdict ? { verdict: data.verdict } : {}),
      ...(data.error ? { error: data.error } : {}),
    });
  }
  const { outcome, reasons, tainted } = job.decision;
  return {
    status: job.status,
    decision: { outcome, reasons, tainted },
    outputs: job.products?.outputs ?? {},
    logs: job.products?.logs ?? [],
    ...(error
      ? {
          error: {
            code: error.code,
            class: error.class,
            message: error.message ?? "(message withheld)",
            ...(error.line === undefined ? {} : { line: error.line }),
            ...(error.column === undefined ? {} : { column: error.column }),
          },
        }
      : {}),
    queries,
    usage: job.usage,
  };
}
