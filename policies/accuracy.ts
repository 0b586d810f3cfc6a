/**
 * How precise a noisy figure is, said in the terms a reader of a table can use: the scale of the
 * noise added to it and the half-width of the interval that holds the true value with 95%
 * probability. Everything here is arithmetic on the mechanism's parameters (ε, bounds, the
 * contribution cap) and on figures already released, never on the data: it is post-processing and
 * costs no privacy.
 */

/** The accuracy of one released figure. */
export interface FigureAccuracy {
  /**
   * Scale of the noise added to the figure: b of discrete Laplace noise (P(z) ∝ exp(-|z|/b)) under
   * DP, the standard deviation of the Gaussian sticky noise of grade 2; null for a ratio of two
   * noisy figures (a mean), whose error is not one draw.
   */
  readonly scale: number | null;
  /** Half-width of the 95% interval: the true value lies within ± this of the figure, 19 times in 20. */
  readonly ci95: number;
  /**
   * The bounds the figure was computed under, which move it off the true value by more than the
   * noise where the data exceed them (the interval covers the noise only): absent where none
   * applies (a count of distinct units).
   */
  readonly bounded?: FigureBounds;
}

/**
 * What a figure's bounds did (docs/accuracy.md, "Bias"): each value clamped into `values`
 * (a sum reads low where values lie above it); at most `rowsPerUnit` rows of each unit counted
 * (a count or sum reads low where units have more); each unit's total over the query at most
 * `unitTotal` (a sum reads low where a unit's is larger); each unit counted in one group only
 * (`oneGroupPerUnit`: the rows of a unit in other groups are left out). These are the policy's
 * rules, the same for every group, never a fact about the data: whether a bound cut anything in a
 * group is not released.
 */
export interface FigureBounds {
  readonly values?: [number, number];
  readonly rowsPerUnit?: number;
  readonly unitTotal?: number;
  readonly oneGroupPerUnit?: true;
}

/** `figure` with the bounds it was computed under, when there are any. */
export function withBounds(figure: FigureAccuracy, bounds: FigureBounds | undefined): FigureAccuracy {
  return bounds === undefined || Object.keys(bounds).length === 0 ? figure : { ...figure, bounded: bounds };
}

/**
 * The smallest integer k with P(|Z| > k) ≤ 5% for discrete Laplace Z of scale b:
 * P(|Z| ≥ m) = 2·e^(−m/b) / (1 + e^(−1/b)) for m ≥ 1.
 */
export function discreteLaplaceHalfWidth95(scale: number): number {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError("scale must be positive and finite");
  const m = Math.ceil(scale * Math.log(2 / (0.05 * (1 + Math.exp(-1 / scale)))));
  return Math.max(0, m - 1);
}

/** Accuracy of a noisy count whose noise is discrete Laplace of `scale` (in units of one). */
export function countAccuracy(scale: number): FigureAccuracy {
  return { scale, ci95: discreteLaplaceHalfWidth95(scale) };
}

/**
 * Accuracy of a noisy sum released on a grid of `grid` with discrete Laplace noise of `gridScale`
 * grid steps: the noise's half-width plus the half step lost when the true sum was snapped.
 */
export function sumAccuracy(gridScale: number, grid: number): FigureAccuracy {
  return { scale: gridScale * grid, ci95: discreteLaplaceHalfWidth95(gridScale) * grid + grid / 2 };
}

/** Accuracy of a figure with Gaussian noise of standard deviation `sd` (sticky noise). */
export function gaussianAccuracy(sd: number): FigureAccuracy {
  return { scale: sd, ci95: 1.96 * sd };
}

/**
 * Approximate accuracy of a mean released as noisy sum / noisy count (first-order propagation of
 * the two independent errors), never wider than the range of values the mean can take.
 */
export function meanAccuracy(
  mean: number,
  count: number,
  sum: FigureAccuracy,
  units: FigureAccuracy,
  range: number,
): FigureAccuracy {
  const n = Math.max(count, 1);
  const spread = Math.sqrt(sum.ci95 ** 2 + (mean * units.ci95) ** 2) / n;
  return { scale: null, ci95: Math.min(spread, range) };
}

/**
 * A figure rounded to what its accuracy can claim: to one decimal place below the leading digit of
 * its 95% half-width (±37 → to units, ±3,700 → to hundreds, ±0.37 → to hundredths). The rounding
 * moves a figure by at most a twentieth of its half-width, and leaves no digit that only noise set.
 */
export function roundToAccuracy(value: number, ci95: number): number {
  if (!(ci95 > 0) || !Number.isFinite(value)) return value;
  const exponent = Math.floor(Math.log10(ci95)) - 1;
  // Dividing by a power of ten below one is inexact in binary; multiplying by its inverse is not.
  return exponent >= 0
    ? Math.round(value / 10 ** exponent) * 10 ** exponent
    : Math.round(value * 10 ** -exponent) / 10 ** -exponent;
}
