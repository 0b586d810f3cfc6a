import { readsContributors } from "./aggregation.ts";
import { clampExpression, sqlNumber, type ValueFacts } from "./clamp.ts";
import type { AggregatePlan, DominanceColumns, Measure, RawAggregateColumns } from "./query-plan.ts";
import { cloneNode, columnRefNode, type SqlNode } from "./sql-tree.ts";
import { KEPT_UNIT_TOTALS } from "./sticky-noise.ts";

/**
 * The rewriter: turns an analysed aggregate query over protected data into SQL that computes,
 * per group, the statistics the post-processor needs (distinct units, clamped sums, counts,
 * contributor counts and dominance figures) over contribution-bounded rows.
 *
 * The user's SQL text is never reused. The inner query is a parse tree built from the validated
 * tree (the user's FROM and WHERE, with our own select list); DuckDB renders it back to SQL
 * (`json_deserialize_sql`), which quotes identifiers and literals itself. The outer SQL below
 * only ever names identifiers we generate (`__g0`, `__m1`, ...) and numbers we format.
 */

/**
 * Rewrite entries that name a shortcut taken because of a fact verified on the data (a unit
 * with one row each, rows per unit within the cap), not a rule enforced. The audit log keeps
 * them; operators are not shown them: they describe the real data, and the same rules give the
 * same verdict with or without them (on dummy data, or before the facts are verified).
 */
export const PLAN_NOTES: ReadonlySet<string> = new Set([
  "unit_unique_per_row",
  "unit_once_per_group",
  "unit_rows_within_bound",
]);

/** A rewritten aggregate query: the inner tree to render, and the SQL that wraps it. */
export interface RewrittenQuery {
  /** A full `json_serialize_sql`-shaped document holding the inner SELECT. */
  readonly inner: SqlNode;
  /** Builds the final SQL around the rendered inner query. */
  readonly wrap: (innerSql: string) => string;
  readonly columns: RawAggregateColumns;
  /** Human-readable list of what was enforced, for the verdict and explain. */
  readonly rewrites: readonly string[];
}

/**
 * Names each distinct SQL text once, adding `sql AS name` to `parts` the first time: asked again
 * for the same text (under any name), it answers the first name.
 */
function onceEach(parts: string[]): (name: string, sql: string) => string {
  const names = new Map<string, string>();
  return (name, sql) => {
    const existing = names.get(sql);
    if (existing) return existing;
    names.set(sql, name);
    parts.push(`${sql} AS ${name}`);
    return name;
  };
}

function caseWhen(condition: SqlNode, then: SqlNode): SqlNode {
  return {
    class: "CASE",
    type: "CASE_EXPR",
    alias: "",
    case_checks: [{ when_expr: condition, then_expr: then }],
    else_expr: {
      class: "CONSTANT",
      type: "VALUE_CONSTANT",
      alias: "",
      value: { type: { id: "NULL", type_info: null }, is_null: true },
    },
  };
}

const ONE: SqlNode = {
  class: "CONSTANT",
  type: "VALUE_CONSTANT",
  alias: "",
  value: { type: { id: "INTEGER", type_info: null }, is_null: false, value: 1 },
};

/** The per-row value a measure aggregates (NULL when the row does not contribute). */
function measureInput(measure: Measure): SqlNode {
  const value = measure.value ? cloneNode(measure.value) : ONE;
  return measure.filter ? caseWhen(cloneNode(measure.filter), value) : value;
}

function withAlias(node: SqlNode, alias: string): SqlNode {
  return { ...node, alias };
}

/**
 * `TRY(expr)`: NULL where evaluating `expr` on a row would raise an error. Over protected data an
 * error that depends on a value (an overflow, `make_date(2000, 13, 1)`, a date part or an implicit
 * cast taken from a column) is a yes/no oracle on one row, answered before any threshold or noise.
 */
export function guardErrors(node: SqlNode): SqlNode {
  if (node.class === "COLUMN_REF" || node.class === "CONSTANT" || node.class === "PARAMETER") return node;
  const { alias, ...rest } = node;
  return {
    class: "OPERATOR",
    type: "OPERATOR_TRY",
    alias: typeof alias === "string" ? alias : "",
    children: [{ ...rest, alias: "" }],
  };
}

/** Facts about the data, verified by the caller, that let the rewrite drop work that cannot change the answer. */
export interface RewriteFacts {
  /**
   * Every row the query reads has a distinct unit: the query reads one table whose privacy-unit
   * column the caller has verified to be unique in the (read-only) data. Then no unit contributes
   * more than one row, so bounding contributions needs no window, and distinct units are rows.
   */
  readonly unitUniquePerRow?: boolean;
  /**
   * No unit has more rows than the contribution bound: the caller bounded the rows per unit from
   * verified facts about every table read. Then bounding keeps every row and needs no window.
   */
  readonly unitRowsWithinCap?: boolean;
  /**
   * No unit has more than one row in a group: the caller has verified that no two rows of the
   * table a unit's rows come from share the unit and the keys computed from that table (its
   * columns, or calendar periods of them), and that every other table read has at most one row
   * per unit. A group's rows then have distinct units (distinct units are rows) and each row is
   * its unit's total in the group; bounding still applies across groups.
   */
  readonly unitOncePerGroup?: boolean;
  /** With `unitUniquePerRow`: that unit column holds no NULL, so no row needs dropping for it. */
  readonly unitNeverNull?: boolean;
  /**
   * Per measure (the plan's indices): facts about the column a measure reads unchanged
   * (`Measure.column`), for measures that read one.
   */
  readonly measureValues?: readonly (ValueFacts | undefined)[];
  /**
   * Every privacy-unit value is an integer within this verified range. With `maxGroups`, distinct
   * units are counted as the bits set in one bitmap over the range per group (`bitstring_agg`),
   * not by hashing every (group, unit) pair, when the bitmaps fit `BITMAP_BUDGET_BYTES`.
   */
  readonly unitRange?: { readonly min: bigint; readonly max: bigint };
  /**
   * A temporary table holding (as `__pu`) every unit that may have more rows than the cap among
   * the rows the query reads: those over it in the one table whose units have several rows, as
   * verified on the data (a superset: a filter only removes rows). A unit not in it is within the
   * cap, so the rows need not be counted per unit; a unit in it is cut as any over the cap.
   */
  readonly overCapUnits?: string;
  /**
   * A temporary table holding (as `__pu`) every unit whose total of a measure bounded by its
   * `unitMax` (see `unitBoundedMeasures`) may exceed that bound among the rows the query reads:
   * those over it in the measure's table, as verified on the data (a superset: a filter only
   * removes rows, each never negative). Only their totals are computed: every other unit's factor
   * is 1 where totals are scaled, and where they are clamped in each unit's one group, its rows
   * are added up with the group's (see `marked`).
   */
  readonly overBoundUnits?: string;
  /**
   * With a plan that keeps each unit to one group (`AggregatePlan.oneGroupPerUnit`): every unit's
   * rows already share their group keys, so keeping them to one group drops nothing. The caller
   * verified that each key is computed from one column of a table read once whose unit column is
   * unique, and that no outer join matches part of a unit's rows (`outerJoinsOnUnitsOnly`): each
   * row then holds the unit's one row of that table, or none for all its rows, and a key is a
   * function of that row alone (the gate admits no window or inner aggregate over protected data).
   */
  readonly keysFollowUnit?: boolean;
  /** A verified bound on the number of groups (from the distinct values of the columns the keys read). */
  readonly maxGroups?: number;
}

/**
 * Memory the per-group unit bitmaps of one query may take: a bitmap is as wide as the units'
 * range (10 million units: 1.25 MB), one per group and distinct-unit statistic.
 */
export const BITMAP_BUDGET_BYTES = 64 * 1024 * 1024;

/** How the rewrite may compute what it computes; the answer is the same either way. */
export interface RewriteOptions {
  /**
   * Compute per (group, unit) partials where a dominance rule needs unit totals anyway (default
   * true). False keeps the one-pass form with unit totals joined back: the general rewrite the
   * tests compare the other with.
   */
  readonly unitPartials?: boolean;
  /**
   * Keep an over-cap unit's rows by cutting at its cap-th smallest row hash (default true). False
   * ranks every over-cap unit's rows with a window: the general form the tests compare with.
   */
  readonly cutAtRank?: boolean;
}

/**
 * Contribution bounding without a window: the same rows the ranking of each unit by `order` keeps
 * (its `cap` rows of smallest hash), computed by hash aggregation, which DuckDB does several times
 * faster than a sort within each unit, and only for the units over the cap:
 * - `__over_cap`: the units with more than `cap` rows; every row of the others is kept as it is;
 * - `__cut`: per such unit, its `cap` smallest hashes (`min(h, cap)`, a bounded heap, ascending):
 *   the largest of them, `__t`, is the cut; rows hashing below it are kept (all of a unit listed
 *   in `overCapUnits` that has no more than `cap` rows here: its list is shorter, `__t` NULL);
 * - rows hashing exactly `__t` (equal rows hash alike) are kept as often as the ranking keeps
 *   them: `cap` minus the rows below the cut (`list_position` finds the first `__t` in the
 *   ascending list, so `cap - position + 1`); the window that picks them runs on those rows only.
 * Which of several rows with the same hash is kept is as arbitrary as in a ranking by that hash;
 * rows alike in everything the query reads give the same answer either way.
 */
function overCapCut(cap: number, order: string, overCapUnits: string | undefined): string[] {
  return [
    overCapUnits === undefined
      ? `__over_cap AS (SELECT __pu FROM __rows WHERE __pu IS NOT NULL GROUP BY __pu HAVING count(*) > ${cap})`
      : `__over_cap AS (SELECT __pu FROM temp.main."${overCapUnits}")`,
    `__over AS (SELECT *, ${order} AS __h FROM __rows SEMI JOIN __over_cap USING (__pu))`,
    `__cut AS (SELECT __pu, __l[${cap}] AS __t, ${cap + 1} - list_position(__l, __l[${cap}]) AS __k FROM (SELECT __pu, min(__h, ${cap}) AS __l FROM __over GROUP BY __pu))`,
    `__bounded AS (SELECT * FROM __rows ANTI JOIN __over_cap USING (__pu) WHERE __pu IS NOT NULL` +
      ` UNION ALL BY NAME SELECT __over.* EXCLUDE (__h) FROM __over JOIN __cut USING (__pu) WHERE __h < __t OR __t IS NULL` +
      ` UNION ALL BY NAME SELECT * EXCLUDE (__h, __t, __k) FROM (SELECT __over.*, __t, __k FROM __over JOIN __cut USING (__pu) WHERE __h = __t) QUALIFY row_number() OVER (PARTITION BY __pu) <= __k)`,
  ];
}

/**
 * `sql` capped at `bound`, NULL staying NULL. Not `least()`, which in DuckDB skips NULL arguments:
 * `least(NULL, 200000)` is 200000, so a unit with no value would add the whole bound to a sum.
 */
function atMost(sql: string, bound: number): string {
  const b = sqlNumber(bound);
  return `CASE WHEN ${sql} > ${b} THEN ${b} ELSE ${sql} END`;
}

/** Whether each unit's total of a `unitMax` sum is clamped in its one group (not scaled over the query). */
function clampsInGroup(plan: AggregatePlan): boolean {
  return plan.oneGroupPerUnit && !plan.measures.some((m) => m.kind === "count_distinct");
}

/**
 * The measures (by index) whose rows are scaled by their unit's factor so that each unit's total
 * over the whole query stays within the measure's `unitMax` (`scale_unit_total`).
 */
function scaledMeasures(plan: AggregatePlan): number[] {
  return clampsInGroup(plan) ? [] : unitBoundedMeasures(plan);
}

/** The measures (by index) with a bound on each unit's total (`Measure.unitMax`), clamped or scaled. */
export function unitBoundedMeasures(plan: AggregatePlan): number[] {
  return plan.measures.flatMap((m, j) => (m.unitMax === undefined ? [] : [j]));
}

/**
 * Rewrites an aggregate plan. `namedParams` is the original statement's parameter map, kept so
 * the rendered inner query binds the same `$n` parameters.
 */
export function rewriteAggregate(
  plan: AggregatePlan,
  namedParams: unknown,
  facts: RewriteFacts = {},
  options: RewriteOptions = {},
): RewrittenQuery {
  // A bound of at least one row per unit holds by itself when every unit has exactly one row.
  const uniqueUnits = facts.unitUniquePerRow === true && plan.maxContributions >= 1;
  // A group's rows have distinct units: each unit has one row in all, or one in each group.
  const oncePerGroup = uniqueUnits || facts.unitOncePerGroup === true;
  const range = facts.unitRange;
  const bitmap = !oncePerGroup && range !== undefined && facts.maxGroups !== undefined;
  /** Per group: its distinct units, among the rows with `condition` when given. */
  const distinctUnits = (condition: string | null): string => {
    const filter = condition === null ? "" : ` FILTER (WHERE ${condition})`;
    if (oncePerGroup) return `count(*)${filter}`;
    // Units are integers in [min, max]: one bit each; a group without rows has no bitmap (NULL).
    if (bitmap) return `coalesce(bit_count(bitstring_agg(__pu, ${range.min}, ${range.max})${filter}), 0)`;
    return `count(DISTINCT __pu)${filter}`;
  };
  const units = distinctUnits(null);
  const keys = plan.groupKeys.map((_, i) => `__g${i}`);
  const inputs = plan.measures.map((_, j) => `__m${j}`);
  const selectList: SqlNode[] = [withAlias(columnRefNode(plan.unitRef), "__pu")];
  plan.groupKeys.forEach((key, i) => {
    selectList.push(withAlias(guardErrors(cloneNode(key)), keys[i]!));
  });
  plan.measures.forEach((measure, j) => {
    if (measure.kind !== "units") selectList.push(withAlias(guardErrors(measureInput(measure)), inputs[j]!));
  });
  const innerNode: SqlNode = {
    ...cloneNode(plan.node),
    select_list: selectList,
    group_expressions: [],
    group_sets: [],
    aggregate_handling: "STANDARD_HANDLING",
    having: null,
    modifiers: [],
    qualify: null,
  };
  const inner: SqlNode = {
    error: false,
    statements: [{ node: innerNode, named_param_map: namedParams ?? [] }],
  };

  // Facts count only for a measure that reads one column unchanged.
  const valueFacts = (j: number): ValueFacts | undefined =>
    plan.measures[j]!.column ? facts.measureValues?.[j] : undefined;
  const clamp = (j: number): string => clampExpression(inputs[j]!, plan.measures[j]!.bounds!, valueFacts(j));
  // count(*) counts an input that is never NULL: no unfiltered count(*), or a verified NULL-free column.
  const neverNull = (measure: Measure, j: number): boolean =>
    measure.filter === null && (measure.value === null || valueFacts(j)?.hasNulls === false);
  /**
   * Whether measure j's clamped value is non-zero wherever its input is not NULL: the verified range
   * of the column it reads, clamped to its bounds, leaves out zero. Then a unit adds to the sum
   * exactly when it has a value, and a unit total of such values (all of one sign) is non-zero
   * exactly when it is not NULL: `<> 0` tests become `IS NOT NULL` ones, or none at all, and
   * figures whose units are then the same set share one column (each such column costs DuckDB
   * about as much as the raw query's own sum).
   */
  const clampedNonZero = (j: number): boolean => {
    const range = valueFacts(j)?.range;
    const bounds = plan.measures[j]!.bounds;
    if (!range || !bounds) return false;
    // Clamping is monotone: the clamped values lie between the clamped ends of the range. Number()
    // of a bigint keeps its sign, which is all these comparisons with zero read.
    const clampTo = (v: number) => Math.min(Math.max(v, bounds.lo), bounds.hi);
    return clampTo(Number(range.min)) > 0 || clampTo(Number(range.max)) < 0;
  };

  const keyList = keys.join(", ");
  const groupBy = keys.length > 0 ? ` GROUP BY ${keyList}` : "";
  const keySelect = keys.length > 0 ? `${keyList}, ` : "";
  // Deterministic choice of the rows kept per unit: a repeated query keeps the same rows.
  const order = `hash(${["__pu", ...keys, ...plan.measures.flatMap((m, j) => (m.kind === "units" ? [] : [inputs[j]]))].join(", ")})`;

  // How the per-group statistics are computed from the bounded rows:
  // - `rows`: straight from the rows (distinct units by count(DISTINCT __pu));
  // - `units`: in two passes, per (group, unit) first, then per group. Used where a dominance rule
  //   needs each unit's total in each group anyway: the same pass gives the distinct units (one
  //   row per unit), the counts and sums (sums of the unit's partial counts and sums), and the
  //   contributors (units with a contributing row), so neither count(DISTINCT) nor a second
  //   aggregation joined back is needed. Not with count(DISTINCT x), which partials cannot give.
  // With units verified unique each row is its unit's only row: its value is its unit total.
  const dominant = plan.dominance !== null && plan.measures.some((m) => m.kind === "sum");
  // Sticky noise (every release that is not DP: grade 2) reads each figure's contributing units
  // and largest unit totals per group (sticky-noise.ts).
  const sticky = !plan.differentialPrivacy;
  // A sum bounded by `Measure.unitMax`: where each unit is kept to one group (and no count(DISTINCT
  // x) stands in the way of per-(group, unit) partials), each unit's total in its group is clamped
  // to it; otherwise each unit's rows are scaled down so that its total over the whole query (all
  // its groups together) is at most it (`scale_unit_total`).
  const clampInGroup = clampsInGroup(plan);
  const unitClamped = clampInGroup && plan.measures.some((m) => m.unitMax !== undefined);
  const scaled = scaledMeasures(plan);
  /** Measure j's row value, scaled by its unit's factor where its unit's total over the query is bounded. */
  const scaledValue = (j: number): string => {
    if (!scaled.includes(j)) return clamp(j);
    // A unit's one row is its total: clamping the row to unitMax is the scaling.
    if (uniqueUnits) return atMost(clamp(j), plan.measures[j]!.unitMax!);
    return `(${clamp(j)} * __f${j})`;
  };
  // Each unit's total clamped in its one group without a partial for every (group, unit): only
  // the units verified as possibly over their bound (`overBoundUnits`, few: the tail) get a
  // partial of their own, keyed `__lp` (the unit where listed, else NULL). Every other unit stays
  // within every bound in any query that reads its rows at most once, so its rows are added up
  // with its group's and it is counted as a bit of the group's bitmap. DP only, where no figure
  // reads a unit's own contributors, distinct values or totals (dominance, sticky seeds).
  const marked =
    options.unitPartials !== false &&
    unitClamped &&
    !sticky &&
    !dominant &&
    bitmap &&
    facts.overBoundUnits !== undefined &&
    !plan.measures.some((m) => m.kind === "count_distinct" || readsContributors(plan, m));
  // (`marked` is a case of it: a bitmap is never taken where units are once per group.)
  const viaUnits =
    options.unitPartials !== false &&
    (dominant || sticky || unitClamped) &&
    !oncePerGroup &&
    !plan.measures.some((m) => m.kind === "count_distinct");

  // One aggregate per distinct SQL text: a statistic equal to another (a unit count standing in
  // for contributors, count(*) twice) is computed once and named twice.
  const aggregates: string[] = [];
  const aggregate = onceEach(aggregates);
  // The per-(group, unit) partials of the `units` form, likewise one per distinct SQL text.
  const partials: string[] = [];
  const namePartial = onceEach(partials);
  const partial = (sql: string): string => namePartial(`__p${partials.length}`, sql);
  /** Per group: the statistic `rowSql` of its rows, summed from each unit's partial. */
  const summed = (rowSql: string): string => (viaUnits ? `sum(${partial(rowSql)})` : rowSql);
  /** The same for a count, which is 0 (not NULL) over no rows. */
  const counted = (rowSql: string): string => (viaUnits ? `coalesce(${summed(rowSql)}, 0)` : rowSql);
  /** Per group: units having a row with `condition` (all units when null). */
  const unitsWhere = (condition: string | null): string => {
    if (condition === null) return units;
    // A partial of `__units` holds many units there (see `marked`), which is why it reads none.
    if (marked) throw new Error("contributors are not counted per unit where units share a partial");
    if (viaUnits) return `count(*) FILTER (WHERE ${partial(`count(*) FILTER (WHERE ${condition})`)} > 0)`;
    return distinctUnits(condition);
  };
  // Per measure, its statistic over one unit's rows in a group, where a unit total is read:
  // computed per (group, unit) in `__units` or `__unit_totals`, or read off the row itself when a
  // group's rows have distinct units.
  const unitStatistics = new Map<number, string>();
  /** Each unit's total of measure j in the group: its partial, its one row's value, or `__s{j}`. */
  const unitTotal = (j: number, rowSql: string, ownRow: string): string => {
    unitStatistics.set(j, rowSql);
    return viaUnits ? partial(rowSql) : oncePerGroup ? ownRow : `__s${j}`;
  };
  // The same per-group figures over unit totals, computed in `__agg` when it reads unit rows
  // (`__units`, or rows of distinct units), else in `__dom` over `__unit_totals`.
  /** With `marked`: a listed unit's total `p` clamped to `bound`, the unlisted units' partial as it is. */
  const clampListed = (p: string, bound: number): string =>
    `sum(CASE WHEN __lp IS NOT NULL THEN ${atMost(p, bound)} ELSE ${p} END)`;
  const unitFigureParts: string[] = [];
  // One column per distinct SQL text: figures whose units are the same set share their hash.
  const unitFigure = onceEach(unitFigureParts);
  // A row of `__units` is one unit, or (with `marked`) the group's unlisted units, whose bitmap
  // holds one bit each (a listed unit's row has none: it is one unit).
  const unitCount = marked
    ? `sum(coalesce(bit_count(${partial(`bitstring_agg(__pu, ${range!.min}, ${range!.max}) FILTER (WHERE __lp IS NULL)`)}), 1))`
    : viaUnits
      ? "count(*)"
      : units;
  const unitColumn = aggregate("__v0", unitCount);
  const values: string[] = [];
  const contributors: string[] = [];
  plan.measures.forEach((measure, j) => {
    const m = inputs[j]!;
    const every = neverNull(measure, j);
    let value: string;
    // Units adding to the measure, computed only where read (a partial named is a partial computed).
    let contributing: () => string;
    switch (measure.kind) {
      case "units":
        value = unitColumn;
        contributing = () => unitCount;
        break;
      case "count":
        value = aggregate(`__v${j}`, counted(every ? "count(*)" : `count(${m})`));
        contributing = () => (every ? unitCount : unitsWhere(`${m} IS NOT NULL`));
        break;
      case "count_distinct":
        value = aggregate(`__v${j}`, `count(DISTINCT ${m})`);
        contributing = () => (every ? unitCount : unitsWhere(`${m} IS NOT NULL`));
        break;
      case "sum":
        value =
          measure.unitMax === undefined || !clampInGroup
            ? aggregate(`__v${j}`, summed(`sum(${scaledValue(j)})`))
            : marked
              ? // Only a listed unit's total may exceed the bound: the unlisted units' partial is
                // within it unit by unit, and is added as it is.
                unitFigure(`__v${j}`, clampListed(partial(`sum(${clamp(j)})`), measure.unitMax))
              : // Each unit's total in its group, clamped (never negative: see `Measure.unitMax`).
                unitFigure(
                  `__v${j}`,
                  `sum(${atMost(unitTotal(j, `sum(${clamp(j)})`, clamp(j)), measure.unitMax)})`,
                );
        // A zero adds nothing: `sum(CASE WHEN cond THEN x ELSE 0 END)` is conditional too.
        contributing = () =>
          !clampedNonZero(j)
            ? unitsWhere(`${clamp(j)} <> 0`)
            : every
              ? unitCount
              : unitsWhere(`${m} IS NOT NULL`);
        break;
    }
    values.push(value);
    // Contributors the post-processor never reads are not computed (see `readsContributors`).
    contributors.push(readsContributors(plan, measure) ? aggregate(`__c${j}`, contributing()) : unitColumn);
  });

  if (bitmap) {
    // With `marked`, a partial's bitmap exists for the unlisted units of each group only.
    const bitmaps = [...aggregates, ...partials].filter((a) => a.includes("bitstring_agg(")).length;
    const bytes = facts.maxGroups! * Math.ceil(Number(range.max - range.min + 1n) / 8) * bitmaps;
    // Too wide a range or too many groups: count distinct units by hashing instead.
    if (bytes > BITMAP_BUDGET_BYTES)
      return rewriteAggregate(plan, namedParams, { ...facts, unitRange: undefined }, options);
  }

  const stickyColumns = new Map<number, { units: string; largest: string | null; smallest: string | null }>();
  if (sticky) {
    plan.measures.forEach((measure, j) => {
      const m = inputs[j]!;
      const every = neverNull(measure, j);
      const present = every ? "1" : `CASE WHEN ${m} IS NOT NULL THEN 1 ELSE 0 END`;
      let total: string | null = null;
      if (measure.kind === "count") total = unitTotal(j, every ? "count(*)" : `count(${m})`, present);
      else if (measure.kind === "count_distinct") total = unitTotal(j, `count(${m})`, present);
      // A unit whose values are all NULL has no total (NULL, as its sum is): not a zero.
      else if (measure.kind === "sum") total = unitTotal(j, `sum(${clamp(j)})`, clamp(j));
      // A unit's one row in the group, never NULL, counted: every unit adds exactly one, as to the
      // unit count (its total is the row's `present`, the constant 1).
      const one = (measure.kind === "count" || measure.kind === "count_distinct") && oncePerGroup && every;
      // The set of units a figure counts: all of the group's for the unit count, else those adding to it.
      // A total of values verified non-zero (one sign) is non-zero unless NULL; a unit's one row in
      // the group, never NULL, is its non-zero total.
      const nonZero = measure.kind === "sum" && clampedNonZero(j);
      // Each row of `__units` is a unit with rows in the group: its count(*) is at least one.
      const countsRows = measure.kind === "count" && every && viaUnits;
      const units = unitFigure(
        `__x${j}`,
        total === null || one || countsRows || (nonZero && oncePerGroup && every)
          ? "bit_xor(hash(__pu))"
          : `bit_xor(hash(__pu)) FILTER (WHERE ${total} ${nonZero ? "IS NOT NULL" : "<> 0"})`,
      );
      const ranked = (measure.kind === "count" && !one) || measure.kind === "sum";
      const negative = measure.kind === "sum" && measure.bounds!.lo < 0;
      stickyColumns.set(j, {
        units,
        largest: ranked ? unitFigure(`__hi${j}`, `max(${total}, ${KEPT_UNIT_TOTALS})`) : null,
        smallest: negative ? unitFigure(`__lo${j}`, `min(${total}, ${KEPT_UNIT_TOTALS})`) : null,
      });
    });
  }

  const dominance = new Map<number, DominanceColumns>();
  const dominanceParts: string[] = [];
  if (plan.dominance) {
    plan.measures.forEach((measure, j) => {
      if (measure.kind !== "sum") return;
      const n = plan.dominance!.n;
      // Sticky noise keeps the group's largest unit totals (the same totals): one heap serves both.
      const largest = stickyColumns.get(j)?.largest;
      if (largest && n <= KEPT_UNIT_TOTALS) {
        dominance.set(j, { largest });
        return;
      }
      dominance.set(j, { topN: `__dn${j}`, top1: `__d1_${j}`, top2: `__d2_${j}` });
      const total = unitTotal(j, `sum(${clamp(j)})`, clamp(j));
      // max(x, n): the n largest unit totals (NULLs aside) by a bounded heap, not a sorted list
      // of every unit in the group.
      dominanceParts.push(
        // The one largest is a plain max (NULL over no values, as the list's sum is).
        `${n === 1 ? `max(${total})` : `list_sum(max(${total}, ${n}))`} AS __dn${j}`,
        `coalesce(max(${total}), 0) AS __d1_${j}`,
        `coalesce(max(${total}, 2)[2], 0) AS __d2_${j}`,
      );
    });
  }
  const unitFigures = [...unitFigureParts, ...dominanceParts];
  // Figures over unit totals computed in `__agg` itself, not joined back from `__unit_totals`.
  const figuresInAgg = viaUnits || oncePerGroup;
  if (figuresInAgg) aggregates.push(...unitFigures);

  const cap = plan.maxContributions;
  const wrap = (innerSql: string): string => {
    const bounding = uniqueUnits
      ? [
          `__bounded AS (SELECT * FROM __rows${facts.unitNeverNull === true ? "" : " WHERE __pu IS NOT NULL"})`,
        ]
      : facts.unitRowsWithinCap === true
        ? ["__bounded AS (SELECT * FROM __rows WHERE __pu IS NOT NULL)"]
        : options.cutAtRank === false
          ? // Only a unit with more than `cap` rows needs its rows ranked, and ranking (a sort within
            // each unit) costs several times counting: count every unit's rows, keep all rows of the
            // units within the cap, and rank only the rest. The rows kept are those the ranking of
            // every unit would keep.
            [
              `__counted AS MATERIALIZED (SELECT *, count(*) OVER (PARTITION BY __pu) AS __n FROM __rows WHERE __pu IS NOT NULL)`,
              `__bounded AS (SELECT * EXCLUDE (__n) FROM __counted WHERE __n <= ${cap} UNION ALL SELECT * EXCLUDE (__n, __rn) FROM (SELECT *, row_number() OVER (PARTITION BY __pu ORDER BY ${order}) AS __rn FROM __counted WHERE __n > ${cap}) WHERE __rn <= ${cap})`,
            ]
          : overCapCut(cap, order, facts.overCapUnits);
    // Bounding by a cut reads the rows three times: read again, one table's rows cost less than
    // keeping them (DuckDB would materialize a CTE read more than once); a join's are kept.
    const reread = !uniqueUnits && facts.unitRowsWithinCap !== true && options.cutAtRank !== false;
    const ctes = [
      `__rows AS ${reread && plan.tables.length === 1 ? "NOT MATERIALIZED " : ""}(${innerSql})`,
      ...bounding,
    ];
    // Each unit kept to one group: its rows of the smallest key tuple (a unit whose rows all share
    // their keys, as on data true to its manifests, loses none). Its unit and contributor counts
    // then change one group's only.
    let bounded = "__bounded";
    if (plan.oneGroupPerUnit && facts.keysFollowUnit !== true) {
      const tuple = (prefix: string) => `{${keys.map((k) => `'${k}': ${prefix}${k}`).join(", ")}}`;
      ctes.push(
        `__unit_keys AS (SELECT __pu, min(${tuple("")}) AS __k FROM __bounded GROUP BY __pu)`,
        `__one_group AS (SELECT __bounded.* FROM __bounded JOIN __unit_keys USING (__pu) WHERE ${tuple("__bounded.")} IS NOT DISTINCT FROM __k)`,
      );
      bounded = "__one_group";
    }
    if (scaled.length > 0 && !uniqueUnits) {
      // Each unit's factor: unitMax over its total of the measure's clamped values in all the
      // query's rows (1 when within, or when it has no value); its kept rows are multiplied by
      // it, so that its total over every group of the query is at most unitMax (the L1 bound the
      // sum's noise is scaled to). The total is taken before the cap's cut: never below the kept
      // rows' total, so the bound holds, and `__bounded` is read once (reading it twice would
      // make DuckDB keep the cut's rows). Only the units over the bound are kept (few: the
      // tail), so the join back probes a small table; every other unit's factor is 1. With the
      // verified list of units that may be over it, only their rows are added up.
      const bounds = scaled.map((j) => ({
        j,
        total: `sum(${clamp(j)})`,
        bound: sqlNumber(plan.measures[j]!.unitMax!),
      }));
      const factors = bounds.map(
        ({ j, total, bound }) =>
          `CASE WHEN ${total} > ${bound} THEN ${bound} / ${total} ELSE 1 END AS __f${j}`,
      );
      const over = bounds.map(({ total, bound }) => `${total} > ${bound}`).join(" OR ");
      ctes.push(
        `__unit_scale AS (SELECT __pu, ${factors.join(", ")} FROM __rows${facts.overBoundUnits === undefined ? "" : ` SEMI JOIN temp.main."${facts.overBoundUnits}" USING (__pu)`} WHERE __pu IS NOT NULL GROUP BY __pu HAVING ${over})`,
        `__scaled AS (SELECT ${bounded}.*, ${scaled.map((j) => `coalesce(__unit_scale.__f${j}, 1) AS __f${j}`).join(", ")} FROM ${bounded} LEFT JOIN __unit_scale USING (__pu))`,
      );
      bounded = "__scaled";
    }
    if (marked) {
      ctes.push(
        `__marked AS (SELECT *, CASE WHEN __pu IN (SELECT __pu FROM temp.main."${facts.overBoundUnits}") THEN __pu END AS __lp FROM ${bounded})`,
      );
      bounded = "__marked";
    }
    if (viaUnits) {
      const unit = marked ? "__lp" : "__pu";
      ctes.push(
        `__units AS (SELECT ${keySelect}${unit}, ${partials.join(", ")} FROM ${bounded} GROUP BY ${keySelect}${unit})`,
        `__agg AS (SELECT ${keySelect}${aggregates.join(", ")} FROM __units${groupBy})`,
      );
    } else {
      ctes.push(`__agg AS (SELECT ${keySelect}${aggregates.join(", ")} FROM ${bounded}${groupBy})`);
    }
    if (unitFigures.length === 0 || figuresInAgg) return `WITH ${ctes.join(", ")} SELECT * FROM __agg`;
    const unitSums = [...unitStatistics].map(([j, sql]) => `, ${sql} AS __s${j}`).join("");
    ctes.push(
      `__unit_totals AS (SELECT ${keySelect}__pu${unitSums} FROM ${bounded} GROUP BY ${keySelect}__pu)`,
      `__dom AS (SELECT ${keySelect}${unitFigures.join(", ")} FROM __unit_totals${groupBy})`,
    );
    const on = keys.length > 0 ? keys.map((k) => `a.${k} IS NOT DISTINCT FROM d.${k}`).join(" AND ") : "true";
    const exclude = keys.length > 0 ? ` EXCLUDE (${keyList})` : "";
    return `WITH ${ctes.join(", ")} SELECT a.*, d.*${exclude} FROM __agg a LEFT JOIN __dom d ON ${on}`;
  };

  const rewrites = [
    // PLAN_NOTES entries say how, not what: for the audit log, not for the operator.
    "count_distinct_units",
    `contribution_bound:${plan.maxContributions}`,
    ...(oncePerGroup && !uniqueUnits ? ["unit_once_per_group"] : []),
    ...(uniqueUnits
      ? ["unit_unique_per_row"]
      : facts.unitRowsWithinCap === true
        ? ["unit_rows_within_bound"]
        : []),
    ...(plan.oneGroupPerUnit ? ["one_group_per_unit"] : []),
    `threshold:${plan.minGroupSize}`,
    ...plan.measures.flatMap((m) => (m.bounds ? [`clamp:[${m.bounds.lo},${m.bounds.hi}]`] : [])),
    ...plan.measures.flatMap((m) =>
      m.unitMax === undefined ? [] : [`${clampInGroup ? "clamp" : "scale"}_unit_total:${m.unitMax}`],
    ),
    plan.differentialPrivacy ? "noise:discrete_laplace" : "noise:sticky_seeded",
    ...(plan.publicPartitions ? ["public_partitions"] : []),
    ...(plan.dominance
      ? [
          `dominance:n=${plan.dominance.n},k=${plan.dominance.k}${plan.dominance.p ? `,p=${plan.dominance.p}` : ""}`,
        ]
      : []),
  ];
  return {
    inner,
    wrap,
    columns: { keys, values, contributors, dominance, sticky: stickyColumns },
    rewrites: [...new Set(rewrites)],
  };
}
