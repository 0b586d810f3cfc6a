import { createECDH, createHash, createPublicKey, type KeyObject, randomBytes } from "node:crypto";

/**
 * SM2 digital signatures (GB/T 32918.2, GM/T 0003.2) with the distinguishing identifier and Z value
 * of GM/T 0009. Node's OpenSSL knows the SM2 curve, but `crypto.sign("sm3", data, sm2Key)` computes
 * plain ECDSA over that curve (no Z value, no SM2 equations; nodejs/node#53761), which no SM2
 * verifier accepts. So the signature equations are computed here: the one secret-dependent point
 * multiplication (k·G) runs in OpenSSL's constant-time code through ECDH, and the scalar arithmetic
 * with the private key is blinded. Verification uses public values only.
 */

/** The default distinguishing identifier of GM/T 0009: every party uses it unless agreed otherwise. */
export const SM2_DEFAULT_USER_ID = "1234567812345678";

// The recommended curve parameters (GB/T 32918.5).
const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const A = P - 3n;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

/** DER of an SM2 public key's SPKI up to the uncompressed point: id-ecPublicKey with the SM2 curve OID. */
const SPKI_PREFIX = Buffer.from("3059301306072a8648ce3d020106082a811ccf5501822d03420004", "hex");
/**
 * DER of an SM2 private key's PKCS #8 form up to the 32-byte secret. (Only PKCS #8: exporting a
 * key read from PEM as SEC1 aborts Node 20, which types such keys as SM2 rather than EC.)
 */
const PKCS8_PREFIX = Buffer.from(
  "308187020100301306072a8648ce3d020106082a811ccf5501822d046d306b0201010420",
  "hex",
);

/**
 * True for a key on the SM2 curve. Told by its encoding: Node reports a generated SM2 key as "ec"
 * but one read from PEM as of no type at all.
 */
export function isSm2Key(key: KeyObject): boolean {
  if (key.type === "secret") return false;
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  const der = publicKey.export({ type: "spki", format: "der" });
  return der.length === SPKI_PREFIX.length + 64 && der.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX);
}

/** The public point (x, y) of an SM2 key, public or private. */
export function sm2PublicPoint(key: KeyObject): { readonly x: bigint; readonly y: bigint } {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  if (!isSm2Key(publicKey)) throw new TypeError("expected an SM2 key");
  const point = publicKey.export({ type: "spki", format: "der" }).subarray(SPKI_PREFIX.length);
  return { x: toBig(point.subarray(0, 32)), y: toBig(point.subarray(32)) };
}

/** An SM2 public key object from its point, as the standard's examples give it. */
export function sm2PublicKeyOf(x: bigint, y: bigint): KeyObject {
  return createPublicKey({
    key: Buffer.concat([SPKI_PREFIX, bytes32(x), bytes32(y)]),
    format: "der",
    type: "spki",
  });
}

/** Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA): binds the signer's identity and key into the hash. */
export function sm2Z(key: KeyObject, userId: string = SM2_DEFAULT_USER_ID): Buffer {
  const { x, y } = sm2PublicPoint(key);
  const id = Buffer.from(userId, "utf8");
  if (id.length >= 8192) throw new RangeError("an SM2 user ID is shorter than 8192 bytes");
  const entl = Buffer.alloc(2);
  entl.writeUInt16BE(id.length * 8);
  return createHash("sm3")
    .update(
      Buffer.concat([entl, id, bytes32(A), bytes32(B), bytes32(GX), bytes32(GY), bytes32(x), bytes32(y)]),
    )
    .digest();
}

/** e = SM3(Z ‖ M), the integer the signature equations use. */
export function sm2MessageDigest(message: Uint8Array, key: KeyObject, userId = SM2_DEFAULT_USER_ID): Buffer {
  return createHash("sm3").update(sm2Z(key, userId)).update(message).digest();
}

/**
 * Signs `message` with an SM2 private key; the signature is the DER SEQUENCE { r, s } of GM/T 0009.
 *
 * @example
 * const signature = sm2Sign(Buffer.from("message digest"), privateKey);
 */
export function sm2Sign(message: Uint8Array, privateKey: KeyObject, userId = SM2_DEFAULT_USER_ID): Buffer {
  if (privateKey.type !== "private" || !isSm2Key(privateKey))
    throw new TypeError("expected an SM2 private key");
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
  if (!pkcs8.subarray(0, PKCS8_PREFIX.length).equals(PKCS8_PREFIX))
    throw new TypeError("unexpected SM2 key encoding");
  const d = toBig(pkcs8.subarray(PKCS8_PREFIX.length, PKCS8_PREFIX.length + 32));
  const e = toBig(sm2MessageDigest(message, privateKey, userId));
  const ecdh = createECDH("SM2");
  for (;;) {
    const k = randomScalar();
    ecdh.setPrivateKey(bytes32(k));
    const x1 = toBig(ecdh.getPublicKey().subarray(1, 33));
    const r = mod(e + x1, N);
    if (r === 0n || r + k === N) continue;
    // s = (1 + d)⁻¹ (k − r·d), with the inverse taken of a randomly blinded value so that its
    // running time says nothing about d.
    const blind = randomScalar();
    const inverse = mod(invert(mod((1n + d) * blind, N)) * blind, N);
    const s = mod(inverse * mod(k - r * d, N), N);
    if (s === 0n) continue;
    return derSignature(r, s);
  }
}

/** True when `signature` (DER, as `sm2Sign` writes it) is the holder of `publicKey`'s over `message`. */
export function sm2Verify(
  message: Uint8Array,
  publicKey: KeyObject,
  signature: Uint8Array,
  userId = SM2_DEFAULT_USER_ID,
): boolean {
  const rs = parseDerSignature(signature);
  if (rs === undefined) return false;
  const { r, s } = rs;
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  const t = mod(r + s, N);
  if (t === 0n) return false;
  const { x, y } = sm2PublicPoint(publicKey);
  const point = toAffine(add(multiply(s, [GX, GY, 1n]), multiply(t, [x, y, 1n])));
  if (point === undefined) return false;
  const e = toBig(sm2MessageDigest(message, publicKey, userId));
  return mod(e + point[0], N) === r;
}

/** The DER SEQUENCE { INTEGER r, INTEGER s }. */
export function derSignature(r: bigint, s: bigint): Buffer {
  const integer = (value: bigint) => {
    let body = Buffer.from(value.toString(16).padStart(64, "0"), "hex");
    while (body.length > 1 && body[0] === 0 && (body[1] ?? 0) < 0x80) body = body.subarray(1);
    if ((body[0] ?? 0) >= 0x80) body = Buffer.concat([Buffer.from([0]), body]);
    return Buffer.concat([Buffer.from([0x02, body.length]), body]);
  };
  const content = Buffer.concat([integer(r), integer(s)]);
  return Buffer.concat([Buffer.from([0x30, content.length]), content]);
}

/** r and s of a DER signature, only when it is the one canonical encoding of them. */
export function parseDerSignature(signature: Uint8Array): { r: bigint; s: bigint } | undefined {
  const der = Buffer.from(signature);
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2 || der[2] !== 0x02) return undefined;
  const rLength = der[3] ?? 0;
  if (rLength < 1 || rLength > 33 || der[4 + rLength] !== 0x02) return undefined;
  const sLength = der[5 + rLength] ?? 0;
  if (sLength < 1 || sLength > 33 || 6 + rLength + sLength !== der.length) return undefined;
  const r = toBig(der.subarray(4, 4 + rLength));
  const s = toBig(der.subarray(6 + rLength));
  // Refusing other encodings of the same (r, s) keeps signatures non-malleable as bytes.
  return derSignature(r, s).equals(der) ? { r, s } : undefined;
}

type Jacobian = readonly [bigint, bigint, bigint];

function mod(value: bigint, modulus: bigint): bigint {
  const rest = value % modulus;
  return rest < 0n ? rest + modulus : rest;
}

function invert(value: bigint, modulus: bigint = N): bigint {
  let [r0, r1, s0, s1] = [mod(value, modulus), modulus, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, modulus);
}

// Jacobian coordinates (X/Z², Y/Z³) for a = −3: one inversion per multiplication instead of one per step.
function double([x, y, z]: Jacobian): Jacobian {
  if (y === 0n || z === 0n) return [1n, 1n, 0n];
  const yy = mod(y * y, P);
  const zz = mod(z * z, P);
  const s = mod(4n * x * yy, P);
  const m = mod(3n * (x - zz) * (x + zz), P);
  const x3 = mod(m * m - 2n * s, P);
  return [x3, mod(m * (s - x3) - 8n * yy * yy, P), mod(2n * y * z, P)];
}

function add(p: Jacobian, q: Jacobian): Jacobian {
  if (p[2] === 0n) return q;
  if (q[2] === 0n) return p;
  const z1z1 = mod(p[2] * p[2], P);
  const z2z2 = mod(q[2] * q[2], P);
  const u1 = mod(p[0] * z2z2, P);
  const u2 = mod(q[0] * z1z1, P);
  const s1 = mod(p[1] * q[2] * z2z2, P);
  const s2 = mod(q[1] * p[2] * z1z1, P);
  if (u1 === u2) return s1 === s2 ? double(p) : [1n, 1n, 0n];
  const h = mod(u2 - u1, P);
  const r = mod(s2 - s1, P);
  const hh = mod(h * h, P);
  const hhh = mod(h * hh, P);
  const x3 = mod(r * r - hhh - 2n * u1 * hh, P);
  return [x3, mod(r * (u1 * hh - x3) - s1 * hhh, P), mod(h * p[2] * q[2], P)];
}

/** Public scalars only (verification): the running time depends on the scalar's bits. */
function multiply(k: bigint, point: Jacobian): Jacobian {
  let result: Jacobian = [1n, 1n, 0n];
  for (let bit = BigInt(k.toString(2).length - 1); bit >= 0n; bit--) {
    result = double(result);
    if ((k >> bit) & 1n) result = add(result, point);
  }
  return result;
}

function toAffine([x, y, z]: Jacobian): readonly [bigint, bigint] | undefined {
  if (z === 0n) return undefined;
  const zInverse = invert(z, P);
  const zz = mod(zInverse * zInverse, P);
  return [mod(x * zz, P), mod(y * zz * zInverse, P)];
}

function randomScalar(): bigint {
  for (;;) {
    const k = toBig(randomBytes(32));
    if (k > 0n && k < N) return k;
  }
}

function toBig(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
}

function bytes32(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(64, "0"), "hex");
}
