import { writeFile } from "node:fs/promises";
import { DuckDBInstance } from "@duckdb/node-api";

/** Columns of the demo `air_quality` dataset, in its manifest's order. */
export const AIR_COLUMNS = ["station", "hour", "pm25", "pm10", "no2", "so2", "o3", "aqi"] as const;

/**
 * A CSV of `rows` hourly readings shaped like `air_quality` (header row first). `omit` leaves a
 * column out, `extra` adds one, `aqi` replaces every AQI value (e.g. text that is no INTEGER).
 */
export function airQualityCsv(
  rows: number,
  options: { omit?: string; extra?: string; aqi?: string; station?: string } = {},
): string {
  const columns: string[] = AIR_COLUMNS.filter((c) => c !== options.omit);
  if (options.extra) columns.push(options.extra);
  const lines = [columns.join(",")];
  for (let i = 0; i < rows; i++) {
    const hour = new Date(Date.UTC(2025, 0, 1, 0) + i * 3600_000)
      .toISOString()
      .slice(0, 19)
      .replace("T", " ");
    const value: Record<string, string> = {
      station: options.station ?? "Test station",
      hour,
      pm25: String(10 + (i % 50)),
      pm10: String(20 + (i % 70)),
      no2: "30.5",
      so2: "8",
      o3: "60.25",
      aqi: options.aqi ?? String(40 + (i % 60)),
    };
    lines.push(columns.map((c) => value[c] ?? "1").join(","));
  }
  return `${lines.join("\n")}\n`;
}

/** Writes `csv` as a Parquet file at `file` with the manifest's types (what a holder's export gives). */
export async function airQualityParquet(csv: string, csvFile: string, file: string): Promise<void> {
  await writeFile(csvFile, csv);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(
      `COPY (SELECT station, CAST(hour AS TIMESTAMP) AS hour, CAST(pm25 AS DOUBLE) AS pm25, CAST(pm10 AS DOUBLE) AS pm10,
        CAST(no2 AS DOUBLE) AS no2, CAST(so2 AS DOUBLE) AS so2, CAST(o3 AS DOUBLE) AS o3, CAST(aqi AS INTEGER) AS aqi
        FROM read_csv('${csvFile}', header = true, all_varchar = true)) TO '${file}' (FORMAT parquet)`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
