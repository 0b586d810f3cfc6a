import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlConnection } from "../../control/query-service.ts";
import { type RewriteFacts, type RewriteOptions, rewriteAggregate } from "../../policies/rewrite.ts";
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
  // Persons (cap 20 visits each) built to break a cut at the cap: one with 45 distinct visits,
  // one with 30 identical visits (every hash ties at the cut), one with 25 visits of which 8 are
  // identical and straddle the cut, one with exactly 20, one with 21, visits without a person,
  // a cost or a diagnosis, costs above the bound, and many persons with a few visits each.
  await data.run(`CREATE TABLE medical_visits AS
    SELECT i AS visit_id, 1 + i % 300 AS person_id, 'H' || CAST(i % 4 AS VARCHAR) AS hospital,
           DATE '2025-01-01' + CAST(i % 200 AS INTEGER) AS visit_date,
           CASE WHEN i % 13 = 0 THEN NULL ELSE 'D' || CAST(i % 6 AS VARCHAR) END AS diagnosis,
           CAST(CASE WHEN i % 17 = 0 THEN NULL WHEN i % 101 = 0 THEN 350000 ELSE (i * 7919) % 9000 END AS DECIMAL(10,2)) AS "cost",
           'basic' AS insurance_type
    FROM range(1, 1201) AS t(i)`);
  await data.run(`INSERT INTO medical_visits
    SELECT 10000 + i, 1001, 'H1', DATE '2025-03-01' + CAST(i AS INTEGER), 'D' || CAST(i % 3 AS VARCHAR), CAST(100 + i AS DECIMAL(10,2)), 'basic' FROM range(45) AS t(i)
    UNION ALL SELECT 20000 + i, 1002, 'H2', DATE '2025-04-01', 'D1', CAST(250 AS DECIMAL(10,2)), 'basic' FROM range(30) AS t(i)
    UNION ALL SELECT 30000 + i, 1003, 'H3', DATE '2025-05-01' + CAST(CASE WHEN i < 8 THEN 0 ELSE i END AS INTEGER), 'D2', CAST(CASE WHEN i < 8 THEN 40 ELSE i END AS DECIMAL(10,2)), 'basic' FROM range(25) AS t(i)
    UNION ALL SELECT 40000 + i, 1004, 'H0', DATE '2025-06-01' + CAST(i AS INTEGER), 'D4', CAST(300000 AS DECIMAL(10,2)), 'basic' FROM range(20) AS t(i)
    UNION ALL SELECT 50000 + i, 1005, 'H0', DATE '2025-07-01' + CAST(i AS INTEGER), 'D5', CAST(10 * i AS DECIMAL(10,2)), 'basic' FROM range(21) AS t(i)
    UNION ALL SELECT 60000 + i, NULL, 'H1', DATE '2025-08-01', 'D1', CAST(5 AS DECIMAL(10,2)), 'basic' FROM range(7) AS t(i)`);
  await data.run(`CREATE TABLE population AS
    SELECT i AS person_id, 'P' || CAST(i AS VARCHAR) AS id_number, 'x' AS name, CASE WHEN i % 2 = 0 THEN 'F' ELSE 'M' END AS gender,
           DATE '1950-01-01' + CAST(i * 37 AS INTEGER) AS birth_date, 'D' || CAST(i % 4 AS VARCHAR) AS district,
           'college' AS education, 'employed' AS employment_status, CAST(i * 1000 AS DECIMAL(12,2)) AS annual_income
    FROM range(1, 1006) AS t(i)`);
});

afterAll(() => {
  data?.closeSync();
  instance?.closeSync();
});

/** A number to 12 significant digits, written without trailing zeros: 2471, 2471.00 and 2470.9999999999999 alike. */
function significant(value: unknown): string {
  return String(Number(Number(value).toPrecision(12)));
}

/** The raw per-group statistics of the SQL a rewrite runs, keyed by its group keys. */
async function statistics(sql: string, facts: RewriteFacts, options: RewriteOptions) {
  const analysis = await analyze(parser, sql);
  const plan = analysis.aggregate!;
  const params = (analysis.statement as { named_param_map?: unknown }).named_param_map;
  const rewritten = rewriteAggregate(plan, params, facts, options);
  const rendered = await parser.runAndReadAll("SELECT json_deserialize_sql($1::VARCHAR::JSON)", [
    JSON.stringify(rewritten.inner),
  ]);
  const executed = rewritten.wrap(String(rendered.getRowsJson()[0]![0]));
  const reader = await data.runAndReadAll(executed);
  const types = new Map(reader.columnNames().map((name, i) => [name, reader.columnType(i).toString()]));
  const names = [
    ...rewritten.columns.values,
    ...rewritten.columns.contributors,
    ...[...rewritten.columns.dominance.values()].flatMap((d) =>
      "largest" in d ? [d.largest] : [d.topN, d.top1, d.top2],
    ),
    // Grade 2's sticky noise is seeded by each figure's set of units and sized by its sums' largest
    // unit totals: a faster form must give the same, or the same query would draw other noise
    // once the facts it uses were verified. (A count of units' single rows has no largest totals.)
    ...[...rewritten.columns.sticky.entries()].flatMap(([j, seeds]) => [
      seeds.units,
      ...(plan.measures[j]!.kind === "sum" ? [seeds.largest!] : []),
      ...(seeds.smallest ? [seeds.smallest] : []),
    ]),
  ];
  const byGroup = new Map<string, Record<string, string>>();
  for (const row of reader.getRowObjectsJson()) {
    const key = JSON.stringify(rewritten.columns.keys.map((k) => row[k]));
    byGroup.set(
      key,
      Object.fromEntries(
        names.map((name, i) => {
          const value = row[name];
          // A count is 0 whether DuckDB says 0 or nothing; a number to 12 significant digits (a
          // sum is DOUBLE in the general form, in the column's own type where its facts allow),
          // but for the units' hashes (UBIGINT), compared whole.
          const text =
            value === null || value === undefined
              ? "null"
              : /^(DOUBLE|DECIMAL|HUGEINT|BIGINT|INTEGER)/.test(types.get(name) ?? "")
                ? Array.isArray(value)
                  ? value.map(significant).join(",")
                  : significant(value)
                : String(value);
          // By position: equal statistics may share one column under either name.
          return [String(i), text];
        }),
      ),
    );
  }
  return { sql: executed, byGroup };
}

async function expectEqualToGeneral(sql: string, facts: RewriteFacts) {
  const fast = await statistics(sql, facts, {});
  const general = await statistics(sql, {}, { unitPartials: false, cutAtRank: false });
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
    expect(fast.sql).toContain("__cut AS");
    expect(fast.sql).not.toContain("ORDER BY");
    expect(general.sql).toContain("__unit_totals");
    // The dominating firm's clamped total is each month's largest: the figures are really there
    // (first in the list of the largest unit totals that sticky noise and dominance read).
    const january = general.byGroup.get(JSON.stringify(["2025-01-01"]))!;
    expect(Object.values(january).map((figure) => figure.split(",")[0])).toContain("200000000");
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

describe("contribution bounding by a cut at each unit's cap-th row hash", () => {
  it("keeps the rows the ranking keeps: units far over, just over and at the cap, and tied rows", async () => {
    const { fast, general } = await expectEqualToGeneral(
      "SELECT diagnosis, count(*) AS visits, sum(cost) AS total, avg(cost) AS mean FROM medical_visits GROUP BY diagnosis",
      {},
    );
    expect(fast.sql).toContain("__cut AS");
    expect(fast.sql).not.toMatch(/ORDER BY|__counted/);
    expect(general.sql).toContain("row_number() OVER (PARTITION BY __pu ORDER BY");
    // Over all groups: each person's visits up to the cap of 20, the 30 identical ones of 1002
    // (all tied at the cut) included.
    const { fast: all } = await expectEqualToGeneral("SELECT count(*) AS visits FROM medical_visits", {});
    const capped = await data.runAndReadAll(
      "SELECT sum(least(n, 20)) FROM (SELECT person_id, count(*) AS n FROM medical_visits WHERE person_id IS NOT NULL GROUP BY person_id)",
    );
    expect(Object.values(all.byGroup.get("[]")!)[1]).toBe(String(capped.getRowsJson()[0]![0]));
  });

  it("agree with filters that take a unit back under the cap, counts of distinct values and no group keys", async () => {
    await expectEqualToGeneral(
      "SELECT hospital, count(*) AS visits, count(DISTINCT diagnosis) AS kinds FROM medical_visits WHERE visit_date >= DATE '2025-03-20' GROUP BY hospital",
      {},
    );
    await expectEqualToGeneral("SELECT count(*) AS visits, sum(cost) AS total FROM medical_visits", {});
    await expectEqualToGeneral(
      "SELECT diagnosis, count(*) AS n FROM medical_visits WHERE visit_date >= DATE '2025-04-01' GROUP BY diagnosis",
      {},
    );
  });

  it("agree over a join, with conditional aggregates and a bucketed date key", async () => {
    await expectEqualToGeneral(
      "SELECT p.district, date_trunc('month', v.visit_date) AS m, count(*) AS visits, sum(v.cost) FILTER (WHERE v.diagnosis = 'D2') AS d2_cost FROM medical_visits v JOIN population p ON v.person_id = p.person_id GROUP BY p.district, m",
      {},
    );
  });
});

describe("distinct units counted as bits of a bitmap over the units' verified range", () => {
  const range: RewriteFacts = { unitRange: { min: 1n, max: 1005n }, maxGroups: 200 };

  it("agree on units, counts, conditional sums and contributors, over and within the cap", async () => {
    const { fast } = await expectEqualToGeneral(
      "SELECT diagnosis, count(*) AS visits, count(cost) AS priced, sum(cost) AS total, sum(cost) FILTER (WHERE hospital = 'H1') AS h1 FROM medical_visits GROUP BY diagnosis",
      range,
    );
    expect(fast.sql).toContain("bitstring_agg(__pu, 1, 1005)");
    expect(fast.sql).not.toContain("DISTINCT __pu");
  });

  it("agree without group keys, over a join, and where no row is left", async () => {
    await expectEqualToGeneral("SELECT count(*) AS visits FROM medical_visits", range);
    await expectEqualToGeneral(
      "SELECT p.district, count(DISTINCT p.person_id) AS patients, avg(v.cost) AS mean_cost FROM population p JOIN medical_visits v ON p.person_id = v.person_id GROUP BY p.district",
      range,
    );
    const none = await expectEqualToGeneral(
      "SELECT count(*) AS visits FROM medical_visits WHERE visit_date > DATE '2030-01-01'",
      range,
    );
    expect([...none.fast.byGroup.values()][0]).toMatchObject({ "0": "0" });
  });

  it("are not used when the bitmaps would not fit their memory budget", async () => {
    const { fast } = await expectEqualToGeneral(
      "SELECT diagnosis, count(*) AS visits FROM medical_visits GROUP BY diagnosis",
      { unitRange: { min: 0n, max: 10n ** 12n }, maxGroups: 7 },
    );
    expect(fast.sql).toContain("count(DISTINCT __pu)");
    expect(fast.sql).not.toContain("bitstring_agg");
  });
});

describe("what a plan says bounds its groups", () => {
  it("names the one column each key is computed from, and the unit's column", async () => {
    const analysis = await analyze(
      parser,
      "SELECT p.district, date_trunc('month', v.visit_date) AS m, 'all' AS everyone, CASE WHEN v.insurance_type = 'basic' THEN v.diagnosis ELSE v.hospital END AS what, count(*) AS n FROM medical_visits v JOIN population p ON v.person_id = p.person_id GROUP BY p.district, m, everyone, what",
    );
    const plan = analysis.aggregate!;
    expect(plan.keySources).toEqual([
      { dataset: "population", column: "district", bare: true },
      {
        dataset: "medical_visits",
        column: "visit_date",
        bare: false,
        bucket: { kind: "trunc", unit: "month" },
      },
      "constant",
      null,
    ]);
    expect(plan.unitColumn?.column).toBe("person_id");
  });

  it("names the calendar period a key puts a date column into, and nothing for other functions of it", async () => {
    const analysis = await analyze(
      parser,
      "SELECT date_trunc('week', visit_date) AS w, month(visit_date) AS mo, year(visit_date) AS y, dayofweek(visit_date) AS d, visit_date + 1 AS next_day, date_trunc('month', visit_date + 1) AS shifted, count(*) AS n FROM medical_visits GROUP BY w, mo, y, d, next_day, shifted",
    );
    const buckets = analysis.aggregate!.keySources.map((s) =>
      s && s !== "constant" ? (s.bucket ?? null) : s,
    );
    expect(buckets).toEqual([
      { kind: "trunc", unit: "week" },
      { kind: "part", unit: "month" },
      { kind: "part", unit: "year" },
      { kind: "part", unit: "weekday" },
      // Arithmetic on the date, then a period of that: the column's span is no longer the key's.
      null,
      null,
    ]);
    // Nor a period of a date a subquery computed: its span need not be the column's.
    const derived = await analyze(
      parser,
      "SELECT date_trunc('month', d) AS m, count(*) AS n FROM (SELECT CASE WHEN visit_date > DATE '2024-06-01' THEN visit_date ELSE DATE '1900-01-01' END AS d FROM medical_visits) AS v GROUP BY m",
    );
    const [source] = derived.aggregate!.keySources;
    expect(source && source !== "constant" ? source.bucket : "none").toBeUndefined();
    // A subquery passing the column on unchanged keeps it.
    const passed = await analyze(
      parser,
      "SELECT date_trunc('month', visit_date) AS m, count(*) AS n FROM (SELECT visit_date, person_id FROM medical_visits) AS v GROUP BY m",
    );
    const [kept] = passed.aggregate!.keySources;
    expect(kept && kept !== "constant" ? kept.bucket : undefined).toEqual({ kind: "trunc", unit: "month" });
  });
});

describe("rows taken as unit totals where each unit has one row per group", () => {
  it("agree on units, sums, contributors and dominance figures, with a firm dominating every month", async () => {
    // One row per firm and month (the fact the caller verifies), the dominating firm, NULL units,
    // months and values, zero and negative values kept.
    await data.run("CREATE SCHEMA IF NOT EXISTS once");
    await data.run(
      "CREATE OR REPLACE TABLE once.electricity_usage AS SELECT DISTINCT ON (uscc, month) * FROM electricity_usage ORDER BY uscc, month, kwh DESC NULLS LAST",
    );
    const most = await data.runAndReadAll(
      "SELECT max(n) FROM (SELECT count(*) AS n FROM once.electricity_usage WHERE uscc IS NOT NULL GROUP BY uscc, month)",
    );
    expect(Number(most.getRowsJson()[0]![0])).toBe(1);
    await data.run("SET schema = 'once'");
    try {
      const { fast } = await expectEqualToGeneral(
        "SELECT month, count(*) AS n, sum(kwh) AS kwh, sum(kwh) FILTER (WHERE kwh > 1000) AS big FROM electricity_usage GROUP BY month",
        { unitOncePerGroup: true },
      );
      expect(fast.sql).not.toMatch(/__units|__unit_totals|DISTINCT __pu|LEFT JOIN/);
      const january = Object.values(fast.byGroup.get(JSON.stringify(["2025-01-01"]))!);
      expect(january.some((figure) => Number(figure.split(",")[0]) === 2e8)).toBe(true);
      await expectEqualToGeneral(
        "SELECT month, avg(kwh) AS mean FROM electricity_usage WHERE month >= DATE '2025-03-01' GROUP BY month",
        { unitOncePerGroup: true },
      );
    } finally {
      await data.run("SET schema = 'main'");
    }
  });
});

describe("units over the cap listed from verified counts, not counted per query", () => {
  it("agree where the list also holds units the query's rows leave within the cap, or that it never reads", async () => {
    // Every person over the cap of 20 (1001: 45, 1002: 30, 1003: 25, 1005: 21), plus one with 4
    // visits and one without any: a superset, as the counts of the whole table give.
    await data.run(
      "CREATE OR REPLACE TEMP TABLE over_cap_test AS SELECT * FROM (VALUES (1001), (1002), (1003), (1005), (77), (999999)) AS t(__pu)",
    );
    const listed: RewriteFacts = { overCapUnits: "over_cap_test" };
    const { fast } = await expectEqualToGeneral(
      "SELECT diagnosis, count(*) AS visits, sum(cost) AS total FROM medical_visits GROUP BY diagnosis",
      listed,
    );
    expect(fast.sql).toContain('FROM temp.main."over_cap_test"');
    expect(fast.sql).not.toContain("HAVING count(*)");
    // From April on, 1001 has 15 visits: listed, yet all kept.
    await expectEqualToGeneral(
      "SELECT diagnosis, count(*) AS visits, sum(cost) AS total FROM medical_visits WHERE visit_date >= DATE '2025-04-01' GROUP BY diagnosis",
      listed,
    );
    await expectEqualToGeneral(
      "SELECT p.district, count(*) AS visits, avg(v.cost) AS mean_cost FROM medical_visits v JOIN population p ON v.person_id = p.person_id GROUP BY p.district",
      listed,
    );
  });
});

describe("each unit kept to one group, where the keys come from a table of one row per unit", () => {
  const byDistrict =
    "SELECT p.district, count(DISTINCT v.person_id) AS persons, count(*) AS visits, sum(v.cost) AS total FROM medical_visits v JOIN population p ON v.person_id = p.person_id GROUP BY p.district";

  it("drops nothing when every person has one population row: the shortcut the facts allow equals the enforced form", async () => {
    const { fast, general } = await expectEqualToGeneral(byDistrict, { keysFollowUnit: true });
    expect(general.sql).toContain("__unit_keys AS");
    expect(fast.sql).not.toContain("__unit_keys");
    await expectEqualToGeneral(
      "SELECT p.district, p.gender, count(*) AS visits FROM medical_visits v LEFT JOIN population p USING (person_id) GROUP BY p.district, p.gender",
      { keysFollowUnit: true },
    );
    await expectEqualToGeneral(
      "SELECT year(p.birth_date) // 10 AS decade, count(DISTINCT v.person_id) AS persons FROM medical_visits v JOIN population p USING (person_id) GROUP BY decade",
      { keysFollowUnit: true },
    );
  });

  it("keeps a person with two population rows in two districts (data untrue to its manifest) in one of them", async () => {
    // Person 7 (district D3) gets a second row in D9: the join gives each of their visits twice.
    await data.run(
      "INSERT INTO population SELECT person_id, id_number, name, gender, birth_date, 'D9', education, employment_status, annual_income FROM population WHERE person_id = 7",
    );
    try {
      const enforced = await statistics(byDistrict, {}, {});
      const persons = [...enforced.byGroup.values()].reduce((sum, figures) => sum + Number(figures["0"]), 0);
      const distinct = await data.runAndReadAll(
        "SELECT count(DISTINCT v.person_id) FROM medical_visits v JOIN population p ON v.person_id = p.person_id",
      );
      // Every person counted in exactly one district: the unit counts add up to the persons.
      expect(persons).toBe(Number(distinct.getRowsJson()[0]![0]));
      // Kept in the smaller key, D3; without the rule they would count in D9 as well.
      expect(enforced.byGroup.has(JSON.stringify(["D9"]))).toBe(false);
    } finally {
      await data.run("DELETE FROM population WHERE person_id = 7 AND district = 'D9'");
    }
  });
});

describe("figures of sums whose values are verified non-zero", () => {
  // Copies of the tables without zero or negative values (NULLs kept): what the column's verified
  // range then says is true, and lets the rewrite test `IS NOT NULL` (or nothing) for `<> 0`.
  beforeAll(async () => {
    await data.run("CREATE SCHEMA IF NOT EXISTS nonzero");
    await data.run(
      "CREATE OR REPLACE TABLE nonzero.electricity_usage AS SELECT * FROM main.electricity_usage WHERE kwh IS NULL OR kwh >= 1",
    );
    // One row per firm and month, every one with a value.
    await data.run("CREATE SCHEMA IF NOT EXISTS nonzero_once");
    await data.run(
      "CREATE OR REPLACE TABLE nonzero_once.electricity_usage AS SELECT DISTINCT ON (uscc, month) * FROM nonzero.electricity_usage WHERE kwh IS NOT NULL ORDER BY uscc, month, kwh DESC",
    );
    for (const table of ["enterprises", "population"])
      await data.run(`CREATE OR REPLACE TABLE nonzero.${table} AS SELECT * FROM main.${table}`);
  });

  /** The facts a domain verifies about each column a measure reads (storage/data-domain.ts's profile). */
  async function verifiedValues(sql: string): Promise<RewriteFacts["measureValues"]> {
    const plan = (await analyze(parser, sql)).aggregate!;
    return Promise.all(
      plan.measures.map(async (m) => {
        if (!m.column) return undefined;
        const column = `"${m.column.column}"`;
        const row = (
          await data.runAndReadAll(
            `SELECT typeof(any_value(${column})), count(*) > count(${column}), CAST(floor(min(${column})) AS HUGEINT)::VARCHAR, CAST(ceil(max(${column})) AS HUGEINT)::VARCHAR FROM ${m.column.dataset}`,
          )
        ).getRowsJson()[0]!;
        return {
          type: String(row[0]),
          hasNulls: row[1] === true,
          range: { min: BigInt(String(row[2])), max: BigInt(String(row[3])) },
        };
      }),
    );
  }

  async function expectNonZeroFormEqual(sql: string, facts: RewriteFacts = {}) {
    const measureValues = await verifiedValues(sql);
    expect(measureValues!.some((v) => v !== undefined && v.range!.min > 0n)).toBe(true);
    const result = await expectEqualToGeneral(sql, { ...facts, measureValues });
    // The form under test: the sum's figures no longer ask whether a clamped value or a unit
    // total is zero (a count's may still ask of its own totals).
    const zeroTests = (sql: string) => sql.split("<> 0").length - 1;
    expect(zeroTests(result.fast.sql)).toBeLessThan(zeroTests(result.general.sql));
    expect(result.fast.sql).not.toMatch(/END <> 0/);
    return result;
  }

  it("count the same contributors and seed from the same units, with NULL values, a firm over the cap and one dominating", async () => {
    await data.run("SET schema = 'nonzero'");
    try {
      const { fast } = await expectNonZeroFormEqual(
        "SELECT month, count(*) AS n, sum(kwh) AS kwh FROM electricity_usage GROUP BY month",
      );
      // Nor does the count ask it of its units' row counts in the group: each is at least one.
      expect(fast.sql).not.toContain("<> 0");
      // The firm with no value in February adds to the count of rows, not to the sum's units.
      const february = Object.values(fast.byGroup.get(JSON.stringify(["2025-02-01"]))!);
      expect(new Set(february).size).toBeGreaterThan(1);
      await expectNonZeroFormEqual(
        "SELECT month, sum(kwh) FILTER (WHERE kwh > 50000) AS big, avg(kwh) AS mean FROM electricity_usage WHERE month < DATE '2025-07-01' GROUP BY month",
      );
      await expectNonZeroFormEqual("SELECT sum(kwh) AS kwh FROM electricity_usage");
    } finally {
      await data.run("SET schema = 'main'");
    }
  });

  it("agree where each row is its unit's total in the group, and in a DP release of a conditional sum", async () => {
    await data.run("SET schema = 'nonzero'");
    try {
      const unique: RewriteFacts = { unitUniquePerRow: true };
      const { fast } = await expectNonZeroFormEqual(
        "SELECT industry, count(*) AS n, sum(registered_capital) AS capital FROM enterprises GROUP BY industry",
        unique,
      );
      // Capital has NULLs: its units are tested for a value, no longer for a non-zero one.
      expect(fast.sql).toContain("IS NOT NULL");
      await expectNonZeroFormEqual(
        "SELECT district, sum(registered_capital) FILTER (WHERE industry = 'A') AS a_capital FROM enterprises GROUP BY district",
        unique,
      );
      await expectNonZeroFormEqual(
        "SELECT district, sum(annual_income) FILTER (WHERE gender = 'F') AS women_income FROM population GROUP BY district",
      );
      await data.run("SET schema = 'nonzero_once'");
      // Each row its firm's total in the month, never NULL: every firm of the month adds to the sum.
      const once = await expectNonZeroFormEqual(
        "SELECT month, sum(kwh) AS kwh FROM electricity_usage GROUP BY month",
        { unitOncePerGroup: true },
      );
      expect(once.fast.sql).not.toContain("FILTER");
    } finally {
      await data.run("SET schema = 'main'");
    }
  });
});

describe("unit totals clamped in each unit's one group, only the units listed as possibly over the bound added up alone", () => {
  // cost: bounds [0, 200000], unitMax 200000. Over it in the table: 1004 (20 visits of 300000),
  // 1001 (45 visits, 100..144) is not; the list is a superset, as the verified totals give: it
  // also holds a person within the bound (77) and one without visits (999999).
  beforeAll(async () => {
    await data.run(`CREATE OR REPLACE TEMP TABLE over_bound_test AS
      SELECT person_id AS __pu FROM medical_visits WHERE person_id IS NOT NULL GROUP BY person_id
        HAVING sum(CASE WHEN cost > 200000 THEN 200000 ELSE cost END) > 200000
      UNION ALL SELECT * FROM (VALUES (77), (999999))`);
  });
  const listed: RewriteFacts = {
    overBoundUnits: "over_bound_test",
    unitRange: { min: 1n, max: 1005n },
    maxGroups: 200,
  };
  const byDistrict =
    "SELECT p.district, count(*) AS visits, avg(v.cost) AS mean_cost, sum(v.cost) AS total FROM medical_visits v JOIN population p ON v.person_id = p.person_id GROUP BY p.district";

  it("agree with each unit's total clamped, over the cap and over the bound, where keys follow the unit", async () => {
    const over = await data.runAndReadAll("SELECT count(*) FROM over_bound_test");
    expect(Number(over.getRowsJson()[0]![0])).toBeGreaterThan(2);
    const { fast, general } = await expectEqualToGeneral(byDistrict, { ...listed, keysFollowUnit: true });
    expect(fast.sql).toContain('IN (SELECT __pu FROM temp.main."over_bound_test")');
    expect(fast.sql).toContain("GROUP BY __g0, __lp");
    expect(general.sql).toContain("GROUP BY __g0, __pu");
    // The clamp cut something: 1004's 20 visits of 200,000 (after the row clamp) count once, at 200,000.
    const withoutClamp = await data.runAndReadAll(
      "SELECT sum(CASE WHEN v.cost > 200000 THEN 200000 ELSE v.cost END) FROM medical_visits v JOIN population p USING (person_id)",
    );
    const totals = [...fast.byGroup.values()].reduce((sum, figures) => sum + Number(figures["2"]), 0);
    expect(totals).toBeLessThan(Number(withoutClamp.getRowsJson()[0]![0]));
  });

  it("agree with a unit count, a filter, keys of two columns and each unit kept to one group by the rewrite", async () => {
    await expectEqualToGeneral(
      "SELECT p.district, count(DISTINCT v.person_id) AS persons, sum(v.cost) AS total FROM medical_visits v JOIN population p ON v.person_id = p.person_id WHERE v.visit_date >= DATE '2025-03-01' GROUP BY p.district",
      { ...listed, keysFollowUnit: true },
    );
    await expectEqualToGeneral(
      "SELECT p.district, p.gender, avg(v.cost) AS mean_cost FROM medical_visits v JOIN population p USING (person_id) GROUP BY p.district, p.gender",
      { ...listed, keysFollowUnit: true },
    );
    // Without the fact that keys follow the unit, each unit's rows are first kept to one group.
    const { fast } = await expectEqualToGeneral(byDistrict, listed);
    expect(fast.sql).toContain("__one_group");
    expect(fast.sql).toContain("__lp");
  });

  it("are not used where a figure reads units one by one, or without the list", async () => {
    // A conditional sum's contributors are counted unit by unit.
    const conditional = await statistics(
      "SELECT p.district, sum(v.cost) FILTER (WHERE v.hospital = 'H1') AS h1_total FROM medical_visits v JOIN population p USING (person_id) GROUP BY p.district",
      { ...listed, keysFollowUnit: true },
      {},
    );
    expect(conditional.sql).not.toContain("__lp");
    const unlisted = await statistics(
      byDistrict,
      { ...listed, overBoundUnits: undefined, keysFollowUnit: true },
      {},
    );
    expect(unlisted.sql).not.toContain("__lp");
  });
});
