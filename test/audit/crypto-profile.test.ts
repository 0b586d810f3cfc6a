import {
  createCipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
} from "node:crypto";
import { SM3, SM4 } from "gm-crypto";
import { describe, expect, it } from "vitest";
import { AtRestCipherError, INTERNATIONAL, profileOfKey, SM } from "../../audit/crypto-profile.ts";
import { entryHash, GENESIS_HASH, sealEntry } from "../../audit/entry.ts";
import { issueReceipt, verifyReceipt } from "../../audit/receipt.ts";
import { keyFingerprint } from "../../audit/signing-key.ts";
import {
  derSignature,
  parseDerSignature,
  sm2MessageDigest,
  sm2PublicKeyOf,
  sm2PublicPoint,
  sm2Sign,
  sm2Verify,
  sm2Z,
} from "../../audit/sm2.ts";
import { referenceSign, referenceVerify, referenceZ } from "../support/sm2-reference.ts";

// GB/T 32918.5 (GM/T 0003.5) Annex A: the recommended curve, user ID 1234567812345678.
const EXAMPLE = {
  d: 0x3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8n,
  x: 0x09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020n,
  y: 0xccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13n,
  k: 0x59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21n,
  message: Buffer.from("message digest"),
  z: "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3",
  e: "f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640",
  r: 0xf5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3n,
  s: 0xb1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aan,
};

const pemPair = () => {
  const { privateKey, publicKey } = SM.generateSigningKey();
  // As the domain reads them: from PEM files (Node types such keys differently from generated ones).
  return {
    privateKey: createPrivateKey(privateKey.export({ type: "pkcs8", format: "pem" })),
    publicKey: createPublicKey(publicKey.export({ type: "spki", format: "pem" })),
  };
};

describe("SM3 (GB/T 32905)", () => {
  it("hashes the standard's examples, as gm-crypto does", () => {
    expect(SM.digestHex("abc")).toBe("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    expect(SM.digestHex("abcd".repeat(16))).toBe(
      "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732",
    );
    const text = '{"position":7,"text":"数据可用不可见"}';
    expect(SM.digestHex(text)).toBe(SM3.digest(text, "utf8", "hex"));
  });
});

describe("SM4 (GB/T 32907)", () => {
  it("encrypts the standard's example block, as gm-crypto does", () => {
    const key = Buffer.from("0123456789abcdeffedcba9876543210", "hex");
    const cipher = createCipheriv("sm4-ecb", key, null).setAutoPadding(false);
    const block = Buffer.concat([cipher.update(key), cipher.final()]).toString("hex");
    expect(block).toBe("681edf34d206965e86b3e94f536e4246");
    expect(SM4.encrypt(key, key.toString("hex"), { outputEncoding: "hex" }).slice(0, 32)).toBe(block);
  });

  it("seals at rest with SM4-CBC and HMAC-SM3, whose CBC part gm-crypto decrypts, and refuses any change", () => {
    const key = Buffer.alloc(32, 7);
    const plain = Buffer.from("domain-key.pem contents");
    const sealed = SM.cipher.seal(key, plain, Buffer.from("domain-key"));
    expect(SM.cipher.open(key, sealed, Buffer.from("domain-key"))).toEqual(plain);
    const iv = sealed.subarray(0, 16).toString("hex");
    const body = sealed.subarray(16, sealed.length - 32);
    expect(
      SM4.decrypt(body, key.subarray(0, 16).toString("hex"), {
        iv,
        mode: SM4.constants.CBC,
        outputEncoding: "utf8",
      }),
    ).toBe(plain.toString());
    const flipped = Buffer.from(sealed);
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    expect(() => SM.cipher.open(key, flipped, Buffer.from("domain-key"))).toThrow(AtRestCipherError);
    expect(() => SM.cipher.open(key, sealed, Buffer.from("other"))).toThrow(AtRestCipherError);
    expect(() => SM.cipher.open(Buffer.alloc(32, 8), sealed, Buffer.from("domain-key"))).toThrow(
      AtRestCipherError,
    );
  });

  it("keeps AES-256-GCM for the international profile", () => {
    const key = Buffer.alloc(32, 1);
    const sealed = INTERNATIONAL.cipher.seal(key, Buffer.from("x"));
    expect(INTERNATIONAL.cipher.open(key, sealed).toString()).toBe("x");
    expect(() => INTERNATIONAL.cipher.open(Buffer.alloc(32, 2), sealed)).toThrow(AtRestCipherError);
  });
});

describe("SM2 signatures (GB/T 32918.2, GM/T 0009 default user ID)", () => {
  const examplePublic = sm2PublicKeyOf(EXAMPLE.x, EXAMPLE.y);

  it("reproduce the standard's worked example: Z, e, and the reference implementation's r and s", () => {
    expect(sm2Z(examplePublic).toString("hex")).toBe(EXAMPLE.z);
    expect(sm2MessageDigest(EXAMPLE.message, examplePublic).toString("hex")).toBe(EXAMPLE.e);
    expect(referenceZ("1234567812345678", [EXAMPLE.x, EXAMPLE.y]).toString("hex")).toBe(EXAMPLE.z);
    expect(referenceSign(EXAMPLE.d, EXAMPLE.message, EXAMPLE.k)).toEqual({ r: EXAMPLE.r, s: EXAMPLE.s });
  });

  it("verify the standard's signature, and refuse it for another message or user ID", () => {
    const signature = derSignature(EXAMPLE.r, EXAMPLE.s);
    expect(sm2Verify(EXAMPLE.message, examplePublic, signature)).toBe(true);
    expect(sm2Verify(Buffer.from("message digesT"), examplePublic, signature)).toBe(false);
    expect(sm2Verify(EXAMPLE.message, examplePublic, signature, "ALICE123@YAHOO.COM")).toBe(false);
  });

  it("made by us verify with the independent implementation, and its verify with ours", () => {
    const { privateKey, publicKey } = pemPair();
    const { x, y } = sm2PublicPoint(publicKey);
    for (const text of ["", "aos.audit.checkpoint", "数据不出域".repeat(50)]) {
      const message = Buffer.from(text);
      const ours = sm2Sign(message, privateKey);
      expect(referenceVerify([x, y], message, parseDerSignature(ours)!)).toBe(true);
      expect(referenceVerify([x, y], Buffer.from(`${text}!`), parseDerSignature(ours)!)).toBe(false);
    }
    const d = BigInt(
      `0x${privateKey.export({ type: "pkcs8", format: "der" }).subarray(36, 68).toString("hex")}`,
    );
    const theirs = referenceSign(d, EXAMPLE.message, 0x1234567890abcdefn);
    expect(sm2Verify(EXAMPLE.message, publicKey, derSignature(theirs.r, theirs.s))).toBe(true);
  });

  it("are not Node's sign('sm3'), which computes ECDSA on the SM2 curve and verifies as no SM2", () => {
    const { privateKey, publicKey } = pemPair();
    const ecdsa = sign("sm3", EXAMPLE.message, privateKey);
    expect(sm2Verify(EXAMPLE.message, publicKey, ecdsa)).toBe(false);
  });

  it("refuse malformed, non-canonical and out-of-range signatures", () => {
    const { privateKey, publicKey } = pemPair();
    const good = sm2Sign(EXAMPLE.message, privateKey);
    expect(sm2Verify(EXAMPLE.message, publicKey, good.subarray(1))).toBe(false);
    expect(sm2Verify(EXAMPLE.message, publicKey, Buffer.concat([good, Buffer.from([0])]))).toBe(false);
    expect(sm2Verify(EXAMPLE.message, publicKey, derSignature(0n, 1n))).toBe(false);
    const { r, s } = parseDerSignature(good)!;
    const n = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
    expect(sm2Verify(EXAMPLE.message, publicKey, derSignature(r, s + n))).toBe(false);
  });
});

describe("the profile of a key", () => {
  it("is international for Ed25519, sm for SM2, and refuses other keys", () => {
    expect(profileOfKey(INTERNATIONAL.generateSigningKey().publicKey)).toBe(INTERNATIONAL);
    expect(profileOfKey(pemPair().publicKey)).toBe(SM);
    expect(() => profileOfKey(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey)).toThrow(
      /Ed25519 or SM2/,
    );
    expect(keyFingerprint(pemPair().publicKey)).toMatch(/^sm3:[0-9a-f]{64}$/);
  });

  it("hashes audit entries with SM3 in the sm profile", () => {
    const entry = {
      v: 1 as const,
      position: 0,
      time: "2025-01-01T00:00:00.000Z",
      type: "domain.crypto_profile",
      actor: "system",
      subjects: {},
      data: { profile: "sm" },
      prev: GENESIS_HASH,
    };
    const sealed = sealEntry(entry, SM);
    expect(sealed.entry.hash).toBe(entryHash(entry, SM));
    expect(sealed.entry.hash).not.toBe(entryHash(entry));
    expect(sealed.entry.hash).toBe(
      createHash("sm3")
        .update(sealed.line.trimEnd().replace(`,"hash":"${sealed.entry.hash}"`, ""))
        .digest("hex"),
    );
  });

  it("signs receipts with SM2 listing SM3 digests, and a receipt of the other profile's digests is refused", () => {
    const { privateKey, publicKey } = pemPair();
    const claims = {
      job: "job_1",
      operator: "op_1",
      license: "lic_1",
      purpose: "study",
      policyVersions: { air_quality: 1 },
      outputs: [{ name: "aqi", sm3: SM.digestHex("[]"), csvSm3: SM.digestHex("\r\n") }],
      releasedAt: "2025-01-01T00:00:00.000Z",
      logPosition: 3,
    };
    const receipt = issueReceipt(claims, privateKey);
    expect(verifyReceipt(receipt, publicKey, { content: Buffer.from("[]") })).toMatchObject({
      valid: true,
      payload: { key: keyFingerprint(publicKey) },
    });
    expect(() =>
      issueReceipt(
        { ...claims, outputs: [{ name: "aqi", sha256: INTERNATIONAL.digestHex("[]") }] },
        privateKey,
      ),
    ).toThrow(/sm3/);
    expect(verifyReceipt(receipt, INTERNATIONAL.generateSigningKey().publicKey).valid).toBe(false);
  });
});
