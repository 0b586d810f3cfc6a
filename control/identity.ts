import { createHash, randomBytes, randomUUID, timingSafeEqual, X509Certificate } from "node:crypto";
import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import { Timestamp } from "../policies/timestamp.ts";
import { sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import type { AuditEvent, AuditSink } from "./audit-sink.ts";
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
 * The key of a client certificate as a binding names it: SHA-256 of the certificate's
 * SubjectPublicKeyInfo (DER), lowercase hex. The public key rather than the whole certificate: a
 * renewal that keeps the key pair keeps the binding, while a certificate for another key pair —
 * even one with the same subject from the same CA — does not match.
 */
export const ClientKeySha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits: SHA-256 of the certificate's SubjectPublicKeyInfo");

/** The `ClientKeySha256` of a certificate. */
export function clientKeyOf(certificate: X509Certificate): string {
  return createHash("sha256")
    .update(certificate.publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");
}

/** The `ClientKeySha256` of a PEM certificate; BAD_REQUEST when the text is not one. */
export function clientKeyOfPem(pem: string): string {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw new DomainError(
      "BAD_REQUEST",
      "certificate: not a PEM certificate (-----BEGIN CERTIFICATE----- …); send the client certificate itself, not its key",
    );
  }
  return clientKeyOf(certificate);
}

/**
 * Issues an API key for a principal, bound to a client certificate's key when `clientKey` is given.
 * The key is returned once and only its hash is stored.
 * Shape: `aos_<12 hex prefix>_<43 base64url chars of 256 random bits>`; the prefix names the key
 * in listings and logs without revealing it.
 */
export async function issueApiKey(
  store: Pick<SqlExecutor, "run">,
  principalId: string,
  clientKey?: string,
): Promise<{ key: string; prefix: string }> {
  const prefix = randomBytes(6).toString("hex");
  const key = `aos_${prefix}_${randomBytes(32).toString("base64url")}`;
  await store.run(
    "INSERT INTO api_keys (prefix, principal_id, key_hash, created_at, client_key_sha256) VALUES ($1, $2, $3, $4, $5)",
    [prefix, principalId, hashKey(key), new Date().toISOString(), clientKey ?? null],
  );
  return { key, prefix };
}

/**
 * What the connection a key arrived on showed of a client certificate:
 * - `verified`: a certificate the client CA (TLS_CLIENT_CA_FILE) verified, by its key;
 * - `unverified`: a certificate the client CA did not verify (another issuer, expired);
 * - `absent`: the node asked for one and none came;
 * - `not-asked`: none can arrive the way the request came (no TLS_CLIENT_CA_FILE, plain HTTP not
 *   from the trusted proxy, a TLS-terminating proxy that passes none on, or a test's in-process
 *   request).
 */
export type ClientCertificate =
  | { readonly state: "verified"; readonly clientKey: string }
  | { readonly state: "unverified" | "absent" | "not-asked" };

export const NO_CLIENT_CERTIFICATE: ClientCertificate = { state: "not-asked" };

/** Which keys must be bound to a client certificate to be accepted at all (TLS_CLIENT_CERT_REQUIRED). */
export type BindingRequirement = "none" | "operators" | "all";

/** Why a key that matched an active principal was still refused: the client certificate. */
export interface KeyRefusal {
  readonly prefix: string;
  readonly reason:
    | "certificate_missing"
    | "certificate_unverified"
    | "certificate_mismatch"
    | "binding_required";
  /** What the caller is told: what is wrong and what to do. */
  readonly detail: string;
}

export type KeyCheck =
  | { readonly accepted: true; readonly principal: Principal; readonly prefix: string }
  | { readonly accepted: false; readonly refusal?: KeyRefusal };

/**
 * Checks a presented key and the client certificate of its connection. Malformed, unknown, revoked
 * keys and inactive principals are refused without a reason (the caller cannot tell which); a key
 * that matched is refused with a reason when its binding is not met — only its holder can get that
 * far, so the reason tells nobody else anything.
 */
export async function checkApiKey(
  store: Read,
  presentedKey: string,
  certificate: ClientCertificate = NO_CLIENT_CERTIFICATE,
  required: BindingRequirement = "none",
): Promise<KeyCheck> {
  const match = KEY_PATTERN.exec(presentedKey);
  if (!match) return { accepted: false };
  const prefix = match[1]!;
  // Read on every request, never cached: a revocation, suspension or binding takes effect with its
  // commit, on every node.
  const rows = await store.query<{ key_hash: string; client_key_sha256: string | null } & Principal>(
    `SELECT k.key_hash, k.client_key_sha256, p.id, p.role, p.name, p.organization, p.status
     FROM api_keys k JOIN principals p ON p.id = k.principal_id
     WHERE k.prefix = $1 AND k.revoked_at IS NULL`,
    [prefix],
  );
  const row = rows[0];
  if (!row) return { accepted: false };
  // Compare hashes in constant time: the stored hash is not secret, but no timing should say how much matched.
  const presented = Buffer.from(hashKey(presentedKey), "hex");
  const stored = Buffer.from(row.key_hash, "hex");
  if (presented.length !== stored.length || !timingSafeEqual(presented, stored)) return { accepted: false };
  if (row.status !== "active") return { accepted: false };
  const { client_key_sha256: bound, key_hash: _, ...principal } = row;
  const refusal = bindingRefusal(prefix, bound, certificate, required, principal.role);
  if (refusal) return { accepted: false, refusal };
  return { accepted: true, principal: Principal.parse(principal), prefix };
}

function bindingRefusal(
  prefix: string,
  bound: string | null,
  certificate: ClientCertificate,
  required: BindingRequirement,
  role: Role,
): KeyRefusal | undefined {
  if (bound === null) {
    if (required === "all" || (required === "operators" && role === "operator"))
      return {
        prefix,
        reason: "binding_required",
        detail: `this node accepts ${required === "all" ? "" : "operator "}keys only when they are bound to a client certificate: ask the bureau to bind key ${prefix} to your certificate (PUT /v1/keys/${prefix}/binding, or \`aos keys bind\`), then present that certificate`,
      };
    return undefined;
  }
  switch (certificate.state) {
    case "verified":
      return certificate.clientKey === bound
        ? undefined
        : {
            prefix,
            reason: "certificate_mismatch",
            detail:
              "this key is bound to a client certificate, and the one presented has another key: present the certificate the key is bound to",
          };
    case "unverified":
      return {
        prefix,
        reason: "certificate_unverified",
        detail:
          "this key is bound to a client certificate, and the one presented was not issued by the CA this node trusts for clients, is not valid now or was revoked: present the certificate the key is bound to (a revoked one needs a new certificate and a new binding)",
      };
    case "absent":
      return {
        prefix,
        reason: "certificate_missing",
        detail:
          "this key is bound to a client certificate; present it (curl --cert client.pem --key client.key)",
      };
    case "not-asked":
      return {
        prefix,
        reason: "certificate_missing",
        detail:
          "this key is bound to a client certificate, and no client certificate reaches this node the way this request came: present the certificate where the node takes it (through its TLS-terminating proxy when it has one, or over HTTPS to a node with TLS_CLIENT_CA_FILE)",
      };
  }
}

/**
 * The active principal holding `presentedKey`, or null. Malformed, unknown, revoked keys, inactive
 * principals, and bound keys whose certificate the connection did not show all answer null.
 */
export async function authenticate(
  store: Read,
  presentedKey: string,
  certificate: ClientCertificate = NO_CLIENT_CERTIFICATE,
): Promise<Principal | null> {
  const checked = await checkApiKey(store, presentedKey, certificate);
  return checked.accepted ? checked.principal : null;
}

/** An API key as listings show it: the prefix names it; the key itself exists only with its holder. */
export const ApiKeyInfo = z.object({
  prefix: z.string(),
  principal: z.string(),
  createdAt: Timestamp,
  revokedAt: Timestamp.nullable(),
  clientKeySha256: ClientKeySha256.nullable().describe(
    "The client certificate this key is bound to, by the SHA-256 of its SubjectPublicKeyInfo: the key is accepted only on a connection presenting a certificate with that key, verified by the node's TLS_CLIENT_CA_FILE. Null: any connection.",
  ),
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;

type KeyRow = {
  prefix: string;
  principal_id: string;
  created_at: string;
  revoked_at: string | null;
  client_key_sha256: string | null;
};
const KEY_COLUMNS = "prefix, principal_id, created_at, revoked_at, client_key_sha256";
const toKeyInfo = (row: KeyRow): ApiKeyInfo => ({
  prefix: row.prefix,
  principal: row.principal_id,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
  clientKeySha256: row.client_key_sha256,
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
 * Issues another key for an active principal, recorded in the audit log (by prefix only), bound to
 * a client certificate's key when `clientKey` is given. The key is in the result once and nowhere else.
 */
export async function issueAuditedApiKey(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  actor: string,
  principalId: string,
  clientKey?: string,
): Promise<{ key: string; prefix: string; clientKeySha256: string | null }> {
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
    const issued = await issueApiKey(tx, principalId, clientKey);
    return {
      result: { ...issued, clientKeySha256: clientKey ?? null },
      event: {
        type: "operator.key_issued",
        actor,
        subject: principal.role === "operator" ? { operator: principalId } : {},
        data: {
          principal: principalId,
          role: principal.role,
          prefix: issued.prefix,
          ...(clientKey ? { clientKeySha256: clientKey } : {}),
        },
      },
    };
  });
}

/**
 * Binds a key to a client certificate's key (`clientKey`), or removes its binding (null). Who may:
 * the bureau, any key; any other principal, only its own keys (others' answer NOT_FOUND, as if
 * absent), and only to bind one not bound yet — removing or changing a binding loosens what the
 * bureau may rely on, so it is the bureau's. Audited as `operator.key_bound` / `operator.key_unbound`.
 */
export async function bindApiKey(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  actor: Pick<Principal, "id" | "role">,
  prefix: string,
  clientKey: string | null,
): Promise<ApiKeyInfo> {
  const pin = clientKey === null ? null : ClientKeySha256.parse(clientKey);
  return store.transaction(async (tx) => {
    const rows = await tx.query<KeyRow>(
      `SELECT ${KEY_COLUMNS} FROM api_keys WHERE prefix = $1${sqlDialect.forUpdate(tx.dialect)}`,
      [prefix],
    );
    const key = rows[0] ? toKeyInfo(rows[0]) : null;
    if (!key || (actor.role !== "bureau" && key.principal !== actor.id))
      throw new DomainError("NOT_FOUND", `no key with prefix ${prefix}`);
    if (key.revokedAt !== null)
      throw new DomainError("CONFLICT", `key ${prefix} is revoked: there is nothing to bind`);
    if (actor.role !== "bureau" && key.clientKeySha256 !== null && key.clientKeySha256 !== pin)
      throw new DomainError(
        "FORBIDDEN",
        `key ${prefix} is bound to a client certificate already: only the bureau may remove or change a binding (ask it, or ask for a new key)`,
      );
    // Binding a key as it is bound already changes nothing and logs nothing.
    if (key.clientKeySha256 === pin) return key;
    await tx.run("UPDATE api_keys SET client_key_sha256 = $2 WHERE prefix = $1", [prefix, pin]);
    const principal = await findPrincipal(tx, key.principal);
    const event: AuditEvent = {
      type: pin === null ? "operator.key_unbound" : "operator.key_bound",
      actor: actor.id,
      subject: principal?.role === "operator" ? { operator: key.principal } : {},
      data: {
        principal: key.principal,
        prefix,
        ...(pin ? { clientKeySha256: pin } : {}),
        ...(key.clientKeySha256 ? { previousClientKeySha256: key.clientKeySha256 } : {}),
      },
    };
    // In the same transaction as the change, as `auditedChange` does: both commit or neither.
    try {
      await audit.appendIn(tx, [event]);
    } catch (cause) {
      throw new Error(`audit append of ${event.type} failed; change rolled back`, { cause });
    }
    return { ...key, clientKeySha256: pin };
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
