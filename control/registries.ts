import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import type { License } from "../policies/license.ts";
import { Timestamp } from "../policies/timestamp.ts";
import { compareText, sqlDialect } from "../storage/sql-dialect.ts";
import { isUniqueViolation, type SqlExecutor, type SqlStore } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import { auditedChange } from "./audited-change.ts";
import { type Actor, requireActor } from "./authority.ts";
import { currentCatalog } from "./catalog.ts";
import { assertNotFrozen } from "./freezes.ts";
import { jobRepository } from "./jobs/job-repository.ts";
import type { OutputTable } from "./jobs/model.ts";
import { assertLicenseUsable, findLicense, licensesOfOperator } from "./licenses.ts";
import { keysetPage, mapPage, type Page, type PageRequest } from "./paging.ts";

/**
 * The registries. Data-asset registration records (数据资产登记): per dataset, its holder
 * department, the rights registered, its grade and the SHA-256 of every data version, kept as a
 * history of revisions (each change a new row, none ever updated). A data version that becomes
 * current for the first time adds its hash by itself (`recordVersionIn`, called where a version
 * becomes current). Data products (数据产品): a named, versioned output of a released job's
 * script, with terms and a price, which licensed operators subscribe to and then read.
 */

type Read = Pick<SqlExecutor, "query">;

export interface RegistryDeps {
  readonly store: Pick<SqlStore, "transaction" | "query">;
  readonly audit: AuditSink;
  readonly now?: () => Date;
}

/**
 * The operator's newest license usable now (active, in its window) that names every one of
 * `datasets` (and is `wanted`, when given), or undefined.
 */
export async function usableLicenseCovering(
  store: Read,
  operatorId: string,
  datasets: readonly string[],
  now: Date,
  wanted?: string,
): Promise<License | undefined> {
  return (await licensesOfOperator(store, operatorId)).find((record) => {
    if (wanted !== undefined && record.license.id !== wanted) return false;
    try {
      assertLicenseUsable(record, { operatorId, now });
    } catch {
      return false;
    }
    const named = new Set(record.license.datasets.map((d) => d.name));
    return datasets.every((d) => named.has(d));
  })?.license;
}

// ── data-asset registrations ─────────────────────────────────────────────

/** Rights over a data asset: holding (持有权), processing and use (加工使用权), product operation (产品经营权). */
export const AssetRight = z.enum(["holding", "processing", "operating"]);
export type AssetRight = z.infer<typeof AssetRight>;

const Rights = z
  .array(AssetRight)
  .min(1)
  .max(3)
  .refine((rights) => new Set(rights).size === rights.length, "each right once");

export const RegistrationRequest = z.strictObject({
  dataset: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
  rights: Rights,
  note: z.string().trim().min(1).max(2000).optional(),
});
export type RegistrationRequest = z.infer<typeof RegistrationRequest>;

/** A change of a registration's rights (holder and grade are re-read from the policy in force). */
export const RegistrationAmendment = z.strictObject({
  rights: Rights.optional(),
  note: z.string().trim().min(1).max(2000),
});
export type RegistrationAmendment = z.infer<typeof RegistrationAmendment>;

export const VersionHash = z.object({
  version: z.number().int(),
  /** SHA-256 of the data as supplied. */
  sha256: z.string(),
  /** SHA-256 of the version's DuckDB file in the domain. */
  fileSha256: z.string(),
});
export type VersionHash = z.infer<typeof VersionHash>;

export const RegistrationRevision = z.object({
  dataset: z.string(),
  revision: z.number().int(),
  change: z.enum(["registered", "amended", "version_added"]),
  holderDepartment: z.string(),
  rights: z.array(AssetRight),
  grade: z.number().int(),
  versionHashes: z.array(VersionHash),
  note: z.string().nullable(),
  recordedBy: z.string(),
  recordedAt: Timestamp,
});
export type RegistrationRevision = z.infer<typeof RegistrationRevision>;

/** A registration as it stands (its latest revision) with every revision, oldest first. */
export const Registration = RegistrationRevision.extend({ history: z.array(RegistrationRevision) });
export type Registration = z.infer<typeof Registration>;

interface RevisionRow {
  dataset: string;
  revision: number;
  change: RegistrationRevision["change"];
  holder_department: string;
  rights: string;
  grade: number;
  version_hashes: string;
  note: string | null;
  recorded_by: string;
  recorded_at: string;
}

const REVISION_COLUMNS =
  "dataset, revision, change, holder_department, rights, grade, version_hashes, note, recorded_by, recorded_at";

function toRevision(row: RevisionRow): RegistrationRevision {
  return {
    dataset: row.dataset,
    revision: Number(row.revision),
    change: row.change,
    holderDepartment: row.holder_department,
    rights: JSON.parse(row.rights) as AssetRight[],
    grade: Number(row.grade),
    versionHashes: JSON.parse(row.version_hashes) as VersionHash[],
    note: row.note,
    recordedBy: row.recorded_by,
    recordedAt: row.recorded_at,
  };
}

async function revisionsOf(store: Read, dataset: string): Promise<RegistrationRevision[]> {
  const rows = await store.query<RevisionRow>(
    `SELECT ${REVISION_COLUMNS} FROM asset_registrations WHERE dataset = $1`,
    [dataset],
  );
  return rows.map(toRevision).sort((a, b) => a.revision - b.revision);
}

async function versionHashesOf(store: Read, dataset: string): Promise<VersionHash[]> {
  const rows = await store.query<{ version: number; sha256: string; file_sha256: string }>(
    "SELECT version, sha256, file_sha256 FROM data_versions WHERE dataset = $1",
    [dataset],
  );
  return rows
    .map((r) => ({ version: Number(r.version), sha256: r.sha256, fileSha256: r.file_sha256 }))
    .sort((a, b) => a.version - b.version);
}

async function insertRevision(tx: Pick<SqlExecutor, "run">, revision: RegistrationRevision): Promise<void> {
  try {
    await tx.run(
      `INSERT INTO asset_registrations (${REVISION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        revision.dataset,
        revision.revision,
        revision.change,
        revision.holderDepartment,
        JSON.stringify(revision.rights),
        revision.grade,
        JSON.stringify(revision.versionHashes),
        revision.note,
        revision.recordedBy,
        revision.recordedAt,
      ],
    );
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new DomainError(
        "CONFLICT",
        `the registration of ${revision.dataset} changed meanwhile: read it again and retry`,
      );
    }
    throw error;
  }
}

function invalid(what: string, error: z.ZodError): DomainError {
  const fields = error.issues.flatMap((i) =>
    i.code === "unrecognized_keys"
      ? i.keys.map((k) => `${k} (not accepted)`)
      : [i.path.join(".") || "(body)"],
  );
  return new DomainError("BAD_REQUEST", `invalid ${what}: ${[...new Set(fields)].join(", ")}`);
}

const registrationOf = (history: RegistrationRevision[]): Registration => ({ ...history.at(-1)!, history });

/**
 * Registers a dataset as a data asset (bureau): holder department and grade from the policy in
 * force, the rights given, and the hash of every data version so far. CONFLICT if registered.
 */
export async function registerAsset(
  deps: RegistryDeps,
  actor: Actor,
  request: unknown,
): Promise<Registration> {
  requireActor(actor, ["bureau"], "register a data asset");
  const parsed = RegistrationRequest.safeParse(request);
  if (!parsed.success) throw invalid("registration", parsed.error);
  const { dataset, rights, note } = parsed.data;
  const now = deps.now?.() ?? new Date();
  return auditedChange(deps.store, deps.audit, async (tx) => {
    // The same turn as a data version becoming current, so none slips between read and write.
    await sqlDialect.turn(tx, "domainVersion");
    const entry = (await currentCatalog(tx, now)).find((e) => e.manifest.name === dataset);
    if (!entry) throw new DomainError("NOT_FOUND", `no dataset named ${dataset}: register its policy first`);
    if ((await revisionsOf(tx, dataset)).length > 0) {
      throw new DomainError(
        "CONFLICT",
        `${dataset} is registered already: amend it with POST /v1/registrations/${dataset}`,
      );
    }
    const revision: RegistrationRevision = {
      dataset,
      revision: 1,
      change: "registered",
      holderDepartment: entry.manifest.holder.department,
      rights,
      grade: entry.manifest.grade,
      versionHashes: await versionHashesOf(tx, dataset),
      note: note ?? null,
      recordedBy: actor.id,
      recordedAt: now.toISOString(),
    };
    await insertRevision(tx, revision);
    return {
      result: registrationOf([revision]),
      event: revisionEvent(actor.id, revision),
    };
  });
}

function revisionEvent(actor: string, revision: RegistrationRevision) {
  return {
    type: "registration.recorded",
    actor,
    subject: { datasets: [revision.dataset] },
    data: {
      dataset: revision.dataset,
      revision: revision.revision,
      change: revision.change,
      holderDepartment: revision.holderDepartment,
      rights: revision.rights,
      grade: revision.grade,
      versions: revision.versionHashes.map((v) => v.version),
      note: revision.note,
    },
  };
}

/** Amends a registration (bureau): a new revision, holder and grade re-read from the policy in force. */
export async function amendRegistration(
  deps: RegistryDeps,
  actor: Actor,
  dataset: string,
  amendment: unknown,
): Promise<Registration> {
  requireActor(actor, ["bureau"], "amend a data-asset registration");
  const parsed = RegistrationAmendment.safeParse(amendment);
  if (!parsed.success) throw invalid("amendment", parsed.error);
  const now = deps.now?.() ?? new Date();
  return auditedChange(deps.store, deps.audit, async (tx) => {
    await sqlDialect.turn(tx, "domainVersion");
    const history = await revisionsOf(tx, dataset);
    const latest = history.at(-1);
    if (!latest) throw notRegistered(dataset);
    const entry = (await currentCatalog(tx, now)).find((e) => e.manifest.name === dataset);
    const revision: RegistrationRevision = {
      ...latest,
      revision: latest.revision + 1,
      change: "amended",
      holderDepartment: entry?.manifest.holder.department ?? latest.holderDepartment,
      grade: entry?.manifest.grade ?? latest.grade,
      rights: parsed.data.rights ?? latest.rights,
      versionHashes: await versionHashesOf(tx, dataset),
      note: parsed.data.note,
      recordedBy: actor.id,
      recordedAt: now.toISOString(),
    };
    await insertRevision(tx, revision);
    return { result: registrationOf([...history, revision]), event: revisionEvent(actor.id, revision) };
  });
}

const notRegistered = (dataset: string) =>
  new DomainError(
    "NOT_FOUND",
    `${dataset} has no data-asset registration: the bureau registers it with POST /v1/registrations`,
  );

/**
 * Adds a data version's hash to its dataset's registration, as a new revision, when the version
 * becomes current and the registration does not list it yet (a switch back to a listed version
 * changes nothing). Runs in the caller's transaction, whose own audit entry
 * (`dataset.version_supplied`) names the same hash; nothing happens for an unregistered dataset.
 */
export async function recordVersionIn(
  tx: Pick<SqlExecutor, "query" | "run">,
  dataset: string,
  version: number,
  actorId: string,
): Promise<void> {
  const history = await revisionsOf(tx, dataset);
  const latest = history.at(-1);
  if (!latest || latest.versionHashes.some((v) => v.version === version)) return;
  const hashes = await versionHashesOf(tx, dataset);
  const added = hashes.find((v) => v.version === version);
  if (!added) return;
  await insertRevision(tx, {
    ...latest,
    revision: latest.revision + 1,
    change: "version_added",
    versionHashes: [...latest.versionHashes, added],
    note: `data version ${version} became current`,
    recordedBy: actorId,
    recordedAt: new Date().toISOString(),
  });
}

const READERS = ["bureau", "auditor", "holder", "operator"] as const;

/** The registrations as they stand, by dataset, a page at a time (any role: the register names no data). */
export async function listRegistrations(
  store: Pick<SqlExecutor, "query" | "dialect">,
  actor: Actor,
  page: PageRequest = {},
): Promise<Page<RegistrationRevision>> {
  requireActor(actor, READERS, "read the data-asset register");
  const rows = await keysetPage<RevisionRow & Record<string, unknown>>(store, {
    list: "registrations",
    select: `SELECT r.dataset, r.revision, r.change, r.holder_department, r.rights, r.grade, r.version_hashes, r.note, r.recorded_by, r.recorded_at
     FROM asset_registrations r
     JOIN (SELECT dataset, max(revision) AS revision FROM asset_registrations GROUP BY dataset) latest
       ON latest.dataset = r.dataset AND latest.revision = r.revision`,
    order: { key: "r.dataset", id: "r.dataset", direction: "asc" },
    page,
  });
  return mapPage(rows, toRevision);
}

/** One dataset's registration with its history. */
export async function getRegistration(store: Read, actor: Actor, dataset: string): Promise<Registration> {
  requireActor(actor, READERS, "read the data-asset register");
  const history = await revisionsOf(store, dataset);
  if (history.length === 0) throw notRegistered(dataset);
  return registrationOf(history);
}

// ── data products ────────────────────────────────────────────────────────

export const ProductRequest = z.strictObject({
  /** The product's name; a second product of the same name is its next version. */
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, "lower case letters, digits, _ and -"),
  /** A released job: the product is its released outputs and its script's hash. */
  job: z.string().min(1).max(100),
  terms: z.string().trim().min(1).max(10_000),
  /** Price per subscription in fen (1/100 yuan). */
  priceFen: z.number().int().min(0).max(1_000_000_000_000),
});
export type ProductRequest = z.infer<typeof ProductRequest>;

export const ProductStatus = z.enum(["listed", "delisted"]);
export type ProductStatus = z.infer<typeof ProductStatus>;

export const Product = z.object({
  id: z.string(),
  name: z.string(),
  version: z.number().int(),
  job: z.string(),
  scriptSha256: z.string(),
  /** The datasets its job read: a subscriber's license must name each. */
  datasets: z.array(z.string()),
  /** Names of its outputs (the job's released outputs). */
  outputs: z.array(z.string()),
  terms: z.string(),
  priceFen: z.number().int(),
  status: ProductStatus,
  createdBy: z.string(),
  createdAt: Timestamp,
  statusChangedAt: Timestamp.nullable(),
  /** For an operator: whether it subscribes. */
  subscribed: z.boolean().optional(),
});
export type Product = z.infer<typeof Product>;

export const Subscription = z.object({
  product: z.string(),
  productVersion: z.number().int(),
  operator: z.string(),
  license: z.string(),
  subscribedAt: Timestamp,
});
export type Subscription = z.infer<typeof Subscription>;

interface ProductRow {
  id: string;
  name: string;
  version: number;
  job_id: string;
  script_sha256: string;
  datasets: string;
  outputs: string;
  terms: string;
  price_fen: number | string;
  status: ProductStatus;
  created_by: string;
  created_at: string;
  status_changed_at: string | null;
}

const PRODUCT_COLUMNS =
  "id, name, version, job_id, script_sha256, datasets, outputs, terms, price_fen, status, created_by, created_at, status_changed_at";

function toProduct(row: ProductRow): Product {
  return {
    id: row.id,
    name: row.name,
    version: Number(row.version),
    job: row.job_id,
    scriptSha256: row.script_sha256,
    datasets: JSON.parse(row.datasets) as string[],
    outputs: JSON.parse(row.outputs) as string[],
    terms: row.terms,
    priceFen: Number(row.price_fen),
    status: row.status,
    createdBy: row.created_by,
    createdAt: row.created_at,
    statusChangedAt: row.status_changed_at,
  };
}

const productNotFound = (id: string) =>
  new DomainError("NOT_FOUND", `no data product ${id}: list them with GET /v1/products`);

async function productRow(store: Read, id: string, lock = false, dialect?: SqlExecutor["dialect"]) {
  const rows = await store.query<ProductRow>(
    `SELECT ${PRODUCT_COLUMNS} FROM data_products WHERE id = $1${lock && dialect ? sqlDialect.forUpdate(dialect) : ""}`,
    [id],
  );
  return rows[0];
}

/**
 * Creates a data product (bureau) from a released job: its outputs and script hash, the datasets
 * it read, terms and price. The next version of `name` if one exists.
 */
export async function createProduct(deps: RegistryDeps, actor: Actor, request: unknown): Promise<Product> {
  requireActor(actor, ["bureau"], "create a data product");
  const parsed = ProductRequest.safeParse(request);
  if (!parsed.success) throw invalid("product", parsed.error);
  const { name, job: jobId, terms, priceFen } = parsed.data;
  const now = (deps.now?.() ?? new Date()).toISOString();
  return auditedChange(deps.store, deps.audit, async (tx) => {
    const job = await jobRepository.get(tx, jobId);
    if (!job) throw new DomainError("NOT_FOUND", `no job ${jobId}`);
    if (job.status !== "released") {
      throw new DomainError(
        "CONFLICT",
        `job ${jobId} is ${job.status}: a data product is made of a released job's outputs (release it on review first)`,
      );
    }
    const outputs = Object.keys(job.products?.outputs ?? {}).sort(compareText);
    if (outputs.length === 0) throw new DomainError("CONFLICT", `job ${jobId} released no outputs`);
    const license = await findLicense(tx, job.licenseId);
    const read = job.usage?.datasets ?? [];
    const datasets = [
      ...(read.length > 0 ? read : (license?.license.datasets.map((d) => d.name) ?? [])),
    ].sort(compareText);
    const latest = await tx.query<{ v: number | null }>(
      "SELECT max(version) AS v FROM data_products WHERE name = $1",
      [name],
    );
    const version = Number(latest[0]?.v ?? 0) + 1;
    const row: ProductRow = {
      id: `prd_${randomUUID()}`,
      name,
      version,
      job_id: jobId,
      script_sha256: job.scriptSha256,
      datasets: JSON.stringify(datasets),
      outputs: JSON.stringify(outputs),
      terms,
      price_fen: priceFen,
      status: "listed",
      created_by: actor.id,
      created_at: now,
      status_changed_at: null,
    };
    try {
      await tx.run(
        `INSERT INTO data_products (${PRODUCT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          row.id,
          row.name,
          row.version,
          row.job_id,
          row.script_sha256,
          row.datasets,
          row.outputs,
          row.terms,
          row.price_fen,
          row.status,
          row.created_by,
          row.created_at,
          row.status_changed_at,
        ],
      );
    } catch (error) {
      if (isUniqueViolation(error))
        throw new DomainError(
          "CONFLICT",
          `version ${version} of product ${name} was created meanwhile: retry`,
        );
      throw error;
    }
    const product = toProduct(row);
    return {
      result: product,
      event: {
        type: "product.created",
        actor: actor.id,
        subject: { job: jobId, operator: job.operatorId, license: job.licenseId, datasets },
        data: { product: row.id, name, version, scriptSha256: job.scriptSha256, outputs, priceFen },
      },
    };
  });
}

/** Delists a product (bureau): no new subscriptions; existing subscribers keep reading it. */
export async function delistProduct(
  deps: RegistryDeps,
  actor: Actor,
  id: string,
  input: { reason: string },
): Promise<Product> {
  requireActor(actor, ["bureau"], "delist a data product");
  const reason = input.reason.trim();
  if (reason.length === 0) throw new DomainError("BAD_REQUEST", "a reason is required to delist a product");
  const now = (deps.now?.() ?? new Date()).toISOString();
  return auditedChange(deps.store, deps.audit, async (tx) => {
    const row = await productRow(tx, id, true, tx.dialect);
    if (!row) throw productNotFound(id);
    if (row.status === "delisted")
      throw new DomainError("CONFLICT", `product ${id} is delisted already (since ${row.status_changed_at})`);
    await tx.run("UPDATE data_products SET status = 'delisted', status_changed_at = $2 WHERE id = $1", [
      id,
      now,
    ]);
    return {
      result: toProduct({ ...row, status: "delisted", status_changed_at: now }),
      event: {
        type: "product.delisted",
        actor: actor.id,
        subject: { job: row.job_id, datasets: JSON.parse(row.datasets) as string[] },
        data: { product: id, name: row.name, version: Number(row.version), reason },
      },
    };
  });
}

async function subscriptionOf(store: Read, productId: string, operatorId: string) {
  const rows = await store.query<{
    product_id: string;
    operator_id: string;
    license_id: string;
    product_version: number;
    subscribed_at: string;
  }>(
    "SELECT product_id, operator_id, license_id, product_version, subscribed_at FROM product_subscriptions WHERE product_id = $1 AND operator_id = $2",
    [productId, operatorId],
  );
  const row = rows[0];
  return row
    ? {
        product: row.product_id,
        productVersion: Number(row.product_version),
        operator: row.operator_id,
        license: row.license_id,
        subscribedAt: row.subscribed_at,
      }
    : undefined;
}

/**
 * Products `actor` may see, newest first, a page at a time: every one for the bureau and auditors;
 * listed ones (and those it subscribes to) for operators and holders, with `subscribed` for an
 * operator.
 */
export async function listProducts(
  store: Pick<SqlExecutor, "query" | "dialect">,
  actor: Actor,
  page: PageRequest = {},
): Promise<Page<Product>> {
  requireActor(actor, READERS, "read the data products");
  const rows = await keysetPage<VisibleProductRow>(store, {
    list: "products",
    ...visibleProducts(actor),
    order: { key: "created_at", id: "id", direction: "desc" },
    page,
  });
  return mapPage(rows, (row) => visibleProduct(actor, row));
}

/** One product, visible as in `listProducts`. */
export async function getProduct(store: Read, actor: Actor, id: string): Promise<Product> {
  requireActor(actor, READERS, "read the data products");
  const query = visibleProducts(actor);
  const rows = await store.query<VisibleProductRow>(
    `${query.select} WHERE ${[...query.where, `id = $${query.params.length + 1}`].map((w) => `(${w})`).join(" AND ")}`,
    [...query.params, id],
  );
  if (!rows[0]) throw productNotFound(id);
  return visibleProduct(actor, rows[0]);
}

type VisibleProductRow = ProductRow & { subscribed: number | string } & Record<string, unknown>;

/** The products `actor` may see, in SQL: the staff all; others the listed and their own subscriptions. */
function visibleProducts(actor: Actor): { select: string; where: string[]; params: string[] } {
  if (actor.role === "bureau" || actor.role === "auditor")
    return { select: `SELECT ${PRODUCT_COLUMNS}, 0 AS subscribed FROM data_products`, where: [], params: [] };
  if (actor.role !== "operator")
    return {
      select: `SELECT ${PRODUCT_COLUMNS}, 0 AS subscribed FROM data_products`,
      where: ["status = 'listed'"],
      params: [],
    };
  const mine = "id IN (SELECT product_id FROM product_subscriptions WHERE operator_id = $1)";
  return {
    select: `SELECT ${PRODUCT_COLUMNS}, CASE WHEN ${mine} THEN 1 ELSE 0 END AS subscribed FROM data_products`,
    where: [`status = 'listed' OR ${mine}`],
    params: [actor.id],
  };
}

function visibleProduct(actor: Actor, row: VisibleProductRow): Product {
  return {
    ...toProduct(row),
    ...(actor.role === "operator" ? { subscribed: Number(row.subscribed) === 1 } : {}),
  };
}

/**
 * Subscribes an operator to a listed product: it must hold a usable license naming every dataset
 * the product read. Records the operator, the product version, its license and the time.
 */
export async function subscribeProduct(deps: RegistryDeps, actor: Actor, id: string): Promise<Subscription> {
  requireActor(actor, ["operator"], "subscribe to a data product");
  const now = deps.now?.() ?? new Date();
  return auditedChange(deps.store, deps.audit, async (tx) => {
    const row = await productRow(tx, id, true, tx.dialect);
    if (!row) throw productNotFound(id);
    const existing = await subscriptionOf(tx, id, actor.id);
    if (existing) {
      throw new DomainError(
        "CONFLICT",
        `you subscribe to product ${id} already (since ${existing.subscribedAt}): read its outputs with GET /v1/products/${id}/outputs/{name}`,
      );
    }
    if (row.status !== "listed")
      throw new DomainError("CONFLICT", `product ${id} is delisted: it takes no new subscriptions`);
    const datasets = JSON.parse(row.datasets) as string[];
    const license = await usableLicenseCovering(tx, actor.id, datasets, now);
    if (!license) {
      throw new DomainError(
        "FORBIDDEN",
        `subscribing to product ${id} needs an active license of yours naming ${datasets.join(", ")}: apply for one (POST /v1/applications)`,
      );
    }
    const subscription: Subscription = {
      product: id,
      productVersion: Number(row.version),
      operator: actor.id,
      license: license.id,
      subscribedAt: now.toISOString(),
    };
    await tx.run(
      "INSERT INTO product_subscriptions (product_id, operator_id, license_id, product_version, subscribed_at) VALUES ($1, $2, $3, $4, $5)",
      [id, actor.id, license.id, subscription.productVersion, subscription.subscribedAt],
    );
    return {
      result: subscription,
      event: {
        type: "product.subscribed",
        actor: actor.id,
        subject: { operator: actor.id, license: license.id, datasets },
        data: { product: id, name: row.name, version: Number(row.version), priceFen: Number(row.price_fen) },
      },
    };
  });
}

/**
 * A released output of a product, for a subscriber whose license still names the product's
 * datasets: the referenced job's released rows, read as the job's own output is. The read is
 * audited. Anyone else is refused (a non-subscriber is told to subscribe).
 */
export async function productOutput(
  deps: RegistryDeps,
  actor: Actor,
  id: string,
  name: string,
): Promise<OutputTable> {
  requireActor(actor, ["operator"], "read a data product's outputs (its subscribers do)");
  const now = deps.now?.() ?? new Date();
  const product = await getProduct(deps.store, actor, id);
  const subscription = await subscriptionOf(deps.store, id, actor.id);
  if (!subscription) {
    throw new DomainError(
      "FORBIDDEN",
      `only subscribers read product ${id}'s outputs: subscribe first with POST /v1/products/${id}/subscribe`,
    );
  }
  if (!(await usableLicenseCovering(deps.store, actor.id, product.datasets, now))) {
    throw new DomainError(
      "FORBIDDEN",
      `reading product ${id} needs an active license of yours naming ${product.datasets.join(", ")}; yours no longer does`,
    );
  }
  // A freeze holds releases; a product's outputs are releases served again, so it holds them too.
  await assertNotFrozen(
    deps.store,
    { operatorId: actor.id, licenseId: subscription.license, datasets: product.datasets },
    `reading product ${id}`,
    now,
  );
  const job = await jobRepository.get(deps.store, product.job);
  const table = job?.status === "released" ? job.products?.outputs[name] : undefined;
  if (!job || !table) throw new DomainError("NOT_FOUND", `product ${id} has no released output ${name}`);
  await deps.audit.append({
    type: "product.output_read",
    actor: actor.id,
    subject: { job: job.id, operator: actor.id, license: subscription.license, datasets: product.datasets },
    data: { product: id, output: name, rows: table.length },
  });
  return table;
}
