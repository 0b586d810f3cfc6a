import { type Sm2PublicPoint, sm2PublicPointOf, sm2Verify } from "./sm2-verify.ts";
import { sm3Hex } from "./sm3.ts";

/**
 * Checks a release receipt in the browser against the domain's public key, under either crypto
 * profile — the same checks as audit/receipt.ts `verifyReceipt`: the signature over the payload's
 * exact bytes (Ed25519 with WebCrypto for an `international` key; SM2 with the GM/T 0009 default
 * user ID, in TypeScript, for an `sm` key, since browsers have no SM2 or SM3), the payload's type
 * and key fingerprint (the profile's digest of the key's SPKI DER: `sha256:…` or `sm3:…`), that the
 * outputs list that same digest, and that an output's digest (of its bytes as given, or of its
 * canonical JSON) is one the receipt lists. The key's SPKI says the profile; nothing else is trusted
 * to choose it.
 */

/** The crypto profile a domain key belongs to, by the algorithms a receipt check uses. */
export type ReceiptProfile = "international" | "sm";

export interface ReceiptPayload {
  type: string;
  version: number;
  key: string;
  job: string;
  operator: string;
  license: string;
  purpose: string;
  policyVersions: Record<string, number | string>;
  /** Digests named for their algorithm: `sha256`/`csvSha256` under Ed25519, `sm3`/`csvSm3` under SM2. */
  outputs: { name: string; sha256?: string; csvSha256?: string; sm3?: string; csvSm3?: string }[];
  releasedAt: string;
  logPosition: number;
}

export type ReceiptReason =
  | "not-json"
  | "not-receipt"
  | "bad-key"
  | "signature"
  | "not-payload"
  | "other-key"
  | "other-digest"
  | "output-not-json"
  | "no-output-named"
  | "hash-mismatch";

export type ReceiptCheck =
  | {
      readonly valid: true;
      readonly payload: ReceiptPayload;
      readonly profile: ReceiptProfile;
      readonly matched: string[];
    }
  | {
      readonly valid: false;
      readonly reason: ReceiptReason;
      /** The output concerned (a hash mismatch, an unknown name). */
      readonly output?: string;
      readonly payload?: ReceiptPayload;
      /** The key's profile, once the key was read. */
      readonly profile?: ReceiptProfile;
    };

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function fromBase64(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
}

function pemToDer(pem: string): Uint8Array<ArrayBuffer> {
  return fromBase64(pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, ""));
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The digest a profile names keys and outputs by, in lowercase hex. */
async function digestHex(profile: ReceiptProfile, bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  if (profile === "sm") return sm3Hex(bytes);
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/** WebCrypto's key, named so that Node's types know it too (the unit tests compile this file for Node). */
type WebCryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** A domain public key read from its SPKI: the profile it fixes, and what verifies with it. */
type DomainKey =
  | { readonly profile: "international"; readonly der: Uint8Array<ArrayBuffer>; readonly key: WebCryptoKey }
  | { readonly profile: "sm"; readonly der: Uint8Array<ArrayBuffer>; readonly point: Sm2PublicPoint };

// Object identifiers as DER contents: Ed25519 (1.3.101.112), id-ecPublicKey (1.2.840.10045.2.1)
// and the SM2 curve (1.2.156.10197.1.301), which is how OpenSSL, and so the domain, writes an SM2 key.
const ED25519_OID = "2b6570";
const EC_PUBLIC_KEY_OID = "2a8648ce3d0201";
const SM2_CURVE_OID = "2a811ccf5501822d";

/** One DER element at `offset`: its tag and where its contents start and end. */
function derElement(
  der: Uint8Array,
  offset: number,
): { tag: number; start: number; end: number } | undefined {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) return undefined;
  let start = offset + 2;
  if (length >= 0x80) {
    const octets = length & 0x7f;
    if (octets < 1 || octets > 2) return undefined;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (der[start + i] ?? Number.NaN);
    start += octets;
  }
  const end = start + length;
  return Number.isInteger(end) && end <= der.length ? { tag, start, end } : undefined;
}

/**
 * The profile of an SPKI (SEQUENCE { AlgorithmIdentifier, BIT STRING }) and its key: an Ed25519 key,
 * or an uncompressed point on the SM2 curve. Any other key is refused, never guessed at.
 */
async function domainKeyOf(der: Uint8Array<ArrayBuffer>): Promise<DomainKey | undefined> {
  const spki = derElement(der, 0);
  if (spki?.tag !== 0x30 || spki.end !== der.length) return undefined;
  const algorithm = derElement(der, spki.start);
  if (algorithm?.tag !== 0x30) return undefined;
  const oid = derElement(der, algorithm.start);
  if (oid?.tag !== 0x06) return undefined;
  const bits = derElement(der, algorithm.end);
  if (bits?.tag !== 0x03 || bits.end !== spki.end || der[bits.start] !== 0) return undefined;
  const publicKey = der.subarray(bits.start + 1, bits.end);
  const oidHex = hex(der.subarray(oid.start, oid.end));

  if (oidHex === ED25519_OID && oid.end === algorithm.end && publicKey.length === 32) {
    try {
      const key = await crypto.subtle.importKey("spki", der, { name: "Ed25519" }, false, ["verify"]);
      return { profile: "international", der, key };
    } catch {
      return undefined;
    }
  }
  if (oidHex === EC_PUBLIC_KEY_OID) {
    const curve = derElement(der, oid.end);
    if (curve?.tag !== 0x06 || curve.end !== algorithm.end) return undefined;
    if (hex(der.subarray(curve.start, curve.end)) !== SM2_CURVE_OID) return undefined;
    const point = sm2PublicPointOf(publicKey);
    return point === undefined ? undefined : { profile: "sm", der, point };
  }
  return undefined;
}

/** Whether `signature` over `bytes` is the domain key's, in the key's own algorithm. */
async function signedBy(key: DomainKey, bytes: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>) {
  if (key.profile === "sm") return sm2Verify(bytes, key.point, signature);
  return crypto.subtle.verify({ name: "Ed25519" }, key.key, signature, bytes);
}

/** Canonical JSON as audit/canonical-json.ts writes it (RFC 8785 key order, shortest numbers). */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("not a finite number");
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(",")}]`;
      const record = value as Record<string, unknown>;
      const parts = Object.keys(record)
        .sort()
        .filter((key) => record[key] !== undefined)
        .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
      return `{${parts.join(",")}}`;
    }
    default:
      throw new TypeError(`a ${typeof value} is not JSON`);
  }
}

/** A listed output's JSON digest under the profile's algorithm; undefined when it lists another's. */
function listedDigest(
  output: ReceiptPayload["outputs"][number],
  profile: ReceiptProfile,
): string | undefined {
  return profile === "sm" ? output.sm3 : output.sha256;
}

/** The digests an output file may be listed under: of its bytes, and of its canonical JSON. */
async function candidates(
  profile: ReceiptProfile,
  bytes: Uint8Array<ArrayBuffer>,
  parsed: unknown,
): Promise<string[]> {
  const direct = await digestHex(profile, bytes);
  const canonical = await digestHex(profile, new TextEncoder().encode(canonicalJson(parsed)));
  return canonical === direct ? [direct] : [direct, canonical];
}

function receiptOf(value: unknown): { payload: string; signature: string } | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  // A whole job view (GET /v1/jobs/{id}) carries its receipt under `receipt`.
  if (typeof record.receipt === "object" && record.receipt !== null) return receiptOf(record.receipt);
  const { payload, signature } = record;
  if (typeof payload !== "string" || typeof signature !== "string") return undefined;
  if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) return undefined;
  return { payload, signature };
}

const optionalString = (value: unknown) => value === undefined || typeof value === "string";

function isPayload(value: unknown): value is ReceiptPayload {
  if (typeof value !== "object" || value === null) return false;
  const p = value as Partial<ReceiptPayload>;
  return (
    p.type === "aos.release-receipt" &&
    p.version === 1 &&
    typeof p.key === "string" &&
    typeof p.job === "string" &&
    Array.isArray(p.outputs) &&
    p.outputs.every(
      (o) =>
        typeof o?.name === "string" &&
        optionalString(o.sha256) &&
        optionalString(o.csvSha256) &&
        optionalString(o.sm3) &&
        optionalString(o.csvSm3),
    )
  );
}

/**
 * Verifies `receiptText` (a receipt, or a job view carrying one) and, when `output` is given, that
 * the output is one the receipt lists. The output may be one output's JSON (matched against every
 * listed output, or the one named `outputName`), or an object of outputs by name (a job's
 * `outputs`), each of which must match. The public key's type chooses the algorithms (Ed25519 and
 * SHA-256, or SM2 and SM3); a receipt of the other profile is refused, never thrown at.
 *
 * @example
 * const check = await verifyReceiptInBrowser(receiptJson, publicKeyPem, { bytes: outputBytes, name: "by_station" });
 * if (check.valid) console.log(`released to ${check.payload.operator} (${check.profile} profile)`);
 */
export async function verifyReceiptInBrowser(
  receiptText: string,
  publicKeyPem: string,
  output?: { bytes: Uint8Array<ArrayBuffer>; name?: string },
): Promise<ReceiptCheck> {
  let parsedReceipt: unknown;
  try {
    parsedReceipt = JSON.parse(receiptText);
  } catch {
    return { valid: false, reason: "not-json" };
  }
  const receipt = receiptOf(parsedReceipt);
  if (!receipt) return { valid: false, reason: "not-receipt" };
  let bytes: Uint8Array<ArrayBuffer>;
  let signature: Uint8Array<ArrayBuffer>;
  try {
    bytes = fromBase64Url(receipt.payload);
    signature = fromBase64Url(receipt.signature);
  } catch {
    return { valid: false, reason: "not-receipt" };
  }

  let key: DomainKey | undefined;
  try {
    key = await domainKeyOf(pemToDer(publicKeyPem));
  } catch {
    key = undefined;
  }
  if (key === undefined) return { valid: false, reason: "bad-key" };
  const { profile } = key;
  if (!(await signedBy(key, bytes, signature))) return { valid: false, reason: "signature", profile };

  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return { valid: false, reason: "not-payload", profile };
  }
  if (!isPayload(payload)) return { valid: false, reason: "not-payload", profile };
  const fingerprint = `${profile === "sm" ? "sm3" : "sha256"}:${await digestHex(profile, key.der)}`;
  if (payload.key !== fingerprint) return { valid: false, reason: "other-key", payload, profile };
  // As the domain's verifier: digests not of the key's profile could never be checked, so refuse.
  if (payload.outputs.some((o) => listedDigest(o, profile) === undefined))
    return { valid: false, reason: "other-digest", payload, profile };
  if (output === undefined) return { valid: true, payload, profile, matched: [] };

  let parsedOutput: unknown;
  try {
    parsedOutput = JSON.parse(new TextDecoder().decode(output.bytes));
  } catch {
    return { valid: false, reason: "output-not-json", payload, profile };
  }
  const listed = payload.outputs;
  const byName = new Map(listed.map((o) => [o.name, listedDigest(o, profile)]));

  // An object of outputs by name (as a job view carries them): each must hash as listed.
  if (
    output.name === undefined &&
    typeof parsedOutput === "object" &&
    parsedOutput !== null &&
    !Array.isArray(parsedOutput)
  ) {
    const record = parsedOutput as Record<string, unknown>;
    const source =
      typeof record.outputs === "object" && record.outputs !== null && !Array.isArray(record.outputs)
        ? (record.outputs as Record<string, unknown>)
        : record;
    const names = Object.keys(source);
    if (names.length > 0 && names.every((name) => byName.has(name))) {
      for (const name of names) {
        const digest = await digestHex(profile, new TextEncoder().encode(canonicalJson(source[name])));
        if (digest !== byName.get(name))
          return { valid: false, reason: "hash-mismatch", output: name, payload, profile };
      }
      return { valid: true, payload, profile, matched: names };
    }
  }

  const wanted = listed.filter((o) => output.name === undefined || o.name === output.name);
  if (wanted.length === 0)
    return {
      valid: false,
      reason: "no-output-named",
      ...(output.name ? { output: output.name } : {}),
      payload,
      profile,
    };
  const digests = await candidates(profile, output.bytes, parsedOutput);
  const match = wanted.find((o) => {
    const listedAs = listedDigest(o, profile);
    return listedAs !== undefined && digests.includes(listedAs);
  });
  if (!match)
    return {
      valid: false,
      reason: "hash-mismatch",
      output: wanted.map((o) => o.name).join(" / "),
      payload,
      profile,
    };
  return { valid: true, payload, profile, matched: [match.name] };
}
