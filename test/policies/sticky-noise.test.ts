import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryPrivacyBudgetLedger } from "../../control/privacy-budget.ts";
import { createQueryService, type QueryService, type SqlConnection } from "../../control/query-service.ts";
import {
  FLATTENED_UNITS,
  flattenedFigure,
  seededNormal,
  stickyGroup,
  stickyLayers,
  stickyThreshold,
} from "../../policies/sticky-noise.ts";
import { DEMO_MANIFESTS, demoLicense, openDemoDomain, TEST_NOISE_SALT } from "./fixtures.ts";

/**
 * Grade 2's sticky seeded noise (policies/sticky-noise.ts): the same figure for the same
 * computation however written or repeated, an independent draw for another set of units, every
 * figure with its accuracy, and no unit able to move a figure by more than the noise hides.
 */

describe("sticky seeds", () => {
  it("draw the same normal for the same seed and another for another seed or salt", () => {
    const a = seededNormal(TEST_NOISE_SALT, ["units", "figure", "group", "123"]);
    expect(seededNormal(TEST_NOISE_SALT, ["units", "figure", "group", "123"])).toBe(a);
    expect(seededNormal(TEST_NOISE_SALT, ["units", "figure", "group", "124"])).not.toBe(a);
    expect(seededNormal(new Uint8Array(32).fill(8), ["units", "figure", "group", "123"])).not.toBe(a);
  });

  it("are standard normal over many seeds", () => {
    const draws = Array.from({ length: 20_000 }, (_, i) => seededNormal(TEST_NOISE_SALT, [i]));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / draws.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(variance).toBeGreaterThan(0.95);
    expect(variance).toBeLessThan(1.05);
    // Two layers (over figures, each with its static layer): standard deviation √2.
    const layers = Array.from({ length: 20_000 }, (_, i) => stickyLayers(TEST_NOISE_SALT, `f${i}`, "g", "u"));
    const layerVariance = layers.reduce((s, x) => s + x * x, 0) / layers.length;
    expect(layerVariance).toBeGreaterThan(1.9);
    expect(layerVariance).toBeLessThan(2.1);
  });

  it("raise the threshold by 0 to 6 units, the same for the same units", () => {
    const offsets = new Set<number>();
    for (let i = 0; i < 2_000; i++) {
      const t = stickyThreshold(TEST_NOISE_SALT, 10, "f", "g", String(i));
      expect(t).toBeGreaterThanOrEqual(10);
      expect(t).toBeLessThanOrEqual(16);
      expect(stickyThreshold(TEST_NOISE_SALT, 10, "f", "g", String(i))).toBe(t);
      offsets.add(t - 10);
    }
    expect(offsets.size).toBe(7);
  });

  it("name a group by its keys' forms and values in any key order", () => {
    expect(stickyGroup(["a", "b"], ["x", 1])).toBe(stickyGroup(["b", "a"], [1, "x"]));
    expect(stickyGroup(["a", "b"], ["x", 1])).not.toBe(stickyGroup(["a", "b"], ["x", 2]));
    expect(stickyGroup(["a"], [null])).not.toBe(stickyGroup(["a"], ["null"]));
  });
});

describe("flattening", () => {
  it("brings the largest unit totals down to the average of the next ones, whatever their size", () => {
    const others = [40, 30, 20, 10, 5, 5, 5];
    const total = others.reduce((s, v) => s + v, 0);
    const plain = flattenedFigure(total, others.slice(0, 6), null, false);
    // A tracker amplifies one firm (`x * 100`): it becomes the largest unit total.
    const amplified = flattenedFigure(total + 9_960, [10_000, 40, 30, 20, 10, 5], null, false);
    // Without flattening the two answers would differ by 9,960; flattened, by less than σ.
    expect(Math.abs(amplified.value - plain.value)).toBeLessThanOrEqual(plain.sigma);
    expect(plain.sigma).toBe(16); // the average of ranks 3–6 (20, 10, 5, 5 → 10), up to a power of two
    expect(FLATTENED_UNITS).toBe(2);
  });

  it("takes σ ≥ 1 for counts, 0 for sums whose every large unit total is zero, and both sides for signed sums", () => {
    expect(flattenedFigure(12, [1, 1, 1, 1, 1, 1], null, true)).toEqual({ value: 12, sigma: 1 });
    expect(flattenedFigure(0, [0, 0, 0], null, false)).toEqual({ value: 0, sigma: 0 });
    const signed = flattenedFigure(-1_000, [5, 4, 3, 2, 1, 0], [-900, -50, -40, -30, -20, -10], false);
    // The two most negative units come up to the average of the next ones (-25), the two largest down to 1.5.
    expect(signed.value).toBeCloseTo(-1_000 + 875 + 25 - 3.5 - 2.5, 9);
    expect(signed.sigma).toBe(32);
  });
});

let demo: Awaited<ReturnType<typeof openDemoDomain>>;
let domain: SqlConnection;
let service: QueryService;

beforeAll(async () => {
  demo = await openDemoDomain("sticky-noise-");
  domain = demo.domain;
  service = createQueryService({
    domain,
    parser: demo.parser,
    ledger: new InMemoryPrivacyBudgetLedger(),
    noiseSalt: TEST_NOISE_SALT,
  });
});

afterAll(() => demo?.remove());

const at = new Date("2026-03-01T00:00:00Z");
const ask = (sql: string, params: (string | number)[] = []) =>
  service.execute({ sql, params, license: demoLicense(), manifests: DEMO_MANIFESTS, at });

async function truth(sql: string): Promise<Record<string, unknown>[]> {
  return (await domain.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

describe("grade 2 releases (enterprises)", () => {
  const sumByDistrict =
    "SELECT district, count(*) AS n, sum(registered_capital) AS capital FROM enterprises GROUP BY district";

  it("are noisy, with each figure's noise scale and 95% interval, and charge no budget", async () => {
    const answer = await ask(sumByDistrict);
    expect(answer.verdict.rewrites).toContain("noise:sticky_seeded");
    expect(answer.verdict.epsilonCharged).toBe(0);
    const exact = new Map(
      (
        await truth(
          "SELECT district, count(*)::INTEGER AS n, sum(registered_capital)::DOUBLE AS capital FROM enterprises GROUP BY district",
        )
      ).map((r) => [r.district, r]),
    );
    expect(answer.rows.length).toBeGreaterThan(3);
    let moved = 0;
    let released = 0;
    for (const [i, [district, n, capital]] of answer.rows.entries()) {
      const [keyAccuracy, nAccuracy, capitalAccuracy] = answer.accuracy![i]!;
      expect(keyAccuracy).toBeNull();
      expect(nAccuracy!.scale).toBeGreaterThan(0);
      expect(nAccuracy!.ci95).toBeCloseTo(1.96 * nAccuracy!.scale!, 9);
      expect(Number.isInteger(n)).toBe(true);
      const real = exact.get(district)!;
      // The noise is of the size the figure says (a flattened figure can move further: 8 SDs).
      expect(Math.abs(Number(n) - Number(real.n))).toBeLessThanOrEqual(8 * nAccuracy!.scale!);
      // A total one firm dominates is withheld (dominance rule), with no accuracy.
      if (capital === null) expect(capitalAccuracy).toBeNull();
      else {
        expect(capitalAccuracy!.scale).toBeGreaterThan(0);
        released++;
        if (capital !== Number(real.capital)) moved++;
      }
    }
    expect(released).toBeGreaterThan(0);
    expect(moved).toBe(released);
  });

  it("give the same figures when repeated and when rephrased", async () => {
    const base = await ask(
      "SELECT district, sum(registered_capital) AS s FROM enterprises WHERE established_on > DATE '2010-01-01' AND status = 'operating' GROUP BY district",
    );
    expect(base.rows.length).toBeGreaterThan(0);
    const rephrasings = [
      "SELECT district, sum(registered_capital) AS s FROM enterprises WHERE established_on > DATE '2010-01-01' AND status = 'operating' GROUP BY district",
      "SELECT e.district AS d, sum(e.registered_capital) AS total FROM enterprises AS e WHERE status = 'operating' AND established_on > DATE '2010-01-01' GROUP BY e.district",
      "SELECT district, sum(registered_capital) AS s FROM enterprises WHERE NOT established_on <= DATE '2010-01-01' AND status = 'operating' GROUP BY 1",
      "SELECT sum(registered_capital) AS s, district FROM enterprises WHERE status = 'operating' AND DATE '2010-01-01' < established_on AND true GROUP BY district",
    ];
    const bySum = (rows: readonly (readonly unknown[])[], keyAt: number, sumAt: number) =>
      new Map(rows.map((r) => [r[keyAt], r[sumAt]]));
    const expected = bySum(base.rows, 0, 1);
    for (const [i, sql] of rephrasings.entries()) {
      const answer = await ask(sql);
      const got = i === 3 ? bySum(answer.rows, 1, 0) : bySum(answer.rows, 0, 1);
      expect(got, sql).toEqual(expected);
    }
    // The same figure in a query that also asks another: still the same figure.
    const wider = await ask(
      "SELECT district, count(*) AS n, sum(registered_capital) AS s FROM enterprises WHERE established_on > DATE '2010-01-01' AND status = 'operating' GROUP BY district",
    );
    expect(bySum(wider.rows, 0, 2)).toEqual(expected);
  });

  it("draw other noise for another set of units: differencing one firm out gives noise, not its capital", async () => {
    // A firm alone in its (date, district, industry) cell, in a district of many firms.
    const [firm] = await truth(
      `SELECT CAST(established_on AS VARCHAR) AS e, district AS d, industry AS i,
              CAST(any_value(registered_capital) AS DOUBLE) AS cap
       FROM enterprises GROUP BY established_on, district, industry
       HAVING count(*) = 1 AND any_value(registered_capital) > 0 ORDER BY e LIMIT 1`,
    );
    const target = `(established_on = DATE '${firm!.e}' AND district = '${firm!.d}' AND industry = '${firm!.i}')`;
    const all = await ask(
      `SELECT sum(registered_capital) AS s FROM enterprises WHERE district = '${firm!.d}'`,
    );
    const without = await ask(
      `SELECT sum(registered_capital) AS s FROM enterprises WHERE district = '${firm!.d}' AND NOT ${target}`,
    );
    const [exactAll] = await truth(
      `SELECT sum(registered_capital)::DOUBLE AS s FROM enterprises WHERE district = '${firm!.d}'`,
    );
    const noiseAll = Number(all.rows[0]![0]) - Number(exactAll!.s);
    const noiseWithout = Number(without.rows[0]![0]) - (Number(exactAll!.s) - Number(firm!.cap));
    // Two independent draws, not one shared offset the difference would cancel.
    expect(noiseAll).not.toBeCloseTo(noiseWithout, 0);
    const difference = Number(all.rows[0]![0]) - Number(without.rows[0]![0]);
    expect(difference).not.toBeCloseTo(Number(firm!.cap), 0);
    // The noise hides a firm of the district's larger sizes: σ is at least a typical large firm's capital.
    expect(all.accuracy![0]![0]!.scale!).toBeGreaterThan(Number(firm!.cap) / 100);
  });

  it("hold a group of fewer than k firms back and release one well above k", async () => {
    const answer = await ask(
      "SELECT district, industry, count(*) AS n FROM enterprises GROUP BY district, industry",
    );
    const exact = await truth(
      "SELECT district, industry, count(*)::INTEGER AS n FROM enterprises GROUP BY district, industry",
    );
    const released = new Set(answer.rows.map((r) => `${r[0]}|${r[1]}`));
    for (const row of exact) {
      const key = `${row.district}|${row.industry}`;
      if (Number(row.n) < 10) expect(released.has(key), key).toBe(false);
      if (Number(row.n) > 16) expect(released.has(key), key).toBe(true);
    }
    expect(answer.verdict.suppressedGroups).toBeGreaterThan(0);
  });
});
