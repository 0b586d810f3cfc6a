import { createHash } from "node:crypto";

/**
 * A second SM2 signature implementation for interoperability tests, written from GB/T 32918.2 in
 * affine coordinates, sharing no code with audit/sm2.ts (gm-crypto has SM2 encryption only, no
 * signatures). It is itself pinned to the standard's worked example (see crypto-profile.test.ts).
 * Not constant time: for tests only.
 */
const p = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const a = p - 3n;
const b = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
const n = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const g: Point = [
  0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
];
type Point = readonly [bigint, bigint] | null;

const mod = (x: bigint, m: bigint) => ((x % m) + m) % m;
const inv = (x: bigint, m: bigint): bigint => {
  let [r0, r1, s0, s1] = [mod(x, m), m, 1n, 0n];
  while (r1) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
};
function add(P: Point, Q: Point): Point {
  if (!P) return Q;
  if (!Q) return P;
  const [x1, y1] = P;
  const [x2, y2] = Q;
  let l: bigint;
  if (x1 === x2) {
    if (mod(y1 + y2, p) === 0n) return null;
    l = mod((3n * x1 * x1 + a) * inv(2n * y1, p), p);
  } else l = mod((y2 - y1) * inv(x2 - x1, p), p);
  const x3 = mod(l * l - x1 - x2, p);
  return [x3, mod(l * (x1 - x3) - y1, p)];
}
export function referenceMultiply(k: bigint, P: Point = g): Point {
  let R: Point = null;
  for (const bit of k.toString(2)) {
    R = add(R, R);
    if (bit === "1") R = add(R, P);
  }
  return R;
}
const hex32 = (x: bigint) => Buffer.from(x.toString(16).padStart(64, "0"), "hex");
const big = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString("hex")}`);

export function referenceZ(id: string, [x, y]: readonly [bigint, bigint]): Buffer {
  const idBytes = Buffer.from(id, "utf8");
  const entl = Buffer.from([(idBytes.length * 8) >> 8, (idBytes.length * 8) & 0xff]);
  const gx = g?.[0] ?? 0n;
  const gy = g?.[1] ?? 0n;
  return createHash("sm3")
    .update(Buffer.concat([entl, idBytes, hex32(a), hex32(b), hex32(gx), hex32(gy), hex32(x), hex32(y)]))
    .digest();
}

const e = (id: string, Q: readonly [bigint, bigint], message: Uint8Array) =>
  big(createHash("sm3").update(referenceZ(id, Q)).update(message).digest());

/** (r, s) over `message` with the given nonce k (the standard's example fixes it). */
export function referenceSign(d: bigint, message: Uint8Array, k: bigint, id = "1234567812345678") {
  const Q = referenceMultiply(d);
  const kG = referenceMultiply(k);
  if (!Q || !kG) throw new Error("point at infinity");
  const r = mod(e(id, Q, message) + kG[0], n);
  const s = mod(inv(1n + d, n) * (k - r * d), n);
  return { r, s };
}

export function referenceVerify(
  Q: readonly [bigint, bigint],
  message: Uint8Array,
  { r, s }: { r: bigint; s: bigint },
  id = "1234567812345678",
): boolean {
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const t = mod(r + s, n);
  if (t === 0n) return false;
  const point = add(referenceMultiply(s), referenceMultiply(t, Q));
  return point !== null && mod(e(id, Q, message) + point[0], n) === r;
}
