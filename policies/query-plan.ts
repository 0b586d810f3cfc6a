import type { ColumnRule, DominanceRule } from "./manifest.ts";
import type { SqlNode } from "./sql-tree.ts";

/**
 * What the query gate decided a query is, and what the rewriter needs to enforce the rules.
 * - `open`: touches only open (grade 1) datasets; runs as written (after the allow-list).
 * - `row`: reads row-level values of protected datasets (only `row` columns can be output this
 *   way): the job becomes tainted and its outputs go to review.
 * - `aggregate`: aggregates protected datasets; rewritten to count units, bound contributions,
 *   clamp inputs, threshold groups and (for DP grades) add noise.
 */
export type QueryKind = "open" | "row" | "aggregate";

/** Where in a query a column is used. */
export type Clause = "select" | "where" | "join" | "group" | "having" | "order" | "aggregate";

/** One column a query touches, and where. Goes into the audit verdict (names only, never values). */
export interface ColumnUse {
  readonly dataset: string;
  readonly column: string;
  readonly rule: ColumnRule;
  readonly clause: Clause;
}

/** One statistic the rewritten query computes per group. */
export interface Measure {
  /**
   * `units`: distinct privacy units (also the threshold statistic); `count`: rows (non-null
   * values when `value` is set); `count_distinct`: distinct non-null values; `sum`: clamped sum.
   */
  readonly kind: "units" | "count" | "count_distinct" | "sum";
  /** The argument expression in the scope of the outer query; null for count(*). */
  readonly value: SqlNode | null;
  /** The aggregate's FILTER condition, if any. */
  readonly filter: SqlNode | null;
  /** Clamping bounds of a sum's argument. */
  readonly bounds: { readonly lo: number; readonly hi: number } | null;
  /**
   * A sum's bound on each unit's total (the column's `bounds.unitMax`), set in DP plans: where each
   * unit is kept to one group the rewrite clamps the unit's total in it; otherwise it scales the
   * unit's rows so that their total over every group of the query is at most this (an L1 bound
   * over the groups, which is what the sum's noise is scaled to).
   */
  readonly unitMax?: number;
  /**
   * The dataset column `value` reads unchanged (a bare column reference), if it does: facts
   * verified about that column's values hold for the measure's inputs too.
   */
  readonly column: { readonly dataset: string; readonly column: string } | null;
}

/** One output column of an aggregate query: a group key, or a statistic derived from measures. */
export type AggregateOutput =
  | { readonly name: string; readonly kind: "group"; readonly key: number }
  | { readonly name: string; readonly kind: "count"; readonly measure: number }
  | { readonly name: string; readonly kind: "sum"; readonly measure: number }
  | { readonly name: string; readonly kind: "mean"; readonly sum: number; readonly count: number };

/** A HAVING condition, evaluated on released (noisy) values after post-processing. */
export interface HavingCondition {
  readonly output: number;
  readonly op: "=" | "<>" | "<" | "<=" | ">" | ">=";
  readonly value: number;
}

/** An ORDER BY key over outputs, applied after noise and suppression. */
export interface OrderKey {
  readonly output: number;
  readonly descending: boolean;
}

/**
 * A group key that puts a date or time column into calendar periods: `date_trunc('month', d)`
 * (`trunc`: one value per month the column spans) or `month(d)` (`part`: at most 12 values,
 * whatever the span). Either bounds the groups far below the column's distinct values.
 */
export interface TimeBucket {
  readonly kind: "trunc" | "part";
  readonly unit: "year" | "quarter" | "month" | "week" | "day" | "weekday" | "hour";
}

/**
 * What a group key is computed from: the one dataset column it reads (it then takes at most that
 * column's distinct values, and NULL), `constant` when it reads none, null when it reads several.
 */
export type GroupKeySource =
  | {
      readonly dataset: string;
      readonly column: string;
      /** The key is that column unchanged (not a function of it). */
      readonly bare: boolean;
      /** The key is a calendar period of that column. */
      readonly bucket?: TimeBucket;
    }
  | "constant"
  | null;

/** Everything the rewriter and post-processor need for an aggregate query over protected data. */
export interface AggregatePlan {
  /** The outer SELECT node (a copy; subqueries already carry the injected unit column). */
  readonly node: SqlNode;
  /** Column path, in the outer scope, of the privacy unit the rows are attributed to. */
  readonly unitRef: readonly string[];
  /**
   * Dataset of every table instance the query reads (a table read twice is listed twice). When
   * each has a privacy unit (all joined on it, as the gate requires of protected tables), a row
   * holds at most one row of each, all of the same unit or NULL: a unit's rows number at most the
   * product, over these, of the most rows a unit has in each. Nothing else the gate admits in
   * FROM (subqueries and CTEs filter, no table functions or VALUES) adds rows.
   */
  readonly tables: readonly string[];
  readonly groupKeys: readonly SqlNode[];
  /** Declared value domains of the group keys when every key is a bare column with `values`. */
  readonly publicPartitions: readonly (readonly string[])[] | null;
  /** Per group key, what it is computed from (see `GroupKeySource`): bounds the number of groups. */
  readonly keySources: readonly GroupKeySource[];
  /** The dataset column the privacy unit is read from (null when it cannot be traced to one). */
  readonly unitColumn: { readonly dataset: string; readonly column: string } | null;
  readonly measures: readonly Measure[];
  readonly outputs: readonly AggregateOutput[];
  readonly having: readonly HavingCondition[];
  readonly order: readonly OrderKey[];
  readonly limit: number | null;
  readonly offset: number;
  readonly minGroupSize: number;
  readonly maxContributions: number;
  readonly differentialPrivacy: boolean;
  /**
   * Each unit's rows count in one group only (DP plans with a cap above one row): set when every
   * group key reads one column of a dataset that declares one row per unit, so that on data true
   * to its manifest a unit's rows all share their keys and keeping them to one group drops
   * nothing. The rewrite enforces it (unless verified facts show it holds already), so a unit adds
   * to one group's unit count and contributor counts: their sensitivity is one unit, not the cap.
   */
  readonly oneGroupPerUnit: boolean;
  /**
   * No outer join of the query has a condition other than equalities of privacy units: a table
   * outer-joined on its unit alone matches all of a unit's rows or none of them.
   */
  readonly outerJoinsOnUnitsOnly: boolean;
  /** Dominance rule applied to every sum (from the strictest dataset declaring one). */
  readonly dominance: DominanceRule | null;
}

/** The gate's verdict on one query. */
export interface QueryAnalysis {
  readonly kind: QueryKind;
  /** The statement to run for `open` and `row` queries (a copy, with every CAST made a TRY_CAST). */
  readonly statement: SqlNode;
  readonly datasets: readonly string[];
  /** Datasets whose budget a DP query charges. */
  readonly dpDatasets: readonly string[];
  readonly columns: readonly ColumnUse[];
  /** The query reads row-level values: the job's outputs go to review. */
  readonly tainted: boolean;
  /** A dataset demands review of every output (grade 4). */
  readonly requiresReview: boolean;
  readonly aggregate: AggregatePlan | null;
  /** What the query computes, canonically (query-key.ts): same meaning → same answer, same charge. */
  readonly canonical: CanonicalQuery;
}

/** A query's canonical form (see query-key.ts), and what each of its output columns computes. */
export interface CanonicalQuery {
  /** Equal for queries that compute the same results, however written; never for two that may differ. */
  readonly form: string;
  /**
   * Per output column, in this query's order, what it computes: a query with the same `form` has
   * the same outputs, perhaps in another order, and a recorded answer is mapped back by them.
   */
  readonly outputs: readonly string[];
  /**
   * Per measure of the plan, what the statistic is over which rows of each group, whatever else
   * the query does (HAVING, ORDER BY, LIMIT, its other outputs): the static seed of its sticky
   * noise (sticky-noise.ts). Empty for a query that is not an aggregate.
   */
  readonly figures: readonly string[];
  /** Per group key, what it computes: a group is named by these and its key values, in any key order. */
  readonly keys: readonly string[];
}

/**
 * Where a sum's dominance figures are: the n largest unit totals summed and the two largest, in
 * three columns, or read off the list of its largest unit totals that sticky noise keeps anyway.
 */
export type DominanceColumns =
  | { readonly topN: string; readonly top1: string; readonly top2: string }
  | { readonly largest: string };

/** Column names of the raw aggregate the rewritten SQL returns, for the post-processor. */
export interface RawAggregateColumns {
  /** Group key values: `__g{i}`. */
  readonly keys: readonly string[];
  /** Per measure: its value `__v{j}` and the distinct units contributing to it `__c{j}`. */
  readonly values: readonly string[];
  readonly contributors: readonly string[];
  /** Per sum measure with a dominance rule: where its figures are read (`DominanceColumns`). */
  readonly dominance: ReadonlyMap<number, DominanceColumns>;
  /**
   * Per measure of a non-DP plan (sticky noise): the hash of the set of units adding to it, and
   * its largest (and, for sums that may be negative, smallest) unit totals, as lists (none for a
   * count to which every unit adds exactly one).
   */
  readonly sticky: ReadonlyMap<
    number,
    { readonly units: string; readonly largest: string | null; readonly smallest: string | null }
  >;
}
