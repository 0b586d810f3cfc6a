import { describe, expect, it } from "vitest";
import { auditOf, type Probe, probe, useSecurityGateway } from "./support.ts";

/**
 * Family: the SQL surface. A licensed operator sends everything DuckDB understands through
 * ctx.sql; only one analysable SELECT may run, and no failure may carry or signal a data value.
 */
const gateway = useSecurityGateway();

function refusedAll(probes: Probe[]): void {
  for (const p of probes) {
    expect(p.ok, `query ${p.i} was accepted`).toBe(false);
    expect(["SQL_NOT_ALLOWED", "POLICY_VIOLATION"]).toContain(p.code);
  }
}

describe("sql surface", () => {
  it("every statement kind other than SELECT is refused (DDL, DML, PRAGMA, SET, CALL, COPY, ATTACH, INSTALL, LOAD, EXPORT, EXPLAIN)", async () => {
    const gw = gateway();
    const probes = await probe(gw, [
      "INSERT INTO air_quality SELECT * FROM air_quality",
      "UPDATE population SET annual_income = 0",
      "DELETE FROM enterprises",
      "CREATE TABLE stolen AS SELECT * FROM population",
      "DROP TABLE population",
      "ALTER TABLE population RENAME TO p2",
      "PRAGMA enable_profiling",
      "SET enable_external_access = true",
      "RESET lock_configuration",
      "CALL pragma_version()",
      "COPY population TO '/tmp/stolen.csv'",
      "ATTACH '/tmp/other.duckdb' AS other",
      "INSTALL httpfs",
      "LOAD httpfs",
      "EXPORT DATABASE '/tmp/dump'",
      "EXPLAIN ANALYZE SELECT count(*) FROM population",
      "DESCRIBE population",
      "SUMMARIZE population",
      "CHECKPOINT",
      "VACUUM",
      "BEGIN TRANSACTION",
      "USE memory",
      "DETACH memory",
    ]);
    refusedAll(probes);
  });

  it("multiple statements and statements hidden after comments are refused", async () => {
    const gw = gateway();
    refusedAll(
      await probe(gw, [
        "SELECT 1 AS one; DROP TABLE population",
        "SELECT station FROM air_quality LIMIT 1; SELECT name FROM population",
        "SELECT 1 AS one; -- trailing\nCOPY population TO '/tmp/x.csv'",
        "/* */ SELECT 1 AS a /* */ ; /* */ PRAGMA database_list",
      ]),
    );
  });

  it("files, URLs and table functions cannot be read", async () => {
    const gw = gateway();
    refusedAll(
      await probe(gw, [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM read_blob('/work/main/package.json')",
        "SELECT * FROM glob('/*')",
        "SELECT * FROM read_parquet('http://127.0.0.1:1/x.parquet')",
        "SELECT * FROM range(10)",
        "SELECT * FROM unnest([1, 2])",
        "SELECT count(*) AS n FROM population, read_csv_auto('/etc/passwd')",
      ]),
    );
  });

  it("settings, logging, profiling, catalog and metadata functions are refused", async () => {
    const gw = gateway();
    refusedAll(
      await probe(gw, [
        "SELECT current_setting('access_mode') AS s",
        "SELECT * FROM duckdb_settings()",
        "SELECT * FROM duckdb_tables()",
        "SELECT * FROM duckdb_columns()",
        "SELECT * FROM duckdb_functions()",
        "SELECT * FROM duckdb_extensions()",
        "SELECT * FROM duckdb_logs",
        "SELECT * FROM information_schema.tables",
        "SELECT * FROM sqlite_master",
        "SELECT * FROM pragma_table_info('population')",
        "SELECT * FROM pragma_database_size()",
        "SELECT version() AS v",
        "SELECT current_database() AS d",
        "SELECT getenv('HOME') AS h",
        "SELECT * FROM main.population",
        "SELECT * FROM memory.main.population",
        "SELECT * FROM temp.main.population",
        "SELECT enable_logging() AS l",
        "SELECT * FROM query('SELECT name FROM population')",
        "SELECT * FROM query_table('population')",
      ]),
    );
  });

  it("macros, views, CTE shadowing and search-path tricks cannot redirect a dataset name", async () => {
    const gw = gateway();
    refusedAll(
      await probe(gw, [
        "CREATE MACRO population() AS TABLE SELECT * FROM enterprises",
        "CREATE TEMP VIEW air_quality AS SELECT name AS station FROM population",
        "WITH population AS (SELECT * FROM air_quality) SELECT * FROM population",
        "WITH air_quality AS (SELECT name FROM population) SELECT * FROM air_quality",
        "SET search_path = 'temp'",
        'SELECT * FROM "population" AS air_quality',
        "SELECT __pu FROM population",
        "SELECT count(*) AS __v0 FROM population",
        "SELECT name FROM (SELECT * FROM population) AS air_quality",
        "SELECT population FROM population",
        "SELECT COLUMNS('.*') FROM population",
        "SELECT * REPLACE (1 AS name) FROM population",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
      ]),
    );
  });

  it("denied identifier columns never come back, however they are wrapped", async () => {
    const gw = gateway();
    refusedAll(
      await probe(gw, [
        "SELECT name, id_number FROM population",
        "SELECT count(*) AS n FROM population WHERE id_number LIKE '150102%'",
        "SELECT district, count(*) AS n FROM population GROUP BY district HAVING max(name) > 'A'",
        "SELECT count(DISTINCT id_number) AS n FROM population",
        "SELECT lower(name) AS n FROM population",
        "SELECT * FROM population",
        "SELECT * EXCLUDE (name) FROM population",
        "SELECT person_id FROM population",
        "SELECT count(*) AS n FROM population WHERE person_id = 42",
        "SELECT count(*) AS n FROM population WHERE person_id > 0",
        "SELECT uscc FROM enterprises",
        "SELECT name FROM enterprises WHERE district = 'x'",
        "SELECT count(*) AS n FROM enterprises WHERE substr(uscc, 1, 2) = '91'",
      ]),
    );
  });

  it("resource exhaustion inside a query (cross joins, deep nesting, huge literals) is bounded and the job ends", async () => {
    const gw = gateway();
    const job = await gw.run(`export default async function main(ctx) {
      const codes = [];
      for (const q of [
        "SELECT count(*) AS n FROM air_quality a CROSS JOIN air_quality b CROSS JOIN air_quality c",
        "SELECT count(*) AS n FROM population p CROSS JOIN air_quality a",
      ]) {
        try { await ctx.sql(q); codes.push("ok"); } catch (e) { codes.push(String(e.code)); }
      }
      return { codes: codes.map((c) => ({ c })) };
    }`);
    // Either a refusal or the job's time limit: never a hang of the gateway (checked after each case).
    expect(["released", "failed"]).toContain(job.status);
    if (job.status === "failed")
      expect(["TIMEOUT", "SQL_NOT_ALLOWED", "LIMIT_EXCEEDED"]).toContain(job.error?.code);
    const nested = `SELECT ${"(".repeat(3000)}1${")".repeat(3000)} AS x`;
    const probes = await probe(gw, [
      nested,
      `SELECT length('${"x".repeat(60_000)}') AS s FROM air_quality LIMIT 1`,
    ]);
    for (const p of probes) if (!p.ok) expect(p.code).not.toBe("INTERNAL");
  });

  it("failed casts and type errors never echo a value (CAST becomes TRY_CAST; errors give the class only)", async () => {
    const gw = gateway();
    const districts = (await gw.truth<{ d: string }>("SELECT DISTINCT district AS d FROM population")).map(
      (r) => r.d,
    );
    const probes = await probe(gw, [
      "SELECT district, count(*) AS n FROM population WHERE CAST(district AS INTEGER) IS NULL GROUP BY district",
      "SELECT count(*) AS n FROM enterprises WHERE CAST(industry AS DATE) IS NULL",
      "SELECT count(*) AS n FROM population WHERE birth_date = district",
      "SELECT count(*) AS n FROM population WHERE district + 1 > 0",
      "SELECT count(*) AS n FROM population WHERE date_part(district, birth_date) > 0",
    ]);
    for (const p of probes) {
      for (const d of districts) expect(p.detail).not.toContain(d);
      expect(p.detail).not.toMatch(/"[^"]*\d{4}-\d{2}-\d{2}/);
    }
    expect(probes[0]!.ok).toBe(true);
  });

  it("errors are not a yes/no oracle: a value-dependent failure (bad date part, make_date, overflow, implicit cast) cannot tell one person's income", async () => {
    const gw = gateway();
    // A unique (birth_date, district, gender) resident and their income: the secret.
    const [target] = await gw.truth<{ b: string; d: string; g: string; inc: number }>(
      `SELECT CAST(birth_date AS VARCHAR) AS b, district AS d, gender AS g, any_value(annual_income) AS inc
       FROM population GROUP BY ALL HAVING count(*) = 1 ORDER BY b LIMIT 1`,
    );
    const where = `birth_date = DATE '${target!.b}' AND district = '${target!.d}' AND gender = '${target!.g}'`;
    const oracle = (threshold: number) => [
      // date part taken from data: 'year' or a bogus part depending on the secret
      `SELECT count(*) AS n FROM population WHERE ${where} AND date_part(CASE WHEN education <> '' THEN 'year' ELSE 'bogus' END, birth_date) > 0`,
      `SELECT sum(CASE WHEN make_date(2000, CASE WHEN annual_income > ${threshold} THEN 13 ELSE 1 END, 1) IS NULL THEN 1 ELSE 2 END) AS s FROM population WHERE ${where}`,
      `SELECT sum(CASE WHEN CAST(CASE WHEN annual_income > ${threshold} THEN 9223372036854775807 ELSE 0 END AS BIGINT) + CAST(1 AS BIGINT) > 0 THEN 1 ELSE 2 END) AS s FROM population WHERE ${where}`,
      `SELECT count(*) AS n FROM population WHERE ${where} AND birth_date + CASE WHEN gender = 'male' THEN 2147483647 ELSE 0 END > DATE '1900-01-01'`,
      `SELECT count(*) AS n FROM population WHERE ${where} AND birth_date = CASE WHEN gender = 'male' THEN district ELSE '2000-01-01' END`,
      `SELECT district, count(*) FILTER (WHERE make_date(2000, CASE WHEN registered_capital > ${threshold} THEN 13 ELSE 1 END, 1) IS NOT NULL) AS n FROM enterprises GROUP BY district`,
    ];
    const below = await probe(gw, oracle(target!.inc - 1));
    const above = await probe(gw, oracle(target!.inc + 1));
    // Whatever the secret, every query gets the same kind of outcome: no query fails on a value.
    for (const [i, p] of below.entries()) {
      expect(p.ok, `oracle ${i} failed on a value: ${p.code} ${p.detail}`).toBe(true);
      expect(above[i]!.ok).toBe(true);
    }
    const audited = await auditOf(gw, "type=query.checked&limit=1000");
    expect(audited.length).toBeGreaterThanOrEqual(12);
  });
});
