import { sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../audit/canonical-json.ts";
import { outputBytes, outputDigest } from "../../audit/output-digest.ts";
import { issueReceipt, type ReceiptClaims, verifyReceipt } from "../../audit/receipt.ts";
import { keyFingerprint } from "../../audit/signing-key.ts";
import { newKey } from "./fixtures.ts";

const rows = [
  { district: "新城区", n: 1204, mean_income: 61234.5 },
  { district: "回民区", n: 877, mean_income: 55012.25 },
];
const logs = ["groups 2"];

function claims(): ReceiptClaims {
  return {
    job: "job_1",
    operator: "op_1",
    license: "lic_1",
    purpose: "district income study",
    policyVersions: { population: 3 },
    outputs: [
      { name: "by_district", sha256: outputDigest(rows) },
      { name: "logs", sha256: outputDigest(logs) },
    ],
    releasedAt: "2026-03-01T10:00:00.000Z",
    logPosition: 42,
  };
}

describe("release receipts", () => {
  it("verify with the domain key and carry who got what", () => {
    const key = newKey();
    const receipt = issueReceipt(claims(), key.privateKey);
    const result = verifyReceipt(receipt, key.publicKeyPem);
    expect(result).toMatchObject({
      valid: true,
      payload: { ...claims(), type: "aos.release-receipt", version: 1, key: keyFingerprint(key.publicKey) },
    });
  });

  it("match the output bytes as served, and the same JSON re-formatted", () => {
    const key = newKey();
    const receipt = issueReceipt(claims(), key.privateKey);
    expect(verifyReceipt(receipt, key.publicKey, { content: outputBytes(rows) })).toMatchObject({
      valid: true,
      output: "by_district",
    });
    const pretty = Buffer.from(JSON.stringify(rows, null, 2));
    expect(verifyReceipt(receipt, key.publicKey, { content: pretty, name: "by_district" })).toMatchObject({
      valid: true,
    });
  });

  it("fail when the output differs or sits under another name", () => {
    const key = newKey();
    const receipt = issueReceipt(claims(), key.privateKey);
    const altered = rows.map((r) => ({ ...r, n: r.n + 1 }));
    expect(verifyReceipt(receipt, key.publicKey, { content: outputBytes(altered) })).toMatchObject({
      valid: false,
      reason: "the output's hash is not the one the receipt lists",
      payload: { job: "job_1" },
    });
    expect(verifyReceipt(receipt, key.publicKey, { content: outputBytes(rows), name: "logs" })).toMatchObject(
      {
        valid: false,
      },
    );
    expect(verifyReceipt(receipt, key.publicKey, { content: outputBytes(rows), name: "nope" })).toMatchObject(
      {
        valid: false,
        reason: "the receipt lists no output named nope",
      },
    );
  });

  it("fail when the payload is altered", () => {
    const key = newKey();
    const receipt = issueReceipt(claims(), key.privateKey);
    const payload = JSON.parse(Buffer.from(receipt.payload, "base64url").toString("utf8"));
    payload.operator = "op_2";
    const tampered = { ...receipt, payload: Buffer.from(canonicalJson(payload)).toString("base64url") };
    expect(verifyReceipt(tampered, key.publicKey)).toEqual({
      valid: false,
      reason: "signature does not verify with this public key",
    });
  });

  it("fail under another key", () => {
    const receipt = issueReceipt(claims(), newKey().privateKey);
    expect(verifyReceipt(receipt, newKey().publicKeyPem)).toMatchObject({ valid: false });
  });

  it("are not confused with other things the domain key signs", () => {
    const key = newKey();
    // A validly signed message that is not a receipt (e.g. a checkpoint's bytes).
    const other = Buffer.from(canonicalJson({ type: "aos.audit.checkpoint", version: 1, position: 1 }));
    const forged = {
      payload: other.toString("base64url"),
      signature: sign(null, other, key.privateKey).toString("base64url"),
    };
    expect(verifyReceipt(forged, key.publicKey)).toEqual({
      valid: false,
      reason: "signed payload is not a release receipt",
    });
    expect(verifyReceipt({ payload: "x" }, key.publicKey)).toMatchObject({ valid: false });
  });

  it("refuse to issue for malformed claims", () => {
    const key = newKey();
    const duplicate = { ...claims(), outputs: [claims().outputs[0]!, claims().outputs[0]!] };
    expect(() => issueReceipt(duplicate, key.privateKey)).toThrow(/unique/);
    expect(() => issueReceipt({ ...claims(), releasedAt: "today" }, key.privateKey)).toThrow();
  });

  it("hash outputs as canonical JSON, independent of key order", () => {
    expect(outputDigest([{ b: 1, a: 2 }])).toBe(outputDigest([{ a: 2, b: 1 }]));
    expect(outputBytes([{ b: 1, a: 2 }]).toString()).toBe('[{"a":2,"b":1}]');
    expect(() => outputDigest([{ n: 1n }])).toThrow(/bigint/);
  });
});
