import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryPrivacyBudgetLedger } from "../../control/privacy-budget.ts";
import {
  createQueryService,
  type EngineFacts,
  periodsSpanned,
  verifyDomainFacts,
} from "../../control/query-service.ts";
import { DatasetManifest } from "../../policies/manifest.ts";
import { generateDemoDomain } from "../../seeds/generate.ts";
import { type DataDomain, openDataDomain } from "../../storage/data-domain.ts";
import { tempDir } from "../support/duckdb.ts";
import { DEMO_MANIFESTS, demoLicense, NOTHING_KNOWN, parserConnection, TEST_NOISE_SALT } from "./fixtures.ts";

// Each shortcut the rewrite takes on verified facts, held against data built to break it: the
// hostile domain has an income far above its bound, a resident with more visits than the cap, a
// row without a unit and an income left NULL. The rewritten SQL is run as is and its per-group
// statistics (before noise, so nothing here depends on a draw) are compared with the same
// statistics computed independently, by the general rule.

let folder: Awaited<ReturnType<typeof tempDir>>;
let clean: DataDomain;
let hostile: DataDomain;
let hostileFile: string;
/** The resident given 45 visits (cap 20), and the one whose income is 50M (bound 2M). */
let heavy: { person: number; district: string };
let rich: { person: number; district: string };
let costless: { person: number; district: string };
/** The firm given a second January reading, a year earlier. */
let twice: string;

beforeAll(async () => {
  folder = await tempDir("aos-facts-");
  const file = join(folder.dir, "clean.duckdb");
  await generateDemoDomain({ file, scale: 0.002 });
  const dirty = join(folder.dir, "hostile.duckdb");
  await copyFile(file, dirty);
  const instance = await DuckDBInstance.create(dirty);
  const connection = await instance.connect();
  const one = async (sql: string) => (await connection.runAndReadAll(sql)).getRowsJson()[0]!;
  const [richId, richDistrict] = await one(
    "SELECT person_id, district FROM population ORDER BY person_id LIMIT 1",
  );
  rich = { person: Number(richId), district: String(richDistrict) };
  await connection.run(`UPDATE population SET annual_income = 50000000 WHERE person_id = ${rich.person}`);
  await connection.run(
    "UPDATE population SET annual_income = NULL WHERE person_id = (SELECT max(person_id) FROM population)",
  );
  await connection.run(
    "INSERT INTO population BY NAME SELECT * REPLACE (CAST(NULL AS BIGINT) AS person_id) FROM population WHERE person_id = (SELECT min(person_id) + 1 FROM population)",
  );
  const [heavyId, heavyDistrict] = await one(
    "SELECT p.person_id, p.district FROM population p JOIN medical_visits m USING (person_id) ORDER BY p.person_id DESC LIMIT 1",
  );
  heavy = { person: Number(heavyId), district: String(heavyDistrict) };
  // A resident whose every visit has no cost: a sum must add nothing for them (not a bound).
  const [costlessId, costlessDistrict] = await one(
    `SELECT p.person_id, p.district FROM population p JOIN medical_visits m USING (person_id) WHERE p.person_id NOT IN (${rich.person}, ${heavy.person}) ORDER BY p.person_id LIMIT 1`,
  );
  costless = { person: Number(costlessId), district: String(costlessDistrict) };
  await connection.run(`UPDATE medical_visits SET cost = NULL WHERE person_id = ${costless.person}`);
  await connection.run(`INSERT INTO medical_visits BY NAME
    SELECT v.* REPLACE (v.visit_id * 1000 + g.i AS visit_id, CAST(1000 * g.i AS DECIMAL(10,2)) AS cost)
    FROM (SELECT * FROM medical_visits WHERE person_id = ${heavy.person} LIMIT 1) AS v, range(45) AS g(i)`);
  // A firm whose latest reading is dated a year before its first month's: two rows in one month
  // number, and no more rows than before (the cap of 12 cuts none).
  const [twiceFirm] = await one(
    "SELECT uscc FROM electricity_usage GROUP BY uscc HAVING count(*) > 1 ORDER BY uscc LIMIT 1",
  );
  twice = String(twiceFirm);
  await connection.run(`UPDATE electricity_usage SET month = (SELECT min(month) - INTERVAL 1 YEAR FROM electricity_usage WHERE uscc = '${twice}')
    WHERE uscc = '${twice}' AND month = (SELECT max(month) FROM electricity_usage WHERE uscc = '${twice}')`);
  connection.closeSync();
  instance.closeSync();
  clean = await openDataDomain(file, { threads: 1 });
  hostile = await openDataDomain(dirty, { threads: 1 });
  hostileFile = dirty;
  await verifyDomainFacts(clean.facts, DEMO_MANIFESTS);
  await verifyDomainFacts(hostile.facts, DEMO_MANIFESTS);
});

afterAll(async () => {
  clean?.close();
  hostile?.close();
  await folder?.remove();
});

/** The demo manifests with population's income bounds replaced (and a bound on a person's total). */
function incomeBounds(min: number, max: number, unitMax?: number): DatasetManifest[] {
  const bounds = { min, max, ...(unitMax === undefined ? {} : { unitMax }) };
  return DEMO_MANIFESTS.map((m) =>
    m.name !== "population"
      ? m
      : DatasetManifest.parse({
          ...m,
          columns: m.columns.map((c) => (c.name === "annual_income" ? { ...c, bounds } : c)),
        }),
  );
}

/** The SQL the engine would run, and its raw per-group rows keyed by its first group key. */
async function rewritten(domain: DataDomain, sql: string, manifests = DEMO_MANIFESTS, facts?: EngineFacts) {
  const connection = await domain.connect();
  const explained = await createQueryService({
    noiseSalt: TEST_NOISE_SALT,
    domain: connection,
    parser: await parserConnection(),
    ledger: new InMemoryPrivacyBudgetLedger(),
    ...(facts ? { facts } : {}),
  }).explain({ sql, license: demoLicense({}, manifests), manifests, at: new Date() });
  const executed = explained.executedSql!;
  const rows = (await connection.runAndReadAll(executed)).getRowObjectsJson();
  return {
    sql: executed,
    rewrites: explained.rewrites,
    byGroup: new Map(rows.map((r) => [String(r.__g0), r])),
    rows,
  };
}

async function reference(domain: DataDomain, sql: string) {
  const connection = await domain.connect();
  const rows = (await connection.runAndReadAll(sql)).getRowObjectsJson();
  return new Map(rows.map((r) => [String(r.g), r]));
}

const INCOME =
  "SELECT district, count(*) AS n, avg(annual_income) AS mean_income FROM population GROUP BY district";

describe("clamping on verified ranges", () => {
  it("leaves out the clamp where every income lies within the bounds, and the sums agree", async () => {
    const { sql, byGroup } = await rewritten(clean, INCOME, incomeBounds(0, 1_000_000_000));
    expect(sql).not.toMatch(/CASE WHEN __m1|TRY_CAST\(__m1/);
    const truth = await reference(
      clean,
      "SELECT district AS g, count(*) AS units, sum(annual_income) AS s FROM population GROUP BY district",
    );
    for (const [district, row] of byGroup) {
      expect(Number(row.__v0)).toBe(Number(truth.get(district)!.units));
      expect(Number(row.__v1)).toBe(Number(truth.get(district)!.s));
    }
  });

  it("clamps in a domain where one income exceeds the bound, with the same policy", async () => {
    const { sql, byGroup } = await rewritten(hostile, INCOME, incomeBounds(0, 1_000_000_000));
    // 50M is within [0, 1e9]: no clamp needed even here. A 2M bound is crossed, so it clamps.
    expect(sql).not.toMatch(/CASE WHEN __m1/);
    const clamped = await rewritten(hostile, INCOME);
    expect(clamped.sql).toContain("WHEN __m1 > CAST(2000000 AS INTEGER) THEN CAST(2000000 AS INTEGER)");
    const truth = await reference(
      hostile,
      "SELECT district AS g, sum(least(annual_income, 2000000)) AS s FROM population WHERE person_id IS NOT NULL GROUP BY district",
    );
    expect(Number(clamped.byGroup.get(rich.district)!.__v1)).toBe(Number(truth.get(rich.district)!.s));
    expect(Number(byGroup.get(rich.district)!.__v1)).toBeGreaterThan(Number(truth.get(rich.district)!.s));
  });

  it("clamps again in the same process once a policy moves the bounds inside the data", async () => {
    // The facts stay those of the data; the bounds are compared afresh for every query.
    const loose = await rewritten(clean, INCOME, incomeBounds(0, 1_000_000_000));
    const tight = await rewritten(clean, INCOME, incomeBounds(1000, 50_000));
    expect(loose.sql).not.toMatch(/CASE WHEN __m1/);
    expect(tight.sql).toContain("WHEN __m1 > CAST(50000 AS INTEGER)");
    expect(tight.sql).toContain("WHEN __m1 < CAST(1000 AS INTEGER)");
    const truth = await reference(
      clean,
      "SELECT district AS g, sum(greatest(least(annual_income, 50000), 1000)) AS s FROM population GROUP BY district",
    );
    for (const [district, row] of tight.byGroup)
      expect(Number(row.__v1)).toBe(Number(truth.get(district)!.s));
  });

  it("adds nothing for a row outside a conditional sum, whatever the lower bound", async () => {
    const { byGroup } = await rewritten(
      clean,
      "SELECT district, sum(annual_income) FILTER (WHERE gender = 'male') AS men FROM population GROUP BY district",
      incomeBounds(1000, 50_000),
    );
    const truth = await reference(
      clean,
      "SELECT district AS g, sum(greatest(least(annual_income, 50000), 1000)) FILTER (WHERE gender = 'male') AS s FROM population GROUP BY district",
    );
    for (const [district, row] of byGroup) expect(Number(row.__v1)).toBe(Number(truth.get(district)!.s));
  });
});

describe("counts and units on verified facts", () => {
  it("drops no row for a unit only where the unit column is verified free of NULLs", async () => {
    const fast = await rewritten(clean, INCOME);
    expect(fast.rewrites).toContain("unit_unique_per_row");
    expect(fast.sql).not.toContain("__pu IS NOT NULL");
    const guarded = await rewritten(hostile, INCOME);
    expect(guarded.rewrites).toContain("unit_unique_per_row");
    expect(guarded.sql).toContain("__pu IS NOT NULL");
    const truth = await reference(
      hostile,
      "SELECT district AS g, count(person_id) AS units, count(annual_income) FILTER (WHERE person_id IS NOT NULL) AS incomes FROM population GROUP BY district",
    );
    for (const [district, row] of guarded.byGroup) {
      expect(Number(row.__v0)).toBe(Number(truth.get(district)!.units));
    }
    // An income left NULL is not counted in the mean's denominator.
    for (const [district, row] of guarded.byGroup) {
      expect(Number(row.__v2)).toBe(Number(truth.get(district)!.incomes));
    }
    expect([...guarded.byGroup.values()].some((row) => Number(row.__v2) < Number(row.__v0))).toBe(true);
  });

  it("keeps TRY() around predicates that could raise, and only drops it around text comparisons", async () => {
    const text = await rewritten(
      clean,
      "SELECT district, count(*) AS n FROM population WHERE district <> 'x' AND gender IN ('male', 'female') AND education IS NOT NULL GROUP BY district",
    );
    expect(text.sql).not.toContain("TRY(");
    const dated = await rewritten(
      clean,
      "SELECT district, count(*) AS n FROM population WHERE birth_date < DATE '1990-01-01' AND district <> 'x' GROUP BY district",
    );
    expect(dated.sql).toContain("TRY(");
  });
});

/** The demo manifests with medical_visits' contribution bound replaced. */
function visitsCap(cap: number): DatasetManifest[] {
  return DEMO_MANIFESTS.map((m) =>
    m.name === "medical_visits" ? DatasetManifest.parse({ ...m, maxContributionsPerUnit: cap }) : m,
  );
}

describe("contribution bounding of a join", () => {
  const JOIN =
    "SELECT p.district, count(*) AS visits, avg(m.cost) AS mean_cost FROM population p JOIN medical_visits m ON p.person_id = m.person_id GROUP BY p.district";

  it("needs no window where every unit's rows are verified within the cap, and keeps it where one is not", async () => {
    const most = await clean.facts.verifyMaxRowsPerValue("medical_visits", "person_id");
    const within = await rewritten(clean, JOIN, visitsCap(most!));
    expect(within.rewrites).toContain("unit_rows_within_bound");
    expect(within.sql).not.toMatch(/row_number|__cut/);
    const truth = await reference(
      clean,
      "SELECT p.district AS g, count(DISTINCT p.person_id) AS units, count(*) AS n FROM population p JOIN medical_visits m ON p.person_id = m.person_id GROUP BY p.district",
    );
    for (const [district, row] of within.byGroup) {
      expect([Number(row.__v0), Number(row.__v1)]).toEqual([
        Number(truth.get(district)!.units),
        Number(truth.get(district)!.n),
      ]);
    }
    // One row per unit fewer than the most any unit has: the same data needs the window.
    const below = await rewritten(clean, JOIN, visitsCap(most! - 1));
    expect(below.rewrites).not.toContain("unit_rows_within_bound");
    expect(below.sql).toContain("__cut AS");
    // The hostile domain's resident with 45 more visits exceeds a cap the clean data stays within.
    const hostileMost = await hostile.facts.verifyMaxRowsPerValue("medical_visits", "person_id");
    expect(hostileMost).toBeGreaterThan(most!);
    expect((await rewritten(hostile, JOIN, visitsCap(most!))).sql).toContain("__cut AS");
  });

  it("keeps each person to one district without a step where population's units are verified unique", async () => {
    const kept = await rewritten(clean, JOIN);
    expect(kept.rewrites).toContain("one_group_per_unit");
    expect(kept.sql).not.toContain("__unit_keys");
    // A key computed from one column of the person's one row is the same on all their visits.
    const banded = await rewritten(
      clean,
      "SELECT year(p.birth_date) // 10 AS decade, count(*) AS visits FROM population p JOIN medical_visits m ON p.person_id = m.person_id GROUP BY decade",
    );
    expect(banded.rewrites).toContain("one_group_per_unit");
    expect(banded.sql).not.toContain("__unit_keys");
    // An outer join on more than the person may pad some of a person's visits and not others;
    // population read twice may pair a visit with two rows: the step stays.
    for (const sql of [
      "SELECT p.district, count(*) AS visits FROM medical_visits m LEFT JOIN population p ON p.person_id = m.person_id AND m.visit_date > DATE '2025-06-01' GROUP BY p.district",
      "SELECT p.district, count(*) AS visits FROM medical_visits m JOIN population p ON p.person_id = m.person_id JOIN population q ON q.person_id = m.person_id GROUP BY p.district",
    ]) {
      const enforced = await rewritten(clean, sql);
      expect(enforced.rewrites, sql).toContain("one_group_per_unit");
      expect(enforced.sql, sql).toContain("__unit_keys AS");
    }
  });

  it("counts a table read twice twice: a self-join multiplies a unit's rows", async () => {
    const most = await clean.facts.verifyMaxRowsPerValue("medical_visits", "person_id");
    expect(most).toBeGreaterThan(1);
    const selfJoin = await rewritten(
      clean,
      "SELECT a.hospital, count(*) AS pairs FROM medical_visits a JOIN medical_visits b ON a.person_id = b.person_id GROUP BY a.hospital",
      visitsCap(most!),
    );
    expect(selfJoin.sql).toContain("__cut AS");
    const squared = await rewritten(
      clean,
      "SELECT a.hospital, count(*) AS pairs FROM medical_visits a JOIN medical_visits b ON a.person_id = b.person_id GROUP BY a.hospital",
      visitsCap(most! * most!),
    );
    expect(squared.rewrites).toContain("unit_rows_within_bound");
  });

  it("caps a resident with more visits than the cap, keeping the rows the ranking of every unit keeps", async () => {
    const { sql, byGroup } = await rewritten(hostile, JOIN);
    expect(sql).toContain("__cut AS");
    // The units over the cap come from the counts verified at start (the heavy resident among
    // them), not from counting the query's rows per unit; population has one row per person.
    const over = await hostile.facts.verifyUnitsOverRows("medical_visits", "person_id", 20);
    expect(over?.values).toContain(BigInt(heavy.person));
    expect(sql).toContain('temp.main."aos_over_cap_medical_visits_20"');
    expect(sql).not.toContain("HAVING count(*)");
    // The list lives in the job's connection; a query naming it is refused like any table not licensed.
    const connection = await hostile.connect();
    const service = createQueryService({
      noiseSalt: TEST_NOISE_SALT,
      domain: connection,
      parser: await parserConnection(),
      ledger: new InMemoryPrivacyBudgetLedger(),
    });
    await service.explain({ sql: JOIN, license: demoLicense(), manifests: DEMO_MANIFESTS, at: new Date() });
    for (const probe of [
      "SELECT count(*) AS n FROM aos_over_cap_medical_visits_20",
      "SELECT count(*) AS n FROM temp.main.aos_over_cap_medical_visits_20",
      "SELECT count(*) AS n FROM medical_visits WHERE person_id IN (SELECT __pu FROM aos_over_cap_medical_visits_20)",
    ]) {
      await expect(
        service.execute({ sql: probe, license: demoLicense(), manifests: DEMO_MANIFESTS, at: new Date() }),
      ).rejects.toMatchObject({
        code: expect.stringMatching(/SQL_NOT_ALLOWED|POLICY_VIOLATION|NOT_LICENSED/),
      });
    }
    connection.closeSync();
    // Every unit ranked by the same hash, as the general rule does, the first 20 kept.
    const truth = await reference(
      hostile,
      `WITH r AS (SELECT p.person_id AS pu, p.district AS g, m.cost AS c FROM population p JOIN medical_visits m ON p.person_id = m.person_id WHERE p.person_id IS NOT NULL),
       kept AS (SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY pu ORDER BY hash(pu, g, 1, c, c)) AS rn FROM r) WHERE rn <= 20)
       SELECT g, count(*) AS units, sum(n) AS n, sum(CASE WHEN s > 200000 THEN 200000 ELSE s END) AS s
       FROM (SELECT g, pu, count(*) AS n, sum(CASE WHEN c > 200000 THEN 200000 ELSE c END) AS s FROM kept GROUP BY g, pu) GROUP BY g`,
    );
    expect(byGroup.size).toBe(truth.size);
    for (const [district, row] of byGroup) {
      const expected = truth.get(district)!;
      expect([Number(row.__v0), Number(row.__v1)]).toEqual([Number(expected.units), Number(expected.n)]);
      // Each person's costs in their district clamped to the column's unitMax (a DOUBLE sum).
      expect(Number(row.__v2)).toBeCloseTo(Number(expected.s), 4);
    }
    // The resident given 45 more visits counts 20 rows: the group's row count is the capped sum.
    const capped = await reference(
      hostile,
      `SELECT p.district AS g, sum(least(n, 20)) AS n FROM population p JOIN (SELECT person_id, count(*) AS n FROM medical_visits GROUP BY person_id) v ON p.person_id = v.person_id WHERE p.district = '${heavy.district}' GROUP BY p.district`,
    );
    expect(Number(byGroup.get(heavy.district)!.__v1)).toBe(Number(capped.get(heavy.district)!.n));
    const visits = await reference(
      hostile,
      `SELECT 'all' AS g, count(*) AS n FROM medical_visits WHERE person_id = ${heavy.person}`,
    );
    expect(Number(visits.get("all")!.n)).toBeGreaterThan(20);
  });
});

/** The visits' cost column as its unitMax bounds it: each person's costs, clamped, at most 200,000. */
const COST_TOTAL = { column: "cost", bounds: { lo: 0, hi: 200_000 }, total: 200_000 };

describe("a unit's total over the query bounded by unitMax (sums spread over groups)", () => {
  const BY_DIAGNOSIS =
    "SELECT diagnosis, count(*) AS visits, sum(cost) AS total FROM medical_visits GROUP BY diagnosis";

  it("scales the rows of a person whose costs over all diagnoses exceed it down to it, and no one else's", async () => {
    // A cap of 100 visits keeps every row (the heavy resident has 45 more than the cap of 20):
    // what is left to compare is the scaling alone.
    const manifests = visitsCap(100);
    const { sql, rewrites, byGroup } = await rewritten(hostile, BY_DIAGNOSIS, manifests);
    expect(rewrites).toContain("scale_unit_total:200000");
    expect(sql).toContain("__unit_scale AS");
    // Only the units verified at start to be over the bound in the whole table are added up
    // (the heavy resident among them), not every unit's rows.
    const over = await hostile.facts.verifyUnitsOverTotal("medical_visits", "person_id", COST_TOTAL);
    expect(over?.values).toContain(BigInt(heavy.person));
    expect(sql).toMatch(
      /FROM __rows SEMI JOIN temp\.main\."aos_over_bound_medical_visits_[0-9a-f]{16}" USING \(__pu\)/,
    );
    const truth = await reference(
      hostile,
      `WITH r AS (SELECT person_id AS pu, diagnosis AS g, least(greatest(cost, 0), 200000) AS c FROM medical_visits WHERE person_id IS NOT NULL),
       f AS (SELECT pu, least(1, 200000 / sum(c)) AS f FROM r GROUP BY pu)
       SELECT g, count(*) AS n, sum(c * f) AS s FROM r JOIN f USING (pu) GROUP BY g`,
    );
    expect(byGroup.size).toBe(truth.size);
    for (const [diagnosis, row] of byGroup) {
      const expected = truth.get(diagnosis)!;
      expect(Number(row.__v1), diagnosis).toBe(Number(expected.n));
      expect(Number(row.__v2), diagnosis).toBeCloseTo(Number(expected.s), 2);
    }
    // The heavy resident's rows add exactly 200,000 over all diagnoses together, however many.
    const heavyShare = await reference(
      hostile,
      `WITH r AS (SELECT person_id AS pu, least(greatest(cost, 0), 200000) AS c FROM medical_visits WHERE person_id = ${heavy.person})
       SELECT 'all' AS g, sum(c) AS raw, sum(c * least(1, 200000 / (SELECT sum(c) FROM r))) AS kept FROM r`,
    );
    expect(Number(heavyShare.get("all")!.raw)).toBeGreaterThan(200_000);
    expect(Number(heavyShare.get("all")!.kept)).toBeCloseTo(200_000, 4);
    // Without the bound the same rows sum to more: the scaling is what took the difference away.
    const unbounded = DatasetManifest.parse({
      ...manifests.find((m) => m.name === "medical_visits")!,
      columns: manifests
        .find((m) => m.name === "medical_visits")!
        .columns.map((c) => (c.name === "cost" ? { ...c, bounds: { min: 0, max: 200_000 } } : c)),
    });
    const plain = await rewritten(
      hostile,
      BY_DIAGNOSIS,
      manifests.map((m) => (m.name === "medical_visits" ? unbounded : m)),
    );
    const sumOf = (rows: Map<string, Record<string, unknown>>) =>
      [...rows.values()].reduce((a, r) => a + Number(r.__v2), 0);
    expect(sumOf(plain.byGroup) - sumOf(byGroup)).toBeGreaterThan(0);
  });

  it("scales over a filter's rows only: a person over the bound in the table but not in the query keeps every cost", async () => {
    // The heavy resident's 45 added visits share one date: leaving that date out leaves them
    // within the bound in this query, though over it in the table (and so listed).
    const [day] = Object.values(
      (
        await reference(
          hostile,
          `SELECT 'all' AS g, CAST(visit_date AS VARCHAR) AS d FROM medical_visits WHERE person_id = ${heavy.person} GROUP BY visit_date ORDER BY count(*) DESC LIMIT 1`,
        )
      ).get("all")!,
    ).slice(1);
    const filter = `visit_date <> DATE '${String(day)}'`;
    const FILTERED = `SELECT diagnosis, count(*) AS visits, sum(cost) AS total FROM medical_visits WHERE ${filter} GROUP BY diagnosis`;
    const manifests = visitsCap(100);
    const listed = await rewritten(hostile, FILTERED, manifests);
    expect(listed.sql).toContain("aos_over_bound_medical_visits_");
    const heavyTotals = await reference(
      hostile,
      `SELECT 'all' AS g, sum(least(cost, 200000)) AS whole, sum(least(cost, 200000)) FILTER (WHERE ${filter}) AS kept FROM medical_visits WHERE person_id = ${heavy.person}`,
    );
    expect(Number(heavyTotals.get("all")!.whole)).toBeGreaterThan(200_000);
    expect(Number(heavyTotals.get("all")!.kept)).toBeLessThanOrEqual(200_000);
    const truth = await reference(
      hostile,
      `WITH r AS (SELECT person_id AS pu, diagnosis AS g, least(greatest(cost, 0), 200000) AS c FROM medical_visits WHERE person_id IS NOT NULL AND ${filter}),
       f AS (SELECT pu, least(1, 200000 / sum(c)) AS f FROM r GROUP BY pu)
       SELECT g, count(*) AS n, sum(c * f) AS s FROM r JOIN f USING (pu) GROUP BY g`,
    );
    expect(listed.byGroup.size).toBe(truth.size);
    for (const [diagnosis, row] of listed.byGroup) {
      const expected = truth.get(diagnosis)!;
      expect(Number(row.__v1), diagnosis).toBe(Number(expected.n));
      expect(Number(row.__v2), diagnosis).toBeCloseTo(Number(expected.s), 2);
    }
    // The same figures on the general path: a domain whose facts are not verified yet.
    const unverified = await openDataDomain(hostileFile, { threads: 1 });
    try {
      const general = await rewritten(unverified, FILTERED, manifests);
      expect(general.sql).not.toContain("aos_over_bound");
      expect(general.sql).toContain("__unit_scale AS");
      for (const [diagnosis, row] of general.byGroup)
        expect(Number(row.__v2), diagnosis).toBeCloseTo(Number(listed.byGroup.get(diagnosis)!.__v2), 2);
    } finally {
      // The checks the first query started finish before the domain closes.
      await verifyDomainFacts(unverified.facts, manifests);
      unverified.close();
    }
  });

  it("adds up every unit where the summed column is not the table with several rows per unit", async () => {
    // Income repeated once per visit in a join: a resident's total over the query is income × visits,
    // more than population's one row says, so population's list would miss them.
    const manifests = incomeBounds(0, 2_000_000, 1_000_000);
    await verifyDomainFacts(hostile.facts, manifests);
    const { sql, rewrites } = await rewritten(
      hostile,
      "SELECT m.diagnosis, sum(p.annual_income) AS income FROM population p JOIN medical_visits m ON p.person_id = m.person_id GROUP BY m.diagnosis",
      manifests,
    );
    expect(rewrites).toContain("scale_unit_total:1000000");
    expect(sql).toContain("__unit_scale AS");
    expect(sql).not.toContain("aos_over_bound");
  });

  it("clamps each row where every unit has one row: the row is the unit's total", async () => {
    const capped = incomeBounds(0, 2_000_000, 1_000_000);
    const { sql, rewrites, byGroup } = await rewritten(
      hostile,
      "SELECT district, sum(annual_income) AS total FROM population GROUP BY district",
      capped,
    );
    expect(rewrites).toContain("scale_unit_total:1000000");
    expect(sql).not.toContain("__unit_scale");
    const truth = await reference(
      hostile,
      "SELECT district AS g, sum(CASE WHEN annual_income > 1000000 THEN 1000000 ELSE annual_income END) AS s FROM population WHERE person_id IS NOT NULL GROUP BY district",
    );
    // A resident whose income is NULL adds nothing (DuckDB's least() would have made it the bound).
    const nulls = await reference(
      hostile,
      "SELECT district AS g, count(*) AS n FROM population WHERE annual_income IS NULL AND person_id IS NOT NULL GROUP BY district",
    );
    expect(nulls.size).toBe(1);
    for (const [district, row] of byGroup)
      expect(Number(row.__v1), district).toBe(Number(truth.get(district)!.s));
    // The resident with 50M adds 1M, not the row bound's 2M.
    expect(Number(byGroup.get(rich.district)!.__v1)).toBe(Number(truth.get(rich.district)!.s));
  });
});

describe("groups bounded by the calendar periods a date column spans", () => {
  const day = (y: number, m: number, d: number, h = 0) => Date.UTC(y, m - 1, d, h) / 1000;
  const span = (from: number, to: number) => ({
    type: "DATE",
    hasNulls: false,
    range: null,
    epochRange: { min: from, max: to },
  });

  it("counts the periods between the least and greatest date, one more for a time zone", () => {
    const year = span(day(2023, 11, 15), day(2024, 2, 10));
    expect(periodsSpanned({ kind: "trunc", unit: "month" }, year)).toBe(5); // Nov–Feb, and one
    expect(periodsSpanned({ kind: "trunc", unit: "year" }, year)).toBe(3);
    expect(periodsSpanned({ kind: "trunc", unit: "quarter" }, year)).toBe(4);
    expect(periodsSpanned({ kind: "trunc", unit: "day" }, span(day(2024, 1, 1), day(2024, 1, 3)))).toBe(5);
    expect(periodsSpanned({ kind: "trunc", unit: "hour" }, span(day(2024, 1, 1), day(2024, 1, 1, 5)))).toBe(
      8,
    );
    // A part function takes its own count of values, whatever the span; year() takes the years.
    expect(periodsSpanned({ kind: "part", unit: "month" }, undefined)).toBe(12);
    expect(periodsSpanned({ kind: "part", unit: "weekday" }, undefined)).toBe(7);
    expect(periodsSpanned({ kind: "part", unit: "year" }, year)).toBe(3);
    // Nothing known of the column: no bound from it.
    expect(periodsSpanned({ kind: "trunc", unit: "month" }, undefined)).toBeUndefined();
    expect(
      periodsSpanned({ kind: "trunc", unit: "month" }, { type: "DATE", hasNulls: true, range: null }),
    ).toBeUndefined();
  });

  it("counts distinct persons per month in bitmaps once the visit dates' span is verified, and agrees", async () => {
    const domain = await openDataDomain(join(folder.dir, "clean.duckdb"), { threads: 1 });
    try {
      await verifyDomainFacts(domain.facts, DEMO_MANIFESTS);
      expect(
        (await domain.facts.verifyColumnProfile("medical_visits", "visit_date"))?.epochRange,
      ).toBeDefined();
      const BY_MONTH =
        "SELECT date_trunc('month', visit_date) AS m, count(*) AS visits, avg(cost) AS mean_cost FROM medical_visits GROUP BY m";
      // A cap of 100 visits keeps every row: what is compared is the counting alone.
      const { sql, byGroup } = await rewritten(domain, BY_MONTH, visitsCap(100));
      expect(sql).toContain("bitstring_agg(__pu");
      const truth = await reference(
        domain,
        "SELECT date_trunc('month', visit_date) AS g, count(DISTINCT person_id) AS units FROM medical_visits WHERE person_id IS NOT NULL GROUP BY g",
      );
      expect(byGroup.size).toBe(truth.size);
      for (const [month, row] of byGroup)
        expect(Number(row.__v0), month).toBe(Number(truth.get(month)!.units));
    } finally {
      await verifyDomainFacts(domain.facts, DEMO_MANIFESTS);
      await domain.facts.verifyDistinctValues("medical_visits", "visit_date");
      domain.close();
    }
  });
});

describe("dominance figures", () => {
  it("are the largest unit totals of each group: first and second", async () => {
    // electricity_usage declares dominance (n=1, k=50, p=10): the p% rule needs the second largest.
    const { byGroup } = await rewritten(
      clean,
      "SELECT month, sum(kwh) AS kwh FROM electricity_usage GROUP BY month",
    );
    const truth = await reference(
      clean,
      `WITH t AS (SELECT month AS g, uscc, sum(least(kwh, 200000000)) AS s FROM electricity_usage GROUP BY 1, 2),
       ranked AS (SELECT *, row_number() OVER (PARTITION BY g ORDER BY s DESC) AS r FROM t)
       SELECT g, sum(s) FILTER (WHERE r = 1) AS top1, coalesce(sum(s) FILTER (WHERE r = 2), 0) AS top2 FROM ranked GROUP BY g`,
    );
    expect(byGroup.size).toBe(truth.size);
    for (const [month, row] of byGroup) {
      const expected = truth.get(month)!;
      // Grade 2: read off the list of the six largest firm totals its sticky noise keeps.
      const largest = (row.__hi1 as unknown[]).map(Number);
      expect(largest).toHaveLength(6);
      expect([largest[0], largest[1]]).toEqual([Number(expected.top1), Number(expected.top2)]);
    }
  });
});

describe("one row per unit in each group of a join", () => {
  // Firms' monthly readings by the district of the firm (enterprises: one row per firm) and the
  // month number: no firm has two readings in one month number, unless it has readings in two years.
  const BY_DISTRICT_MONTH =
    "SELECT e.district, month(u.month) AS month, sum(u.kwh) AS kwh FROM electricity_usage u JOIN enterprises e ON u.uscc = e.uscc GROUP BY e.district, month(u.month)";
  const MONTH_NUMBER = { column: "month", bucket: { kind: "part", unit: "month" } } as const;
  const TRUTH = `WITH t AS (SELECT e.district || '|' || month(u.month) AS g, u.uscc, sum(least(u.kwh, 200000000)) AS s
      FROM electricity_usage u JOIN enterprises e ON u.uscc = e.uscc GROUP BY 1, 2)
    SELECT g, count(*) AS units, sum(s) AS total, max(s) AS top FROM t GROUP BY g`;

  async function expectTruth(domain: DataDomain, rows: Record<string, unknown>[]) {
    const truth = await reference(domain, TRUTH);
    expect(rows).toHaveLength(truth.size);
    for (const row of rows) {
      const expected = truth.get(`${row.__g0}|${row.__g1}`)!;
      expect(Number(row.__v0)).toBe(Number(expected.units));
      expect(Number(row.__v1)).toBeCloseTo(Number(expected.total), 2);
      expect(Number((row.__hi1 as unknown[])[0])).toBeCloseTo(Number(expected.top), 2);
    }
  }

  it("takes each row as its firm's total in the group where the month numbers are verified one per firm", async () => {
    expect(await clean.facts.verifyUnitOncePerKey("electricity_usage", "uscc", [MONTH_NUMBER])).toBe(true);
    const { sql, rewrites, rows } = await rewritten(clean, BY_DISTRICT_MONTH);
    expect(rewrites).toContain("unit_once_per_group");
    expect(sql).not.toMatch(/__units|__unit_totals|DISTINCT __pu/);
    await expectTruth(clean, rows);
  });

  it("adds up a firm's rows per group where one firm has two readings in a month number", async () => {
    expect(await hostile.facts.verifyUnitOncePerKey("electricity_usage", "uscc", [MONTH_NUMBER])).toBe(false);
    // Each reading is still one per firm and month: the month itself would not do for month numbers.
    expect(await hostile.facts.verifyUnitOncePerKey("electricity_usage", "uscc", ["month"])).toBe(true);
    const { sql, rewrites, rows } = await rewritten(hostile, BY_DISTRICT_MONTH);
    expect(rewrites).not.toContain("unit_once_per_group");
    expect(sql).toContain("__units");
    await expectTruth(hostile, rows);
    // The firm's two rows in one group, which the data holds.
    const truth = await reference(
      hostile,
      `SELECT e.district AS g, max(n) AS n FROM (SELECT u.uscc, month(u.month), count(*) AS n FROM electricity_usage u WHERE u.uscc = '${twice}' GROUP BY ALL) JOIN enterprises e USING (uscc) GROUP BY e.district`,
    );
    expect([...truth.values()].map((r) => Number(r.n))).toEqual([2]);
  });
});

describe("each person's cost total clamped in their district, the persons over the bound listed", () => {
  const BY_DISTRICT =
    "SELECT p.district, count(DISTINCT p.person_id) AS patients, avg(m.cost) AS mean_cost FROM population p JOIN medical_visits m ON p.person_id = m.person_id GROUP BY p.district";

  it("adds up only the listed persons alone, and gives the general form's figures", async () => {
    for (const domain of [clean, hostile]) {
      const fast = await rewritten(domain, BY_DISTRICT);
      expect(fast.rewrites).toContain("clamp_unit_total:200000");
      expect(fast.sql).toMatch(
        /IN \(SELECT __pu FROM temp\.main\."aos_over_bound_medical_visits_[0-9a-f]+"\)/,
      );
      expect(fast.sql).not.toContain("GROUP BY __g0, __pu");
      const general = await rewritten(domain, BY_DISTRICT, DEMO_MANIFESTS, NOTHING_KNOWN);
      expect(general.sql).toContain("GROUP BY __g0, __pu");
      expect(fast.byGroup.size).toBe(general.byGroup.size);
      for (const [district, row] of general.byGroup) {
        const other = fast.byGroup.get(district)!;
        for (const name of ["__v0", "__v1", "__v2"])
          expect(Number(other[name])).toBeCloseTo(Number(row[name]), 2);
      }
    }
    // The hostile domain's resident with 45 more visits is over the bound: listed, and clamped.
    const listed = await hostile.facts.verifyUnitsOverTotal("medical_visits", "person_id", {
      column: "cost",
      bounds: { lo: 0, hi: 200_000 },
      total: 200_000,
    });
    expect(((listed?.values ?? []) as readonly bigint[]).map(Number)).toContain(heavy.person);
  });
});
