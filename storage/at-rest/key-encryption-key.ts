import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { aes256gcm, type DataCipher } from "./cipher.ts";

/**
 * The key-encryption key (KEK): it never encrypts data, only the data keys that do, so rotating it
 * re-wraps a few small keys and rewrites no data. A file or an environment variable holds it
 * today; a KMS or a PKCS#11 HSM implements the same two verbs without ever handing the key out.
 */
export interface KeyEncryptionKey {
  /** Names the key without revealing it: recorded beside every key it wraps, shown in /readyz. */
  readonly id: string;
  /** Where it came from, for the start banner (`KEK_FILE`, `KEK`, a KMS's name). */
  readonly source: string;
  wrap(dataKey: Buffer): Promise<WrappedKey>;
  /** The data key, or a KeyEncryptionKeyError when this KEK did not wrap it. */
  unwrap(wrapped: WrappedKey): Promise<Buffer>;
}

/** A data key sealed under a KEK, as stored (JSON) beside what it protects. */
export interface WrappedKey {
  /** The id of the KEK that wrapped it. */
  readonly kek: string;
  readonly cipher: string;
  /** Nonce, wrapped key and tag, base64. */
  readonly key: string;
}

/** A KEK that cannot open a wrapped key: wrong key, or a KEK that was rotated away. */
export class KeyEncryptionKeyError extends Error {
  readonly code = "KEK_MISMATCH";
}

/** What a data key is wrapped with: domain separation from every other use of the KEK. */
const WRAP_CONTEXT = "aos at-rest data key";

/**
 * A KEK held in this process's memory (from KEK_FILE or KEK): 32 random bytes, base64.
 *
 * @example
 * const kek = localKeyEncryptionKey(randomBytes(32), "KEK");
 */
export function localKeyEncryptionKey(
  material: Buffer,
  source: string,
  cipher: DataCipher = aes256gcm,
): KeyEncryptionKey {
  if (material.length !== cipher.keyBytes)
    throw new KeyEncryptionKeyError(
      `the key-encryption key from ${source} is ${material.length} bytes; it must be ${cipher.keyBytes} random bytes, base64 (e.g. \`openssl rand -base64 ${cipher.keyBytes}\`)`,
    );
  const key = Buffer.from(material);
  // A hash of the key under its own label: it tells keys apart, and reveals nothing usable.
  const id = `local:${createHash("sha256").update("aos kek id\0").update(key).digest("hex").slice(0, 16)}`;
  return {
    id,
    source,
    async wrap(dataKey) {
      return {
        kek: id,
        cipher: cipher.name,
        key: cipher.seal(key, dataKey, WRAP_CONTEXT).toString("base64"),
      };
    },
    async unwrap(wrapped) {
      if (wrapped.kek !== id)
        throw new KeyEncryptionKeyError(
          `this data was sealed under the key-encryption key ${wrapped.kek}, and the key given (${source}) is ${id}: start with the KEK it was sealed under (after a rotation, the new one)`,
        );
      if (wrapped.cipher !== cipher.name)
        throw new KeyEncryptionKeyError(
          `a key wrapped with ${wrapped.cipher} cannot be opened with ${cipher.name}`,
        );
      try {
        return cipher.open(key, Buffer.from(wrapped.key, "base64"), WRAP_CONTEXT);
      } catch {
        throw new KeyEncryptionKeyError(
          `a data key wrapped under ${id} does not open with the key given (${source}): it was changed or damaged`,
        );
      }
    },
  };
}

/** Where a KEK may come from (Config: KEK_FILE, KEK). */
export interface KeyEncryptionKeySources {
  /** A file holding the key, base64 (32 bytes decoded). */
  readonly file?: string | undefined;
  /** The key itself, base64. */
  readonly base64?: string | undefined;
}

/** The configured KEK, or undefined when none is (the node then runs with at-rest encryption off). */
export async function loadKeyEncryptionKey(
  sources: KeyEncryptionKeySources,
): Promise<KeyEncryptionKey | undefined> {
  if (sources.file && sources.base64)
    throw new KeyEncryptionKeyError("set KEK_FILE or KEK, not both: which key seals the data must be plain");
  if (sources.file) {
    const text = await readFile(sources.file, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw new KeyEncryptionKeyError(`KEK_FILE ${sources.file} cannot be read (${error.code ?? "error"})`);
    });
    return localKeyEncryptionKey(decodeKey(text, "KEK_FILE"), "KEK_FILE");
  }
  if (sources.base64) return localKeyEncryptionKey(decodeKey(sources.base64, "KEK"), "KEK");
  return undefined;
}

function decodeKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed))
    throw new KeyEncryptionKeyError(`${source} must hold the key in base64 (\`openssl rand -base64 32\`)`);
  return Buffer.from(trimmed, "base64");
}

/** A new random data key for `cipher`. */
export function newDataKey(cipher: DataCipher = aes256gcm): Buffer {
  return randomBytes(cipher.keyBytes);
}
