import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
} from "node:crypto";
import { z } from "zod";
import { isSm2Key, sm2Sign, sm2Verify } from "./sm2.ts";

/**
 * The domain's algorithms, one set for everything it hashes, signs and encrypts: `international`
 * (Ed25519, SHA-256, AES-256-GCM) or `sm`, the national algorithms assessed under GB/T 39786
 * (SM2 signatures with the default user ID of GM/T 0009, SM3, SM4). Chosen when a data folder is
 * created and fixed afterwards: the domain key's type is the profile (an Ed25519 key is
 * `international`, an SM2 key `sm`), so whoever holds the published public key knows which
 * algorithms check the log and the receipts, and the log records the choice too.
 */
export const CryptoProfileName = z.enum(["international", "sm"]);
export type CryptoProfileName = z.infer<typeof CryptoProfileName>;

/** The digest algorithms, by the names digests carry where they are exchanged (`sha256:…`, `sm3:…`). */
export type DigestAlgorithm = "sha256" | "sm3";

/**
 * Authenticated encryption for data at rest under a 32-byte key. `seal` returns one self-contained
 * buffer (nonce, ciphertext, tag); `open` refuses anything altered, or sealed under another key or
 * other associated data.
 */
export interface AtRestCipher {
  readonly name: "aes-256-gcm" | "sm4-cbc-hmac-sm3";
  readonly keyBytes: 32;
  seal(key: Uint8Array, plaintext: Uint8Array, associatedData?: Uint8Array): Buffer;
  open(key: Uint8Array, sealed: Uint8Array, associatedData?: Uint8Array): Buffer;
}

export interface CryptoProfile {
  readonly name: CryptoProfileName;
  readonly digest: DigestAlgorithm;
  readonly signature: "ed25519" | "sm2";
  readonly cipher: AtRestCipher;
  /** Lowercase hex digest of the bytes (a string is hashed as UTF-8). */
  digestHex(data: string | Uint8Array): string;
  /** A new domain key pair of this profile's signature algorithm. */
  generateSigningKey(): { readonly privateKey: KeyObject; readonly publicKey: KeyObject };
  sign(message: Uint8Array, privateKey: KeyObject): Buffer;
  verify(message: Uint8Array, publicKey: KeyObject, signature: Uint8Array): boolean;
}

/** The profile's choice as the log records it (an entry of type `domain.crypto_profile`). */
export function cryptoProfileRecord(profile: CryptoProfile): Record<string, string> {
  return {
    profile: profile.name,
    signature: profile.signature,
    digest: profile.digest,
    cipher: profile.cipher.name,
  };
}

const AES_256_GCM: AtRestCipher = {
  name: "aes-256-gcm",
  keyBytes: 32,
  seal(key, plaintext, associatedData) {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", checkedKey(key), nonce);
    if (associatedData) cipher.setAAD(associatedData);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]);
  },
  open(key, sealed, associatedData) {
    const bytes = Buffer.from(sealed);
    if (bytes.length < 28) throw new AtRestCipherError();
    const decipher = createDecipheriv("aes-256-gcm", checkedKey(key), bytes.subarray(0, 12));
    if (associatedData) decipher.setAAD(associatedData);
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
    } catch {
      throw new AtRestCipherError();
    }
  },
};

/**
 * SM4 in CBC mode, then HMAC-SM3 over what was encrypted (encrypt-then-MAC): Node 20's OpenSSL has
 * no SM4-GCM. The 32-byte key is split, first half SM4, second half HMAC, so neither key serves
 * both. The tag covers the length of the associated data, the data itself, the IV and the ciphertext.
 */
const SM4_CBC_HMAC_SM3: AtRestCipher = {
  name: "sm4-cbc-hmac-sm3",
  keyBytes: 32,
  seal(key, plaintext, associatedData) {
    const { encryption, authentication } = splitKey(key);
    const iv = randomBytes(16);
    const cipher = createCipheriv("sm4-cbc", encryption, iv);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, body, sm4Tag(authentication, iv, body, associatedData)]);
  },
  open(key, sealed, associatedData) {
    const { encryption, authentication } = splitKey(key);
    const bytes = Buffer.from(sealed);
    if (bytes.length < 16 + 16 + 32 || (bytes.length - 48) % 16 !== 0) throw new AtRestCipherError();
    const iv = bytes.subarray(0, 16);
    const body = bytes.subarray(16, bytes.length - 32);
    const tag = bytes.subarray(bytes.length - 32);
    if (!timingSafeEqual(tag, sm4Tag(authentication, iv, body, associatedData)))
      throw new AtRestCipherError();
    const decipher = createDecipheriv("sm4-cbc", encryption, iv);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  },
};

/** Refusal to open sealed bytes: nothing about why, so the answer is no padding or tag oracle. */
export class AtRestCipherError extends Error {
  constructor() {
    super("the sealed data does not open with this key: it was altered, or sealed under another key");
  }
}

function checkedKey(key: Uint8Array): Buffer {
  if (key.length !== 32) throw new RangeError("an at-rest key is 32 bytes");
  return Buffer.from(key);
}

function splitKey(key: Uint8Array): { encryption: Buffer; authentication: Buffer } {
  const whole = checkedKey(key);
  return { encryption: whole.subarray(0, 16), authentication: whole.subarray(16) };
}

function sm4Tag(key: Buffer, iv: Buffer, body: Buffer, associatedData: Uint8Array | undefined): Buffer {
  const length = Buffer.alloc(8);
  length.writeBigUInt64BE(BigInt(associatedData?.length ?? 0));
  return createHmac("sm3", key)
    .update(length)
    .update(associatedData ?? Buffer.alloc(0))
    .update(iv)
    .update(body)
    .digest();
}

/** The lowercase hex digest function of one algorithm (a string is hashed as UTF-8). */
export function digestHexWith(algorithm: DigestAlgorithm): (data: string | Uint8Array) => string {
  return (data) =>
    (typeof data === "string"
      ? createHash(algorithm).update(data, "utf8")
      : createHash(algorithm).update(data)
    ).digest("hex");
}

export const INTERNATIONAL: CryptoProfile = {
  name: "international",
  digest: "sha256",
  signature: "ed25519",
  cipher: AES_256_GCM,
  digestHex: digestHexWith("sha256"),
  generateSigningKey: () => generateKeyPairSync("ed25519"),
  sign: (message, privateKey) => sign(null, message, privateKey),
  verify: (message, publicKey, signature) => verify(null, message, publicKey, signature),
};

export const SM: CryptoProfile = {
  name: "sm",
  digest: "sm3",
  signature: "sm2",
  cipher: SM4_CBC_HMAC_SM3,
  digestHex: digestHexWith("sm3"),
  generateSigningKey: () => generateKeyPairSync("ec", { namedCurve: "SM2" }),
  sign: (message, privateKey) => sm2Sign(message, privateKey),
  verify: (message, publicKey, signature) => sm2Verify(message, publicKey, signature),
};

/** The profile of that name. */
export function cryptoProfile(name: CryptoProfileName): CryptoProfile {
  return name === "sm" ? SM : INTERNATIONAL;
}

/**
 * The profile a domain key belongs to: Ed25519 is `international`, SM2 `sm`. Any other key is
 * refused, so a verifier can never be pointed at, say, an RSA key with other semantics.
 */
export function profileOfKey(key: KeyObject): CryptoProfile {
  let profile = profiles.get(key);
  if (profile === undefined) {
    if (key.type !== "secret" && key.asymmetricKeyType === "ed25519") profile = INTERNATIONAL;
    else if (isSm2Key(key)) profile = SM;
    else throw new TypeError("expected an Ed25519 or SM2 domain key");
    profiles.set(key, profile);
  }
  return profile;
}

/** Telling an SM2 key apart means encoding it: done once per key object. */
const profiles = new WeakMap<KeyObject, CryptoProfile>();

/** A domain's public key (Ed25519 or SM2) from PEM text or a key object, and its profile. */
export function domainPublicKey(key: string | KeyObject): { publicKey: KeyObject; profile: CryptoProfile } {
  const publicKey =
    typeof key === "string" ? createPublicKey(key) : key.type === "private" ? createPublicKey(key) : key;
  return { publicKey, profile: profileOfKey(publicKey) };
}
