import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import { Timestamp } from "../policies/timestamp.ts";
import { sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import { type Actor, requireActor } from "./authority.ts";
import { holderPrincipalsOf } from "./holders.ts";
import type { Role } from "./identity.ts";
import { keysetPage, PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from "./paging.ts";

/** What a notification is about; clients and webhooks filter on these. */
export const NotificationKind = z.enum([
  "application.awaiting_consent",
  "application.awaiting_approval",
  "application.decided",
  "proposal.awaiting_approval",
  "proposal.decided",
  "freeze.imposed",
  "freeze.lifted",
  "policy.changed",
  "dataset.version_supplied",
  "review.awaiting",
  "review.decided",
  "license.expiring",
  "alert.raised",
  "credit.violation",
  "credit.penalty",
  "credit.objection",
  "credit.decision",
  "operator.exited",
  "quality_issue.reported",
  "quality_issue.answered",
]);
export type NotificationKind = z.infer<typeof NotificationKind>;

/** The ids a notification points at, so a client can open the thing that waits. */
export const NotificationSubject = z.strictObject({
  application: z.string().optional(),
  proposal: z.string().optional(),
  freeze: z.string().optional(),
  job: z.string().optional(),
  license: z.string().optional(),
  dataset: z.string().optional(),
  alert: z.string().optional(),
  violation: z.string().optional(),
  operator: z.string().optional(),
  qualityIssue: z.string().optional(),
});
export type NotificationSubject = z.infer<typeof NotificationSubject>;

/** One notification in its recipient's inbox. */
export const NotificationView = z.object({
  id: z.number().int(),
  kind: NotificationKind,
  subject: NotificationSubject,
  message: z.string(),
  createdAt: Timestamp,
  readAt: Timestamp.nullable(),
});
export type NotificationView = z.infer<typeof NotificationView>;

/** Who is told: named principals, every active principal of some roles, the holders of some datasets. */
export interface Recipients {
  readonly principals?: readonly string[];
  readonly roles?: readonly Role[];
  readonly holdersOf?: readonly string[];
  /** Left out even when a rule above names them (the actor who caused the event). */
  readonly except?: string;
}

/** The PostgreSQL channel that carries inbox wake-ups between nodes (payload: recipient ids, JSON). */
export const INBOX_CHANNEL = "aos_inbox";

type Waker = (recipients: ReadonlySet<string> | "all") => void;

/**
 * In-process wake-ups for inbox readers (SSE streams) and the webhook worker. A wake says only
 * "look again": readers always read the store, so a wake that comes early (before the commit it
 * announces) or not at all delays, never loses, a notification.
 */
export class InboxSignal {
  private readonly wakers = new Set<Waker>();

  /** Tells every listener that `recipients` (or anyone) may have something new. */
  wake(recipients: ReadonlySet<string> | "all"): void {
    for (const waker of this.wakers) waker(recipients);
  }

  listen(waker: Waker): () => void {
    this.wakers.add(waker);
    return () => this.wakers.delete(waker);
  }

  /**
   * Resolves when `principal` (or anyone, when `principal` is undefined) is woken, or after `ms`.
   * Answers whether it was a wake.
   */
  wait(principal: string | undefined, ms: number, abort?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      let stop: () => void = () => undefined;
      const timer = setTimeout(() => {
        stop();
        resolve(false);
      }, ms);
      timer.unref?.();
      const onAbort = () => {
        clearTimeout(timer);
        stop();
        resolve(false);
      };
      const unlisten = this.listen((recipients) => {
        if (principal !== undefined && recipients !== "all" && !recipients.has(principal)) return;
        clearTimeout(timer);
        stop();
        resolve(true);
      });
      stop = () => {
        unlisten();
        abort?.removeEventListener("abort", onAbort);
      };
      if (abort?.aborted) onAbort();
      else abort?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** This process's inbox signal: `notify` wakes it; on several nodes the server relays PostgreSQL's wake-ups into it. */
export const inboxSignal = new InboxSignal();

/**
 * Puts a notification in the inbox of each recipient, inside the caller's transaction: it exists
 * exactly when the change it reports committed. Each recipient's webhooks that want this kind get
 * a delivery row in the same transaction (the delivery worker sends it). The message must name ids
 * and states only, never data values, like every other text that leaves the domain.
 */
export async function notify(
  tx: Pick<SqlExecutor, "query" | "run" | "dialect">,
  recipients: Recipients,
  notification: { kind: NotificationKind; subject: NotificationSubject; message: string },
  options: { readonly at?: Date } = {},
): Promise<number> {
  const ids = new Set(recipients.principals ?? []);
  if (recipients.roles && recipients.roles.length > 0) {
    const placeholders = recipients.roles.map((_, i) => `$${i + 1}`).join(", ");
    const rows = await tx.query<{ id: string }>(
      `SELECT id FROM principals WHERE status = 'active' AND role IN (${placeholders})`,
      [...recipients.roles],
    );
    for (const row of rows) ids.add(row.id);
  }
  if (recipients.holdersOf && recipients.holdersOf.length > 0) {
    for (const id of await holderPrincipalsOf(tx, recipients.holdersOf)) ids.add(id);
  }
  if (recipients.except !== undefined) ids.delete(recipients.except);
  if (ids.size === 0) return 0;
  const kind = NotificationKind.parse(notification.kind);
  const subject = JSON.stringify(NotificationSubject.parse(notification.subject));
  const now = (options.at ?? new Date()).toISOString();
  const sorted = [...ids].sort();
  const hooks = await webhooksOf(tx, sorted, kind);
  for (const id of sorted) {
    const inserted = await tx.query<{ id: number | string }>(
      "INSERT INTO notifications (recipient_id, kind, subject, message, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
      [id, kind, subject, notification.message, now],
    );
    const notificationId = Number(inserted[0]!.id);
    for (const hook of hooks.get(id) ?? []) {
      await tx.run(
        `INSERT INTO webhook_deliveries (webhook_id, notification_id, status, attempts, next_attempt_at, created_at)
         VALUES ($1, $2, 'pending', 0, $3, $3)`,
        [hook, notificationId, now],
      );
    }
  }
  await announce(tx, ids);
  return ids.size;
}

/** Active webhooks of `principals` that want `kind`, by principal. */
async function webhooksOf(
  tx: Pick<SqlExecutor, "query">,
  principals: readonly string[],
  kind: NotificationKind,
): Promise<Map<string, string[]>> {
  const placeholders = principals.map((_, i) => `$${i + 1}`).join(", ");
  const rows = await tx.query<{ id: string; principal_id: string; kinds: string }>(
    `SELECT id, principal_id, kinds FROM webhooks WHERE removed_at IS NULL AND principal_id IN (${placeholders}) ORDER BY id`,
    [...principals],
  );
  const byPrincipal = new Map<string, string[]>();
  for (const row of rows) {
    const kinds = JSON.parse(row.kinds) as string[];
    if (kinds.length > 0 && !kinds.includes(kind)) continue;
    byPrincipal.set(row.principal_id, [...(byPrincipal.get(row.principal_id) ?? []), row.id]);
  }
  return byPrincipal;
}

/**
 * Wakes readers of these inboxes. On PostgreSQL, NOTIFY inside the transaction is delivered to every
 * node's listener only when it commits. In this process, readers are woken at once (a wake may come
 * just before the commit: readers then look again shortly after, and poll as a safety net).
 */
async function announce(tx: Pick<SqlExecutor, "query" | "dialect">, ids: ReadonlySet<string>): Promise<void> {
  if (tx.dialect === "postgres") {
    const payload = JSON.stringify([...ids]);
    // NOTIFY payloads are limited to 8000 bytes: a long list becomes "anyone may look".
    await tx.query("SELECT pg_notify($1, $2)", [INBOX_CHANNEL, payload.length < 7000 ? payload : "*"]);
  }
  const woken = new Set(ids);
  setTimeout(() => inboxSignal.wake(woken), 0).unref?.();
}

/** Reads a wake-up payload relayed from PostgreSQL. */
export function parseInboxWake(payload: string): ReadonlySet<string> | "all" {
  try {
    const ids = JSON.parse(payload) as unknown;
    return Array.isArray(ids) ? new Set(ids.map(String)) : "all";
  } catch {
    return "all";
  }
}

const EVERY_ROLE: readonly Role[] = ["operator", "bureau", "auditor", "holder"];

interface NotificationRow {
  id: number | string;
  kind: NotificationKind;
  subject: string;
  message: string;
  created_at: string;
  read_at: string | null;
}

const COLUMNS = "id, kind, subject, message, created_at, read_at";

function view(row: NotificationRow): NotificationView {
  return {
    id: Number(row.id),
    kind: row.kind,
    subject: JSON.parse(row.subject) as NotificationSubject,
    message: row.message,
    createdAt: row.created_at,
    readAt: row.read_at,
  };
}

/** A page of an inbox, with cursors. */
export const InboxQuery = z.object({
  /** Only notifications newer than this id (the oldest of them first in the page, shown newest first). */
  after: z.coerce.number().int().min(0).optional(),
  /** The `next` of the previous page (paging back, newest first). */
  cursor: z.string().max(1000).optional(),
  /**
   * Deprecated alias of paging back from an id (`next` replaces it); answered for one more release
   * so clients from before cursors keep working.
   */
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).optional(),
  unread: z.stringbool().optional(),
});
export type InboxQuery = z.infer<typeof InboxQuery>;

export interface InboxPage {
  readonly notifications: NotificationView[];
  /** Unread notifications in the whole inbox. */
  readonly unread: number;
  /** Pass as `cursor` for the next older page; null on the last. */
  readonly next: string | null;
  /** Deprecated (use `next`): pass as `before` for the next older page; null when there is none. */
  readonly before: number | null;
  /** Pass as `after` to catch up on what is newer than this page (null for an empty inbox). */
  readonly after: number | null;
}

/**
 * The actor's own notifications, newest first, paged back by `cursor` (or the deprecated
 * `before`); `after` catches up from the newest id a client has seen (the `limit` oldest of the
 * newer ones, so repeating it misses nothing). Nobody reads another principal's inbox: there is
 * no parameter naming one.
 */
export async function listInbox(
  store: Pick<SqlExecutor, "query" | "dialect">,
  actor: Actor,
  query: InboxQuery = {},
): Promise<InboxPage> {
  requireActor(actor, EVERY_ROLE, "read an inbox");
  const limit = query.limit ?? PAGE_LIMIT_DEFAULT;
  const where = ["recipient_id = $1"];
  const params: (string | number)[] = [actor.id];
  if (query.unread) where.push("read_at IS NULL");
  let notifications: NotificationView[];
  let next: string | null = null;
  if (query.after !== undefined) {
    params.push(query.after, limit);
    const rows = await store.query<NotificationRow>(
      `SELECT ${COLUMNS} FROM notifications WHERE ${where.join(" AND ")} AND id > $2 ORDER BY id ASC LIMIT $3`,
      params,
    );
    notifications = rows.map(view).reverse();
  } else {
    if (query.before !== undefined) {
      params.push(query.before);
      where.push(`id < $${params.length}`);
    }
    const page = await keysetPage<NotificationRow & Record<string, unknown>>(store, {
      list: "inbox",
      select: `SELECT ${COLUMNS} FROM notifications`,
      where,
      params,
      order: { key: "id", id: "id", direction: "desc", numericKey: true, numericId: true },
      // PostgreSQL answers a bigserial as text: the cursor carries the number.
      keyOf: (row) => [Number(row.id), Number(row.id)],
      page: query.cursor === undefined ? { limit } : { limit, cursor: query.cursor },
    });
    notifications = page.items.map(view);
    next = page.next;
  }
  const counted = await store.query<{ n: number | string }>(
    "SELECT count(*) AS n FROM notifications WHERE recipient_id = $1 AND read_at IS NULL",
    [actor.id],
  );
  return {
    notifications,
    unread: Number(counted[0]?.n ?? 0),
    next,
    before: next === null ? null : (notifications.at(-1)?.id ?? null),
    after: notifications[0]?.id ?? query.after ?? null,
  };
}

/** Marks one of the actor's notifications read (again is fine: the first time stays). Another's answers 404. */
export async function markRead(
  store: Pick<SqlStore, "transaction">,
  actor: Actor,
  id: number,
): Promise<NotificationView> {
  requireActor(actor, EVERY_ROLE, "mark a notification read");
  return store.transaction(async (tx) => {
    await tx.run(
      "UPDATE notifications SET read_at = $3 WHERE id = $1 AND recipient_id = $2 AND read_at IS NULL",
      [id, actor.id, new Date().toISOString()],
    );
    const rows = await tx.query<NotificationRow>(
      `SELECT ${COLUMNS} FROM notifications WHERE id = $1 AND recipient_id = $2`,
      [id, actor.id],
    );
    if (!rows[0])
      throw new DomainError("NOT_FOUND", `no notification ${id} in your inbox; list it with GET /v1/inbox`);
    return view(rows[0]);
  });
}

/** Marks the actor's unread notifications read, all of them or those up to `upTo` (inclusive). */
export async function markAllRead(
  store: Pick<SqlStore, "transaction">,
  actor: Actor,
  upTo?: number,
): Promise<{ marked: number }> {
  requireActor(actor, EVERY_ROLE, "mark notifications read");
  const marked = await store.transaction((tx) =>
    tx.run(
      `UPDATE notifications SET read_at = $2 WHERE recipient_id = $1 AND read_at IS NULL${upTo === undefined ? "" : " AND id <= $3"}`,
      upTo === undefined ? [actor.id, new Date().toISOString()] : [actor.id, new Date().toISOString(), upTo],
    ),
  );
  return { marked };
}

/** The newest notification id of the actor's inbox (0 when empty): where a live stream starts. */
export async function inboxHead(store: Pick<SqlExecutor, "query">, actor: Actor): Promise<number> {
  const rows = await store.query<{ id: number | string | null }>(
    "SELECT max(id) AS id FROM notifications WHERE recipient_id = $1",
    [actor.id],
  );
  return Number(rows[0]?.id ?? 0);
}

/** How a live inbox reader waits. */
export interface InboxFollowOptions {
  /** Longest wait before answering nothing (the stream then sends a keep-alive). */
  readonly waitMs: number;
  /** How often the store is read without a wake (the safety net for lost wake-ups). */
  readonly pollMs: number;
  readonly signal?: AbortSignal;
  readonly wakes?: InboxSignal;
}

/** Re-reads after a wake that found nothing (it came before its commit). */
const AFTER_WAKE_MS = [20, 100, 400, 1500];

/**
 * The actor's notifications newer than `after`, oldest first, as soon as there are any: at once
 * when some exist, else when a wake (or a poll) finds some, else `[]` after `waitMs`.
 */
export async function nextNotifications(
  store: Pick<SqlExecutor, "query">,
  actor: Actor,
  after: number,
  options: InboxFollowOptions,
): Promise<NotificationView[]> {
  requireActor(actor, EVERY_ROLE, "follow an inbox");
  const wakes = options.wakes ?? inboxSignal;
  const deadline = Date.now() + options.waitMs;
  let recheck = -1;
  for (;;) {
    const rows = await store.query<NotificationRow>(
      `SELECT ${COLUMNS} FROM notifications WHERE recipient_id = $1 AND id > $2 ORDER BY id LIMIT 100`,
      [actor.id, after],
    );
    if (rows.length > 0) return rows.map(view);
    const left = deadline - Date.now();
    if (left <= 0 || options.signal?.aborted) return [];
    const pause = recheck >= 0 && recheck < AFTER_WAKE_MS.length ? AFTER_WAKE_MS[recheck]! : options.pollMs;
    const woken = await wakes.wait(actor.id, Math.min(left, pause), options.signal);
    recheck = woken ? 0 : recheck >= 0 ? recheck + 1 : -1;
  }
}

/** Licenses whose end is near: the window before `validTo` in which their operator and the bureau hear of it. */
export interface ExpiryNotice {
  readonly windowMs: number;
  readonly now?: Date;
}

/**
 * Tells the operator of each active license that ends within the window (and the bureau) once per
 * license and window: a license whose end moves (an amendment) is noticed again for its new end.
 * The license row is locked while its notice is written, so nodes sweeping together notice once.
 */
export async function noticeExpiringLicenses(
  store: Pick<SqlStore, "query" | "transaction">,
  options: ExpiryNotice,
): Promise<string[]> {
  const now = options.now ?? new Date();
  const rows = await store.query<{ id: string; operator_id: string; document: string }>(
    "SELECT id, operator_id, document FROM licenses WHERE status = 'active' ORDER BY id",
  );
  const noticed: string[] = [];
  for (const row of rows) {
    const validTo = new Date((JSON.parse(row.document) as { validTo: string }).validTo);
    const windowStart = new Date(validTo.getTime() - options.windowMs);
    if (validTo <= now || windowStart > now) continue;
    const sent = await store.transaction(async (tx) => {
      const locked = await tx.query<{ status: string }>(
        `SELECT status FROM licenses WHERE id = $1${sqlDialect.forUpdate(tx.dialect)}`,
        [row.id],
      );
      if (locked[0]?.status !== "active") return false;
      const earlier = await tx.query(
        `SELECT id FROM notifications WHERE kind = 'license.expiring' AND ${sqlDialect.jsonText(tx.dialect, "subject", "license")} = $1 AND created_at >= $2 LIMIT 1`,
        [row.id, windowStart.toISOString()],
      );
      if (earlier.length > 0) return false;
      await notify(
        tx,
        { principals: [row.operator_id], roles: ["bureau"] },
        {
          kind: "license.expiring",
          subject: { license: row.id },
          message: `license ${row.id} ends at ${validTo.toISOString()}; apply for a renewal before then if the work continues`,
        },
        { at: now },
      );
      return true;
    });
    if (sent) noticed.push(row.id);
  }
  return noticed;
}
