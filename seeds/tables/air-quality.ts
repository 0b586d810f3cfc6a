import { REFERENCE_YEAR, STATIONS } from "../reference/hohhot.ts";
import { sqlNumber, sqlString } from "../sql.ts";
import type { GenerationContext } from "./context.ts";

/** IAQI breakpoints of HJ 633-2012 (hourly values for gases, daily values applied hourly for particles). */
const IAQI = [0, 50, 100, 150, 200, 300, 400, 500];
const BREAKPOINTS: Readonly<Record<"pm25" | "pm10" | "so2" | "no2" | "o3", readonly number[]>> = {
  pm25: [0, 35, 75, 115, 150, 250, 350, 500],
  pm10: [0, 50, 150, 250, 350, 420, 500, 600],
  so2: [0, 150, 500, 650, 800, 1600, 2100, 2620],
  no2: [0, 100, 200, 700, 1200, 2340, 3090, 3840],
  o3: [0, 160, 200, 300, 400, 800, 1000, 1200],
};

/** Piecewise-linear individual index of one pollutant, capped at 500. */
function iaqiSql(column: keyof typeof BREAKPOINTS): string {
  const bp = BREAKPOINTS[column];
  const branches = bp.slice(1).map((hi, k) => {
    const lo = bp[k]!;
    const slope = (IAQI[k + 1]! - IAQI[k]!) / (hi - lo);
    return `WHEN ${column} <= ${hi} THEN ${IAQI[k]} + ${sqlNumber(slope)} * (${column} - ${lo})`;
  });
  return `CASE ${branches.join(" ")} ELSE 500 END`;
}

/**
 * air_quality: hourly readings of 2025 at a dozen stations. A smoothed regional daily factor makes
 * pollution episodes city-wide; coal heating (mid-October to mid-April) raises PM2.5 and SO2;
 * spring brings dust storms that spike PM10; NO2 follows rush hours; O3 peaks on summer afternoons.
 * AQI is computed from the readings, so its relationship to them is exact.
 */
export async function generateAirQuality(ctx: GenerationContext): Promise<void> {
  const stations = STATIONS.map(
    (s, n) => `(${n + 1}, ${sqlString(s.name)}, ${sqlNumber(s.traffic)}, ${sqlNumber(s.industry)})`,
  ).join(", ");
  const hours =
    (24 * (new Date(Date.UTC(REFERENCE_YEAR + 1, 0, 1)).getTime() - Date.UTC(REFERENCE_YEAR, 0, 1))) /
    86_400_000;
  await ctx.run(`
    CREATE TABLE air_quality AS
    WITH days AS (
      SELECT d,
        -- Three-day moving sum of normals: episodes last days, not hours.
        exp(0.45 * (gauss(d, 'day') + gauss(d - 1, 'day') + gauss(d - 2, 'day')) / sqrt(3)) AS regional,
        CASE WHEN uniform(d, 'dust') < CASE WHEN d BETWEEN 59 AND 150 THEN 0.07 ELSE 0.008 END
             THEN 250 + 450 * uniform(d, 'dust-size') ELSE 0 END AS dust
      FROM range(0, ${Math.ceil(hours / 24)}) t(d)
    ), hours AS (
      SELECT h, h // 24 AS d, h % 24 AS hod, TIMESTAMP '${REFERENCE_YEAR}-01-01 00:00:00' + to_hours(h) AS hour
      FROM range(0, ${hours}) t(h)
    ), readings AS (
      SELECT s.name AS station, x.hour, s.n, x.h, x.hod, dy.regional, dy.dust,
        (month(x.hour) IN (1, 2, 3, 11, 12) OR (month(x.hour) = 4 AND day(x.hour) < 15)
          OR (month(x.hour) = 10 AND day(x.hour) >= 15)) AS heating,
        0.5 + 0.5 * sin(2 * pi() * (dayofyear(x.hour) - 80) / 365) AS sunny,
        s.traffic, s.industry
      FROM hours x JOIN days dy ON dy.d = x.d CROSS JOIN (VALUES ${stations}) s(n, name, traffic, industry)
    ), values AS (
      SELECT station, hour,
        round(CASE WHEN heating THEN 62 ELSE 24 END * regional * (1 + 0.35 * cos(2 * pi() * (hod - 23) / 24))
          * pow(traffic, 0.3) * pow(industry, 0.5) * exp(0.25 * gauss(n * 100000 + h, 'pm25')), 1) AS pm25,
        dust, heating, sunny, regional, traffic, industry, hod, n, h
      FROM readings
    ), measured AS (
      SELECT station, hour, pm25,
        -- Coarse particles add to fine ones: PM10 is never below PM2.5.
        round(pm25 * greatest(1.05, (1.5 + 0.5 * sunny) * exp(0.2 * gauss(n * 100000 + h, 'pm10'))) + dust, 1) AS pm10,
        round(CASE WHEN heating THEN 28 ELSE 9 END * industry * pow(regional, 0.6)
          * exp(0.3 * gauss(n * 100000 + h, 'so2')), 1) AS so2,
        round(32 * traffic * (1 + 0.45 * (exp(-pow(hod - 8, 2) / 4) + exp(-pow(hod - 19, 2) / 4)))
          * CASE WHEN heating THEN 1.25 ELSE 0.9 END * pow(regional, 0.5)
          * exp(0.25 * gauss(n * 100000 + h, 'no2')), 1) AS no2,
        round((40 + 90 * sunny) * (0.35 + 0.9 * exp(-pow(hod - 15, 2) / 10)) / pow(regional, 0.3)
          * exp(0.2 * gauss(n * 100000 + h, 'o3')), 1) AS o3
      FROM values
    )
    SELECT station, hour, pm25, pm10, no2, so2, o3,
      ceil(greatest(${iaqiSql("pm25")}, ${iaqiSql("pm10")}, ${iaqiSql("so2")}, ${iaqiSql("no2")}, ${iaqiSql("o3")}))::INTEGER AS aqi
    FROM measured
    ORDER BY station, hour`);
}
