/**
 * SQL building blocks of the generator. All randomness comes from DuckDB's `hash` over
 * (seed, row key, tag): the same seed gives the same domain on any machine running the same
 * DuckDB version, and rows are generated in parallel inside DuckDB, never one by one in JS.
 */

/** A SQL string literal for one of our own constants (quotes doubled). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A SQL numeric literal; refuses non-finite numbers so a bad constant can't become NaN SQL. */
export function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return String(value);
}

/**
 * Temporary macros (they vanish with the generating connection, so the data file holds tables only):
 * `uniform(key, tag)` in [0, 1) with 53 random bits, and `gauss(key, tag)` standard normal by Box–Muller.
 */
export function randomMacros(seed: number): string[] {
  if (!Number.isSafeInteger(seed)) throw new RangeError("seed must be a safe integer");
  return [
    // DuckDB combines the hashes of several arguments cheaply (draws for two tags of one key came
    // out correlated at -0.5), so the combined hash is hashed once more to mix it fully.
    `CREATE OR REPLACE TEMP MACRO uniform(k, t) AS ((hash(hash(${seed}::BIGINT, k, t)) >> 11)::DOUBLE / 9007199254740992.0)`,
    `CREATE OR REPLACE TEMP MACRO gauss(k, t) AS (
       sqrt(-2.0 * ln(greatest(uniform(k, t || ':a'), 1e-15))) * cos(2.0 * pi() * uniform(k, t || ':b')))`,
    // Exponential draws give over-dispersed counts (many zeros, a long tail), as visit counts are in reality.
    `CREATE OR REPLACE TEMP MACRO exponential(k, t) AS (-ln(greatest(uniform(k, t), 1e-15)))`,
  ];
}

export type SqlValue = string | number | boolean;

function literal(value: SqlValue): string {
  if (typeof value === "string") return sqlString(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  return sqlNumber(value);
}

/** A SQL list literal of our own constants. */
export function sqlList(values: readonly SqlValue[]): string {
  return `[${values.map(literal).join(", ")}]`;
}

/**
 * Walker's alias tables for `weights`: draw a column i uniformly, keep it with probability
 * prob[i], else take alias[i]. Exact for any weights and constant-time per row, where a cumulative
 * search (CASE chains, ASOF joins) costs a sort or a scan per row.
 */
function aliasTables(weights: readonly number[]): { prob: number[]; alias: number[] } {
  const n = weights.length;
  const total = weights.reduce((a, b) => a + b, 0);
  if (n === 0 || !(total > 0) || weights.some((w) => w < 0 || !Number.isFinite(w))) {
    throw new RangeError("weights must be finite, non-negative and not all zero");
  }
  const scaled = weights.map((w) => (w * n) / total);
  const prob = new Array<number>(n).fill(1);
  const alias = Array.from({ length: n }, (_, i) => i);
  const small = scaled.flatMap((p, i) => (p < 1 ? [i] : []));
  const large = scaled.flatMap((p, i) => (p >= 1 ? [i] : []));
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large.pop()!;
    prob[s] = scaled[s]!;
    alias[s] = l;
    scaled[l] = scaled[l]! + scaled[s]! - 1;
    (scaled[l]! < 1 ? small : large).push(l);
  }
  return { prob, alias };
}

/**
 * SQL for a 1-based index into `weights`, given `u`: a column holding a uniform draw. One draw
 * serves both steps of the alias method (its integer part picks the column, its fractional part
 * tosses the coin), so `u` must be a plain column: an expression here would be evaluated four times.
 */
export function weightedIndexSql(u: string, weights: readonly number[]): string {
  const { prob, alias } = aliasTables(weights);
  const n = weights.length;
  const column = `(1 + floor(${u} * ${n})::INTEGER)`;
  return `(CASE WHEN (${u} * ${n}) % 1 < list_element(${sqlList(prob)}, ${column})
    THEN ${column} ELSE list_element(${sqlList(alias.map((a) => a + 1))}, ${column}) END)`;
}

/**
 * SQL for a 1-based index whose weights depend on a partition (e.g. the age band): `partitions`
 * maps each value of `partitionExpr` to its weights. Rows of an unlisted partition get NULL.
 */
export function partitionedIndexSql(
  partitionExpr: string,
  u: string,
  partitions: ReadonlyArray<readonly [SqlValue, readonly number[]]>,
): string {
  const branches = partitions.map(([p, w]) => `WHEN ${literal(p)} THEN ${weightedIndexSql(u, w)}`);
  return `(CASE ${partitionExpr} ${branches.join("\n")} END)`;
}

/** SQL choosing one of `choices` by weight, given a uniform-draw column `u`. */
export function weightedChoiceSql(u: string, choices: ReadonlyArray<readonly [SqlValue, number]>): string {
  return `list_element(${sqlList(choices.map(([v]) => v))}, ${weightedIndexSql(
    u,
    choices.map(([, w]) => w),
  )})`;
}

/** `Σ digit(k) · weight(k)` over the first characters of `expr`, where digit is the character's value in `charset`. */
function weightedCharSum(expr: string, weights: readonly number[], charset?: string): string {
  return weights
    .map((w, i) => {
      const ch = `substr(${expr}, ${i + 1}, 1)`;
      const value = charset ? `(strpos(${sqlString(charset)}, ${ch}) - 1)` : `(ascii(${ch}) - 48)`;
      return `${value} * ${w}`;
    })
    .join(" + ");
}

/**
 * GB 11643 check character of a resident ID built from its parts: a 6-digit region code (integer
 * expression), a birth date and a 1-999 order code. Digits are taken arithmetically (string
 * slicing costs several times more at millions of rows); mirrors residentIdCheckDigit in
 * policies/identifiers.ts, and tests hold the two against each other.
 */
export function residentIdCheckSql(regionCode: string, birthDate: string, orderCode: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const digitsOf = (expr: string, count: number, offset: number) =>
    Array.from(
      { length: count },
      (_, k) => `((${expr}) // ${10 ** (count - 1 - k)} % 10) * ${weights[offset + k]}`,
    );
  const terms = [
    ...digitsOf(regionCode, 6, 0),
    ...digitsOf(`year(${birthDate})`, 4, 6),
    ...digitsOf(`month(${birthDate})`, 2, 10),
    ...digitsOf(`day(${birthDate})`, 2, 12),
    ...digitsOf(orderCode, 3, 14),
  ];
  return `substr('10X98765432', ((${terms.join(" + ")}) % 11)::INTEGER + 1, 1)`;
}

/** GB 11714 check character of an 8-digit organization code body. */
export function organizationCodeCheckSql(first8: string): string {
  const weights = [3, 7, 9, 10, 5, 8, 4, 2];
  return `CASE 11 - ((${weightedCharSum(first8, weights)}) % 11) WHEN 10 THEN 'X' WHEN 11 THEN '0'
    ELSE (11 - ((${weightedCharSum(first8, weights)}) % 11))::VARCHAR END`;
}

/** GB 32100 check character of a 17-character credit code prefix. */
export function usccCheckSql(first17: string, charset: string): string {
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  return `substr(${sqlString(charset)}, ((31 - ((${weightedCharSum(first17, weights, charset)}) % 31)) % 31) + 1, 1)`;
}

/** A CASE mapping `ageExpr` to the health age bands. */
export function ageBandSql(ageExpr: string): string {
  return `CASE WHEN ${ageExpr} < 15 THEN '0-14' WHEN ${ageExpr} < 45 THEN '15-44' WHEN ${ageExpr} < 65 THEN '45-64' ELSE '65+' END`;
}
