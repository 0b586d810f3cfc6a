/**
 * Severe pollution hours per station and month (AQI above 200, "heavily polluted" or worse under
 * HJ 633-2012). The monthly counts are small numbers in a count column, which the release gate
 * treats as small cells: the job is held for a bureau reviewer even though the data is open.
 */
interface Ctx {
  sql(query: string): Promise<Record<string, string | number | null>[]>;
}

export default async function main(ctx: Ctx) {
  const rows = await ctx.sql(`
    SELECT station, month(hour) AS month, count(*) AS severe_hours_count
    FROM air_quality
    WHERE aqi > 200
    GROUP BY station, month
    ORDER BY station, month`);
  return { severe_hours: rows };
}
