import { createHmac } from "node:crypto";

/**
 * Sticky seeded noise: the protection of grade 2 (business data released as aggregates over at
 * least k units), in the manner of Open Diffix. No budget is spent: the noise of a figure is fixed
 * by what the figure is and whom it counts, so asking again, or asking the same thing in other
 * words, gives the same figure, and averaging answers gains nothing.
 *
 * Each released count or sum carries two layers of Gaussian noise, each seeded by an HMAC under the
 * domain's secret salt (derived from its signing key: an operator who knew it could subtract the
 * noise):
 * - the static layer, seeded by the figure's canonical form (the relation, the filters, the group
 *   keys and the statistic, as query-key.ts writes them; rephrasings it recognises share it) and
 *   the group's key values;
 * - the unit layer, seeded by the same and by the set of units that contribute to the figure (the
 *   XOR of their hashes). Two queries whose groups differ by one unit (differencing, a tracker)
 *   get independent unit layers: their difference is the unit's value plus noise of standard
 *   deviation 2σ, never the value.
 * σ is the average of a group's third to sixth largest unit totals, rounded up to a power of two
 * (at least 1 for counts): the size of a typical large contribution. The two largest totals are
 * first flattened to that average, so no one unit, however large or however its value is
 * amplified (`x * 100`, a CASE that doubles one firm), moves a figure by more than about σ.
 * The threshold of k units is raised by a seeded offset of 0–6 units (unit layer), so whether a
 * group just at k appears does not say whether a given unit is in it.
 *
 * What it does not do: guarantee anything against unlimited distinct computations. Each new
 * computation (a new condition that changes the unit set, a rephrasing the canonical form does not
 * recognise) draws new layers, so an attacker who can ask thousands of different queries isolating
 * one firm can average towards its value; the license quotas (jobs per day, queries per job) bound
 * how many, and docs/security.md says how far that goes. Grade 3 has differential privacy for that.
 */

/** What the post-processor needs to noise a non-DP (grade 2) release. */
export interface StickyNoise {
  /** The domain's secret for seeding (32 bytes); never leaves the engine. */
  readonly salt: Uint8Array;
  /**
   * Per measure of the plan, its canonical figure form (`CanonicalQuery.figures`), with the
   * query's parameters when it has any.
   */
  readonly figures: readonly string[];
  /** Per group key of the plan, its canonical form (`CanonicalQuery.keys`). */
  readonly keys: readonly string[];
}

/**
 * A group's name for seeding: its keys' canonical forms with their values, in key-form order, so
 * that the same group asked with its keys in another order is the same group.
 */
export function stickyGroup(keys: readonly string[], values: readonly unknown[]): string {
  const pairs = keys.map((key, i) => [
    key,
    values[i] === null || values[i] === undefined ? null : String(values[i]),
  ]);
  pairs.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  return JSON.stringify(pairs);
}

/** How many of a group's largest unit totals are flattened to the average of the next ones. */
export const FLATTENED_UNITS = 2;
/** How many unit totals after the flattened ones set σ (their average). */
export const TOP_GROUP_UNITS = 4;
/** Unit totals a rewrite keeps per group and statistic: the flattened and the top group. */
export const KEPT_UNIT_TOTALS = FLATTENED_UNITS + TOP_GROUP_UNITS;

/**
 * A standard normal sample fixed by the salt and the seed: HMAC-SHA256 of the seed's JSON gives two
 * 52-bit uniforms, Box–Muller turns them into a normal. The same seed always gives the same sample.
 */
export function seededNormal(salt: Uint8Array, seed: readonly unknown[]): number {
  const digest = createHmac("sha256", salt).update(JSON.stringify(seed)).digest();
  const u1 = (Number(digest.readBigUInt64BE(0) >> 12n) + 0.5) / 2 ** 52;
  const u2 = Number(digest.readBigUInt64BE(8) >> 12n) / 2 ** 52;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** The two noise layers of one figure of one group, in units of σ (standard deviation √2). */
export function stickyLayers(salt: Uint8Array, figure: string, group: string, unitSet: string): number {
  return (
    seededNormal(salt, ["static", figure, group]) + seededNormal(salt, ["units", figure, group, unitSet])
  );
}

/**
 * The threshold a group's (or a conditional figure's) true unit count must reach: k plus a seeded
 * offset of 0 to 6 units, the same for the same units and figure, another for another unit set.
 */
export function stickyThreshold(
  salt: Uint8Array,
  k: number,
  figure: string,
  group: string,
  unitSet: string,
): number {
  const z = seededNormal(salt, ["threshold", figure, group, unitSet]);
  return k + Math.min(6, Math.round(Math.abs(z) * 2));
}

/** The smallest power of two not below x (x > 0). */
function powerOfTwoAbove(x: number): number {
  return 2 ** Math.ceil(Math.log2(x));
}

/** The average of a list's entries after the flattened ones (all of them when it is that short). */
function topGroupAverage(totals: readonly number[]): number {
  const rest = totals.length > FLATTENED_UNITS ? totals.slice(FLATTENED_UNITS) : totals;
  return rest.length === 0 ? 0 : rest.reduce((s, v) => s + v, 0) / rest.length;
}

/**
 * A figure's flattened true value and its noise's σ, from its true total and its largest (and, when
 * values can be negative, smallest) unit totals. Counts take σ ≥ 1; a sum all of whose large
 * totals are zero takes σ = 0 (every unit adds nothing: there is nothing to hide about any one).
 */
export function flattenedFigure(
  total: number,
  largest: readonly number[],
  smallest: readonly number[] | null,
  isCount: boolean,
): { value: number; sigma: number } {
  const top = topGroupAverage(largest);
  let value = total;
  for (const t of largest.slice(0, FLATTENED_UNITS)) if (t > top) value -= t - top;
  let spread = Math.max(0, top);
  if (smallest) {
    const bottom = topGroupAverage(smallest);
    for (const b of smallest.slice(0, FLATTENED_UNITS)) if (b < bottom) value += bottom - b;
    spread = Math.max(spread, -bottom);
  }
  const floor = isCount ? 1 : 0;
  const sigma = Math.max(floor, spread) > 0 ? powerOfTwoAbove(Math.max(floor, spread)) : 0;
  return { value, sigma };
}
