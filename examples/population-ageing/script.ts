/**
 * Population ageing and employment by district: the share of residents aged 60 and over, the
 * old-age dependency ratio and the employment rate of working-age residents, per district.
 */
interface Ctx {
  sql(query: string): Promise<Record<string, string | number | null>[]>;
  progress(fraction: number, message?: string): void;
}

/** Ages are reckoned at the end of 2025, the register's reference date, by birth year. */
const REFERENCE_YEAR = 2025;

export default async function main(ctx: Ctx) {
  // Age bands are computed in SQL from birth_date (a group column); the engine counts distinct
  // residents per group, suppresses groups under the threshold and adds DP noise to each count.
  const bands = await ctx.sql(`
    SELECT district,
           CASE WHEN year(birth_date) > ${REFERENCE_YEAR - 15} THEN 'child'
                WHEN year(birth_date) > ${REFERENCE_YEAR - 60} THEN 'working_age'
                ELSE 'older' END AS age_group,
           count(*) AS n
    FROM population
    GROUP BY district, age_group`);
  ctx.progress(0.5, "age structure");
  const work = await ctx.sql(`
    SELECT district, employment_status, count(*) AS n
    FROM population
    WHERE year(birth_date) > ${REFERENCE_YEAR - 60} AND year(birth_date) <= ${REFERENCE_YEAR - 15}
    GROUP BY district, employment_status`);

  // Ratios are derived here, from released (noisy, thresholded) counts.
  const districts = [...new Set(bands.map((r) => String(r.district)))].sort();
  const count = (rows: typeof bands, district: string, key: string, value: string) =>
    rows
      .filter((r) => r.district === district && r[key] === value)
      .reduce((sum, r) => sum + Math.max(0, Number(r.n)), 0);
  const ageing = districts.map((district) => {
    const child = count(bands, district, "age_group", "child");
    const working = count(bands, district, "age_group", "working_age");
    const older = count(bands, district, "age_group", "older");
    const total = child + working + older;
    const employed = count(work, district, "employment_status", "employed");
    // A suppressed group is unknown, not zero: no unemployment rate where it was suppressed.
    const unemployedKnown = work.some((r) => r.district === district && r.employment_status === "unemployed");
    const labourForce = employed + count(work, district, "employment_status", "unemployed");
    return {
      district,
      share_60_plus: total > 0 ? round(older / total) : null,
      old_age_dependency: working > 0 ? round(older / working) : null,
      employment_rate: working > 0 ? round(employed / working) : null,
      unemployment_rate: unemployedKnown && labourForce > 0 ? round(1 - employed / labourForce) : null,
    };
  });
  ctx.progress(1, "done");
  return { ageing_by_district: ageing };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
