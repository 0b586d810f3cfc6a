import { type KeyObject, sign, verify } from "node:crypto";
import { z } from "zod";
import { canonicalJson } from "./canonical-json.ts";
import { outputFileSha256Candidates } from "./output-digest.ts";
import { ed25519PublicKey, keyFingerprint } from "./signing-key.ts";

const Id = z.string().min(1).max(200);
const Base64Url = z.string().regex(/^[A-Za-z0-9_-]+$/, "base64url");

/**
 * What the domain attests when it releases a job's outputs: who got what, under which license and
 * policies, when, and where the release is recorded in the audit log.
 */
export const ReceiptClaims = z.strictObject({
  job: Id,
  operator: Id,
  license: Id,
  purpose: z.string().min(1),
  /** Policy version in force per dataset (e.g. `{ population: 3 }`). */
  policyVersions: z.record(z.string(), z.union([z.number().int(), z.string()])),
  /** Each output's name and the SHA-256 of its served bytes (`outputSha256`). */
  outputs: z
    .array(z.strictObject({ name: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) }))
    .min(1)
    .refine(
      (outputs) => new Set(outputs.map((o) => o.name)).size === outputs.length,
      "output names must be unique",
    ),
  releasedAt: z.iso.datetime(),
  /** Position of the `output.released` entry in the audit log. */
  logPosition: z.number().int().nonnegative(),
});
export type ReceiptClaims = z.infer<typeof ReceiptClaims>;

/**
 * The signed payload: the claims plus a type tag and the signing key's fingerprint. The tag keeps a
 * receipt signature from ever being valid as a checkpoint signature (and back); the fingerprint
 * tells a verifier which published key to use.
 */
export const ReceiptPayload = ReceiptClaims.extend({
  type: z.literal("aos.release-receipt"),
  version: z.literal(1),
  key: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});
export type ReceiptPayload = z.infer<typeof ReceiptPayload>;

/**
 * A release receipt as handed to the operator: `payload` is the base64url of the payload's
 * canonical JSON, `signature` the base64url Ed25519 signature over those bytes. Carrying the exact
 * signed bytes means no re-serialisation can ever make a genuine receipt fail.
 */
export const Receipt = z.strictObject({ payload: Base64Url, signature: Base64Url });
export type Receipt = z.infer<typeof Receipt>;

/**
 * Signs a release receipt with the domain key.
 *
 * @example
 * const receipt = issueReceipt({
 *   job: "job_1", operator: "op_1", license: "lic_1", purpose: "district income study",
 *   policyVersions: { population: 3 }, outputs: [{ name: "by_district", sha256: outputSha256(rows) }],
 *   releasedAt: new Date().toISOString(), logPosition: entry.position,
 * }, key.privateKey);
 */
export function issueReceipt(claims: ReceiptClaims, privateKey: KeyObject): Receipt {
  const payload: ReceiptPayload = {
    ...ReceiptClaims.parse(claims),
    type: "aos.release-receipt",
    version: 1,
    key: fingerprintOf(privateKey),
  };
  const bytes = Buffer.from(canonicalJson(payload), "utf8");
  return {
    payload: bytes.toString("base64url"),
    signature: sign(null, bytes, privateKey).toString("base64url"),
  };
}

/** Fingerprints of the keys receipts are signed with: deriving and encoding the public key per receipt cost more than signing. */
const fingerprints = new WeakMap<KeyObject, string>();
function fingerprintOf(privateKey: KeyObject): string {
  let fingerprint = fingerprints.get(privateKey);
  if (fingerprint === undefined) {
    fingerprint = keyFingerprint(ed25519PublicKey(privateKey));
    fingerprints.set(privateKey, fingerprint);
  }
  return fingerprint;
}

/** An output file to check against a receipt: its bytes, and optionally the name it was released under. */
export interface ReceiptOutput {
  readonly content: Uint8Array;
  readonly name?: string;
}

export type ReceiptVerification =
  | { readonly valid: true; readonly payload: ReceiptPayload; readonly output?: string }
  | { readonly valid: false; readonly reason: string; readonly payload?: ReceiptPayload };

/**
 * Checks that a receipt was signed by the domain whose public key is given and, with an output, that
 * the output is one the receipt lists (under `name`, when given). Returns the payload, so a verifier
 * sees to whom and under which license the output was released. `output` in the answer is the name
 * of the matching output.
 *
 * @example
 * const result = verifyReceipt(receipt, publicKeyPem, { content: await readFile("by_district.json") });
 * if (result.valid) console.log(`released to ${result.payload.operator} for job ${result.payload.job}`);
 */
export function verifyReceipt(
  receipt: unknown,
  publicKey: string | KeyObject,
  output?: ReceiptOutput,
): ReceiptVerification {
  const parsed = Receipt.safeParse(receipt);
  if (!parsed.success) return { valid: false, reason: "not a receipt ({ payload, signature } in base64url)" };
  const bytes = Buffer.from(parsed.data.payload, "base64url");
  const key = ed25519PublicKey(publicKey);
  if (!verify(null, bytes, key, Buffer.from(parsed.data.signature, "base64url"))) {
    return { valid: false, reason: "signature does not verify with this public key" };
  }
  let payload: ReceiptPayload;
  try {
    payload = ReceiptPayload.parse(JSON.parse(bytes.toString("utf8")));
  } catch {
    return { valid: false, reason: "signed payload is not a release receipt" };
  }
  if (payload.key !== keyFingerprint(key))
    return { valid: false, reason: "receipt names another key", payload };
  if (output === undefined) return { valid: true, payload };

  const candidates = outputFileSha256Candidates(output.content);
  const listed = payload.outputs.filter((o) => output.name === undefined || o.name === output.name);
  if (listed.length === 0)
    return { valid: false, reason: `the receipt lists no output named ${output.name}`, payload };
  const match = listed.find((o) => candidates.includes(o.sha256));
  if (match === undefined)
    return { valid: false, reason: "the output's hash is not the one the receipt lists", payload };
  return { valid: true, payload, output: match.name };
}
