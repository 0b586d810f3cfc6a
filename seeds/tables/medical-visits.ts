import {
  AGE_BANDS,
  DIAGNOSES,
  type Diagnosis,
  VISIT_RATE,
  WINTER_MONTH_WEIGHTS,
} from "../reference/health.ts";
import { DISTRICTS, HOSPITALS, REFERENCE_YEAR } from "../reference/hohhot.ts";
import { ageBandSql, partitionedIndexSql, sqlList } from "../sql.ts";
import type { GenerationContext } from "./context.ts";

/** Visits one resident contributes at most in a year (the generator's cap, above the manifest's contribution bound). */
export const MAX_VISITS_PER_PERSON = 60;

const TIER_COST_FACTOR = { 1: 0.55, 2: 1.0, 3: 1.7 } as const;
const MATERNAL_HOSPITAL = "内蒙古自治区妇幼保健院";

/** Hospital weights (over HOSPITALS) by the patient's district: city residents mix tertiary, district and community care; county residents mostly use the county hospital. */
function hospitalWeightsByDistrict(): Array<readonly [string, number[]]> {
  const cityWide = HOSPITALS.filter((h) => h.district === null && h.name !== MATERNAL_HOSPITAL).length;
  return DISTRICTS.map((district) => {
    const local = HOSPITALS.filter((h) => h.district === district.code).length;
    const localShare = district.urban ? 0.55 : 0.6;
    return [
      district.code,
      HOSPITALS.map((h) =>
        h.district === district.code
          ? localShare / local
          : h.district === null && h.name !== MATERNAL_HOSPITAL
            ? (1 - localShare) / cityWide
            : 0,
      ),
    ] as const;
  });
}

/**
 * medical_visits: visits of 2025, several per resident on average with an over-dispersed count
 * whose mean rises steeply with age; diagnoses by age band and sex; respiratory diagnoses peak in
 * winter; cost follows diagnosis and hospital tier with a log-normal spread.
 */
export async function generateMedicalVisits(ctx: GenerationContext): Promise<void> {
  const diagnosisPartitions = AGE_BANDS.flatMap((band) =>
    (["male", "female"] as const).map(
      (sex) =>
        [`${band}:${sex}`, DIAGNOSES.map((d) => (d.sex && d.sex !== sex ? 0 : d.weights[band]))] as const,
    ),
  );
  const diagnosis = (field: (d: Diagnosis) => string | number) =>
    `list_element(${sqlList(DIAGNOSES.map(field))}, diagnosis_index)`;
  const rates = Object.entries(VISIT_RATE)
    .map(([band, rate]) => `WHEN '${band}' THEN ${rate}`)
    .join(" ");

  await ctx.run(`
    CREATE TABLE medical_visits AS
    WITH patients AS (
      SELECT person_id, district_code, gender, employment_status, ${ageBandSql("age")} AS band,
        least(${MAX_VISITS_PER_PERSON}, floor(exponential(person_id, 'visits')
          * (CASE ${ageBandSql("age")} ${rates} END)
          * CASE WHEN gender = 'female' AND age BETWEEN 15 AND 44 THEN 1.35 ELSE 1 END))::INTEGER AS visits
      FROM tmp_people_status
    ), visits AS (
      SELECT person_id, district_code, gender, employment_status, band,
        person_id * ${MAX_VISITS_PER_PERSON} + unnest(range(visits)) AS visit_key
      FROM patients WHERE visits > 0
    ), drawn AS (
      SELECT *, uniform(visit_key, 'diagnosis') AS u_diagnosis, uniform(visit_key, 'month') AS u_month,
        uniform(visit_key, 'hospital') AS u_hospital
      FROM visits
    ), diagnosed AS (
      SELECT *,
        ${partitionedIndexSql("(band || ':' || gender)", "u_diagnosis", diagnosisPartitions)} AS diagnosis_index
      FROM drawn
    ), described AS (
      SELECT *, ${diagnosis((d) => d.code)} AS diagnosis, ${diagnosis((d) => d.baseCost)} AS base_cost,
        ${diagnosis((d) => d.season ?? "flat")} AS season
      FROM diagnosed
    ), placed AS (
      SELECT *,
        make_date(${REFERENCE_YEAR}, ${partitionedIndexSql("season", "u_month", [
          ["winter", [...WINTER_MONTH_WEIGHTS]],
          ["flat", WINTER_MONTH_WEIGHTS.map(() => 1)],
        ])}, 1) AS month_start,
        CASE WHEN (diagnosis = 'O80' OR band = '0-14') AND uniform(visit_key, 'maternal') < 0.5
             THEN ${HOSPITALS.findIndex((h) => h.name === MATERNAL_HOSPITAL) + 1}
             ELSE ${partitionedIndexSql("district_code", "u_hospital", hospitalWeightsByDistrict())}
        END AS hospital_index
      FROM described
    )
    SELECT
      row_number() OVER (ORDER BY hash(visit_key, 'visit-id'))::BIGINT AS visit_id,
      person_id::BIGINT AS person_id,
      list_element(${sqlList(HOSPITALS.map((h) => h.name))}, hospital_index) AS hospital,
      (month_start + floor(uniform(visit_key, 'day') * day(last_day(month_start)))::INTEGER) AS visit_date,
      diagnosis,
      least(999999.99, round(base_cost * list_element(${sqlList(HOSPITALS.map((h) => TIER_COST_FACTOR[h.tier]))}, hospital_index)
        * exp(0.55 * gauss(visit_key, 'cost')), 2))::DECIMAL(10, 2) AS cost,
      CASE WHEN employment_status IN ('employed', 'retired') THEN
             CASE WHEN uniform(visit_key, 'insurance') < 0.86 THEN 'employee_basic'
                  WHEN uniform(visit_key, 'insurance') < 0.95 THEN 'resident_basic'
                  WHEN uniform(visit_key, 'insurance') < 0.98 THEN 'commercial' ELSE 'self_pay' END
           ELSE CASE WHEN uniform(visit_key, 'insurance') < 0.9 THEN 'resident_basic'
                     WHEN uniform(visit_key, 'insurance') < 0.95 THEN 'commercial' ELSE 'self_pay' END
      END AS insurance_type
    FROM placed`);
}
