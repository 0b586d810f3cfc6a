import { createPublicKey, type KeyObject, randomUUID } from "node:crypto";
import { z } from "zod";
import { canonicalJson, canonicalJsonBytes } from "../audit/canonical-json.ts";
import { digestHexWith, domainPublicKey, profileOfKey } from "../audit/crypto-profile.ts";
import { keyFingerprint } from "../audit/signing-key.ts";
import { verifyStatementDocument } from "../audit/statement-signature.ts";
import { DomainError } from "../policies/errors.ts";
import {
  type FigureDifference,
  formatFen,
  PartyKind,
  STATEMENT_BODY_TYPE,
  StatementBody,
  type StatementDigestAlgorithm,
  type StatementDocument,
  type StatementParty,
  StatementPeriod,
  StatementRequest,
  type StatementSummary,
  type StatementVerification,
  statementDigest,
  verificationOf,
} from "../policies/statement.ts";
import { compareText } from "../storage/sql-dialect.ts";
import { isUniqueViolation, type SqlExecutor, type SqlStore, type SqlValue } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import { auditedChange } from "./audited-change.ts";
import { type Actor, requireActor } from "./authority.ts";
import { holderDepartments } from "./holders.ts";
import { type MeteredJob, meteredJobs } from "./metering.ts";
import { keysetPage, mapPage, type Page, type PageRequest } from "./paging.ts";

/**
 * Settlement by contribution (docs/settlement.md): a signed statement per calendar month (UTC) and
 * party — an operator (what it owes: lines per license × dataset) or a holder department (what its
 * data earned: lines per dataset × operator). Figures come from the jobs' recorded usage and the
 * tariff versions alone (control/metering.ts), so the same month always gives the same body; the
 * body is canonical JSON, hashed and signed under the domain's crypto profile like a release
 * receipt: SHA-256 and Ed25519, or SM3 and SM2 (`sm`), each digest named by its algorithm.
 */

/** The instants bounding a month: [from, to), RFC 3339 UTC. */
export function periodBounds(period: string): { from: string; to: string } {
  const [year, month] = period.split("-").map(Number) as [number, number];
  return {
    from: new Date(Date.UTC(year, month - 1, 1)).toISOString(),
    to: new Date(Date.UTC(year, month, 1)).toISOString(),
  };
}

/** The digest (lowercase hex; SHA-256 or SM3) of a body's canonical JSON: the statement's hash. */
export function statementHash(body: unknown, algorithm: StatementDigestAlgorithm): string {
  return digestHexWith(algorithm)(canonicalJsonBytes(body));
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const parts = (jobs: readonly MeteredJob[], party: StatementParty) =>
  jobs.flatMap((job) =>
    job.parts
      .filter((part) => party.kind === "operator" || (part.dataset !== null && part.holder === party.id))
      .map((part) => ({ job, part })),
  );

/**
 * The body of `party`'s statement for `period`, recomputed from the jobs submitted in it (their
 * recorded usage, priced by the tariff version in force at each submission, divided by
 * contribution) — the same body every time for the same jobs. Signed by the key `keyId` names.
 */
export async function computeStatement(
  store: Pick<SqlExecutor, "query">,
  period: string,
  party: StatementParty,
  keyId: string,
  algorithm: StatementDigestAlgorithm,
): Promise<StatementBody> {
  return (await statementWithJobs(store, period, party, keyId, algorithm)).body;
}

/**
 * The statement's body and the ids of the jobs it covers (sorted, as its `jobs` digest hashes them
 * with `algorithm`).
 */
async function statementWithJobs(
  store: Pick<SqlExecutor, "query">,
  period: string,
  party: StatementParty,
  keyId: string,
  algorithm: StatementDigestAlgorithm,
): Promise<{ body: StatementBody; jobIds: string[] }> {
  const { from, to } = periodBounds(period);
  const jobs = await meteredJobs(store, {
    from,
    to,
    ...(party.kind === "operator" ? { operator: party.id } : {}),
  });
  const attributed = parts(jobs, party);
  const grouped = new Map<
    string,
    { key: Record<string, unknown>; ids: Set<string>; rows: number; fen: number }
  >();
  for (const { job, part } of attributed) {
    const key =
      party.kind === "operator"
        ? { license: job.license, dataset: part.dataset, holder: part.holder, basis: part.basis }
        : { dataset: part.dataset, operator: job.operator, basis: part.basis };
    const id = JSON.stringify(Object.values(key));
    const line = grouped.get(id) ?? { key, ids: new Set<string>(), rows: 0, fen: 0 };
    line.ids.add(job.id);
    line.rows += part.rowsScanned;
    line.fen += part.chargeFen;
    grouped.set(id, line);
  }
  const lines = [...grouped.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([, line]) => ({
      ...line.key,
      jobs: line.ids.size,
      rowsScanned: line.rows,
      chargeFen: line.fen,
      charge: formatFen(line.fen),
    }));
  const ids = [...new Set(attributed.map(({ job }) => job.id))].sort(compareText);
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const chargeFen = sum(attributed.map(({ part }) => part.chargeFen));
  const body = StatementBody.parse({
    type: STATEMENT_BODY_TYPE,
    version: 1,
    period,
    from,
    to,
    party: { kind: party.kind, id: party.id },
    currency: "CNY",
    method: { contribution: "rows_scanned", fallback: "even", rounding: "largest_remainder", unit: "fen" },
    tariffVersions: [
      ...new Set(ids.map((id) => byId.get(id)?.tariffVersion).filter((v): v is number => v != null)),
    ].sort((a, b) => a - b),
    jobs: { count: ids.length, ...statementDigest(algorithm, digestHexWith(algorithm)(ids.join("\n"))) },
    lines,
    totals: {
      jobs: ids.length,
      rowsScanned: sum(attributed.map(({ part }) => part.rowsScanned)),
      chargeFen,
      charge: formatFen(chargeFen),
    },
    key: keyId,
  });
  return { body, jobIds: ids };
}

/**
 * Of `jobIds`, those whose usage in the control plane is not what their `job.finished` entry in
 * the hash-chained log recorded (or that have no such entry): the statement's figures rest on the
 * usage the log holds, so an edit of a job row after the fact shows here.
 */
async function usageOffTheLog(
  store: Pick<SqlExecutor, "query">,
  jobIds: readonly string[],
): Promise<string[]> {
  const off: string[] = [];
  for (let i = 0; i < jobIds.length; i += 500) {
    const chunk = jobIds.slice(i, i + 500);
    const rows = await store.query<{ id: string; usage: string | null; line: string | null }>(
      `SELECT j.id, j.usage, a.line FROM jobs j
       LEFT JOIN audit_entries a ON a.job = j.id AND a.type = 'job.finished'
       WHERE j.id IN (${chunk.map((_, n) => `$${n + 1}`).join(", ")})`,
      chunk,
    );
    const logged = new Map<string, string[]>();
    for (const row of rows) {
      const usage =
        row.line === null ? undefined : (JSON.parse(row.line) as { data?: { usage?: unknown } }).data?.usage;
      const list = logged.get(row.id) ?? [];
      if (usage != null) list.push(canonicalJson(usage));
      logged.set(row.id, list);
    }
    for (const row of rows) {
      const recorded = row.usage === null ? "" : canonicalJson(JSON.parse(row.usage));
      if (!(logged.get(row.id) ?? []).includes(recorded) && !off.includes(row.id)) off.push(row.id);
    }
  }
  return off.sort(compareText);
}

type Row = {
  id: string;
  period: string;
  party_kind: PartyKind;
  party_id: string;
  body: string;
  digest: string;
  digest_algorithm: StatementDigestAlgorithm;
  signature: string;
  charge_fen: number;
  issued_by: string;
  issued_at: string;
};
const COLUMNS =
  "id, period, party_kind, party_id, body, digest, digest_algorithm, signature, charge_fen, issued_by, issued_at";

const toDocument = (row: Row): StatementDocument => ({
  id: row.id,
  // Parsed without validation: a stored body that was tampered with must still be shown and
  // verified (and fail), not hidden behind a parse error.
  statement: JSON.parse(row.body) as StatementBody,
  ...statementDigest(row.digest_algorithm, row.digest),
  signature: row.signature,
  issuedAt: row.issued_at,
  issuedBy: row.issued_by,
});

const toSummary = (row: Row): StatementSummary => ({
  id: row.id,
  period: row.period,
  party: { kind: row.party_kind, id: row.party_id },
  ...statementDigest(row.digest_algorithm, row.digest),
  chargeFen: Number(row.charge_fen),
  charge: formatFen(Number(row.charge_fen)),
  issuedAt: row.issued_at,
  issuedBy: row.issued_by,
});

/** Whether `actor` may read a statement of `party`: the bureau and auditors all, a party its own. */
function mayRead(actor: Actor, party: StatementParty): boolean {
  if (actor.role === "bureau" || actor.role === "auditor") return true;
  if (actor.role === "operator") return party.kind === "operator" && party.id === actor.id;
  if (actor.role === "holder") return party.kind === "holder" && party.id === actor.organization;
  return false;
}

const READERS = ["bureau", "auditor", "operator", "holder"] as const;

async function storedRow(store: Pick<SqlExecutor, "query">, actor: Actor, id: string): Promise<Row> {
  requireActor(actor, READERS, "read statements");
  const [row] = await store.query<Row>(`SELECT ${COLUMNS} FROM statements WHERE id = $1`, [id]);
  // Another party's statement answers as one that does not exist: ids reveal nothing.
  if (!row || !mayRead(actor, { kind: row.party_kind, id: row.party_id })) {
    throw new DomainError("NOT_FOUND", `no statement ${id} (GET /v1/statements lists those you may read)`);
  }
  return row;
}

/** What statements need to issue: the store, the audit log, and the domain key's private half. */
export interface StatementDeps {
  readonly store: Pick<SqlStore, "transaction" | "query">;
  readonly audit: AuditSink;
  /** Unset on a node that holds no signing key: it issues nothing. */
  readonly signingKey?: KeyObject;
  readonly now?: () => Date;
}

/** An issued statement; `reissued` when the month and party had one already, with the same body. */
export interface IssuedStatement {
  readonly statement: StatementDocument;
  readonly reissued: boolean;
}

/**
 * Issues `party`'s statement for `period` (bureau): recomputes the body, signs it with the domain
 * key and stores it with a `statement.issued` audit entry naming its hash, in one transaction.
 * Only a month that has ended, with every job submitted in it finished, is settled. Issuing the
 * same month again recomputes the same body and answers the statement already issued; a body
 * that would differ is refused (CONFLICT), since nothing may change an issued month's figures.
 */
export async function issueStatement(
  deps: StatementDeps,
  actor: Actor,
  request: StatementRequest,
): Promise<IssuedStatement> {
  requireActor(actor, ["bureau"], "issue statements");
  const parsed = StatementRequest.safeParse(request);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".") || "(body)");
    throw new DomainError(
      "BAD_REQUEST",
      `invalid statement request: ${[...new Set(fields)].join(", ")} (period is YYYY-MM; party is { kind: "operator" | "holder", id })`,
    );
  }
  const { period, party } = parsed.data;
  if (!deps.signingKey) {
    throw new DomainError(
      "NOT_READY",
      "this node holds no domain signing key: issue statements on a gateway that does",
    );
  }
  const now = deps.now?.() ?? new Date();
  const { from, to } = periodBounds(period);
  if (to > now.toISOString()) {
    throw new DomainError(
      "CONFLICT",
      `${period} ends at ${to}: a statement settles a whole calendar month (UTC), once it has ended`,
    );
  }
  await assertParty(deps.store, party);
  const unsettled = await unsettledJobs(deps.store, party, from, to);
  if (unsettled > 0) {
    throw new DomainError(
      "CONFLICT",
      `${unsettled} job(s) submitted in ${period} are not finished (queued, running or held for review): issue the statement once they are decided (GET /v1/reviews)`,
    );
  }
  const key = deps.signingKey;
  const keyId = keyFingerprint(createPublicKey(key));
  const profile = profileOfKey(key);
  const existing = await findIssued(deps.store, period, party);
  // A month issued before statements followed the profile keeps its algorithm: recomputed alike,
  // it answers the same statement.
  if (existing) return reissue(deps.store, existing, keyId);
  const algorithm = profile.digest;
  const body = await computeStatement(deps.store, period, party, keyId, algorithm);
  const digest = statementHash(body, algorithm);
  const bytes = canonicalJsonBytes(body);
  const signature = profile.sign(bytes, key).toString("base64url");
  const id = `stm_${randomUUID()}`;
  const issuedAt = now.toISOString();
  const datasets = [...new Set(body.lines.map((l) => l.dataset).filter((d): d is string => d !== null))];
  try {
    return await auditedChange(deps.store, deps.audit, async (tx) => {
      await tx.run(
        `INSERT INTO statements (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          id,
          period,
          party.kind,
          party.id,
          bytes.toString("utf8"),
          digest,
          algorithm,
          signature,
          body.totals.chargeFen,
          actor.id,
          issuedAt,
        ],
      );
      return {
        result: {
          statement: {
            id,
            statement: body,
            ...statementDigest(algorithm, digest),
            signature,
            issuedAt,
            issuedBy: actor.id,
          },
          reissued: false,
        },
        event: {
          type: "statement.issued",
          actor: actor.id,
          subject: {
            ...(party.kind === "operator" ? { operator: party.id } : {}),
            ...(datasets.length ? { datasets } : {}),
          },
          data: {
            statement: id,
            period,
            party,
            ...statementDigest(algorithm, digest),
            key: keyId,
            chargeFen: body.totals.chargeFen,
            jobs: body.jobs.count,
            lines: body.lines.length,
          },
        },
      };
    });
  } catch (error) {
    // Another officer issued it meanwhile: the same body answers theirs, a different one is refused.
    if (!isUniqueViolation(error)) throw error;
    const raced = await findIssued(deps.store, period, party);
    if (!raced) throw error;
    return reissue(deps.store, raced, keyId);
  }
}

/** The statement issued already, when the month recomputed now (with its algorithm) gives its body. */
async function reissue(
  store: Pick<SqlExecutor, "query">,
  existing: Row,
  keyId: string,
): Promise<IssuedStatement> {
  const algorithm = existing.digest_algorithm;
  const party = { kind: existing.party_kind, id: existing.party_id };
  const digest = statementHash(
    await computeStatement(store, existing.period, party, keyId, algorithm),
    algorithm,
  );
  if (existing.digest === digest) return { statement: toDocument(existing), reissued: true };
  throw new DomainError(
    "CONFLICT",
    `statement ${existing.id} was issued for this month and party with ${algorithm} ${existing.digest}, but the figures recomputed now hash to ${digest}: POST /v1/statements/${existing.id}/verify names the figures that differ`,
  );
}

async function findIssued(
  store: Pick<SqlExecutor, "query">,
  period: string,
  party: StatementParty,
): Promise<Row | undefined> {
  const rows = await store.query<Row>(
    `SELECT ${COLUMNS} FROM statements WHERE period = $1 AND party_kind = $2 AND party_id = $3`,
    [period, party.kind, party.id],
  );
  return rows[0];
}

/** Refuses a party that does not exist: an unknown operator, or a department no dataset names. */
async function assertParty(store: Pick<SqlExecutor, "query">, party: StatementParty): Promise<void> {
  if (party.kind === "operator") {
    const rows = await store.query("SELECT id FROM principals WHERE id = $1 AND role = 'operator'", [
      party.id,
    ]);
    if (rows.length === 0)
      throw new DomainError("NOT_FOUND", `no operator ${party.id} (GET /v1/operators lists them)`);
    return;
  }
  if (!(await holderDepartments(store)).includes(party.id)) {
    throw new DomainError(
      "NOT_FOUND",
      `no holder department named ${party.id}: use the department exactly as the catalog names it (GET /v1/datasets, holder)`,
    );
  }
}

/** Jobs submitted in [from, to) that could still change the month: queued, running, or held for review. */
async function unsettledJobs(
  store: Pick<SqlExecutor, "query">,
  party: StatementParty,
  from: string,
  to: string,
): Promise<number> {
  const params: SqlValue[] = [from, to];
  let sql =
    "SELECT count(*) AS n FROM jobs WHERE submitted_at >= $1 AND submitted_at < $2 AND status IN ('queued', 'running', 'held')";
  // A department's earnings depend on every operator's jobs: which datasets a job reads is known
  // only once it has run.
  if (party.kind === "operator") {
    params.push(party.id);
    sql += " AND operator_id = $3";
  }
  const rows = await store.query<{ n: number }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

/** Filters of `listStatements`. */
export const StatementQuery = z
  .object({
    period: StatementPeriod.optional(),
    /** An operator id or a holder department. */
    party: z.string().min(1).max(300).optional(),
    kind: PartyKind.optional(),
  })
  .strict();
export type StatementQuery = z.infer<typeof StatementQuery>;

/**
 * Statements `actor` may read, newest period first (then by id), a page at a time: every one for
 * the bureau and auditors, an operator's own, a holder member's department's.
 */
export async function listStatements(
  store: Pick<SqlExecutor, "query" | "dialect">,
  actor: Actor,
  query: StatementQuery = {},
  page: PageRequest = {},
): Promise<Page<StatementSummary>> {
  requireActor(actor, READERS, "read statements");
  const params: SqlValue[] = [];
  const conditions: string[] = [];
  const where = (column: string, value: string) => {
    params.push(value);
    conditions.push(`${column} = $${params.length}`);
  };
  if (actor.role === "operator") {
    where("party_kind", "operator");
    where("party_id", actor.id);
  } else if (actor.role === "holder") {
    where("party_kind", "holder");
    where("party_id", actor.organization ?? "");
  }
  if (query.period) where("period", query.period);
  if (query.party) where("party_id", query.party);
  if (query.kind) where("party_kind", query.kind);
  const rows = await keysetPage<Row & Record<string, unknown>>(store, {
    list: "statements",
    select: `SELECT ${COLUMNS} FROM statements`,
    where: conditions,
    params,
    order: { key: "period", id: "id", direction: "desc" },
    page,
  });
  return mapPage(rows, toSummary);
}

/** One statement, signed, for one who may read it (NOT_FOUND otherwise). */
export async function getStatement(
  store: Pick<SqlExecutor, "query">,
  actor: Actor,
  id: string,
): Promise<StatementDocument> {
  return toDocument(await storedRow(store, actor, id));
}

/**
 * Verifies an issued statement on the server: the offline checks of its stored form against the
 * domain's public key, and a recomputation of its body from the jobs and tariffs, naming every
 * figure that differs (for one who may read it).
 */
export async function verifyIssuedStatement(
  store: Pick<SqlExecutor, "query">,
  actor: Actor,
  id: string,
  publicKey: string | KeyObject,
): Promise<StatementVerification> {
  const row = await storedRow(store, actor, id);
  const document = toDocument(row);
  const offline = verifyStatementDocument(document, publicKey);
  const { body: recomputed, jobIds } = await statementWithJobs(
    store,
    row.period,
    { kind: row.party_kind, id: row.party_id },
    keyFingerprint(domainPublicKey(publicKey).publicKey),
    row.digest_algorithm,
  );
  const differences = diffFigures(document.statement, recomputed);
  const offLog = await usageOffTheLog(store, jobIds);
  const checks = [
    ...offline.checks,
    differences.length === 0
      ? {
          check: "recompute" as const,
          ok: true,
          detail: "recomputed from the jobs and tariffs, every figure matches",
        }
      : {
          check: "recompute" as const,
          ok: false,
          detail: `${differences.length} figure(s) differ from a recomputation from the jobs and tariffs: ${differences
            .slice(0, 5)
            .map((d) => d.path)
            .join(", ")}`,
        },
    offLog.length === 0
      ? {
          check: "log" as const,
          ok: true,
          detail: `each of the ${jobIds.length} job(s) has the usage its job.finished log entry recorded`,
        }
      : {
          check: "log" as const,
          ok: false,
          detail: `${offLog.length} job(s) have usage other than their job.finished log entry recorded: ${offLog
            .slice(0, 5)
            .join(", ")}`,
        },
  ];
  return verificationOf(checks, differences);
}

/** Leaves of two JSON values that differ, by path (`lines[2].chargeFen`). */
function diffFigures(issued: unknown, recomputed: unknown, path = ""): z.infer<typeof FigureDifference>[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
  if (Array.isArray(issued) && Array.isArray(recomputed)) {
    const out: z.infer<typeof FigureDifference>[] = [];
    for (let i = 0; i < Math.max(issued.length, recomputed.length); i++)
      out.push(...diffFigures(issued[i], recomputed[i], `${path}[${i}]`));
    return out;
  }
  if (isObject(issued) && isObject(recomputed) && !Array.isArray(issued) && !Array.isArray(recomputed)) {
    const keys = [...new Set([...Object.keys(issued), ...Object.keys(recomputed)])].sort();
    return keys.flatMap((k) => diffFigures(issued[k], recomputed[k], path ? `${path}.${k}` : k));
  }
  return issued === recomputed
    ? []
    : [{ path: path || "(body)", issued: issued ?? null, recomputed: recomputed ?? null }];
}

/** A statement's lines as CSV rows, with a closing total row. */
export function statementRows(document: StatementDocument): Record<string, string | number | null>[] {
  const body = document.statement;
  const rows: Record<string, string | number | null>[] = (
    body.lines as readonly Record<string, unknown>[]
  ).map((line) => ({
    period: body.period,
    party_kind: body.party.kind,
    party: body.party.id,
    ...(body.party.kind === "operator"
      ? {
          license: line.license as string,
          dataset: line.dataset as string | null,
          holder: line.holder as string | null,
        }
      : { dataset: line.dataset as string, operator: line.operator as string }),
    basis: line.basis as string,
    jobs: line.jobs as number,
    rows_scanned: line.rowsScanned as number,
    charge_fen: line.chargeFen as number,
    charge_cny: line.charge as string,
  }));
  rows.push({
    period: body.period,
    party_kind: body.party.kind,
    party: body.party.id,
    basis: "total",
    jobs: body.totals.jobs,
    rows_scanned: body.totals.rowsScanned,
    charge_fen: body.totals.chargeFen,
    charge_cny: body.totals.charge,
  });
  return rows;
}
