import { USCC_CHARSET } from "../../policies/identifiers.ts";
import {
  ANCHOR_FIRMS,
  BRAND_CHARS,
  CREDIT_AUTHORITIES,
  CREDIT_RECORD_TYPES,
  ELECTRICITY_MONTH_FACTORS,
  INDUSTRIES,
  type Industry,
  NAME_PREFIXES,
  NAME_SUFFIXES,
} from "../reference/economy.ts";
import { DISTRICTS, type District, REFERENCE_YEAR } from "../reference/hohhot.ts";
import {
  organizationCodeCheckSql,
  sqlList,
  sqlString,
  usccCheckSql,
  weightedChoiceSql,
  weightedIndexSql,
} from "../sql.ts";
import type { GenerationContext } from "./context.ts";

const END_OF_YEAR = `DATE '${REFERENCE_YEAR}-12-31'`;

/**
 * enterprises: registered firms, heavy-tailed in size (Pareto employees), older in some
 * industries than others, closed at an industry-specific hazard; two anchor firms dominate their
 * counties. Credit codes are "91" (market regulation, enterprise) + district code + a 9-character
 * organization code with its GB 11714 check + the GB 32100 check character; the organization code
 * body is a bijection of the firm index, so codes are unique at any scale.
 */
export async function generateEnterprises(ctx: GenerationContext): Promise<void> {
  const brandLength = [...BRAND_CHARS].length;
  const brandChar = (tag: string) =>
    `substr(${sqlString(BRAND_CHARS)}, 1 + floor(uniform(i, '${tag}') * ${brandLength})::INTEGER, 1)`;
  const industry = (field: (i: Industry) => string | number) =>
    `list_element(${sqlList(INDUSTRIES.map(field))}, industry_index)`;
  const district = (field: (d: District) => string) =>
    `list_element(${sqlList(DISTRICTS.map(field))}, district_index)`;
  const anchors = ANCHOR_FIRMS.map(
    (a, n) =>
      `(${ctx.enterprises + n + 1}, ${sqlString(a.name)}, ${sqlString(a.industry)}, '${a.district}', ${sqlString(DISTRICTS.find((d) => d.code === a.district)!.name)}, ${a.employees}, ${a.registeredCapital}, DATE '${a.establishedOn}', ${a.monthlyKwh})`,
  ).join(", ");

  await ctx.run(`
    CREATE OR REPLACE TEMP TABLE tmp_firms AS
    WITH drawn AS (
      SELECT i,
        ${weightedIndexSql(
          "u_district",
          DISTRICTS.map((d) => d.enterpriseWeight),
        )} AS district_index,
        ${weightedIndexSql(
          "u_industry",
          INDUSTRIES.map((x) => x.share),
        )} AS industry_index,
        -- Younger firms are more common: registrations grew steadily for three decades.
        35 * pow(uniform(i, 'age'), 1.8) AS age_years
      FROM (SELECT i, uniform(i, 'district') AS u_district, uniform(i, 'industry') AS u_industry
            FROM range(1, ${ctx.enterprises + 1}) t(i))
    ), described AS (
      SELECT i, age_years, uniform(i, 'prefix') AS u_prefix, uniform(i, 'suffix') AS u_suffix,
        ${district((d) => d.code)} AS district_code, ${district((d) => d.name)} AS district,
        ${industry((x) => x.name)} AS industry, ${industry((x) => x.sizeFactor)} AS size_factor,
        ${industry((x) => x.hazard)} AS hazard, ${industry((x) => x.kwhPerEmployee)} AS kwh_per_employee,
        ${industry((x) => x.nameWords.join("|"))} AS words,
        least(20000, ceil(2.2 * ${industry((x) => x.sizeFactor)}
          * pow(greatest(uniform(i, 'size'), 1e-12), -1 / 1.15)))::INTEGER AS employees
      FROM drawn
    )
    SELECT i, district_code, district, industry, kwh_per_employee,
      ${weightedChoiceSql("u_prefix", NAME_PREFIXES)} || ${brandChar("brand-1")} || ${brandChar("brand-2")}
        || list_element(string_split(words, '|'), 1 + floor(uniform(i, 'word') * len(string_split(words, '|')))::INTEGER)
        || ${weightedChoiceSql("u_suffix", NAME_SUFFIXES)} AS name,
      employees,
      (${END_OF_YEAR} - floor(age_years * 365.25)::INTEGER) AS established_on,
      -- Registered capital in 10k CNY before rounding to two significant figures, as registrations are.
      greatest(1, 10 * pow(employees, 0.8) * exp(0.9 * gauss(i, 'capital'))
        * CASE industry WHEN '金融业' THEN 6 WHEN '房地产业' THEN 3 ELSE 1 END) AS raw_capital,
      CASE WHEN uniform(i, 'survival') < exp(-hazard * age_years) THEN 'operating'
           WHEN uniform(i, 'exit') < 0.85 THEN 'deregistered' ELSE 'revoked' END AS status,
      NULL::DOUBLE AS anchor_kwh
    FROM described
    UNION ALL
    SELECT a.i, a.district_code, a.district, a.industry,
      list_element(${sqlList(INDUSTRIES.map((x) => x.kwhPerEmployee))}, list_position(${sqlList(INDUSTRIES.map((x) => x.name))}, a.industry)),
      a.name, a.employees, a.established_on, a.capital, 'operating', a.monthly_kwh
    FROM (VALUES ${anchors}) a(i, name, industry, district_code, district, employees, capital, established_on, monthly_kwh)`);

  await ctx.run(`
    CREATE OR REPLACE TEMP TABLE tmp_firms_coded AS
    WITH bodies AS (
      SELECT *, lpad(((i * 48271 + 10007) % 100000000)::VARCHAR, 8, '0') AS org8 FROM tmp_firms
    ), orgs AS (
      SELECT *, '91' || district_code || org8 || (${organizationCodeCheckSql("org8")}) AS uscc17 FROM bodies
    )
    SELECT *, uscc17 || ${usccCheckSql("uscc17", USCC_CHARSET)} AS uscc FROM orgs`);

  await ctx.run(`
    CREATE TABLE enterprises AS
    SELECT uscc, name, industry, district,
      (round(raw_capital / pow(10, floor(log10(raw_capital)) - 1)) * pow(10, floor(log10(raw_capital)) - 1))::DECIMAL(14, 2)
        AS registered_capital,
      established_on, status, employees
    FROM tmp_firms_coded
    ORDER BY uscc`);
}

/**
 * electricity_usage: monthly consumption of every operating firm in 2025: employees × industry
 * intensity × a persistent firm factor × heating/cooling seasonality × monthly noise. The anchor
 * power plant's own use dwarfs its county, which is what dominance rules exist for.
 */
export async function generateElectricityUsage(ctx: GenerationContext): Promise<void> {
  const factors = ELECTRICITY_MONTH_FACTORS.map((f, m) => `(${m + 1}, ${f})`).join(", ");
  await ctx.run(`
    CREATE TABLE electricity_usage AS
    SELECT f.uscc, make_date(${REFERENCE_YEAR}, s.month, 1) AS month,
      round(coalesce(f.anchor_kwh, f.employees * f.kwh_per_employee * exp(0.6 * gauss(f.i, 'kwh-firm')))
        * s.factor * exp(0.1 * gauss(f.i * 12 + s.month, 'kwh-month')), 1) AS kwh
    FROM tmp_firms_coded f CROSS JOIN (VALUES ${factors}) s(month, factor)
    WHERE f.status = 'operating'
    ORDER BY f.uscc, month`);
}

/**
 * credit_records: public credit information about firms (licences, penalties, the abnormal-operation
 * list, the serious-violation list, commendations), a handful per firm at most, dated between the
 * firm's registration and the end of 2025.
 */
export async function generateCreditRecords(ctx: GenerationContext): Promise<void> {
  await ctx.run(`
    CREATE TABLE credit_records AS
    WITH counted AS (
      SELECT i, uscc, established_on, least(10, floor(exponential(i, 'records') * 0.9))::INTEGER AS records
      FROM tmp_firms_coded
    ), expanded AS (
      SELECT uscc, established_on, i * 16 + unnest(range(records)) AS record_key FROM counted WHERE records > 0
    ), issued AS (
      SELECT *,
        ${weightedChoiceSql("u_type", CREDIT_RECORD_TYPES)} AS record_type,
        ${weightedChoiceSql("u_authority", CREDIT_AUTHORITIES)} AS authority
      FROM (SELECT *, uniform(record_key, 'type') AS u_type, uniform(record_key, 'authority') AS u_authority
            FROM expanded)
    )
    SELECT
      row_number() OVER (ORDER BY hash(record_key, 'record-id'))::BIGINT AS record_id,
      uscc, record_type, authority,
      (established_on + floor(uniform(record_key, 'date') * (${END_OF_YEAR} - established_on + 1))::INTEGER) AS decision_date,
      CASE WHEN record_type IN ('administrative_penalty', 'serious_violation')
           THEN least(9999999.99, round(exp(ln(5000) + 1.2 * gauss(record_key, 'amount'))
                      * CASE record_type WHEN 'serious_violation' THEN 8 ELSE 1 END, 2))::DECIMAL(12, 2)
      END AS penalty_amount,
      CASE
        WHEN record_type IN ('administrative_penalty', 'abnormal_operation', 'serious_violation') THEN
          CASE WHEN uniform(record_key, 'status') < 0.55 THEN 'in_force'
               WHEN uniform(record_key, 'status') < 0.85 THEN 'repaired' ELSE 'expired' END
        ELSE CASE WHEN uniform(record_key, 'status') < 0.7 THEN 'in_force' ELSE 'expired' END
      END AS status
    FROM issued
    ORDER BY record_id`);
}
