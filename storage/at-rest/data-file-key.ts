import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { DuckDBConnection } from "@duckdb/node-api";
import { replaceFileDurably, writeFileDurably } from "../durable-file.ts";
import {
  type KeyEncryptionKey,
  KeyEncryptionKeyError,
  newDataKey,
  type WrappedKey,
} from "./key-encryption-key.ts";

/**
 * The data domain's DuckDB files are encrypted by DuckDB itself (AES-256-GCM per block, DuckDB's
 * database encryption). Each file has its own random data key, wrapped by the KEK and kept beside
 * the file (`<file>.key`), so a KEK rotation re-wraps these small files and rewrites no data.
 */

/** The wrapped data key of a DuckDB file: beside it, named after it. */
export function dataFileKeyFile(file: string): string {
  return `${file}.key`;
}

/** How this node writes encrypted DuckDB files (see `allowEncryptedWrites`). */
export type EncryptedWriter = "httpfs" | "mbedtls-unsafe-for-tests";

/** What DuckDB files are encrypted with here; absent: files are written and read as plain files. */
export interface DataFileEncryption {
  readonly kek: KeyEncryptionKey;
  readonly writer: EncryptedWriter;
}

/** A fresh data key for a new file, wrapped and written beside `file` (never over an existing one). */
export async function createDataFileKey(kek: KeyEncryptionKey, file: string): Promise<string> {
  const dataKey = newDataKey();
  await writeFileDurably(dataFileKeyFile(file), JSON.stringify(await kek.wrap(dataKey)), {
    mode: 0o600,
    exclusive: true,
  });
  return dataKey.toString("base64");
}

/** True when `file` was written encrypted (it has a wrapped key beside it). */
export function isEncryptedDataFile(file: string): boolean {
  return existsSync(dataFileKeyFile(file));
}

/**
 * The DuckDB key of an encrypted file, or undefined for a plain one (written by a release before
 * encryption at rest, or by a node without a KEK).
 */
export async function openDataFileKey(
  kek: KeyEncryptionKey | undefined,
  file: string,
): Promise<string | undefined> {
  const keyFile = dataFileKeyFile(file);
  if (!existsSync(keyFile)) return undefined;
  if (!kek)
    throw new KeyEncryptionKeyError(
      "this data is encrypted at rest and the node has no key-encryption key: set KEK_FILE or KEK",
    );
  const wrapped = JSON.parse(await readFile(keyFile, "utf8")) as WrappedKey;
  return (await kek.unwrap(wrapped)).toString("base64");
}

/** Re-wraps the data key of `file` from one KEK to another; the file itself is not touched. */
export async function rewrapDataFileKey(
  from: KeyEncryptionKey,
  to: KeyEncryptionKey,
  file: string,
): Promise<void> {
  const keyFile = dataFileKeyFile(file);
  const wrapped = JSON.parse(await readFile(keyFile, "utf8")) as WrappedKey;
  if (wrapped.kek === to.id) return;
  const dataKey = await from.unwrap(wrapped);
  await replaceFileDurably(keyFile, JSON.stringify(await to.wrap(dataKey)));
}

/** The options of an ATTACH of a data file: read-only or not, and its key when it is encrypted. */
export function attachOptions(readOnly: boolean, key: string | undefined): string {
  // The key is base64 of random bytes (no quote can occur in it).
  const options = [
    ...(readOnly ? ["READ_ONLY"] : []),
    ...(key === undefined ? [] : [`ENCRYPTION_KEY '${key}'`]),
  ];
  return options.length ? ` (${options.join(", ")})` : "";
}

/**
 * Makes `connection`'s instance able to write encrypted files. DuckDB reads encrypted files with
 * the crypto it carries, but writes them only with OpenSSL from its httpfs extension: its built-in
 * writer draws nonces from a non-cryptographic generator, and a repeated nonce under one GCM key
 * gives the data away. A node with a KEK therefore needs httpfs installed in DuckDB's extension
 * folder (copied there offline: see docs/security.md). The unsafe writer exists for the test
 * suite on machines without httpfs, where no real data is written; the config offers no way to it.
 */
export async function allowEncryptedWrites(
  connection: DuckDBConnection,
  writer: EncryptedWriter,
): Promise<void> {
  if (writer === "mbedtls-unsafe-for-tests") {
    await connection.run("SET force_mbedtls_unsafe = true");
    return;
  }
  try {
    await connection.run("LOAD httpfs");
  } catch {
    throw new KeyEncryptionKeyError(
      "DuckDB cannot write encrypted data files here: its httpfs extension (OpenSSL) is not installed. Install it in DuckDB's extension folder (docs/security.md, 'Encryption at rest'), or start without a KEK",
    );
  }
}
