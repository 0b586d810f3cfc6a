import { sm3 } from "./sm3.ts";

/**
 * SM2 signature verification (GB/T 32918.2) with the Z value of GM/T 0009, for the browser: WebCrypto
 * has no SM2. It accepts exactly what the domain's audit/sm2.ts `sm2Sign` writes: the DER SEQUENCE
 * { r, s }, in its one canonical encoding, over the message with the default user ID. Only public
 * values enter (key, message, signature), so the arithmetic need not be constant time.
 *
 * @example
 * const point = sm2PublicPointOf(spkiDer.subarray(spkiDer.length - 65));
 * const valid = point !== undefined && sm2Verify(payloadBytes, point, signatureDer);
 */

/** The default distinguishing identifier of GM/T 0009, which the domain signs with. */
export const SM2_DEFAULT_USER_ID = "1234567812345678";

// The recommended curve parameters (GB/T 32918.5).
const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const A = P - 3n;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

/** An SM2 public key: a point on the curve, other than the point at infinity. */
export interface Sm2PublicPoint {
  readonly x: bigint;
  readonly y: bigint;
}

/**
 * The point of an uncompressed encoding (0x04 ‖ x ‖ y, as an SPKI's BIT STRING holds it), only when
 * it lies on the curve: a point off it would make "verification" an answer about another group.
 */
export function sm2PublicPointOf(encoded: Uint8Array): Sm2PublicPoint | undefined {
  if (encoded.length !== 65 || encoded[0] !== 0x04) return undefined;
  const x = toBig(encoded.subarray(1, 33));
  const y = toBig(encoded.subarray(33));
  if (x >= P || y >= P) return undefined;
  if (mod(y * y - (x * x * x + A * x + B), P) !== 0n) return undefined;
  return { x, y };
}

/** Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA): binds the signer's identity and key into the hash. */
export function sm2Z(key: Sm2PublicPoint, userId: string = SM2_DEFAULT_USER_ID): Uint8Array {
  const id = new TextEncoder().encode(userId);
  if (id.length >= 8192) throw new RangeError("an SM2 user ID is shorter than 8192 bytes");
  const bits = id.length * 8;
  return sm3(
    concat([Uint8Array.of(bits >> 8, bits & 0xff), id, ...[A, B, GX, GY, key.x, key.y].map(bytes32)]),
  );
}

/** r and s of a DER SEQUENCE { INTEGER r, INTEGER s }, only when it is the one canonical encoding of them. */
export function sm2SignatureOf(der: Uint8Array): { r: bigint; s: bigint } | undefined {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2 || der[2] !== 0x02) return undefined;
  const rLength = der[3] ?? 0;
  if (rLength < 1 || rLength > 33 || der[4 + rLength] !== 0x02) return undefined;
  const sLength = der[5 + rLength] ?? 0;
  if (sLength < 1 || sLength > 33 || 6 + rLength + sLength !== der.length) return undefined;
  const rBytes = der.subarray(4, 4 + rLength);
  const sBytes = der.subarray(6 + rLength);
  // Refusing other encodings of the same (r, s) keeps signatures non-malleable as bytes, as the
  // domain's verifier does: a negative or zero-padded INTEGER is not what sm2Sign writes.
  if (!minimalPositive(rBytes) || !minimalPositive(sBytes)) return undefined;
  return { r: toBig(rBytes), s: toBig(sBytes) };
}

/** True when `signature` (DER, as the domain's `sm2Sign` writes it) is the holder of `key`'s over `message`. */
export function sm2Verify(
  message: Uint8Array,
  key: Sm2PublicPoint,
  signature: Uint8Array,
  userId: string = SM2_DEFAULT_USER_ID,
): boolean {
  const rs = sm2SignatureOf(signature);
  if (rs === undefined) return false;
  const { r, s } = rs;
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  const t = mod(r + s, N);
  if (t === 0n) return false;
  const point = toAffine(sumOfMultiples(s, [GX, GY, 1n], t, [key.x, key.y, 1n]));
  if (point === undefined) return false;
  const e = toBig(sm3(concat([sm2Z(key, userId), message])));
  return mod(e + point[0], N) === r;
}

/** DER INTEGER contents that are positive and have no superfluous leading zero byte. */
function minimalPositive(bytes: Uint8Array): boolean {
  const first = bytes[0] ?? 0;
  if (first >= 0x80) return false;
  return !(first === 0 && bytes.length > 1 && (bytes[1] ?? 0) < 0x80);
}

type Jacobian = readonly [bigint, bigint, bigint];

const INFINITY: Jacobian = [1n, 1n, 0n];

function mod(value: bigint, modulus: bigint): bigint {
  const rest = value % modulus;
  return rest < 0n ? rest + modulus : rest;
}

function invert(value: bigint, modulus: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(value, modulus), modulus, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, modulus);
}

// Jacobian coordinates (X/Z², Y/Z³) for a = −3: one inversion per verification instead of one per step.
function double([x, y, z]: Jacobian): Jacobian {
  if (y === 0n || z === 0n) return INFINITY;
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
  if (u1 === u2) return s1 === s2 ? double(p) : INFINITY;
  const h = mod(u2 - u1, P);
  const r = mod(s2 - s1, P);
  const hh = mod(h * h, P);
  const hhh = mod(h * hh, P);
  const x3 = mod(r * r - hhh - 2n * u1 * hh, P);
  return [x3, mod(r * (u1 * hh - x3) - s1 * hhh, P), mod(h * p[2] * q[2], P)];
}

/** k·p + l·q in one pass over the bits (Shamir's trick): half the doublings of two multiplications. */
function sumOfMultiples(k: bigint, p: Jacobian, l: bigint, q: Jacobian): Jacobian {
  const both = add(p, q);
  let result = INFINITY;
  const bits = Math.max(k.toString(2).length, l.toString(2).length);
  for (let bit = BigInt(bits - 1); bit >= 0n; bit--) {
    result = double(result);
    const fromK = (k >> bit) & 1n;
    const fromL = (l >> bit) & 1n;
    if (fromK && fromL) result = add(result, both);
    else if (fromK) result = add(result, p);
    else if (fromL) result = add(result, q);
  }
  return result;
}

function toAffine([x, y, z]: Jacobian): readonly [bigint, bigint] | undefined {
  if (z === 0n) return undefined;
  const zInverse = invert(z, P);
  const zz = mod(zInverse * zInverse, P);
  return [mod(x * zz, P), mod(y * zz * zInverse, P)];
}

function toBig(bytes: Uint8Array): bigint {
  let hex = "0x0";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return BigInt(hex);
}

function bytes32(value: bigint): Uint8Array {
  const hex = value.toString(16).padStart(64, "0");
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.length;
  }
  return whole;
}
