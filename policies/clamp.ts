/**
 * Clamping a sum's per-row inputs to the declared bounds, as SQL. The bound on every row's value
 * is what the sensitivity of a noisy sum rests on, so the clamp is only ever left out where facts
 * verified on the data show it cannot change a value.
 */

/** Verified facts about the column a measure reads unchanged (see `ColumnProfile` in storage). */
export interface ValueFacts {
  /** DuckDB type of the column, as its catalog spells it. */
  readonly type: string;
  readonly hasNulls: boolean;
  /** Integers enclosing every non-null value; null when unknown. */
  readonly range: { readonly min: bigint; readonly max: bigint } | null;
}

export interface Bounds {
  readonly lo: number;
  readonly hi: number;
}

/** A number as a SQL literal; refuses anything that is not finite. */
export function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError("non-finite number in generated SQL");
  return `CAST(${String(value)} AS DOUBLE)`;
}

/**
 * Types a sum can run in natively. Integers sum into HUGEINT and DECIMALs up to 18 digits into
 * DECIMAL(38, s), neither of which any realistic row count overflows (an overflow error would be
 * a signal about the data); DOUBLE is what the general path sums anyway.
 */
const NATIVE_TYPE = /^(?:TINYINT|SMALLINT|INTEGER|BIGINT|DOUBLE|DECIMAL\((\d{1,2}),\d{1,2}\))$/;

/**
 * The column's own type, when comparing and summing in it is exact: a known numeric type, a
 * known range, and integer bounds (an integer bound converts exactly into any of these types).
 */
function nativeType(bounds: Bounds, facts: ValueFacts | undefined): string | null {
  if (!facts?.range || !Number.isSafeInteger(bounds.lo) || !Number.isSafeInteger(bounds.hi)) return null;
  const match = NATIVE_TYPE.exec(facts.type);
  if (!match || (match[1] !== undefined && Number(match[1]) > 18)) return null;
  return facts.type;
}

/**
 * The SQL of `input` clamped to `bounds`. NULL stays NULL: a row without a value adds nothing.
 *
 * With verified facts about the column `input` reads: a side of the clamp the data never reaches
 * is left out (the comparison of the integer envelope with the bound is exact, and made here on
 * every call, so bounds changed by a new policy are always the ones compared), and the value is
 * compared and summed in the column's own type rather than cast to DOUBLE row by row. A literal
 * is only written for a side the data does cross, so it lies inside the column's range and
 * converts to its type without error.
 *
 * @example
 * clampExpression("__m1", { lo: 0, hi: 2_000_000 }, { type: "INTEGER", hasNulls: false, range: { min: 0n, max: 5_946_790n } });
 * // "CASE WHEN __m1 > CAST(2000000 AS INTEGER) THEN CAST(2000000 AS INTEGER) ELSE __m1 END"
 */
export function clampExpression(input: string, bounds: Bounds, facts?: ValueFacts): string {
  const range = facts?.range ?? null;
  // A bigint compared with a number compares the exact values.
  const reachesLo = range === null || range.min < bounds.lo;
  const reachesHi = range === null || range.max > bounds.hi;
  const type = nativeType(bounds, facts);
  const value = type ? input : `TRY_CAST(${input} AS DOUBLE)`;
  const literal = (n: number): string => (type ? `CAST(${String(n)} AS ${type})` : sqlNumber(n));
  const checks = [
    ...(reachesHi ? [`WHEN ${value} > ${literal(bounds.hi)} THEN ${literal(bounds.hi)}`] : []),
    ...(reachesLo ? [`WHEN ${value} < ${literal(bounds.lo)} THEN ${literal(bounds.lo)}`] : []),
  ];
  return checks.length > 0 ? `CASE ${checks.join(" ")} ELSE ${value} END` : value;
}
