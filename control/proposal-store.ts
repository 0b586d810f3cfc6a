import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import { ChangeClassification } from "../policies/policy-diff.ts";
import { Timestamp } from "../policies/timestamp.ts";
import { compareText } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlValue } from "../storage/sql-store.ts";
import type { AuditEvent } from "./audit-sink.ts";
import type { Actor } from "./authority.ts";
import { notify } from "./inbox.ts";
import { keysetPage, mapPage, type Page, type PageRequest } from "./paging.ts";

/**
 * The proposals table and the one way a proposal is created (used by control/proposals.ts and by
 * the verbs that turn a loosening into a proposal: policy-versions.ts, tariffs.ts, freezes.ts).
 * Kept apart from proposals.ts, which applies approved changes, so that those verbs need not
 * import it.
 */

export const ProposalKind = z.enum(["policy", "tariff", "unfreeze"]);
export type ProposalKind = z.infer<typeof ProposalKind>;
export const ProposalStatus = z.enum(["pending", "approved", "refused", "withdrawn", "superseded"]);
export type ProposalStatus = z.infer<typeof ProposalStatus>;

/** A proposed change as the bureau and auditors see it. */
export const Proposal = z.object({
  id: z.string(),
  kind: ProposalKind,
  /** The dataset (policy), `tariff`, or the freeze id (unfreeze). */
  subject: z.string(),
  status: ProposalStatus,
  proposer: z.string(),
  reason: z.string(),
  /** When it takes effect once approved; null: at approval. An approved one shows the actual time. */
  effectiveAt: Timestamp.nullable(),
  /** The policy or tariff version it was proposed against (null: none existed, or an unfreeze). */
  baseVersion: z.number().int().nullable(),
  /** What changes, each change classified, with a readable line per change. */
  diff: ChangeClassification,
  /** The proposed document: a manifest, a tariff, or `{ freeze }`. */
  document: z.unknown(),
  decider: z.string().nullable(),
  decisionReason: z.string().nullable(),
  createdAt: Timestamp,
  decidedAt: Timestamp.nullable(),
  /** The policy or tariff version an approval created. */
  appliedVersion: z.number().int().nullable(),
});
export type Proposal = z.infer<typeof Proposal>;

type Row = Record<string, unknown> & {
  id: string;
  kind: ProposalKind;
  subject: string;
  document: string;
  diff: string;
  base_version: number | null;
  status: ProposalStatus;
  proposer_id: string;
  decider_id: string | null;
  reason: string;
  decision_reason: string | null;
  effective_at: string | null;
  created_at: string;
  decided_at: string | null;
  applied_version: number | null;
};
const COLUMNS =
  "id, kind, subject, document, diff, base_version, status, proposer_id, decider_id, reason, decision_reason, effective_at, created_at, decided_at, applied_version";

const toProposal = (row: Row): Proposal => ({
  id: row.id,
  kind: row.kind,
  subject: row.subject,
  status: row.status,
  proposer: row.proposer_id,
  reason: row.reason,
  effectiveAt: row.effective_at,
  baseVersion: row.base_version == null ? null : Number(row.base_version),
  diff: ChangeClassification.parse(JSON.parse(row.diff)),
  document: JSON.parse(row.document),
  decider: row.decider_id,
  decisionReason: row.decision_reason,
  createdAt: row.created_at,
  decidedAt: row.decided_at,
  appliedVersion: row.applied_version == null ? null : Number(row.applied_version),
});

/** One proposal, or null. With `forUpdate`, its row is locked until the transaction ends (PostgreSQL). */
export async function findProposal(
  store: Pick<SqlExecutor, "query" | "dialect">,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Proposal | null> {
  const lock = options.forUpdate && store.dialect === "postgres" ? " FOR UPDATE" : "";
  const rows = await store.query<Row>(`SELECT ${COLUMNS} FROM proposals WHERE id = $1${lock}`, [id]);
  return rows[0] ? toProposal(rows[0]) : null;
}

/** Proposals, newest first, optionally of one status, kind or subject. */
export async function queryProposals(
  store: Pick<SqlExecutor, "query">,
  filter: ProposalFilter = {},
): Promise<Proposal[]> {
  const { conditions, params } = proposalConditions(filter);
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
  const rows = await store.query<Row>(`SELECT ${COLUMNS} FROM proposals${where}`, params);
  // Ordered here: PostgreSQL's collation may order ids differently from SQLite's.
  return rows
    .sort((a, b) => compareText(b.created_at, a.created_at) || compareText(a.id, b.id))
    .map(toProposal);
}

/** One page of proposals, newest first (keyset paging in SQL, the same order on both engines). */
export async function pageProposals(
  store: Pick<SqlExecutor, "query" | "dialect">,
  filter: ProposalFilter,
  page: PageRequest,
): Promise<Page<Proposal>> {
  const { conditions, params } = proposalConditions(filter);
  const rows = await keysetPage<Row>(store, {
    list: "proposals",
    select: `SELECT ${COLUMNS} FROM proposals`,
    where: conditions,
    params,
    order: { key: "created_at", id: "id", direction: "desc" },
    page,
  });
  return mapPage(rows, toProposal);
}

type ProposalFilter = { status?: ProposalStatus; kind?: ProposalKind; subject?: string };

function proposalConditions(filter: ProposalFilter): { conditions: string[]; params: SqlValue[] } {
  const params: SqlValue[] = [];
  const conditions: string[] = [];
  for (const [column, value] of [
    ["status", filter.status],
    ["kind", filter.kind],
    ["subject", filter.subject],
  ] as const) {
    if (value === undefined) continue;
    params.push(value);
    conditions.push(`${column} = $${params.length}`);
  }
  return { conditions, params };
}

/**
 * A time a proposal may take effect at, as RFC 3339 UTC; undefined stays undefined (at approval).
 * A time in the past is refused: a change is never applied retroactively.
 */
export function effectiveTime(at: string | undefined, now: Date): string | undefined {
  if (at === undefined) return undefined;
  const time = Date.parse(at);
  if (Number.isNaN(time)) throw new DomainError("BAD_REQUEST", "effectiveAt is not an RFC 3339 time");
  if (time < now.getTime()) {
    throw new DomainError(
      "BAD_REQUEST",
      "effectiveAt is in the past; leave it out to take effect at approval, or give a later time",
    );
  }
  return new Date(time).toISOString();
}

export interface NewProposal {
  readonly kind: ProposalKind;
  readonly subject: string;
  readonly document: unknown;
  readonly diff: ChangeClassification;
  readonly baseVersion: number | null;
  readonly reason: string;
  readonly effectiveAt?: string;
  /** What the audit entry is about (the dataset, the freeze's operator/license/datasets). */
  readonly auditSubject: AuditEvent["subject"];
}

/**
 * Records a proposal in `tx` and tells every other bureau officer it awaits their approval.
 * Returns it with its `proposal.created` event, which the caller appends in the same transaction.
 */
export async function insertProposal(
  tx: SqlExecutor,
  actor: Actor,
  proposal: NewProposal,
  now: Date,
): Promise<{ proposal: Proposal; event: AuditEvent }> {
  const id = `prop_${randomUUID()}`;
  await tx.run(
    `INSERT INTO proposals (id, kind, subject, document, diff, base_version, status, proposer_id, reason, effective_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10)`,
    [
      id,
      proposal.kind,
      proposal.subject,
      JSON.stringify(proposal.document),
      JSON.stringify(proposal.diff),
      proposal.baseVersion,
      actor.id,
      proposal.reason,
      proposal.effectiveAt ?? null,
      now.toISOString(),
    ],
  );
  await notify(
    tx,
    { roles: ["bureau"], except: actor.id },
    {
      kind: "proposal.awaiting_approval",
      subject: { proposal: id, ...(proposal.kind === "policy" ? { dataset: proposal.subject } : {}) },
      message: `proposal ${id} (${proposal.kind} ${proposal.subject}) by ${actor.id} awaits a second officer's approval`,
    },
  );
  const created = await findProposal(tx, id);
  if (!created) throw new Error(`proposal ${id} cannot be read back`);
  return {
    proposal: created,
    event: {
      type: "proposal.created",
      actor: actor.id,
      subject: proposal.auditSubject,
      data: {
        proposal: id,
        kind: proposal.kind,
        subject: proposal.subject,
        baseVersion: proposal.baseVersion,
        effectiveAt: proposal.effectiveAt ?? null,
        reason: proposal.reason,
        loosens: proposal.diff.loosens,
        changes: proposal.diff.changes,
      },
    },
  };
}
