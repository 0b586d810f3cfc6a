import type { KeyObject } from "node:crypto";
import { z } from "zod";
import { canonicalJsonBytes } from "./canonical-json.ts";
import { profileOfKey } from "./crypto-profile.ts";

/**
 * A signed statement by the domain: "entry `position` of my audit log has hash `hash`", made at
 * `time`. Since the hash commits to the whole chain before it, a checkpoint pins every earlier
 * entry too. An auditor who keeps one can later prove that the log was not truncated or rewritten
 * behind it. Checkpoints are written into the log itself (entries of type `checkpoint` whose `data`
 * is this object), so an export carries them and their removal breaks the chain.
 */
export const Checkpoint = z.strictObject({
  position: z.number().int().nonnegative(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  time: z.iso.datetime(),
  /** The domain key's signature (base64url; Ed25519, or SM2 DER in the `sm` profile) over `checkpointMessage`. */
  signature: z.string().regex(/^[A-Za-z0-9_-]+$/),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

/** What a checkpoint claims, before it is signed. */
export type CheckpointClaim = Omit<Checkpoint, "signature">;

/**
 * The signed bytes. The `type` field separates this from every other thing the domain key signs
 * (release receipts): a checkpoint signature can never be passed off as a receipt, or vice versa.
 */
export function checkpointMessage(claim: CheckpointClaim): Buffer {
  return canonicalJsonBytes({
    type: "aos.audit.checkpoint",
    version: 1,
    position: claim.position,
    hash: claim.hash,
    time: claim.time,
  });
}

/**
 * Signs a checkpoint with the domain's private key.
 *
 * @example
 * const checkpoint = signCheckpoint({ position: 41, hash: entry.hash, time: entry.time }, key.privateKey);
 */
export function signCheckpoint(claim: CheckpointClaim, privateKey: KeyObject): Checkpoint {
  const signature = profileOfKey(privateKey).sign(checkpointMessage(claim), privateKey).toString("base64url");
  return { position: claim.position, hash: claim.hash, time: claim.time, signature };
}

/** True when the signature is the domain key's over exactly this claim. */
export function checkpointSignatureValid(checkpoint: Checkpoint, publicKey: KeyObject): boolean {
  return profileOfKey(publicKey).verify(
    checkpointMessage(checkpoint),
    publicKey,
    Buffer.from(checkpoint.signature, "base64url"),
  );
}
