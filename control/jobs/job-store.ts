import type { ControlPlane } from "../../storage/control-plane.ts";
import type {
  GateDecision,
  JobError,
  JobProducts,
  JobRecord,
  JobStatus,
  JobUsage,
  Receipt,
} from "./model.ts";

type Store = Pick<ControlPlane, "query" | "run">;

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
}

const COLUMNS = `id, operator_id, license_id, purpose, language, script, script_sha256, idempotency_key, status,
  strftime(submitted_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS submitted_at,
  strftime(started_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS started_at,
  strftime(finished_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS finished_at,
  policy_versions, decision, outputs, error, usage, receipt`;

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function toRecord(row: JobRow): JobRecord {
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
  };
}

/** Persistence of jobs in the control plane. Timestamps are stored in UTC and read back as ISO strings. */
export const jobStore = {
  async insert(
    store: Store,
    job: Omit<
      JobRecord,
      "startedAt" | "finishedAt" | "policyVersions" | "decision" | "products" | "error" | "usage" | "receipt"
    >,
  ) {
    await store.run(
      `INSERT INTO jobs (id, operator_id, license_id, purpose, language, script, script_sha256, idempotency_key,
         status, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::TIMESTAMPTZ)`,
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

  async get(store: Pick<ControlPlane, "query">, id: string): Promise<JobRecord | null> {
    const rows = await store.query<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  },

  async byIdempotencyKey(store: Pick<ControlPlane, "query">, operatorId: string, key: string) {
    const rows = await store.query<JobRow>(
      `SELECT ${COLUMNS} FROM jobs WHERE operator_id = $1 AND idempotency_key = $2`,
      [operatorId, key],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  },

  /** Jobs newest first; an operator's own, or all of them. */
  async list(
    store: Pick<ControlPlane, "query">,
    filter: { operatorId?: string; status?: JobStatus; limit: number },
  ) {
    const rows = await store.query<JobRow>(
      `SELECT ${COLUMNS} FROM jobs
       WHERE ($1::VARCHAR IS NULL OR operator_id = $1) AND ($2::VARCHAR IS NULL OR status = $2)
       ORDER BY submitted_at DESC, id LIMIT $3`,
      [filter.operatorId ?? null, filter.status ?? null, filter.limit],
    );
    return rows.map(toRecord);
  },

  async withStatus(store: Pick<ControlPlane, "query">, status: JobStatus): Promise<JobRecord[]> {
    const rows = await store.query<JobRow>(
      `SELECT ${COLUMNS} FROM jobs WHERE status = $1 ORDER BY submitted_at, id`,
      [status],
    );
    return rows.map(toRecord);
  },

  async countSince(store: Pick<ControlPlane, "query">, licenseId: string, since: Date): Promise<number> {
    const rows = await store.query<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM jobs WHERE license_id = $1 AND submitted_at >= $2::TIMESTAMPTZ",
      [licenseId, since.toISOString()],
    );
    return rows[0]?.n ?? 0;
  },

  async markRunning(store: Store, id: string, startedAt: Date, policyVersions: Record<string, number>) {
    await store.run(
      "UPDATE jobs SET status = 'running', started_at = $2::TIMESTAMPTZ, policy_versions = $3 WHERE id = $1",
      [id, startedAt.toISOString(), JSON.stringify(policyVersions)],
    );
  },

  /** Records how a run ended (or a review's decision): status and whatever is known of it. */
  async settle(
    store: Store,
    id: string,
    outcome: {
      status: JobStatus;
      finishedAt: Date;
      decision?: GateDecision | null;
      products?: JobProducts | null;
      error?: JobError | null;
      usage?: JobUsage | null;
      receipt?: Receipt | null;
    },
  ) {
    await store.run(
      `UPDATE jobs SET status = $2, finished_at = $3::TIMESTAMPTZ,
         decision = coalesce($4, decision), outputs = coalesce($5, outputs), error = coalesce($6, error),
         usage = coalesce($7, usage), receipt = coalesce($8, receipt)
       WHERE id = $1`,
      [
        id,
        outcome.status,
        outcome.finishedAt.toISOString(),
        outcome.decision ? JSON.stringify(outcome.decision) : null,
        outcome.products ? JSON.stringify(outcome.products) : null,
        outcome.error ? JSON.stringify(outcome.error) : null,
        outcome.usage ? JSON.stringify(outcome.usage) : null,
        outcome.receipt ? JSON.stringify(outcome.receipt) : null,
      ],
    );
  },
};
