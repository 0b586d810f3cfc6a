import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

type DraftColumn = {
  column: string;
  declared: { min: number; max: number; unitMax?: number };
  drafted: { min: number; max: number; unitMax?: number };
  clampedShare: number;
  kept: string | null;
  unitTotal: { clampedShare: number; kept: string | null } | null;
};
type Draft = {
  dataset: string;
  basedOnVersion: number;
  epsilon: number;
  maxClampedShare: number;
  contributionCap: { declared: number; drafted: number; clampedShare: number; kept: string | null } | null;
  columns: DraftColumn[];
  manifest: DatasetManifest;
};
type DryRun = { queries: { rewrites: string[]; verdict: string }[] };

let gw: TestGateway;

beforeAll(async () => {
  // 50,000 residents: enough values for a draft at ε 1 to say something.
  gw = await startTestGateway({ seedScale: 0.05 });
});

afterAll(async () => {
  await gw?.close();
});

const DRAFT = "/v1/datasets/population/bounds/draft?epsilon=1&maxClampedShare=0.05";

/** The exact share of the total income (clamped to the declared bound) above `bound`. */
async function trueClampedShare(bound: number): Promise<number> {
  const connection = await gw.dataDomain.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT sum(greatest(least(annual_income, 2000000) - ${bound}, 0))::DOUBLE / sum(least(annual_income, 2000000))::DOUBLE FROM population`,
    );
    return Number(reader.getRows()[0]![0]);
  } finally {
    connection.closeSync();
  }
}

const income = (draft: Draft) => draft.columns.find((c) => c.column === "annual_income")!;

describe("bounds drafted from the data with differential privacy, published by two officers", () => {
  it("drafts a tighter bound that clamps no more than asked, says its bias, and records the ε spent", async () => {
    const res = await gw.bureau.get<Draft>(DRAFT);
    expect(res.status).toBe(200);
    const column = income(res.body);
    expect(column.declared).toEqual({ min: 0, max: 2_000_000 });
    expect(column.kept).toBeNull();
    expect(column.drafted.min).toBe(0);
    expect(column.drafted.max).toBeLessThan(2_000_000);
    // A round number, not a value of the data.
    expect(String(column.drafted.max)).toMatch(/^[125]0*$/);
    const truth = await trueClampedShare(column.drafted.max);
    expect(truth).toBeLessThanOrEqual(0.05);
    expect(Math.abs(column.clampedShare - truth)).toBeLessThan(0.02);
    // The manifest to publish carries the drafted bound and nothing else new.
    const drafted = res.body.manifest.columns.find((c) => c.name === "annual_income")!;
    expect(drafted.bounds).toEqual(column.drafted);
    expect(gw.audit.ofType("bounds.drafted").at(-1)).toMatchObject({
      subject: { datasets: ["population"] },
      data: {
        dataset: "population",
        version: 1,
        epsilonPerBound: 1,
        // One resident, one row: income has no unit total to draft.
        epsilonSpent: 1,
        maxClampedShare: 0.05,
        columns: [{ column: "annual_income", declaredMax: 2_000_000, draftedMax: column.drafted.max }],
      },
    });
  });

  it("gives the same draft when asked again: the noise is drawn from the data's state, so asking again learns nothing", async () => {
    const first = await gw.bureau.get<Draft>(DRAFT);
    const second = await gw.bureau.get<Draft>(DRAFT);
    expect(second.body).toEqual(first.body);
    // Another ε is another release, with noise of its own.
    const other = await gw.bureau.get<Draft>(
      "/v1/datasets/population/bounds/draft?epsilon=0.9&maxClampedShare=0.05",
    );
    expect(other.status).toBe(200);
    expect(income(other.body).clampedShare).not.toBe(income(first.body).clampedShare);
  });

  it("keeps a declared bound the data cannot justify tightening, and says why", async () => {
    const res = await gw.bureau.get<Draft>("/v1/datasets/medical_visits/bounds/draft?epsilon=0.05");
    expect(res.status).toBe(200);
    const cost = res.body.columns.find((c) => c.column === "cost")!;
    expect(cost.drafted).toEqual(cost.declared);
    expect(cost.kept).toMatch(/too few values|no lower candidate|noise is larger/);
    // Several visits a person: a person's total is drafted too (a second release), and kept here.
    expect(cost.declared.unitMax).toBe(200_000);
    expect(cost.unitTotal?.kept).toMatch(/too few values|no lower candidate|noise is larger/);
    // The cap on a person's visits is drafted first: a third release.
    expect(res.body.contributionCap).toMatchObject({ declared: 20 });
    expect(res.body.manifest.maxContributionsPerUnit).toBe(res.body.contributionCap!.drafted);
    expect(gw.audit.ofType("bounds.drafted").at(-1)).toMatchObject({
      data: { dataset: "medical_visits", epsilonPerBound: 0.05 },
    });
    expect(gw.audit.ofType("bounds.drafted").at(-1)?.data.epsilonSpent).toBeCloseTo(0.15, 9);
  });

  it("drafts the cap on a unit's rows from how many rows the units have, and says the rows it leaves out", async () => {
    const res = await gw.bureau.get<Draft>("/v1/datasets/medical_visits/bounds/draft?epsilon=1");
    expect(res.status).toBe(200);
    const cap = res.body.contributionCap!;
    expect(cap.declared).toBe(20);
    // The share of visits beyond the drafted cap, exactly, from the data.
    const connection = await gw.dataDomain.connect();
    const leftOut = async (c: number) => {
      const reader = await connection.runAndReadAll(
        `SELECT sum(greatest(n - ${c}, 0))::DOUBLE / sum(n)::DOUBLE FROM (SELECT count(*) AS n FROM medical_visits GROUP BY person_id)`,
      );
      return Number(reader.getRows()[0]![0]);
    };
    try {
      if (cap.kept === null) {
        expect(await leftOut(cap.drafted)).toBeLessThanOrEqual(0.01);
        expect(Math.abs(cap.clampedShare - (await leftOut(cap.drafted)))).toBeLessThan(0.01);
      } else {
        expect(cap.drafted).toBe(20);
        expect(cap.kept).toMatch(/too few values|no lower candidate|noise is larger/);
      }
      // Raised only when the declared cap leaves out more than the share.
      if (cap.drafted > 20) expect(await leftOut(20)).toBeGreaterThan(0.01);
    } finally {
      connection.closeSync();
    }
    // Cut to the drafted cap, the column's histogram is the one its bound is drafted from.
    expect(res.body.manifest.maxContributionsPerUnit).toBe(cap.drafted);
    expect(gw.audit.ofType("bounds.drafted").at(-1)).toMatchObject({
      data: { dataset: "medical_visits", contributionCap: { declared: 20, drafted: cap.drafted } },
    });
  });

  it("is the bureau's; refuses what it cannot draft in words that say why", async () => {
    expect((await gw.operator.get(DRAFT)).status).toBe(403);
    expect((await gw.auditor.get(DRAFT)).status).toBe(403);
    expect((await gw.holders.population!.get(DRAFT)).status).toBe(403);
    expect((await gw.bureau.get("/v1/datasets/nothing_here/bounds/draft")).status).toBe(404);
    const open = await gw.bureau.get<{ detail: string }>("/v1/datasets/air_quality/bounds/draft");
    expect(open.status).toBe(400);
    expect(open.body.detail).toMatch(/no privacy unit: its figures are exact/);
    for (const bad of ["epsilon=0", "epsilon=5", "maxClampedShare=0.5"]) {
      expect((await gw.bureau.get(`/v1/datasets/population/bounds/draft?${bad}`)).status, bad).toBe(400);
    }
  });

  it("goes through the two-person rule; once approved, queries clamp at the drafted bound", async () => {
    const draft = (await gw.bureau.get<Draft>(DRAFT)).body;
    const bound = income(draft).drafted.max;
    const script = `export default async function main(ctx) {
      return { m: await ctx.sql("SELECT district, avg(annual_income) AS mean_income FROM population GROUP BY district") };
    }`;
    const license = gw.credentials.operator.license;
    const clampOf = async () =>
      (
        await gw.operator.post<DryRun>("/v1/jobs/explain", { script, license })
      ).body.queries[0]!.rewrites.find((r) => r.startsWith("clamp:"));
    expect(await clampOf()).toBe("clamp:[0,2000000]");
    const put = await gw.bureau.put<{ id: string; status: string }>(
      "/v1/datasets/population/policy?note=bounds%20from%20the%20data",
      draft.manifest,
    );
    // Bounds set the noise as well as the clamp: a second officer approves any change of them.
    expect(put.status).toBe(202);
    expect(await clampOf()).toBe("clamp:[0,2000000]");
    const approved = await gw.bureau2.post(`/v1/proposals/${put.body.id}/decision`, { decision: "approve" });
    expect(approved.status).toBe(200);
    expect(await clampOf()).toBe(`clamp:[0,${bound}]`);
  });
});
