import type { DuckDBValue } from "@duckdb/node-api";
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
import { WriteBatcher } from "./write-batcher.ts";

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

/**
 * Job records as last written, per control plane. The job service is the only writer of the jobs
 * table and every write goes through `jobStore`, so a record here is exactly the row: reading a
 * job (every poll, every step of a run) needs no round trip through the serialised connection.
 * Unsettled jobs always stay; settled ones are dropped oldest first beyond the bound.
 */
const MAX_SETTLED_RECORDS = 5_000;
const UNSETTLED: ReadonlySet<JobStatus> = new Set(["queued", "running"]);
const JOBS = ["jobs"];

type Stamped = object;
const stampOf = (store: Stamped) => (store as Partial<Pick<ControlPlane, "writeStamp">>).writeStamp?.(JOBS);

/** Per control plane: the records, the write stamp they are valid for, and the write batchers. */
interface StoreState {
  readonly map: Map<string, JobRecord>;
  stamp: string | undefined;
  batchers?: ReturnType<typeof newBatchers>;
}
const states = new WeakMap<object, StoreState>();

function state(store: Stamped): StoreState {
  let entry = states.get(store);
  if (!entry) {
    entry = { map: new Map(), stamp: undefined };
    states.set(store, entry);
  }
  return entry;
}

/**
 * The records, unless the jobs table was written by anything but `jobStore` since its last write
 * (a migration, a repair, a test): then they are forgotten and read again. Without write stamps
 * (a stand-in store), nothing is kept.
 */
function records(store: Stamped): Map<string, JobRecord> {
  const entry = state(store);
  const stamp = stampOf(store);
  if (stamp === undefined || stamp !== entry.stamp) {
    entry.map.clear();
    entry.stamp = stamp;
  }
  return entry.map;
}

/** Issues one of `jobStore`'s own writes, noting the stamp it leaves so `records` knows it. */
async function write(store: Store, sql: string, params: DuckDBValue[]): Promise<void> {
  records(store); // forgets the records first if anything else wrote the table since
  const written = store.run(sql, params);
  state(store).stamp = stampOf(store);
  await written;
}

/**
 * The three writes of a job's life, each batched across jobs (see write-batcher.ts). A job's own
 * writes never race each other: each is awaited before the job moves on.
 */
function batchersOf(store: Store) {
  const entry = state(store);
  entry.batchers ??= newBatchers(store);
  return entry.batchers;
}

/** `(…), (…)` with numbered parameters, each row's cast as given. */
function valueRows(rows: number, casts: readonly string[]): string {
  return Array.from(
    { length: rows },
    (_, r) => `(${casts.map((cast, c) => `$${r * casts.length + c + 1}::${cast}`).join(", ")})`,
  ).join(", ");
}

function newBatchers(store: Store) {
  const batched = (statement: (rows: number) => string) => {
    const many = (items: readonly DuckDBValue[][]) => write(store, statement(items.length), items.flat());
    return new WriteBatcher<DuckDBValue[]>(many, (item) => many([item]));
  };
  const insertCasts = [...Array(9).fill("VARCHAR"), "TIMESTAMPTZ"];
  const settleCasts = ["VARCHAR", "VARCHAR", "TIMESTAMPTZ", "JSON", "JSON", "JSON", "JSON", "JSON"];
  return {
    insert: batched(
      (rows) =>
        `INSERT INTO jobs (id, operator_id, license_id, purpose, language, script, script_sha256, idempotency_key,
           status, submitted_at) VALUES ${valueRows(rows, insertCasts)}`,
    ),
    // One row alone is updated by its key: DuckDB plans that in about half the time of the join
    // with a VALUES list that several rows need.
    running: batched((rows) =>
      rows === 1
        ? `UPDATE jobs SET status = 'running', started_at = $2::TIMESTAMPTZ, policy_versions = $3::JSON
           WHERE id = $1::VARCHAR`
        : `UPDATE jobs SET status = 'running', started_at = v.started_at, policy_versions = v.policy_versions
         FROM (VALUES ${valueRows(rows, ["VARCHAR", "TIMESTAMPTZ", "JSON"])}) AS v(id, started_at, policy_versions)
         WHERE jobs.id = v.id`,
    ),
    settle: batched((rows) =>
      rows === 1
        ? `UPDATE jobs SET status = $2::VARCHAR, finished_at = $3::TIMESTAMPTZ,
             decision = coalesce($4::JSON, decision), outputs = coalesce($5::JSON, outputs),
             error = coalesce($6::JSON, error), usage = coalesce($7::JSON, usage),
             receipt = coalesce($8::JSON, receipt)
           WHERE id = $1::VARCHAR`
        : `UPDATE jobs SET status = v.status, finished_at = v.finished_at,
           decision = coalesce(v.decision, jobs.decision), outputs = coalesce(v.outputs, jobs.outputs),
           error = coalesce(v.error, jobs.error), usage = coalesce(v.usage, jobs.usage),
           receipt = coalesce(v.receipt, jobs.receipt)
         FROM (VALUES ${valueRows(rows, settleCasts)}) AS v(id, status, finished_at, decision, outputs, error, usage, receipt)
         WHERE jobs.id = v.id`,
    ),
  };
}

function remember(store: Stamped, record: JobRecord): JobRecord {
  const map = records(store);
  map.delete(record.id);
  map.set(record.id, Object.freeze(record));
  if (map.size > MAX_SETTLED_RECORDS) {
    for (const [id, old] of map) {
      if (map.size <= MAX_SETTLED_RECORDS) break;
      if (!UNSETTLED.has(old.status)) map.delete(id);
    }
  }
  return map.get(record.id)!;
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
    await batchersOf(store).insert.write([
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
    ]);
    // As the row reads back: timestamps at millisecond precision in UTC, as toISOString gives them.
    return remember(store, {
      ...job,
      submittedAt: new Date(job.submittedAt).toISOString(),
      startedAt: null,
      finishedAt: null,
      policyVersions: null,
      decision: null,
      products: null,
      error: null,
      usage: null,
      receipt: null,
    });
  },

  async get(store: Pick<ControlPlane, "query">, id: string): Promise<JobRecord | null> {
    const known = records(store).get(id);
    if (known) return known;
    const rows = await store.query<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [id]);
    return rows[0] ? remember(store, toRecord(rows[0])) : null;
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
    // Readers see the job running from now on, as the run has begun; the row follows.
    const written = batchersOf(store).running.write([
      id,
      startedAt.toISOString(),
      JSON.stringify(policyVersions),
    ]);
    const known = records(store).get(id);
    if (known)
      remember(store, {
        ...known,
        status: "running",
        startedAt: startedAt.toISOString(),
        policyVersions: structuredClone(policyVersions),
      });
    await written;
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
    const json = (value: unknown) => (value ? JSON.stringify(value) : null);
    const columns = {
      decision: json(outcome.decision),
      products: json(outcome.products),
      error: json(outcome.error),
      usage: json(outcome.usage),
      receipt: json(outcome.receipt),
    };
    await batchersOf(store).settle.write([
      id,
      outcome.status,
      outcome.finishedAt.toISOString(),
      columns.decision,
      columns.products,
      columns.error,
      columns.usage,
      columns.receipt,
    ]);
    const known = records(store).get(id);
    if (known) {
      // The statement's coalesce, on values parsed back from what was stored, as a read would give.
      remember(store, {
        ...known,
        status: outcome.status,
        finishedAt: outcome.finishedAt.toISOString(),
        decision: parse<GateDecision>(columns.decision) ?? known.decision,
        products: parse<JobProducts>(columns.products) ?? known.products,
        error: parse<JobError>(columns.error) ?? known.error,
        usage: parse<JobUsage>(columns.usage) ?? known.usage,
        receipt: parse<Receipt>(columns.receipt) ?? known.receipt,
      });
    }
  },
};
