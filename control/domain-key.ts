import { generateKeyPairSync } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import type { DomainKeyFiles } from "../audit/signing-key.ts";
import type { KeyEncryptionKey } from "../storage/at-rest/key-encryption-key.ts";
import { domainKeyFileText } from "./at-rest.ts";

/**
 * The domain's Ed25519 signing key: receipts and audit checkpoints are signed with it, and
 * auditors verify them with the public half. Generated once, on first start; never replaced
 * by a later start (a new key would orphan every receipt already issued).
 */

/**
 * Creates the key pair unless the private key exists; returns true when it created one. With a
 * key-encryption key the private key is written sealed under it, never in the clear.
 */
export async function ensureDomainKey(files: DomainKeyFiles, kek?: KeyEncryptionKey): Promise<boolean> {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  try {
    // "wx" fails if the file exists, so two racing starts cannot both write a key.
    await writeFile(files.privateKeyFile, await domainKeyFileText(privatePem, kek), {
      mode: 0o600,
      flag: "wx",
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  await writeFile(files.publicKeyFile, publicKey.export({ type: "spki", format: "pem" }), { mode: 0o644 });
  return true;
}

/** The public key in PEM, as published to auditors. */
export async function readDomainPublicKey(files: DomainKeyFiles): Promise<string> {
  return readFile(files.publicKeyFile, "utf8");
}
