import {
  countAccuracy,
  type FigureAccuracy,
  type FigureBounds,
  gaussianAccuracy,
  meanAccuracy,
  roundToAccuracy,
  sumAccuracy,
  withBounds,
} from "./accuracy.ts";
import {
  discreteLaplace,
  noisyCount,
  noisySum,
  partitionSelectionThreshold,
  sampledScale,
  sumNoise,
  type UniformInt,
} from "./noise.ts";
import type {
  AggregatePlan,
  DominanceColumns,
  HavingCondition,
  Measure,
  RawAggregateColumns,
} from "./query-plan.ts";
import {
  flattenedFigure,
  type StickyNoise,
  stickyGroup,
  stickyLayers,
  stickyThreshold,
} from "./sticky-noise.ts";

/**
 * Post-processing of a rewritten aggregate query: noise, thresholds, dominance, then the
 * operator's HAVING, ORDER BY and LIMIT on the released values. Pure apart from the injected
 * random source.
 *
 * Budget split: the query's ε is divided among the statistics computed per group (the unit
 * count, each measure, and the contributor count of each conditional measure), sums weighted
 * SUM_WEIGHT times the others: a mean's error is dominated by its sum, whose sensitivity (the
 * bound) is far above a typical value. Each
 * statistic's L1 sensitivity across all groups is C × (largest absolute per-row value), C being
 * the contribution bound, because a unit's rows are capped at C before aggregation. Sequential
 * composition makes the whole release ε-DP (plus δ for data-derived partitions, below).
 *
 * A plan without DP (grade 2) spends no budget: its figures carry sticky seeded noise instead
 * (sticky-noise.ts), fixed by what each figure is and which units add to it.
 */

/** A released cell value. */
export type Cell = string | number | boolean | null;

/** Options of the post-processor. */
export interface AggregationOptions {
  /** ε of this query (DP plans only). */
  readonly epsilon: number;
  /** δ of partition selection for groups not declared in the manifest. */
  readonly partitionDelta: number;
  readonly uniform?: UniformInt;
  /** The seeds of the sticky noise of a plan without DP; required for such a plan. */
  readonly stickyNoise?: StickyNoise;
}

/** The released table and what was withheld. */
export interface AggregationResult {
  readonly columns: readonly string[];
  readonly rows: Cell[][];
  /**
   * Per row and output column, how precise the released figure is: null for group keys and
   * withheld cells. Figures are rounded to it.
   */
  readonly accuracy: (FigureAccuracy | null)[][];
  /** Groups dropped below the threshold. */
  readonly suppressedGroups: number;
  /** Single values withheld (too few contributing units, or dominance). */
  readonly suppressedCells: number;
  readonly dominanceSuppressed: number;
  /**
   * Threshold applied to each group's (noisy, for DP) unit count; without DP, the least of the
   * sticky thresholds, each of which is this plus a seeded 0–6 units.
   */
  readonly threshold: number;
  /**
   * Whether the suppressed counts may be shown to the operator. Not for DP queries over
   * data-derived groups: how many groups were suppressed tells which rare combinations exist.
   */
  readonly suppressionDisclosable: boolean;
}

/** Largest cross product of declared values filled in as public partitions. */
const MAX_PUBLIC_PARTITIONS = 10_000;

/** A measure is conditional when not every row of the group necessarily contributes to it. */
export function isConditional(measure: Measure): boolean {
  if (measure.kind === "units") return false;
  if (measure.filter) return true;
  return measure.value !== null && measure.value.class !== "COLUMN_REF" && measure.value.class !== "CONSTANT";
}

/**
 * Whether releasing a measure reads its contributor count (units with a value for it). A DP
 * release of an unconditional measure uses the noisy unit count instead, so the rewrite need not
 * compute it.
 */
export function readsContributors(plan: AggregatePlan, measure: Measure): boolean {
  return !plan.differentialPrivacy || isConditional(measure);
}

/**
 * The most groups one unit's rows reach, and so what it adds to the unit counts (and contributor
 * counts) of all groups together: one when the rewrite keeps each unit's rows to one group
 * (`oneGroupPerUnit`), else as many as its rows (the cap).
 */
function unitSpread(plan: AggregatePlan): number {
  return plan.oneGroupPerUnit ? 1 : plan.maxContributions;
}

/** Sensitivity of one measure's per-group value (L1 across groups). */
function sensitivity(measure: Measure, plan: AggregatePlan): number {
  const c = plan.maxContributions;
  if (measure.kind === "units") return unitSpread(plan);
  if (measure.kind !== "sum") return c;
  const b = measure.bounds!;
  const rows = c * Math.max(Math.abs(b.lo), Math.abs(b.hi));
  // Each unit's total bounded by unitMax (never negative): clamped in its one group, or scaled over
  // all groups of the query, so that what one unit adds to all the groups' sums is at most it.
  return measure.unitMax === undefined ? rows : Math.min(rows, measure.unitMax);
}

/** Share of ε a sum gets relative to a count. */
const SUM_WEIGHT = 4;

/** Total weight of the DP statistics a plan computes per group (what ε is split across). */
export function statisticWeights(plan: AggregatePlan): number {
  return plan.measures.reduce(
    (total, m) => total + (m.kind === "sum" ? SUM_WEIGHT : 1) + (isConditional(m) ? 1 : 0),
    0,
  );
}

function numeric(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

function keyOf(values: readonly unknown[]): string {
  return JSON.stringify(values.map((v) => (v === null || v === undefined ? null : String(v))));
}

function crossProduct(domains: readonly (readonly string[])[]): string[][] | null {
  let acc: string[][] = [[]];
  for (const domain of domains) {
    if (acc.length * domain.length > MAX_PUBLIC_PARTITIONS) return null;
    acc = acc.flatMap((prefix) => domain.map((v) => [...prefix, v]));
  }
  return acc;
}

function compare(a: Cell, op: HavingCondition["op"], b: number): boolean {
  if (typeof a !== "number") return false;
  switch (op) {
    case "=":
      return a === b;
    case "<>":
      return a !== b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
  }
}

function orderCells(a: Cell, b: Cell): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : 1;
}

/**
 * The bounds the figure computed from `measures` is subject to (`FigureBounds`): the rules of the
 * plan, whatever the data.
 */
function figureBounds(plan: AggregatePlan, measures: readonly number[]): FigureBounds | undefined {
  const used = measures.map((j) => plan.measures[j]!).filter((m) => m.kind !== "units");
  if (used.length === 0) return undefined;
  const sum = used.find((m) => m.kind === "sum");
  return {
    ...(sum?.bounds ? { values: [sum.bounds.lo, sum.bounds.hi] as [number, number] } : {}),
    rowsPerUnit: plan.maxContributions,
    ...(sum?.unitMax === undefined ? {} : { unitTotal: sum.unitMax }),
    ...(plan.oneGroupPerUnit ? { oneGroupPerUnit: true as const } : {}),
  };
}

/**
 * The accuracy of each measure of a DP plan at ε (null for every measure of an exact plan): the
 * same for every group, fixed by ε, the bounds and the contribution cap, as `releaseAggregate`
 * adds the noise.
 */
export function measureAccuracies(plan: AggregatePlan, epsilon: number): (FigureAccuracy | null)[] {
  const epsilonEach = epsilon / statisticWeights(plan);
  return plan.measures.map((measure) => {
    if (!plan.differentialPrivacy) return null;
    if (measure.kind !== "sum") return countAccuracy(sampledScale(sensitivity(measure, plan) / epsilonEach));
    const { grid, gridScale } = sumNoise(sensitivity(measure, plan), epsilonEach * SUM_WEIGHT);
    return sumAccuracy(sampledScale(gridScale), grid);
  });
}

/**
 * Releases the raw per-group statistics of a rewritten query under the plan's rules.
 *
 * @example
 * const released = releaseAggregate(plan, rewritten.columns, rows, { epsilon: 0.5, partitionDelta: 1e-6 });
 */
export function releaseAggregate(
  plan: AggregatePlan,
  columns: RawAggregateColumns,
  rawRows: readonly Record<string, unknown>[],
  options: AggregationOptions,
): AggregationResult {
  const dp = plan.differentialPrivacy;
  const spread = unitSpread(plan);
  const epsilonEach = options.epsilon / statisticWeights(plan);
  const k = plan.minGroupSize;

  // Public partitions: every declared combination is a candidate, present in the data or not,
  // so which groups appear depends on noise alone. Rows outside the declared domain are dropped.
  let candidates: Record<string, unknown>[] = [...rawRows];
  const domains =
    dp && plan.publicPartitions && plan.groupKeys.length > 0 ? crossProduct(plan.publicPartitions) : null;
  if (domains) {
    const byKey = new Map(rawRows.map((r) => [keyOf(columns.keys.map((key) => r[key])), r]));
    candidates = domains.map((combination) => {
      const existing = byKey.get(keyOf(combination));
      if (existing) return existing;
      const empty: Record<string, unknown> = {};
      columns.keys.forEach((key, i) => {
        empty[key] = combination[i];
      });
      return empty;
    });
  }
  const threshold = dp
    ? domains || plan.groupKeys.length === 0
      ? k
      : partitionSelectionThreshold(k, spread, epsilonEach, options.partitionDelta)
    : k;

  const sticky = dp ? null : options.stickyNoise;
  if (!dp && !sticky) throw new Error("a release without DP needs the seeds of its sticky noise");

  let suppressedGroups = 0;
  let suppressedCells = 0;
  let dominanceSuppressed = 0;
  const released: { row: Cell[]; accuracy: (FigureAccuracy | null)[] }[] = [];
  const dpAccuracy = measureAccuracies(plan, options.epsilon);
  // Each output's bounds: the plan's rules, the same for every group.
  const boundsOf = plan.outputs.map((output) =>
    output.kind === "count" || output.kind === "sum"
      ? figureBounds(plan, [output.measure])
      : output.kind === "mean"
        ? figureBounds(plan, [output.sum, output.count])
        : undefined,
  );
  for (const raw of candidates) {
    const units = numeric(raw[columns.values[0]!]);
    // Without DP: each figure's sticky noise and accuracy, and the group's sticky threshold.
    const figures = sticky ? stickyFigures(plan, columns, raw, sticky) : null;
    const noisyUnits = figures
      ? figures[0]!.value
      : dp
        ? noisyCount(units, spread, epsilonEach, options.uniform)
        : units;
    if (figures ? units < figures[0]!.threshold : noisyUnits < threshold) {
      suppressedGroups++;
      continue;
    }
    const measureValues = plan.measures.map((measure, j): number | null => {
      const trueValue = numeric(raw[columns.values[j]!]);
      if (j === 0) return Math.max(0, noisyUnits);
      let value: number;
      if (figures) value = figures[j]!.value;
      else if (measure.kind === "sum") {
        const noisy = noisySum(
          trueValue,
          sensitivity(measure, plan),
          epsilonEach * SUM_WEIGHT,
          options.uniform,
        );
        // A sum of values within [lo, hi] has the sign of its bounds: clamping is post-processing.
        const b = measure.bounds!;
        value = b.lo >= 0 ? Math.max(0, noisy) : b.hi <= 0 ? Math.min(0, noisy) : noisy;
      } else
        value = Math.max(
          0,
          trueValue + discreteLaplace(sensitivity(measure, plan) / epsilonEach, options.uniform),
        );
      // Conditional aggregates are released only when enough units actually contribute.
      const contributors = numeric(raw[columns.contributors[j]!]);
      const counted = !readsContributors(plan, measure)
        ? noisyUnits
        : dp
          ? noisyCount(contributors, spread, epsilonEach, options.uniform)
          : contributors;
      if (counted < (figures ? figures[j]!.threshold : k)) {
        suppressedCells++;
        return null;
      }
      const dom = columns.dominance.get(j);
      if (dom && plan.dominance && dominated(raw, trueValue, dom, plan.dominance)) {
        dominanceSuppressed++;
        return null;
      }
      return value;
    });
    const accuracyOf = figures ? figures.map((f) => f.accuracy) : dpAccuracy;
    const accuracy: (FigureAccuracy | null)[] = [];
    const row = plan.outputs.map((output): Cell => {
      accuracy.push(null);
      switch (output.kind) {
        case "group": {
          const v = raw[columns.keys[output.key]!];
          return v === undefined ? null : (v as Cell);
        }
        case "count":
        case "sum": {
          const value = measureValues[output.measure] ?? null;
          const figure = accuracyOf[output.measure];
          if (value === null || !figure) return value;
          accuracy[accuracy.length - 1] = withBounds(figure, boundsOf[accuracy.length - 1]);
          const rounded = roundToAccuracy(value, figure.ci95);
          return output.kind === "count" ? Math.round(rounded) : rounded;
        }
        case "mean": {
          const sum = measureValues[output.sum];
          const count = measureValues[output.count];
          if (sum === null || sum === undefined || count === null || count === undefined) return null;
          const bounds = plan.measures[output.sum]!.bounds!;
          const mean = Math.min(bounds.hi, Math.max(bounds.lo, sum / Math.max(count, 1)));
          const sumFigure = accuracyOf[output.sum];
          const countFigure = accuracyOf[output.count];
          if (!sumFigure || !countFigure) return mean;
          const figure = meanAccuracy(mean, count, sumFigure, countFigure, bounds.hi - bounds.lo);
          accuracy[accuracy.length - 1] = withBounds(figure, boundsOf[accuracy.length - 1]);
          return roundToAccuracy(mean, figure.ci95);
        }
        default:
          return null;
      }
    });
    if (plan.having.every((h) => compare(row[h.output]!, h.op, h.value))) released.push({ row, accuracy });
  }

  if (plan.order.length > 0) {
    released.sort((a, b) => {
      for (const key of plan.order) {
        const d = orderCells(a.row[key.output]!, b.row[key.output]!);
        if (d !== 0) return key.descending ? -d : d;
      }
      return 0;
    });
  }
  const end = plan.limit === null ? undefined : plan.offset + plan.limit;
  const kept = released.slice(plan.offset, end);
  return {
    columns: plan.outputs.map((o) => o.name),
    rows: kept.map((r) => r.row),
    accuracy: kept.map((r) => r.accuracy),
    suppressedGroups,
    suppressedCells,
    dominanceSuppressed,
    threshold,
    suppressionDisclosable: !dp || domains !== null || plan.groupKeys.length === 0,
  };
}

/** One figure of a group without DP: its noisy value, its accuracy and its sticky threshold. */
interface StickyFigure {
  readonly value: number;
  readonly accuracy: FigureAccuracy;
  readonly threshold: number;
}

/**
 * The sticky figures of one group (sticky-noise.ts): each measure flattened (its two largest unit
 * totals brought down to the average of the next ones), plus two seeded layers of noise of σ set
 * by those next totals; the threshold its unit set must reach.
 */
function stickyFigures(
  plan: AggregatePlan,
  columns: RawAggregateColumns,
  raw: Record<string, unknown>,
  sticky: StickyNoise,
): StickyFigure[] {
  const group = stickyGroup(
    sticky.keys,
    columns.keys.map((key) => raw[key]),
  );
  const list = (name: string | null): number[] | null => {
    if (name === null) return null;
    const value = raw[name];
    return Array.isArray(value) ? value.map(numeric) : [];
  };
  const figures = plan.measures.map((measure, j): StickyFigure => {
    const seeds = columns.sticky.get(j)!;
    const figure = sticky.figures[j]!;
    const unitSet = String(raw[seeds.units] ?? "none");
    const total = numeric(raw[columns.values[j]!]);
    // A count without its largest unit totals is one whose every unit adds exactly one.
    let { value, sigma } =
      (measure.kind === "count" && seeds.largest !== null) || measure.kind === "sum"
        ? flattenedFigure(
            total,
            list(seeds.largest)!.sort((a, b) => b - a),
            seeds.smallest === null ? null : list(seeds.smallest)!.sort((a, b) => a - b),
            measure.kind === "count",
          )
        : // Each unit adds one to a unit count, and at most its rows (the cap) to distinct values.
          { value: total, sigma: measure.kind === "count_distinct" ? plan.maxContributions : 1 };
    value += sigma * stickyLayers(sticky.salt, figure, group, unitSet);
    if (measure.kind === "sum") {
      const b = measure.bounds!;
      value = b.lo >= 0 ? Math.max(0, value) : b.hi <= 0 ? Math.min(0, value) : value;
    } else value = Math.max(0, Math.round(value));
    return {
      value,
      accuracy: gaussianAccuracy(sigma * Math.SQRT2),
      threshold: stickyThreshold(sticky.salt, plan.minGroupSize, figure, group, unitSet),
    };
  });
  // A count every unit of the group adds to has the group's units and so the group's threshold.
  return figures.map((f, j) =>
    j > 0 && plan.measures[j]!.kind !== "sum" && !isConditional(plan.measures[j]!)
      ? { ...f, threshold: figures[0]!.threshold }
      : f,
  );
}

/** The (n,k) rule and the p% rule on true unit totals. */
function dominated(
  raw: Record<string, unknown>,
  total: number,
  names: DominanceColumns,
  rule: { n: number; k: number; p?: number | undefined },
): boolean {
  if (total <= 0) return false;
  let topN: number;
  let top1: number;
  let top2: number;
  if ("largest" in names) {
    const value = raw[names.largest];
    const largest = (Array.isArray(value) ? value.map(numeric) : []).sort((a, b) => b - a);
    topN = largest.slice(0, rule.n).reduce((s, v) => s + v, 0);
    top1 = largest[0] ?? 0;
    top2 = largest[1] ?? 0;
  } else {
    topN = numeric(raw[names.topN]);
    top1 = numeric(raw[names.top1]);
    top2 = numeric(raw[names.top2]);
  }
  if (topN > (rule.k / 100) * total) return true;
  if (rule.p !== undefined && total - top1 - top2 < (rule.p / 100) * top1) return true;
  return false;
}
