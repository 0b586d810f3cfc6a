import { generateKeyPairSync } from "node:crypto";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { AuditEntry } from "../../audit/entry.ts";
import type { AuditFilter } from "../../audit/query.ts";
import { issueReceipt } from "../../audit/receipt.ts";
import { openStoreAuditLedger, type StoreAuditLedger } from "../../audit/store-ledger.ts";
import type { AuditEvent, AuditSink } from "../../control/audit-sink.ts";
import { ControlPlaneBudgetLedger } from "../../control/budget-ledger.ts";
import { publishManifest } from "../../control/catalog.ts";
import { createStaffPrincipal, findPrincipal, type Principal } from "../../control/identity.ts";
import type { AdmissionDeps } from "../../control/jobs/admission.ts";
import { admitJob } from "../../control/jobs/admission.ts";
import { jobRepository, type StoredJob } from "../../control/jobs/job-repository.ts";
import { JobRunner, type JobRunnerOptions } from "../../control/jobs/job-runner.ts";
import { JobService } from "../../control/jobs/job-service.ts";
import type { GateDecision, JobStatus, JobUsage } from "../../control/jobs/model.ts";
import { finishJob, type ReleaseDeps, type Settlement } from "../../control/jobs/release.ts";
import { ledgerAuditSink } from "../../control/ledger-sink.ts";
import { grantCheckedLicense } from "../../control/licenses.ts";
import { registerOperator } from "../../control/operators.ts";
import type { SqlConnection } from "../../control/query-service.ts";
import type { License } from "../../policies/license.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import type { SandboxJob, SandboxResult, SandboxUsage } from "../../sandbox/index.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { TEST_NOISE_SALT } from "../policies/fixtures.ts";
import { operatorRegistration } from "../support/operators.ts";
import { openTestStore, type StoreKind, type TestStore } from "../support/stores.ts";

/**
 * A small world for the job pipeline's contract tests: a real store (SQLite or PostgreSQL), the
 * real audit ledger and budget ledger on it, real principals, licenses and catalog made with the
 * real verbs, and fakes only for the sandbox and the data domain (the tests are about scheduling
 * and state; the real sandbox is covered by test/gateway/jobs.test.ts).
 */

export const { privateKey, publicKey } = generateKeyPairSync("ed25519");

/** What every fake run returns: one small table the release gate lets out. */
export const RELEASABLE = { mean_aqi: [{ station: "Station 1", aqi: 41.5 }] };

export const SCRIPT = "export default async () => ({ mean_aqi: [] })";

const EMPTY_USAGE: SandboxUsage = {
  cpuMs: 1,
  wallMs: 1,
  heapPeakBytes: 0,
  queries: 0,
  rowsIn: 0,
  bytesIn: 0,
  outputRows: 1,
  outputCells: 2,
  outputBytes: 10,
  logEntries: 0,
  logBytes: 0,
};

const completed = (outputs: Record<string, Record<string, string | number>[]>): SandboxResult => ({
  status: "completed",
  outputs,
  logs: [],
  usage: EMPTY_USAGE,
});

const CANCELLED: SandboxResult = {
  status: "failed",
  error: { code: "CANCELLED", class: "Cancelled", message: "the job was cancelled", source: "sandbox" },
  logs: [],
  usage: EMPTY_USAGE,
};

/** Runs in progress, per operator, across every fake pool that shares it (several runners, nodes). */
export class ConcurrencyMeter {
  private readonly now = new Map<string, number>();
  readonly highest = new Map<string, number>();
  enter(operator: string): void {
    const n = (this.now.get(operator) ?? 0) + 1;
    this.now.set(operator, n);
    this.highest.set(operator, Math.max(n, this.highest.get(operator) ?? 0));
  }
  leave(operator: string): void {
    this.now.set(operator, (this.now.get(operator) ?? 1) - 1);
  }
}

export interface FakePoolOptions {
  /** How long a run takes, ms (default 0); `"never"`: it ends only when cancelled or released by the test. */
  readonly duration?: number | "never";
  /** Whose job a run is, for `meter`. */
  readonly operatorOf?: (jobId: string) => string;
  readonly meter?: ConcurrencyMeter;
}

/** The sandbox pool as the runner sees it (`run`, `cancel`), answering canned results. */
export class FakeSandboxPool {
  /** Job ids in the order their runs started. */
  readonly ran: string[] = [];
  private readonly live = new Map<string, (result: SandboxResult) => void>();

  constructor(private readonly options: FakePoolOptions = {}) {}

  run(job: SandboxJob): Promise<SandboxResult> {
    this.ran.push(job.jobId);
    const operator = this.options.operatorOf?.(job.jobId);
    if (operator !== undefined) this.options.meter?.enter(operator);
    const result = completed(RELEASABLE);
    return new Promise<SandboxResult>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const end = (value: SandboxResult) => {
        if (!this.live.delete(job.jobId)) return;
        clearTimeout(timer);
        if (operator !== undefined) this.options.meter?.leave(operator);
        resolve(value);
      };
      this.live.set(job.jobId, end);
      const duration = this.options.duration ?? 0;
      if (duration !== "never") timer = setTimeout(() => end(result), duration);
    });
  }

  cancel(jobId: string): boolean {
    const end = this.live.get(jobId);
    end?.(CANCELLED);
    return end !== undefined;
  }

  /** Ends a run that was told to never end, with its canned result. */
  finish(jobId: string, result: SandboxResult = completed(RELEASABLE)): void {
    this.live.get(jobId)?.(result);
  }

  /** Ends every run still going (so that runners can drain at the end of a test). */
  finishAll(): void {
    for (const id of [...this.live.keys()]) this.cancel(id);
  }

  get running(): number {
    return this.live.size;
  }
}

/** The data domain as the runner sees it: connections whose statements find nothing. */
export const fakeDataDomain = {
  async connect() {
    const connection = {
      interrupt() {},
      closeSync() {},
      async runAndReadAll() {
        return { getRowsJson: () => [] };
      },
    };
    // A fake of the three members the pipeline calls; nothing else of DuckDB is reached.
    return connection as unknown as DuckDBConnection;
  },
  async tableRowCounts() {
    return new Map<string, number>();
  },
};

/** The policy engine's parser is only reached by a script's queries, which the fake pool never makes. */
const unusedParser: SqlConnection = {
  runAndReadAll: () => Promise.reject(new Error("the fake sandbox makes no queries")),
};

/** A sink that refuses every event, or only events of the given types (after appending the others). */
export function refusingAudit(inner: AuditSink, types?: readonly string[]): AuditSink {
  const refused = (events: readonly AuditEvent[]) =>
    types === undefined || events.some((event) => types.includes(event.type));
  return {
    async appendIn(tx, events) {
      if (refused(events)) throw new Error("audit log unavailable");
      return inner.appendIn(tx, events);
    },
    async append(event) {
      if (refused([event])) throw new Error("audit log unavailable");
      return inner.append(event);
    },
  };
}

/** One node of the control plane: its own store connection, ledger and runners. */
export class PipelineNode {
  readonly audit: AuditSink;
  readonly budget: ControlPlaneBudgetLedger;
  readonly runners: JobRunner[] = [];
  readonly pools: FakeSandboxPool[] = [];

  constructor(
    readonly store: SqlStore,
    readonly ledger: StoreAuditLedger,
  ) {
    this.audit = ledgerAuditSink(ledger);
    this.budget = new ControlPlaneBudgetLedger(store);
  }

  admission(queueCapacity = 1000, audit = this.audit): AdmissionDeps {
    return { store: this.store, audit, now: () => new Date(), queueCapacity };
  }

  submit(
    principal: Principal,
    license: string,
    options: { key?: string; script?: string; queue?: number } = {},
  ) {
    return admitJob(
      this.admission(options.queue),
      principal,
      { script: options.script ?? SCRIPT, license },
      options.key,
    );
  }

  releaseDeps(audit = this.audit): ReleaseDeps {
    return {
      store: this.store,
      audit,
      signReceipt: (claims) => issueReceipt(claims, privateKey),
      now: () => new Date(),
    };
  }

  /** The job service of a gateway-only node (it runs no jobs), as the review verbs use it. */
  reviewDeps(audit = this.audit) {
    const jobs = new JobService(
      {
        store: this.store,
        dataDomain: fakeDataDomain,
        pool: new FakeSandboxPool(),
        ledger: this.budget,
        parser: unusedParser,
        noiseSalt: TEST_NOISE_SALT,
        audit,
        signReceipt: (claims) => issueReceipt(claims, privateKey),
      },
      { queueCapacity: 1000, perOperatorConcurrency: 2, concurrency: 2, runsJobs: false },
    );
    return { store: this.store, audit, jobs };
  }

  runner(
    pool: FakeSandboxPool,
    options: Partial<JobRunnerOptions> & Pick<JobRunnerOptions, "runnerId">,
  ): JobRunner {
    const runner = new JobRunner(
      {
        ...this.releaseDeps(),
        store: this.store,
        dataDomain: fakeDataDomain,
        pool,
        ledger: this.budget,
        parser: unusedParser,
        noiseSalt: TEST_NOISE_SALT,
        events: { publish() {} },
        onSettled: () => undefined,
      },
      { concurrency: 2, perOperatorConcurrency: 2, pollMs: 50, leaseMs: 3_000, ...options },
    );
    this.runners.push(runner);
    this.pools.push(pool);
    return runner;
  }
}

const demo = (name: string): DatasetManifest => structuredClone(DEMO_MANIFESTS.find((m) => m.name === name)!);

export interface Pipeline {
  readonly kind: StoreKind;
  /** The first node; `node()` opens another on the same database. */
  readonly main: PipelineNode;
  readonly bureau: Principal;
  node(): Promise<PipelineNode>;
  /** An admitted operator with one active license on the air quality data. */
  operator(quotas?: License["quotas"]): Promise<{ principal: Principal; license: string }>;
  /** A bureau officer of the bureau's own organisation (never the submitter's). */
  reviewer(): Promise<Principal>;
  /** Entries matching the filter, oldest first. */
  logged(filter: AuditFilter): Promise<AuditEntry[]>;
  /** Rows of the jobs table, optionally of one status. */
  jobCount(status?: JobStatus): Promise<number>;
  job(id: string): Promise<StoredJob>;
  dispose(): Promise<void>;
}

export async function openPipeline(kind: StoreKind): Promise<Pipeline> {
  const t: TestStore = await openTestStore(kind);
  const nodes: PipelineNode[] = [];
  const nodeOn = (store: SqlStore) => {
    const node = new PipelineNode(
      store,
      openStoreAuditLedger(store, { privateKey, checkpointIntervalMs: 0 }),
    );
    nodes.push(node);
    return node;
  };
  const main = nodeOn(t.store);
  const bureau = (
    await createStaffPrincipal(main.store, main.audit, "system", {
      role: "bureau",
      name: "Officer Zhao",
      organization: "Data Bureau",
    })
  ).principal;
  await main.store.transaction(async (tx) => {
    await publishManifest(tx, demo("air_quality"), "seed");
  });
  let operators = 0;
  let reviewers = 0;

  return {
    kind,
    main,
    bureau,
    node: async () => nodeOn(await t.reopen()),
    async operator(quotas = {}) {
      operators += 1;
      const n = operators;
      const { operator } = await registerOperator(main.store, main.audit, bureau.id, operatorRegistration(n));
      const license: License = {
        id: `lic_test_${n}`,
        operator: operator.id,
        purpose: "urban-analytics",
        validFrom: "2025-01-01T00:00:00Z",
        validTo: "2035-01-01T00:00:00Z",
        datasets: [{ name: "air_quality" }],
        quotas,
        releaseMode: "auto",
      };
      await grantCheckedLicense(main.store, main.audit, bureau.id, license);
      const principal = await findPrincipal(main.store, operator.id);
      return { principal: principal!, license: license.id };
    },
    async reviewer() {
      reviewers += 1;
      const n = reviewers;
      return (
        await createStaffPrincipal(main.store, main.audit, bureau.id, {
          role: "bureau",
          name: `Reviewer ${n}`,
          organization: "Data Bureau",
        })
      ).principal;
    },
    async logged(filter) {
      const entries: AuditEntry[] = [];
      for await (const entry of main.ledger.query(filter)) entries.push(entry);
      return entries;
    },
    async jobCount(status) {
      const rows = await main.store.query<{ n: number }>(
        status === undefined
          ? "SELECT count(*) AS n FROM jobs"
          : "SELECT count(*) AS n FROM jobs WHERE status = $1",
        status === undefined ? [] : [status],
      );
      return rows[0]?.n ?? 0;
    },
    async job(id) {
      const job = await jobRepository.get(main.store, id);
      if (!job) throw new Error(`no job ${id}`);
      return job;
    },
    async dispose() {
      for (const node of nodes) for (const pool of node.pools) pool.finishAll();
      for (const node of nodes) await Promise.all(node.runners.map((runner) => runner.drain()));
      for (const node of nodes) await node.ledger.close();
      await t.dispose();
    },
  };
}

/** Waits until `check` holds (polling the store), or fails naming what did not happen. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** How many entries of each job the log holds, by type. */
export async function entriesPerJob(pipeline: Pipeline, type: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const entry of await pipeline.logged({ type })) {
    const job = entry.subjects.job!;
    counts.set(job, (counts.get(job) ?? 0) + 1);
  }
  return counts;
}

/** Marks a queued job running under `runner`, leased until `leaseUntil`, as a claim would. */
export async function markRunning(store: SqlStore, jobId: string, runner: string, leaseUntil: string) {
  await store.run(
    "UPDATE jobs SET status = 'running', runner = $2, lease_until = $3, started_at = $4, attempts = attempts + 1 WHERE id = $1",
    [jobId, runner, leaseUntil, new Date().toISOString()],
  );
}

/** Takes the next queued job as a runner would (without running it), leased for `leaseMs`. */
export async function claimNext(node: PipelineNode, runner: string, leaseMs = 60_000): Promise<StoredJob> {
  const job = await node.store.transaction(async (tx) => {
    const claimed = await jobRepository.claimNext(tx, {
      runner,
      leaseUntil: inMs(leaseMs),
      startedAt: new Date().toISOString(),
      perOperator: 10,
    });
    if (claimed) await jobRepository.setPolicyVersions(tx, claimed.id, { air_quality: 1 });
    return claimed;
  });
  if (!job) throw new Error("no queued job to claim");
  return (await jobRepository.get(node.store, job.id))!;
}

export const USAGE: JobUsage = {
  cpuMs: 3,
  wallMs: 4,
  heapPeakBytes: 1024,
  queries: 2,
  rowsIn: 12,
  bytesIn: 96,
  outputRows: 1,
  outputCells: 2,
  rowsScanned: 1000,
  datasets: ["air_quality"],
  epsilon: {},
};

/** A run the gate holds for review (it read row-level data), with its candidate outputs. */
const heldSettlement = (reviewsRequired: number): Settlement => ({
  status: "held",
  reason: "held",
  actor: "system",
  decision: {
    outcome: "held",
    reasons: [{ code: "tainted", detail: "the job read row-level data: its result is reviewed" }],
    tainted: true,
    reviewsRequired,
  } satisfies GateDecision,
  products: { outputs: RELEASABLE, logs: [] },
  usage: USAGE,
});

/** An operator's job, claimed by `node-a` and held by the gate for `reviewsRequired` approvals. */
export async function heldJob(pipeline: Pipeline, reviewsRequired: number): Promise<StoredJob> {
  const { principal, license } = await pipeline.operator();
  await pipeline.main.submit(principal, license);
  const job = await claimNext(pipeline.main, "node-a");
  await finishJob(pipeline.main.releaseDeps(), job, heldSettlement(reviewsRequired), {
    from: ["running"],
    runner: "node-a",
  });
  return pipeline.job(job.id);
}

export const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
