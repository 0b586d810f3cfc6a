import { DISTRICTS, REFERENCE_YEAR } from "../reference/hohhot.ts";
import { EDUCATION_LEVELS } from "../reference/labour.ts";
import { GIVEN_NAME_CHARS, MONGOLIAN_NAMES, SURNAMES } from "../reference/names.ts";
import {
  partitionedIndexSql,
  residentIdCheckSql,
  sqlList,
  sqlString,
  weightedChoiceSql,
  weightedIndexSql,
} from "../sql.ts";
import type { GenerationContext } from "./context.ts";

/** Relative size of each five-year age group in 2025 (index 0 = ages 0-4): a northern Chinese city's pyramid, with students drawn in at 18-24. */
const AGE_GROUP_WEIGHTS = [
  0.72, 0.98, 1.05, 0.97, 1.3, 1.22, 1.45, 1.35, 1.2, 1.33, 1.5, 1.38, 1.18, 1.02, 0.74, 0.45, 0.27, 0.14,
  0.055, 0.014,
];

/** Attained education by age band (lower bound) for urban and rural residents: shares in the order of EDUCATION_LEVELS. */
const EDUCATION_BY_AGE: ReadonlyArray<readonly [number, readonly number[], readonly number[]]> = [
  [0, [100, 0, 0, 0, 0, 0, 0], [100, 0, 0, 0, 0, 0, 0]],
  [6, [0, 100, 0, 0, 0, 0, 0], [0, 100, 0, 0, 0, 0, 0]],
  [12, [0, 0, 100, 0, 0, 0, 0], [0, 0, 100, 0, 0, 0, 0]],
  [15, [0, 0, 25, 75, 0, 0, 0], [0, 0, 45, 55, 0, 0, 0]],
  [18, [0, 0, 3, 34, 25, 38, 0], [0, 0, 25, 40, 20, 15, 0]],
  [23, [0, 0, 8, 17, 25, 40, 10], [0, 3, 35, 25, 20, 15, 2]],
  [35, [0, 3, 20, 25, 22, 25, 5], [0, 10, 50, 20, 12, 7, 1]],
  [50, [0, 8, 35, 30, 14, 12, 1], [1, 30, 50, 14, 3, 2, 0]],
  [65, [8, 30, 32, 18, 7, 5, 0], [25, 50, 18, 5, 1.5, 0.5, 0]],
];

/** Median earned income (CNY a year) of an employed resident by education. */
const INCOME_BY_EDUCATION: Readonly<Record<(typeof EDUCATION_LEVELS)[number], number>> = {
  none: 24000,
  primary: 31000,
  junior_secondary: 41000,
  senior_secondary: 51000,
  college: 64000,
  bachelor: 84000,
  postgraduate: 128000,
};

function educationBandSql(ageExpr: string): string {
  const bounds = EDUCATION_BY_AGE.map(([lo]) => lo).reverse();
  return `CASE ${bounds.map((lo) => `WHEN ${ageExpr} >= ${lo} THEN ${lo}`).join(" ")} END`;
}

/**
 * population: one row per resident. Age follows the pyramid, education depends on age and
 * urban/rural district, employment on age and sex (statutory retirement at 60 for men, 55 for
 * women), income on all of them with a log-normal spread and a heavy top tail. ID numbers carry the
 * district code, the birth date, an order code odd for men and even for women, and the check digit.
 */
export async function generatePopulation(ctx: GenerationContext): Promise<void> {
  const district = (field: (d: (typeof DISTRICTS)[number]) => string | number | boolean) =>
    `list_element(${sqlList(DISTRICTS.map(field))}, district_index)`;
  const educationPartitions = EDUCATION_BY_AGE.flatMap(
    ([band, urban, rural]) =>
      [
        // Integer keys: band lower bound × 2, plus 1 for urban (cheaper per row than string keys).
        [band * 2 + 1, urban],
        [band * 2, rural],
      ] as const,
  );
  const male = GIVEN_NAME_CHARS.male;
  const female = GIVEN_NAME_CHARS.female;
  const givenChar = (tag: string) =>
    `CASE WHEN gender = 'male' THEN substr(${sqlString(male)}, 1 + floor(uniform(person_id, '${tag}') * ${[...male].length})::INTEGER, 1)
          ELSE substr(${sqlString(female)}, 1 + floor(uniform(person_id, '${tag}') * ${[...female].length})::INTEGER, 1) END`;
  const incomeCases = Object.entries(INCOME_BY_EDUCATION)
    .map(([level, income]) => `WHEN '${level}' THEN ${income}`)
    .join(" ");

  await ctx.run(`
    CREATE OR REPLACE TEMP TABLE tmp_people AS
    WITH drawn AS (
      SELECT person_id,
        ${weightedIndexSql(
          "u_district",
          DISTRICTS.map((d) => d.populationWeight),
        )} AS district_index,
        ${weightedIndexSql(
          "u_age",
          Array.from({ length: 100 }, (_, age) => AGE_GROUP_WEIGHTS[Math.floor(age / 5)]!),
        )} - 1 AS age
      FROM (SELECT i AS person_id, uniform(i, 'district') AS u_district, uniform(i, 'age') AS u_age
            FROM range(1, ${ctx.people + 1}) t(i))
    ), placed AS (
      SELECT person_id, age,
        ${district((d) => d.code)} AS district_code, ${district((d) => d.name)} AS district,
        ${district((d) => d.urban)} AS urban, ${district((d) => d.incomeFactor)} AS income_factor,
        CASE WHEN uniform(person_id, 'sex') < 0.512 THEN 'male' ELSE 'female' END AS gender,
        (make_date(${REFERENCE_YEAR} - age, 1, 1) + floor(uniform(person_id, 'birthday') * 365)::INTEGER) AS birth_date,
        uniform(person_id, 'education') AS u_education
      FROM drawn
    )
    SELECT * EXCLUDE (u_education),
      list_element(${sqlList(EDUCATION_LEVELS)}, ${partitionedIndexSql(
        `(${educationBandSql("age")} * 2 + urban::INTEGER)`,
        "u_education",
        educationPartitions,
      )}) AS education
    FROM placed`);

  await ctx.run(`
    CREATE OR REPLACE TEMP TABLE tmp_people_status AS
    SELECT * EXCLUDE (u),
      CASE
        WHEN age < 6 THEN 'not_in_labour_force'
        WHEN age < 16 THEN 'student'
        WHEN age < 23 THEN CASE WHEN u < 0.55 THEN 'student' WHEN u < 0.9 THEN 'employed'
                                WHEN u < 0.97 THEN 'unemployed' ELSE 'not_in_labour_force' END
        WHEN age < CASE gender WHEN 'male' THEN 60 ELSE 55 END
          THEN CASE WHEN u < CASE gender WHEN 'male' THEN 0.84 ELSE 0.75 END THEN 'employed'
                    WHEN u < CASE gender WHEN 'male' THEN 0.89 ELSE 0.80 END THEN 'unemployed'
                    ELSE 'not_in_labour_force' END
        ELSE CASE WHEN u < 0.9 THEN 'retired' WHEN u < 0.97 THEN 'employed' ELSE 'not_in_labour_force' END
      END AS employment_status
    FROM (SELECT *, uniform(person_id, 'employment') AS u FROM tmp_people)`);

  await ctx.run(`
    CREATE TABLE population AS
    WITH incomes AS (
      SELECT *,
        CASE employment_status
          WHEN 'employed' THEN
            (CASE education ${incomeCases} END)
            * CASE WHEN age <= 38 THEN 0.65 + 0.025 * (age - 22) WHEN age <= 50 THEN 1.08
                   ELSE 1.08 - 0.015 * (age - 50) END
            * income_factor
            * CASE gender WHEN 'male' THEN 1.08 ELSE 0.92 END
            * exp(0.45 * gauss(person_id, 'income'))
            * CASE WHEN uniform(person_id, 'top') < 0.01 THEN 3 + 12 * uniform(person_id, 'top-size') ELSE 1 END
          WHEN 'retired' THEN
            CASE WHEN uniform(person_id, 'pension') < CASE WHEN urban THEN 0.85 ELSE 0.35 END
                 THEN 44000 * income_factor ELSE 3800 END
            * exp(0.3 * gauss(person_id, 'pension-size'))
          WHEN 'unemployed' THEN 9000 * uniform(person_id, 'benefit')
          ELSE CASE WHEN age >= 16 AND uniform(person_id, 'side') < 0.15
                    THEN 3000 + 9000 * uniform(person_id, 'side-size') ELSE 0 END
        END AS income,
        -- Order codes are unique within (region, birth date, sex): odd for men, even for women.
        row_number() OVER (PARTITION BY district_code, birth_date, gender ORDER BY person_id) AS order_rank,
        uniform(person_id, 'surname') AS u_surname
      FROM tmp_people_status
    ), identified AS (
      SELECT *, order_rank * 2 - CASE gender WHEN 'male' THEN 1 ELSE 0 END AS order_code FROM incomes
    )
    SELECT
      person_id::BIGINT AS person_id,
      district_code || strftime(birth_date, '%Y%m%d') || lpad(order_code::VARCHAR, 3, '0')
        || ${residentIdCheckSql("district_code::INTEGER", "birth_date", "order_code")} AS id_number,
      CASE
        WHEN uniform(person_id, 'mongol') < CASE WHEN urban THEN 0.08 ELSE 0.13 END THEN
          CASE gender WHEN 'male'
            THEN list_element(${sqlList(MONGOLIAN_NAMES.male)}, 1 + floor(uniform(person_id, 'mongol-name') * ${MONGOLIAN_NAMES.male.length})::INTEGER)
            ELSE list_element(${sqlList(MONGOLIAN_NAMES.female)}, 1 + floor(uniform(person_id, 'mongol-name') * ${MONGOLIAN_NAMES.female.length})::INTEGER)
          END
        ELSE ${weightedChoiceSql("u_surname", SURNAMES)} || ${givenChar("given-1")}
          || CASE WHEN uniform(person_id, 'given-len') < 0.72 THEN ${givenChar("given-2")} ELSE '' END
      END AS name,
      gender,
      birth_date,
      district,
      education,
      employment_status,
      (round(income / 10) * 10)::INTEGER AS annual_income
    FROM identified
    ORDER BY person_id`);
}
