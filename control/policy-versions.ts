import { z } from "zod";
import { DomainError, describeIssues } from "../policies/errors.ts";
import { DatasetManifest } from "../policies/manifest.ts";
import { type ChangeClassification, classifyManifestChange, diffManifests } from "../policies/policy-diff.ts";
import { Timestamp } from "../policies/timestamp.ts";
import type { DataDomain } from "../storage/data-domain.ts";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import type { AuditEvent, AuditSink } from "./audit-sink.ts";
import { type Actor, requireActor } from "./authority.ts";
import { publishManifest } from "./catalog.ts";
import { notify } from "./inbox.ts";
import { keysetPage, mapPage, type Page, type PageRequest } from "./paging.ts";
import { insertProposal, type Proposal } from "./proposal-store.ts";

export { diffManifests, PolicyChange } from "../policies/policy-diff.ts";

/** One version of a dataset's policy as listings show it (the manifest itself is fetched by version). */
export const PolicyVersionInfo = z.object({
  dataset: z.string(),
  version: z.number().int(),
  effectiveFrom: Timestamp,
  author: z.string(),
  note: z.string().nullable(),
});
export type PolicyVersionInfo = z.infer<typeof PolicyVersionInfo>;

export const PolicyVersionDetail = PolicyVersionInfo.extend({ manifest: DatasetManifest });
export type PolicyVersionDetail = z.infer<typeof PolicyVersionDetail>;

type Read = Pick<SqlExecutor, "query">;
type Row = { dataset: string; version: number; effective_from: string; author: string; note: string | null };
const COLUMNS = "dataset, version, effective_from, author, note";
const toInfo = (row: Row): PolicyVersionInfo => ({
  dataset: row.dataset,
  version: row.version,
  effectiveFrom: row.effective_from,
  author: row.author,
  note: row.note,
});

/** The versions of a dataset's policy, oldest first, a page at a time; NOT_FOUND for a dataset never registered. */
export async function listPolicyVersions(
  store: Pick<SqlExecutor, "query" | "dialect">,
  dataset: string,
  page: PageRequest = {},
): Promise<Page<PolicyVersionInfo>> {
  const known = await store.query("SELECT 1 AS one FROM dataset_versions WHERE dataset = $1 LIMIT 1", [
    dataset,
  ]);
  if (known.length === 0) throw new DomainError("NOT_FOUND", `no dataset named ${dataset}`);
  const rows = await keysetPage<Row>(store, {
    list: `policy-versions:${dataset}`,
    select: `SELECT ${COLUMNS} FROM dataset_versions`,
    where: ["dataset = $1"],
    params: [dataset],
    order: { key: "version", id: "version", direction: "asc", numericKey: true, numericId: true },
    keyOf: (row) => [Number(row.version), Number(row.version)],
    page,
  });
  return mapPage(rows, toInfo);
}

/** One version with its manifest; NOT_FOUND if the dataset or the version does not exist. */
export async function getPolicyVersion(
  store: Read,
  dataset: string,
  version: number,
): Promise<PolicyVersionDetail> {
  const rows = await store.query<Row & { manifest: string }>(
    `SELECT ${COLUMNS}, manifest FROM dataset_versions WHERE dataset = $1 AND version = $2`,
    [dataset, version],
  );
  const row = rows[0];
  if (!row) throw new DomainError("NOT_FOUND", `dataset ${dataset} has no policy version ${version}`);
  return { ...toInfo(row), manifest: DatasetManifest.parse(JSON.parse(row.manifest)) };
}

/**
 * The highest version of a dataset, or null if it was never registered. It may not be in force
 * yet (an approved change scheduled for later): new changes are made against it.
 */
export async function latestPolicyVersion(store: Read, dataset: string): Promise<PolicyVersionDetail | null> {
  const rows = await store.query<{ version: number | null }>(
    "SELECT max(version) AS version FROM dataset_versions WHERE dataset = $1",
    [dataset],
  );
  const version = rows[0]?.version;
  return version == null ? null : getPolicyVersion(store, dataset, Number(version));
}

/** The version of a dataset in force at `now` (its highest version effective by then), or null. */
export async function policyInForce(
  store: Read,
  dataset: string,
  now: Date = new Date(),
): Promise<PolicyVersionDetail | null> {
  const rows = await store.query<{ version: number | null }>(
    "SELECT max(version) AS version FROM dataset_versions WHERE dataset = $1 AND effective_from <= $2",
    [dataset, now.toISOString()],
  );
  const version = rows[0]?.version;
  return version == null ? null : getPolicyVersion(store, dataset, Number(version));
}

/** The columns of a table in the data domain with their DuckDB types, or null if there is no such table. */
async function domainColumns(
  domain: Pick<DataDomain, "connect">,
  table: string,
): Promise<Map<string, string> | null> {
  const connection = await domain.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT column_name, data_type FROM duckdb_columns()
       WHERE schema_name = 'main' AND table_name = $1 ORDER BY column_index`,
      [table],
    );
    const rows = reader.getRows();
    return rows.length === 0 ? null : new Map(rows.map(([name, type]) => [String(name), String(type)]));
  } finally {
    connection.closeSync();
  }
}

/**
 * A manifest must describe its table exactly: the same columns with the same types. Otherwise the
 * query gate would reason about columns the table lacks, or miss columns it has (which would then
 * have no rule at all).
 */
async function assertDescribesTable(
  domain: Pick<DataDomain, "connect">,
  manifest: DatasetManifest,
): Promise<void> {
  const actual = await domainColumns(domain, manifest.name);
  if (!actual) throw new DomainError("BAD_REQUEST", `the data domain has no table ${manifest.name}`);
  const declared = new Map(manifest.columns.map((c) => [c.name, c.type]));
  const problems: string[] = [];
  for (const [name, type] of declared) {
    const real = actual.get(name);
    if (real === undefined) problems.push(`column ${name} is not in the table`);
    else if (real !== type) problems.push(`column ${name} is ${real} in the table, declared ${type}`);
  }
  for (const name of actual.keys())
    if (!declared.has(name)) problems.push(`table column ${name} is not declared`);
  if (problems.length > 0) {
    throw new DomainError(
      "BAD_REQUEST",
      `manifest does not match table ${manifest.name}: ${problems.join("; ")}`,
    );
  }
}

/**
 * A manifest proposed for `dataset`, validated: the schema (which holds the grade floor), the name,
 * and the table in the data domain it must describe exactly. Answers the parsed manifest.
 */
export async function checkManifest(
  domain: Pick<DataDomain, "connect">,
  dataset: string,
  manifest: unknown,
): Promise<DatasetManifest> {
  const parsed = DatasetManifest.safeParse(manifest);
  if (!parsed.success) {
    throw new DomainError(
      "BAD_REQUEST",
      `invalid manifest: ${describeIssues(parsed.error.issues, "(manifest)")}`,
    );
  }
  if (parsed.data.name !== dataset) {
    throw new DomainError(
      "BAD_REQUEST",
      `manifest name ${parsed.data.name} does not match dataset ${dataset}`,
    );
  }
  await assertDescribesTable(domain, parsed.data);
  return parsed.data;
}

/**
 * Inserts `manifest` as the next version of its dataset in `tx`, in force from `effectiveFrom`,
 * tells the dataset's holders, and answers the version with the audit event recording it
 * (`manifest.published` for a registration, else `policy.published` with the structured diff).
 */
export async function applyPolicyVersion(
  tx: SqlExecutor,
  input: {
    manifest: DatasetManifest;
    author: string;
    note?: string;
    effectiveFrom: string;
    previous: PolicyVersionDetail | null;
    /** Set when a second officer's approval applies the change. */
    approval?: { proposal: string; approvedBy: string };
  },
): Promise<{ version: PolicyVersionDetail; event: AuditEvent }> {
  const { manifest, previous } = input;
  const number = await publishManifest(tx, manifest, input.author, input.note, input.effectiveFrom);
  const version = await getPolicyVersion(tx, manifest.name, number);
  await notify(
    tx,
    { holdersOf: [manifest.name] },
    {
      kind: "policy.changed",
      subject: { dataset: manifest.name },
      message: `policy version ${number} of ${manifest.name} is in force from ${input.effectiveFrom}`,
    },
  );
  const changes = previous ? classifyManifestChange(previous.manifest, manifest).changes : [];
  return {
    version,
    event: {
      type: previous ? "policy.published" : "manifest.published",
      actor: input.approval?.approvedBy ?? input.author,
      subject: { datasets: [manifest.name] },
      data: {
        dataset: manifest.name,
        version: number,
        effectiveFrom: input.effectiveFrom,
        ...(input.note === undefined ? {} : { note: input.note }),
        ...(input.approval ? { proposal: input.approval.proposal, proposedBy: input.author } : {}),
        ...(previous ? { previousVersion: previous.version, before: previous.manifest, changes } : {}),
        after: manifest,
      },
    },
  };
}

/** What publishing did: the version now in force, or (for a loosening) the proposal awaiting a second officer. */
export type PolicyPublication =
  | { readonly status: "published"; readonly version: PolicyVersionDetail }
  | { readonly status: "proposed"; readonly proposal: Proposal };

/**
 * Publishes a dataset's policy. A change that only tightens (see `classifyManifestChange`) is in
 * force at once, by one officer, as a new version recorded in the audit log with its diff. Any
 * other change — a loosening, or a registration — is not applied: it becomes a proposal (two-
 * person rule, control/proposals.ts) against the dataset's latest version, which a second officer
 * approves. Old versions are never changed, so a job keeps the versions it started under; a
 * manifest identical to the latest version is refused.
 */
export async function publishPolicy(
  store: Pick<SqlStore, "transaction">,
  domain: Pick<DataDomain, "connect">,
  audit: AuditSink,
  actor: Actor,
  input: { dataset: string; manifest: DatasetManifest; note?: string; now?: Date },
): Promise<PolicyPublication> {
  requireActor(actor, ["bureau"], "publish a dataset's policy");
  const manifest = await checkManifest(domain, input.dataset, input.manifest);
  const now = input.now ?? new Date();
  return store.transaction(async (tx) => {
    const latest = await latestPolicyVersion(tx, manifest.name);
    if (latest && diffManifests(latest.manifest, manifest).length === 0) {
      throw new DomainError("CONFLICT", `identical to version ${latest.version} of ${manifest.name}`);
    }
    const diff = classifyManifestChange(latest?.manifest ?? null, manifest);
    // With a version scheduled for later, the change must tighten what is in force now as well:
    // otherwise it would bring the scheduled loosening forward.
    const inForce = latest ? await policyInForce(tx, manifest.name, now) : null;
    const loosensInForce =
      inForce !== null && inForce.version !== latest?.version
        ? classifyManifestChange(inForce.manifest, manifest).loosens
        : false;
    let outcome: { result: PolicyPublication; event: AuditEvent };
    if (!diff.loosens && !loosensInForce) {
      const applied = await applyPolicyVersion(tx, {
        manifest,
        author: actor.id,
        ...(input.note === undefined ? {} : { note: input.note }),
        effectiveFrom: now.toISOString(),
        previous: latest,
      });
      outcome = { result: { status: "published", version: applied.version }, event: applied.event };
    } else {
      const created = await insertProposal(
        tx,
        actor,
        {
          kind: "policy",
          subject: manifest.name,
          document: manifest,
          diff: proposalDiff(diff, loosensInForce),
          baseVersion: latest?.version ?? null,
          reason: input.note ?? `policy of ${manifest.name} published without a note`,
          auditSubject: { datasets: [manifest.name] },
        },
        now,
      );
      outcome = { result: { status: "proposed", proposal: created.proposal }, event: created.event };
    }
    try {
      await audit.appendIn(tx, [outcome.event]);
    } catch (cause) {
      throw new Error(`audit append of ${outcome.event.type} failed; change rolled back`, { cause });
    }
    return outcome.result;
  });
}

/** The diff a policy proposal shows; marked loosening when it loosens what is in force now. */
export function proposalDiff(diff: ChangeClassification, loosensInForce: boolean): ChangeClassification {
  return loosensInForce && !diff.loosens ? { ...diff, loosens: true } : diff;
}
