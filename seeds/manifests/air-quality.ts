import { DatasetManifest } from "../../policies/manifest.ts";
import { STATIONS } from "../reference/hohhot.ts";

const pollutant = (name: string, meaning: string) => ({
  name,
  type: "DOUBLE" as const,
  meaning,
  rule: "plain" as const,
  unit: "μg/m³",
  bounds: { min: 0, max: 5000 },
});

export const airQuality = DatasetManifest.parse({
  name: "air_quality",
  title: "环境空气质量小时数据 (hourly ambient air quality)",
  description:
    "Hourly concentrations of PM2.5, PM10, NO2, SO2 and O3 and the air quality index (HJ 633-2012) at the city's monitoring stations in 2025. Open data: any use, including row-level output.",
  holder: { department: "呼和浩特市生态环境局 (Ecology and Environment Bureau)" },
  grade: 1,
  updateFrequency: "hourly",
  privacyUnit: null,
  coverage: { from: "2025-01-01", to: "2025-12-31" },
  columns: [
    {
      name: "station",
      type: "VARCHAR",
      meaning: "Monitoring station.",
      rule: "plain",
      values: STATIONS.map((s) => s.name),
    },
    {
      name: "hour",
      type: "TIMESTAMP",
      meaning: "Start of the hour, local time (UTC+8).",
      rule: "plain",
      dateRange: { from: "2025-01-01", to: "2025-12-31" },
    },
    pollutant("pm25", "Fine particulate matter (PM2.5), hourly mean."),
    pollutant("pm10", "Inhalable particulate matter (PM10), hourly mean."),
    pollutant("no2", "Nitrogen dioxide, hourly mean."),
    pollutant("so2", "Sulphur dioxide, hourly mean."),
    pollutant("o3", "Ozone, hourly mean."),
    {
      name: "aqi",
      type: "INTEGER",
      meaning: "Air quality index: the largest individual index of the pollutants (HJ 633-2012).",
      rule: "plain",
      bounds: { min: 0, max: 500 },
    },
  ],
});
