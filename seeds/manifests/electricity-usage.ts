import { DatasetManifest } from "../../policies/manifest.ts";

export const electricityUsage = DatasetManifest.parse({
  name: "electricity_usage",
  title: "企业用电量 (enterprise electricity consumption)",
  description:
    "Monthly metered electricity consumption of every operating enterprise in 2025, by credit code. A leading economic indicator; a few large plants dominate their counties, so totals are released under dominance rules.",
  holder: { department: "内蒙古电力（集团）有限责任公司呼和浩特供电分公司 (Hohhot Power Supply Company)" },
  grade: 2,
  updateFrequency: "monthly",
  privacyUnit: "uscc",
  maxContributionsPerUnit: 12,
  dominance: { n: 1, k: 50, p: 10 },
  coverage: { from: "2025-01-01", to: "2025-12-31" },
  columns: [
    {
      name: "uscc",
      type: "VARCHAR",
      meaning: "Unified social credit code of the metered enterprise; joins to enterprises.uscc.",
      rule: "join",
      identifier: "uscc",
    },
    {
      name: "month",
      type: "DATE",
      meaning: "First day of the billing month.",
      rule: "group",
      dateRange: { from: "2025-01-01", to: "2025-12-01" },
    },
    {
      name: "kwh",
      type: "DOUBLE",
      meaning: "Consumption in the month.",
      rule: "aggregate",
      unit: "kWh",
      bounds: { min: 0, max: 200_000_000 },
    },
  ],
});
