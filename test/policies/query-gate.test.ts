import { beforeAll, describe, expect, it } from "vitest";
import type { SqlConnection } from "../../control/query-service.ts";
import { licensedViews } from "../../policies/license.ts";
import { DatasetManifest } from "../../policies/manifest.ts";
import { analyze, DEMO_MANIFESTS, demoLicense, parserConnection, verdictOf } from "./fixtures.ts";

/** A grade-2 dataset exercising the `row` and `filter` rules the demo manifests do not use. */
const shops = DatasetManifest.parse({
  name: "shops",
  title: "shops",
  description: "test dataset",
  holder: { department: "test" },
  grade: 2,
  updateFrequency: "yearly",
  privacyUnit: "shop_id",
  maxContributionsPerUnit: 1,
  columns: [
    { name: "shop_id", type: "BIGINT", meaning: "key", rule: "join", identifier: "record_id" },
    { name: "owner", type: "VARCHAR", meaning: "owner", rule: "deny", identifier: "person_name" },
    { name: "category", type: "VARCHAR", meaning: "category", rule: "group", values: ["food", "tools"] },
    { name: "street", type: "VARCHAR", meaning: "street", rule: "row" },
    { name: "opened", type: "DATE", meaning: "opened", rule: "filter" },
    {
      name: "revenue",
      type: "INTEGER",
      meaning: "revenue",
      rule: "aggregate",
      bounds: { min: 0, max: 1000 },
    },
  ],
});
const MANIFESTS = [...DEMO_MANIFESTS, shops];

const OK_AGG = "aggregate";
const OPEN = "open";
const ROW = "row";
const SQL = "SQL_NOT_ALLOWED";
const POL = "POLICY_VIOLATION";

/** [query, verdict]: every query the gate must classify exactly so. */
const CASES: readonly (readonly [string, string])[] = [
  // --- statement kinds and the SQL surface
  ["SELECT 1", OPEN],
  ["PRAGMA version", SQL],
  ["SET threads = 1", SQL],
  ["CALL pragma_version()", SQL],
  ["COPY population TO '/tmp/x.csv'", SQL],
  ["ATTACH '/tmp/x.db' AS x", SQL],
  ["DETACH x", SQL],
  ["EXPORT DATABASE '/tmp/x'", SQL],
  ["INSTALL httpfs", SQL],
  ["LOAD httpfs", SQL],
  ["CREATE TABLE t AS SELECT 1", SQL],
  ["CREATE VIEW v AS SELECT * FROM air_quality", SQL],
  ["CREATE MACRO m(x) AS x", SQL],
  ["CREATE TEMP TABLE t(a INT)", SQL],
  ["INSERT INTO air_quality VALUES (1)", SQL],
  ["UPDATE air_quality SET pm25 = 0", SQL],
  ["DELETE FROM air_quality", SQL],
  ["DROP TABLE population", SQL],
  ["ALTER TABLE population ADD COLUMN x INT", SQL],
  ["EXPLAIN SELECT * FROM air_quality", SQL],
  ["EXPLAIN ANALYZE SELECT * FROM air_quality", SQL],
  ["SUMMARIZE population", SQL],
  ["DESCRIBE population", SQL],
  ["SHOW TABLES", SQL],
  ["SELECT 1; SELECT 2", SQL],
  ["SELECT * FROM air_quality; DROP TABLE population", SQL],
  ["BEGIN TRANSACTION", SQL],
  ["CHECKPOINT", SQL],
  ["VACUUM", SQL],
  ["USE memory", SQL],
  ["RESET threads", SQL],
  ["PREPARE p AS SELECT 1", SQL],
  ["SELEC 1", SQL],
  ["SELECT * FROM read_csv('/etc/passwd')", SQL],
  ["SELECT * FROM read_parquet('s3://bucket/x.parquet')", SQL],
  ["SELECT * FROM '/etc/passwd'", SQL],
  ["SELECT * FROM 'data.csv'", SQL],
  ['SELECT * FROM "x.parquet"', SQL],
  ["SELECT * FROM glob('*')", SQL],
  ["SELECT * FROM range(10)", SQL],
  ["SELECT * FROM generate_series(1, 3)", SQL],
  ["SELECT * FROM duckdb_settings()", SQL],
  ["SELECT * FROM duckdb_tables()", SQL],
  ["SELECT * FROM information_schema.tables", SQL],
  ["SELECT * FROM pg_catalog.pg_tables", SQL],
  ["SELECT * FROM main.population", SQL],
  ["SELECT * FROM memory.main.air_quality", SQL],
  ["SELECT * FROM sqlite_master", SQL],
  ["SELECT * FROM secret_table", SQL],
  ["SELECT current_setting('threads')", SQL],
  ["SELECT getenv('HOME')", SQL],
  ["SELECT version()", SQL],
  ["SELECT current_user", SQL],
  ["SELECT error('boom')", SQL],
  ["SELECT read_text('/etc/passwd')", SQL],
  ["SELECT random()", SQL],
  ["SELECT hash(station) FROM air_quality", SQL],
  ["SELECT md5(station) FROM air_quality", SQL],
  ["SELECT list_transform([1], x -> x + 1)", SQL],
  ["SELECT unnest([1, 2])", SQL],
  ["SELECT pg_catalog.lower('a')", SQL],
  ["SELECT system.main.lower('a')", SQL],
  ["SELECT * FROM (VALUES (1), (2)) v(a)", SQL],
  ["PIVOT air_quality ON station USING avg(pm25)", SQL],
  ["SELECT * FROM air_quality USING SAMPLE 10", OPEN],
  ["SELECT #1 FROM air_quality", SQL],
  ["SELECT COLUMNS('p.*') FROM air_quality", SQL],
  ["SELECT * REPLACE (1 AS pm25) FROM air_quality", SQL],
  ["WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r", SQL],
  ["WITH unused AS (SELECT * FROM population) SELECT 1", SQL],
  ["WITH population AS (SELECT 1 AS x) SELECT * FROM population", SQL],
  ["SELECT $name", SQL],
  ["SELECT ln(pm25) FROM air_quality", SQL],
  ["SELECT sqrt(pm25) FROM air_quality", SQL],
  ["SELECT substr(station, pm25::INT) FROM air_quality", SQL],
  ["SELECT regexp_extract(station, '.') FROM air_quality", SQL],
  ["SELECT station COLLATE nocase FROM air_quality", SQL],
  ["SELECT * FROM air_quality a NATURAL JOIN air_quality b", SQL],
  ["SELECT * FROM air_quality a ASOF JOIN air_quality b ON a.hour >= b.hour", SQL],
  ["SELECT * FROM air_quality a POSITIONAL JOIN air_quality b", SQL],
  ["SELECT x.__pu FROM air_quality x", SQL],
  ["SELECT pm25 AS __pu FROM air_quality", SQL],
  // --- open data (grade 1) runs as written
  ["SELECT * FROM air_quality", OPEN],
  ["SELECT station, avg(pm25) FROM air_quality GROUP BY station", OPEN],
  ["SELECT station, max(pm25), median(aqi) FROM air_quality GROUP BY station HAVING max(pm25) > 100", OPEN],
  ["SELECT station, pm25, rank() OVER (PARTITION BY station ORDER BY pm25 DESC) FROM air_quality", OPEN],
  ["SELECT station FROM air_quality UNION SELECT station FROM air_quality", OPEN],
  [
    "WITH s AS (SELECT station, pm25 FROM air_quality) SELECT station, sum(pm25) FROM s GROUP BY station",
    OPEN,
  ],
  ["SELECT * FROM air_quality WHERE pm25 > (SELECT avg(pm25) FROM air_quality)", OPEN],
  ["SELECT station FROM air_quality ORDER BY pm25 DESC LIMIT 5", OPEN],
  ["SELECT CAST(aqi AS VARCHAR), TRY_CAST(station AS INTEGER) FROM air_quality", OPEN],
  ["SELECT date_trunc('month', hour) AS m, avg(no2) FROM air_quality GROUP BY m", OPEN],
  ["SELECT upper(station) || '-' || lower(station) FROM air_quality WHERE station LIKE '%区%'", OPEN],
  [
    "SELECT count(*) FROM air_quality a JOIN air_quality b ON a.station = b.station AND a.hour = b.hour",
    OPEN,
  ],
  ["SELECT * EXCLUDE (pm10) FROM air_quality", OPEN],
  ["SELECT station, pm25 FROM air_quality WHERE pm25 BETWEEN $1 AND $2", OPEN],
  [
    "SELECT CASE WHEN aqi > 100 THEN 'bad' ELSE 'ok' END AS level, count(*) FROM air_quality GROUP BY level",
    OPEN,
  ],
  ["SELECT DISTINCT station FROM air_quality", OPEN],
  ["SELECT station, string_agg(CAST(aqi AS VARCHAR), ',') FROM air_quality GROUP BY station", OPEN],
  ["SELECT air_quality FROM air_quality", SQL],
  ["SELECT nope FROM air_quality", SQL],
  // --- grade 3 aggregates: accepted and rewritten
  [
    "SELECT district, count(*) AS n, avg(annual_income) AS mean_income FROM population GROUP BY district",
    OK_AGG,
  ],
  ["SELECT count(*) FROM population", OK_AGG],
  ["SELECT count(DISTINCT person_id) FROM population", OK_AGG],
  ["SELECT gender, education, count(*) FROM population GROUP BY gender, education", OK_AGG],
  ["SELECT year(birth_date) AS y, count(*) FROM population GROUP BY y", OK_AGG],
  ["SELECT year(birth_date), count(*) FROM population GROUP BY year(birth_date)", OK_AGG],
  ["SELECT district, sum(annual_income) FROM population GROUP BY 1", OK_AGG],
  [
    "SELECT district, count(*) FILTER (WHERE gender = 'female') AS women FROM population GROUP BY district",
    OK_AGG,
  ],
  [
    "SELECT district, sum(CASE WHEN gender = 'female' THEN annual_income END) FROM population GROUP BY district",
    OK_AGG,
  ],
  ["SELECT district, avg(least(annual_income, 300000)) FROM population GROUP BY district", OK_AGG],
  ["SELECT district, sum(annual_income / 12) AS monthly FROM population GROUP BY district", OK_AGG],
  [
    "SELECT district, count(*) FROM population WHERE gender = 'male' AND birth_date < DATE '1980-01-01' GROUP BY district",
    OK_AGG,
  ],
  [
    "SELECT district, count(*) FROM population WHERE education IN ('bachelor', 'postgraduate') GROUP BY district",
    OK_AGG,
  ],
  ["SELECT district, count(*) AS n FROM population GROUP BY district HAVING n > 100", OK_AGG],
  ["SELECT district, count(*) AS n FROM population GROUP BY district HAVING count(*) > 100", OK_AGG],
  ["SELECT district, count(*) AS n FROM population GROUP BY district ORDER BY n DESC LIMIT 3", OK_AGG],
  ["SELECT district, count(*) AS n FROM population GROUP BY district ORDER BY 2", OK_AGG],
  ["SELECT diagnosis, count(*) n, sum(cost) FROM medical_visits GROUP BY diagnosis", OK_AGG],
  [
    "SELECT p.district, count(*) FROM population p JOIN medical_visits m ON p.person_id = m.person_id GROUP BY p.district",
    OK_AGG,
  ],
  [
    "SELECT p.district, count(*) FROM population p JOIN medical_visits m USING (person_id) GROUP BY p.district",
    OK_AGG,
  ],
  [
    "SELECT p.district, count(*) FROM population p, medical_visits m WHERE p.person_id = m.person_id GROUP BY p.district",
    OK_AGG,
  ],
  [
    "SELECT district, count(*) FROM (SELECT district FROM population WHERE gender = 'female') s GROUP BY district",
    OK_AGG,
  ],
  [
    "WITH w AS (SELECT district, annual_income FROM population WHERE gender = 'female') SELECT district, avg(annual_income) FROM w GROUP BY district",
    OK_AGG,
  ],
  ["SELECT d, count(*) FROM (SELECT district AS d FROM population) GROUP BY d", OK_AGG],
  ["SELECT district, count(*) FROM (SELECT * FROM population) s GROUP BY district", OK_AGG],
  ["SELECT count(*) FROM population WHERE district = $1", OK_AGG],
  ["SELECT count(*) FROM population WHERE upper(district) LIKE '%区'", OK_AGG],
  ["SELECT industry, sum(registered_capital) FROM enterprises GROUP BY industry", OK_AGG],
  [
    "SELECT e.industry, sum(u.kwh) FROM enterprises e JOIN electricity_usage u ON e.uscc = u.uscc GROUP BY e.industry",
    OK_AGG,
  ],
  ["SELECT month, sum(kwh) FROM electricity_usage GROUP BY month", OK_AGG],
  ["SELECT count(*) FROM population p JOIN air_quality a ON true", OK_AGG],
  ["SELECT category, count(*) FROM shops WHERE opened > DATE '2020-01-01' GROUP BY category", OK_AGG],
  ["SELECT street, count(*) FROM shops GROUP BY street", OK_AGG],
  [
    "SELECT category, sum(revenue) FILTER (WHERE opened > DATE '2020-01-01') FROM shops GROUP BY category",
    OK_AGG,
  ],
  ["SELECT count(shop_id) FROM shops", OK_AGG],
  // --- grade 2 row access: allowed only for `row` columns, tainted
  ["SELECT street FROM shops", ROW],
  ["SELECT street FROM shops WHERE category = 'food' ORDER BY street LIMIT 10", ROW],
  ["SELECT DISTINCT street FROM shops WHERE opened < DATE '2000-01-01'", ROW],
  ["SELECT 1 FROM shops", ROW],
  ["SELECT category FROM shops", POL],
  ["SELECT opened FROM shops", POL],
  ["SELECT revenue FROM shops", POL],
  ["SELECT owner FROM shops", POL],
  ["SELECT shop_id FROM shops", POL],
  ["SELECT street, max(revenue) FROM shops GROUP BY street", POL],
  ["SELECT max(street) FROM shops", POL],
  ["SELECT category, min(opened) FROM shops GROUP BY category", POL],
  ["SELECT category, sum(opened) FROM shops GROUP BY category", POL],
  ["SELECT opened, count(*) FROM shops GROUP BY opened", POL],
  ["SELECT count(*) FROM shops WHERE revenue > 500", POL],
  // --- grade 3: no row access at all
  ["SELECT district FROM population", POL],
  ["SELECT 1 FROM population WHERE district = '新城区'", POL],
  ["SELECT * FROM population", POL],
  ["SELECT * EXCLUDE (id_number, name) FROM population", POL],
  ["SELECT person_id FROM population", POL],
  ["SELECT annual_income FROM population", POL],
  ["SELECT name FROM population", POL],
  ["SELECT id_number FROM population", POL],
  // --- denied and identifier columns anywhere
  ["SELECT count(*) FROM population WHERE name = '张三'", POL],
  ["SELECT count(*) FROM population WHERE id_number LIKE '110%'", POL],
  ["SELECT substr(id_number, 1, 6) AS region, count(*) FROM population GROUP BY region", POL],
  ["SELECT left(id_number, 6), count(*) FROM population GROUP BY 1", POL],
  ["SELECT count(DISTINCT name) FROM population", POL],
  ["SELECT count(*) FROM population GROUP BY name", POL],
  ["SELECT district, count(*) FROM population GROUP BY district ORDER BY max(id_number)", POL],
  ["SELECT count(*) FROM population p JOIN population q ON p.id_number = q.id_number", POL],
  ["SELECT count(*) FROM population p JOIN medical_visits m ON p.person_id = m.visit_id", POL],
  ["SELECT count(*) FROM (SELECT id_number AS x FROM population) s", POL],
  ["WITH c AS (SELECT name AS n FROM population) SELECT count(*) FROM c", POL],
  ["SELECT count(*) FROM medical_visits WHERE visit_id = 5", POL],
  // --- join columns: equality joins only
  ["SELECT count(*) FROM population WHERE person_id = 42", POL],
  ["SELECT count(*) FROM population WHERE person_id IN (1, 2, 3)", POL],
  ["SELECT count(*) FROM population WHERE person_id BETWEEN 1 AND 10", POL],
  ["SELECT count(*) FROM population WHERE person_id + 0 = 42", POL],
  ["SELECT count(*) FROM population WHERE person_id % 2 = 0", POL],
  ["SELECT count(*) FROM population WHERE CAST(person_id AS VARCHAR) LIKE '1%'", POL],
  ["SELECT count(*) FROM population p JOIN medical_visits m ON p.person_id < m.person_id", POL],
  ["SELECT count(*) FROM population p JOIN medical_visits m ON p.person_id = m.person_id + 1", POL],
  [
    "SELECT count(*) FROM population p JOIN medical_visits m ON p.person_id = m.person_id OR p.person_id = 1",
    POL,
  ],
  ["SELECT person_id, count(*) FROM medical_visits GROUP BY person_id", POL],
  ["SELECT sum(person_id) FROM population", POL],
  ["SELECT max(person_id) FROM population", POL],
  ["SELECT count(*) FROM enterprises WHERE uscc = '91150100MA0000000X'", POL],
  ["SELECT count(*) FROM enterprises WHERE starts_with(uscc, '9115')", POL],
  ["SELECT count(*) FROM enterprises e JOIN population p ON e.uscc = p.district", POL],
  ["SELECT count(*) FROM population WHERE person_id = $1", POL],
  // --- aggregate columns: only inside count/sum/avg
  ["SELECT count(*) FROM population WHERE annual_income > 1000000", POL],
  ["SELECT annual_income, count(*) FROM population GROUP BY annual_income", POL],
  [
    "SELECT CASE WHEN annual_income > 100000 THEN 'rich' ELSE 'other' END AS c, count(*) FROM population GROUP BY c",
    POL,
  ],
  ["SELECT count(*) FROM population GROUP BY CASE WHEN annual_income > 100000 THEN 1 ELSE 0 END", POL],
  ["SELECT district, count(*) FROM population GROUP BY district HAVING max(annual_income) > 100000", POL],
  ["SELECT district, count(*) AS n FROM population GROUP BY district HAVING sum(annual_income) > 5", POL],
  ["SELECT district, count(*) FROM population GROUP BY district HAVING annual_income > 5", POL],
  ["SELECT district FROM population GROUP BY district ORDER BY annual_income", POL],
  ["SELECT max(annual_income) FROM population", POL],
  ["SELECT min(annual_income) FROM population", POL],
  ["SELECT median(annual_income) FROM population", POL],
  ["SELECT quantile_cont(annual_income, 0.99) FROM population", POL],
  ["SELECT mode(annual_income) FROM population", POL],
  ["SELECT arg_max(district, annual_income) FROM population", POL],
  ["SELECT first(annual_income) FROM population", POL],
  ["SELECT any_value(annual_income) FROM population", POL],
  ["SELECT string_agg(district, ',') FROM population", POL],
  ["SELECT list(annual_income) FROM population", POL],
  ["SELECT stddev(annual_income) FROM population", POL],
  ["SELECT district, max(birth_date) FROM population GROUP BY district", POL],
  ["SELECT sum(DISTINCT annual_income) FROM population", SQL],
  ["SELECT sum(annual_income * annual_income) FROM population", OK_AGG],
  ["SELECT sum(length(district)) FROM population", POL],
  ["SELECT sum(annual_income) * 2 FROM population", POL],
  ["SELECT round(avg(annual_income)) FROM population", POL],
  ["SELECT sum(annual_income) / count(*) FROM population", POL],
  ["SELECT count(*) FROM population WHERE annual_income IS NULL", POL],
  ["SELECT count(*) FROM (SELECT annual_income > 100000 AS rich FROM population) s WHERE rich", POL],
  ["SELECT rich, count(*) FROM (SELECT annual_income > 100000 AS rich FROM population) s GROUP BY rich", POL],
  [
    "SELECT count(*) FILTER (WHERE rich) FROM (SELECT annual_income > 100000 AS rich FROM population) s",
    OK_AGG,
  ],
  ["SELECT count(*) FILTER (WHERE annual_income > 100000) FROM population", OK_AGG],
  // --- group columns: grouped, filtered, counted; never raw
  ["SELECT birth_date FROM population", POL],
  ["SELECT birth_date, count(*) FROM population GROUP BY birth_date", OK_AGG],
  ["SELECT district, count(*) FROM population GROUP BY education", POL],
  ["SELECT upper(district), count(*) FROM population GROUP BY district", POL],
  ["SELECT district, count(DISTINCT education) FROM population GROUP BY district", OK_AGG],
  ["SELECT sum(year(birth_date)) FROM population", POL],
  // --- constructs refused over protected data
  ["SELECT district FROM population UNION SELECT station FROM air_quality", SQL],
  ["SELECT count(*) FROM population UNION ALL SELECT count(*) FROM population", SQL],
  ["SELECT district, count(*) OVER (PARTITION BY district) FROM population", POL],
  ["SELECT street, count(*) OVER (PARTITION BY street) FROM shops", SQL],
  ["SELECT street, row_number() OVER () FROM shops", SQL],
  ["SELECT count(*) FROM population WHERE district = (SELECT station FROM air_quality LIMIT 1)", SQL],
  ["SELECT count(*) FROM population WHERE person_id IN (SELECT person_id FROM medical_visits)", SQL],
  ["SELECT count(*) FROM population WHERE EXISTS (SELECT 1 FROM medical_visits)", SQL],
  ["SELECT (SELECT count(*) FROM population)", SQL],
  ["SELECT * FROM (SELECT district, count(*) AS n FROM population GROUP BY district) s", POL],
  ["SELECT avg(n) FROM (SELECT district, count(*) AS n FROM population GROUP BY district) s", POL],
  [
    "SELECT sum(annual_income) FROM (SELECT annual_income FROM population ORDER BY annual_income DESC LIMIT 10) s",
    SQL,
  ],
  ["SELECT count(*) FROM (SELECT DISTINCT district FROM population) s", SQL],
  ["SELECT district, count(*) FROM population GROUP BY ALL", SQL],
  ["SELECT district, gender, count(*) FROM population GROUP BY ROLLUP (district, gender)", SQL],
  ["SELECT district, gender, count(*) FROM population GROUP BY GROUPING SETS ((district), (gender))", SQL],
  ["SELECT DISTINCT district, count(*) FROM population GROUP BY district", SQL],
  ["SELECT district, count(*) FROM population GROUP BY district QUALIFY count(*) > 1", SQL],
  ["SELECT count(*) FROM population USING SAMPLE 50%", SQL],
  ["SELECT count(*) FROM population TABLESAMPLE 10%", SQL],
  ["SELECT count(*) FROM population p, LATERAL (SELECT p.district) s", SQL],
  ["SELECT count(*) FROM population p, (SELECT p.district) s", SQL],
  ["SELECT district, count(*) FROM population GROUP BY district ORDER BY gender", POL],
  ["SELECT district, count(*) AS n FROM population GROUP BY district HAVING n > 5 OR n < 2", POL],
  ["SELECT district, count(*) FROM population GROUP BY district LIMIT 1000000", SQL],
  ["SELECT district, count(*) AS n, count(*) AS n FROM population GROUP BY district", SQL],
  ["SELECT population FROM population", POL],
  ["SELECT p FROM population p", POL],
  ["SELECT shops FROM shops", SQL],
  ["SELECT count(p) FROM population p", SQL],
  ["SELECT count(*) FROM population p JOIN population q ON p.district = q.district", POL],
  ["SELECT count(*) FROM population p, population q", POL],
  ["SELECT count(*) FROM population p JOIN enterprises e ON p.district = e.district", POL],
  ["SELECT count(*) FROM population p JOIN population q ON p.person_id = q.person_id", OK_AGG],
  ["SELECT count(*) FROM population p CROSS JOIN air_quality a", OK_AGG],
  ["SELECT count(*) FROM population, medical_visits", POL],
  ["SELECT count(*) FROM shops s JOIN enterprises e ON s.category = e.industry", POL],
  ["SELECT count(*) FROM population WHERE district = 'x' UNION SELECT 1", SQL],
  ["SELECT count(*) FROM unlicensed_table", SQL],
];

describe("query gate verdict table", () => {
  let parser: SqlConnection;
  beforeAll(async () => {
    parser = await parserConnection();
  });

  it("has hundreds of cases once the generated matrix is added", () => {
    expect(CASES.length + MATRIX.length).toBeGreaterThan(300);
  });

  it.each(CASES)("%s → %s", async (sql, expected) => {
    expect(await verdictOf(parser, sql, MANIFESTS)).toBe(expected);
  });

  it.each(MATRIX)("%s → %s", async (sql, expected) => {
    expect(await verdictOf(parser, sql, MANIFESTS)).toBe(expected);
  });
});

/**
 * Every column of every dataset in every clause, with the verdict its rule demands. The expected
 * verdicts restate the rule table of DESIGN.md, not the gate's code.
 */
const MATRIX: readonly (readonly [string, string])[] = MANIFESTS.flatMap((m) =>
  m.columns.flatMap((c) => {
    const open = m.grade === 1;
    const ok = open ? OPEN : OK_AGG;
    const numeric = /INT|DOUBLE|DECIMAL/.test(c.type);
    const rule = c.rule;
    const rowOutput = rule === "plain" ? OPEN : rule === "row" && m.grade <= 2 ? ROW : POL;
    return [
      [`SELECT ${c.name} FROM ${m.name}`, rowOutput],
      [
        `SELECT count(*) FROM ${m.name} WHERE ${c.name} IS NOT NULL`,
        ["filter", "group", "row", "plain"].includes(rule) ? ok : POL,
      ],
      [
        `SELECT ${c.name}, count(*) FROM ${m.name} GROUP BY ${c.name}`,
        ["group", "row", "plain"].includes(rule) ? ok : POL,
      ],
      [
        `SELECT sum(${c.name}) FROM ${m.name}`,
        // open data runs as written (DuckDB itself refuses sum over text)
        open ? OPEN : numeric && rule === "aggregate" ? ok : POL,
      ],
      [`SELECT count(DISTINCT ${c.name}) FROM ${m.name}`, rule === "deny" || rule === "filter" ? POL : ok],
      [`SELECT max(${c.name}) FROM ${m.name}`, rule === "plain" ? OPEN : POL],
      [
        `SELECT count(*) FROM ${m.name} GROUP BY lower(CAST(${c.name} AS VARCHAR))`,
        ["group", "row", "plain"].includes(rule) ? ok : POL,
      ],
    ] as const;
  }),
);

describe("query gate details", () => {
  let parser: SqlConnection;
  beforeAll(async () => {
    parser = await parserConnection();
  });

  it("names the column, rule and clause of a violation", async () => {
    await expect(
      analyze(parser, "SELECT count(*) FROM population WHERE annual_income > 5"),
    ).rejects.toMatchObject({
      code: "POLICY_VIOLATION",
      extra: { dataset: "population", column: "annual_income", rule: "aggregate", clause: "where" },
    });
  });

  it("names the construct of a refusal", async () => {
    await expect(analyze(parser, "SELECT * FROM read_csv('x')")).rejects.toMatchObject({
      code: "SQL_NOT_ALLOWED",
      detail: expect.stringContaining("table functions"),
    });
  });

  it("sees through an alias hiding a denied column", async () => {
    await expect(
      analyze(
        parser,
        "SELECT district AS d, count(*) FROM (SELECT id_number AS district FROM population) GROUP BY d",
      ),
    ).rejects.toMatchObject({ code: "POLICY_VIOLATION", extra: { column: "id_number" } });
  });

  it("records every column use with its clause", async () => {
    const analysis = await analyze(
      parser,
      "SELECT district, avg(annual_income) FROM population WHERE gender = 'female' GROUP BY district",
    );
    expect(analysis.columns).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ column: "district", clause: "group" }),
        expect.objectContaining({ column: "gender", clause: "where" }),
        expect.objectContaining({ column: "annual_income", clause: "aggregate" }),
      ]),
    );
    expect(analysis.dpDatasets).toEqual(["population"]);
  });

  it("plans public partitions, clamping and the contribution bound", async () => {
    const analysis = await analyze(
      parser,
      "SELECT v.diagnosis, sum(v.cost) AS total FROM medical_visits v GROUP BY v.diagnosis",
    );
    const plan = analysis.aggregate!;
    expect(plan.maxContributions).toBe(20);
    expect(plan.publicPartitions?.[0]?.length).toBeGreaterThan(5);
    expect(plan.measures.find((m) => m.kind === "sum")?.bounds).toEqual({ lo: 0, hi: 200_000 });
  });

  it("lets a license tighten a rule but never loosen it", async () => {
    const license = demoLicense({
      datasets: [
        {
          name: "population",
          columns: { district: "deny", annual_income: "plain" },
          epsilon: { total: 5 },
        } as never,
      ],
    });
    const views = licensedViews(license, DEMO_MANIFESTS);
    expect(views.get("population")!.rules.get("district")).toBe("deny");
    expect(views.get("population")!.rules.get("annual_income")).toBe("aggregate");
    await expect(
      analyze(parser, "SELECT district, count(*) FROM population GROUP BY district", views),
    ).rejects.toMatchObject({ code: "POLICY_VIOLATION" });
    await expect(analyze(parser, "SELECT count(*) FROM air_quality", views)).rejects.toMatchObject({
      code: "SQL_NOT_ALLOWED",
    });
  });

  it("gives a license rule that is no narrowing only what both rules admit (filter on an aggregate column is deny)", async () => {
    const license = demoLicense({
      datasets: [
        {
          name: "population",
          // Not narrowings: `filter` admits predicates `aggregate` forbids; `aggregate` admits sums `group` forbids.
          columns: { annual_income: "filter", district: "aggregate" },
          epsilon: { total: 5 },
        } as never,
      ],
    });
    const views = licensedViews(license, DEMO_MANIFESTS);
    expect(views.get("population")!.rules.get("annual_income")).toBe("deny");
    await expect(
      analyze(parser, "SELECT count(*) FROM population WHERE annual_income > 100000", views),
    ).rejects.toMatchObject({ code: "POLICY_VIOLATION" });
    await expect(analyze(parser, "SELECT sum(annual_income) FROM population", views)).rejects.toMatchObject({
      code: "POLICY_VIOLATION",
    });
  });

  it("forces every CAST to TRY_CAST so a failed cast cannot raise a value-quoting error", async () => {
    const analysis = await analyze(parser, "SELECT CAST(station AS INTEGER) FROM air_quality");
    expect(JSON.stringify(analysis.statement)).toContain('"try_cast":true');
    expect(JSON.stringify(analysis.statement)).not.toContain('"try_cast":false');
  });

  it("gives the same canonical form to the same query written differently", async () => {
    const a = await analyze(parser, "SELECT district, count(*) FROM population GROUP BY district");
    const b = await analyze(parser, "select   district ,COUNT(*)\nfrom population group by district");
    expect(a.canonical.form).toBe(b.canonical.form);
  });
});
