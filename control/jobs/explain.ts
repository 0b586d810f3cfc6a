import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { issueReceipt } from "../../audit/receipt.ts";
import { openStoreAuditLedger, type StoreAuditLedger } from "../../audit/store-ledger.ts";
import { DomainError, describeIssues, type ErrorCode } from "../../policies/errors.ts";
import type { License } from "../../policies/license.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import type { ColumnUse, QueryKind } from "../../policies/query-plan.ts";
import { PLAN_NOTES } from "../../policies/rewrite.ts";
import { SandboxPool } from "../../sandbox/index.ts";
import { openDataDomain } from "../../storage/data-domain.ts";
import { openSqlParser } from "../../storage/sql-parser.ts";
import type { SqlExecutor, SqlStore } from "../../storage/sql-store.ts";
import { openSqliteStore } from "../../storage/sqlite-store.ts";
import { log } from "../../telemetry/log.ts";
import type { AuditSink } from "../audit-sink.ts";
import { ControlPlaneBudgetLedger } from "../budget-ledger.ts";
import { currentCatalog, publishManifest } from "../catalog.ts";
import { noiseSaltOf } from "../domain-key.ts";
import { dummyDomainStatements } from "../dummy-data.ts";
import { assertNotFrozen } from "../freezes.ts";
import { createPrincipal, type Principal } from "../identity.ts";
import { ledgerAuditSink } from "../ledger-sink.ts";
import {
  assertLicenseUsable,
  type DatasetBudget,
  findLicense,
  grantLicense,
  licenseBudgets,
} from "../licenses.ts";
import { assertOperatorActive } from "../operators.ts";
import {
  type BudgetCharge,
  type ChargeOutcome,
  type ChargeRequest,
  type PrivacyBudgetLedger,
  toMicroEpsilon,
} from "../privacy-budget.ts";
import {
  createQueryService,
  type QueryExplanation,
  type QueryVerdict,
  verifyDomainFacts,
} from "../query-service.ts";
import { assertScriptParses } from "./admission.ts";
import { jobRepository } from "./job-repository.ts";
import { JobService } from "./job-service.ts";
import {
  type GateDecision,
  JobSubmission,
  type JobUsage,
  type OutputAccuracy,
  type OutputTable,
  SETTLED_STATUSES,
} from "./model.ts";
import type { JobQuery } from "./policy-port.ts";

/**
 * Runs on dummy data, and the dry run built on them.
 *
 * `runOnDummyData` puts a script through the server's own job pipeline (`JobService`: admission,
 * runner, sandbox, policy engine, release gate) against a throwaway domain in a temp folder: a
 * SQLite control plane holding the catalog, a stand-in operator and its license, and a DuckDB
 * file of dummy data generated from the manifests, opened read-only and locked down like the real
 * one. Budget is charged to that control plane, deleted with the folder, so nothing is spent;
 * verdicts are the ones the server would give on the same data. `aos run --local` uses it on the
 * operator's machine; `JobExplainer` (POST /v1/jobs/explain) uses it on the server under a real
 * license, reading that license's budget without ever charging it.
 */

/** An event of a dummy run, shaped like the server's job events so one printer shows both. */
export interface DummyRunEvent {
  readonly type: "running" | "progress" | "query" | "gate" | "finished";
  readonly data: Record<string, unknown>;
}

export interface DummyRunOptions {
  readonly script: string;
  readonly language: "javascript" | "typescript";
  /** The catalog to run against; only the license's datasets are published and generated. */
  readonly manifests: readonly DatasetManifest[];
  /** The license to run under (its window, quotas, release mode, ε), held by a stand-in operator. */
  readonly license: License;
  /** Dummy rows per dataset (default 2000, enough for groups above the thresholds). */
  readonly rows?: number;
  readonly seed?: number;
  readonly onEvent?: (event: DummyRunEvent) => void;
  /**
   * The ledger the run's queries are charged to, built around the throwaway one (default: that
   * one alone, so nothing is spent anywhere).
   */
  readonly budget?: (throwaway: PrivacyBudgetLedger) => PrivacyBudgetLedger;
  /** Also explain each distinct query (the SQL that ran, what the engine enforced). */
  readonly explainQueries?: boolean;
}

export interface DummyRunResult {
  readonly status: "released" | "held" | "rejected" | "failed";
  readonly decision: Pick<GateDecision, "outcome" | "reasons" | "tainted" | "reviewsRequired">;
  readonly outputs: Record<string, OutputTable>;
  /** Per output, the accuracy of the noisy figures it holds (docs/accuracy.md). */
  readonly accuracy?: Record<string, OutputAccuracy>;
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
  /** With `explainQueries`: the explanation of each query's SQL, by its text. */
  readonly explanations?: ReadonlyMap<string, QueryExplanation>;
}

/** Dummy rows per dataset when not told. */
export const DEFAULT_DUMMY_ROWS = 2000;

/**
 * Runs a script against dummy data of the license's datasets.
 *
 * @example
 * const result = await runOnDummyData({ script, language: "javascript", manifests, license });
 * console.log(result.status, result.outputs);
 */
export async function runOnDummyData(options: DummyRunOptions): Promise<DummyRunResult> {
  const emit = options.onEvent ?? (() => {});
  const dir = await mkdtemp(join(tmpdir(), "aos-dummy-run-"));
  const cleanups: (() => unknown)[] = [() => rm(dir, { recursive: true, force: true })];
  try {
    // Started first: the sandbox worker boots while the domain is built.
    const pool = new SandboxPool({ size: 1, jobsPerWorker: 1 });
    cleanups.push(() => pool.close());
    const store = await openSqliteStore(join(dir, "control.sqlite"));
    cleanups.push(() => store.close());

    const licensed = new Set(options.license.datasets.map((d) => d.name));
    // The runner reads only the licensed part of the catalog: the rest is neither published nor generated.
    const manifests = options.manifests.filter((m) => licensed.has(m.name));
    const { operator, license } = await store.transaction(async (tx) => {
      const operator = await createPrincipal(tx, {
        role: "operator",
        name: "dummy-data runner",
        organization: "this machine",
      });
      for (const manifest of manifests) await publishManifest(tx, manifest, operator.id, "run on dummy data");
      // The license as given (window, quotas, release mode, ε), held by the stand-in operator.
      const { license } = await grantLicense(tx, { ...options.license, operator: operator.id });
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
    // Dummy data's noise need not match the domain's: a throwaway salt, like the key.
    const noiseSalt = noiseSaltOf(privateKey);
    // Never closed: closing only writes a last checkpoint, into a log deleted with the folder.
    const ledger = openStoreAuditLedger(store, { privateKey, checkpointIntervalMs: 0 });
    const throwawayBudget = new ControlPlaneBudgetLedger(store);
    const jobs = new JobService(
      {
        store,
        dataDomain,
        pool,
        ledger: options.budget ? options.budget(throwawayBudget) : throwawayBudget,
        parser: parser.connection,
        noiseSalt,
        audit: ledgerAuditSink(ledger),
        signReceipt: (claims) => issueReceipt(claims, privateKey),
      },
      { queueCapacity: 1, perOperatorConcurrency: 1, concurrency: 1, runnerId: "dummy", soleRunner: true },
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
      // A run on dummy data has no queue to wait in.
      if (event.type !== "queued") emit({ type: event.type, data: { ...event.data } });
    });
    cleanups.push(unsubscribe);
    let status = submitted.job.status;
    // The sandbox's limits (wall time, CPU, memory) end the run as they end a job's.
    while (!SETTLED_STATUSES.has(status)) status = (await jobs.wait(operator, id, 60)).status;

    const result = await settledResult(store, ledger, id);
    if (!options.explainQueries) return result;
    const connection = await dataDomain.connect();
    try {
      const service = createQueryService({
        domain: connection,
        parser: parser.connection,
        ledger: throwawayBudget,
        noiseSalt,
      });
      const explanations = new Map<string, QueryExplanation>();
      for (const query of result.queries) {
        if (explanations.has(query.sql)) continue;
        explanations.set(
          query.sql,
          await service.explain({ sql: query.sql, license, manifests, at: new Date() }),
        );
      }
      return { ...result, explanations };
    } finally {
      connection.closeSync();
    }
  } finally {
    // A throwaway run's cleanup never hides its result (or the error it ended with).
    for (const cleanup of cleanups.reverse())
      await Promise.resolve()
        .then(cleanup)
        .catch((error: unknown) => log.warn("cleaning up after a dry run failed", { error }));
  }
}

/** Writes the dummy tables into a new DuckDB file, which is then opened like the real domain. */
async function writeDummyDomain(
  file: string,
  manifests: readonly DatasetManifest[],
  options: Pick<DummyRunOptions, "rows" | "seed">,
): Promise<void> {
  const instance = await DuckDBInstance.create(file, { threads: "1" });
  const connection = await instance.connect();
  try {
    const statements = dummyDomainStatements(manifests, {
      rows: options.rows ?? DEFAULT_DUMMY_ROWS,
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
 * What the run's developer sees of the settled job: everything the pipeline kept of it, as a
 * reviewer would (the data is dummy, so there is nothing to withhold) — held outputs, an
 * unredacted error and the logs that go with it — and each query's verdict from the audit log.
 */
async function settledResult(
  store: Pick<SqlExecutor, "query">,
  ledger: Pick<StoreAuditLedger, "query">,
  id: string,
): Promise<DummyRunResult> {
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
    throw new DomainError(
      error?.code ?? "INTERNAL",
      error?.message ?? `the dummy-data job ended ${job?.status}`,
    );
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
  const { outcome, reasons, tainted, reviewsRequired } = job.decision;
  return {
    status: job.status,
    decision: { outcome, reasons, tainted, reviewsRequired },
    outputs: job.products?.outputs ?? {},
    ...(job.products?.accuracy ? { accuracy: job.products.accuracy } : {}),
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

// ── the dry run (POST /v1/jobs/explain) ─────────────────────────────────────

/** What the dry run reads of the real budget ledger: never a method that charges. */
export interface LicenseBudgetState {
  /** ε spent so far on a dataset in a period. */
  spent(licenseId: string, dataset: string, period: string): Promise<number>;
  /** Whether the license already paid for this query (a real run answers it from its record, for free). */
  paidFor(licenseId: string, queryKey: string): Promise<boolean>;
}

/** The real license's budget state, read from the control plane. */
export function storeBudgetState(store: Pick<SqlExecutor, "query">): LicenseBudgetState {
  const ledger = new ControlPlaneBudgetLedger({
    query: store.query.bind(store),
    // Reads only: a dry run must never move the real ledger.
    transaction: () => Promise.reject(new Error("the dry run never charges the real budget")),
  });
  return {
    spent: (licenseId, dataset, period) => ledger.spent(licenseId, dataset, period),
    async paidFor(licenseId, queryKey) {
      const rows = await store.query<{ n: number }>(
        "SELECT count(*) AS n FROM budget_charges WHERE license_id = $1 AND query_key = $2",
        [licenseId, queryKey],
      );
      return Number(rows[0]?.n ?? 0) > 0;
    },
  };
}

/** Far above any license's total: the throwaway ledger only keeps answers sticky within the run. */
const UNBOUNDED_EPSILON = 1e9;

/**
 * The ledger of a dry run: each first-asked query is checked against what the real license has
 * left (its spent ε plus what this run would already have spent) and refused with
 * BUDGET_EXHAUSTED exactly when a real run would be; a query the license already paid for costs
 * nothing, as a real run answers it from its record. The charges land in the throwaway ledger
 * only, which keeps answers sticky within the run; the real ledger is only read.
 */
class DryRunBudgetLedger implements PrivacyBudgetLedger {
  /** ε a real run would charge now, by query key (0: already paid for under the license). */
  readonly realCost = new Map<string, number>();
  /** Micro-ε this run would spend, by dataset and period. */
  private readonly wouldSpend = new Map<string, number>();

  constructor(
    private readonly throwaway: PrivacyBudgetLedger,
    private readonly real: LicenseBudgetState,
    private readonly realLicenseId: string,
  ) {}

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    const unbounded = {
      ...request,
      charges: request.charges.map((c): BudgetCharge => ({ ...c, limit: UNBOUNDED_EPSILON })),
    };
    // Asked before in this run: its recorded (dummy) answer, as a real run would repeat its own.
    if (this.realCost.has(request.queryKey)) return this.throwaway.charge(unbounded);
    const paid = await this.real.paidFor(this.realLicenseId, request.queryKey);
    if (!paid) {
      for (const charge of request.charges) {
        const key = JSON.stringify([charge.dataset, charge.period]);
        const spent = Math.round(
          (await this.real.spent(this.realLicenseId, charge.dataset, charge.period)) * 1e6,
        );
        const total = spent + (this.wouldSpend.get(key) ?? 0) + toMicroEpsilon(charge.epsilon);
        if (total > Math.floor(charge.limit * 1e6 + 1e-6)) {
          throw new DomainError(
            "BUDGET_EXHAUSTED",
            `privacy budget of dataset ${charge.dataset} is exhausted for this period`,
            { dataset: charge.dataset, period: charge.period },
          );
        }
      }
    }
    const outcome = await this.throwaway.charge(unbounded);
    if (outcome.charged) {
      if (!paid) {
        for (const charge of request.charges) {
          const key = JSON.stringify([charge.dataset, charge.period]);
          this.wouldSpend.set(key, (this.wouldSpend.get(key) ?? 0) + toMicroEpsilon(charge.epsilon));
        }
      }
      this.realCost.set(request.queryKey, paid ? 0 : (request.charges[0]?.epsilon ?? 0));
    }
    return outcome;
  }

  recordAnswer(licenseId: string, queryKey: string, answer: unknown): Promise<void> {
    return this.throwaway.recordAnswer(licenseId, queryKey, answer);
  }

  recallAnswer(licenseId: string, queryKey: string): Promise<unknown> {
    return this.throwaway.recallAnswer(licenseId, queryKey);
  }

  spent(licenseId: string, dataset: string, period: string): Promise<number> {
    return this.throwaway.spent(licenseId, dataset, period);
  }
}

/** One query of a dry run: what the engine did with it and what it would cost the license. */
export interface DryRunQuery {
  readonly index: number;
  /** The SQL the script sent. */
  readonly sql: string;
  readonly verdict: "allowed" | "refused";
  /** Why it was refused (the code a real run's `ctx.sql` would throw). */
  readonly code?: string;
  readonly message?: string;
  readonly kind: QueryKind | null;
  readonly datasets: readonly string[];
  /** Each column the query uses, with its rule and where it appears. */
  readonly rules: readonly ColumnUse[];
  /** What the engine enforces: threshold, contribution bound, clamps, noise, dominance. */
  readonly rewrites: readonly string[];
  /** The SQL the engine runs in its place (noise and suppression are applied to its result). */
  readonly rewrittenSql: string | null;
  /** ε this query would charge the license now (0 when repeated, or already paid for). */
  readonly epsilon: number;
  /** ε the query costs when first asked under the license. */
  readonly epsilonCost: number;
  /** The license already paid for this query: a real run gets its recorded answer for free. */
  readonly answeredFromRecord: boolean;
  /** The query reads row-level values: the job's outputs go to review. */
  readonly tainted: boolean;
  readonly requiresReview: boolean;
  /** Rows it returned on the dummy data. */
  readonly rows: number;
}

/** A dry run's answer. The values are dummy: no real row was read and no budget was spent. */
export interface DryRunReport {
  readonly license: string;
  readonly scriptSha256: string;
  /** Dummy rows per dataset the script ran on. */
  readonly dummyRows: number;
  /** How the dummy job ended: released or held (the release verdict), rejected, or failed. */
  readonly status: DummyRunResult["status"];
  readonly queries: readonly DryRunQuery[];
  /** The release gate's verdict on the outputs (on dummy data: figures near a threshold may differ). */
  readonly release: {
    readonly outcome: GateDecision["outcome"];
    readonly reasons: GateDecision["reasons"];
    readonly tainted: boolean;
    readonly reviewsRequired: number;
    readonly outputs: readonly { readonly name: string; readonly rows: number }[];
  };
  /** The outputs computed from dummy data (not real data: safe to show, useful to check shapes). */
  readonly dummyOutputs: Record<string, OutputTable>;
  readonly logs: readonly string[];
  readonly error?: DummyRunResult["error"];
  /** ε the job would charge the license, per dataset. */
  readonly epsilon: Record<string, number>;
  /** The license's budget left now, per ε-budgeted dataset (unchanged by the dry run). */
  readonly budget: readonly DatasetBudget[];
}

export interface JobExplainerDeps {
  readonly store: Pick<SqlStore, "query">;
  readonly audit: AuditSink;
  readonly now?: () => Date;
  /** Runs the script on dummy data (tests may wrap it); default `runOnDummyData`. */
  readonly run?: (options: DummyRunOptions) => Promise<DummyRunResult>;
}

export interface JobExplainerOptions {
  /** Dry runs at once on this node, across operators (each boots a sandbox worker); default 2. */
  readonly maxConcurrent?: number;
  /** Dummy rows per dataset; default 2000. */
  readonly rows?: number;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The dry run of a script (POST /v1/jobs/explain): admitted as a job would be (operator active,
 * license usable for the purpose, no freeze), then run in a sandbox worker on dummy data of the
 * license's datasets under the license's own terms, reporting each query's verdict, rewritten SQL
 * and ε, and the release gate's verdict. The real budget ledger is read, never charged; no job is
 * created. One dry run per operator at a time, and a few per node.
 *
 * @example
 * const explainer = new JobExplainer({ store, audit });
 * const report = await explainer.explain(principal, { script, license: "lic_…" });
 */
export class JobExplainer {
  private readonly running = new Set<string>();
  private readonly now: () => Date;

  constructor(
    private readonly deps: JobExplainerDeps,
    private readonly options: JobExplainerOptions = {},
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  async explain(principal: Principal, body: unknown): Promise<DryRunReport> {
    if (principal.role !== "operator") {
      throw new DomainError("FORBIDDEN", "only operators dry-run scripts, under their own licenses");
    }
    const parsed = JobSubmission.safeParse(body);
    if (!parsed.success) {
      throw new DomainError("BAD_REQUEST", `invalid dry run: ${describeIssues(parsed.error.issues)}`);
    }
    const submission = parsed.data;
    // The checks of admission, in its order, with its codes.
    await assertOperatorActive(this.deps.store, principal.id);
    const now = this.now();
    const { license } = assertLicenseUsable(await findLicense(this.deps.store, submission.license), {
      operatorId: principal.id,
      ...(submission.purpose === undefined ? {} : { purpose: submission.purpose }),
      now,
    });
    const limit = 256 * 1024;
    if (Buffer.byteLength(submission.script, "utf8") > limit) {
      throw new DomainError("LIMIT_EXCEEDED", `the script is larger than ${limit} bytes`);
    }
    await assertScriptParses(submission);
    const datasets = license.datasets.map((d) => d.name);
    await assertNotFrozen(
      this.deps.store,
      { operatorId: principal.id, licenseId: license.id, datasets },
      "a dry run",
      now,
    );

    if (this.running.has(principal.id)) {
      throw new DomainError(
        "RATE_LIMITED",
        "a dry run of yours is still running; retry when it has answered",
        {
          retryAfterSeconds: 5,
        },
      );
    }
    if (this.running.size >= (this.options.maxConcurrent ?? 2)) {
      throw new DomainError("RATE_LIMITED", "this node is busy with other dry runs; retry shortly", {
        retryAfterSeconds: 5,
      });
    }
    this.running.add(principal.id);
    try {
      const manifests = (await currentCatalog(this.deps.store, now))
        .map((entry) => entry.manifest)
        .filter((m) => datasets.includes(m.name));
      let ledger: DryRunBudgetLedger | undefined;
      const rows = this.options.rows ?? DEFAULT_DUMMY_ROWS;
      const result = await (this.deps.run ?? runOnDummyData)({
        script: submission.script,
        language: submission.language,
        manifests,
        license,
        rows,
        explainQueries: true,
        budget: (throwaway) => {
          ledger = new DryRunBudgetLedger(throwaway, storeBudgetState(this.deps.store), license.id);
          return ledger;
        },
      });
      const scriptSha256 = sha256(submission.script);
      const dp = new Set(manifests.filter((m) => m.grade >= 3).map((m) => m.name));
      const report = dryRunReport(result, ledger?.realCost ?? new Map(), dp, {
        license: license.id,
        scriptSha256,
        dummyRows: rows,
        budget: await licenseBudgets(this.deps.store, license, now),
      });
      // As job.submitted records a job: the script's hash, never its text.
      await this.deps.audit.append({
        type: "job.explained",
        actor: principal.id,
        subject: { operator: principal.id, license: license.id, datasets },
        data: {
          scriptSha256,
          language: submission.language,
          purpose: license.purpose,
          scriptBytes: submission.script.length,
          queries: report.queries.length,
          status: report.status,
        },
      });
      return report;
    } finally {
      this.running.delete(principal.id);
    }
  }
}

function dryRunReport(
  result: DummyRunResult,
  realCost: ReadonlyMap<string, number>,
  dp: ReadonlySet<string>,
  about: Pick<DryRunReport, "license" | "scriptSha256" | "dummyRows" | "budget">,
): DryRunReport {
  const epsilon: Record<string, number> = {};
  const queries = result.queries.map((query): DryRunQuery => {
    const explained = result.explanations?.get(query.sql);
    const notes = (rewrites: readonly string[]) => rewrites.filter((r) => !PLAN_NOTES.has(r));
    const v = query.verdict;
    if (!v) {
      return {
        index: query.index,
        sql: query.sql,
        verdict: "refused",
        code: query.error?.code ?? "INTERNAL",
        message: query.error?.detail ?? "the query failed",
        kind: explained?.kind ?? null,
        datasets: explained?.datasets ?? [],
        rules: explained?.columns ?? [],
        rewrites: notes(explained?.rewrites ?? []),
        rewrittenSql: explained?.executedSql ?? null,
        epsilon: 0,
        epsilonCost: explained?.epsilon ?? 0,
        answeredFromRecord: false,
        tainted: explained?.tainted ?? false,
        requiresReview: explained?.requiresReview ?? false,
        rows: 0,
      };
    }
    const charged = v.epsilonCharged > 0 ? (realCost.get(v.queryKey) ?? v.epsilonCharged) : 0;
    // A join charges each differentially private dataset it reads the query's ε (as metering counts).
    for (const dataset of charged > 0 ? v.datasets : []) {
      if (dp.has(dataset)) epsilon[dataset] = (epsilon[dataset] ?? 0) + charged;
    }
    return {
      index: query.index,
      sql: query.sql,
      verdict: "allowed",
      kind: v.kind,
      datasets: v.datasets,
      rules: v.columns,
      rewrites: notes(v.rewrites),
      rewrittenSql: explained?.executedSql ?? null,
      epsilon: charged,
      epsilonCost: v.epsilonCost,
      answeredFromRecord: v.epsilonCharged > 0 && realCost.get(v.queryKey) === 0,
      tainted: v.tainted,
      requiresReview: v.requiresReview,
      rows: v.rowsReturned,
    };
  });
  return {
    ...about,
    status: result.status,
    queries,
    release: {
      outcome: result.decision.outcome,
      reasons: result.decision.reasons,
      tainted: result.decision.tainted,
      reviewsRequired: result.decision.reviewsRequired,
      outputs: Object.entries(result.outputs).map(([name, rows]) => ({ name, rows: rows.length })),
    },
    dummyOutputs: result.outputs,
    logs: result.logs,
    ...(result.error ? { error: result.error } : {}),
    epsilon,
    budget: about.budget,
  };
}
