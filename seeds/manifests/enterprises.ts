import { DatasetManifest } from "../../policies/manifest.ts";
import { INDUSTRIES } from "../reference/economy.ts";
import { DISTRICTS } from "../reference/hohhot.ts";

export const enterprises = DatasetManifest.parse({
  name: "enterprises",
  title: "市场主体登记信息 (enterprise registrations)",
  description:
    "Every enterprise ever registered in the city: industry (GB/T 4754 section), district, registered capital, registration date, status and headcount. Business information: released as aggregates over groups of at least k firms, with dominance protection for totals.",
  holder: { department: "呼和浩特市市场监督管理局 (Administration for Market Regulation)" },
  grade: 2,
  updateFrequency: "daily",
  privacyUnit: "uscc",
  maxContributionsPerUnit: 1,
  dominance: { n: 1, k: 50, p: 10 },
  columns: [
    {
      name: "uscc",
      type: "VARCHAR",
      meaning: "Unified social credit code (GB 32100); joins to electricity_usage and credit_records.",
      rule: "join",
      identifier: "uscc",
    },
    {
      name: "name",
      type: "VARCHAR",
      meaning: "Registered name.",
      rule: "deny",
      identifier: "organization_name",
    },
    {
      name: "industry",
      type: "VARCHAR",
      meaning: "Industry section of GB/T 4754-2017.",
      rule: "group",
      values: INDUSTRIES.map((i) => i.name),
    },
    {
      name: "district",
      type: "VARCHAR",
      meaning: "District or county of registration.",
      rule: "group",
      values: DISTRICTS.map((d) => d.name),
    },
    {
      name: "registered_capital",
      type: "DECIMAL(14,2)",
      meaning: "Registered (subscribed) capital.",
      rule: "aggregate",
      unit: "10k CNY",
      bounds: { min: 0, max: 2_000_000 },
    },
    {
      name: "established_on",
      type: "DATE",
      meaning: "Date of establishment (registration).",
      rule: "group",
      dateRange: { from: "1990-01-01", to: "2025-12-31" },
    },
    {
      name: "status",
      type: "VARCHAR",
      meaning: "Registration status: operating, deregistered (注销) or licence revoked (吊销).",
      rule: "group",
      values: ["operating", "deregistered", "revoked"],
    },
    {
      name: "employees",
      type: "INTEGER",
      meaning: "Insured employees at the last annual report.",
      rule: "aggregate",
      unit: "persons",
      bounds: { min: 0, max: 50_000 },
    },
  ],
});
