import { DatasetManifest } from "../../policies/manifest.ts";
import { CREDIT_AUTHORITIES, CREDIT_RECORD_TYPES } from "../reference/economy.ts";

export const creditRecords = DatasetManifest.parse({
  name: "credit_records",
  title: "公共信用信息 (public credit records of enterprises)",
  description:
    "Administrative licences and penalties, the abnormal-operation list, the serious-violation (dishonesty) list and commendations recorded against enterprises, with the issuing authority, decision date, penalty amount and whether the record is in force or was repaired.",
  holder: {
    department: "呼和浩特市发展和改革委员会 (Development and Reform Commission, social credit office)",
  },
  grade: 2,
  updateFrequency: "daily",
  privacyUnit: "uscc",
  maxContributionsPerUnit: 10,
  columns: [
    { name: "record_id", type: "BIGINT", meaning: "Record number.", rule: "deny", identifier: "record_id" },
    {
      name: "uscc",
      type: "VARCHAR",
      meaning: "Unified social credit code of the enterprise; joins to enterprises.uscc.",
      rule: "join",
      identifier: "uscc",
    },
    {
      name: "record_type",
      type: "VARCHAR",
      meaning: "Kind of credit record.",
      rule: "group",
      values: CREDIT_RECORD_TYPES.map(([t]) => t),
    },
    {
      name: "authority",
      type: "VARCHAR",
      meaning: "Issuing authority.",
      rule: "group",
      values: CREDIT_AUTHORITIES.map(([a]) => a),
    },
    {
      name: "decision_date",
      type: "DATE",
      meaning: "Date of the decision.",
      rule: "group",
      dateRange: { from: "1990-01-01", to: "2025-12-31" },
    },
    {
      name: "penalty_amount",
      type: "DECIMAL(12,2)",
      meaning: "Fine imposed; empty for records that are not penalties.",
      rule: "aggregate",
      unit: "CNY",
      bounds: { min: 0, max: 10_000_000 },
    },
    {
      name: "status",
      type: "VARCHAR",
      meaning: "Whether the record is in force, was repaired through credit repair, or has expired.",
      rule: "group",
      values: ["in_force", "repaired", "expired"],
    },
  ],
});
