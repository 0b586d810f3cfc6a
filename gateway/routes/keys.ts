import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import {
  ApiKeyInfo,
  bindApiKey,
  ClientKeySha256,
  clientKeyOfPem,
  createStaffPrincipal,
  findPrincipal,
  issueAuditedApiKey,
  listApiKeys,
  Principal,
  revokeApiKey,
  StaffPrincipalInput,
} from "../../control/identity.ts";
import { DomainError } from "../../policies/errors.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { named } from "../named-schema.ts";
import { PAGE_QUERY, pageBody, pageOf, pageRequest } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR } from "../problem.ts";
import { CONFLICT_ERROR, IssuedKey } from "./operators.ts";

const security = [{ bearer: [] }];
const KeyDoc = named(ApiKeyInfo, "ApiKey");
const KeyList = pageOf("keys", KeyDoc, "ApiKeyList");
const PrincipalId = z.object({ id: z.string().min(1).max(100) });
const KeyPrefix = z.object({ prefix: z.string().regex(/^[0-9a-f]{12}$/) });

/** A client certificate to bind a key to: the certificate itself, or its key's SHA-256 when only that is at hand. */
const ClientCertificateChoice = z
  .object({
    certificate: z
      .string()
      .min(1)
      .max(64 * 1024)
      .optional()
      .openapi({
        description:
          "The client certificate (PEM). Only its public key counts: a renewal keeping the key pair keeps the binding.",
      }),
    clientKeySha256: ClientKeySha256.optional().openapi({
      description:
        "Instead of the certificate: SHA-256 of its SubjectPublicKeyInfo, lowercase hex (`openssl x509 -in client.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256`).",
    }),
  })
  .refine((body) => (body.certificate === undefined) !== (body.clientKeySha256 === undefined), {
    message: "give the certificate or clientKeySha256, one of them",
  });
const KeyBinding = ClientCertificateChoice.openapi("KeyBinding");
const IssueKeyBody = z
  .object({
    clientCertificate: KeyBinding.optional().openapi({
      description: "Bind the new key to this client certificate from the start.",
    }),
  })
  .openapi("IssueKey");
const IssuedBoundKey = IssuedKey.extend({
  clientKeySha256: ClientKeySha256.nullable().openapi({
    description: "The client certificate's key the new key is bound to; null: any connection.",
  }),
}).openapi("IssuedBoundKey");

/** The client key a binding names. */
function clientKeyOfChoice(choice: z.infer<typeof ClientCertificateChoice>): string {
  return choice.certificate !== undefined ? clientKeyOfPem(choice.certificate) : choice.clientKeySha256!;
}

const createPrincipalRoute = createRoute({
  method: "post",
  path: "/v1/principals",
  operationId: "createPrincipal",
  tags: ["keys"],
  summary:
    "Create a bureau officer's, auditor's or holder department member's account with its first key (shown once). A holder's organization is its department exactly as the datasets' policies name it. Operators are admitted at /v1/operators.",
  security,
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: named(StaffPrincipalInput, "StaffPrincipal") } },
    },
  },
  responses: {
    201: {
      description: "Created.",
      content: {
        "application/json": {
          schema: z.object({ principal: Principal, apiKey: IssuedKey }).openapi("CreatedPrincipal"),
        },
      },
    },
    ...COMMON_ERRORS,
  },
});

const ownKeys = createRoute({
  method: "get",
  path: "/v1/keys",
  operationId: "listOwnKeys",
  tags: ["keys"],
  summary: "The caller's own keys by prefix, active and revoked, oldest first, a page at a time.",
  security,
  request: { query: z.object({ ...PAGE_QUERY }) },
  responses: {
    200: {
      description: "A page of keys and the cursor of the next.",
      content: { "application/json": { schema: KeyList } },
    },
    ...COMMON_ERRORS,
  },
});

const caller = createRoute({
  method: "get",
  path: "/v1/whoami",
  operationId: "getCaller",
  tags: ["keys"],
  summary:
    "Who the key (or console session) belongs to: the principal's id, role, name, organization and status. `aos login` checks a key with it before keeping it.",
  security,
  responses: {
    200: {
      description: "The caller.",
      content: { "application/json": { schema: named(Principal, "Caller") } },
    },
    ...COMMON_ERRORS,
  },
});

const principalKeys = createRoute({
  method: "get",
  path: "/v1/principals/{id}/keys",
  operationId: "listPrincipalKeys",
  tags: ["keys"],
  summary: "Any principal's keys by prefix, oldest first, a page at a time.",
  security,
  request: { params: PrincipalId, query: z.object({ ...PAGE_QUERY }) },
  responses: {
    200: {
      description: "A page of keys and the cursor of the next.",
      content: { "application/json": { schema: KeyList } },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const issueKey = createRoute({
  method: "post",
  path: "/v1/principals/{id}/keys",
  operationId: "issueKey",
  tags: ["keys"],
  summary:
    "Issue another key for an active principal (shown once), e.g. to rotate keys; optionally bound to a client certificate from the start.",
  security,
  request: {
    params: PrincipalId,
    body: { required: false, content: { "application/json": { schema: IssueKeyBody } } },
  },
  responses: {
    201: { description: "Issued.", content: { "application/json": { schema: IssuedBoundKey } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const revokeKey = createRoute({
  method: "delete",
  path: "/v1/keys/{prefix}",
  operationId: "revokeKey",
  tags: ["keys"],
  summary:
    "Revoke a key by prefix; it stops authenticating at once. The bureau may revoke any key, others only their own.",
  security,
  request: { params: KeyPrefix },
  responses: {
    200: { description: "The revoked key.", content: { "application/json": { schema: KeyDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const bindKey = createRoute({
  method: "put",
  path: "/v1/keys/{prefix}/binding",
  operationId: "bindKey",
  tags: ["keys"],
  summary:
    "Bind a key to a client certificate (mutual TLS): from then on it is accepted only on connections presenting a certificate with that public key, verified by the node's TLS_CLIENT_CA_FILE (on the node's own TLS connection, or passed on by its trusted TLS-terminating proxy and verified again by the node). The bureau binds any key; others bind their own unbound keys only (changing a binding is the bureau's).",
  security,
  request: {
    params: KeyPrefix,
    body: { required: true, content: { "application/json": { schema: KeyBinding } } },
  },
  responses: {
    200: { description: "The key, bound.", content: { "application/json": { schema: KeyDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const unbindKey = createRoute({
  method: "delete",
  path: "/v1/keys/{prefix}/binding",
  operationId: "unbindKey",
  tags: ["keys"],
  summary:
    "Remove a key's client-certificate binding (the bureau only): any connection may present it again.",
  security,
  request: { params: KeyPrefix },
  responses: {
    200: { description: "The key, unbound.", content: { "application/json": { schema: KeyDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

export interface KeyRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query" | "transaction" | "dialect">;
  readonly audit: AuditSink;
}

/** API keys and staff accounts: keys are shown once, listed by prefix, revocable at once. */
export function registerKeyRoutes(app: OpenAPIHono<GatewayEnv>, deps: KeyRouteDeps): void {
  const bureau = requireRole(deps.controlPlane, "bureau");
  const anyRole = requireRole(deps.controlPlane, "operator", "bureau", "auditor", "holder");

  app.openapi({ ...createPrincipalRoute, middleware: bureau }, async (c) => {
    const { principal, key } = await createStaffPrincipal(
      deps.controlPlane,
      deps.audit,
      c.get("principal").id,
      c.req.valid("json"),
    );
    return c.json({ principal, apiKey: key }, 201);
  });

  app.openapi({ ...ownKeys, middleware: anyRole }, async (c) => {
    const page = await listApiKeys(
      deps.controlPlane,
      c.get("principal").id,
      pageRequest(c.req.valid("query")),
    );
    return c.json(
      pageBody("keys", page, (key) => key),
      200,
    );
  });

  app.openapi({ ...caller, middleware: anyRole }, async (c) => {
    // Field by field: the authenticated principal may carry more than the contract shows.
    const { id, role, name, organization, status } = c.get("principal");
    return c.json({ id, role, name, organization, status }, 200);
  });

  app.openapi({ ...principalKeys, middleware: bureau }, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await findPrincipal(deps.controlPlane, id)))
      throw new DomainError("NOT_FOUND", `no principal ${id}`);
    const page = await listApiKeys(deps.controlPlane, id, pageRequest(c.req.valid("query")));
    return c.json(
      pageBody("keys", page, (key) => key),
      200,
    );
  });

  app.openapi({ ...issueKey, middleware: bureau }, async (c) => {
    const { id } = c.req.valid("param");
    const binding = (c.req.valid("json") as z.infer<typeof IssueKeyBody> | undefined)?.clientCertificate;
    const clientKey = binding ? clientKeyOfChoice(binding) : undefined;
    return c.json(
      await issueAuditedApiKey(deps.controlPlane, deps.audit, c.get("principal").id, id, clientKey),
      201,
    );
  });

  app.openapi({ ...bindKey, middleware: anyRole }, async (c) => {
    const { prefix } = c.req.valid("param");
    const clientKey = clientKeyOfChoice(c.req.valid("json"));
    return c.json(
      await bindApiKey(deps.controlPlane, deps.audit, c.get("principal"), prefix, clientKey),
      200,
    );
  });

  app.openapi({ ...unbindKey, middleware: anyRole }, async (c) => {
    const caller = c.get("principal");
    const { prefix } = c.req.valid("param");
    // The verb decides who may: others' keys answer NOT_FOUND, an own bound key FORBIDDEN.
    return c.json(await bindApiKey(deps.controlPlane, deps.audit, caller, prefix, null), 200);
  });

  app.openapi({ ...revokeKey, middleware: anyRole }, async (c) => {
    const caller = c.get("principal");
    const { prefix } = c.req.valid("param");
    const visibleTo = caller.role === "bureau" ? undefined : caller.id;
    return c.json(await revokeApiKey(deps.controlPlane, deps.audit, caller.id, prefix, visibleTo), 200);
  });
}
