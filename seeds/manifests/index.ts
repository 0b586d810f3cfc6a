import type { DatasetManifest } from "../../policies/manifest.ts";
import { airQuality } from "./air-quality.ts";
import { creditRecords } from "./credit-records.ts";
import { electricityUsage } from "./electricity-usage.ts";
import { enterprises } from "./enterprises.ts";
import { medicalVisits } from "./medical-visits.ts";
import { population } from "./population.ts";

/** The demo bureau's catalog entries, one per generated table. */
export const DEMO_MANIFESTS: readonly DatasetManifest[] = [
  population,
  medicalVisits,
  enterprises,
  electricityUsage,
  creditRecords,
  airQuality,
];
