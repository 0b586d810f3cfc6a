import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import {
  type InboxQuery,
  inboxHead,
  listInbox,
  markAllRead,
  markRead,
  NotificationKind,
  nextNotifications,
} from "../../control/inbox.ts";
import { Timestamp } from "../../policies/timestamp.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { named } from "../named-schema.ts";
import { NextCursor, PAGE_QUERY } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR } from "../problem.ts";

const security = [{ bearer: [] }];

const example = {
  id: 42,
  kind: "review.awaiting" as const,
  subject: { job: "job_0b6f2c1d9e8a7f60", license: "lic_demo_urban_analytics" },
  message: "job job_0b6f2c1d9e8a7f60 is held for review (1 approval needed)",
  createdAt: "2026-03-04T09:12:00.000Z",
  readAt: null,
};

export const NotificationDoc = z
  .object({
    id: z.number().int(),
    kind: NotificationKind,
    subject: z.record(z.string(), z.string()).openapi({ example: example.subject }),
    message: z.string(),
    createdAt: Timestamp,
    readAt: Timestamp.nullable(),
  })
  .openapi("Notification", { example });

const InboxPageDoc = z
  .object({
    notifications: z.array(NotificationDoc),
    unread: z.number().int(),
    next: NextCursor,
    before: z
      .number()
      .int()
      .nullable()
      .openapi({ deprecated: true, description: "Deprecated: page with `next` and `cursor` instead." }),
    after: z.number().int().nullable(),
  })
  .openapi("InboxPage", {
    example: { notifications: [example], unread: 1, next: null, before: null, after: 42 },
  });

/** `InboxQuery` of the domain, documented. */
const InboxQueryDoc = z.object({
  ...PAGE_QUERY,
  after: z.coerce.number().int().min(0).optional().openapi({ example: 40 }),
  before: z.coerce.number().int().min(1).optional().openapi({
    deprecated: true,
    description: "Deprecated alias of paging back from a notification id: pass `cursor` (a page's `next`).",
    example: 120,
  }),
  unread: z.stringbool().optional().openapi({ example: "true" }),
}) satisfies z.ZodType<InboxQuery, unknown>;

const NotificationId = z.object({ id: z.coerce.number().int().min(1).openapi({ example: 42 }) });

const listRoute = createRoute({
  method: "get",
  path: "/v1/inbox",
  operationId: "listNotifications",
  tags: ["inbox"],
  summary:
    "The caller's own notifications, newest first, a page at a time (`cursor` pages back; `before` is its deprecated alias); `after` catches up on newer ones; `unread=true` keeps the unread.",
  security,
  request: { query: InboxQueryDoc },
  responses: {
    200: { description: "A page of the inbox.", content: { "application/json": { schema: InboxPageDoc } } },
    ...COMMON_ERRORS,
  },
});

const readOneRoute = createRoute({
  method: "post",
  path: "/v1/inbox/{id}/read",
  operationId: "markNotificationRead",
  tags: ["inbox"],
  summary: "Mark one of the caller's notifications read. Another principal's answers 404.",
  security,
  request: { params: NotificationId },
  responses: {
    200: { description: "The notification.", content: { "application/json": { schema: NotificationDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const ReadAll = z
  .object({ upTo: z.number().int().min(1).optional().openapi({ example: 42 }) })
  .strict()
  .openapi("InboxReadAll", { example: { upTo: 42 } });

const readAllRoute = createRoute({
  method: "post",
  path: "/v1/inbox/read",
  operationId: "markAllNotificationsRead",
  tags: ["inbox"],
  summary: "Mark the caller's unread notifications read: all, or those with an id up to `upTo`.",
  security,
  request: {
    body: {
      required: false,
      content: { "application/json": { schema: named(ReadAll, "InboxReadRequest") } },
    },
  },
  responses: {
    200: {
      description: "How many were marked.",
      content: {
        "application/json": {
          schema: z.object({ marked: z.number().int() }).openapi("InboxMarked", { example: { marked: 3 } }),
        },
      },
    },
    ...COMMON_ERRORS,
  },
});

const eventsRoute = createRoute({
  method: "get",
  path: "/v1/inbox/events",
  operationId: "streamNotifications",
  tags: ["inbox"],
  summary:
    "Server-sent events: each new notification of the caller as a `notification` event (id = notification id). Send `Last-Event-ID` (or `?after=`) to resume; pings keep the connection alive.",
  security,
  request: {
    query: z.object({ after: z.coerce.number().int().min(0).optional().openapi({ example: 40 }) }),
  },
  responses: {
    200: {
      description: "An event stream that lasts until the client disconnects.",
      content: {
        "text/event-stream": {
          schema: z
            .string()
            .openapi({ example: `id: 42\nevent: notification\ndata: ${JSON.stringify(example)}\n\n` }),
        },
      },
    },
    ...COMMON_ERRORS,
  },
});

export interface InboxRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query" | "transaction" | "dialect">;
  readonly notifications?: { readonly inboxPollMs: number; readonly keepAliveMs: number };
}

/** Every role's inbox: its own notifications, read marks and a live stream. */
export function registerInboxRoutes(app: OpenAPIHono<GatewayEnv>, deps: InboxRouteDeps): void {
  const anyRole = requireRole(deps.controlPlane, "operator", "bureau", "auditor", "holder");
  const pollMs = deps.notifications?.inboxPollMs ?? 5_000;
  const keepAliveMs = deps.notifications?.keepAliveMs ?? 15_000;

  app.openapi({ ...listRoute, middleware: anyRole }, async (c) =>
    c.json(await listInbox(deps.controlPlane, c.get("principal"), c.req.valid("query")), 200),
  );

  app.openapi({ ...readAllRoute, middleware: anyRole }, async (c) => {
    const body = (c.req.valid("json") as z.infer<typeof ReadAll> | undefined) ?? {};
    return c.json(await markAllRead(deps.controlPlane, c.get("principal"), body.upTo), 200);
  });

  app.openapi({ ...readOneRoute, middleware: anyRole }, async (c) =>
    c.json(await markRead(deps.controlPlane, c.get("principal"), c.req.valid("param").id), 200),
  );

  app.openapi({ ...eventsRoute, middleware: anyRole }, async (c) => {
    const principal = c.get("principal");
    const resume = Number(c.req.header("last-event-id") ?? Number.NaN);
    const query = c.req.valid("query").after;
    // Without a resume point the stream starts at the inbox's newest notification: only what comes next.
    let after =
      Number.isInteger(resume) && resume >= 0
        ? resume
        : (query ?? (await inboxHead(deps.controlPlane, principal)));
    return streamSSE(c, async (stream) => {
      const aborted = new AbortController();
      stream.onAbort(() => aborted.abort());
      await stream.writeSSE({ event: "ready", data: JSON.stringify({ after }) });
      while (!aborted.signal.aborted) {
        const batch = await nextNotifications(deps.controlPlane, principal, after, {
          waitMs: keepAliveMs,
          pollMs,
          signal: aborted.signal,
        });
        if (aborted.signal.aborted) break;
        if (batch.length === 0) {
          await stream.writeSSE({ event: "ping", data: "{}" });
          continue;
        }
        for (const notification of batch) {
          await stream.writeSSE({
            id: String(notification.id),
            event: "notification",
            data: JSON.stringify(notification),
          });
          after = notification.id;
        }
      }
    }) as never;
  });
}
