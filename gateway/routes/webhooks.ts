import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import type { ControlSecrets } from "../../control/control-secrets.ts";
import { NotificationKind } from "../../control/inbox.ts";
import {
  DEFAULT_ADDRESS_POLICY,
  DeliveryStatus,
  listWebhooks,
  registerWebhook,
  removeWebhook,
  type WebhookAddressPolicy,
  webhookDeliveries,
} from "../../control/webhooks.ts";
import { Timestamp } from "../../policies/timestamp.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { PAGE_QUERY, pageBody, pageOf, pageRequest } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR, Problem } from "../problem.ts";

const security = [{ bearer: [] }];
const problemContent = { "application/problem+json": { schema: Problem } };

const webhookExample = {
  id: "whk_5f0c9a3b1d2e4f60",
  url: "https://hooks.example.org/aos",
  kinds: ["review.awaiting", "alert.raised"] as NotificationKind[],
  createdAt: "2026-03-04T09:00:00.000Z",
};

const WebhookDoc = z
  .object({
    id: z.string(),
    url: z.string(),
    kinds: z.array(NotificationKind).openapi({ description: "Empty: every kind." }),
    createdAt: Timestamp,
  })
  .openapi("Webhook", { example: webhookExample });

const RegistrationDoc = z
  .object({
    url: z.string().min(1).max(2000).openapi({ example: "https://hooks.example.org/aos" }),
    kinds: z
      .array(NotificationKind)
      .min(1)
      .max(50)
      .optional()
      .openapi({ example: ["review.awaiting"] }),
  })
  .strict()
  .openapi("WebhookRegistration", {
    example: { url: "https://hooks.example.org/aos", kinds: ["review.awaiting", "alert.raised"] },
  });

const deliveryExample = {
  id: 7,
  notification: 42,
  status: "pending" as const,
  attempts: 2,
  lastStatus: 503,
  lastError: "the receiver answered HTTP 503",
  nextAttemptAt: "2026-03-04T09:12:40.000Z",
  createdAt: "2026-03-04T09:12:00.000Z",
  deliveredAt: null,
};

const DeliveryDoc = z
  .object({
    id: z.number().int(),
    notification: z.number().int(),
    status: DeliveryStatus,
    attempts: z.number().int(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: Timestamp.nullable(),
    createdAt: Timestamp,
    deliveredAt: Timestamp.nullable(),
  })
  .openapi("WebhookDelivery", { example: deliveryExample });

const WebhookId = z.object({ id: z.string().min(1).max(100).openapi({ example: webhookExample.id }) });

const registerRoute = createRoute({
  method: "post",
  path: "/v1/webhooks",
  operationId: "registerWebhook",
  tags: ["webhooks"],
  summary:
    "Register a webhook for the caller's notifications (all kinds, or those listed). The signing secret is answered once.",
  description:
    'Deliveries are POSTed as JSON `{ id, kind, subject, message, createdAt }` with `x-aos-signature: sha256=HMAC-SHA256(secret, timestamp + "." + body)`, `x-aos-timestamp` and `x-aos-delivery`. The URL must be https (http only to loopback, when the server allows loopback); private, link-local and metadata addresses are refused.',
  security,
  request: { body: { required: true, content: { "application/json": { schema: RegistrationDoc } } } },
  responses: {
    201: {
      description: "Registered; keep the secret, it is not shown again.",
      content: {
        "application/json": {
          schema: z
            .object({ webhook: WebhookDoc, secret: z.string() })
            .openapi("RegisteredWebhook", { example: { webhook: webhookExample, secret: "whsec_…" } }),
        },
      },
    },
    409: { description: "Too many webhooks already.", content: problemContent },
    ...COMMON_ERRORS,
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/webhooks",
  operationId: "listWebhooks",
  tags: ["webhooks"],
  summary: "The caller's webhooks (never their secrets), oldest first, a page at a time.",
  security,
  request: { query: z.object({ ...PAGE_QUERY }) },
  responses: {
    200: {
      description: "A page of webhooks and the cursor of the next.",
      content: { "application/json": { schema: pageOf("webhooks", WebhookDoc, "WebhookList") } },
    },
    ...COMMON_ERRORS,
  },
});

const removeRoute = createRoute({
  method: "delete",
  path: "/v1/webhooks/{id}",
  operationId: "removeWebhook",
  tags: ["webhooks"],
  summary:
    "Remove one of the caller's webhooks; its pending deliveries are abandoned. Another's answers 404.",
  security,
  request: { params: WebhookId },
  responses: {
    200: { description: "The removed webhook.", content: { "application/json": { schema: WebhookDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const deliveriesRoute = createRoute({
  method: "get",
  path: "/v1/webhooks/{id}/deliveries",
  operationId: "listWebhookDeliveries",
  tags: ["webhooks"],
  summary:
    "The delivery log of one of the caller's webhooks, newest first, a page at a time: attempts, status, last HTTP status, next attempt.",
  security,
  request: { params: WebhookId, query: z.object({ ...PAGE_QUERY }) },
  responses: {
    200: {
      description: "A page of deliveries and the cursor of the next.",
      content: {
        "application/json": { schema: pageOf("deliveries", DeliveryDoc, "WebhookDeliveryList") },
      },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

export interface WebhookRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query" | "transaction" | "dialect">;
  readonly audit: AuditSink;
  readonly notifications?: { readonly delivery: { readonly policy: WebhookAddressPolicy } };
  /** Seals new webhook secrets under the node's KEK (none: stored as given). */
  readonly controlSecrets?: ControlSecrets;
}

/** Webhooks: any principal may have its notifications POSTed to receivers it names. */
export function registerWebhookRoutes(app: OpenAPIHono<GatewayEnv>, deps: WebhookRouteDeps): void {
  const anyRole = requireRole(deps.controlPlane, "operator", "bureau", "auditor", "holder");
  const policy = deps.notifications?.delivery.policy ?? DEFAULT_ADDRESS_POLICY;

  app.openapi({ ...registerRoute, middleware: anyRole }, async (c) =>
    c.json(
      await registerWebhook(
        deps.controlPlane,
        deps.audit,
        c.get("principal"),
        c.req.valid("json"),
        policy,
        undefined,
        deps.controlSecrets,
      ),
      201,
    ),
  );

  app.openapi({ ...listRoute, middleware: anyRole }, async (c) => {
    const page = await listWebhooks(deps.controlPlane, c.get("principal"), pageRequest(c.req.valid("query")));
    return c.json(
      pageBody("webhooks", page, (webhook) => webhook),
      200,
    );
  });

  app.openapi({ ...removeRoute, middleware: anyRole }, async (c) =>
    c.json(
      await removeWebhook(deps.controlPlane, deps.audit, c.get("principal"), c.req.valid("param").id),
      200,
    ),
  );

  app.openapi({ ...deliveriesRoute, middleware: anyRole }, async (c) => {
    const page = await webhookDeliveries(
      deps.controlPlane,
      c.get("principal"),
      c.req.valid("param").id,
      pageRequest(c.req.valid("query")),
    );
    return c.json(
      pageBody("deliveries", page, (delivery) => delivery),
      200,
    );
  });
}
