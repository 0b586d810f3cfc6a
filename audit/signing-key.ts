import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { type CryptoProfile, profileOfKey } from "./crypto-profile.ts";

/** Where a domain's key pair lives (the data folder's `domain-key.pem` and `domain-key.pub.pem`). */
export interface DomainKeyFiles {
  readonly privateKeyFile: string;
  readonly publicKeyFile: string;
}

/** The domain's key pair (Ed25519 or SM2) as node:crypto key objects, and the profile it fixes. */
export interface DomainSigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly profile: CryptoProfile;
}

/**
 * Loads the domain key written by `ensureDomainKey` (pkcs8 PEM private, spki PEM public) and checks
 * that both halves are of one profile and belong together: a mismatched pair would sign checkpoints
 * and receipts that the published key can never verify.
 *
 * @example
 * const key = await loadDomainSigningKey(dataFolder(process.env.DATA_DIR ?? "./data"));
 */
export async function loadDomainSigningKey(files: DomainKeyFiles): Promise<DomainSigningKey> {
  return domainSigningKeyFromPem(
    await readFile(files.privateKeyFile, "utf8"),
    await readFile(files.publicKeyFile, "utf8"),
  );
}

/**
 * The key pair from its PEM texts, checked like `loadDomainSigningKey` (for a private key that
 * was stored sealed, and opened by whoever holds the key-encryption key).
 */
export function domainSigningKeyFromPem(privatePem: string, publicPem: string): DomainSigningKey {
  const privateKey = createPrivateKey(privatePem);
  const publicKey = createPublicKey(publicPem);
  let profile: CryptoProfile;
  try {
    profile = profileOfKey(privateKey);
    if (profileOfKey(publicKey) !== profile) throw new TypeError("halves of different profiles");
  } catch {
    throw new Error("the domain key must be an Ed25519 or SM2 key pair");
  }
  if (keyFingerprint(createPublicKey(privateKey)) !== keyFingerprint(publicKey)) {
    throw new Error("domain-key.pub.pem is not the public half of domain-key.pem");
  }
  return { privateKey, publicKey, profile };
}

/**
 * A short, stable name of a public key: the profile's digest algorithm and the hex digest of its
 * SPKI DER encoding (`sha256:…` for Ed25519, `sm3:…` for SM2). Receipts carry it so a verifier can
 * tell which published key, and so which algorithms, to use.
 */
export function keyFingerprint(publicKey: KeyObject): string {
  const profile = profileOfKey(publicKey);
  const der = publicKey.export({ type: "spki", format: "der" });
  return `${profile.digest}:${profile.digestHex(der)}`;
}
