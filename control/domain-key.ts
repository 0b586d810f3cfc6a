import { createHmac, createPublicKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  type CryptoProfile,
  type CryptoProfileName,
  cryptoProfile,
  profileOfKey,
} from "../audit/crypto-profile.ts";
import type { DomainKeyFiles } from "../audit/signing-key.ts";
import { DomainError } from "../policies/errors.ts";
import type { KeyEncryptionKey } from "../storage/at-rest/key-encryption-key.ts";
import { writeFileDurably } from "../storage/durable-file.ts";
import { domainKeyFileText } from "./at-rest.ts";

/**
 * The domain's signing key: receipts, audit checkpoints and statements are signed with it, and
 * auditors verify them with the public half. Generated once, on first start, of the crypto profile
 * chosen then (Ed25519 for `international`, SM2 for `sm`); never replaced by a later start (a new
 * key would orphan every receipt already issued), so the profile is fixed with it.
 */

/**
 * Creates the key pair of the profile unless the private key exists; returns true when it created
 * one. With a key-encryption key the private key is written sealed under it, never in the clear.
 */
export async function ensureDomainKey(
  files: DomainKeyFiles,
  profile: CryptoProfile = cryptoProfile("international"),
  kek?: KeyEncryptionKey,
): Promise<boolean> {
  const { privateKey, publicKey } = profile.generateSigningKey();
  const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  try {
    // Exclusive: it fails if the file exists, so two racing starts cannot both write a key.
    await writeFileDurably(files.privateKeyFile, await domainKeyFileText(privatePem, kek), {
      mode: 0o600,
      exclusive: true,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  await writeFileDurably(files.publicKeyFile, publicKey.export({ type: "spki", format: "pem" }), {
    mode: 0o644,
  });
  return true;
}

/**
 * The folder's crypto profile, which its key fixes. A profile asked for (CRYPTO_PROFILE) that is
 * not the folder's is refused: switching would make every signature and hash already issued
 * unverifiable under the new algorithms.
 */
export async function domainCryptoProfile(
  files: DomainKeyFiles,
  wanted: CryptoProfileName | undefined,
): Promise<CryptoProfile> {
  // The public half fixes the profile; the private half may be sealed under a KEK not needed here.
  const profile = profileOfKey(createPublicKey(await readFile(files.publicKeyFile, "utf8")));
  if (wanted !== undefined && wanted !== profile.name)
    throw new DomainError(
      "CONFLICT",
      `this data folder was created with the ${profile.name} crypto profile and keeps it: its key, log and receipts use those algorithms. Unset CRYPTO_PROFILE (or set it to ${profile.name}) to start it, or start a new data folder for the ${wanted} profile`,
    );
  return profile;
}

/** The public key in PEM, as published to auditors. */
export async function readDomainPublicKey(files: DomainKeyFiles): Promise<string> {
  return readFile(files.publicKeyFile, "utf8");
}

/**
 * The secret that seeds grade 2's sticky noise (policies/sticky-noise.ts), derived from the domain's
 * private key: every node of a domain derives the same, so a figure is the same whichever runner
 * computes it, and an operator, who never holds the key, cannot subtract the noise.
 */
export function noiseSaltOf(privateKey: KeyObject): Uint8Array {
  return createHmac("sha256", privateKey.export({ type: "pkcs8", format: "der" }))
    .update("aos sticky noise salt v1")
    .digest();
}
