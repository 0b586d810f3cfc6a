import { describe, expect, it } from "vitest";
import { dummyResidentId, dummyRows } from "../../control/dummy-data.ts";
import { roundOutwards } from "../../control/dummy-draft.ts";
import { runLocally } from "../../control/jobs/local-run.ts";
import { residentIdCheckDigit } from "../../policies/identifiers.ts";
import { DatasetManifest } from "../../policies/manifest.ts";
import { classifyManifestChange } from "../../policies/policy-diff.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";

const population = DEMO_MANIFESTS.find((m) => m.name === "population")!;
const medical = DEMO_MANIFESTS.find((m) => m.name === "medical_visits")!;

/** `manifest` with `dummy` set on column `name` (unparsed: the schema's verdict is what is tested). */
function withDummy(manifest: DatasetManifest, name: string, dummy: unknown, extra: object = {}): unknown {
  return {
    ...manifest,
    columns: manifest.columns.map((c) => (c.name === name ? { ...c, ...extra, dummy } : c)),
  };
}

function refusal(candidate: unknown): string {
  const parsed = DatasetManifest.safeParse(candidate);
  expect(parsed.success).toBe(false);
  return parsed.error!.issues.map((i) => i.message).join(" | ");
}

/** A resident ID number outside the dummy division, with a valid check digit: what a real one looks like. */
const realLookingId = (() => {
  const first17 = "15010219850312041";
  return `${first17}${residentIdCheckDigit(first17)}`;
})();

describe("the manifest's dummy section", () => {
  it("accepts categories on a group column, a range inside the bounds, a pattern and null rates", () => {
    const shaped = DatasetManifest.parse({
      ...population,
      columns: population.columns.map((c) => {
        if (c.name === "education")
          return { ...c, dummy: { values: ["primary", "junior_secondary"], nullRate: 0.05 } };
        if (c.name === "annual_income")
          return { ...c, dummy: { range: { min: 0, max: 300_000 }, distribution: "skewed" } };
        return c;
      }),
    });
    expect(shaped.columns.find((c) => c.name === "annual_income")?.dummy?.range).toEqual({
      min: 0,
      max: 300_000,
    });
    expect(
      DatasetManifest.safeParse(withDummy(medical, "diagnosis", { pattern: "A99.9" }, { values: undefined }))
        .success,
    ).toBe(true);
  });

  it("refuses values, ranges and patterns on identifier, deny and join columns: only a null rate", () => {
    expect(refusal(withDummy(population, "id_number", { values: [realLookingId] }))).toMatch(
      /identifier \(resident_id\).*only dummy\.nullRate may be set/,
    );
    expect(refusal(withDummy(population, "person_id", { range: { min: 1, max: 9 } }))).toMatch(
      /only dummy\.nullRate/,
    );
    expect(refusal(withDummy(population, "name", { pattern: "Aaaa" }))).toMatch(/only dummy\.nullRate/);
    expect(DatasetManifest.safeParse(withDummy(population, "id_number", { nullRate: 0.02 })).success).toBe(
      true,
    );
  });

  it("refuses an identifier-looking value in any column, categories where the rule outputs no values, and values never declared", () => {
    // A real-looking resident ID slipped into a group column's categories.
    const withId = withDummy(
      population,
      "education",
      { values: ["primary", realLookingId] },
      { values: undefined },
    );
    expect(refusal(withId)).toMatch(
      /dummy\.values\[1\] holds a valid resident id: dummy data never carries an identifier/,
    );
    expect(
      refusal(
        withDummy(population, "education", { values: ["primary", "13812345678"] }, { values: undefined }),
      ),
    ).toMatch(/holds a valid phone/);
    expect(refusal(withDummy(population, "education", { values: ["astrology"] }))).toMatch(
      /not one of the column's declared values/,
    );
    expect(refusal(withDummy(population, "annual_income", { values: ["1"] }))).toMatch(
      /'aggregate', which never outputs its values/,
    );
  });

  it("refuses categories and ranges on grade 4 data, whose outputs are all reviewed", () => {
    const core = { ...population, grade: 4 as const };
    expect(refusal(withDummy(core, "education", { values: ["primary"] }))).toMatch(
      /grade 4 outputs are all reviewed/,
    );
    expect(refusal(withDummy(core, "annual_income", { range: { min: 0, max: 10 } }))).toMatch(/grade 4/);
    expect(DatasetManifest.safeParse(withDummy(core, "annual_income", { nullRate: 0.1 })).success).toBe(true);
  });

  it("refuses a range outside the bounds and patterns that could draw an identifier", () => {
    expect(refusal(withDummy(population, "annual_income", { range: { min: -5, max: 10 } }))).toMatch(
      /inside the column's bounds/,
    );
    expect(
      refusal(withDummy(medical, "diagnosis", { pattern: "99999999999999999A" }, { values: undefined })),
    ).toMatch(/11 or more letters or digits in a row/);
    expect(refusal(withDummy(medical, "diagnosis", { pattern: "J45.9" }, { values: undefined }))).toMatch(
      /a dummy pattern holds 9/,
    );
  });

  it("is a loosening to add or change (a second officer approves), a tightening to remove", () => {
    const shaped = DatasetManifest.parse(withDummy(population, "annual_income", { nullRate: 0.1 }));
    expect(classifyManifestChange(population, shaped)).toMatchObject({
      loosens: true,
      changes: [{ path: "columns.annual_income.dummy", effect: "loosens" }],
    });
    const changed = DatasetManifest.parse(withDummy(population, "annual_income", { nullRate: 0.2 }));
    expect(classifyManifestChange(shaped, changed).changes[0]).toMatchObject({
      path: "columns.annual_income.dummy.nullRate",
      effect: "loosens",
    });
    expect(classifyManifestChange(shaped, population)).toMatchObject({
      loosens: false,
      changes: [{ path: "columns.annual_income.dummy", effect: "tightens" }],
    });
  });
});

describe("dummy rows honour the approved shapes", () => {
  const shaped = DatasetManifest.parse({
    ...population,
    columns: population.columns.map((c) => {
      if (c.name === "education")
        return {
          ...c,
          dummy: { values: ["primary", "postgraduate"], distribution: "uniform", nullRate: 0.25 },
        };
      if (c.name === "annual_income")
        return { ...c, dummy: { range: { min: 1000, max: 2000 }, distribution: "uniform" } };
      if (c.name === "id_number") return { ...c, dummy: { nullRate: 0.1 } };
      return c;
    }),
  });

  it("draws categories, ranges and nulls as stated, the same rows for the same seed", () => {
    const rows = dummyRows(shaped, { rows: 2000, seed: 3 });
    const education = rows.map((r) => r.education);
    expect(new Set(education)).toEqual(new Set(["primary", "postgraduate", null]));
    const nulls = education.filter((v) => v === null).length / rows.length;
    expect(nulls).toBeGreaterThan(0.2);
    expect(nulls).toBeLessThan(0.3);
    // Uniform: the two categories come about as often as each other.
    const primary = education.filter((v) => v === "primary").length;
    const postgraduate = education.filter((v) => v === "postgraduate").length;
    expect(Math.abs(primary - postgraduate) / (primary + postgraduate)).toBeLessThan(0.1);
    for (const { annual_income } of rows) {
      expect(annual_income).toBeGreaterThanOrEqual(1000);
      expect(annual_income).toBeLessThanOrEqual(2000);
    }
    // Identifiers stay synthetic where they are not null.
    const ids = rows.map((r) => r.id_number).filter((v) => v !== null);
    expect(ids.length).toBeLessThan(rows.length);
    expect(ids.every((v) => String(v).startsWith("990000"))).toBe(true);
    expect(dummyRows(shaped, { rows: 2000, seed: 3 })).toEqual(rows);
    expect(dummyRows(shaped, { rows: 200, seed: 4 })).not.toEqual(rows.slice(0, 200));
  });

  it("draws text of the approved pattern", () => {
    const patterned = DatasetManifest.parse(
      withDummy(medical, "diagnosis", { pattern: "A99.9" }, { values: undefined }),
    );
    const codes = dummyRows(patterned, { rows: 300, seed: 1 }).map((r) => r.diagnosis);
    for (const code of codes) expect(code).toMatch(/^[A-Z]\d\d\.\d$/);
    expect(new Set(codes).size).toBeGreaterThan(100);
  });

  it("gives manifests without dummy shapes the rows they gave before (no extra draws)", () => {
    expect(dummyRows(population, { rows: 3, seed: 0 })[0]).toMatchObject({
      person_id: 900_000_000,
      id_number: dummyResidentId(0),
    });
  });
});

describe("roundOutwards", () => {
  it("keeps two significant figures, rounding away from the data", () => {
    expect(roundOutwards(123_456, "up")).toBe(130_000);
    expect(roundOutwards(123_456, "down")).toBe(120_000);
    expect(roundOutwards(0.0347, "down")).toBe(0.034);
    expect(roundOutwards(-123, "down")).toBe(-130);
    expect(roundOutwards(1200, "up")).toBe(1200);
    expect(roundOutwards(0, "up")).toBe(0);
  });
});

describe("`aos run --local` on shaped dummy data", () => {
  it("meets the approved nulls and ranges in the script's own queries", async () => {
    const air = DEMO_MANIFESTS.find((m) => m.name === "air_quality")!;
    const shaped = DatasetManifest.parse(
      withDummy(air, "pm25", { nullRate: 0.5, range: { min: 1, max: 2 }, distribution: "uniform" }),
    );
    const script = `export default async function main(ctx) {
      return { pm25: await ctx.sql("SELECT count(*) AS n, count(pm25) AS filled, min(pm25) AS lo, max(pm25) AS hi FROM air_quality") };
    }`;
    const result = await runLocally({
      script,
      language: "javascript",
      manifests: [shaped],
      rows: 1000,
      seed: 5,
    });
    expect(result.status).toBe("released");
    const [row] = result.outputs.pm25 as { n: number; filled: number; lo: number; hi: number }[];
    expect(Number(row!.n)).toBe(1000);
    expect(Number(row!.filled)).toBeGreaterThan(400);
    expect(Number(row!.filled)).toBeLessThan(600);
    expect(Number(row!.lo)).toBeGreaterThanOrEqual(1);
    expect(Number(row!.hi)).toBeLessThanOrEqual(2);
  });
});
