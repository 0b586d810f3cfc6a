import { z } from "zod";
import { findIdentifiers } from "./identifiers.ts";

/** Data grade of the classification-and-grading scheme: 1 open, 2 internal, 3 personal/sensitive, 4 core. */
export const Grade = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);
export type Grade = z.infer<typeof Grade>;

/**
 * How a column may be used in a query (after SecretFlow SCQL's column control lists).
 * Ordered here from most to least restrictive use.
 */
export const ColumnRule = z.enum(["deny", "join", "filter", "aggregate", "group", "row", "plain"]);
export type ColumnRule = z.infer<typeof ColumnRule>;

/** The DuckDB logical types the catalog admits. Anything else is refused at registration. */
export const ColumnType = z.union([
  z.enum(["BOOLEAN", "SMALLINT", "INTEGER", "BIGINT", "DOUBLE", "DATE", "TIMESTAMP", "VARCHAR"]),
  z.string().regex(/^DECIMAL\((\d|1\d|2\d|3[0-8]),(\d|[12]\d|3[0-8])\)$/, "DECIMAL(p,s) with p <= 38"),
]);
export type ColumnType = z.infer<typeof ColumnType>;

/** What kind of identifier a column holds; identifiers may only be `deny` or `join`. */
export const IdentifierKind = z.enum([
  "resident_id",
  "uscc",
  "person_name",
  "organization_name",
  "phone",
  "bank_card",
  "record_id",
]);
export type IdentifierKind = z.infer<typeof IdentifierKind>;

export const UpdateFrequency = z.enum([
  "realtime",
  "hourly",
  "daily",
  "weekly",
  "monthly",
  "quarterly",
  "yearly",
]);

const isoDate = z.iso.date();

/** Characters of a dummy `pattern`: `9` a digit, `A` an upper-case letter, `a` a lower-case one, and separators. */
const DUMMY_PATTERN = /^[9Aa\-._/: ]{1,64}$/;
/** Eleven placeholders in a row could draw a phone, ID or card number: the shapes the release gate hunts. */
const IDENTIFIER_LENGTH_RUN = /[9Aa]{11,}/;

/**
 * The shape of a column's dummy data, approved by the bureau like every other manifest change (it
 * publishes coarse facts about the data to every role, so adding or changing it loosens): the
 * categories the dummy rows draw from, a numeric range, a character pattern, how often the column
 * is null, and whether draws are even or skewed towards the first values / the low end. Never a
 * value: identifier, `deny` and `join` columns take a null rate only (their dummy values stay
 * synthetic), categories only where the rule publishes them (`group`, `plain`), and no value may
 * look like an identifier.
 */
export const DummyShape = z
  .object({
    values: z.array(z.string().min(1).max(200)).min(1).max(200).optional(),
    range: z
      .object({ min: z.number(), max: z.number() })
      .strict()
      .refine((r) => r.min < r.max, "dummy.range.min must be below dummy.range.max")
      .optional(),
    pattern: z
      .string()
      .regex(
        DUMMY_PATTERN,
        "a dummy pattern holds 9 (digit), A (upper-case letter), a (lower-case letter) and - . _ / : or space, at most 64",
      )
      .refine(
        (p) => !IDENTIFIER_LENGTH_RUN.test(p),
        "a dummy pattern may not hold 11 or more letters or digits in a row: it could draw a phone, ID or card number",
      )
      .optional(),
    nullRate: z.number().min(0).max(1).optional(),
    distribution: z.enum(["uniform", "skewed"]).optional(),
  })
  .strict();
export type DummyShape = z.infer<typeof DummyShape>;

/** Rules whose column values are published as they are (group dimensions, open columns): only these take dummy categories. */
const RULES_PUBLISHING_VALUES: readonly ColumnRule[] = ["group", "plain"];

/** Why a column's dummy section is refused, with the path of each problem (empty: it is acceptable). */
function dummyProblems(column: {
  name: string;
  type: string;
  rule: ColumnRule;
  identifier?: string | undefined;
  values?: string[] | undefined;
  bounds?: { min: number; max: number } | undefined;
  dummy?: DummyShape | undefined;
}): { path: (string | number)[]; message: string }[] {
  const dummy = column.dummy;
  if (!dummy) return [];
  const problems: { path: (string | number)[]; message: string }[] = [];
  const keyLike = column.identifier !== undefined || column.rule === "deny" || column.rule === "join";
  if (keyLike) {
    // Dummy identifiers and keys are synthetic (division 990000, keys from 900000000): a value, a
    // range or a pattern drawn from the real column would bring real keys or their shape along.
    for (const field of ["values", "range", "pattern", "distribution"] as const)
      if (dummy[field] !== undefined)
        problems.push({
          path: ["dummy", field],
          message: `column ${column.name} is ${column.identifier ? `an identifier (${column.identifier})` : `'${column.rule}'`}: its dummy values are synthetic, so only dummy.nullRate may be set; remove dummy.${field}`,
        });
  }
  if (dummy.values) {
    if (!keyLike && !RULES_PUBLISHING_VALUES.includes(column.rule))
      problems.push({
        path: ["dummy", "values"],
        message: `column ${column.name} is '${column.rule}', which never outputs its values: dummy categories are for 'group' and 'plain' columns; use dummy.pattern or dummy.range instead`,
      });
    if (!/^VARCHAR/.test(column.type))
      problems.push({ path: ["dummy", "values"], message: "dummy.values apply to VARCHAR columns only" });
    for (const [i, value] of dummy.values.entries()) {
      const found = findIdentifiers(value)[0];
      if (found)
        problems.push({
          path: ["dummy", "values", i],
          message: `dummy.values[${i}] holds a valid ${found.kind.replace("_", " ")}: dummy data never carries an identifier; remove it`,
        });
      else if (column.values && !column.values.includes(value))
        problems.push({
          path: ["dummy", "values", i],
          message: `dummy.values[${i}] is not one of the column's declared values: declare it in values first or remove it`,
        });
    }
    if (new Set(dummy.values).size !== dummy.values.length)
      problems.push({ path: ["dummy", "values"], message: "dummy.values holds a value twice" });
  }
  if (dummy.range) {
    if (!/^(SMALLINT|INTEGER|BIGINT|DOUBLE|DECIMAL)/.test(column.type))
      problems.push({ path: ["dummy", "range"], message: "dummy.range applies to numeric columns only" });
    const bounds = column.bounds;
    if (bounds && (dummy.range.min < bounds.min || dummy.range.max > bounds.max))
      problems.push({
        path: ["dummy", "range"],
        message: `dummy.range must lie inside the column's bounds ${bounds.min}..${bounds.max}`,
      });
  }
  if (dummy.pattern !== undefined) {
    if (column.type !== "VARCHAR")
      problems.push({ path: ["dummy", "pattern"], message: "dummy.pattern applies to VARCHAR columns only" });
    if (dummy.values || column.values)
      problems.push({
        path: ["dummy", "pattern"],
        message: "a column with values draws from them: give dummy.values or dummy.pattern, not both",
      });
  }
  return problems;
}

export const ColumnManifest = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, "lower snake_case, at most 63 characters"),
    type: ColumnType,
    meaning: z.string().min(1),
    rule: ColumnRule,
    unit: z.string().min(1).optional(),
    identifier: IdentifierKind.optional(),
    /** Declared value domain of a categorical column: dummy data draws from it, outputs are checked against it. */
    values: z.array(z.string().min(1)).min(1).optional(),
    /**
     * Declared numeric range: inputs to aggregates are clamped to it, dummy data is drawn inside it.
     * `unitMax`, for a column that is never negative: the most one unit's values may add up to in
     * a query (a person's year of visits' costs). In DP queries a sum's noise is scaled to it rather
     * than to the cap times `max`: where the engine keeps each unit to one group, a unit's total in
     * it above `unitMax` is clamped to it; elsewhere each unit's rows are scaled down so that their
     * total over all the query's groups is at most `unitMax`.
     */
    bounds: z
      .object({ min: z.number(), max: z.number(), unitMax: z.number().positive().optional() })
      .refine((b) => b.min < b.max, "bounds.min must be below bounds.max")
      .refine(
        (b) => b.unitMax === undefined || b.min >= 0,
        "bounds.unitMax applies to columns that are never negative (min ≥ 0)",
      )
      .optional(),
    /** Declared date range (inclusive) of a DATE or TIMESTAMP column. */
    dateRange: z
      .object({ from: isoDate, to: isoDate })
      .refine((r) => r.from <= r.to, "dateRange.from must not be after dateRange.to")
      .optional(),
    /** What the column's dummy data looks like (see `DummyShape`); without it, drawn from the fields above. */
    dummy: DummyShape.optional(),
  })
  .strict()
  .superRefine((column, ctx) => {
    for (const problem of dummyProblems(column)) ctx.addIssue({ code: "custom", ...problem });
    if (column.identifier && column.rule !== "deny" && column.rule !== "join") {
      ctx.addIssue({
        code: "custom",
        path: ["rule"],
        message: `identifier column ${column.name} must be 'deny' or 'join', not '${column.rule}'`,
      });
    }
    const numeric = /^(SMALLINT|INTEGER|BIGINT|DOUBLE|DECIMAL)/.test(column.type);
    if (column.rule === "aggregate" && numeric && !column.bounds) {
      // Clamping and differential-privacy sensitivity both need the range.
      ctx.addIssue({
        code: "custom",
        path: ["bounds"],
        message: `aggregate column ${column.name} needs declared bounds`,
      });
    }
    if (column.bounds && !numeric) {
      ctx.addIssue({ code: "custom", path: ["bounds"], message: "bounds apply to numeric columns only" });
    }
    if (column.dateRange && column.type !== "DATE" && column.type !== "TIMESTAMP") {
      ctx.addIssue({
        code: "custom",
        path: ["dateRange"],
        message: "dateRange applies to DATE/TIMESTAMP only",
      });
    }
  });
export type ColumnManifest = z.infer<typeof ColumnManifest>;

/**
 * What each column rule admits, as the query gate enforces it (policies/query-gate.ts). The rules
 * are listed from most to least restrictive, but they are not a chain: `join` admits join keys
 * that `group` does not, `aggregate` admits sums that `group` does not, `filter` admits predicates
 * that `aggregate` does not. A move tightens only when the new rule admits a subset of the old.
 */
export const RULE_ADMITS: Readonly<Record<ColumnRule, readonly string[]>> = {
  deny: [],
  join: ["join key", "count"],
  filter: ["predicate"],
  aggregate: ["count", "sum"],
  group: ["predicate", "count", "dimension"],
  row: ["join key", "count", "predicate", "sum", "dimension", "reviewed rows"],
  plain: ["join key", "count", "predicate", "sum", "dimension", "reviewed rows", "unreviewed rows"],
};

/** Whether rule `to` admits no use that rule `from` did not. */
export function ruleTightens(from: ColumnRule, to: ColumnRule): boolean {
  return RULE_ADMITS[to].every((use) => RULE_ADMITS[from].includes(use));
}

/**
 * The rule admitting only what both `a` and `b` admit: the most permissive rule inside both (at
 * worst `deny`). Where one narrows the other it is that one; otherwise nothing either forbids
 * slips through (e.g. `aggregate` with `filter` is `deny`, not `filter`).
 */
export function commonRule(a: ColumnRule, b: ColumnRule): ColumnRule {
  if (ruleTightens(a, b)) return b;
  if (ruleTightens(b, a)) return a;
  let best: ColumnRule = "deny";
  for (const rule of ColumnRule.options) {
    if (ruleTightens(a, rule) && ruleTightens(b, rule) && RULE_ADMITS[rule].length > RULE_ADMITS[best].length)
      best = rule;
  }
  return best;
}

/** Rules a grade admits at all; a manifest or license may be stricter, never looser. */
export const RULES_ALLOWED_BY_GRADE: Readonly<Record<Grade, readonly ColumnRule[]>> = {
  1: ["deny", "join", "filter", "aggregate", "group", "row", "plain"],
  2: ["deny", "join", "filter", "aggregate", "group", "row"],
  3: ["deny", "join", "filter", "aggregate", "group"],
  4: ["deny", "join", "filter", "aggregate", "group"],
};

/** The (n,k) and p% dominance rules of a dataset holding business magnitudes. */
export const DominanceRule = z
  .object({
    n: z.number().int().min(1).max(10),
    k: z.number().gt(0).max(100),
    p: z.number().gt(0).max(100).optional(),
  })
  .strict();
export type DominanceRule = z.infer<typeof DominanceRule>;

export const DatasetManifest = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
    title: z.string().min(1),
    description: z.string().min(1),
    holder: z.object({ department: z.string().min(1), contact: z.string().min(1).optional() }).strict(),
    grade: Grade,
    updateFrequency: UpdateFrequency,
    /**
     * The column naming the individual (person or firm) whose privacy is protected: groups are
     * counted in distinct units, contributions are bounded per unit. Open data has none.
     */
    privacyUnit: z.string().nullable(),
    /** Upper bound on rows one privacy unit contributes to one query (contribution bounding); set exactly when there is a privacy unit. */
    maxContributionsPerUnit: z.number().int().positive().optional(),
    /** Minimum number of distinct units in a released group; defaults to the grade's. */
    minGroupSize: z.number().int().min(2).optional(),
    coverage: z.object({ from: isoDate, to: isoDate }).strict().optional(),
    /**
     * Dominance rules for business totals (statistical disclosure control for magnitude tables):
     * a released sum is suppressed when its `n` largest units make up more than `k` percent of it,
     * or, with `p`, when the total minus the two largest is less than `p` percent of the largest
     * (the second largest could then estimate the largest to within p%).
     */
    dominance: DominanceRule.optional(),
    columns: z.array(ColumnManifest).min(1),
  })
  .strict()
  .superRefine((manifest, ctx) => {
    const names = new Set<string>();
    for (const [i, column] of manifest.columns.entries()) {
      if (names.has(column.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["columns", i, "name"],
          message: `duplicate column ${column.name}`,
        });
      }
      names.add(column.name);
      if (!RULES_ALLOWED_BY_GRADE[manifest.grade].includes(column.rule)) {
        ctx.addIssue({
          code: "custom",
          path: ["columns", i, "rule"],
          message: `rule '${column.rule}' is looser than grade ${manifest.grade} allows (column ${column.name})`,
        });
      }
      // Grade 4 (core) data leaves only through a review of every output: no category or range of
      // it is published to every role ahead of that.
      for (const field of ["values", "range"] as const)
        if (manifest.grade === 4 && column.dummy?.[field] !== undefined)
          ctx.addIssue({
            code: "custom",
            path: ["columns", i, "dummy", field],
            message: `grade 4 outputs are all reviewed, so dummy.${field} would publish what only a review may release: remove it (column ${column.name})`,
          });
    }
    if ((manifest.privacyUnit === null) !== (manifest.maxContributionsPerUnit === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["maxContributionsPerUnit"],
        message: "maxContributionsPerUnit is set exactly when a privacy unit is",
      });
    }
    if (manifest.privacyUnit === null) {
      if (manifest.grade > 1) {
        ctx.addIssue({
          code: "custom",
          path: ["privacyUnit"],
          message: "grades 2-4 need a privacy unit column",
        });
      }
    } else {
      const unit = manifest.columns.find((c) => c.name === manifest.privacyUnit);
      if (!unit) {
        ctx.addIssue({ code: "custom", path: ["privacyUnit"], message: `no column ${manifest.privacyUnit}` });
      } else if (unit.rule !== "join" && unit.rule !== "deny") {
        ctx.addIssue({
          code: "custom",
          path: ["privacyUnit"],
          message: `privacy unit ${unit.name} must be 'join' or 'deny'`,
        });
      }
    }
  });
export type DatasetManifest = z.infer<typeof DatasetManifest>;
