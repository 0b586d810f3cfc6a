import type { KeyObject } from "node:crypto";
import { z } from "zod";
import {
  StatementBody,
  type StatementVerification,
  statementDigestOf,
  statementTotalsCheck,
  type VerificationCheck,
  verificationOf,
} from "../policies/statement.ts";
import { canonicalJsonBytes } from "./canonical-json.ts";
import { digestHexWith, domainPublicKey } from "./crypto-profile.ts";
import { keyFingerprint } from "./signing-key.ts";

/**
 * Checks a statement offline, against the domain's public key: its shape, that its body hashes to
 * the digest it carries (`sha256`, or `sm3` in a domain of the `sm` crypto profile), that the signature over the body verifies, that it names this key, and
 * that its lines add up to its totals. Each failed check says which, so an edited figure is found.
 *
 * @example
 * const result = verifyStatementDocument(JSON.parse(await readFile("stm.json", "utf8")), publicKeyPem);
 * if (!result.valid) console.error(result.reason);
 */
export function verifyStatementDocument(
  document: unknown,
  publicKey: string | KeyObject,
): StatementVerification {
  const checks: VerificationCheck[] = [];
  const fields = { statement: z.record(z.string(), z.unknown()), signature: z.string() };
  const envelope = z
    .union([
      z.object({ ...fields, sha256: z.string(), sm3: z.never().optional() }),
      z.object({ ...fields, sm3: z.string(), sha256: z.never().optional() }),
    ])
    .safeParse(document);
  if (!envelope.success) {
    checks.push({
      check: "shape",
      ok: false,
      detail: "not a statement: expected { id, statement, sha256 (or sm3), signature, issuedAt, issuedBy }",
    });
    return verificationOf(checks);
  }
  const { statement, signature } = envelope.data;
  const { algorithm, hex: carried } = statementDigestOf(envelope.data);
  const shape = StatementBody.safeParse(statement);
  checks.push(
    shape.success
      ? { check: "shape", ok: true, detail: "the body is a settlement statement" }
      : {
          check: "shape",
          ok: false,
          detail: `the body is not a well-formed statement at ${[...new Set(shape.error.issues.map((i) => i.path.join(".")))].join(", ")}`,
        },
  );
  const bytes = canonicalJsonBytes(statement);
  const actual = digestHexWith(algorithm)(bytes);
  checks.push(
    actual === carried
      ? { check: "hash", ok: true, detail: `the body hashes to ${algorithm} ${carried}` }
      : {
          check: "hash",
          ok: false,
          detail: `the body hashes to ${algorithm} ${actual}, not to the ${algorithm} it carries (${carried}): it was changed after issue`,
        },
  );
  const { publicKey: key, profile } = domainPublicKey(publicKey);
  let signed = false;
  try {
    signed =
      /^[A-Za-z0-9_-]+$/.test(signature) && profile.verify(bytes, key, Buffer.from(signature, "base64url"));
  } catch {
    signed = false;
  }
  checks.push(
    signed
      ? { check: "signature", ok: true, detail: "the domain key's signature over the body verifies" }
      : {
          check: "signature",
          ok: false,
          detail: "the signature does not verify over this body with this public key",
        },
  );
  const fingerprint = keyFingerprint(key);
  checks.push(
    statement.key === fingerprint
      ? { check: "key", ok: true, detail: `signed by ${fingerprint}` }
      : {
          check: "key",
          ok: false,
          detail: `the statement names key ${String(statement.key)}, not ${fingerprint}`,
        },
  );
  if (shape.success) checks.push(statementTotalsCheck(shape.data));
  return verificationOf(checks);
}
