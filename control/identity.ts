import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import { Timestamp } from "../policies/timestamp.ts";
import { sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import { auditedChange } from "./audited-change.ts";
import { holderDepartments } from "./holders.ts";
import { keysetPage, mapPage, type Page, type PageRequest } from "./paging.ts";

/** Who a principal is: an operator, a bureau officer, an auditor, or a member of a holder department. */
export const Role = z.enum(["operator", "bureau", "auditor", "holder"]);
export type Role = z.infer<typeof Role>;

export const PrincipalStatus = z.enum(["active", "suspended", "revoked"]);

export const Principal = z.object({
  id: z.string(),
  role: Role,
  name: z.string(),
  organization: z.string(),
  status: PrincipalStatus,
});
export type Principal = z.infer<typeof Principal>;

type Read = Pick<SqlExecutor, "query">;

/** Registers a principal (an operator organisation's account, a bureau officer, an auditor). */
export async function createPrincipal(
  store: Pick<SqlExecutor, "run">,
  input: { role: Role; name: string; organization: string },
): Promise<Principal> {
  const principal: Principal = {
    id: `${input.role.slice(0, 3)}_${randomUUID()}`,
    status: "active",
    ...input,
  };
  await store.run(
    "INSERT INTO principals (id, role, name, organization, status, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    [
      principal.id,
      principal.role,
      principal.name,
      principal.organization,
      principal.status,
      new Date().toISOString(),
    ],
  );
  return principal;
}

const KEY_PATTERN = /^aos_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/**
 * Issues an API key for a principal. The key is returned once and only its hash is stored.
 * Shape: `aos_<12 hex prefix>_<43 base64url chars of 256 random bits>`; the prefix names the key
 * in listings and logs without revealing it.
 */
export async function issueApiKey(
  store: Pick<SqlExecutor, "run">,
  principalId: string,
): Promise<{ key: string; prefix: string }> {
  const prefix = randomBytes(6).toString("hex");
  const key = `aos_${prefix}_${randomBytes(32).toString("base64url")}`;
  await store.run(
    "INSERT INTO api_keys (prefix, principal_id, key_hash, created_at) VALUES ($1, $2, $3, $4)",
    [prefix, principalId, hashKey(key), new Date().toISOString()],
  );
  return { key, prefix };
}

/**
 * The active principal holding `presentedKey`, or null. Malformed, unknown, revoked keys and
 * inactive principals all answer null, so a caller cannot tell which of them it hit.
 */
export async function authenticate(store: Read, presentedKey: string): Promise<Principal | null> {
  const match = KEY_PATTERN.exec(presentedKey);
  if (!match) return null;
  const prefix = match[1]!;
  // Read on every request, never cached: a revocation or suspension takes effect with its commit,
  // on every node.
  const rows = await store.query<{ key_hash: string } & Principal>(
    `SELECT k.key_hash, p.id, p.role, p.name, p.organization, p.status
     FROM api_keys k JOIN principals p ON p.id = k.principal_id
     WHERE k.prefix = $1 AND k.revoked_at IS NULL`,
    [prefix],
  );
  const row = rows[0];
  if (!row) return null;
  // Compare hashes in constant time: the stored hash is not secret, but no timing should say how much matched.
  const presented = Buffer.from(hashKey(presentedKey), "hex");
  const stored = Buffer.from(row.key_hash, "hex");
  if (presented.length !== stored.length || !timingSafeEqual(presented, stored)) return null;
  if (row.status !== "active") return null;
  return Principal.parse(row);
}

/** An API key as listings show it: the prefix names it; the key itself exists only with its holder. */
export const ApiKeyInfo = z.object({
  prefix: z.string(),
  principal: z.string(),
  createdAt: Timestamp,
  revokedAt: Timestamp.nullable(),
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;

type KeyRow = { prefix: string; principal_id: string; created_at: string; revoked_at: string | null };
const KEY_COLUMNS = "prefix, principal_id, created_at, revoked_at";
const toKeyInfo = (row: KeyRow): ApiKeyInfo => ({
  prefix: row.prefix,
  principal: row.principal_id,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

/** The keys of a principal (active and revoked), oldest first. Never the keys or their hashes. */
export async function listApiKeys(
  store: Pick<SqlExecutor, "query" | "dialect">,
  principalId: string,
  page: PageRequest = {},
): Promise<Page<ApiKeyInfo>> {
  const rows = await keysetPage<KeyRow & Record<string, unknown>>(store, {
    list: "keys",
    select: `SELECT ${KEY_COLUMNS} FROM api_keys`,
    where: ["principal_id = $1"],
    params: [principalId],
    order: { key: "created_at", id: "prefix", direction: "asc" },
    page,
  });
  return mapPage(rows, toKeyInfo);
}

/** One key by prefix, or null. */
export async function findApiKey(store: Read, prefix: string): Promise<ApiKeyInfo | null> {
  const rows = await store.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE prefix = $1`, [prefix]);
  return rows[0] ? toKeyInfo(rows[0]) : null;
}

/** One principal by id, or null. */
export async function findPrincipal(store: Read, id: string): Promise<Principal | null> {
  const rows = await store.query<Principal>(
    "SELECT id, role, name, organization, status FROM principals WHERE id = $1",
    [id],
  );
  return rows[0] ? Principal.parse(rows[0]) : null;
}

/** Sets a principal's status with the reason; keys of a non-active principal stop authenticating at once. */
export async function setPrincipalStatus(
  store: Pick<SqlExecutor, "run">,
  id: string,
  status: z.infer<typeof PrincipalStatus>,
  reason: string,
): Promise<void> {
  await store.run(
    "UPDATE principals SET status = $2, status_reason = $3, status_changed_at = $4 WHERE id = $1",
    [id, status, reason, new Date().toISOString()],
  );
}

/**
 * Issues another key for an active principal, recorded in the audit log (by prefix only). The key is
 * in the result once and nowhere else.
 */
export async function issueAuditedApiKey(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  actor: string,
  principalId: string,
): Promise<{ key: string; prefix: string }> {
  return auditedChange(store, audit, async (tx) => {
    // Locked, so that a suspension or exit committing meanwhile waits for this key or sees it.
    const rows = await tx.query<Principal>(
      `SELECT id, role, name, organization, status FROM principals WHERE id = $1${sqlDialect.forUpdate(tx.dialect)}`,
      [principalId],
    );
    const principal = rows[0] ? Principal.parse(rows[0]) : null;
    if (!principal) throw new DomainError("NOT_FOUND", `no principal ${principalId}`);
    if (principal.status !== "active") {
      throw new DomainError(
        "CONFLICT",
        `principal ${principalId} is ${principal.status}: no keys are issued`,
      );
    }
    const issued = await issueApiKey(tx, principalId);
    return {
      result: issued,
      event: {
        type: "operator.key_issued",
        actor,
        subject: principal.role === "operator" ? { operator: principalId } : {},
        data: { principal: principalId, role: principal.role, prefix: issued.prefix },
      },
    };
  });
}

/**
 * Revokes a key by prefix; it stops authenticating with the commit. `visibleTo` limits which
 * principal's keys the caller may touch: any other key answers NOT_FOUND, as if absent.
 */
export async function revokeApiKey(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  actor: string,
  prefix: string,
  visibleTo?: string,
): Promise<ApiKeyInfo> {
  return auditedChange(store, audit, async (tx) => {
    const key = await findApiKey(tx, prefix);
    if (!key || (visibleTo !== undefined && key.principal !== visibleTo)) {
      throw new DomainError("NOT_FOUND", `no key with prefix ${prefix}`);
    }
    // Conditional, so that of two revocations racing on two nodes exactly one changes the key.
    const changed = await tx.run(
      "UPDATE api_keys SET revoked_at = $2 WHERE prefix = $1 AND revoked_at IS NULL",
      [prefix, new Date().toISOString()],
    );
    if (changed === 0) throw new DomainError("CONFLICT", `key ${prefix} is already revoked`);
    const revoked = await findApiKey(tx, prefix);
    const principal = await findPrincipal(tx, key.principal);
    return {
      result: revoked!,
      event: {
        type: "operator.key_revoked",
        actor,
        subject: principal?.role === "operator" ? { operator: key.principal } : {},
        data: { principal: key.principal, prefix },
      },
    };
  });
}

/**
 * A bureau officer's, auditor's or holder department member's account: created by the bureau,
 * with its first key (returned once). A holder's `organization` is the department exactly as the
 * datasets' policies name it as holder.
 */
export const StaffPrincipalInput = z.object({
  role: z.enum(["bureau", "auditor", "holder"]),
  name: z.string().trim().min(1).max(200),
  organization: z.string().trim().min(1).max(300),
});
export type StaffPrincipalInput = z.infer<typeof StaffPrincipalInput>;

/** Creates a bureau, auditor or holder principal and its first key. Operators are registered with their qualification instead. */
export async function createStaffPrincipal(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  actor: string,
  input: StaffPrincipalInput,
): Promise<{ principal: Principal; key: { key: string; prefix: string } }> {
  const valid = StaffPrincipalInput.parse(input);
  return auditedChange(store, audit, async (tx) => {
    if (valid.role === "holder") {
      const departments = await holderDepartments(tx);
      if (!departments.includes(valid.organization)) {
        throw new DomainError(
          "BAD_REQUEST",
          `no dataset names '${valid.organization}' as its holder department; a holder's organization must be one of: ${departments.join("; ")}`,
        );
      }
    }
    const principal = await createPrincipal(tx, valid);
    const key = await issueApiKey(tx, principal.id);
    return {
      result: { principal, key },
      event: {
        // The ledger's "operator.*" types cover every principal; `role` says which kind this is.
        type: "operator.created",
        actor,
        subject: {},
        data: { role: principal.role, after: principal, keyPrefix: key.prefix },
      },
    };
  });
}
