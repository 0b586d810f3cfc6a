import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.ts";

/**
 * The bytes of a released output as the gateway serves it as JSON: the canonical JSON
 * (`canonicalJson`) of the output value (an array of row objects, or whatever the script returned
 * under that name), UTF-8, no trailing newline. Receipts list the SHA-256 of exactly these bytes.
 *
 * The gateway must serve `GET /v1/jobs/{id}/outputs/{name}` (Accept: application/json) as these
 * bytes, not as `JSON.stringify(...)` of the value: key order would differ. Values JSON cannot carry
 * (bigint, NaN) are refused; convert them (e.g. HUGEINT to string) before both serving and hashing.
 *
 * @example
 * const body = outputBytes(rows); // serve this
 * const sha256 = outputSha256(rows); // put this in the receipt
 */
export function outputBytes(output: unknown): Buffer {
  return Buffer.from(canonicalJson(output), "utf8");
}

/** SHA-256 (lowercase hex) of `outputBytes(output)`. */
export function outputSha256(output: unknown): string {
  return sha256Hex(outputBytes(output));
}

/**
 * The hashes under which an output file may appear in a receipt. The served bytes hash directly; a
 * JSON file re-formatted since (pretty-printed, keys reordered) also yields the hash of its
 * canonical form, so the same content still matches. Other formats (CSV, Arrow) hash as they are
 * and so match only if they are the served JSON.
 */
export function outputFileSha256Candidates(content: Uint8Array): string[] {
  const direct = sha256Hex(content);
  try {
    const canonical = sha256Hex(
      Buffer.from(canonicalJson(JSON.parse(Buffer.from(content).toString("utf8"))), "utf8"),
    );
    return canonical === direct ? [direct] : [direct, canonical];
  } catch {
    return [direct];
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
