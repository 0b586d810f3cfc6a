import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { z } from "zod";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import { auditedChange } from "./audited-change.ts";
import {
  type BindingRequirement,
  type ClientCertificate,
  checkApiKey,
  type KeyRefusal,
  NO_CLIENT_CERTIFICATE,
  Principal,
} from "./identity.ts";

/** How long a console session lives: idle (since it was last used) and absolute (since sign-in). */
export interface SessionSettings {
  readonly idleMs: number;
  readonly maxMs: number;
  /** The clock; tests move it to cross the expiries. */
  readonly now?: () => Date;
}

export const DEFAULT_SESSION_SETTINGS: SessionSettings = { idleMs: 30 * 60_000, maxMs: 12 * 3_600_000 };

/**
 * `last_seen_at` is written at most this often, so a busy console does not write once per request.
 * The idle expiry is counted from it, so a session may end up to this much before its idle time.
 */
export const TOUCH_INTERVAL_MS = 60_000;

/** Who a session belongs to, as the console shows it (no status: only active principals have sessions). */
export const SessionPrincipal = Principal.pick({ id: true, role: true, name: true, organization: true });
export type SessionPrincipal = z.infer<typeof SessionPrincipal>;

/** A live session as the gateway sees it on a request. Never holds the token itself. */
export interface ConsoleSession {
  readonly id: string;
  readonly principal: Principal;
  /** The public prefix of the key that opened it; none when the OpenID provider vouched for the person. */
  readonly keyPrefix?: string;
  /**
   * The client certificate's key (SHA-256 of its SubjectPublicKeyInfo) the opening key is bound to,
   * read on every request: the session is used only where that certificate is presented.
   */
  readonly boundTo?: string;
  readonly idleExpiresAt: string;
  readonly expiresAt: string;
  /** The session's CSRF token (derived from the cookie's token; see `csrfTokenOf`). */
  readonly csrfToken: string;
}

/** A session just opened: the token goes into the cookie and nowhere else. */
export interface OpenedSession extends ConsoleSession {
  readonly token: string;
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/**
 * The CSRF token of a session: an HMAC keyed by the session token, so it stays the same for the
 * session's life (every tab of the console agrees), can be handed out again on `GET /v1/session`,
 * and says nothing about the token it came from. Only its SHA-256 is stored.
 */
export function csrfTokenOf(sessionToken: string): string {
  return createHmac("sha256", sessionToken).update("aos console csrf v1").digest("base64url");
}

const clock = (settings: SessionSettings) => (settings.now ?? (() => new Date()))();
const plus = (time: Date, ms: number) => new Date(time.getTime() + ms).toISOString();
const earlier = (a: string, b: string) => (a < b ? a : b);

/** What vouched for the person opening a session: one of the principal's API keys, or the OpenID provider. */
export type SessionOpener =
  | { readonly keyPrefix: string }
  | { readonly identity: { readonly issuer: string; readonly subject: string } };

/**
 * Opens a session for the holder of `key`, or answers why not: `{}` when the key would not
 * authenticate (unknown, malformed, revoked, inactive principal: the caller cannot tell which), a
 * refusal when the key's client-certificate binding is not met on this connection. The opening is
 * audited with the key's prefix and the session id, never a token.
 */
export async function openSession(
  deps: { readonly store: Pick<SqlStore, "query" | "transaction">; readonly audit: AuditSink },
  input: {
    readonly key: string;
    readonly address: string;
    readonly certificate?: ClientCertificate;
    readonly required?: BindingRequirement;
  },
  settings: SessionSettings = DEFAULT_SESSION_SETTINGS,
): Promise<{ readonly session: OpenedSession } | { readonly refusal?: KeyRefusal }> {
  const checked = await checkApiKey(
    deps.store,
    input.key,
    input.certificate ?? NO_CLIENT_CERTIFICATE,
    input.required ?? "none",
  );
  if (!checked.accepted) return checked.refusal ? { refusal: checked.refusal } : {};
  const opener = { keyPrefix: checked.prefix };
  return {
    session: await openSessionFor(deps, checked.principal, { opener, address: input.address }, settings),
  };
}

/**
 * Opens a session for a principal someone has already vouched for (a key, or the OpenID provider
 * through `signOnPrincipal`). The same session, cookie and expiries whichever way it was opened;
 * audited with what opened it and the session id, never a token.
 */
export async function openSessionFor(
  deps: { readonly store: Pick<SqlStore, "transaction">; readonly audit: AuditSink },
  principal: Principal,
  input: { readonly opener: SessionOpener; readonly address: string },
  settings: SessionSettings = DEFAULT_SESSION_SETTINGS,
): Promise<OpenedSession> {
  const now = clock(settings);
  const token = randomBytes(32).toString("base64url");
  const csrfToken = csrfTokenOf(token);
  const keyPrefix = "keyPrefix" in input.opener ? input.opener.keyPrefix : undefined;
  const identity = "identity" in input.opener ? input.opener.identity : undefined;
  const session: OpenedSession = {
    id: `ses_${randomUUID()}`,
    principal,
    ...(keyPrefix ? { keyPrefix } : {}),
    token,
    csrfToken,
    idleExpiresAt: plus(now, Math.min(settings.idleMs, settings.maxMs)),
    expiresAt: plus(now, settings.maxMs),
  };
  return auditedChange(deps.store, deps.audit, async (tx) => {
    // Sessions past their absolute expiry are of no use to anyone: dropped as new ones open.
    await tx.run("DELETE FROM console_sessions WHERE expires_at <= $1", [now.toISOString()]);
    await tx.run(
      `INSERT INTO console_sessions (id, token_hash, csrf_hash, principal_id, key_prefix, identity_issuer,
         identity_subject, created_at, last_seen_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)`,
      [
        session.id,
        sha256Hex(token),
        sha256Hex(csrfToken),
        principal.id,
        keyPrefix ?? null,
        identity?.issuer ?? null,
        identity?.subject ?? null,
        now.toISOString(),
        session.expiresAt,
      ],
    );
    return {
      result: session,
      event: {
        type: "session.opened",
        actor: principal.id,
        subject: principal.role === "operator" ? { operator: principal.id } : {},
        data: {
          session: session.id,
          role: principal.role,
          ...(keyPrefix ? { keyPrefix } : {}),
          ...(identity ? { issuer: identity.issuer, person: identity.subject } : {}),
          address: input.address,
          expiresAt: session.expiresAt,
        },
      },
    };
  });
}

type SessionRow = {
  session_id: string;
  csrf_hash: string;
  key_prefix: string | null;
  key_found: string | null;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  key_revoked_at: string | null;
  key_bound_to: string | null;
  status_changed_at: string | null;
} & Principal;

/**
 * The live session a cookie's token names, or null: unknown, signed out, past its idle or absolute
 * expiry, opened by a key since revoked (or gone), or belonging to a principal whose status changed since
 * sign-in. Read on every request (like keys), so a suspension or revocation ends the session with
 * its commit — for good: a principal reinstated later signs in again. Marks the session used, at
 * most once per `TOUCH_INTERVAL_MS`.
 */
export async function resumeSession(
  store: Pick<SqlExecutor, "query" | "run">,
  token: string,
  settings: SessionSettings = DEFAULT_SESSION_SETTINGS,
): Promise<ConsoleSession | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const rows = await store.query<SessionRow>(
    `SELECT s.id AS session_id, s.csrf_hash, s.key_prefix, s.created_at, s.last_seen_at, s.expires_at,
            k.prefix AS key_found, k.revoked_at AS key_revoked_at, k.client_key_sha256 AS key_bound_to,
            p.status_changed_at,
            p.id, p.role, p.name, p.organization, p.status
     FROM console_sessions s
     JOIN principals p ON p.id = s.principal_id
     LEFT JOIN api_keys k ON k.prefix = s.key_prefix AND k.principal_id = s.principal_id
     WHERE s.token_hash = $1 AND s.revoked_at IS NULL`,
    [sha256Hex(token)],
  );
  const row = rows[0];
  if (!row) return null;
  const now = clock(settings);
  const nowIso = now.toISOString();
  const statusChanged = row.status_changed_at !== null && row.status_changed_at >= row.created_at;
  const keyGone = row.key_prefix !== null && (row.key_found === null || row.key_revoked_at !== null);
  if (row.status !== "active" || keyGone || statusChanged) {
    await store.run("UPDATE console_sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", [
      row.session_id,
      nowIso,
    ]);
    return null;
  }
  if (nowIso >= row.expires_at) return null;
  const lastSeen = new Date(row.last_seen_at);
  if (now.getTime() - lastSeen.getTime() >= settings.idleMs) return null;
  // The digest of the derived CSRF token must be the stored one: a session row is only ever paired
  // with the token it was opened with.
  const csrfToken = csrfTokenOf(token);
  if (!sameDigest(sha256Hex(csrfToken), row.csrf_hash)) return null;
  let seen = lastSeen;
  if (now.getTime() - lastSeen.getTime() >= TOUCH_INTERVAL_MS) {
    await store.run("UPDATE console_sessions SET last_seen_at = $2 WHERE id = $1", [row.session_id, nowIso]);
    seen = now;
  }
  return {
    id: row.session_id,
    principal: Principal.parse(row),
    ...(row.key_prefix ? { keyPrefix: row.key_prefix } : {}),
    ...(row.key_bound_to ? { boundTo: row.key_bound_to } : {}),
    csrfToken,
    idleExpiresAt: earlier(plus(seen, settings.idleMs), row.expires_at),
    expiresAt: row.expires_at,
  };
}

/** Whether a presented CSRF token is the session's, compared in constant time. */
export function csrfTokenMatches(session: Pick<ConsoleSession, "csrfToken">, presented: string): boolean {
  return sameDigest(sha256Hex(presented), sha256Hex(session.csrfToken));
}

function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Ends a session (sign-out), audited; answers false (and records nothing) when it had already ended. */
export async function closeSession(
  deps: { readonly store: Pick<SqlStore, "transaction">; readonly audit: AuditSink },
  session: Pick<ConsoleSession, "id" | "principal">,
  settings: Pick<SessionSettings, "now"> = {},
): Promise<boolean> {
  const now = (settings.now ?? (() => new Date()))().toISOString();
  return deps.store.transaction(async (tx) => {
    const closed = await tx.run(
      "UPDATE console_sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
      [session.id, now],
    );
    if (closed === 0) return false;
    // In the same transaction: the sign-out and its record commit together (fail-closed).
    await deps.audit.appendIn(tx, [
      {
        type: "session.closed",
        actor: session.principal.id,
        subject: session.principal.role === "operator" ? { operator: session.principal.id } : {},
        data: { session: session.id, role: session.principal.role, reason: "signed out" },
      },
    ]);
    return true;
  });
}
