import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { domainSigningKeyFromPem } from "../audit/signing-key.ts";
import { DomainError } from "../policies/errors.ts";
import {
  createDataFileKey,
  type DataFileEncryption,
  dataFileKeyFile,
  isEncryptedDataFile,
  rewrapDataFileKey,
} from "../storage/at-rest/data-file-key.ts";
import {
  type KeyEncryptionKey,
  type KeyEncryptionKeySources,
  loadKeyEncryptionKey,
} from "../storage/at-rest/key-encryption-key.ts";
import {
  isSealed,
  openSealedValue,
  rewrapSealedValue,
  sealedUnder,
  sealValue,
} from "../storage/at-rest/sealed-file.ts";
import { replaceFileDurably } from "../storage/durable-file.ts";
import { fileDigest } from "../storage/file-digest.ts";
import type { SqlStore } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import type { DataFolder } from "./data-folder.ts";
import { loadVersionFile } from "./data-supply.ts";

/**
 * Encryption at rest of a data folder: the domain signing key sealed under the key-encryption key
 * (KEK), and each data version's DuckDB file encrypted by DuckDB under a data key the KEK wraps. The audit log is not encrypted:
 * an auditor verifies it with the public key alone.
 */

/** What /readyz and the start banner say about encryption at rest on this node. */
export type AtRestReport =
  | { readonly encryption: "on"; readonly kek: string; readonly source: string }
  | { readonly encryption: "off"; readonly warning: string };

export interface AtRestSettings extends KeyEncryptionKeySources {
  /** `strict` refuses to start without a KEK; `best-effort` starts, saying encryption is off. */
  readonly mode: "strict" | "best-effort";
}

/** The node's KEK (or none) and what to report; throws in strict mode without one. */
export async function openAtRest(
  settings: AtRestSettings,
): Promise<{ readonly kek: KeyEncryptionKey | undefined; readonly report: AtRestReport }> {
  const kek = await loadKeyEncryptionKey(settings);
  if (kek) return { kek, report: { encryption: "on", kek: kek.id, source: kek.source } };
  if (settings.mode === "strict")
    throw new DomainError(
      "NOT_READY",
      "AT_REST_ENCRYPTION=strict and no key-encryption key is configured: set KEK_FILE (a file holding 32 random bytes, base64) or KEK",
    );
  return {
    kek: undefined,
    report: {
      encryption: "off",
      warning:
        "encryption at rest is off: the signing key, control-plane secrets and data files are stored in the clear (set KEK_FILE or KEK)",
    },
  };
}

const DOMAIN_KEY = "domain signing key";

/** Opens `domain-key.pem` whether sealed (needs the KEK) or plain (a folder without a KEK, or an older release's). */
export async function loadDomainKey(
  folder: Pick<DataFolder, "privateKeyFile" | "publicKeyFile">,
  kek: KeyEncryptionKey | undefined,
) {
  const text = await readFile(folder.privateKeyFile, "utf8");
  let privatePem = text;
  if (isSealed(text)) {
    if (!kek)
      throw new DomainError(
        "NOT_READY",
        `the domain signing key is sealed under the key-encryption key ${sealedUnder(text)}: start with KEK_FILE or KEK set`,
      );
    privatePem = (await openSealedValue(kek, DOMAIN_KEY, text)).toString("utf8");
  }
  return domainSigningKeyFromPem(privatePem, await readFile(folder.publicKeyFile, "utf8"));
}

/** The text of `domain-key.pem` for a new key: sealed when there is a KEK. */
export async function domainKeyFileText(
  privatePem: string,
  kek: KeyEncryptionKey | undefined,
): Promise<string> {
  return kek ? sealValue(kek, DOMAIN_KEY, Buffer.from(privatePem, "utf8")) : privatePem;
}

/** Seals a plain `domain-key.pem` under the KEK in place; true when it did. */
export async function sealDomainKey(
  folder: Pick<DataFolder, "privateKeyFile">,
  kek: KeyEncryptionKey,
): Promise<boolean> {
  const text = await readFile(folder.privateKeyFile, "utf8");
  if (isSealed(text)) return false;
  await replaceFileDurably(
    folder.privateKeyFile,
    await sealValue(kek, DOMAIN_KEY, Buffer.from(text, "utf8")),
  );
  return true;
}

export interface EncryptedVersion {
  readonly dataset: string;
  readonly version: number;
  readonly from: string;
  readonly to: string;
}

/**
 * Encrypts the data version files written in the clear (by an older release, or by a start
 * without a KEK): each is copied by DuckDB into a new encrypted file under a data key of its own,
 * and the control plane's record of the version (file, file SHA-256) switches to it in one
 * audited transaction; then the plain file is removed. The data and its hash (`sha256` of what
 * was supplied) are unchanged, so receipts and jobs that name the version still hold.
 */
export async function encryptDataVersions(
  deps: {
    readonly store: Pick<SqlStore, "transaction" | "query">;
    readonly audit: AuditSink;
    readonly datasetsDir: string;
    readonly encryption: DataFileEncryption;
  },
  actor = "upgrade",
): Promise<EncryptedVersion[]> {
  const versions = await deps.store.query<{
    dataset: string;
    version: number;
    file: string;
    file_sha256: string;
  }>("SELECT dataset, version, file, file_sha256 FROM data_versions ORDER BY dataset, version");
  const done: EncryptedVersion[] = [];
  for (const row of versions) {
    const plain = join(deps.datasetsDir, row.file);
    if (!existsSync(plain) || isEncryptedDataFile(plain)) continue;
    const relative = row.file.replace(/-[0-9a-f]{8}\.duckdb$/, `-${randomBytes(4).toString("hex")}.duckdb`);
    const target = join(deps.datasetsDir, relative);
    const key = await createDataFileKey(deps.encryption.kek, target);
    try {
      const loaded = await loadVersionFile(
        row.dataset,
        undefined,
        { format: "duckdb", path: plain, table: row.dataset },
        target,
        { key, writer: deps.encryption.writer },
      );
      if (loaded.kind === "refused")
        throw new Error(`data version ${row.version} of ${row.dataset}: ${loaded.reason}`);
      const { sha256 } = await fileDigest(target);
      await deps.store.transaction(async (tx) => {
        await tx.run(
          "UPDATE data_versions SET file = $1, file_sha256 = $2 WHERE dataset = $3 AND version = $4",
          [relative, sha256, row.dataset, row.version],
        );
        await deps.audit.appendIn(tx, [
          {
            type: "dataset.version_encrypted",
            actor,
            subject: { datasets: [row.dataset] },
            data: {
              dataset: row.dataset,
              version: Number(row.version),
              previousFileSha256: row.file_sha256,
              fileSha256: sha256,
              kek: deps.encryption.kek.id,
            },
          },
        ]);
      });
    } catch (error) {
      await rm(target, { force: true });
      await rm(dataFileKeyFile(target), { force: true });
      throw error;
    }
    await rm(plain, { force: true });
    await rm(`${plain}.wal`, { force: true });
    done.push({ dataset: row.dataset, version: Number(row.version), from: row.file, to: relative });
  }
  return done;
}

export interface RotationReport {
  readonly from: string;
  readonly to: string;
  /** Files whose wrapped keys now name the new KEK. */
  readonly rewrapped: readonly string[];
}

/**
 * Rotates the KEK of a data folder: every data key it wraps (the signing key's, each data file's) is unwrapped with `from` and wrapped with `to`; no data is rewritten. Each file
 * is replaced whole, and one already under `to` is left alone, so a rotation cut short is finished
 * by running it again. Run with the node stopped; start it with the new KEK.
 */
export async function rotateKeyEncryptionKey(
  folder: Pick<DataFolder, "dir" | "privateKeyFile" | "datasetsDir">,
  from: KeyEncryptionKey,
  to: KeyEncryptionKey,
): Promise<RotationReport> {
  const rewrapped: string[] = [];
  for (const file of [folder.privateKeyFile]) {
    if (!existsSync(file)) continue;
    const text = await readFile(file, "utf8");
    if (!isSealed(text) || sealedUnder(text) === to.id) continue;
    await replaceFileDurably(file, await rewrapSealedValue(from, to, text));
    rewrapped.push(file);
  }
  for (const keyFile of await dataKeyFiles(folder.datasetsDir)) {
    const wrapped = JSON.parse(await readFile(keyFile, "utf8")) as { kek: string };
    if (wrapped.kek === to.id) continue;
    await rewrapDataFileKey(from, to, keyFile.slice(0, -".key".length));
    rewrapped.push(keyFile);
  }
  return { from: from.id, to: to.id, rewrapped };
}

async function dataKeyFiles(datasetsDir: string): Promise<string[]> {
  if (!existsSync(datasetsDir)) return [];
  const entries = await readdir(datasetsDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".duckdb.key"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
