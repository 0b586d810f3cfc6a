import { discreteLaplace, noisySum, type UniformInt } from "./noise.ts";

/**
 * Calibrating a numeric column's upper clamp bound from the data, with differential privacy.
 *
 * Why: a noisy sum's noise is scaled to the largest value one unit can add (the cap of rows per
 * unit times the column's upper bound). A bound declared far above what the data holds makes every
 * sum and mean noisier than it needs to be; one set below the data's tail makes them read low.
 * Here the bound is chosen from the data, to be the smallest that leaves a stated share of the
 * column's total above it (the bias a clamp causes), so that the noise is as small as that bias
 * allows.
 *
 * How, and what it costs: the column's values, clamped to the declared bounds, each unit's rows cut
 * to the dataset's cap, are counted and summed in buckets between the candidate bounds (a 1-2-5
 * ladder below the declared bound). The counts and sums get discrete Laplace noise, half of ε each:
 * a unit adds at most `cap` rows, so at most `cap` to the counts (L1), and each of its rows adds to
 * one bucket's sum at most that bucket's upper edge, so each bucket's sum is noised in proportion to
 * its edge (Σ rows · edge_b / (cap · edge_b / ε) ≤ ε). Everything after is post-processing of those
 * noisy figures: the whole calibration is ε-DP, on top of what licenses spend, once per draft.
 * The draft is a proposal: the bound becomes policy only when two officers publish it.
 */

/** Declared bounds of the column (`bounds.min`, `bounds.max` of its manifest). */
export interface DeclaredBounds {
  readonly lo: number;
  readonly hi: number;
}

/** The column's values per bucket: bucket b holds values in (edges[b-1], edges[b]], bucket 0 all up to edges[0]. */
export interface BucketHistogram {
  /** Ascending; the last is the declared upper bound. */
  readonly edges: readonly number[];
  /** Values in each bucket, after each unit's rows are cut to the cap. */
  readonly counts: readonly number[];
  /** Sum of the values (clamped to the declared bounds) in each bucket. */
  readonly sums: readonly number[];
}

export interface CalibrationOptions {
  readonly declared: DeclaredBounds;
  /** Rows one unit may add (the dataset's `maxContributionsPerUnit`). */
  readonly maxContributions: number;
  readonly epsilon: number;
  /** Largest share of the column's total a drafted bound may leave above it (default 1%). */
  readonly maxClampedShare?: number;
  /** The bound may not go below this (the top of the column's dummy range, which must lie inside it). */
  readonly atLeast?: number;
  /**
   * A candidate in force today (a declared cap), kept unless its estimated clamped share is above
   * `maxClampedShare`: moving off it, upwards, needs the data to show it clamps too much, not only
   * that the noise cannot rule it out; candidates below it still need the margin.
   */
  readonly incumbent?: number;
  /** What the histogram's sums add up to, in the reasons a draft gives (default "the column's total"). */
  readonly totalName?: string;
  readonly uniform?: UniformInt;
}

export interface BoundCalibration {
  /** The drafted upper bound: one of the candidates, or the declared bound when none qualifies. */
  readonly hi: number;
  /** Estimated share of the column's total above `hi` (0 when the declared bound is kept). */
  readonly clampedShare: number;
  /** The noisy number of values the draft rests on. */
  readonly values: number;
  /** Why the declared bound was kept, when it was. */
  readonly kept: string | null;
}

/** Default largest share of a column's total a drafted bound may clamp away. */
export const DEFAULT_MAX_CLAMPED_SHARE = 0.01;
/** Values per unit of the cap a calibration needs: with fewer, the noise says more than the data. */
export const MIN_VALUES_PER_CAP = 1000;
/** How far below the declared bound candidates go: five decades. */
const CANDIDATE_DECADES = 5;
/** Standard deviations of the estimated clamped share's noise the draft keeps in hand. */
const CONFIDENCE = 1.5;

/**
 * Candidate bounds: the 1-2-5 numbers strictly between the declared bounds and at least 10⁻⁵ of the
 * upper one, then the upper bound itself, ascending. Round numbers a reader can take in.
 *
 * @example
 * boundCandidates({ lo: 0, hi: 2_000_000 }).slice(-4); // [200000, 500000, 1000000, 2000000]
 */
export function boundCandidates(declared: DeclaredBounds): number[] {
  const floor = Math.max(declared.lo, declared.hi / 10 ** CANDIDATE_DECADES);
  const candidates: number[] = [];
  for (let exponent = Math.floor(Math.log10(declared.hi)); candidates.length < 3 * 20; exponent--) {
    for (const mantissa of [5, 2, 1]) {
      const value = Number((mantissa * 10 ** exponent).toPrecision(12));
      if (value < declared.hi && value > floor) candidates.push(value);
    }
    if (10 ** exponent <= floor) break;
  }
  return [...candidates.reverse(), declared.hi];
}

/** Steps of the cap ladder within each decade from 10 on (1 to 10 are all candidates). */
const CAP_STEPS = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8] as const;

/**
 * Candidate caps on the rows one unit may add: every integer up to 10, then 12, 15, 20, 25, 30, 40,
 * 50, 60, 80 and on by decades, up to `ceiling` (the last), with the declared cap among them,
 * ascending. Finer than the bounds' 1-2-5 ladder: the noise of every count grows with the cap, so a
 * cap of 30 where 50 would do costs little, one of 50 where 30 would do costs 5/3 of the noise.
 *
 * @example
 * capCandidates(20, 200); // [1, 2, …, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 200]
 */
export function capCandidates(declared: number, ceiling: number): number[] {
  const caps = new Set<number>([declared, ceiling]);
  for (let n = 1; n <= Math.min(10, ceiling); n++) caps.add(n);
  for (let decade = 10; decade < ceiling; decade *= 10)
    for (const step of CAP_STEPS) {
      const cap = Math.round(step * decade);
      if (cap > 10 && cap < ceiling) caps.add(cap);
    }
  return [...caps].filter((c) => c <= ceiling).sort((a, b) => a - b);
}

/** Laplace variance of a discrete Laplace of scale b, near enough: 2b². */
const variance = (scale: number): number => 2 * scale * scale;

/**
 * Drafts the upper bound from the true histogram: adds the noise (the only step that reads the
 * data), then picks the smallest candidate whose estimated clamped share, plus `CONFIDENCE`
 * standard deviations of its noise, stays within `maxClampedShare`.
 */
export function calibrateUpperBound(
  histogram: BucketHistogram,
  options: CalibrationOptions,
): BoundCalibration {
  const { declared, maxContributions: cap, epsilon } = options;
  if (declared.lo < 0)
    throw new RangeError("calibration drafts an upper bound over values that are not negative");
  const edges = histogram.edges;
  const share = options.maxClampedShare ?? DEFAULT_MAX_CLAMPED_SHARE;
  const totalName = options.totalName ?? "the column's total";
  const halfEpsilon = epsilon / 2;
  const countScale = cap / halfEpsilon;
  const sumScale = (b: number): number => (cap * edges[b]!) / halfEpsilon;
  const counts = histogram.counts.map((n) => n + discreteLaplace(countScale, options.uniform));
  const sums = histogram.sums.map((s, b) => noisySum(s, cap * edges[b]!, halfEpsilon, options.uniform));
  const values = Math.max(
    0,
    counts.reduce((a, b) => a + b, 0),
  );
  const total = sums.reduce((a, b) => a + b, 0);
  const keep = (kept: string): BoundCalibration => ({ hi: declared.hi, clampedShare: 0, values, kept });
  if (values < MIN_VALUES_PER_CAP * cap)
    return keep(`too few values (about ${Math.round(values)}) for the noise to leave a usable estimate`);
  if (!(total > 0))
    return keep(`the noise is larger than ${totalName} at this ε: too little data to draft from`);
  const atLeast = options.atLeast ?? declared.lo;
  for (let j = 0; j < edges.length - 1; j++) {
    const bound = edges[j]!;
    if (bound < atLeast) continue;
    // What clamping at `bound` removes: in each bucket above it, its sum less its count times the bound.
    let excess = 0;
    let noise = 0;
    for (let b = j + 1; b < edges.length; b++) {
      excess += sums[b]! - bound * counts[b]!;
      noise += variance(sumScale(b)) + bound * bound * variance(countScale);
    }
    const estimated = Math.max(0, excess) / total;
    const margin = bound === options.incumbent ? 0 : (CONFIDENCE * Math.sqrt(noise)) / total;
    if (estimated + margin <= share) return { hi: bound, clampedShare: estimated, values, kept: null };
  }
  return keep(`no lower candidate clamps less than ${share * 100}% of ${totalName}`);
}
