import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlConnection } from "../../control/query-service.ts";
import { type RewriteFacts, rewriteAggregate } from "../../policies/rewrite.ts";
import { analyze, parserConnection } from "./fixtures.ts";

// Every faster form of the rewrite against the general one (window bounding, count(DISTINCT),
// unit totals joined back), on the same rows: dummy data, and data built to break a shortcut —
// a firm far above the kWh bound dominating every month, a firm with more rows than the cap,
// rows without a unit, a key or a value, zero and negative values, a month with one firm, and
// queries whose groups are empty. The raw per-group statistics (before noise) must agree: exactly,
// apart from DOUBLE sums, whose last bits already depend on the order DuckDB's threads add in.

let instance: DuckDBInstance;
let data: DuckDBConnection;
let parser: SqlConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:", { threads: "2" });
  data = await instance.connect();
  parser = await parserConnection();
  await data.run(`CREATE TABLE enterprises AS
    SELECT 'F' || lpad(CAST(i AS VARCHAR), 4, '0') AS uscc,
           CASE WHEN i % 7 = 0 THEN NULL ELSE chr(CAST(65 + i % 5 AS INTEGER)) END AS industry,
           'D' || CAST(i % 3 AS VARCHAR) AS district,
           CASE WHEN i % 11 = 0 THEN NULL WHEN i = 1 THEN 90000000 ELSE i * 37 % 500 END AS registered_capital
    FROM range(1, 61) AS t(i)`);
  // A row without a unit: dropped by every form.
  await data.run("INSERT INTO enterprises VALUES (NULL, 'A', 'D0', 100)");
  await data.run(`CREATE TABLE electricity_usage AS
    SELECT 'F' || lpad(CAST(f AS VARCHAR), 4, '0') AS uscc, make_date(2025, m, 1) AS month,
           CAST((f * 7919 + m * 104729) % 100000 AS DOUBLE) + 0.25 AS kwh
    FROM range(1, 41) AS a(f), range(1, 13) AS b(m)`);
  await data.run(`INSERT INTO electricity_usage
    -- F0001: far above the 200M bound (clamped), the largest unit in every month.
    SELECT 'F0001', make_date(2025, m, 1), 5e8 FROM range(1, 13) AS b(m)
    UNION ALL -- F0002: 18 rows more than its 12, over the cap of 12.
    SELECT 'F0002', make_date(2025, 1 + i % 3, 1), 1000.5 * i FROM range(18) AS t(i)
    UNION ALL SELECT NULL, DATE '2025-01-01', 77.0
    UNION ALL SELECT 'F0003', NULL, 55.0
    UNION ALL SELECT 'F0004', DATE '2025-02-01', NULL
    UNION ALL SELECT 'F0005', DATE '2025-03-01', 0.0
    UNION ALL SELECT 'F0006', DATE '2025-03-01', -40.0
    UNION ALL SELECT 'F0050', DATE '2026-01-01', 12.0`);
});

afterAll(() => {
  data?.closeSync();
  instance?.closeSync();
});

/** The raw per-group statistics of the SQL a rewrite runs, keyed by its group keys. */
async function statistics(sql: string, facts: RewriteFacts, unitPartials: boolean) {
  const analysis = await analyze(parser, sql);
  const plan = analysis.aggregate!;
  const params = (analysis.statement as { named_param_map?: unknown }).named_param_map;
  const rewritten = rewriteAggregate(plan, params, facts, { unitPartials });
  const rendered = await parser.runAndReadAll("SELECT json_deserialize_sql($1::VARCHAR::JSON)", [
    JSON.stringify(rewritten.inner),
  ]);
  const executed = rewritten.wrap(String(rendered.getRowsJson()[0]![0]));
  const reader = await data.runAndReadAll(executed);
  const types = new Map(reader.columnNames().map((name, i) => [name, reader.columnType(i).toString()]));
  const names = [
    ...rewritten.columns.values,
    ...rewritten.columns.contributors,
    ...[...rewritten.columns.dominance.values()].flatMap((d) => [d.topN, d.top1, d.top2]),
  ];
  const byGroup = new Map<string, Record<string, string>>();
  for (const row of reader.getRowObjectsJson()) {
    const key = JSON.stringify(rewritten.columns.keys.map((k) => row[k]));
    byGroup.set(
      key,
      Object.fromEntries(
        names.map((name, i) => {
          const value = row[name];
          // A count is 0 whether DuckDB says 0 or nothing; a DOUBLE to 12 significant digits.
          const text =
            value === null || value === undefined
              ? "null"
              : types.get(name) === "DOUBLE"
                ? Number(value).toPrecision(12)
                : String(value);
          return [`${i}:${name}`, text];
        }),
      ),
    );
  }
  return { sql: executed, byGroup };
}

async function expectEqualToGeneral(sql: string, facts: RewriteFacts) {
  const fast = await statistics(sql, facts, true);
  const general = await statistics(sql, {}, false);
  expect(general.sql).toContain("DISTINCT __pu");
  expect(fast.byGroup).toEqual(general.byGroup);
  return { fast, general };
}

describe("per (group, unit) partials where dominance needs unit totals", () => {
  it("give the general rewrite's statistics, with a firm over the cap and one dominating every month", async () => {
    const { fast, general } = await expectEqualToGeneral(
      "SELECT month, sum(kwh) AS kwh FROM electricity_usage GROUP BY month",
      {},
    );
    expect(fast.sql).toContain("__units AS");
    expect(fast.sql).not.toContain("DISTINCT __pu");
    expect(fast.sql).toContain("row_number() OVER (PARTITION BY __pu ORDER BY");
    expect(general.sql).toContain("__unit_totals");
    // The dominating firm's clamped total is each month's largest: the figures are really there.
    const january = general.byGroup.get(JSON.stringify(["2025-01-01"]))!;
    expect(Object.values(january)).toContain(Number(2e8).toPrecision(12));
  });

  it("agree on counts, conditional sums and means with NULL units, keys and values", async () => {
    await expectEqualToGeneral(
      "SELECT month, count(*) AS n, count(kwh) AS metered, sum(kwh) FILTER (WHERE kwh > 1000) AS big, avg(kwh) AS mean FROM electricity_usage GROUP BY month",
      {},
    );
  });

  it("agree without group keys, and on queries whose groups are empty", async () => {
    await expectEqualToGeneral("SELECT sum(kwh) AS total, count(*) AS n FROM electricity_usage", {});
    const none = await expectEqualToGeneral(
      "SELECT sum(kwh) AS total, count(*) AS n FROM electricity_usage WHERE month > DATE '2030-01-01'",
      {},
    );
    expect(none.fast.byGroup.size).toBe(1);
    const empty = await expectEqualToGeneral(
      "SELECT month, sum(kwh) AS total FROM electricity_usage WHERE month > DATE '2030-01-01' GROUP BY month",
      {},
    );
    expect(empty.fast.byGroup.size).toBe(0);
  });

  it("agree over a join with a bucketed date key", async () => {
    const { fast } = await expectEqualToGeneral(
      "SELECT e.district, month(u.month) AS m, sum(u.kwh) AS kwh, count(*) AS n FROM electricity_usage u JOIN enterprises e ON u.uscc = e.uscc GROUP BY e.district, month(u.month)",
      {},
    );
    expect(fast.sql).toContain("__units AS");
  });

  it("are not used for count(DISTINCT x), which partials cannot give", async () => {
    const { fast } = await expectEqualToGeneral(
      "SELECT month, count(DISTINCT kwh) AS levels, sum(kwh) AS kwh FROM electricity_usage GROUP BY month",
      {},
    );
    expect(fast.sql).not.toContain("__units AS");
  });
});

describe("dominance over units verified unique", () => {
  it("takes each row as its unit's total, with the figures of the unit totals joined back", async () => {
    const unique: RewriteFacts = { unitUniquePerRow: true };
    const { fast } = await expectEqualToGeneral(
      "SELECT industry, count(*) AS n, sum(registered_capital) AS capital FROM enterprises GROUP BY industry",
      unique,
    );
    expect(fast.sql).not.toMatch(/__unit_totals|DISTINCT __pu|JOIN/);
    await expectEqualToGeneral(
      "SELECT district, sum(registered_capital) FILTER (WHERE industry = 'A') AS a_capital FROM enterprises GROUP BY district",
      unique,
    );
  });
});
