import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryPrivacyBudgetLedger } from "../../control/privacy-budget.ts";
import { createQueryService, type SqlConnection } from "../../control/query-service.ts";
import { DEFAULT_QUERY_EPSILON } from "../../policies/license.ts";
import { DEMO_MANIFESTS, demoLicense, openDemoDomain, TEST_NOISE_SALT } from "./fixtures.ts";

let demo: Awaited<ReturnType<typeof openDemoDomain>>;
let domain: SqlConnection;
let parser: SqlConnection;

beforeAll(async () => {
  demo = await openDemoDomain("sticky-rephrasings-");
  ({ domain, parser } = demo);
});

afterAll(() => demo?.remove());

const at = new Date("2026-03-01T00:00:00Z");
const request = (sql: string, params: (string | number)[] = []) => ({
  sql,
  params,
  license: demoLicense(),
  manifests: DEMO_MANIFESTS,
  at,
});

/** One grade-3 count (men born after 1980 in 新城区), written 24 ways. */
const born = "DATE '1980-01-01'";
const REPHRASINGS = [
  `SELECT count(*) AS n FROM population WHERE district = '新城区' AND gender = 'male' AND birth_date > ${born}`,
  `SELECT count(*) FROM population WHERE gender = 'male' AND district = '新城区' AND birth_date > ${born}`,
  `SELECT count(*) AS residents FROM population WHERE birth_date > ${born} AND gender = 'male' AND district = '新城区'`,
  `SELECT count(*) FROM population WHERE '新城区' = district AND 'male' = gender AND ${born} < birth_date`,
  `SELECT count(*) FROM population WHERE NOT birth_date <= ${born} AND district = '新城区' AND gender = 'male'`,
  `SELECT count(*) FROM population WHERE NOT (birth_date <= ${born}) AND NOT (NOT (district = '新城区')) AND gender = 'male'`,
  `SELECT count(*) FROM population WHERE NOT (district <> '新城区' OR gender <> 'male' OR birth_date <= ${born})`,
  `SELECT count(*) FROM population WHERE true AND district = '新城区' AND gender = 'male' AND birth_date > ${born}`,
  `SELECT count(*) FROM population WHERE (district = '新城区' AND (gender = 'male')) AND ((birth_date > ${born}))`,
  `SELECT count(*) FROM population WHERE district = '新城区' AND gender = 'male' AND birth_date > ${born} AND district = '新城区'`,
  `SELECT count(*) FROM population WHERE district = '新城区' AND gender = 'male' AND birth_date > ${born} AND gender = gender`,
  `SELECT count(*) FROM population WHERE district = '新城区' AND gender = 'male' AND birth_date > ${born} AND birth_date = birth_date AND district = district`,
  `SELECT count(*) FROM population AS p WHERE p.district = '新城区' AND p.gender = 'male' AND p.birth_date > ${born}`,
  `SELECT count(*) AS x FROM population q WHERE q.gender = 'male' AND district = '新城区' AND q.birth_date > ${born}`,
  `SELECT count(*) FROM population WHERE district IN ('新城区') AND gender IN ('male', 'male') AND birth_date > ${born}`,
  `SELECT count(*) FROM population WHERE district = '新城区' AND NOT gender NOT IN ('male') AND birth_date > ${born}`,
  `SELECT count(*) FROM population WHERE district = '新城区' AND gender = 'male' AND birth_date > CAST('1980-01-01' AS DATE)`,
  `SELECT count(*) FROM population WHERE district = '新城区' AND gender = 'male' AND birth_date > ${born} OR false`,
  `SELECT count(*) FROM population WHERE (district = '新城区' OR false) AND gender = 'male' AND true AND birth_date > ${born}`,
  `select COUNT(*)  from POPULATION where DISTRICT = '新城区' and GENDER = 'male' and BIRTH_DATE > ${born}`,
  `SELECT count(*) FROM population WHERE district = '新城区' AND gender IN ('male') AND NOT (birth_date <= ${born})`,
  `SELECT count(*) FROM population WHERE NOT (NOT (gender = 'male' AND district = '新城区')) AND NOT birth_date <= ${born}`,
  `SELECT count(*) FROM population WHERE gender = 'male' AND NOT (district <> '新城区') AND ${born} < birth_date AND true`,
  `SELECT count(*) FROM population WHERE birth_date > ${born} AND NOT (gender <> 'male' OR district <> '新城区' OR false)`,
];

describe("rephrasing a grade-3 query (red team: averaging rephrasings)", () => {
  it("gets one noisy answer and one charge for every way of writing the same count", async () => {
    const ledger = new InMemoryPrivacyBudgetLedger();
    const svc = createQueryService({ noiseSalt: TEST_NOISE_SALT, domain, parser, ledger });
    const answers = [];
    for (const sql of REPHRASINGS) answers.push(await svc.execute(request(sql)));

    const first = answers[0]!;
    expect(first.verdict).toMatchObject({ cached: false, epsilonCharged: DEFAULT_QUERY_EPSILON });
    for (const [i, answer] of answers.entries()) {
      expect(answer.rows, REPHRASINGS[i]).toEqual(first.rows);
      if (i > 0) expect(answer.verdict, REPHRASINGS[i]).toMatchObject({ cached: true, epsilonCharged: 0 });
    }
    expect(new Set(answers.map((a) => a.verdict.queryKey)).size).toBe(1);
    expect(await ledger.spent("lic_test", "population", "total")).toBe(DEFAULT_QUERY_EPSILON);

    // A genuinely different count (another birth year bound) is a new question: charged.
    const other = await svc.execute(
      request(
        "SELECT count(*) FROM population WHERE district = '新城区' AND gender = 'male' AND birth_date >= DATE '1980-01-01'",
      ),
    );
    expect(other.verdict).toMatchObject({ cached: false, epsilonCharged: DEFAULT_QUERY_EPSILON });
    const female = await svc.execute(
      request(
        `SELECT count(*) FROM population WHERE district = '新城区' AND gender = 'female' AND birth_date > ${born}`,
      ),
    );
    expect(female.verdict).toMatchObject({ cached: false, epsilonCharged: DEFAULT_QUERY_EPSILON });
    expect(await ledger.spent("lic_test", "population", "total")).toBeCloseTo(3 * DEFAULT_QUERY_EPSILON, 9);
  });

  it("returns a recorded grouped answer in the shape the rephrasing asks for", async () => {
    const ledger = new InMemoryPrivacyBudgetLedger();
    const svc = createQueryService({ noiseSalt: TEST_NOISE_SALT, domain, parser, ledger });
    const first = await svc.execute(
      request(
        "SELECT district, count(*) AS n, sum(annual_income) AS income FROM population GROUP BY district",
      ),
    );
    const again = await svc.execute(
      request(
        "SELECT sum(p.annual_income) AS total, count(*), p.district AS d FROM population p WHERE true GROUP BY 3",
      ),
    );
    expect(again.verdict).toMatchObject({ cached: true, epsilonCharged: 0 });
    expect(again.columns.map((c) => c.name)).toEqual(["total", "count_1", "d"]);
    expect(again.columns.map((c) => c.type)).toEqual([
      first.columns[2]!.type,
      first.columns[1]!.type,
      first.columns[0]!.type,
    ]);
    expect(again.rows).toEqual(first.rows.map(([district, n, income]) => [income, n, district]));
    expect(again.accuracy).toEqual(first.accuracy?.map(([district, n, income]) => [income, n, district]));
    expect(await ledger.spent("lic_test", "population", "total")).toBe(DEFAULT_QUERY_EPSILON);
  });

  it("charges other parameter values, and not a rephrasing around the same parameter", async () => {
    const ledger = new InMemoryPrivacyBudgetLedger();
    const svc = createQueryService({ noiseSalt: TEST_NOISE_SALT, domain, parser, ledger });
    const byParam = "SELECT count(*) FROM population WHERE district = $1";
    const a = await svc.execute(request(byParam, ["新城区"]));
    const b = await svc.execute(request(byParam, ["回民区"]));
    const c = await svc.execute(request("SELECT count(*) FROM population WHERE $1 = district", ["新城区"]));
    expect(b.verdict).toMatchObject({ cached: false, epsilonCharged: DEFAULT_QUERY_EPSILON });
    expect(c.verdict).toMatchObject({ cached: true, epsilonCharged: 0 });
    expect(c.rows).toEqual(a.rows);
    expect(await ledger.spent("lic_test", "population", "total")).toBeCloseTo(2 * DEFAULT_QUERY_EPSILON, 9);
  });

  it("charges two subqueries that differ only in swapped column aliases as different questions", async () => {
    const ledger = new InMemoryPrivacyBudgetLedger();
    const svc = createQueryService({ noiseSalt: TEST_NOISE_SALT, domain, parser, ledger });
    // The same text but for the aliases: the first counts by district, the second by education.
    // The old parse-tree key dropped every alias and answered the second with the first's count.
    const district = await svc.execute(
      request("SELECT count(*) FROM (SELECT district AS a, education AS b FROM population) WHERE a = 'none'"),
    );
    const education = await svc.execute(
      request("SELECT count(*) FROM (SELECT district AS b, education AS a FROM population) WHERE a = 'none'"),
    );
    expect(district.verdict.cached).toBe(false);
    expect(education.verdict).toMatchObject({ cached: false, epsilonCharged: DEFAULT_QUERY_EPSILON });
    expect(await ledger.spent("lic_test", "population", "total")).toBeCloseTo(2 * DEFAULT_QUERY_EPSILON, 9);
  });
});
