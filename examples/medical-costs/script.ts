/**
 * Medical cost and visit rates by ICD-10 chapter and age band (2025): visits per 1,000 residents
 * and mean cost per visit. Both datasets are grade 3: every count and sum carries DP noise charged
 * to the license's ε budget.
 */
interface Ctx {
  sql(query: string): Promise<Record<string, string | number | null>[]>;
  progress(fraction: number, message?: string): void;
}

/** Age bands by birth year (ages at the end of 2025). */
const AGE_BANDS: readonly { band: string; where: string }[] = [
  { band: "0-14", where: "year(p.birth_date) > 2010" },
  { band: "15-44", where: "year(p.birth_date) BETWEEN 1981 AND 2010" },
  { band: "45-59", where: "year(p.birth_date) BETWEEN 1966 AND 1980" },
  { band: "60+", where: "year(p.birth_date) <= 1965" },
];

export default async function main(ctx: Ctx) {
  const rates: Record<string, string | number | null>[] = [];
  for (const [i, { band, where }] of AGE_BANDS.entries()) {
    // Grouping by the declared diagnosis codes keeps the groups public (no DP partition selection,
    // which would drop most groups); one query per age band, each charged ε once.
    // person_id is a join column: usable only in the equality join, never output.
    const visits = await ctx.sql(`
      SELECT v.diagnosis, count(*) AS visits, sum(v.cost) AS total_cost
      FROM medical_visits v JOIN population p ON v.person_id = p.person_id
      WHERE ${where}
      GROUP BY v.diagnosis`);
    const residents = await ctx.sql(`SELECT count(*) AS residents FROM population p WHERE ${where}`);
    ctx.progress((i + 1) / AGE_BANDS.length, band);

    // Chapters (the code's letter) and rates are derived here, from the noisy released figures.
    const people = Math.max(0, Number(residents[0]?.residents ?? 0));
    const chapters = new Map<string, { visits: number; cost: number }>();
    for (const row of visits) {
      const chapter = String(row.diagnosis).slice(0, 1);
      const c = chapters.get(chapter) ?? { visits: 0, cost: 0 };
      c.visits += Math.max(0, Number(row.visits));
      c.cost += Math.max(0, Number(row.total_cost ?? 0));
      chapters.set(chapter, c);
    }
    for (const [chapter, c] of [...chapters.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      rates.push({
        chapter,
        age_band: band,
        visits_per_1000: people > 0 ? Math.round((c.visits / people) * 10000) / 10 : null,
        mean_cost_cny: c.visits > 0 ? Math.round(c.cost / c.visits) : null,
      });
    }
  }
  return { rates_by_chapter_and_age: rates };
}
