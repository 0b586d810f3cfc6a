/**
 * Public credit records by industry: how many records firms of each industry carry: administrative
 * licences, penalties, abnormal-operation or serious-violation listings, and the mean fine per penalty.
 */
interface Ctx {
  sql(query: string): Promise<Record<string, string | number | null>[]>;
  progress(fraction: number, message?: string): void;
}

export default async function main(ctx: Ctx) {
  // A group is released only when at least 10 distinct firms (the privacy unit) are in it; each firm
  // contributes at most 10 records to the counts and sums.
  const records = await ctx.sql(`
    SELECT e.industry, c.record_type, count(*) AS records, sum(c.penalty_amount) AS fines_cny,
           count(c.penalty_amount) AS fined_records
    FROM credit_records c JOIN enterprises e ON c.uscc = e.uscc
    WHERE c.status = 'in_force'
    GROUP BY e.industry, c.record_type
    ORDER BY e.industry, c.record_type`);
  ctx.progress(0.6, "records");
  const firms = await ctx.sql(`
    SELECT industry, count(*) AS firms FROM enterprises WHERE status = 'operating' GROUP BY industry`);
  const registered = new Map(firms.map((f) => [String(f.industry), Number(f.firms)]));
  const rows = records.map((r) => {
    const fined = Number(r.fined_records ?? 0);
    const base = registered.get(String(r.industry)) ?? 0;
    return {
      industry: String(r.industry),
      record_type: String(r.record_type),
      records: Number(r.records),
      per_1000_operating_firms: base > 0 ? Math.round((Number(r.records) / base) * 10000) / 10 : null,
      mean_fine_cny: fined > 0 && r.fines_cny !== null ? Math.round(Number(r.fines_cny) / fined) : null,
    };
  });
  return { credit_by_industry: rows };
}
