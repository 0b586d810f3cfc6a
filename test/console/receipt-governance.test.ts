/**
 * The console's receipt check (console/src/receipt-governance.ts) on receipts the domain issues under
 * both crypto profiles: an SM2-signed receipt listing SM3 digests verifies as audit/receipt.ts
 * `verifyReceipt` does, the Ed25519 path is unchanged, and a receipt of one profile presented with the
 * other's key is refused with a reason, never thrown at.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../audit/canonical-json.ts";
import { type CryptoProfile, INTERNATIONAL, SM } from "../../audit/crypto-profile.ts";
import { outputBytes, outputDigest, outputDigests } from "../../audit/output-digest.ts";
import { issueReceipt, type Receipt, type ReceiptClaims, verifyReceipt } from "../../audit/receipt.ts";
import { keyFingerprint } from "../../audit/signing-key.ts";
import { sm2Sign } from "../../audit/sm2.ts";
import { verifyReceiptInBrowser } from "../../console/src/receipt-governance.ts";

const byDistrict = [
  { district: "新城区", n: 1204, mean_income: 61234.5 },
  { district: "回民区", n: 877, mean_income: 55012.25 },
];
const logs = ["groups 2"];

/** A domain key pair of the profile, read back from PEM as the gateway reads and publishes it. */
function domainKey(profile: CryptoProfile): { privateKey: KeyObject; publicKey: KeyObject; pem: string } {
  const pair = profile.generateSigningKey();
  const pem = pair.publicKey.export({ type: "spki", format: "pem" }).toString();
  return {
    privateKey: createPrivateKey(pair.privateKey.export({ type: "pkcs8", format: "pem" })),
    publicKey: createPublicKey(pem),
    pem,
  };
}

function claims(profile: CryptoProfile): ReceiptClaims {
  return {
    job: "job_1",
    operator: "op_1",
    license: "lic_1",
    purpose: "district income study",
    policyVersions: { population: 3 },
    outputs: [
      { name: "by_district", ...outputDigests(byDistrict, undefined, profile) },
      // A non-tabular output lists only its JSON digest.
      profile === SM
        ? { name: "logs", sm3: outputDigest(logs, SM) }
        : { name: "logs", sha256: outputDigest(logs, INTERNATIONAL) },
    ],
    releasedAt: "2026-03-01T10:00:00.000Z",
    logPosition: 42,
  };
}

const text = (receipt: Receipt) => JSON.stringify(receipt);
const bytes = (value: string | Uint8Array) =>
  typeof value === "string" ? new TextEncoder().encode(value) : Uint8Array.from(value);

/** A receipt signed with SM2 over a payload of our choosing (what issueReceipt would refuse to sign). */
function smSigned(payload: Record<string, unknown>, privateKey: KeyObject): Receipt {
  const signed = Buffer.from(canonicalJson(payload), "utf8");
  return {
    payload: signed.toString("base64url"),
    signature: sm2Sign(signed, privateKey).toString("base64url"),
  };
}

describe("the console's receipt check under the sm profile (SM2, SM3)", () => {
  const sm = domainKey(SM);
  const receipt = issueReceipt(claims(SM), sm.privateKey);

  it("verifies a receipt the domain signed with SM2, as the server's verifier does", async () => {
    expect(verifyReceipt(receipt, sm.pem)).toMatchObject({ valid: true });
    const check = await verifyReceiptInBrowser(text(receipt), sm.pem);
    expect(check).toMatchObject({
      valid: true,
      profile: "sm",
      matched: [],
      payload: { job: "job_1", operator: "op_1", key: keyFingerprint(sm.publicKey) },
    });
    expect(check.payload?.key).toMatch(/^sm3:[0-9a-f]{64}$/);
  });

  it("matches outputs by their SM3 digests: as served, re-formatted, by name, and a job's outputs object", async () => {
    await expect(
      verifyReceiptInBrowser(text(receipt), sm.pem, { bytes: bytes(outputBytes(byDistrict)) }),
    ).resolves.toMatchObject({ valid: true, matched: ["by_district"] });
    await expect(
      verifyReceiptInBrowser(text(receipt), sm.pem, {
        bytes: bytes(JSON.stringify(byDistrict, null, 2)),
        name: "by_district",
      }),
    ).resolves.toMatchObject({ valid: true, matched: ["by_district"] });
    const job = { id: "job_1", receipt, outputs: { by_district: byDistrict, logs } };
    await expect(
      verifyReceiptInBrowser(JSON.stringify(job), sm.pem, { bytes: bytes(JSON.stringify(job)) }),
    ).resolves.toMatchObject({ valid: true, matched: ["by_district", "logs"] });
  });

  it("refuses a tampered output, naming it, and an output under a name the receipt does not list", async () => {
    const tampered = byDistrict.map((row, i) => (i === 0 ? { ...row, n: row.n + 1 } : row));
    await expect(
      verifyReceiptInBrowser(text(receipt), sm.pem, {
        bytes: bytes(JSON.stringify(tampered)),
        name: "by_district",
      }),
    ).resolves.toMatchObject({ valid: false, reason: "hash-mismatch", output: "by_district" });
    await expect(
      verifyReceiptInBrowser(text(receipt), sm.pem, {
        bytes: bytes(JSON.stringify({ by_district: tampered, logs })),
      }),
    ).resolves.toMatchObject({ valid: false, reason: "hash-mismatch", output: "by_district" });
    await expect(
      verifyReceiptInBrowser(text(receipt), sm.pem, { bytes: bytes(outputBytes(byDistrict)), name: "other" }),
    ).resolves.toMatchObject({ valid: false, reason: "no-output-named", output: "other" });
  });

  it("refuses a changed payload or signature, and another SM2 domain's key", async () => {
    const payload = JSON.parse(Buffer.from(receipt.payload, "base64url").toString("utf8"));
    const altered = {
      ...receipt,
      payload: Buffer.from(canonicalJson({ ...payload, operator: "op_2" })).toString("base64url"),
    };
    await expect(verifyReceiptInBrowser(text(altered), sm.pem)).resolves.toMatchObject({
      valid: false,
      reason: "signature",
    });
    const signature = Buffer.from(receipt.signature, "base64url");
    signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 1;
    await expect(
      verifyReceiptInBrowser(text({ ...receipt, signature: signature.toString("base64url") }), sm.pem),
    ).resolves.toMatchObject({ valid: false, reason: "signature" });
    await expect(verifyReceiptInBrowser(text(receipt), domainKey(SM).pem)).resolves.toMatchObject({
      valid: false,
      reason: "signature",
    });
  });

  it("refuses a signed payload naming another key, or listing SHA-256 digests under an SM2 key", async () => {
    const base = { ...claims(SM), type: "aos.release-receipt", version: 1 };
    const otherKey = smSigned({ ...base, key: `sha256:${"0".repeat(64)}` }, sm.privateKey);
    await expect(verifyReceiptInBrowser(text(otherKey), sm.pem)).resolves.toMatchObject({
      valid: false,
      reason: "other-key",
    });
    const sha256Listed = smSigned(
      { ...base, key: keyFingerprint(sm.publicKey), outputs: claims(INTERNATIONAL).outputs },
      sm.privateKey,
    );
    expect(verifyReceipt(sha256Listed, sm.pem)).toMatchObject({ valid: false });
    await expect(verifyReceiptInBrowser(text(sha256Listed), sm.pem)).resolves.toMatchObject({
      valid: false,
      reason: "other-digest",
    });
  });
});

describe("the console's receipt check under the international profile (Ed25519, SHA-256)", () => {
  const ed = domainKey(INTERNATIONAL);
  const receipt = issueReceipt(claims(INTERNATIONAL), ed.privateKey);

  it("verifies as before: the signature, the sha256 fingerprint and the output's SHA-256", async () => {
    await expect(
      verifyReceiptInBrowser(text(receipt), ed.pem, { bytes: bytes(outputBytes(byDistrict)) }),
    ).resolves.toMatchObject({
      valid: true,
      profile: "international",
      matched: ["by_district"],
      payload: { key: keyFingerprint(ed.publicKey) },
    });
    await expect(
      verifyReceiptInBrowser(text(receipt), ed.pem, {
        bytes: bytes(JSON.stringify(logs)),
        name: "by_district",
      }),
    ).resolves.toMatchObject({ valid: false, reason: "hash-mismatch", output: "by_district" });
  });
});

describe("the console's receipt check given the wrong or a hostile key", () => {
  const ed = domainKey(INTERNATIONAL);
  const sm = domainKey(SM);
  const edReceipt = issueReceipt(claims(INTERNATIONAL), ed.privateKey);
  const smReceipt = issueReceipt(claims(SM), sm.privateKey);

  it("refuses an Ed25519 receipt with an SM2 key, and an SM2 receipt with an Ed25519 key", async () => {
    await expect(verifyReceiptInBrowser(text(edReceipt), sm.pem)).resolves.toEqual({
      valid: false,
      reason: "signature",
      profile: "sm",
    });
    await expect(verifyReceiptInBrowser(text(smReceipt), ed.pem)).resolves.toEqual({
      valid: false,
      reason: "signature",
      profile: "international",
    });
  });

  it("refuses keys of other kinds and text that is no key, as a bad key", async () => {
    const pem = (key: KeyObject) => key.export({ type: "spki", format: "pem" }).toString();
    const others = [
      pem(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey),
      pem(generateKeyPairSync("x25519").publicKey),
      pem(generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey),
      "not a key",
      "-----BEGIN PUBLIC KEY-----\nMFk=\n-----END PUBLIC KEY-----",
      "",
    ];
    for (const key of others)
      await expect(verifyReceiptInBrowser(text(smReceipt), key)).resolves.toEqual({
        valid: false,
        reason: "bad-key",
      });
    // An SM2 SPKI whose point is moved off the curve.
    const der = sm.publicKey.export({ type: "spki", format: "der" });
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 1;
    const offCurve = `-----BEGIN PUBLIC KEY-----\n${der.toString("base64")}\n-----END PUBLIC KEY-----`;
    await expect(verifyReceiptInBrowser(text(smReceipt), offCurve)).resolves.toEqual({
      valid: false,
      reason: "bad-key",
    });
  });

  it("refuses a receipt whose base64url cannot be decoded, rather than throwing", async () => {
    await expect(
      verifyReceiptInBrowser(JSON.stringify({ payload: "A", signature: smReceipt.signature }), sm.pem),
    ).resolves.toEqual({ valid: false, reason: "not-receipt" });
  });
});
