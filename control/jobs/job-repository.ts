import { sqlDialect } from "../../storage/sql-dialect.ts";
import type { SqlExecutor, SqlValue } from "../../storage/sql-store.ts";
import { keysetPage, mapPage, type Page, type PageRequest } from "../paging.ts";
import type {
  GateDecision,
  JobError,
  JobProducts,
  JobRecord,
  JobStatus,
  JobUsage,
  Receipt,
} from "./model.ts";

type Read = Pick<SqlExecutor, "query">;
type Write = Pick<SqlExecutor, "query" | "run" | "dialect">;

interface JobRow {
  id: string;
  operator_id: string;
  license_id: string;
  purpose: string;
  language: "javascript" | "typescript";
  script: string;
  script_sha256: string;
  idempotency_key: string | null;
  status: JobStatus;
  submitted_at: string;
  started_at: string | null;
  finished_at: string | null;
  policy_versions: string | null;
  decision: string | null;
  outputs: string | null;
  error: string | null;
  usage: string | null;
  receipt: string | null;
  runner: string | null;
  lease_until: string | null;
  attempts: number;
}

const COLUMNS = `id, operator_id, license_id, purpose, language, script, script_sha256, idempotency_key, status,
  submitted_at, started_at, finished_at, policy_versions, decision, outputs, error, usage, receipt, runner,
  lease_until, attempts`;

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));
const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

/** A job as stored, with where it runs (the runner holding its lease) for the scheduler. */
export interface StoredJob extends JobRecord {
  readonly runner: string | null;
  readonly leaseUntil: string | null;
  readonly attempts: number;
}

function toRecord(row: JobRow): StoredJob {
  return {
    id: row.id,
    operatorId: row.operator_id,
    licenseId: row.license_id,
    purpose: row.purpose,
    language: row.language,
    script: row.script,
    scriptSha256: row.script_sha256,
    idempotencyKey: row.idempotency_key,
    status: row.status,
    submittedAt: row.submitted_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    policyVersions: parse(row.policy_versions),
    decision: parse<GateDecision>(row.decision),
    products: parse<JobProducts>(row.outputs),
    error: parse<JobError>(row.error),
    usage: parse<JobUsage>(row.usage),
    receipt: parse<Receipt>(row.receipt),
    runner: row.runner,
    leaseUntil: row.lease_until,
    attempts: row.attempts,
  };
}

/** How a job's run (or its review) ended: whatever is known of it. */
export interface JobOutcome {
  readonly status: JobStatus;
  readonly finishedAt: string;
  readonly decision?: GateDecision | null;
  readonly products?: JobProducts | null;
  readonly error?: JobError | null;
  readonly usage?: JobUsage | null;
  readonly receipt?: Receipt | null;
}

/**
 * The jobs table: every statement of the job lifecycle, in the SQL both stores accept. The
 * writes that move a job take the status they expect, so a job moves from each state exactly once
 * however many nodes try (the loser's transaction changes nothing and rolls back).
 */
export const jobRepository = {
  async insert(
    tx: Write,
    job: Omit<
      JobRecord,
      "startedAt" | "finishedAt" | "policyVersions" | "decision" | "products" | "error" | "usage" | "receipt"
    >,
  ) {
    await tx.run(
      `INSERT INTO jobs (id, operator_id, license_id, purpose, language, script, script_sha256, idempotency_key,
         status, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        job.id,
        job.operatorId,
        job.licenseId,
        job.purpose,
        job.language,
        job.script,
        job.scriptSha256,
        job.idempotencyKey,
        job.status,
        job.submittedAt,
      ],
    );
  },

  async get(store: Read, id: string): Promise<StoredJob | null> {
    const rows = await store.query<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  },

  async byIdempotencyKey(store: Read, operatorId: string, key: string): Promise<StoredJob | null> {
    const rows = await store.query<JobRow>(
      `SELECT ${COLUMNS} FROM jobs WHERE operator_id = $1 AND idempotency_key = $2`,
      [operatorId, key],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  },

  /** Jobs newest first, one page; an operator's own, or all of them. */
  async list(
    store: Pick<SqlExecutor, "query" | "dialect">,
    filter: { operatorId?: string; status?: JobStatus },
    page: PageRequest,
  ): Promise<Page<StoredJob>> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.operatorId !== undefined) {
      params.push(filter.operatorId);
      where.push(`operator_id = $${params.length}`);
    }
    if (filter.status !== undefined) {
      params.push(filter.status);
      where.push(`status = $${params.length}`);
    }
    const rows = await keysetPage<JobRow & Record<string, unknown>>(store, {
      list: "jobs",
      select: `SELECT ${COLUMNS} FROM jobs`,
      where,
      params,
      order: { key: "submitted_at", id: "id", direction: "desc" },
      page,
    });
    return mapPage(rows, toRecord);
  },

  /** Jobs in one status, oldest first, one page of the list named `list` (the review queue: held). */
  async pageWithStatus(
    store: Pick<SqlExecutor, "query" | "dialect">,
    status: JobStatus,
    list: string,
    page: PageRequest,
  ): Promise<Page<StoredJob>> {
    const rows = await keysetPage<JobRow & Record<string, unknown>>(store, {
      list,
      select: `SELECT ${COLUMNS} FROM jobs`,
      where: ["status = $1"],
      params: [status],
      order: { key: "submitted_at", id: "id", direction: "asc" },
      page,
    });
    return mapPage(rows, toRecord);
  },

  async withStatus(store: Read, status: JobStatus): Promise<StoredJob[]> {
    const rows = await store.query<JobRow>(
      `SELECT ${COLUMNS} FROM jobs WHERE status = $1 ORDER BY submitted_at, id`,
      [status],
    );
    return rows.map(toRecord);
  },

  async countSince(store: Read, licenseId: string, since: string): Promise<number> {
    const rows = await store.query<{ n: number }>(
      "SELECT count(*) AS n FROM jobs WHERE license_id = $1 AND submitted_at >= $2",
      [licenseId, since],
    );
    return rows[0]?.n ?? 0;
  },

  async countWithStatus(store: Read, status: JobStatus): Promise<number> {
    const rows = await store.query<{ n: number }>("SELECT count(*) AS n FROM jobs WHERE status = $1", [
      status,
    ]);
    return rows[0]?.n ?? 0;
  },

  /**
   * Takes the oldest queued job whose operator has fewer than `perOperator` jobs running anywhere,
   * marks it running under `runner`'s lease and returns it; null when none is waiting. Claims take
   * turns until their transactions commit: each must count the running jobs the one before it
   * started, or two runners could each start an operator's last allowed job.
   */
  async claimNext(
    tx: Write,
    claim: { runner: string; leaseUntil: string; startedAt: string; perOperator: number },
  ): Promise<StoredJob | null> {
    // Claims take turns until they commit: at READ COMMITTED two claims would each count the
    // running jobs committed before either, and could both start an operator's last allowed job.
    await sqlDialect.turn(tx, "claim");
    const lock = sqlDialect.forUpdate(tx.dialect, { skipLocked: true });
    const rows = await tx.query<JobRow>(
      `UPDATE jobs SET status = 'running', runner = $1, lease_until = $2, started_at = $3, attempts = attempts + 1
       WHERE status = 'queued' AND id = (
         SELECT id FROM jobs WHERE status = 'queued' AND operator_id NOT IN (
           SELECT operator_id FROM jobs WHERE status = 'running' GROUP BY operator_id HAVING count(*) >= $4)
         ORDER BY submitted_at, id LIMIT 1${lock})
       RETURNING ${COLUMNS}`,
      [claim.runner, claim.leaseUntil, claim.startedAt, claim.perOperator],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  },

  /** The policy versions a job ran under, without reading its products (a receipt names only these). */
  async policyVersions(store: Read, id: string): Promise<Record<string, number> | null> {
    const rows = await store.query<Pick<JobRow, "policy_versions">>(
      "SELECT policy_versions FROM jobs WHERE id = $1",
      [id],
    );
    return rows[0] ? parse<Record<string, number>>(rows[0].policy_versions) : null;
  },

  async setPolicyVersions(tx: Write, id: string, versions: Record<string, number>): Promise<void> {
    await tx.run("UPDATE jobs SET policy_versions = $2 WHERE id = $1", [id, JSON.stringify(versions)]);
  },

  /** Extends the leases `runner` holds on `ids`; returns the ids whose lease it still holds. */
  async renewLeases(tx: Write, runner: string, ids: readonly string[], until: string): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const marks = ids.map((_, i) => `$${i + 3}`).join(", ");
    const rows = await tx.query<{ id: string }>(
      `UPDATE jobs SET lease_until = $2 WHERE runner = $1 AND status = 'running' AND id IN (${marks})
       RETURNING id`,
      [runner, until, ...ids],
    );
    return new Set(rows.map((row) => row.id));
  },

  /** Running jobs whose lease ran out before `now` (their runner stopped renewing it), or that never had one. */
  async orphaned(store: Read, now: string): Promise<StoredJob[]> {
    const rows = await store.query<JobRow>(
      `SELECT ${COLUMNS} FROM jobs WHERE status = 'running' AND (lease_until IS NULL OR lease_until < $1)
       ORDER BY submitted_at`,
      [now],
    );
    return rows.map(toRecord);
  },

  /**
   * Settles a job that is in `from` (and, for a running job, still leased to `runner`, or with its
   * lease run out before `leaseExpiredBefore`, when given).
   * Returns false when it was not: someone else settled it first, so the caller must roll back.
   */
  async settle(
    tx: Write,
    id: string,
    outcome: JobOutcome,
    expect: { from: readonly JobStatus[]; runner?: string; leaseExpiredBefore?: string },
  ): Promise<boolean> {
    const params: SqlValue[] = [
      id,
      outcome.status,
      outcome.finishedAt,
      json(outcome.decision),
      json(outcome.products),
      json(outcome.error),
      json(outcome.usage),
      json(outcome.receipt),
    ];
    const states = expect.from.map((status) => {
      params.push(status);
      return `$${params.length}`;
    });
    let runner = "";
    if (expect.runner !== undefined) {
      params.push(expect.runner);
      runner += ` AND runner = $${params.length}`;
    }
    if (expect.leaseExpiredBefore !== undefined) {
      params.push(expect.leaseExpiredBefore);
      runner += ` AND (lease_until IS NULL OR lease_until < $${params.length})`;
    }
    const changed = await tx.run(
      `UPDATE jobs SET status = $2, finished_at = $3,
         decision = coalesce($4, decision), outputs = coalesce($5, outputs), error = coalesce($6, error),
         usage = coalesce($7, usage), receipt = coalesce($8, receipt), lease_until = NULL
       WHERE id = $1 AND status IN (${states.join(", ")})${runner}`,
      params,
    );
    return changed === 1;
  },

  /** Asks the runner of a running job to stop it (it looks at each lease renewal). */
  async requestCancel(tx: Write, id: string, at: string): Promise<boolean> {
    return (
      (await tx.run("UPDATE jobs SET cancel_requested_at = $2 WHERE id = $1 AND status = 'running'", [
        id,
        at,
      ])) === 1
    );
  },

  /** Of `ids`, those whose cancellation was asked for. */
  async cancelRequested(store: Read, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const marks = ids.map((_, i) => `$${i + 1}`).join(", ");
    const rows = await store.query<{ id: string }>(
      `SELECT id FROM jobs WHERE cancel_requested_at IS NOT NULL AND id IN (${marks})`,
      [...ids],
    );
    return new Set(rows.map((row) => row.id));
  },
};
