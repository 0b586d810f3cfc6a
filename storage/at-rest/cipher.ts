import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * An authenticated cipher for data at rest: what seals control-plane secrets, the domain signing
 * key and the data keys under the key-encryption key. The domain's crypto profile picks one
 * (AES-256-GCM for `international`; the `sm` profile plugs SM4-GCM in through the same shape).
 */
export interface DataCipher {
  /** The name recorded beside what it sealed, so a reader picks the same cipher back. */
  readonly name: string;
  /** Key length in bytes. */
  readonly keyBytes: number;
  /** Nonce, ciphertext and tag in one buffer; `context` is authenticated, not stored. */
  seal(key: Buffer, plaintext: Buffer, context: string): Buffer;
  /** The plaintext, or an error when the key, the context or any byte is not the sealed one. */
  open(key: Buffer, sealed: Buffer, context: string): Buffer;
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A GCM cipher of Node's OpenSSL by its name there (`aes-256-gcm`, `sm4-gcm`). */
export function gcmCipher(name: string, keyBytes: number): DataCipher {
  return {
    name,
    keyBytes,
    seal(key, plaintext, context) {
      // A random 96-bit nonce per seal: each key seals few values (one data key, one secret).
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv(name as "aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, "utf8"));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([nonce, body, cipher.getAuthTag()]);
    },
    open(key, sealed, context) {
      if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new Error("sealed value too short");
      const nonce = sealed.subarray(0, NONCE_BYTES);
      const tag = sealed.subarray(sealed.length - TAG_BYTES);
      const decipher = createDecipheriv(name as "aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(tag);
      return Buffer.concat([
        decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
    },
  };
}

/** AES-256-GCM, the `international` profile's cipher. */
export const aes256gcm: DataCipher = gcmCipher("aes-256-gcm", 32);

/** The ciphers a sealed value may name; a profile adds its own here. */
export const dataCiphers: ReadonlyMap<string, DataCipher> = new Map([[aes256gcm.name, aes256gcm]]);
