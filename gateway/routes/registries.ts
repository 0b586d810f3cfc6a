import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import {
  amendRegistration,
  createProduct,
  delistProduct,
  getProduct,
  getRegistration,
  listProducts,
  listRegistrations,
  Product,
  ProductRequest,
  productOutput,
  Registration,
  RegistrationAmendment,
  RegistrationRequest,
  RegistrationRevision,
  registerAsset,
  Subscription,
  subscribeProduct,
} from "../../control/registries.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { named } from "../named-schema.ts";
import { ARROW_STREAM, ArrowStreamBody, outputResponse } from "../output-formats.ts";
import { PAGE_QUERY, pageBody, pageOf, pageRequest } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR } from "../problem.ts";
import { OutputTableSchema } from "./jobs.ts";
import { CONFLICT_ERROR } from "./operators.ts";

const security = [{ bearer: [] }];
const DatasetParam = z.object({
  dataset: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}$/)
    .openapi({ example: "air_quality" }),
});
const ProductId = z.object({ id: z.string().min(1).max(100).openapi({ example: "prd_5b2e…" }) });
const RegistrationDoc = named(Registration, "Registration");
const ProductDoc = named(Product, "Product");
const json = <T extends z.ZodType>(schema: T, example: unknown) => ({
  required: true,
  content: { "application/json": { schema, example } },
});

const registerRoute = createRoute({
  method: "post",
  path: "/v1/registrations",
  operationId: "registerDataAsset",
  tags: ["registries"],
  summary:
    "Register a dataset as a data asset (bureau): holder department and grade from the policy in force, the rights given, and the SHA-256 of every data version. Each later change is a new revision; new data versions add their hash by themselves.",
  security,
  request: {
    body: json(named(RegistrationRequest, "RegistrationRequest"), {
      dataset: "air_quality",
      rights: ["holding", "processing"],
      note: "registered with the municipal data-asset register, entry 2026-0412",
    }),
  },
  responses: {
    201: { description: "The registration.", content: { "application/json": { schema: RegistrationDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const amendRoute = createRoute({
  method: "post",
  path: "/v1/registrations/{dataset}",
  operationId: "amendRegistration",
  tags: ["registries"],
  summary:
    "Amend a registration (bureau): a new revision with the rights given (or kept), holder and grade re-read from the policy in force, and a note saying why.",
  security,
  request: {
    params: DatasetParam,
    body: json(named(RegistrationAmendment, "RegistrationAmendment"), {
      rights: ["holding", "processing", "operating"],
      note: "operating right granted",
    }),
  },
  responses: {
    201: { description: "The registration.", content: { "application/json": { schema: RegistrationDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const listRegistrationsRoute = createRoute({
  method: "get",
  path: "/v1/registrations",
  operationId: "listRegistrations",
  tags: ["registries"],
  summary:
    "The data-asset register: each registered dataset as it stands, by dataset name, a page at a time (any role).",
  security,
  request: { query: z.object({ ...PAGE_QUERY }) },
  responses: {
    200: {
      description: "A page of registrations and the cursor of the next.",
      content: {
        "application/json": { schema: pageOf("registrations", RegistrationRevision, "RegistrationList") },
      },
    },
    ...COMMON_ERRORS,
  },
});

const getRegistrationRoute = createRoute({
  method: "get",
  path: "/v1/registrations/{dataset}",
  operationId: "getRegistration",
  tags: ["registries"],
  summary: "One dataset's registration with its history, oldest revision first (any role).",
  security,
  request: { params: DatasetParam },
  responses: {
    200: { description: "The registration.", content: { "application/json": { schema: RegistrationDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const createProductRoute = createRoute({
  method: "post",
  path: "/v1/products",
  operationId: "createProduct",
  tags: ["registries"],
  summary:
    "Create a data product (bureau) from a released job: its released outputs and its script's SHA-256, the datasets it read, terms and a price in fen. A product of an existing name is its next version.",
  security,
  request: {
    body: json(named(ProductRequest, "ProductRequest"), {
      name: "district-air-index",
      job: "job_1a2b…",
      terms: "For urban-planning use; attribution to the city data bureau required.",
      priceFen: 50000,
    }),
  },
  responses: {
    201: { description: "The product, listed.", content: { "application/json": { schema: ProductDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const listProductsRoute = createRoute({
  method: "get",
  path: "/v1/products",
  operationId: "listProducts",
  tags: ["registries"],
  summary:
    "Data products, newest first, a page at a time: all for the bureau and auditors; listed ones (and those it subscribes to) for others, with `subscribed` for an operator.",
  security,
  request: { query: z.object({ ...PAGE_QUERY }) },
  responses: {
    200: {
      description: "A page of products and the cursor of the next.",
      content: { "application/json": { schema: pageOf("products", ProductDoc, "ProductList") } },
    },
    ...COMMON_ERRORS,
  },
});

const getProductRoute = createRoute({
  method: "get",
  path: "/v1/products/{id}",
  operationId: "getProduct",
  tags: ["registries"],
  summary: "One data product.",
  security,
  request: { params: ProductId },
  responses: {
    200: { description: "The product.", content: { "application/json": { schema: ProductDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const delistRoute = createRoute({
  method: "post",
  path: "/v1/products/{id}/delist",
  operationId: "delistProduct",
  tags: ["registries"],
  summary: "Delist a product (bureau): no new subscriptions; existing subscribers keep reading it.",
  security,
  request: {
    params: ProductId,
    body: json(z.strictObject({ reason: z.string().trim().min(1).max(2000) }).openapi("ProductDelisting"), {
      reason: "superseded by version 2",
    }),
  },
  responses: {
    200: { description: "The product, delisted.", content: { "application/json": { schema: ProductDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const subscribeRoute = createRoute({
  method: "post",
  path: "/v1/products/{id}/subscribe",
  operationId: "subscribeToProduct",
  tags: ["registries"],
  summary:
    "Subscribe to a listed product (operator holding an active license naming every dataset the product read). Records the operator, product version, license and time.",
  security,
  request: { params: ProductId },
  responses: {
    201: {
      description: "The subscription.",
      content: { "application/json": { schema: named(Subscription, "Subscription") } },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const outputRoute = createRoute({
  method: "get",
  path: "/v1/products/{id}/outputs/{name}",
  operationId: "getProductOutput",
  tags: ["registries"],
  summary:
    "A released output of a product, for its subscribers, as JSON, CSV or an Arrow IPC stream by the Accept header (the same formats as a job's outputs). Non-subscribers are refused (403).",
  security,
  request: { params: ProductId.extend({ name: z.string().min(1).max(200) }) },
  responses: {
    200: {
      description: "The output.",
      content: {
        "application/json": { schema: OutputTableSchema },
        "text/csv": { schema: z.string() },
        [ARROW_STREAM]: { schema: ArrowStreamBody },
      },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

export interface RegistryRouteDeps {
  readonly controlPlane: SqlStore;
  readonly audit: AuditSink;
}

/** The data-asset register and data products. */
export function registerRegistryRoutes(app: OpenAPIHono<GatewayEnv>, deps: RegistryRouteDeps): void {
  const bureau = requireRole(deps.controlPlane, "bureau");
  const operator = requireRole(deps.controlPlane, "operator");
  const readers = requireRole(deps.controlPlane, "operator", "bureau", "auditor", "holder");
  const verbs = { store: deps.controlPlane, audit: deps.audit };

  app.openapi({ ...registerRoute, middleware: bureau }, async (c) =>
    c.json(await registerAsset(verbs, c.get("principal"), c.req.valid("json")), 201),
  );
  app.openapi({ ...amendRoute, middleware: bureau }, async (c) =>
    c.json(
      await amendRegistration(verbs, c.get("principal"), c.req.valid("param").dataset, c.req.valid("json")),
      201,
    ),
  );
  app.openapi({ ...listRegistrationsRoute, middleware: readers }, async (c) =>
    c.json(
      pageBody(
        "registrations",
        await listRegistrations(deps.controlPlane, c.get("principal"), pageRequest(c.req.valid("query"))),
        (r) => r,
      ),
      200,
    ),
  );
  app.openapi({ ...getRegistrationRoute, middleware: readers }, async (c) =>
    c.json(await getRegistration(deps.controlPlane, c.get("principal"), c.req.valid("param").dataset), 200),
  );

  app.openapi({ ...createProductRoute, middleware: bureau }, async (c) =>
    c.json(await createProduct(verbs, c.get("principal"), c.req.valid("json")), 201),
  );
  app.openapi({ ...listProductsRoute, middleware: readers }, async (c) =>
    c.json(
      pageBody(
        "products",
        await listProducts(deps.controlPlane, c.get("principal"), pageRequest(c.req.valid("query"))),
        (p) => p,
      ),
      200,
    ),
  );
  app.openapi({ ...getProductRoute, middleware: readers }, async (c) =>
    c.json(await getProduct(deps.controlPlane, c.get("principal"), c.req.valid("param").id), 200),
  );
  app.openapi({ ...delistRoute, middleware: bureau }, async (c) =>
    c.json(await delistProduct(verbs, c.get("principal"), c.req.valid("param").id, c.req.valid("json")), 200),
  );
  app.openapi({ ...subscribeRoute, middleware: operator }, async (c) =>
    c.json(await subscribeProduct(verbs, c.get("principal"), c.req.valid("param").id), 201),
  );

  // Any role reaches the verb, which refuses whoever is not a subscribing operator with a reason.
  app.openapi({ ...outputRoute, middleware: readers }, async (c) => {
    const { id, name } = c.req.valid("param");
    const rows = await productOutput(verbs, c.get("principal"), id, name);
    return outputResponse(c, rows, `${id}-${encodeURIComponent(name)}`);
  });
}
