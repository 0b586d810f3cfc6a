import { createPublicKey, type KeyObject } from "node:crypto";
import { tableFromIPC } from "apache-arrow";
import { z } from "zod";
import { canonicalJson } from "./canonical-json.ts";
import { type CryptoProfile, domainPublicKey, profileOfKey } from "./crypto-profile.ts";
import {
  csvFileDigestCandidates,
  outputCsvDigest,
  outputDigest,
  outputFileDigestCandidates,
  outputFileFormat,
} from "./output-digest.ts";
import { outputRowsOfArrow } from "./output-table.ts";
import { keyFingerprint } from "./signing-key.ts";

const Id = z.string().min(1).max(200);
const Base64Url = z.string().regex(/^[A-Za-z0-9_-]+$/, "base64url");
const Digest = z.string().regex(/^[0-9a-f]{64}$/, "a lowercase hex 256-bit digest");

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
  /**
   * Each output's name, the digest of its served JSON bytes (`outputDigest`) and, in receipts
   * issued since CSV downloads verify, of its CSV (`outputCsvDigest`, below any "#" comment lines).
   * The member names say the algorithm: `sha256`/`csvSha256` under an Ed25519 key, `sm3`/`csvSm3`
   * under an SM2 key (the `sm` crypto profile).
   */
  outputs: z
    .array(
      z
        .strictObject({
          name: z.string().min(1),
          sha256: Digest.optional(),
          csvSha256: Digest.optional(),
          sm3: Digest.optional(),
          csvSm3: Digest.optional(),
        })
        .refine(
          (o) =>
            o.sha256 !== undefined
              ? o.sm3 === undefined && o.csvSm3 === undefined
              : o.sm3 !== undefined && o.csvSha256 === undefined,
          "an output lists its digests under one algorithm: sha256 (and csvSha256) or sm3 (and csvSm3)",
        ),
    )
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
  /** The signing key's fingerprint, `sha256:…` (Ed25519) or `sm3:…` (SM2). */
  key: z.string().regex(/^(sha256|sm3):[0-9a-f]{64}$/),
});
export type ReceiptPayload = z.infer<typeof ReceiptPayload>;

/**
 * A release receipt as handed to the operator: `payload` is the base64url of the payload's
 * canonical JSON, `signature` the base64url signature over those bytes by the domain key (Ed25519,
 * or SM2 with the default user ID as DER in the `sm` profile). Carrying the exact
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
 *   policyVersions: { population: 3 }, outputs: [{ name: "by_district", ...outputDigests(rows, types, profile) }],
 *   releasedAt: new Date().toISOString(), logPosition: entry.position,
 * }, key.privateKey);
 */
export function issueReceipt(claims: ReceiptClaims, privateKey: KeyObject): Receipt {
  const profile = profileOfKey(privateKey);
  // A receipt whose digests are not its key's profile's would never verify: refuse to issue it.
  if (claims.outputs.some((o) => digestsOf(o, profile) === undefined))
    throw new TypeError(`a receipt signed by this key lists ${profile.digest} output digests`);
  const payload: ReceiptPayload = {
    ...ReceiptClaims.parse(claims),
    type: "aos.release-receipt",
    version: 1,
    key: fingerprintOf(privateKey),
  };
  const bytes = Buffer.from(canonicalJson(payload), "utf8");
  return {
    payload: bytes.toString("base64url"),
    signature: profile.sign(bytes, privateKey).toString("base64url"),
  };
}

/** Fingerprints of the keys receipts are signed with: deriving and encoding the public key per receipt cost more than signing. */
const fingerprints = new WeakMap<KeyObject, string>();
function fingerprintOf(privateKey: KeyObject): string {
  let fingerprint = fingerprints.get(privateKey);
  if (fingerprint === undefined) {
    fingerprint = keyFingerprint(createPublicKey(privateKey));
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
 * of the matching output. The output file may be in any form the gateway serves: JSON (its bytes or
 * their canonical form match `sha256`), CSV (matches `csvSha256`, which receipts list since CSV
 * downloads verify; comment lines starting with "#" are ignored) or Arrow (re-read into JSON and
 * CSV). A mismatch says what the file's format can and cannot prove (docs/receipts.md).
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
  const { publicKey: key, profile } = domainPublicKey(publicKey);
  if (!profile.verify(bytes, key, Buffer.from(parsed.data.signature, "base64url"))) {
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
  if (payload.outputs.some((o) => digestsOf(o, profile) === undefined))
    return {
      valid: false,
      reason: `the receipt's output digests are not ${profile.digest}, the digest of its key's crypto profile`,
      payload,
    };
  if (output === undefined) return { valid: true, payload };

  const listed = payload.outputs.filter((o) => output.name === undefined || o.name === output.name);
  if (listed.length === 0)
    return { valid: false, reason: `the receipt lists no output named ${output.name}`, payload };
  const format = outputFileFormat(output.content);
  const json = format === "json" ? outputFileDigestCandidates(output.content, profile) : [];
  const csv = format === "csv" ? csvFileDigestCandidates(output.content, profile) : [];
  if (format === "arrow") {
    const reread = arrowFileCandidates(output.content, profile);
    if (reread === undefined)
      return {
        valid: false,
        reason:
          "this file is Arrow but could not be read as an Arrow IPC stream; download the output again, or as JSON (Accept: application/json, aos output --format json)",
        payload,
      };
    json.push(...reread.json);
    csv.push(...reread.csv);
  }
  const match = listed.find((o) => {
    const digests = digestsOf(o, profile);
    return (
      digests !== undefined &&
      (json.includes(digests.json) || (digests.csv !== undefined && csv.includes(digests.csv)))
    );
  });
  if (match !== undefined) return { valid: true, payload, output: match.name };
  return { valid: false, reason: mismatchReason(format, listed), payload };
}

/** Why a file matched no listed output: for CSV and Arrow, say what the format can and cannot prove. */
function mismatchReason(format: "json" | "csv" | "arrow", listed: ReceiptPayload["outputs"]): string {
  const rest =
    "if it was downloaded from the domain, download it again; otherwise it is not the output the receipt lists";
  if (format === "json") return "the output's hash is not the one the receipt lists";
  if (format === "csv" && listed.every((o) => o.csvSha256 === undefined && o.csvSm3 === undefined))
    return "this file is CSV, and this receipt (issued before receipts covered CSV) lists only the hash of the output's JSON form; CSV does not keep types, so it cannot be re-read into that form: download the output as JSON (Accept: application/json, aos output JOB NAME --format json) and verify that file";
  if (format === "csv")
    return `this file is CSV and its cells are not the CSV of the output the receipt lists (comment lines starting with "#" and line ends are ignored): ${rest}`;
  return `this file is Arrow and its values, re-read, hash neither as the output's JSON nor as its CSV; a column mixing numbers and text cannot be re-read exactly from Arrow, so download the output as JSON or CSV and verify that file; ${rest}`;
}

/**
 * An Arrow file re-read into the forms a receipt hashes: the canonical JSON of its rows (with
 * every column, and without null cells, since rows may omit a column) and their CSV. Arrow keeps
 * types, so numbers, strings and booleans come back as they were served; 64-bit integers as
 * numbers when exact, else as text. Undefined when the bytes are not an Arrow IPC stream or file.
 */
function arrowFileCandidates(
  content: Uint8Array,
  profile: CryptoProfile,
): { json: string[]; csv: string[] } | undefined {
  let read: ReturnType<typeof outputRowsOfArrow>;
  try {
    read = outputRowsOfArrow(tableFromIPC(content));
  } catch {
    return undefined;
  }
  const { rows, types } = read;
  const withoutNulls = rows.map((row) =>
    Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null)),
  );
  return {
    json: [outputDigest(rows, profile), outputDigest(withoutNulls, profile)],
    csv: [outputCsvDigest(rows, types, profile), outputCsvDigest(rows, undefined, profile)],
  };
}

/** A listed output's JSON and CSV digests under the profile's algorithm; undefined when it lists another's. */
function digestsOf(
  output: ReceiptPayload["outputs"][number],
  profile: CryptoProfile,
): { json: string; csv?: string | undefined } | undefined {
  if (profile.digest === "sm3")
    return output.sm3 === undefined ? undefined : { json: output.sm3, csv: output.csvSm3 };
  return output.sha256 === undefined ? undefined : { json: output.sha256, csv: output.csvSha256 };
}
