import { beforeAll, describe, expect, it } from "vitest";
import type { SqlConnection } from "../../control/query-service.ts";
import { measureAccuracies, releaseAggregate } from "../../policies/aggregation.ts";
import { DatasetManifest } from "../../policies/manifest.ts";
import { rewriteAggregate } from "../../policies/rewrite.ts";
import { analyze, DEMO_MANIFESTS, parserConnection } from "./fixtures.ts";

// A person's visits joined to their one population row all share the row's district: kept to one
// group, a person adds one to one district's count of persons, so that count's noise is one
// person's, not the cap of 20 visits'. The plan says so only where the keys come from datasets of
// one row per unit, and the rewrite enforces it whatever the data (rewrite-equivalence.test.ts).

let parser: SqlConnection;

beforeAll(async () => {
  parser = await parserConnection();
});

const plan = async (sql: string) => (await analyze(parser, sql)).aggregate!;

describe("which plans keep each unit to one group", () => {
  it("those grouped by columns of population over visits joined to it", async () => {
    const byDistrict = await plan(
      "SELECT p.district, count(DISTINCT v.person_id) AS persons FROM medical_visits v JOIN population p ON v.person_id = p.person_id GROUP BY p.district",
    );
    expect(byDistrict.oneGroupPerUnit).toBe(true);
    expect(byDistrict.outerJoinsOnUnitsOnly).toBe(true);
    const banded = await plan(
      "SELECT p.gender, year(p.birth_date) AS born, count(*) AS visits FROM medical_visits v LEFT JOIN population p USING (person_id) GROUP BY p.gender, born",
    );
    expect(banded.oneGroupPerUnit).toBe(true);
    expect(banded.outerJoinsOnUnitsOnly).toBe(true);
  });

  it("not those whose keys come from a table of several rows per unit, or mix tables, or are constant", async () => {
    for (const sql of [
      "SELECT diagnosis, count(*) AS visits FROM medical_visits GROUP BY diagnosis",
      "SELECT p.district, v.hospital, count(*) AS visits FROM medical_visits v JOIN population p ON v.person_id = p.person_id GROUP BY p.district, v.hospital",
      "SELECT CASE WHEN v.hospital = 'x' THEN p.district END AS d, count(*) AS visits FROM medical_visits v JOIN population p ON v.person_id = p.person_id GROUP BY d",
      "SELECT count(*) AS visits FROM medical_visits v JOIN population p ON v.person_id = p.person_id",
    ])
      expect((await plan(sql)).oneGroupPerUnit, sql).toBe(false);
    // One row per person already: each unit is in one group without the rule.
    expect(
      (await plan("SELECT district, count(*) AS n FROM population GROUP BY district")).oneGroupPerUnit,
    ).toBe(false);
    // Grade 2 has no ε to spend better.
    expect(
      (
        await plan(
          "SELECT e.district, count(*) AS n FROM electricity_usage u JOIN enterprises e ON u.uscc = e.uscc GROUP BY e.district",
        )
      ).oneGroupPerUnit,
    ).toBe(false);
  });

  it("an outer join on more than the unit may match part of a unit's rows: the facts cannot skip the rule", async () => {
    const partial = await plan(
      "SELECT p.district, count(*) AS visits FROM medical_visits v LEFT JOIN population p ON v.person_id = p.person_id AND v.visit_date > p.birth_date GROUP BY p.district",
    );
    expect(partial.oneGroupPerUnit).toBe(true);
    expect(partial.outerJoinsOnUnitsOnly).toBe(false);
    // An inner join's extra condition only filters: a unit's remaining rows still share the row.
    const inner = await plan(
      "SELECT p.district, count(*) AS visits FROM medical_visits v JOIN population p ON v.person_id = p.person_id AND v.visit_date > p.birth_date GROUP BY p.district",
    );
    expect(inner.outerJoinsOnUnitsOnly).toBe(true);
  });
});

describe("what keeping each unit to one group buys", () => {
  it("unit counts noised to one person, not the cap; counts of rows and sums unchanged", async () => {
    const sql =
      "SELECT p.district, count(DISTINCT v.person_id) AS persons, count(*) AS visits, sum(v.cost) AS total FROM medical_visits v JOIN population p ON v.person_id = p.person_id GROUP BY p.district";
    const kept = await plan(sql);
    const [units, visits, total] = measureAccuracies(kept, 0.5);
    const spread = measureAccuracies({ ...kept, oneGroupPerUnit: false }, 0.5);
    expect(units!.scale! * 20).toBeCloseTo(spread[0]!.scale!, 6);
    expect(visits).toEqual(spread[1]);
    expect(total).toEqual(spread[2]);
    expect(rewriteAggregate(kept, undefined).rewrites).toContain("one_group_per_unit");
  });

  it("releases noise of that scale: the spread of a thousand released unit counts matches it", () => {
    return plan(
      "SELECT p.district, count(DISTINCT v.person_id) AS persons FROM medical_visits v JOIN population p ON v.person_id = p.person_id GROUP BY p.district",
    ).then((kept) => {
      const columns = rewriteAggregate(kept, undefined).columns;
      const raw = [{ [columns.keys[0]!]: "新城区", [columns.values[0]!]: 5_000 }];
      const released = Array.from(
        { length: 1_000 },
        () =>
          releaseAggregate(kept, columns, raw, { epsilon: 0.5, partitionDelta: 1e-6 }).rows[0]![1] as number,
      );
      const mean = released.reduce((a, b) => a + b, 0) / released.length;
      const sd = Math.sqrt(released.reduce((a, b) => a + (b - mean) ** 2, 0) / released.length);
      // Laplace of scale 1/ε = 2 has sd 2√2 ≈ 2.8; with the cap's 20 it would be 57.
      expect(sd).toBeGreaterThan(2);
      expect(sd).toBeLessThan(4);
    });
  });
});

describe("a unit's total clamped where the column declares bounds.unitMax", () => {
  const byDistrict =
    "SELECT p.district, sum(v.cost) AS total, avg(v.cost) AS mean_cost FROM medical_visits v JOIN population p ON v.person_id = p.person_id GROUP BY p.district";

  it("noises a sum at one person's total, not the cap times a visit's bound", async () => {
    const kept = await plan(byDistrict);
    const sum = kept.measures.find((m) => m.kind === "sum")!;
    expect(sum.unitMax).toBe(200_000);
    const clamped = measureAccuracies(kept, 0.5);
    const perVisit = measureAccuracies(
      { ...kept, measures: kept.measures.map(({ unitMax: _, ...m }) => m) },
      0.5,
    );
    const j = kept.measures.indexOf(sum);
    // 20 visits of 200,000 against one person's 200,000: twenty times less noise.
    expect(perVisit[j]!.scale! / clamped[j]!.scale!).toBeCloseTo(20, 0);
    expect(rewriteAggregate(kept, undefined).rewrites).toContain("clamp_unit_total:200000");
  });

  it("in every DP plan, for a column read as it is: clamped in the one group, or scaled over the query", async () => {
    const boundsOf = async (sql: string) => {
      const p = await plan(sql);
      return {
        unitMax: p.measures.filter((m) => m.kind === "sum").map((m) => m.unitMax),
        how: rewriteAggregate(p, undefined).rewrites.filter((r) => r.includes("_unit_total:")),
      };
    };
    // Diagnoses: a person's visits spread over several; their total over all of them is bounded.
    expect(
      await boundsOf("SELECT diagnosis, sum(cost) AS total FROM medical_visits GROUP BY diagnosis"),
    ).toEqual({ unitMax: [200_000], how: ["scale_unit_total:200000"] });
    // An expression of the column is not the column: its bound is not the column's.
    expect(
      await boundsOf(
        "SELECT p.district, sum(v.cost * 2) AS total FROM medical_visits v JOIN population p USING (person_id) GROUP BY p.district",
      ),
    ).toEqual({ unitMax: [undefined], how: [] });
    // Unit totals per (group, unit) come from partials, which count(DISTINCT x) cannot give: scaled.
    expect(
      await boundsOf(
        "SELECT p.district, sum(v.cost) AS total, count(DISTINCT v.hospital) AS hospitals FROM medical_visits v JOIN population p USING (person_id) GROUP BY p.district",
      ),
    ).toEqual({ unitMax: [200_000], how: ["scale_unit_total:200000"] });
    // A filter keeps it: a unit's filtered total is within its total.
    expect(
      await boundsOf(
        "SELECT p.district, sum(v.cost) FILTER (WHERE v.insurance_type = 'self-pay') AS self_paid FROM medical_visits v JOIN population p USING (person_id) GROUP BY p.district",
      ),
    ).toEqual({ unitMax: [200_000], how: ["clamp_unit_total:200000"] });
  });

  it("noises a sum spread over groups at one person's total over the query, not the cap times a visit's bound", async () => {
    const spread = await plan("SELECT diagnosis, sum(cost) AS total FROM medical_visits GROUP BY diagnosis");
    const j = spread.measures.findIndex((m) => m.kind === "sum");
    const scaled = measureAccuracies(spread, 0.5)[j]!;
    const perVisit = measureAccuracies(
      { ...spread, measures: spread.measures.map(({ unitMax: _, ...m }) => m) },
      0.5,
    )[j]!;
    expect(perVisit.scale! / scaled.scale!).toBeCloseTo(20, 0);
  });

  it("is refused on a column that may be negative", () => {
    const visits = DEMO_MANIFESTS.find((m) => m.name === "medical_visits")!;
    const negative = {
      ...visits,
      columns: visits.columns.map((c) =>
        c.name === "cost" ? { ...c, bounds: { min: -100, max: 200_000, unitMax: 200_000 } } : c,
      ),
    };
    expect(() => DatasetManifest.parse(negative)).toThrow(
      /unitMax applies to columns that are never negative/,
    );
  });
});
