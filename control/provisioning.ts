import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type CryptoProfileName, cryptoProfile, cryptoProfileRecord } from "../audit/crypto-profile.ts";
import { openStoreAuditLedger } from "../audit/store-ledger.ts";
import { DEFAULT_PRIVACY_BUDGET, type License, type PrivacyBudget } from "../policies/license.ts";
import type { DatasetManifest } from "../policies/manifest.ts";
import type { DataFileEncryption } from "../storage/at-rest/data-file-key.ts";
import { fileDigest } from "../storage/file-digest.ts";
import { openControlStore } from "../storage/open-store.ts";
import type { PostgresTarget } from "../storage/postgres-store.ts";
import { sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import { encryptDataVersions, loadDomainKey, sealDomainKey } from "./at-rest.ts";
import type { AuditSink } from "./audit-sink.ts";
import { currentCatalog, publishManifest } from "./catalog.ts";
import { sealControlSecrets } from "./control-secrets.ts";
import { type DataFolder, dataFolder } from "./data-folder.ts";
import { storeDataVersion } from "./data-supply.ts";
import { domainCryptoProfile, ensureDomainKey } from "./domain-key.ts";
import { createPrincipal, issueApiKey } from "./identity.ts";
import { ledgerAuditSink } from "./ledger-sink.ts";
import { grantLicense } from "./licenses.ts";
import {
  type DataSplitReport,
  splitLegacyDomain,
  type UpgradeReport,
  upgradeLegacyFolder,
} from "./upgrade.ts";

/** The demo principals' keys, written to demo-credentials.json (mode 0600) on first start. */
export interface DemoCredentials {
  readonly bureau: { readonly key: string };
  /** A second bureau officer: loosening a policy, lifting a freeze and grade-4 grants need two. */
  readonly bureau2?: { readonly key: string };
  readonly auditor: { readonly key: string };
  readonly operator: { readonly key: string; readonly license: string };
  /** A member of each demo dataset's holder department, by dataset name. */
  readonly holders?: Readonly<Record<string, { readonly key: string; readonly department: string }>>;
}

/** How long generating one table of the demo data took. */
export interface GenerationStep {
  readonly table: string;
  readonly rows: number;
  readonly ms: number;
}

/**
 * The demo domain a fresh folder is provisioned with: its manifests and a generator writing each
 * dataset as a Parquet file in `dir`. Passed in by the start-up (seeds/ is not part of the control
 * plane: a domain's real data arrives as data versions, the demo data only on first start).
 */
export interface DemoDomain {
  readonly manifests: readonly DatasetManifest[];
  generate(options: {
    readonly dir: string;
    readonly scale: number;
    readonly seed?: number;
    readonly onProgress?: (step: GenerationStep) => void;
  }): Promise<readonly { readonly dataset: string; readonly file: string }[]>;
}

export interface ProvisionOptions {
  readonly dir: string;
  readonly demo: DemoDomain;
  readonly seedScale: number;
  readonly seed?: number;
  /** A PostgreSQL control plane shared by several nodes; unset: the SQLite file in the folder. */
  readonly databaseUrl?: PostgresTarget | undefined;
  /** Where the data versions live (default DIR/datasets). */
  readonly datasetsDir?: string | undefined;
  /**
   * The crypto profile a new folder is created with (default `international`); an existing
   * folder keeps its own and refuses a different one.
   */
  readonly cryptoProfile?: CryptoProfileName | undefined;
  /**
   * With a key-encryption key: the signing key is sealed under it, control-plane secrets and data
   * files are encrypted, and whatever an older start left in the clear is encrypted now.
   */
  readonly encryption?: DataFileEncryption | undefined;
  readonly onProgress?: (event: ProvisionEvent) => void;
}

export type ProvisionEvent =
  | { readonly kind: "generating"; readonly scale: number }
  | { readonly kind: "generated"; readonly step: GenerationStep }
  | { readonly kind: "supplied"; readonly dataset: string; readonly version: number; readonly rows: number }
  | { readonly kind: "split"; readonly report: DataSplitReport }
  | { readonly kind: "key-created" }
  | { readonly kind: "key-sealed" }
  /** Control-plane secrets stored in the clear, sealed under the KEK. */
  | { readonly kind: "secrets-sealed"; readonly count: number }
  | { readonly kind: "version-encrypted"; readonly dataset: string; readonly version: number }
  | { readonly kind: "principals-created" }
  | { readonly kind: "upgraded"; readonly report: UpgradeReport };

export interface ProvisionedFolder {
  readonly folder: DataFolder;
  readonly controlPlane: SqlStore;
  /** Set only on the start that created the demo principals: their keys exist nowhere else. */
  readonly newCredentials?: DemoCredentials;
  readonly generated: boolean;
  /** Set on the start that moved an older release's folder into the store. */
  readonly upgraded?: UpgradeReport;
  /** Set on the start that split an older release's one-file data domain into data versions. */
  readonly split?: DataSplitReport;
}

/**
 * Makes a data folder ready: creates the signing key, migrates the control plane (moving an older
 * release's folder into it), publishes the demo manifests, gives every dataset its first data
 * version — the demo data, generated and supplied through the same verb as any upload (actor
 * `seed`), or an older release's domain file split into versions (actor `upgrade`) — and creates
 * the demo principals. Each step is skipped when already done, so a second start reuses
 * everything and re-keys nothing.
 */
export async function provisionDataFolder(options: ProvisionOptions): Promise<ProvisionedFolder> {
  const folder = dataFolder(options.dir, options.datasetsDir);
  await mkdir(folder.dir, { recursive: true, mode: 0o700 });
  const encryption = options.encryption;
  const kek = encryption?.kek;
  if (await ensureDomainKey(folder, cryptoProfile(options.cryptoProfile ?? "international"), kek))
    options.onProgress?.({ kind: "key-created" });
  // A key an older release (or a start without a KEK) wrote in the clear is sealed now.
  if (kek && (await sealDomainKey(folder, kek))) options.onProgress?.({ kind: "key-sealed" });
  const profile = await domainCryptoProfile(folder, options.cryptoProfile);

  const controlPlane = await openControlStore({ dataDir: folder.dir, databaseUrl: options.databaseUrl });
  try {
    const signingKey = await loadDomainKey(folder, kek);
    // A folder of an older release moves into the store before anything is provisioned in it.
    const upgraded = await upgradeLegacyFolder(folder, controlPlane, signingKey.publicKey);
    if (upgraded) options.onProgress?.({ kind: "upgraded", report: upgraded });
    await controlPlane.transaction(async (tx) => {
      await provisioningTurn(tx);
      if ((await currentCatalog(tx)).length === 0) {
        for (const manifest of options.demo.manifests)
          await publishManifest(tx, manifest, "seed", "demo domain");
      }
    });
    const ledger = openStoreAuditLedger(controlPlane, {
      privateKey: signingKey.privateKey,
      checkpointIntervalMs: 0,
    });
    let generated = false;
    let split: DataSplitReport | undefined;
    try {
      const audit = ledgerAuditSink(ledger);
      // The log records the profile once, before anything else this start writes; a folder of an
      // older release (international by its Ed25519 key) gets the record on its first start here.
      await controlPlane.transaction(async (tx) => {
        const [recorded] = await tx.query("SELECT 1 FROM audit_entries WHERE type = $1 LIMIT 1", [
          "domain.crypto_profile",
        ]);
        if (!recorded)
          await audit.appendIn(tx, [
            {
              type: "domain.crypto_profile",
              actor: "system",
              subject: {},
              data: cryptoProfileRecord(profile),
            },
          ]);
      });
      split = await splitLegacyDomain(folder, controlPlane, audit, encryption);
      if (split) options.onProgress?.({ kind: "split", report: split });
      else generated = await supplyDemoData(folder, controlPlane, audit, options);
      if (encryption) {
        const sealed = await sealControlSecrets(controlPlane, encryption.kek);
        if (sealed > 0) options.onProgress?.({ kind: "secrets-sealed", count: sealed });
        const encrypted = await encryptDataVersions({
          store: controlPlane,
          audit,
          datasetsDir: folder.datasetsDir,
          encryption,
        });
        for (const { dataset, version } of encrypted)
          options.onProgress?.({ kind: "version-encrypted", dataset, version });
      }
    } finally {
      await ledger.close();
    }
    const newCredentials = await createDemoPrincipals(controlPlane, folder, options.demo.manifests);
    if (newCredentials) options.onProgress?.({ kind: "principals-created" });
    return {
      folder,
      controlPlane,
      generated,
      ...(newCredentials ? { newCredentials } : {}),
      ...(upgraded ? { upgraded } : {}),
      ...(split ? { split } : {}),
    };
  } catch (error) {
    await controlPlane.close();
    throw error;
  }
}

/**
 * A domain without any data version gets the demo data: each demo dataset generated as Parquet and
 * supplied as its version 1 by `seed`, through the path every upload takes (schema check, version
 * file, SHA-256, audit entry). Returns whether it did.
 */
async function supplyDemoData(
  folder: DataFolder,
  store: SqlStore,
  audit: AuditSink,
  options: ProvisionOptions,
): Promise<boolean> {
  const supplied = new Set(
    (await store.query<{ dataset: string }>("SELECT DISTINCT dataset FROM data_versions")).map(
      (r) => r.dataset,
    ),
  );
  const catalog = new Map(
    (await currentCatalog(store)).map((entry) => [entry.manifest.name, entry.manifest]),
  );
  // A start that stopped half-way supplied some: only the others are supplied now.
  const missing = options.demo.manifests.filter((m) => catalog.has(m.name) && !supplied.has(m.name));
  if (missing.length === 0) return false;
  options.onProgress?.({ kind: "generating", scale: options.seedScale });
  await mkdir(folder.datasetsDir, { recursive: true, mode: 0o700 });
  const work = await mkdtemp(join(folder.datasetsDir, ".demo-"));
  try {
    const datasets = await options.demo.generate({
      dir: work,
      scale: options.seedScale,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      onProgress: (step) => options.onProgress?.({ kind: "generated", step }),
    });
    for (const generated of datasets) {
      const manifest = catalog.get(generated.dataset);
      if (!manifest || supplied.has(generated.dataset)) continue;
      const { sha256, bytes } = await fileDigest(generated.file);
      const version = await storeDataVersion(
        { store, audit, datasetsDir: folder.datasetsDir, encryption: options.encryption },
        {
          dataset: manifest.name,
          manifest,
          source: { format: "parquet", path: generated.file },
          sha256,
          bytes,
          actor: "seed",
          note: `demo data (scale ${options.seedScale}, seed ${options.seed ?? "default"})`,
          onlyFirst: true,
        },
      );
      options.onProgress?.({
        kind: "supplied",
        dataset: version.dataset,
        version: version.version,
        rows: version.rows,
      });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return true;
}

/** Nodes that start together on one PostgreSQL provision one after the other (SQLite: one node). */
async function provisioningTurn(tx: SqlExecutor): Promise<void> {
  await sqlDialect.turn(tx, "provisioning");
}

async function createDemoPrincipals(
  store: SqlStore,
  folder: DataFolder,
  manifests: readonly DatasetManifest[],
): Promise<DemoCredentials | undefined> {
  const partial = `${folder.credentialsFile}.partial`;
  const credentials = await store.transaction(async (tx) => {
    await provisioningTurn(tx);
    const existing = await tx.query<{ n: number }>("SELECT count(*) AS n FROM principals");
    if ((existing[0]?.n ?? 0) > 0) return undefined;
    const bureau = await createPrincipal(tx, {
      role: "bureau",
      name: "Demo bureau officer",
      organization: "呼和浩特市数据局 (Hohhot Data Bureau)",
    });
    const auditor = await createPrincipal(tx, {
      role: "auditor",
      name: "Demo auditor",
      organization: "呼和浩特市审计局 (Hohhot Audit Bureau)",
    });
    const operator = await createPrincipal(tx, {
      role: "operator",
      name: "Demo operator",
      organization: "青城数据科技有限公司 (Qingcheng Data Technology Co., Ltd.)",
    });
    const secondOfficer = await createPrincipal(tx, {
      role: "bureau",
      name: "Demo second bureau officer",
      organization: "呼和浩特市数据局 (Hohhot Data Bureau)",
    });
    const holders: Record<string, { key: string; department: string }> = {};
    for (const manifest of manifests) {
      const member = await createPrincipal(tx, {
        role: "holder",
        name: `Demo data officer for ${manifest.name}`,
        organization: manifest.holder.department,
      });
      holders[manifest.name] = {
        key: (await issueApiKey(tx, member.id)).key,
        department: manifest.holder.department,
      };
    }
    const license = await grantLicense(tx, demoLicense(operator.id, manifests));
    const result: DemoCredentials = {
      bureau: { key: (await issueApiKey(tx, bureau.id)).key },
      bureau2: { key: (await issueApiKey(tx, secondOfficer.id)).key },
      holders,
      auditor: { key: (await issueApiKey(tx, auditor.id)).key },
      operator: { key: (await issueApiKey(tx, operator.id)).key, license: license.license.id },
    };
    // Written before the commit: if the commit fails the file is junk, if the process dies after
    // it the next start finds the keys here instead of losing them.
    await writeFile(partial, `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 });
    return result;
  });
  if (!credentials) {
    // A start that died between committing the principals and renaming the file left the keys here.
    if (existsSync(partial) && !existsSync(folder.credentialsFile))
      await rename(partial, folder.credentialsFile);
    return undefined;
  }
  await rename(partial, folder.credentialsFile);
  return credentials;
}

/**
 * The demo license's privacy budget on each differentially private dataset (docs/security.md,
 * "Grade 3: what a budget lets an attacker learn", says why these figures).
 */
export const DEMO_BUDGET: PrivacyBudget = DEFAULT_PRIVACY_BUDGET;

/**
 * What the demo license grants on each dataset: every one, with `budget` (the demo's by default) on
 * the differentially private ones (the reconstruction benchmark's attacker holds the same).
 */
export function demoGrant(
  manifests: readonly DatasetManifest[],
  budget: PrivacyBudget = DEMO_BUDGET,
): License["datasets"] {
  return manifests.map((m) => (m.grade >= 3 ? { name: m.name, epsilon: { ...budget } } : { name: m.name }));
}

/** A year-long license on every demo dataset, with an ε budget on the differentially private ones. */
function demoLicense(operatorId: string, manifests: readonly DatasetManifest[]): License {
  const from = new Date();
  const to = new Date(from.getTime() + 365 * 24 * 3600 * 1000);
  return {
    id: "lic_demo_urban_analytics",
    operator: operatorId,
    purpose: "urban-analytics",
    validFrom: from.toISOString(),
    validTo: to.toISOString(),
    datasets: demoGrant(manifests),
    quotas: {},
    releaseMode: "auto",
  };
}
