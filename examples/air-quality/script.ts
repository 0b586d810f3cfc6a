/**
 * Air-quality trends and exceedance days (open data, grade 1): monthly mean PM2.5, PM10 and O3 per
 * station, and the days each station's daily mean PM2.5 exceeded the national grade II limit of
 * 75 μg/m³ (GB 3095-2012).
 */
interface Ctx {
  sql(query: string): Promise<Record<string, string | number | null>[]>;
  progress(fraction: number, message?: string): void;
}

export default async function main(ctx: Ctx) {
  // Grade 1 is plain: rows, min/max and window functions are all allowed, and nothing is noised.
  const monthly = await ctx.sql(`
    SELECT station, month(hour) AS month,
           round(avg(pm25), 1) AS pm25, round(avg(pm10), 1) AS pm10, round(avg(o3), 1) AS o3,
           max(aqi) AS worst_aqi
    FROM air_quality
    GROUP BY station, month
    ORDER BY station, month`);
  ctx.progress(0.5, "monthly means");
  const exceedance = await ctx.sql(`
    SELECT station, sum(CASE WHEN daily_pm25 > 75 THEN 1 ELSE 0 END) AS exceedance_days,
           count(*) AS days_measured
    FROM (SELECT station, date_trunc('day', hour) AS day, avg(pm25) AS daily_pm25
          FROM air_quality GROUP BY station, day) AS daily
    GROUP BY station
    ORDER BY station`);
  return { monthly_by_station: monthly, exceedance_days: exceedance };
}
