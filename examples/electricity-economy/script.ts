/**
 * Electricity consumption as an economic indicator: 2025 consumption by industry and by district,
 * from metered monthly kWh joined to enterprise registrations. A few large plants dominate their
 * county, so totals pass the dominance rules (n=1, k=50%; p=10%) or are suppressed.
 */
interface Ctx {
  sql(query: string): Promise<Record<string, string | number | null>[]>;
  progress(fraction: number, message?: string): void;
}

export default async function main(ctx: Ctx) {
  // uscc is a join column on both sides: it links the tables and is never output. count(*) counts
  // metered firm-months (each firm contributes at most 12 rows), not distinct firms.
  const byIndustry = await ctx.sql(`
    SELECT e.industry, count(*) AS metered_months, sum(u.kwh) AS kwh
    FROM electricity_usage u JOIN enterprises e ON u.uscc = e.uscc
    GROUP BY e.industry
    ORDER BY e.industry`);
  ctx.progress(0.4, "by industry");
  const byDistrict = await ctx.sql(`
    SELECT e.district, count(*) AS metered_months, sum(u.kwh) AS kwh
    FROM electricity_usage u JOIN enterprises e ON u.uscc = e.uscc
    GROUP BY e.district
    ORDER BY e.district`);
  ctx.progress(0.7, "by district");
  // Monthly totals per district: the seasonal profile where no single plant dominates.
  const byMonth = await ctx.sql(`
    SELECT e.district, month(u.month) AS month, sum(u.kwh) AS kwh
    FROM electricity_usage u JOIN enterprises e ON u.uscc = e.uscc
    GROUP BY e.district, month(u.month)
    ORDER BY 1, 2`);
  // GWh reads better than kWh; a suppressed total stays null rather than becoming 0.
  const gwh = (rows: typeof byIndustry) =>
    rows.map((r) => ({
      ...r,
      kwh: undefined,
      gwh: r.kwh === null ? null : Math.round(Number(r.kwh) / 1e4) / 100,
    }));
  return {
    by_industry: strip(gwh(byIndustry)),
    by_district: strip(gwh(byDistrict)),
    by_district_month: strip(gwh(byMonth)),
  };
}

function strip(rows: Record<string, unknown>[]): Record<string, string | number | null>[] {
  return rows.map(
    (r) =>
      Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Record<
        string,
        string | number | null
      >,
  );
}
