import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

type Draft = { dataset: string; basedOnVersion: number; manifest: DatasetManifest; notes: string[] };
type DummyRow = Record<string, string | number | boolean | null>;

let gw: TestGateway;

beforeAll(async () => {
  // One resident in ten with no recorded income: the edge case a local script should meet.
  gw = await startTestGateway({
    seedScale: 0.005,
    domainSetup: ["UPDATE population SET annual_income = NULL WHERE person_id % 10 = 0"],
  });
});

afterAll(async () => {
  await gw?.close();
});

const column = (manifest: DatasetManifest, name: string) => manifest.columns.find((c) => c.name === name)!;

/** Real values of a column in the data domain, as text. */
async function realValues(table: string, name: string): Promise<Set<string>> {
  const connection = await gw.dataDomain.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT DISTINCT "${name}"::VARCHAR FROM "${table}"`);
    return new Set(reader.getRows().map(([v]) => String(v)));
  } finally {
    connection.closeSync();
  }
}

describe("dummy shapes drafted from the data, approved by two officers, honoured by the dummy route", () => {
  it("drafts shapes without any value of an identifier, deny or join column, and records the draft", async () => {
    const res = await gw.bureau.get<Draft>("/v1/datasets/population/dummy/draft");
    expect(res.status).toBe(200);
    const { manifest } = res.body;
    expect(res.body.basedOnVersion).toBe(1);
    for (const name of ["person_id", "id_number", "name"]) {
      const dummy = column(manifest, name).dummy;
      expect(dummy?.values, name).toBeUndefined();
      expect(dummy?.range, name).toBeUndefined();
      expect(dummy?.pattern, name).toBeUndefined();
    }
    // Group columns get categories (each held by ≥ k residents); the aggregate column a rounded range.
    expect(column(manifest, "district").dummy?.values?.length).toBeGreaterThan(0);
    const income = column(manifest, "annual_income").dummy!;
    expect(income.nullRate).toBe(0.1);
    expect(income.range!.min).toBeGreaterThanOrEqual(0);
    expect(income.range!.max).toBeLessThanOrEqual(2_000_000);
    // Two significant figures: never the largest income itself.
    expect(String(income.range!.max).replace(/0+$/, "").length).toBeLessThanOrEqual(2);
    expect(res.body.notes.find((n) => n.startsWith("id_number:"))).toContain(
      "identifiers and keys stay synthetic",
    );
    expect(gw.audit.ofType("dummy.drafted").at(-1)).toMatchObject({
      subject: { datasets: ["population"] },
      data: { dataset: "population", version: 1 },
    });
    expect(JSON.stringify(gw.audit.ofType("dummy.drafted").at(-1))).not.toContain("district");
  });

  it("is the bureau's: other roles are refused, an unknown dataset is 404", async () => {
    expect((await gw.operator.get("/v1/datasets/population/dummy/draft")).status).toBe(403);
    expect((await gw.auditor.get("/v1/datasets/population/dummy/draft")).status).toBe(403);
    expect((await gw.holders.population!.get("/v1/datasets/population/dummy/draft")).status).toBe(403);
    expect((await gw.bureau.get("/v1/datasets/nothing_here/dummy/draft")).status).toBe(404);
  });

  it("goes through the two-person rule; once approved, dummy rows follow it and carry no real identifier", async () => {
    const draft = (await gw.bureau.get<Draft>("/v1/datasets/population/dummy/draft")).body;
    const put = await gw.bureau.put<{ id: string; status: string }>(
      "/v1/datasets/population/policy?note=dummy%20shapes",
      draft.manifest,
    );
    expect(put.status).toBe(202);
    // Before approval the dummy route still draws from the old manifest: no nulls.
    const before = await gw.operator.get<DummyRow[]>("/v1/datasets/population/dummy?rows=500&seed=1");
    expect(before.body.some((r) => r.annual_income === null)).toBe(false);
    const approved = await gw.bureau2.post(`/v1/proposals/${put.body.id}/decision`, { decision: "approve" });
    expect(approved.status).toBe(200);
    // The catalog shows the approved shapes: what `aos run --local` generates its dummy domain from.
    const detail = await gw.operator.get<{ manifest: DatasetManifest }>("/v1/datasets/population");
    expect(column(detail.body.manifest, "annual_income").dummy).toEqual(
      column(draft.manifest, "annual_income").dummy,
    );

    const rows = (await gw.operator.get<DummyRow[]>("/v1/datasets/population/dummy?rows=2000&seed=1")).body;
    const nulls = rows.filter((r) => r.annual_income === null).length / rows.length;
    expect(nulls).toBeGreaterThan(0.05);
    expect(nulls).toBeLessThan(0.15);
    const range = column(draft.manifest, "annual_income").dummy!.range!;
    for (const r of rows)
      if (r.annual_income !== null) {
        expect(r.annual_income).toBeGreaterThanOrEqual(range.min);
        expect(r.annual_income).toBeLessThanOrEqual(range.max);
      }
    // Deterministic: the same seed gives the same rows.
    expect(
      (await gw.operator.get<DummyRow[]>("/v1/datasets/population/dummy?rows=2000&seed=1")).body,
    ).toEqual(rows);
    // The hostile case: no value of the real identifier columns appears in the dummy rows.
    for (const name of ["person_id", "id_number", "name"]) {
      const real = await realValues("population", name);
      const leaked = rows.map((r) => r[name]).filter((v) => v !== null && real.has(String(v)));
      expect(leaked, name).toEqual([]);
    }
  });

  it("refuses a proposal listing an identifier-looking value, naming the column and what to do", async () => {
    const latest = (
      await gw.bureau.get<{ manifest: DatasetManifest }>("/v1/datasets/population/policy/versions/1")
    ).body.manifest;
    const [realId] = await realValues("population", "id_number");
    const onIdentifier = {
      ...latest,
      columns: latest.columns.map((c) =>
        c.name === "id_number" ? { ...c, dummy: { values: [realId] } } : c,
      ),
    };
    const refused = await gw.bureau.post<{ detail: string; code: string }>("/v1/proposals", {
      kind: "policy",
      dataset: "population",
      manifest: onIdentifier,
      reason: "dummy identifiers",
    });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/id_number is an identifier \(resident_id\).*remove dummy\.values/);
    // Nor may a real-looking ID hide among a group column's categories.
    const hidden = {
      ...latest,
      columns: latest.columns.map((c) =>
        c.name === "education" ? { ...c, values: undefined, dummy: { values: ["primary", realId] } } : c,
      ),
    };
    const put = await gw.bureau.put<{ detail: string }>("/v1/datasets/population/policy", hidden);
    expect(put.status).toBe(400);
    expect(put.body.detail).toContain("holds a valid resident id");
    // Neither refusal echoes the value.
    expect(JSON.stringify([refused.body, put.body])).not.toContain(String(realId));
  });
});
