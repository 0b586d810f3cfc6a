import { DuckDBInstance } from "@duckdb/node-api";
import { dummyDomainStatements } from "../control/dummy-data.ts";
import { limitsOf } from "../control/jobs/execution.ts";
import { createIdentifierLookup } from "../control/jobs/identifier-lookup.ts";
import { createPolicyQueryPort, type JobQuery } from "../control/jobs/policy-port.ts";
import { queryEvent } from "../control/jobs/query-event.ts";
import { normaliseOutputs } from "../control/jobs/release.ts";
import { InMemoryPrivacyBudgetLedger } from "../control/privacy-budget.ts";
import { createQueryService } from "../control/query-service.ts";
import type { ErrorCode } from "../policies/errors.ts";
import { License } from "../policies/license.ts";
import type { DatasetManifest } from "../policies/manifest.ts";
import { decideRelease, type ReleaseReason } from "../policies/release-gate.ts";
import { SandboxPool, type SandboxUsage } from "../sandbox/index.ts";
import { openSqlParser } from "../storage/sql-parser.ts";

/**
 * `aos run SCRIPT --local`: the script runs on this machine in the same sandbox (`SandboxPool`)
 * with the same policy engine (`createQueryService`, `decideRelease`) as on the server, against
 * dummy data generated from the manifests into an in-memory DuckDB. Budget is charged to an
 * in-memory ledger that is thrown away, so nothing is spent; verdicts are the ones the server
 * would give on the same data.
 */

type Cell = string | number | boolean | null;

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
  readonly decision: {
    readonly outcome: "released" | "held" | "rejected";
    readonly reasons: readonly ReleaseReason[];
    readonly tainted: boolean;
  };
  readonly outputs: Record<string, Record<string, Cell>[]>;
  readonly logs: readonly string[];
  readonly error?: {
    readonly code: ErrorCode;
    readonly class: string;
    readonly message: string;
    readonly line?: number;
    readonly column?: number;
  };
  readonly queries: readonly JobQuery[];
  readonly usage: SandboxUsage;
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
  const license = options.license ?? localLicense(options.manifests);
  const licensed = new Set(license.datasets.map((d) => d.name));
  const manifests = options.manifests.filter((m) => licensed.has(m.name));
  const emit = options.onEvent ?? (() => {});

  const domainInstance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const domain = await domainInstance.connect();
  const parser = await openSqlParser();
  const pool = new SandboxPool({ size: 1, jobsPerWorker: 1 });
  try {
    const statements = dummyDomainStatements(manifests, {
      rows: options.rows ?? DEFAULT_LOCAL_ROWS,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    for (const statement of statements) await domain.run(statement);
    // Lock the dummy domain down like the real one once it is loaded.
    await domain.run("SET enable_external_access = false");
    await domain.run("SET lock_configuration = true");

    const queries: JobQuery[] = [];
    let tainted = false;
    const startedAt = new Date();
    emit({
      type: "running",
      data: { policyVersions: Object.fromEntries(manifests.map((m) => [m.name, "local"])) },
    });
    const port = createPolicyQueryPort({
      service: createQueryService({
        domain,
        parser: parser.connection,
        ledger: new InMemoryPrivacyBudgetLedger(),
      }),
      license,
      manifests,
      startedAt,
      onQuery: (query) => {
        queries.push(query);
        tainted ||= query.verdict?.tainted === true;
        emit({ type: "query", data: queryEvent(query, false) });
      },
    });
    const result = await pool.run(
      {
        jobId: `local_${startedAt.getTime()}`,
        script: options.script,
        language: options.language,
        limits: limitsOf(license),
      },
      port,
      (event) => {
        if (event.type === "progress") {
          emit({
            type: "progress",
            data: { fraction: event.fraction, ...(event.message ? { message: event.message } : {}) },
          });
        }
      },
    );
    const verdicts = queries.flatMap((q) => (q.verdict ? [q.verdict] : []));
    const lookup = createIdentifierLookup(domain, manifests);
    const logs = result.logs.map((entry) => entry.message);
    const candidate =
      result.status === "failed"
        ? { outputs: {}, logs, errors: [result.error.message] }
        : { outputs: result.outputs, logs };
    const gate = await decideRelease(
      candidate,
      verdicts,
      {
        releaseMode: result.status === "failed" ? "auto" : license.releaseMode,
        ...(license.quotas.outputCells ? { maxCells: license.quotas.outputCells } : {}),
      },
      lookup,
    );
    const decision = { outcome: gate.outcome, reasons: gate.reasons, tainted };
    emit({ type: "gate", data: { outcome: gate.outcome, reasons: gate.reasons } });
    if (result.status === "failed") {
      const { code, class: errorClass, message, line, column } = result.error;
      emit({ type: "finished", data: { status: "failed", code } });
      return {
        status: "failed",
        decision,
        outputs: {},
        logs,
        error: {
          code,
          class: errorClass,
          message,
          ...(line === undefined ? {} : { line }),
          ...(column === undefined ? {} : { column }),
        },
        queries,
        usage: result.usage,
      };
    }
    emit({ type: "finished", data: { status: gate.outcome } });
    return {
      status: gate.outcome,
      decision,
      outputs: gate.outcome === "rejected" ? {} : normaliseOutputs(gate.outputs as Record<string, unknown>),
      logs,
      queries,
      usage: result.usage,
    };
  } finally {
    await pool.close();
    parser.close();
    domain.closeSync();
    domainInstance.closeSync();
  }
}
