import { DatasetManifest } from "../../policies/manifest.ts";
import { DISTRICTS } from "../reference/hohhot.ts";
import { EDUCATION_LEVELS, EMPLOYMENT_STATUSES } from "../reference/labour.ts";

export const population = DatasetManifest.parse({
  name: "population",
  title: "常住人口基础信息 (resident population register)",
  description:
    "One row per resident of the city at the end of 2025: sex, birth date, district of residence, attained education, employment status and annual income. Personal information: analysed only in aggregate, in groups of at least k residents, with differential-privacy noise.",
  holder: { department: "呼和浩特市公安局 (Public Security Bureau, household registration)" },
  grade: 3,
  updateFrequency: "monthly",
  privacyUnit: "person_id",
  maxContributionsPerUnit: 1,
  coverage: { from: "2025-12-31", to: "2025-12-31" },
  columns: [
    {
      name: "person_id",
      type: "BIGINT",
      meaning: "Pseudonymous resident key, stable across datasets; joins population to medical_visits.",
      rule: "join",
      identifier: "record_id",
    },
    {
      name: "id_number",
      type: "VARCHAR",
      meaning: "18-character resident identity number (GB 11643).",
      rule: "deny",
      identifier: "resident_id",
    },
    { name: "name", type: "VARCHAR", meaning: "Full name.", rule: "deny", identifier: "person_name" },
    {
      name: "gender",
      type: "VARCHAR",
      meaning: "Sex as registered.",
      rule: "group",
      values: ["male", "female"],
    },
    {
      name: "birth_date",
      type: "DATE",
      meaning: "Date of birth; group by year or age band rather than the date itself.",
      rule: "group",
      dateRange: { from: "1926-01-01", to: "2025-12-31" },
    },
    {
      name: "district",
      type: "VARCHAR",
      meaning: "District or banner/county of residence.",
      rule: "group",
      values: DISTRICTS.map((d) => d.name),
    },
    {
      name: "education",
      type: "VARCHAR",
      meaning: "Highest attained (or current) level of education.",
      rule: "group",
      values: [...EDUCATION_LEVELS],
    },
    {
      name: "employment_status",
      type: "VARCHAR",
      meaning: "Labour-force status.",
      rule: "group",
      values: [...EMPLOYMENT_STATUSES],
    },
    {
      name: "annual_income",
      type: "INTEGER",
      meaning: "Income of 2025 (wages, business income, pensions, benefits), rounded to 10 CNY.",
      rule: "aggregate",
      unit: "CNY",
      bounds: { min: 0, max: 2_000_000 },
    },
  ],
});
