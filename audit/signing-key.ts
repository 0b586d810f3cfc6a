import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";

/** Where a domain's key pair lives (the data folder's `domain-key.pem` and `domain-key.pub.pem`). */
export interface DomainKeyFiles {
  readonly privateKeyFile: string;
  readonly publicKeyFile: string;
}

/** The domain's Ed25519 key pair as node:crypto key objects. */
export interface DomainSigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/**
 * Loads the domain key written by `ensureDomainKey` (pkcs8 PEM private, spki PEM public) and checks
 * that both halves are Ed25519 and belong together: a mismatched pair would sign checkpoints and
 * receipts that the published key can never verify.
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
  if (privateKey.asymmetricKeyType !== "ed25519" || publicKey.asymmetricKeyType !== "ed25519") {
    throw new Error("the domain key must be Ed25519");
  }
  if (keyFingerprint(createPublicKey(privateKey)) !== keyFingerprint(publicKey)) {
    throw new Error("domain-key.pub.pem is not the public half of domain-key.pem");
  }
  return { privateKey, publicKey };
}

/**
 * An Ed25519 public key from PEM text or a key object; refuses other key types, so a verifier can
 * never be pointed at, say, an RSA key with different semantics.
 */
export function ed25519PublicKey(key: string | KeyObject): KeyObject {
  const publicKey =
    typeof key === "string" ? createPublicKey(key) : key.type === "private" ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== "ed25519") throw new TypeError("expected an Ed25519 public key");
  return publicKey;
}

/**
 * A short, stable name of a public key: `sha256:` and the hex SHA-256 of its SPKI DER encoding.
 * Receipts carry it so a verifier can tell which published key to use.
 */
export function keyFingerprint(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  return `sha256:${createHash("sha256").update(der).digest("hex")}`;
}
