/**
 * The function allow-list of the query gate. Anything not named here is rejected with
 * SQL_NOT_ALLOWED, whatever DuckDB would do with it.
 *
 * What earns a place: deterministic, no I/O, no catalog or settings access, no side effects, and no
 * error that depends on data values (an error is a yes/no oracle, and DuckDB's error texts quote
 * values). Scalar functions only transform values the column rules already let through: the rule
 * check happens on every column reference, whatever function wraps it. Names are DuckDB's internal
 * names as `json_serialize_sql` reports them (operators appear as `+`, `~~`, ...).
 */

/** Scalar functions and operators usable wherever the column rules allow the columns they read. */
export const SCALAR_FUNCTIONS: ReadonlySet<string> = new Set([
  // arithmetic (no sqrt/ln/log: they raise errors on negative or zero inputs)
  "+",
  "-",
  "*",
  "/",
  "//",
  "%",
  "abs",
  "round",
  "floor",
  "ceil",
  "ceiling",
  "trunc",
  "sign",
  "least",
  "greatest",
  // text
  "lower",
  "upper",
  "lcase",
  "ucase",
  "length",
  "strlen",
  "trim",
  "ltrim",
  "rtrim",
  "substr",
  "substring",
  "left",
  "right",
  "concat",
  "||",
  "starts_with",
  "ends_with",
  "suffix",
  "prefix",
  "contains",
  "~~",
  "!~~",
  "~~*",
  "!~~*",
  // dates and times
  "year",
  "month",
  "day",
  "quarter",
  "dayofweek",
  "isodow",
  "dayofmonth",
  "dayofyear",
  "week",
  "weekofyear",
  "hour",
  "date_trunc",
  "datetrunc",
  "date_part",
  "datepart",
  "date_diff",
  "datediff",
  "make_date",
  // null handling
  "coalesce",
  "ifnull",
  "nullif",
]);

/**
 * Aggregates whose result is a count or a sum: they never return an input value as is, and the
 * rewriter knows their sensitivity. The only aggregates allowed over protected (grade ≥ 2) data.
 */
export const COUNTING_AGGREGATES: ReadonlySet<string> = new Set([
  "count_star",
  "count",
  "sum",
  "avg",
  "mean",
]);

/**
 * Aggregates that return (or closely estimate) an input value: min/max, quantiles, modes, first
 * values, concatenations. They count as row access, so they are allowed only over columns whose
 * rule already permits row-level output (`plain`, or `row` which taints the job).
 */
export const VALUE_AGGREGATES: ReadonlySet<string> = new Set([
  "min",
  "max",
  "median",
  "quantile",
  "quantile_cont",
  "quantile_disc",
  "mode",
  "first",
  "last",
  "any_value",
  "arg_max",
  "arg_min",
  "max_by",
  "min_by",
  "string_agg",
  "group_concat",
  "listagg",
  "list",
  "array_agg",
  "histogram",
  "stddev",
  "stddev_samp",
  "stddev_pop",
  "variance",
  "var_samp",
  "var_pop",
  "bool_and",
  "bool_or",
]);

/** Window functions, allowed only in queries that touch no protected column (open or row access). */
export const WINDOW_FUNCTIONS: ReadonlySet<string> = new Set([
  "row_number",
  "rank",
  "dense_rank",
  "percent_rank",
  "cume_dist",
  "ntile",
  "lag",
  "lead",
  "first_value",
  "last_value",
  "count_star",
  "count",
  "sum",
  "avg",
  "min",
  "max",
]);

/** Types a CAST may target. Every CAST is rewritten to TRY_CAST so a failed cast cannot raise an error. */
export const CAST_TARGETS: ReadonlySet<string> = new Set([
  "BOOLEAN",
  "TINYINT",
  "SMALLINT",
  "INTEGER",
  "BIGINT",
  "HUGEINT",
  "FLOAT",
  "DOUBLE",
  "DECIMAL",
  "VARCHAR",
  "DATE",
  "TIMESTAMP",
]);

/** True for names of aggregates in either list. */
export function isAggregateFunction(name: string): boolean {
  return COUNTING_AGGREGATES.has(name) || VALUE_AGGREGATES.has(name);
}
