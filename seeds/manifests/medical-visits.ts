import { DatasetManifest } from "../../policies/manifest.ts";
import { DIAGNOSES, INSURANCE_TYPES } from "../reference/health.ts";
import { HOSPITALS } from "../reference/hohhot.ts";

export const medicalVisits = DatasetManifest.parse({
  name: "medical_visits",
  title: "医疗就诊结算记录 (medical visits and settlements)",
  description:
    "Outpatient and inpatient visits of 2025 settled through the city's medical insurance system: hospital, date, main diagnosis (ICD-10), cost and insurance scheme. Many rows per resident; contributions are bounded per resident.",
  holder: { department: "呼和浩特市医疗保障局 (Healthcare Security Administration)" },
  grade: 3,
  updateFrequency: "daily",
  privacyUnit: "person_id",
  maxContributionsPerUnit: 20,
  coverage: { from: "2025-01-01", to: "2025-12-31" },
  columns: [
    {
      name: "visit_id",
      type: "BIGINT",
      meaning: "Settlement record number.",
      rule: "deny",
      identifier: "record_id",
    },
    {
      name: "person_id",
      type: "BIGINT",
      meaning: "Pseudonymous resident key; joins to population.person_id.",
      rule: "join",
      identifier: "record_id",
    },
    {
      name: "hospital",
      type: "VARCHAR",
      meaning: "Hospital or community health centre that treated the visit.",
      rule: "group",
      values: HOSPITALS.map((h) => h.name),
    },
    {
      name: "visit_date",
      type: "DATE",
      meaning: "Date of the visit (admission date for inpatients).",
      rule: "group",
      dateRange: { from: "2025-01-01", to: "2025-12-31" },
    },
    {
      name: "diagnosis",
      type: "VARCHAR",
      meaning: "Main diagnosis, ICD-10 code; the letter is the chapter.",
      rule: "group",
      values: DIAGNOSES.map((d) => d.code),
    },
    {
      name: "cost",
      type: "DECIMAL(10,2)",
      meaning: "Total settled cost of the visit.",
      rule: "aggregate",
      unit: "CNY",
      // A person's visits in one group of a query (a district, an age band) add up to at most
      // 200,000 CNY: clamping there takes 0.13% of the year's costs (scale 1), and a sum's noise
      // is one person's 200,000 rather than 20 visits of 200,000 each (docs/accuracy.md).
      bounds: { min: 0, max: 200_000, unitMax: 200_000 },
    },
    {
      name: "insurance_type",
      type: "VARCHAR",
      meaning:
        "Scheme that settled the visit: employee basic, urban-rural resident basic, commercial, or self-pay.",
      rule: "group",
      values: [...INSURANCE_TYPES],
    },
  ],
});
