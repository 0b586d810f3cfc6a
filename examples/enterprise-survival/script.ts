/**
 * Enterprise density, registered capital and survival by industry: operating firms per industry
 * with their mean registered capital and headcount, the share of each industry's registrations
 * still operating, and survival by five-year registration cohort.
 */
interface Ctx {
  sql(query: string): Promise<Record<string, string | number | null>[]>;
  progress(fraction: number, message?: string): void;
}

type Row = Record<string, string | number | null>;

export default async function main(ctx: Ctx) {
  // Grade 2: groups of fewer than 10 firms are suppressed, registered capital is clamped to its
  // declared bounds, and sums are checked against the dominance rule (one firm > 50% of a total).
  const byIndustry = await ctx.sql(`
    SELECT industry, count(*) AS firms, avg(registered_capital) AS mean_capital_10k_cny,
           sum(employees) AS employees
    FROM enterprises
    WHERE status = 'operating'
    GROUP BY industry
    ORDER BY industry`);
  ctx.progress(0.3, "density");
  const industryStatus = await ctx.sql(`
    SELECT industry, status, count(*) AS firms FROM enterprises GROUP BY industry, status`);
  ctx.progress(0.6, "status");
  const cohortStatus = await ctx.sql(`
    SELECT (year(established_on) // 5) * 5 AS cohort, status, count(*) AS firms
    FROM enterprises
    GROUP BY cohort, status`);

  return {
    by_industry: byIndustry.map((r) => ({
      ...r,
      mean_capital_10k_cny: round(Number(r.mean_capital_10k_cny), 1),
    })),
    survival_by_industry: survival(industryStatus, "industry"),
    survival_by_cohort: survival(cohortStatus, "cohort"),
  };
}

/**
 * Share of registrations still operating per group. A status group under the threshold is
 * suppressed, not zero: a group whose closed firms were suppressed gets no share at all rather
 * than a flattering 100%.
 */
function survival(rows: readonly Row[], key: string): Row[] {
  const groups = new Map<string, { operating?: number; closed?: number }>();
  for (const row of rows) {
    const g = groups.get(String(row[key])) ?? {};
    if (row.status === "operating") g.operating = Number(row.firms);
    else if (row.status === "deregistered") g.closed = (g.closed ?? 0) + Number(row.firms);
    groups.set(String(row[key]), g);
  }
  return [...groups.entries()]
    .filter(([, g]) => g.operating !== undefined && g.closed !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, g]) => ({
      [key]: key === "cohort" ? Number(group) : group,
      registered: g.operating! + g.closed!,
      share_operating: round(g.operating! / (g.operating! + g.closed!), 3),
    }));
}

function round(x: number, digits: number): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}
