import { createHmac, randomBytes } from "node:crypto";
import { lookup as dnsLookup } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import { Timestamp } from "../policies/timestamp.ts";
import { sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import { log } from "../telemetry/log.ts";
import type { AuditSink } from "./audit-sink.ts";
import { auditedChange } from "./audited-change.ts";
import { type Actor, requireActor } from "./authority.ts";
import { type ControlSecrets, controlSecrets, webhookSecretName } from "./control-secrets.ts";
import type { Role } from "./identity.ts";
import { type InboxSignal, inboxSignal, NotificationKind } from "./inbox.ts";
import { keysetPage, mapPage, type Page, type PageRequest } from "./paging.ts";

const EVERY_ROLE: readonly Role[] = ["operator", "bureau", "auditor", "holder"];

/** What a caller registers: where to POST, and which kinds (all when left out). */
export const WebhookRegistration = z
  .object({
    url: z.string().min(1).max(2000),
    kinds: z.array(NotificationKind).min(1).max(50).optional(),
  })
  .strict();
export type WebhookRegistration = z.infer<typeof WebhookRegistration>;

export const WebhookView = z.object({
  id: z.string(),
  url: z.string(),
  /** Empty: every kind. */
  kinds: z.array(NotificationKind),
  createdAt: Timestamp,
});
export type WebhookView = z.infer<typeof WebhookView>;

export const DeliveryStatus = z.enum(["pending", "delivered", "failed"]);

export const DeliveryView = z.object({
  id: z.number().int(),
  notification: z.number().int(),
  status: DeliveryStatus,
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: Timestamp.nullable(),
  createdAt: Timestamp,
  deliveredAt: Timestamp.nullable(),
});
export type DeliveryView = z.infer<typeof DeliveryView>;

/**
 * Which receivers a webhook may reach. A webhook makes this server send requests to an address a
 * caller chose: without these checks any key holder could aim it at the domain's own services
 * (the control-plane database, an admin port on loopback), at hosts on its private network, or at
 * a cloud metadata endpoint (169.254.169.254), and read what answers from the delivery log's
 * status codes and timings (server-side request forgery). So: https only (http only to loopback),
 * no credentials in the URL, and every address the name resolves to is checked — at registration
 * and again at each delivery, on the very address the connection then uses, so a name that later
 * resolves elsewhere (DNS rebinding) is refused too. Redirects are never followed.
 */
export interface WebhookAddressPolicy {
  /** Receivers on this host (127.0.0.0/8, ::1): tests and a local relay. Off by default. */
  readonly allowLoopback: boolean;
  /** Receivers on private networks (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7). Off by default. */
  readonly allowPrivate: boolean;
}

export const DEFAULT_ADDRESS_POLICY: WebhookAddressPolicy = { allowLoopback: false, allowPrivate: false };

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["100.64.0.0", 10],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv4");
PRIVATE.addSubnet("fc00::", 7, "ipv6");
/** Never reachable, whatever the settings: link-local (cloud metadata lives there), unspecified, multicast, reserved. */
const NEVER = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["169.254.0.0", 16],
  ["192.0.0.0", 24],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  NEVER.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["fe80::", 10],
  ["ff00::", 8],
  ["64:ff9b::", 96],
  ["2002::", 16],
] as const)
  NEVER.addSubnet(net, bits, "ipv6");
// The AWS metadata service's IPv6 address sits in the private range: refused even where private is allowed.
NEVER.addAddress("fd00:ec2::254", "ipv6");

/** Why an address may not receive webhooks, or undefined when it may. */
export function refusedAddress(address: string, policy: WebhookAddressPolicy): string | undefined {
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  if (NEVER.check(address, family)) return "a link-local, metadata, multicast or reserved address";
  if (LOOPBACK.check(address, family))
    return policy.allowLoopback ? undefined : "a loopback address (set WEBHOOK_ALLOW_LOOPBACK=true to allow)";
  if (PRIVATE.check(address, family))
    return policy.allowPrivate
      ? undefined
      : "a private-network address (set WEBHOOK_ALLOW_PRIVATE=true to allow)";
  return undefined;
}

type Resolver = (host: string) => Promise<string[]>;

const resolveAll: Resolver = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses.map((a) => a.address)),
    ),
  );

function bad(detail: string): DomainError {
  return new DomainError("BAD_REQUEST", detail);
}

/**
 * Checks a receiver URL against the policy; answers the URL normalised. Refusals say what was wrong
 * and what would do, never echoing the URL's query (it may carry a token).
 */
export async function checkWebhookUrl(
  text: string,
  policy: WebhookAddressPolicy,
  resolve: Resolver = resolveAll,
): Promise<URL> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad("url is not an absolute URL; give one like https://hooks.example.org/aos");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw bad(`url must use https (not ${url.protocol.replace(":", "")})`);
  if (url.username || url.password)
    throw bad("url must not carry credentials; verify deliveries by their x-aos-signature instead");
  url.hash = "";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw bad(`the host ${host} of url does not resolve; check the name`);
    }
  }
  if (addresses.length === 0) throw bad(`the host ${host} of url does not resolve; check the name`);
  for (const address of addresses) {
    const why = refusedAddress(address, policy);
    if (why) throw bad(`url's host ${host} resolves to ${why}; webhooks go to public https receivers`);
  }
  if (url.protocol === "http:" && !addresses.every((a) => LOOPBACK.check(a, isIP(a) === 6 ? "ipv6" : "ipv4")))
    throw bad("url must use https; plain http is accepted only for a receiver on loopback");
  return url;
}

interface WebhookRow {
  id: string;
  principal_id: string;
  url: string;
  kinds: string;
  created_at: string;
  removed_at: string | null;
}

function webhookView(row: WebhookRow): WebhookView {
  return {
    id: row.id,
    url: row.url,
    kinds: JSON.parse(row.kinds) as NotificationKind[],
    createdAt: row.created_at,
  };
}

/** Where a URL points, for the audit log: scheme, host and path (a query may hold a receiver's token). */
function auditedUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * Registers a webhook for the actor's own notifications. The secret that signs its deliveries is
 * answered here once; it is kept in the control plane (the server needs it to sign) and never shown again.
 */
export async function registerWebhook(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  actor: Actor,
  body: WebhookRegistration,
  policy: WebhookAddressPolicy,
  resolve?: Resolver,
  secrets: ControlSecrets = controlSecrets(undefined),
): Promise<{ webhook: WebhookView; secret: string }> {
  requireActor(actor, EVERY_ROLE, "register a webhook");
  const registration = WebhookRegistration.parse(body);
  const url = await checkWebhookUrl(registration.url, policy, resolve);
  const id = `whk_${randomBytes(8).toString("hex")}`;
  const secret = `whsec_${randomBytes(32).toString("base64url")}`;
  const kinds = [...new Set(registration.kinds ?? [])].sort();
  const createdAt = new Date().toISOString();
  const stored = await secrets.seal(webhookSecretName(id), secret);
  return auditedChange(store, audit, async (tx) => {
    const active = await tx.query<{ n: number | string }>(
      "SELECT count(*) AS n FROM webhooks WHERE principal_id = $1 AND removed_at IS NULL",
      [actor.id],
    );
    if (Number(active[0]?.n ?? 0) >= MAX_WEBHOOKS)
      throw new DomainError(
        "CONFLICT",
        `a principal may have at most ${MAX_WEBHOOKS} webhooks; remove one (DELETE /v1/webhooks/{id}) first`,
      );
    await tx.run(
      "INSERT INTO webhooks (id, principal_id, url, secret, kinds, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
      [id, actor.id, url.toString(), stored, JSON.stringify(kinds), createdAt],
    );
    return {
      result: { webhook: { id, url: url.toString(), kinds, createdAt }, secret },
      event: {
        type: "webhook.registered",
        actor: actor.id,
        subject: actor.role === "operator" ? { operator: actor.id } : {},
        data: { webhook: id, url: auditedUrl(url), kinds },
      },
    };
  });
}

const MAX_WEBHOOKS = 10;

/** The actor's active webhooks, oldest first, a page at a time (secrets are never listed). */
export async function listWebhooks(
  store: Pick<SqlExecutor, "query" | "dialect">,
  actor: Actor,
  page: PageRequest = {},
): Promise<Page<WebhookView>> {
  requireActor(actor, EVERY_ROLE, "list webhooks");
  const rows = await keysetPage<WebhookRow & Record<string, unknown>>(store, {
    list: "webhooks",
    select: "SELECT * FROM webhooks",
    where: ["principal_id = $1", "removed_at IS NULL"],
    params: [actor.id],
    order: { key: "created_at", id: "id", direction: "asc" },
    page,
  });
  return mapPage(rows, webhookView);
}

async function ownWebhook(
  store: Pick<SqlExecutor, "query">,
  actor: Actor,
  id: string,
  options: { includeRemoved?: boolean } = {},
): Promise<WebhookRow> {
  const rows = await store.query<WebhookRow>("SELECT * FROM webhooks WHERE id = $1 AND principal_id = $2", [
    id,
    actor.id,
  ]);
  const row = rows[0];
  // Another principal's webhook answers exactly as a missing one.
  if (!row || (row.removed_at !== null && !options.includeRemoved))
    throw new DomainError("NOT_FOUND", `no webhook ${id} of yours; list yours with GET /v1/webhooks`);
  return row;
}

/** Removes one of the actor's webhooks; its pending deliveries are abandoned. */
export async function removeWebhook(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  actor: Actor,
  id: string,
): Promise<WebhookView> {
  requireActor(actor, EVERY_ROLE, "remove a webhook");
  return auditedChange(store, audit, async (tx) => {
    const row = await ownWebhook(tx, actor, id);
    const now = new Date().toISOString();
    await tx.run("UPDATE webhooks SET removed_at = $2 WHERE id = $1", [id, now]);
    await tx.run(
      "UPDATE webhook_deliveries SET status = 'failed', last_error = 'webhook removed' WHERE webhook_id = $1 AND status = 'pending'",
      [id],
    );
    return {
      result: webhookView(row),
      event: {
        type: "webhook.removed",
        actor: actor.id,
        subject: actor.role === "operator" ? { operator: actor.id } : {},
        data: { webhook: id },
      },
    };
  });
}

interface DeliveryRow {
  id: number | string;
  notification_id: number | string;
  status: z.infer<typeof DeliveryStatus>;
  attempts: number | string;
  next_attempt_at: string;
  last_status: number | string | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

/** The delivery log of one of the actor's webhooks (removed ones too), newest first, a page at a time. */
export async function webhookDeliveries(
  store: Pick<SqlExecutor, "query" | "dialect">,
  actor: Actor,
  id: string,
  page: PageRequest = {},
): Promise<Page<DeliveryView>> {
  requireActor(actor, EVERY_ROLE, "read a webhook's deliveries");
  await ownWebhook(store, actor, id, { includeRemoved: true });
  // The cursor names the webhook, so one webhook's position never reads on in another's log.
  const rows = await keysetPage<DeliveryRow & Record<string, unknown>>(store, {
    list: `deliveries:${id}`,
    select: "SELECT * FROM webhook_deliveries",
    where: ["webhook_id = $1"],
    params: [id],
    order: { key: "id", id: "id", direction: "desc", numericKey: true, numericId: true },
    keyOf: (row) => [Number(row.id), Number(row.id)],
    page,
  });
  return mapPage(rows, (row) => ({
    id: Number(row.id),
    notification: Number(row.notification_id),
    status: row.status,
    attempts: Number(row.attempts),
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error,
    nextAttemptAt: row.status === "pending" ? row.next_attempt_at : null,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  }));
}

/**
 * The signature of a delivery: HMAC-SHA256 with the webhook's secret over `timestamp + "." + body`,
 * hex, as the `x-aos-signature: sha256=…` header carries it. Receivers recompute it over the raw
 * body and compare in constant time, and refuse old timestamps (replays).
 */
export function signDelivery(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export interface DeliverySettings {
  readonly policy: WebhookAddressPolicy;
  /** Per request: connect, send and the receiver's answer. */
  readonly timeoutMs: number;
  /** Attempts before a delivery is `failed`. */
  readonly maxAttempts: number;
  /** Delay after the first failed attempt; doubled after each further one (with jitter), up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** How often the worker looks without a wake-up. */
  readonly pollMs: number;
  /** Deliveries claimed per round. */
  readonly batch?: number;
}

export const DEFAULT_DELIVERY_SETTINGS: DeliverySettings = {
  policy: DEFAULT_ADDRESS_POLICY,
  timeoutMs: 10_000,
  maxAttempts: 8,
  baseDelayMs: 10_000,
  maxDelayMs: 3_600_000,
  pollMs: 5_000,
};

interface ClaimedDelivery {
  id: number | string;
  attempts: number | string;
  url: string;
  webhook_id: string;
  secret: string;
  notification_id: number | string;
  kind: string;
  subject: string;
  message: string;
  created_at: string;
}

/** What one attempt came to. */
interface Attempt {
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
}

/**
 * Sends pending deliveries. A round claims due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
 * each is taken by one node) and moves their next attempt past the request's timeout, which is the
 * claim's lease: a node that dies mid-send leaves the row to be retried by another after it. So a
 * delivery is sent at least once, and receivers deduplicate by `x-aos-delivery`.
 */
export class WebhookDeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private unlisten: (() => void) | undefined;
  private readonly settings: DeliverySettings;

  constructor(
    private readonly store: Pick<SqlStore, "transaction">,
    settings: Partial<DeliverySettings> = {},
    private readonly options: {
      random?: () => number;
      wakes?: InboxSignal;
      resolve?: Resolver;
      /** Opens secrets stored sealed under the KEK (none: only secrets stored in the clear open). */
      secrets?: ControlSecrets;
    } = {},
  ) {
    this.settings = { ...DEFAULT_DELIVERY_SETTINGS, ...settings };
  }

  /** Claims due deliveries, sends them and records each outcome; answers how many were attempted. */
  async runOnce(): Promise<number> {
    const claimed = await this.claim();
    await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    return claimed.length;
  }

  /** Runs rounds until stopped: on each wake-up, and every `pollMs`. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unlisten = (this.options.wakes ?? inboxSignal).listen(() => this.schedule(50));
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unlisten?.();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running) {
        this.schedule(this.settings.pollMs);
        return;
      }
      this.running = (async () => {
        let attempted = 0;
        try {
          attempted = await this.runOnce();
        } catch (error) {
          // The store may be briefly unavailable: the next round tries again.
          log.warn("a round of webhook deliveries failed; the next round tries again", { error });
        } finally {
          this.running = undefined;
        }
        this.schedule(attempted > 0 ? 0 : this.settings.pollMs);
      })();
    }, ms);
    this.timer.unref();
  }

  private claim(): Promise<ClaimedDelivery[]> {
    const now = new Date();
    const lease = new Date(now.getTime() + this.settings.timeoutMs + 30_000).toISOString();
    return this.store.transaction(async (tx) => {
      const due = await tx.query<{ id: number | string }>(
        `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1
         ORDER BY next_attempt_at, id LIMIT ${this.settings.batch ?? 20}${sqlDialect.forUpdate(tx.dialect, { skipLocked: true })}`,
        [now.toISOString()],
      );
      if (due.length === 0) return [];
      const ids = due.map((row) => Number(row.id));
      const placeholders = ids.map((_, i) => `$${i + 2}`).join(", ");
      await tx.run(
        `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $1 WHERE id IN (${placeholders})`,
        [lease, ...ids],
      );
      return tx.query<ClaimedDelivery>(
        `SELECT d.id, d.attempts, w.url, w.id AS webhook_id, w.secret, n.id AS notification_id, n.kind, n.subject, n.message, n.created_at
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN notifications n ON n.id = d.notification_id
         WHERE d.id IN (${ids.map((_, i) => `$${i + 1}`).join(", ")}) ORDER BY d.id`,
        ids,
      );
    });
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const body = JSON.stringify({
      id: Number(delivery.notification_id),
      kind: delivery.kind,
      subject: JSON.parse(delivery.subject) as unknown,
      message: delivery.message,
      createdAt: delivery.created_at,
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    let secret: string | undefined;
    try {
      secret = await (this.options.secrets ?? controlSecrets(undefined)).open(
        webhookSecretName(delivery.webhook_id),
        delivery.secret,
      );
    } catch (error) {
      secret = undefined;
      log.warn("a webhook secret could not be opened; the delivery is retried", { error });
    }
    const outcome: Attempt = secret
      ? await postSigned(
          delivery.url,
          body,
          {
            "x-aos-signature": signDelivery(secret, timestamp, body),
            "x-aos-timestamp": timestamp,
            "x-aos-delivery": String(delivery.id),
          },
          this.settings,
          this.options.resolve,
        )
      : {
          ok: false,
          status: null,
          error: "the webhook's secret is sealed under a key-encryption key this node lacks",
        };
    const attempts = Number(delivery.attempts);
    const now = new Date();
    await this.store.transaction(async (tx) => {
      if (outcome.ok) {
        await tx.run(
          "UPDATE webhook_deliveries SET status = 'delivered', last_status = $2, last_error = NULL, delivered_at = $3 WHERE id = $1 AND status = 'pending'",
          [Number(delivery.id), outcome.status, now.toISOString()],
        );
      } else if (attempts >= this.settings.maxAttempts) {
        await tx.run(
          "UPDATE webhook_deliveries SET status = 'failed', last_status = $2, last_error = $3 WHERE id = $1 AND status = 'pending'",
          [Number(delivery.id), outcome.status, outcome.error],
        );
      } else {
        await tx.run(
          "UPDATE webhook_deliveries SET last_status = $2, last_error = $3, next_attempt_at = $4 WHERE id = $1 AND status = 'pending'",
          [
            Number(delivery.id),
            outcome.status,
            outcome.error,
            new Date(now.getTime() + this.backoff(attempts)).toISOString(),
          ],
        );
      }
    });
  }

  /** Exponential backoff with jitter: half the doubled delay fixed, half random, so receivers that failed together are not retried together. */
  private backoff(attempts: number): number {
    const delay = Math.min(this.settings.maxDelayMs, this.settings.baseDelayMs * 2 ** (attempts - 1));
    return Math.round(delay / 2 + (this.options.random ?? Math.random)() * (delay / 2));
  }
}

/**
 * POSTs one delivery. The connection goes to an address the lookup checked against the policy (a
 * name that now resolves to a forbidden address fails the attempt); redirects are not followed;
 * the answer's body is read only to free the socket, never kept.
 */
function postSigned(
  target: string,
  body: string,
  headers: Record<string, string>,
  settings: DeliverySettings,
  resolve: Resolver = resolveAll,
): Promise<Attempt> {
  const url = new URL(target);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) {
    const why = refusedAddress(host, settings.policy);
    if (why) return Promise.resolve({ ok: false, status: null, error: `address refused: ${why}` });
  }
  const lookup: LookupFunction = (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const allowed = addresses.filter((a) => refusedAddress(a, settings.policy) === undefined);
        if (allowed.length !== addresses.length || allowed.length === 0) {
          callback(new Error("address refused by the webhook policy"), "", 4);
          return;
        }
        const family = isIP(allowed[0]!);
        if ((options as { all?: boolean }).all)
          (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(
            null,
            allowed.map((address) => ({ address, family: isIP(address) })),
          );
        else callback(null, allowed[0]!, family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, "", 4),
    );
  };
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((done) => {
    let settled = false;
    const finish = (attempt: Attempt) => {
      if (settled) return;
      settled = true;
      done(attempt);
    };
    const req = send(
      url,
      {
        method: "POST",
        lookup,
        timeout: settings.timeoutMs,
        headers: {
          ...headers,
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
          "user-agent": "aos-webhooks/1",
        },
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        res.on("end", () =>
          finish(
            status >= 200 && status < 300
              ? { ok: true, status, error: null }
              : { ok: false, status, error: `the receiver answered HTTP ${status}` },
          ),
        );
        res.on("error", () => finish({ ok: false, status, error: "the answer was cut off" }));
      },
    );
    const deadline = setTimeout(() => {
      req.destroy();
      finish({ ok: false, status: null, error: `no answer within ${settings.timeoutMs} ms` });
    }, settings.timeoutMs);
    deadline.unref();
    req.on("timeout", () => {
      req.destroy();
      finish({ ok: false, status: null, error: `no answer within ${settings.timeoutMs} ms` });
    });
    req.on("error", (error: NodeJS.ErrnoException) =>
      finish({
        ok: false,
        status: null,
        error: error.message.includes("webhook policy")
          ? "address refused by the webhook policy"
          : `could not deliver (${error.code ?? "connection error"})`,
      }),
    );
    req.on("close", () => clearTimeout(deadline));
    req.end(body);
  });
}
