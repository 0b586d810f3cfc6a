import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { ControlPlane } from "../storage/control-plane.ts";

export const Role = z.enum(["operator", "bureau", "auditor"]);
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

type Store = Pick<ControlPlane, "query" | "run">;

/** Registers a principal (an operator organisation's account, a bureau officer, an auditor). */
export async function createPrincipal(
  store: Store,
  input: { role: Role; name: string; organization: string },
): Promise<Principal> {
  const principal: Principal = {
    id: `${input.role.slice(0, 3)}_${randomUUID()}`,
    status: "active",
    ...input,
  };
  await store.run(
    "INSERT INTO principals (id, role, name, organization, status, created_at) VALUES ($1, $2, $3, $4, $5, now())",
    [principal.id, principal.role, principal.name, principal.organization, principal.status],
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
  store: Store,
  principalId: string,
): Promise<{ key: string; prefix: string }> {
  const prefix = randomBytes(6).toString("hex");
  const key = `aos_${prefix}_${randomBytes(32).toString("base64url")}`;
  await store.run(
    "INSERT INTO api_keys (prefix, principal_id, key_hash, created_at) VALUES ($1, $2, $3, now())",
    [prefix, principalId, hashKey(key)],
  );
  return { key, prefix };
}

/**
 * The active principal holding `presentedKey`, or null. Malformed, unknown, revoked keys and
 * inactive principals all answer null, so a caller cannot tell which of them it hit.
 */
export async function authenticate(
  store: Pick<ControlPlane, "query">,
  presentedKey: string,
): Promise<Principal | null> {
  const match = KEY_PATTERN.exec(presentedKey);
  if (!match) return null;
  const rows = await store.query<{ key_hash: string } & Principal>(
    `SELECT k.key_hash, p.id, p.role, p.name, p.organization, p.status
     FROM api_keys k JOIN principals p ON p.id = k.principal_id
     WHERE k.prefix = $1 AND k.revoked_at IS NULL`,
    [match[1]!],
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
