import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import { isValidUscc } from "../policies/identifiers.ts";
import { Timestamp } from "../policies/timestamp.ts";
import { compareText, sqlDialect } from "../storage/sql-dialect.ts";
import { isUniqueViolation, type SqlExecutor, type SqlStore, type SqlValue } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import { type AuditedOutcome, auditedChange } from "./audited-change.ts";
import { createPrincipal, issueApiKey, PrincipalStatus, setPrincipalStatus } from "./identity.ts";
import { keysetPage, mapPage, type Page, type PageRequest } from "./paging.ts";

/**
 * What the bureau checked before admitting an operator (开发主体): the organisation, its unified
 * social credit code, who answers for it, the qualification it holds and the purposes it may be
 * licensed for.
 */
export const OperatorQualification = z
  .object({
    organization: z.string().trim().min(1).max(300),
    uscc: z
      .string()
      .trim()
      .toUpperCase()
      .refine(isValidUscc, "not a valid unified social credit code (GB 32100-2015)"),
    address: z.string().trim().min(1).max(500).optional(),
    contact: z
      .object({
        name: z.string().trim().min(1).max(100),
        phone: z.string().trim().min(5).max(40).optional(),
        email: z.email().optional(),
      })
      .strict(),
    /** Reference of the certificate or filing the admission rests on (e.g. a security-assessment certificate number). */
    certificate: z.string().trim().min(1).max(200),
    certificateValidTo: z.iso.date().optional(),
    /** Purposes this operator may be licensed for; a license's purpose must be one of them. */
    approvedPurposes: z.array(z.string().trim().min(1).max(500)).min(1).max(50),
  })
  .strict();
export type OperatorQualification = z.infer<typeof OperatorQualification>;

export const RegisterOperator = z
  .object({
    /** Name of the account, e.g. the team using it. */
    name: z.string().trim().min(1).max(200),
    qualification: OperatorQualification,
  })
  .strict();
export type RegisterOperator = z.infer<typeof RegisterOperator>;

export const Operator = z.object({
  id: z.string(),
  name: z.string(),
  organization: z.string(),
  status: PrincipalStatus,
  statusReason: z.string().nullable(),
  statusChangedAt: Timestamp.nullable(),
  createdAt: Timestamp,
  qualification: OperatorQualification.nullable(),
});
export type Operator = z.infer<typeof Operator>;

/** Admission and exit: suspension is reversible, revocation is final. */
export const OperatorAction = z.enum(["suspend", "reinstate", "revoke"]);
export type OperatorAction = z.infer<typeof OperatorAction>;

const ALLOWED_FROM: Readonly<Record<OperatorAction, readonly Operator["status"][]>> = {
  suspend: ["active"],
  reinstate: ["suspended"],
  revoke: ["active", "suspended"],
};
const RESULT: Readonly<Record<OperatorAction, Operator["status"]>> = {
  suspend: "suspended",
  reinstate: "active",
  revoke: "revoked",
};

type Read = Pick<SqlExecutor, "query">;
type Row = Record<string, unknown> & {
  id: string;
  name: string;
  organization: string;
  status: Operator["status"];
  status_reason: string | null;
  status_changed_at: string | null;
  created_at: string;
  qualification: string | null;
};
const COLUMNS = "id, name, organization, status, status_reason, status_changed_at, created_at, qualification";

function toOperator(row: Row): Operator {
  return {
    id: row.id,
    name: row.name,
    organization: row.organization,
    status: row.status,
    statusReason: row.status_reason,
    statusChangedAt: row.status_changed_at,
    createdAt: row.created_at,
    qualification: row.qualification ? OperatorQualification.parse(JSON.parse(row.qualification)) : null,
  };
}

/** Every operator, oldest first, a page at a time, optionally of one status. */
export async function listOperators(
  store: Pick<SqlExecutor, "query" | "dialect">,
  filter: { status?: Operator["status"] } = {},
  page: PageRequest = {},
): Promise<Page<Operator>> {
  const params: SqlValue[] = [];
  const where = ["role = 'operator'"];
  if (filter.status !== undefined) {
    params.push(filter.status);
    where.push(`status = $${params.length}`);
  }
  const rows = await keysetPage<Row>(store, {
    list: "operators",
    select: `SELECT ${COLUMNS} FROM principals`,
    where,
    params,
    order: { key: "created_at", id: "id", direction: "asc" },
    page,
  });
  return mapPage(rows, toOperator);
}

/** One operator; NOT_FOUND if there is none with that id. */
export async function getOperator(store: Read, id: string): Promise<Operator> {
  const rows = await store.query<Row>(
    `SELECT ${COLUMNS} FROM principals WHERE role = 'operator' AND id = $1`,
    [id],
  );
  if (!rows[0]) throw new DomainError("NOT_FOUND", `no operator ${id}`);
  return toOperator(rows[0]);
}

/**
 * Whether an operator may work at all. The job code calls it at submission and again when a job
 * starts: an operator suspended while its job waits must not have the job run.
 */
export async function assertOperatorActive(store: Read, operatorId: string): Promise<void> {
  const rows = await store.query<{ status: string }>(
    "SELECT status FROM principals WHERE role = 'operator' AND id = $1",
    [operatorId],
  );
  const status = rows[0]?.status;
  if (status === undefined) throw new DomainError("FORBIDDEN", `no operator ${operatorId}`);
  if (status !== "active") throw new DomainError("FORBIDDEN", `operator ${operatorId} is ${status}`);
}

/**
 * Admits an operator: creates its principal with the qualification the bureau checked and issues
 * its first API key (in the result once, stored hashed). One live admission per credit code.
 */
export async function registerOperator(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  actor: string,
  input: RegisterOperator,
): Promise<{ operator: Operator; key: { key: string; prefix: string } }> {
  const { name, qualification } = RegisterOperator.parse(input);
  const duplicate = (id: string) =>
    new DomainError(
      "CONFLICT",
      `an operator with this credit code is already admitted (${id}); suspend or revoke it first`,
    );
  return auditedChange(store, audit, async (tx) => {
    const twins = await tx.query<{ id: string }>(
      `SELECT id FROM principals WHERE role = 'operator' AND status <> 'revoked'
       AND ${sqlDialect.jsonText(tx.dialect, "qualification", "uscc")} = $1`,
      [qualification.uscc],
    );
    if (twins[0]) throw duplicate(twins[0].id);
    const principal = await createPrincipal(tx, {
      role: "operator",
      name,
      organization: qualification.organization,
    });
    // The unique index on live credit codes refuses the second of two registrations that raced
    // past the check above (PostgreSQL has no row to lock for an operator not yet admitted).
    await tx
      .run("UPDATE principals SET qualification = $2, status_changed_at = $3 WHERE id = $1", [
        principal.id,
        JSON.stringify(qualification),
        new Date().toISOString(),
      ])
      .catch((error: unknown) => {
        throw isUniqueViolation(error) ? duplicate("registered at the same moment") : error;
      });
    const key = await issueApiKey(tx, principal.id);
    const operator = await getOperator(tx, principal.id);
    return {
      result: { operator, key },
      event: {
        type: "operator.created",
        actor,
        subject: { operator: operator.id },
        data: { role: "operator", after: operator, keyPrefix: key.prefix },
      },
    };
  });
}

/**
 * Suspends, reinstates or revokes an operator, with the reason the bureau gives. A suspended or
 * revoked operator's keys stop authenticating and its licenses stop being usable (see
 * `assertOperatorActive`). Revocation is final: it also revokes the operator's keys and its
 * licenses still in force.
 */
export async function changeOperatorStatus(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  actor: string,
  id: string,
  action: OperatorAction,
  reason: string,
): Promise<Operator> {
  return auditedChange(store, audit, (tx) => changeOperatorStatusIn(tx, actor, id, action, reason));
}

/**
 * `changeOperatorStatus` inside the caller's transaction (an exit records its settlement in the
 * same one): answers the operator after the change and the event the caller appends.
 */
export async function changeOperatorStatusIn(
  tx: SqlExecutor,
  actor: string,
  id: string,
  action: OperatorAction,
  reason: string,
): Promise<AuditedOutcome<Operator>> {
  // Locked: two status changes racing on two nodes take turns, each from the state the other left.
  const locked = await tx.query<Row>(
    `SELECT ${COLUMNS} FROM principals WHERE role = 'operator' AND id = $1${sqlDialect.forUpdate(tx.dialect)}`,
    [id],
  );
  if (!locked[0]) throw new DomainError("NOT_FOUND", `no operator ${id}`);
  const before = toOperator(locked[0]);
  if (!ALLOWED_FROM[action].includes(before.status)) {
    throw new DomainError("CONFLICT", `operator ${id} is ${before.status}: cannot ${action}`);
  }
  await setPrincipalStatus(tx, id, RESULT[action], reason);
  let revokedKeys: string[] = [];
  let revokedLicenses: string[] = [];
  if (action === "revoke") {
    const now = new Date().toISOString();
    const keys = await tx.query<{ prefix: string }>(
      "UPDATE api_keys SET revoked_at = $2 WHERE principal_id = $1 AND revoked_at IS NULL RETURNING prefix",
      [id, now],
    );
    const licenses = await tx.query<{ id: string }>(
      `UPDATE licenses SET status = 'revoked', status_reason = $2, updated_at = $3
       WHERE operator_id = $1 AND status IN ('active', 'suspended') RETURNING id`,
      [id, `operator revoked: ${reason}`, now],
    );
    revokedKeys = keys.map((r) => r.prefix).sort(compareText);
    revokedLicenses = licenses.map((r) => r.id).sort(compareText);
  }
  const after = await getOperator(tx, id);
  return {
    result: after,
    event: {
      type: EVENT_OF[action],
      actor,
      subject: { operator: id },
      data: {
        action,
        reason,
        before: { status: before.status, statusReason: before.statusReason },
        after: { status: after.status, statusReason: after.statusReason },
        ...(action === "revoke" ? { revokedKeys, revokedLicenses } : {}),
      },
    },
  };
}

/** Audit types of the ledger's list; revocation has none of its own, `data.action` names it. */
const EVENT_OF: Readonly<Record<OperatorAction, string>> = {
  suspend: "operator.suspended",
  reinstate: "operator.reinstated",
  revoke: "operator.updated",
};
