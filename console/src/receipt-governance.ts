/**
 * Checks a release receipt in the browser, with WebCrypto's Ed25519, against the domain's public
 * key — the same checks as audit/receipt.ts `verifyReceipt`: the signature over the payload's exact
 * bytes, the payload's type and key fingerprint (sha256 of the key's SPKI DER), and that an output's
 * SHA-256 (of its bytes as given, or of its canonical JSON) is one the receipt lists.
 */

export interface ReceiptPayload {
  type: string;
  version: number;
  key: string;
  job: string;
  operator: string;
  license: string;
  purpose: string;
  policyVersions: Record<string, number | string>;
  outputs: { name: string; sha256: string }[];
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
  | "output-not-json"
  | "no-output-named"
  | "hash-mismatch";

export type ReceiptCheck =
  | { readonly valid: true; readonly payload: ReceiptPayload; readonly matched: string[] }
  | {
      readonly valid: false;
      readonly reason: ReceiptReason;
      /** The output concerned (a hash mismatch, an unknown name). */
      readonly output?: string;
      readonly payload?: ReceiptPayload;
    };

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function pemToDer(pem: string): Uint8Array<ArrayBuffer> {
  const body = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, "");
  const binary = atob(body);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
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

/** The SHA-256 an output file may be listed under: of its bytes, and of its canonical JSON. */
async function candidates(bytes: Uint8Array<ArrayBuffer>, parsed: unknown): Promise<string[]> {
  const direct = await sha256Hex(bytes);
  const canonical = await sha256Hex(new TextEncoder().encode(canonicalJson(parsed)));
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

function isPayload(value: unknown): value is ReceiptPayload {
  if (typeof value !== "object" || value === null) return false;
  const p = value as Partial<ReceiptPayload>;
  return (
    p.type === "aos.release-receipt" &&
    p.version === 1 &&
    typeof p.key === "string" &&
    typeof p.job === "string" &&
    Array.isArray(p.outputs) &&
    p.outputs.every((o) => typeof o?.name === "string" && typeof o?.sha256 === "string")
  );
}

/**
 * Verifies `receiptText` (a receipt, or a job view carrying one) and, when `output` is given, that
 * the output is one the receipt lists. The output may be one output's JSON (matched against every
 * listed output, or the one named `outputName`), or an object of outputs by name (a job's
 * `outputs`), each of which must match.
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

  const der = pemToDer(publicKeyPem);
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey("spki", der, { name: "Ed25519" }, false, ["verify"]);
  } catch {
    return { valid: false, reason: "bad-key" };
  }
  const bytes = fromBase64Url(receipt.payload);
  const signature = fromBase64Url(receipt.signature);
  if (!(await crypto.subtle.verify({ name: "Ed25519" }, key, signature, bytes)))
    return { valid: false, reason: "signature" };

  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return { valid: false, reason: "not-payload" };
  }
  if (!isPayload(payload)) return { valid: false, reason: "not-payload" };
  if (payload.key !== `sha256:${await sha256Hex(der)}`) return { valid: false, reason: "other-key", payload };
  if (output === undefined) return { valid: true, payload, matched: [] };

  let parsedOutput: unknown;
  try {
    parsedOutput = JSON.parse(new TextDecoder().decode(output.bytes));
  } catch {
    return { valid: false, reason: "output-not-json", payload };
  }
  const listed = payload.outputs;
  const byName = new Map(listed.map((o) => [o.name, o.sha256]));

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
        const hash = await sha256Hex(new TextEncoder().encode(canonicalJson(source[name])));
        if (hash !== byName.get(name))
          return { valid: false, reason: "hash-mismatch", output: name, payload };
      }
      return { valid: true, payload, matched: names };
    }
  }

  const wanted = listed.filter((o) => output.name === undefined || o.name === output.name);
  if (wanted.length === 0)
    return {
      valid: false,
      reason: "no-output-named",
      ...(output.name ? { output: output.name } : {}),
      payload,
    };
  const hashes = await candidates(output.bytes, parsedOutput);
  const match = wanted.find((o) => hashes.includes(o.sha256));
  if (!match)
    return { valid: false, reason: "hash-mismatch", output: wanted.map((o) => o.name).join(" / "), payload };
  return { valid: true, payload, matched: [match.name] };
}
