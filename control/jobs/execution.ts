import { DomainError } from "../../policies/errors.ts";
import type { License } from "../../policies/license.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import type {
  SandboxEvent,
  SandboxJob,
  SandboxLimitsInput,
  SandboxPool,
  SandboxResult,
} from "../../sandbox/index.ts";
import type { DataDomain, DataVersionStamp } from "../../storage/data-domain.ts";
import type { PrivacyBudgetLedger } from "../privacy-budget.ts";
import { createQueryService, type SqlConnection } from "../query-service.ts";
import type { JobEventHub } from "./job-events.ts";
import type { JobRecord, JobUsage } from "./model.ts";
import { NoiseRegister } from "./output-accuracy.ts";
import { createPolicyQueryPort, type JobQuery } from "./policy-port.ts";
import { queryEvent } from "./query-event.ts";

export interface ExecutionDeps {
  /** `readiness`, when given, is asked before each claim: a node that cannot serve the data claims nothing. */
  readonly dataDomain: Pick<DataDomain, "connect" | "tableRowCounts"> &
    Partial<Pick<DataDomain, "readiness">>;
  readonly pool: Pick<SandboxPool, "run" | "cancel">;
  readonly ledger: PrivacyBudgetLedger;
  /** An empty DuckDB connection the policy engine parses and renders SQL with. */
  readonly parser: SqlConnection;
  readonly events: Pick<JobEventHub, "publish">;
  /** The domain's secret seeding grade 2's sticky noise (`noiseSaltOf` the domain key). */
  readonly noiseSalt: Uint8Array;
}

/** A job taken by a runner: what it runs under, fixed when it started. */
export interface ClaimedJob {
  readonly job: JobRecord;
  readonly license: License;
  /** The manifests in force when the job started: later policy changes never reach it. */
  readonly manifests: readonly DatasetManifest[];
  readonly startedAt: Date;
  /** The data version of each dataset it reads, fixed when it started: its generation of the domain. */
  readonly dataVersions?: DataVersionStamp;
}

/** What a run produced, before the release gate looks at it. */
export interface Execution {
  readonly result: SandboxResult;
  readonly queries: readonly JobQuery[];
  readonly tainted: boolean;
  readonly usage: JobUsage;
  /** The noisy figures the script received, to annotate its outputs with their accuracy. */
  readonly noise: NoiseRegister;
}

/** Whether the run was asked to stop (its submitter cancelled it). */
export interface CancelFlag {
  cancelled: boolean;
}

/**
 * Runs a claimed job's script in the sandbox with the policy engine behind each query. Progress
 * and query events are published as they happen (none carrying data once the job is tainted).
 */
export async function executeJob(
  deps: ExecutionDeps,
  claimed: ClaimedJob,
  flag: CancelFlag,
  tableRows: () => Promise<ReadonlyMap<string, number>>,
): Promise<Execution> {
  const { job, license, manifests } = claimed;
  const queries: JobQuery[] = [];
  const noise = new NoiseRegister();
  let tainted = false;
  const connection = await deps.dataDomain.connect(claimed.dataVersions);
  let result: SandboxResult;
  let inFlight: Promise<unknown> | undefined;
  try {
    const service = createQueryService({
      domain: connection,
      parser: deps.parser,
      ledger: deps.ledger,
      noiseSalt: deps.noiseSalt,
    });
    const port = createPolicyQueryPort({
      service,
      license,
      manifests,
      startedAt: claimed.startedAt,
      onQuery: (query) => {
        queries.push(query);
        tainted ||= query.verdict?.tainted === true;
        deps.events.publish(job.id, "query", queryEvent(query, tainted));
      },
      onAnswer: (answer) => noise.record(answer),
    });
    const guarded = {
      execute: async (request: Parameters<typeof port.execute>[0]) => {
        if (flag.cancelled) throw new DomainError("TIMEOUT", "the job was cancelled");
        const answer = port.execute(request);
        inFlight = answer;
        return answer;
      },
    };
    const sandboxJob: SandboxJob = {
      jobId: job.id,
      script: job.script,
      language: job.language,
      limits: limitsOf(license),
    };
    result = await deps.pool.run(sandboxJob, guarded, (event: SandboxEvent) => {
      // Progress figures come from the script: once it has read row-level data they could carry
      // it, so a tainted job's progress is not streamed.
      if (event.type === "progress" && !tainted) {
        deps.events.publish(job.id, "progress", {
          fraction: event.fraction,
          ...(event.message ? { message: event.message } : {}),
        });
      }
    });
  } finally {
    // A query still running when the run ended (time limit, cancel, crash) is stopped: closing
    // its connection alone leaves DuckDB computing it forever, on the threads every job shares.
    connection.interrupt();
    // Its failure (the interrupt itself, mostly) already reached the script as that query's answer.
    await inFlight?.catch(() => undefined);
    connection.closeSync();
  }
  return { result, queries, tainted, noise, usage: usageOf(result, queries, manifests, await tableRows()) };
}

/** Sandbox limits a license sets through its quotas; everything else keeps the safe defaults. */
export function limitsOf(license: License): SandboxLimitsInput {
  return {
    ...(license.quotas.queriesPerJob ? { maxQueries: license.quotas.queriesPerJob } : {}),
    ...(license.quotas.outputCells ? { maxOutputCells: license.quotas.outputCells } : {}),
  };
}

function usageOf(
  result: SandboxResult,
  queries: readonly JobQuery[],
  manifests: readonly DatasetManifest[],
  tableRows: ReadonlyMap<string, number>,
): JobUsage {
  const dp = new Set(manifests.filter((m) => m.grade >= 3).map((m) => m.name));
  const epsilon: Record<string, number> = {};
  for (const query of queries) {
    const verdict = query.verdict;
    if (!verdict || verdict.epsilonCharged <= 0) continue;
    // A join charges each differentially private dataset it reads the query's ε.
    for (const dataset of verdict.datasets) {
      if (dp.has(dataset)) epsilon[dataset] = (epsilon[dataset] ?? 0) + verdict.epsilonCharged;
    }
  }
  const datasets = [...new Set(queries.flatMap((q) => q.verdict?.datasets ?? []))].sort();
  // Each dataset is one table of the domain: a query's rows of it are the table's rows.
  const rowsScannedByDataset: Record<string, number> = Object.fromEntries(datasets.map((d) => [d, 0]));
  for (const query of queries) {
    for (const dataset of query.verdict?.datasets ?? []) {
      rowsScannedByDataset[dataset] = (rowsScannedByDataset[dataset] ?? 0) + (tableRows.get(dataset) ?? 0);
    }
  }
  const rowsScanned = Object.values(rowsScannedByDataset).reduce((sum, n) => sum + n, 0);
  const u = result.usage;
  return {
    cpuMs: u.cpuMs,
    wallMs: u.wallMs,
    heapPeakBytes: u.heapPeakBytes,
    queries: queries.length,
    rowsIn: u.rowsIn,
    bytesIn: u.bytesIn,
    outputRows: u.outputRows,
    outputCells: u.outputCells,
    rowsScanned,
    rowsScannedByDataset,
    datasets,
    epsilon,
  };
}
