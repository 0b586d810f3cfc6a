import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import { sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import { holderDepartments } from "./holders.ts";
import { createPrincipal, Principal } from "./identity.ts";

/**
 * What a value of the provider's role claim makes a person in this domain: `bureau` or `auditor`
 * (optionally `:<organization>`), `holder:<department>` (a department the catalog names as holder),
 * or `operator:<principal id>` (an operator the bureau has already admitted).
 */
export const SignOnRole = z.string().transform((text, ctx) => {
  const [kind = "", ...rest] = text.split(":");
  const qualifier = rest.join(":").trim();
  if ((kind === "bureau" || kind === "auditor") && qualifier.length <= 300) {
    return { role: kind, ...(qualifier ? { organization: qualifier } : {}) } as const;
  }
  if (kind === "holder" && qualifier && qualifier.length <= 300)
    return { role: "holder", department: qualifier } as const;
  if (kind === "operator" && /^[A-Za-z0-9_-]{1,100}$/.test(qualifier))
    return { role: "operator", operator: qualifier } as const;
  ctx.addIssue({
    code: "custom",
    message:
      "a role is bureau[:organization], auditor[:organization], holder:<department> or operator:<operator id>",
  });
  return z.NEVER;
});
export type SignOnRole = z.infer<typeof SignOnRole>;

/** Role-claim values to roles, e.g. `{"aos-bureau": "bureau", "health-data": "holder:Health Commission"}`. */
export const RoleMapping = z.record(z.string().min(1).max(200), SignOnRole);
export type RoleMapping = z.infer<typeof RoleMapping>;

/** The person the provider vouched for, as read from a validated ID token. */
export interface SignOnIdentity {
  readonly issuer: string;
  /** The value of the claim that identifies the person (by default `sub`). */
  readonly subject: string;
  readonly name: string;
  /** Every value of the role claim. */
  readonly roleValues: readonly string[];
}

export interface SignOnSettings {
  readonly mapping: RoleMapping;
  /** Organization of bureau and auditor principals whose role names none (the provider's name). */
  readonly defaultOrganization: string;
  /** Whom a refused person should ask, as the refusal says it. */
  readonly contact: string;
}

/** Why a person the provider vouched for does not get in; the page shown says what to do. */
export type SignOnRefusal = "no-role" | "several-roles" | "not-admitted" | "inactive" | "role-changed";

/** A refusal of a person the provider vouched for: FORBIDDEN, with the reason the page explains. */
export class SignOnRefused extends DomainError {
  constructor(
    readonly reason: SignOnRefusal,
    detail: string,
  ) {
    super("FORBIDDEN", detail, { reason });
  }
}

const sameRole = (a: SignOnRole, b: SignOnRole) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The principal a person signs in as, or a `SignOnRefused` (recorded as `session.refused`).
 *
 * The rule (docs/security.md, "Trusted identity"): the person's role-claim values must map to
 * exactly one role. Bureau officers, auditors and holder department members get a principal of
 * their own the first time, linked to the provider's issuer and subject, and the same one every
 * later time, so a suspension holds and two-officer rules count people. Operators are organisations
 * admitted by the bureau first: a claim maps to an existing, active operator and never creates one.
 */
export async function signOnPrincipal(
  deps: { readonly store: Pick<SqlStore, "transaction">; readonly audit: AuditSink },
  identity: SignOnIdentity,
  settings: SignOnSettings,
): Promise<Principal> {
  const roles: SignOnRole[] = [];
  for (const value of identity.roleValues) {
    const role = settings.mapping[value];
    if (role && !roles.some((known) => sameRole(known, role))) roles.push(role);
  }
  try {
    if (roles.length === 0) {
      throw new SignOnRefused(
        "no-role",
        `your account at the identity provider carries no role in this domain; ask ${settings.contact} to grant you one`,
      );
    }
    if (roles.length > 1) {
      throw new SignOnRefused(
        "several-roles",
        `your account at the identity provider carries ${roles.length} roles in this domain and a session has one; ask ${settings.contact} to leave you one, or sign in with an API key`,
      );
    }
    const role = roles[0]!;
    return await deps.store.transaction((tx) =>
      role.role === "operator"
        ? admittedOperator(tx, role.operator, settings)
        : linkedStaff(tx, deps.audit, identity, role, settings),
    );
  } catch (error) {
    if (error instanceof SignOnRefused) {
      await deps.audit.append({
        type: "session.refused",
        actor: "anonymous",
        subject: {},
        data: { issuer: identity.issuer, person: identity.subject, reason: error.reason },
      });
    }
    throw error;
  }
}

async function admittedOperator(
  tx: SqlExecutor,
  operatorId: string,
  settings: SignOnSettings,
): Promise<Principal> {
  const rows = await tx.query<Principal>(
    "SELECT id, role, name, organization, status FROM principals WHERE id = $1 AND role = 'operator'",
    [operatorId],
  );
  const operator = rows[0] ? Principal.parse(rows[0]) : null;
  if (!operator) {
    throw new SignOnRefused(
      "not-admitted",
      `your organisation is not an admitted operator of this domain; it applies to the bureau for admission, and ${settings.contact} maps your account to it afterwards`,
    );
  }
  if (operator.status !== "active") {
    throw new SignOnRefused(
      "inactive",
      `your organisation's admission is ${operator.status}; ask the bureau why`,
    );
  }
  return operator;
}

async function linkedStaff(
  tx: SqlExecutor,
  audit: AuditSink,
  identity: SignOnIdentity,
  role: Exclude<SignOnRole, { role: "operator" }>,
  settings: SignOnSettings,
): Promise<Principal> {
  // One person signing in twice at once on two nodes: the second waits and finds the first's link.
  await sqlDialect.turn(tx, "signOn");
  const linked = await tx.query<Principal>(
    `SELECT p.id, p.role, p.name, p.organization, p.status
     FROM principal_identities i JOIN principals p ON p.id = i.principal_id
     WHERE i.issuer = $1 AND i.subject = $2`,
    [identity.issuer, identity.subject],
  );
  const organization =
    role.role === "holder" ? role.department : (role.organization ?? settings.defaultOrganization);
  if (linked[0]) {
    const principal = Principal.parse(linked[0]);
    if (principal.status !== "active") {
      throw new SignOnRefused(
        "inactive",
        `your account in this domain is ${principal.status}; ask the bureau why`,
      );
    }
    // A person whose role at the provider changed is not moved between roles silently: the bureau decides.
    if (principal.role !== role.role || principal.organization !== organization) {
      throw new SignOnRefused(
        "role-changed",
        `your role at the identity provider is no longer the one your account here was created with; ask the bureau to retire account ${principal.id} first`,
      );
    }
    return principal;
  }
  if (role.role === "holder" && !(await holderDepartments(tx)).includes(role.department)) {
    throw new SignOnRefused(
      "no-role",
      `the department your role names holds no dataset here; ask ${settings.contact} to correct the mapping`,
    );
  }
  const principal = await createPrincipal(tx, { role: role.role, name: identity.name, organization });
  await tx.run(
    "INSERT INTO principal_identities (issuer, subject, principal_id, linked_at) VALUES ($1, $2, $3, $4)",
    [identity.issuer, identity.subject, principal.id, new Date().toISOString()],
  );
  await audit.appendIn(tx, [
    {
      // As for accounts the bureau creates; `via` says the provider vouched for this one.
      type: "operator.created",
      actor: principal.id,
      subject: {},
      data: {
        role: principal.role,
        after: principal,
        via: "single sign-on",
        issuer: identity.issuer,
        person: identity.subject,
      },
    },
  ]);
  return principal;
}

const SIGN_ON_ATTEMPT_MS = 10 * 60_000;

const sha256Hex = (value: string) => createHash("sha256").update(value).digest("hex");

/** What a sign-in at the provider must come back with. */
export interface SignOnChecks {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/**
 * Records a sign-in leaving for the provider; answers the handle the browser keeps (in a cookie)
 * to claim it back. Only the handle's digest is stored.
 */
export async function beginSignOnAttempt(
  store: Pick<SqlExecutor, "run">,
  checks: SignOnChecks,
  now = new Date(),
): Promise<string> {
  const handle = randomBytes(32).toString("base64url");
  await store.run("DELETE FROM sign_on_attempts WHERE expires_at <= $1", [now.toISOString()]);
  await store.run(
    `INSERT INTO sign_on_attempts (handle_hash, state, nonce, code_verifier, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      sha256Hex(handle),
      checks.state,
      checks.nonce,
      checks.codeVerifier,
      now.toISOString(),
      new Date(now.getTime() + SIGN_ON_ATTEMPT_MS).toISOString(),
    ],
  );
  return handle;
}

/**
 * The checks of the sign-in a handle names, or null (unknown, used, expired). Taking them ends the
 * attempt: a returning browser gets one try, so a leaked callback URL cannot be replayed.
 */
export async function takeSignOnAttempt(
  store: Pick<SqlStore, "transaction">,
  handle: string,
  now = new Date(),
): Promise<SignOnChecks | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(handle)) return null;
  return store.transaction(async (tx) => {
    const rows = await tx.query<{ state: string; nonce: string; code_verifier: string; expires_at: string }>(
      "SELECT state, nonce, code_verifier, expires_at FROM sign_on_attempts WHERE handle_hash = $1",
      [sha256Hex(handle)],
    );
    const row = rows[0];
    if (!row) return null;
    const taken = await tx.run("DELETE FROM sign_on_attempts WHERE handle_hash = $1", [sha256Hex(handle)]);
    if (taken === 0 || row.expires_at <= now.toISOString()) return null;
    return { state: row.state, nonce: row.nonce, codeVerifier: row.code_verifier };
  });
}
