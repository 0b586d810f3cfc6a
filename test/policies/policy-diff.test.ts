import { describe, expect, it } from "vitest";
import { classifyTariffChange, Tariff } from "../../control/tariffs.ts";
import type { ColumnManifest, ColumnRule, DatasetManifest } from "../../policies/manifest.ts";
import { ruleTightens } from "../../policies/manifest.ts";
import { type ChangeEffect, classifyManifestChange } from "../../policies/policy-diff.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";

const demo = (name: string): DatasetManifest => structuredClone(DEMO_MANIFESTS.find((m) => m.name === name)!);
const population = demo("population");
const enterprises = demo("enterprises");

const withColumn = (m: DatasetManifest, name: string, change: (c: ColumnManifest) => ColumnManifest) => ({
  ...m,
  columns: m.columns.map((c) => (c.name === name ? change(c) : c)),
});
const withRule = (m: DatasetManifest, name: string, rule: ColumnRule) =>
  withColumn(m, name, (c) => ({ ...c, rule }));

/** The effects of the changes from `from` to `to`, by path. */
function effects(from: DatasetManifest | null, to: DatasetManifest): Record<string, ChangeEffect> {
  return Object.fromEntries(classifyManifestChange(from, to).changes.map((c) => [c.path, c.effect]));
}

describe("classifyManifestChange", () => {
  it("says a grade lowered loosens, in a readable line, and a grade raised tightens", () => {
    const lowered = classifyManifestChange(population, { ...population, grade: 1 });
    expect(lowered.loosens).toBe(true);
    expect(lowered.changes.map((c) => c.line)).toEqual(["grade: 3 → 1 (loosens)"]);
    const raised = classifyManifestChange(population, { ...population, grade: 4 });
    expect(raised).toMatchObject({ loosens: false, changes: [{ path: "grade", effect: "tightens" }] });
    expect(raised.changes[0]!.line).toBe("grade: 3 → 4 (tightens)");
  });

  it("the issue's measured case: population regraded 3 → 1 with annual_income plain loosens twice", () => {
    const regraded = withRule({ ...population, grade: 1 }, "annual_income", "plain");
    const diff = classifyManifestChange(population, regraded);
    expect(diff.loosens).toBe(true);
    expect(diff.changes.map((c) => c.line)).toEqual([
      "grade: 3 → 1 (loosens)",
      "columns.annual_income.rule: aggregate → plain (loosens)",
    ]);
  });

  it("orders column rules by what they admit, not by their listing: a move tightens only to a subset", () => {
    const tightening: [ColumnRule, ColumnRule][] = [
      ["group", "filter"],
      ["join", "deny"],
      ["plain", "row"],
      ["row", "group"],
      ["row", "join"],
      ["row", "aggregate"],
      ["aggregate", "deny"],
    ];
    const loosening: [ColumnRule, ColumnRule][] = [
      ["filter", "group"],
      ["deny", "join"],
      ["row", "plain"],
      ["group", "row"],
      // Listed as more restrictive, yet each admits a use the other does not:
      ["group", "aggregate"], // sum/avg of the column
      ["aggregate", "filter"], // predicates on the column
      ["filter", "join"], // a join key
      ["join", "filter"], // predicates
      ["aggregate", "group"], // a dimension
    ];
    for (const [from, to] of tightening) {
      expect(ruleTightens(from, to), `${from} → ${to}`).toBe(true);
      expect(effects(withRule(population, "education", from), withRule(population, "education", to))).toEqual(
        {
          "columns.education.rule": "tightens",
        },
      );
    }
    for (const [from, to] of loosening) {
      expect(ruleTightens(from, to), `${from} → ${to}`).toBe(false);
      expect(effects(withRule(population, "education", from), withRule(population, "education", to))).toEqual(
        {
          "columns.education.rule": "loosens",
        },
      );
    }
  });

  it("reads minGroupSize against the grade's default: up tightens, down or removed loosens", () => {
    // enterprises is grade 2 (default k = 10) with no minGroupSize of its own.
    expect(effects(enterprises, { ...enterprises, minGroupSize: 25 })).toEqual({ minGroupSize: "tightens" });
    expect(effects(enterprises, { ...enterprises, minGroupSize: 10 })).toEqual({ minGroupSize: "tightens" });
    expect(effects(enterprises, { ...enterprises, minGroupSize: 5 })).toEqual({ minGroupSize: "loosens" });
    const k25 = { ...enterprises, minGroupSize: 25 };
    expect(effects(k25, { ...enterprises, minGroupSize: 30 })).toEqual({ minGroupSize: "tightens" });
    expect(effects(k25, { ...enterprises, minGroupSize: 20 })).toEqual({ minGroupSize: "loosens" });
    expect(effects(k25, enterprises)).toEqual({ minGroupSize: "loosens" });
  });

  it("says fewer contributions per unit tighten and more loosen", () => {
    const three = { ...population, maxContributionsPerUnit: 3 };
    expect(effects(three, population)).toEqual({ maxContributionsPerUnit: "tightens" });
    expect(effects(population, three)).toEqual({ maxContributionsPerUnit: "loosens" });
  });

  it("says a stricter dominance rule tightens and a laxer or removed one loosens", () => {
    const { dominance: _, ...bare } = enterprises;
    const none = bare as DatasetManifest;
    const rule = (dominance: DatasetManifest["dominance"]) => ({ ...enterprises, dominance });
    expect(effects(none, enterprises)).toEqual({ dominance: "tightens" });
    expect(effects(enterprises, none)).toEqual({ dominance: "loosens" });
    // enterprises: n 1, k 50, p 10
    expect(effects(enterprises, rule({ n: 1, k: 40, p: 10 }))).toEqual({ "dominance.k": "tightens" });
    expect(effects(enterprises, rule({ n: 1, k: 60, p: 10 }))).toEqual({ "dominance.k": "loosens" });
    expect(effects(enterprises, rule({ n: 2, k: 50, p: 10 }))).toEqual({ "dominance.n": "tightens" });
    expect(effects(rule({ n: 2, k: 50, p: 10 }), enterprises)).toEqual({ "dominance.n": "loosens" });
    expect(effects(enterprises, rule({ n: 1, k: 50, p: 20 }))).toEqual({ "dominance.p": "tightens" });
    expect(effects(enterprises, rule({ n: 1, k: 50, p: 5 }))).toEqual({ "dominance.p": "loosens" });
    expect(effects(enterprises, rule({ n: 1, k: 50 }))).toEqual({ "dominance.p": "loosens" });
    expect(effects(rule({ n: 1, k: 50 }), enterprises)).toEqual({ "dominance.p": "tightens" });
  });

  it("says declaring a column an identifier tightens, and removing or changing the declaration loosens", () => {
    const declared = withColumn(population, "education", (c) => ({
      ...c,
      rule: "join",
      identifier: "record_id",
    }));
    const joinOnly = withRule(population, "education", "join");
    expect(effects(joinOnly, declared)).toEqual({ "columns.education.identifier": "tightens" });
    expect(effects(declared, joinOnly)).toEqual({ "columns.education.identifier": "loosens" });
    const renamed = withColumn(declared, "education", (c) => ({ ...c, identifier: "phone" }));
    expect(effects(declared, renamed)).toEqual({ "columns.education.identifier": "loosens" });
  });

  it("treats declared values as published strings: fewer tighten, new ones loosen", () => {
    const values = (list: string[] | undefined) =>
      withColumn(population, "gender", (c) => {
        const { values: _, ...rest } = c;
        return (list ? { ...rest, values: list } : rest) as ColumnManifest;
      });
    expect(effects(population, values(["male"]))).toEqual({ "columns.gender.values": "tightens" });
    expect(effects(population, values(undefined))).toEqual({ "columns.gender.values": "tightens" });
    expect(effects(values(["male"]), population)).toEqual({ "columns.gender.values": "loosens" });
    expect(effects(values(undefined), population)).toEqual({ "columns.gender.values": "loosens" });
  });

  it("counts bounds and type changes as loosening either way (deny by default)", () => {
    const bounds = (min: number, max: number) =>
      withColumn(population, "annual_income", (c) => ({ ...c, bounds: { min, max } }));
    expect(effects(population, bounds(0, 1_000_000))).toEqual({
      "columns.annual_income.bounds.max": "loosens",
    });
    expect(effects(population, bounds(0, 3_000_000))).toEqual({
      "columns.annual_income.bounds.max": "loosens",
    });
    const retyped = withColumn(population, "birth_date", (c) => ({ ...c, type: "VARCHAR" }));
    expect(effects(population, retyped)).toEqual({ "columns.birth_date.type": "loosens" });
  });

  it("says a new denied column is neutral, a new usable one loosens, and a removed column tightens", () => {
    const extra = (rule: ColumnRule) => ({
      ...population,
      columns: [...population.columns, { name: "note", type: "VARCHAR", meaning: "Free text.", rule }],
    });
    expect(effects(population, extra("deny") as DatasetManifest)).toEqual({ "columns.note": "neutral" });
    expect(effects(population, extra("group") as DatasetManifest)).toEqual({ "columns.note": "loosens" });
    const fewer = { ...population, columns: population.columns.filter((c) => c.name !== "education") };
    expect(effects(population, fewer)).toEqual({ "columns.education": "tightens" });
    expect(classifyManifestChange(population, fewer).changes[0]!.line).toBe(
      "columns.education: removed (was column education (rule group)) (tightens)",
    );
  });

  it("says the privacy unit and the holder department loosen; descriptions are neutral", () => {
    expect(effects(population, { ...population, privacyUnit: "id_number" })).toEqual({
      privacyUnit: "loosens",
    });
    expect(effects(population, { ...population, holder: { department: "Another Bureau" } })).toMatchObject({
      "holder.department": "loosens",
    });
    const described = withColumn(
      { ...population, title: "Residents", description: "Revised.", updateFrequency: "yearly" },
      "annual_income",
      (c) => ({ ...c, meaning: "Income, revised.", unit: "yuan" }),
    );
    const diff = classifyManifestChange(population, described);
    expect(diff.loosens).toBe(false);
    expect(new Set(diff.changes.map((c) => c.effect))).toEqual(new Set(["neutral"]));
    expect(
      effects(population, { ...population, holder: { ...population.holder, contact: "0471-0000" } }),
    ).toEqual({
      "holder.contact": "neutral",
    });
  });

  it("says registering a dataset loosens", () => {
    const registration = classifyManifestChange(null, population);
    expect(registration.loosens).toBe(true);
    expect(registration.changes.map((c) => c.line)).toEqual([
      "dataset: added population (grade 3) (loosens)",
    ]);
  });

  it("loosens a whole diff when any one change loosens", () => {
    const mixed = withRule({ ...population, grade: 4 }, "education", "row");
    const diff = classifyManifestChange(population, mixed as DatasetManifest);
    expect(diff.loosens).toBe(true);
    expect(diff.changes.map((c) => [c.path, c.effect])).toEqual([
      ["grade", "tightens"],
      ["columns.education.rule", "loosens"],
    ]);
  });
});

describe("classifyTariffChange", () => {
  const tariff = Tariff.parse({
    currency: "CNY",
    perJob: 1,
    perCpuSecond: 0.05,
    perQuery: 0.2,
    perEpsilon: 10,
    perOutputCell: 0.001,
    perThousandRowsScanned: 0.01,
    datasetMultipliers: { population: 1.5 },
  });

  it("says a first tariff and raised prices tighten; a lowered price loosens", () => {
    expect(classifyTariffChange(null, tariff).loosens).toBe(false);
    const raised = classifyTariffChange(tariff, { ...tariff, perQuery: 0.3 });
    expect(raised.changes.map((c) => c.line)).toEqual(["perQuery: 0.2 → 0.3 (tightens)"]);
    for (const price of [
      "perJob",
      "perCpuSecond",
      "perQuery",
      "perEpsilon",
      "perOutputCell",
      "perThousandRowsScanned",
    ]) {
      const lowered = classifyTariffChange(tariff, { ...tariff, [price]: 0 });
      expect(lowered.loosens, price).toBe(true);
      expect(lowered.changes[0]!.line).toMatch(new RegExp(`^${price}: .* → 0 \\(loosens\\)$`));
    }
  });

  it("reads dataset multipliers as at least 1: a higher one tightens, a lower or removed one loosens", () => {
    const multipliers = (m: Record<string, number>) => ({ ...tariff, datasetMultipliers: m });
    expect(classifyTariffChange(tariff, multipliers({ population: 2 })).loosens).toBe(false);
    expect(classifyTariffChange(tariff, multipliers({ population: 2, medical_visits: 3 })).loosens).toBe(
      false,
    );
    expect(classifyTariffChange(tariff, multipliers({ population: 1.2 })).loosens).toBe(true);
    expect(classifyTariffChange(tariff, multipliers({})).changes.map((c) => c.line)).toEqual([
      "datasetMultipliers.population: removed (was 1.5) (loosens)",
    ]);
  });

  it("says the note is neutral", () => {
    const noted = classifyTariffChange(tariff, { ...tariff, note: "2026 prices" });
    expect(noted).toMatchObject({ loosens: false, changes: [{ path: "note", effect: "neutral" }] });
  });
});
