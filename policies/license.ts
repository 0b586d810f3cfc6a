import { z } from "zod";
import { ObjectId } from "./ids.ts";
import { ColumnRule, commonRule, DatasetManifest, type Grade } from "./manifest.ts";

/** How a job's outputs leave: automatically after the release gate, or always through a reviewer. */
export const ReleaseMode = z.enum(["auto", "review"]);
export type ReleaseMode = z.infer<typeof ReleaseMode>;

/** The window over which a privacy budget is spent before it renews. */
export const BudgetPeriod = z.enum(["total", "year", "month", "day"]);
export type BudgetPeriod = z.infer<typeof BudgetPeriod>;

/**
 * Default ε charged per DP query when a license does not say. What an attacker who spends a whole
 * budget on one person learns grows with perQuery × total (docs/security.md, "Grade 3: what a
 * budget lets an attacker learn"); the accuracy of each answer with perQuery alone.
 */
export const DEFAULT_QUERY_EPSILON = 0.2;

/** ε budget of one dataset under a license. */
export const PrivacyBudget = z
  .object({
    /** ε charged for each (distinct) DP query. */
    perQuery: z.number().positive().max(10).default(DEFAULT_QUERY_EPSILON),
    /** Total ε the license may spend on the dataset per period. */
    total: z.number().positive().max(1000),
    period: BudgetPeriod.default("total"),
  })
  .strict()
  .refine((b) => b.perQuery <= b.total, "perQuery must not exceed total");
export type PrivacyBudget = z.infer<typeof PrivacyBudget>;

/**
 * The budget a grade 3 dataset gets where nobody chose one (the demo license, the CLI's and the
 * console's forms): twenty computations a year. Spent whole on one person's count it recovers the
 * count one time in three (docs/security.md, "Grade 3: what a budget lets an attacker learn").
 */
export const DEFAULT_PRIVACY_BUDGET: PrivacyBudget = {
  perQuery: DEFAULT_QUERY_EPSILON,
  total: 4,
  period: "year",
};

const name = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/);

/** One dataset a license grants, optionally with tighter column rules and thresholds. */
export const LicensedDataset = z
  .object({
    name,
    /**
     * Column narrowing: a rule per column. A rule here can only tighten the manifest's rule (the
     * stricter of the two applies), so a license can never loosen below the grade's floor.
     */
    columns: z.record(name, ColumnRule).optional(),
    /** A larger minimum group size than the manifest's (the larger applies). */
    minGroupSize: z.number().int().min(2).optional(),
    /** A smaller contribution bound than the manifest's (the smaller applies). */
    maxContributionsPerUnit: z.number().int().positive().optional(),
    /** Required for grade 3 and 4 datasets: DP queries charge it. */
    epsilon: PrivacyBudget.optional(),
  })
  .strict();
export type LicensedDataset = z.infer<typeof LicensedDataset>;

/** Job and output limits of a license (enforced by the gateway and sandbox; the engine reads `rowsPerQuery`). */
export const LicenseQuotas = z
  .object({
    jobsPerDay: z.number().int().positive().optional(),
    queriesPerJob: z.number().int().positive().optional(),
    rowsPerQuery: z.number().int().positive().optional(),
    outputCells: z.number().int().positive().optional(),
  })
  .strict();
export type LicenseQuotas = z.infer<typeof LicenseQuotas>;

/** A bureau's grant to one operator to use named datasets for a purpose within a window. */
export const License = z
  .object({
    id: ObjectId,
    operator: ObjectId,
    purpose: z.string().min(1).max(500),
    validFrom: z.iso.datetime({ offset: true }),
    validTo: z.iso.datetime({ offset: true }),
    datasets: z.array(LicensedDataset).min(1),
    quotas: LicenseQuotas.default({}),
    releaseMode: ReleaseMode.default("auto"),
  })
  .strict()
  .superRefine((license, ctx) => {
    if (license.validFrom >= license.validTo) {
      ctx.addIssue({ code: "custom", path: ["validTo"], message: "validTo must be after validFrom" });
    }
    const seen = new Set<string>();
    for (const [i, d] of license.datasets.entries()) {
      if (seen.has(d.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["datasets", i, "name"],
          message: `dataset ${d.name} listed twice`,
        });
      }
      seen.add(d.name);
    }
  });
export type License = z.infer<typeof License>;

/** One version of a dataset's policy: the manifest in force from a moment on, and who wrote it. */
export const PolicyVersion = z
  .object({
    dataset: name,
    version: z.number().int().positive(),
    manifest: DatasetManifest,
    effectiveFrom: z.iso.datetime({ offset: true }),
    author: z.string().min(1),
    note: z.string().max(2000).optional(),
  })
  .strict()
  .refine((v) => v.manifest.name === v.dataset, "manifest name must equal dataset");
export type PolicyVersion = z.infer<typeof PolicyVersion>;

/** Minimum distinct units in a released group when the manifest does not say, by grade. */
export const DEFAULT_MIN_GROUP_SIZE: Readonly<Record<Grade, number>> = { 1: 1, 2: 10, 3: 10, 4: 10 };

/** A dataset as one license sees it: the manifest with the license's tightening applied. */
export interface LicensedView {
  readonly manifest: DatasetManifest;
  readonly rules: ReadonlyMap<string, ColumnRule>;
  readonly minGroupSize: number;
  readonly maxContributionsPerUnit: number;
  /** Differential privacy applies (grade 3 and 4). */
  readonly differentialPrivacy: boolean;
  /** Every output touching it goes to review (grade 4). */
  readonly requiresReview: boolean;
  readonly epsilon: PrivacyBudget | undefined;
}

/**
 * The datasets a license may touch, keyed by name, with effective rules. Datasets the license
 * does not name are absent: the query gate treats them as unknown tables.
 */
export function licensedViews(
  license: License,
  manifests: readonly DatasetManifest[],
): ReadonlyMap<string, LicensedView> {
  const byName = new Map(manifests.map((m) => [m.name, m]));
  const views = new Map<string, LicensedView>();
  for (const grant of license.datasets) {
    const manifest = byName.get(grant.name);
    if (!manifest) continue;
    const rules = new Map<string, ColumnRule>();
    for (const column of manifest.columns) {
      const narrowed = grant.columns?.[column.name];
      // What both admit: a license naming a rule that is no narrowing (say `filter` for an
      // `aggregate` column) must not open predicates the manifest forbids.
      rules.set(column.name, narrowed ? commonRule(column.rule, narrowed) : column.rule);
    }
    const floor = manifest.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE[manifest.grade];
    // Open data has no privacy unit and so no bound; one row per unit is the safe reading.
    const bound = manifest.maxContributionsPerUnit ?? 1;
    views.set(manifest.name, {
      manifest,
      rules,
      minGroupSize: Math.max(floor, grant.minGroupSize ?? floor),
      maxContributionsPerUnit: Math.min(bound, grant.maxContributionsPerUnit ?? bound),
      differentialPrivacy: manifest.grade >= 3,
      requiresReview: manifest.grade === 4,
      epsilon: grant.epsilon,
    });
  }
  return views;
}

/** The key of the budget period containing `at`, e.g. `month:2026-03`. */
export function budgetPeriodKey(period: BudgetPeriod, at: Date): string {
  const iso = at.toISOString();
  switch (period) {
    case "total":
      return "total";
    case "year":
      return `year:${iso.slice(0, 4)}`;
    case "month":
      return `month:${iso.slice(0, 7)}`;
    case "day":
      return `day:${iso.slice(0, 10)}`;
  }
}
