import { createHmac, randomInt } from "node:crypto";

/**
 * Differential-privacy noise that is exact in integer arithmetic.
 *
 * Why not `b * ln(U)`: a float Laplace sample leaks the true value through the pattern of
 * representable doubles it can land on (Mironov 2012). Here every sample is an integer drawn by
 * the rejection sampler of Canonne, Kamath and Steinke ("The Discrete Gaussian for Differential
 * Privacy", 2020, algorithms 1 and 2), which only ever compares uniform integers from a CSPRNG, so
 * the output distribution is exactly the discrete Laplace with the stated rational scale. Real-valued
 * statistics (sums of money) are snapped to a power-of-two grid first and noised in grid units.
 */

/** A source of uniform integers in [0, bound). Production uses the CSPRNG; tests may inject a seeded one. */
export type UniformInt = (bound: number) => number;

/** Uniform integers from Node's CSPRNG (`crypto.randomInt`, which caps bounds at 2^48). */
export const secureUniformInt: UniformInt = (bound) => randomInt(bound);

const MAX_BOUND = 2 ** 48;

/**
 * Uniform integers fixed by a secret salt and a seed: the HMAC-SHA256 of the seed and a counter,
 * read 48 bits at a time, with rejection so that every value below the bound is equally likely.
 * For a release that must give the same noisy answer when asked again (a draft drawn from the
 * same data), without letting anyone who lacks the salt predict or subtract the noise.
 */
export function seededUniformInt(salt: Uint8Array, seed: readonly unknown[]): UniformInt {
  const prefix = JSON.stringify(seed);
  let block = 0;
  let digest = Buffer.alloc(0);
  let offset = 0;
  const next48 = (): number => {
    if (offset + 6 > digest.length) {
      digest = createHmac("sha256", salt).update(`${prefix}#${block++}`).digest();
      offset = 0;
    }
    const value = digest.readUIntBE(offset, 6);
    offset += 6;
    return value;
  };
  return (bound) => {
    if (!Number.isSafeInteger(bound) || bound < 1 || bound > MAX_BOUND)
      throw new RangeError("bound out of range for the seeded sampler");
    const limit = Math.floor(MAX_BOUND / bound) * bound;
    for (;;) {
      const value = next48();
      if (value < limit) return value % bound;
    }
  };
}

/** Bernoulli(num/den) with integers, 0 <= num <= den. */
function bernoulliRational(num: number, den: number, uniform: UniformInt): boolean {
  if (den > MAX_BOUND) throw new RangeError("denominator too large for the integer sampler");
  return uniform(den) < num;
}

/** Bernoulli(exp(-num/den)), algorithm 1 of Canonne, Kamath, Steinke. */
export function bernoulliExpNeg(num: number, den: number, uniform: UniformInt): boolean {
  let n = num;
  while (n > den) {
    // exp(-g) = exp(-1)^floor(g) * exp(-(g - floor(g)))
    if (!bernoulliExpNeg(1, 1, uniform)) return false;
    n -= den;
  }
  let k = 1;
  while (bernoulliRational(n, den * k, uniform)) k++;
  return k % 2 === 1;
}

/**
 * One sample of the discrete Laplace distribution P(z) ∝ exp(-|z| * den / num), i.e. with scale
 * num/den, for positive integers num and den (algorithm 2 of Canonne, Kamath, Steinke).
 */
export function sampleDiscreteLaplace(
  num: number,
  den: number,
  uniform: UniformInt = secureUniformInt,
): number {
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den) || num < 1 || den < 1) {
    throw new RangeError("scale must be a ratio of positive integers");
  }
  for (;;) {
    const u = uniform(num);
    if (!bernoulliExpNeg(u, num, uniform)) continue;
    let v = 0;
    while (bernoulliExpNeg(1, 1, uniform)) v++;
    const y = Math.floor((u + num * v) / den);
    const negative = uniform(2) === 1;
    if (negative && y === 0) continue;
    return negative ? -y : y;
  }
}

/** Denominator used to express real scales as rationals; scales are rounded up, never down. */
const SCALE_DENOMINATOR = 1024;

/** The scale actually sampled for a requested one: rounded up to a multiple of 1/1024. */
export function sampledScale(scale: number): number {
  return Math.ceil(scale * SCALE_DENOMINATOR) / SCALE_DENOMINATOR;
}

/** Discrete Laplace noise for a scale given as a real number (rounded up to a multiple of 1/1024). */
export function discreteLaplace(scale: number, uniform: UniformInt = secureUniformInt): number {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError("scale must be positive and finite");
  return sampleDiscreteLaplace(Math.ceil(scale * SCALE_DENOMINATOR), SCALE_DENOMINATOR, uniform);
}

/**
 * Adds ε-DP noise to an integer count whose L1 sensitivity is `sensitivity` (an integer).
 * The result is an integer; it may be negative (callers clamp: clamping is post-processing).
 */
export function noisyCount(
  trueCount: number,
  sensitivity: number,
  epsilon: number,
  uniform?: UniformInt,
): number {
  return Math.round(trueCount) + discreteLaplace(sensitivity / epsilon, uniform);
}

/**
 * The grid on which a real-valued statistic with noise scale `scale` is released: the largest
 * power of two not above scale/1000, so the snapping error is far below the noise.
 */
export function noiseGranularity(scale: number): number {
  return 2 ** Math.floor(Math.log2(scale / 1000));
}

/**
 * Adds ε-DP noise to a real-valued sum whose L1 sensitivity is `sensitivity`.
 *
 * The true sum is rounded to a power-of-two grid γ, which can move it by up to γ/2 and so adds γ
 * to the sensitivity in the worst case; the noise is discrete Laplace in grid units with scale
 * (sensitivity + γ) / (γ ε). The output is a multiple of γ: its low bits carry no information.
 */
export function noisySum(
  trueSum: number,
  sensitivity: number,
  epsilon: number,
  uniform?: UniformInt,
): number {
  const { grid, gridScale } = sumNoise(sensitivity, epsilon);
  const snapped = Math.round(trueSum / grid);
  return (snapped + discreteLaplace(gridScale, uniform)) * grid;
}

/** The grid a noisy sum is released on and its noise scale in grid steps (see `noisySum`). */
export function sumNoise(sensitivity: number, epsilon: number): { grid: number; gridScale: number } {
  const grid = noiseGranularity(sensitivity / epsilon);
  return { grid, gridScale: (sensitivity + grid) / (grid * epsilon) };
}

/**
 * Threshold a noisy unit count must reach for a group whose existence is itself derived from the
 * data (partitions not declared in the manifest). With Laplace noise of scale b = C/ε on the unit
 * count, and each unit in at most C groups, a group holding a single unit passes with probability
 * at most C/2 · exp(-(τ-1)/b) = δ (the Laplace partition-selection bound of Google's DP library).
 */
export function partitionSelectionThreshold(
  minGroupSize: number,
  maxContributions: number,
  epsilon: number,
  delta: number,
): number {
  const b = maxContributions / epsilon;
  return Math.max(minGroupSize, Math.ceil(1 + b * Math.log(maxContributions / (2 * delta))));
}
