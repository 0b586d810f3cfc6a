import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceOf, Tariff, tariffAt } from "../../control/tariffs.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

const tariff = {
  currency: "CNY",
  perJob: 1,
  perCpuSecond: 0.05,
  perQuery: 0.2,
  perEpsilon: 10,
  perOutputCell: 0.001,
  perThousandRowsScanned: 0.01,
  datasetMultipliers: { population: 1.5, medical_visits: 2 },
};

type Versions = {
  current: { version: number; tariff: typeof tariff } | null;
  versions: { version: number }[];
};

describe("tariffs", () => {
  it("starts with none; the bureau sets versions every role reads; the old ones stay", async () => {
    expect((await gw.operator.get<Versions>("/v1/tariffs")).body).toEqual({
      current: null,
      versions: [],
      next: null,
    });
    const first = await gw.bureau.put<{ version: number }>("/v1/tariffs", tariff);
    expect(first.status).toBe(201);
    expect(first.body.version).toBe(1);
    const second = await gw.bureau.put("/v1/tariffs", { ...tariff, perQuery: 0.3, note: "2026 prices" });
    expect(second.body).toMatchObject({ version: 2, tariff: { perQuery: 0.3 } });
    for (const client of [gw.operator, gw.auditor, gw.bureau]) {
      const res = await client.get<Versions>("/v1/tariffs");
      expect(res.status).toBe(200);
      expect(res.body.current).toMatchObject({ version: 2, tariff: { perQuery: 0.3, note: "2026 prices" } });
      expect(res.body.versions.map((v) => v.version)).toEqual([2, 1]);
    }
    expect(gw.audit.ofType("tariff.set").at(-1)).toMatchObject({
      data: { version: 2, previousVersion: 1, before: { perQuery: 0.2 }, after: { perQuery: 0.3 } },
    });
    expect((await tariffAt(gw.controlPlane, new Date()))?.version).toBe(2);
    expect(await tariffAt(gw.controlPlane, new Date("2000-01-01T00:00:00Z"))).toBeNull();
  });

  it("refuses a wrong currency, negative prices, unknown fields and missing prices with 400", async () => {
    for (const body of [
      { ...tariff, currency: "USD" },
      { ...tariff, perQuery: -1 },
      { ...tariff, perRow: 1 },
      { ...tariff, perEpsilon: undefined },
      { ...tariff, datasetMultipliers: { population: 0 } },
    ]) {
      expect((await gw.bureau.put("/v1/tariffs", body)).status).toBe(400);
    }
  });

  it("is set by the bureau only", async () => {
    expect((await gw.operator.put("/v1/tariffs", tariff)).status).toBe(403);
    expect((await gw.auditor.put("/v1/tariffs", tariff)).status).toBe(403);
    expect((await gw.anonymous.get("/v1/tariffs")).status).toBe(401);
  });

  it("sets nothing when the audit log cannot record it (fail-closed)", async () => {
    const before = (await gw.bureau.get<Versions>("/v1/tariffs")).body.versions.length;
    gw.audit.failing = true;
    try {
      expect((await gw.bureau.put("/v1/tariffs", { ...tariff, perJob: 5 })).status).toBe(500);
    } finally {
      gw.audit.failing = false;
    }
    expect((await gw.bureau.get<Versions>("/v1/tariffs")).body.versions).toHaveLength(before);
  });
});

describe("priceOf", () => {
  const t = Tariff.parse(tariff);
  const usage = { cpuSeconds: 4, queries: 3, epsilon: 1.5, outputCells: 200, rowsScanned: 250_000 };

  it("sums quantity × unit price per item and rounds to the fen", () => {
    const price = priceOf(usage, t);
    // 1 + 0.2 + 0.6 + 15 + 0.2 + 2.5
    expect(price.total).toBe(19.5);
    expect(price.lines.find((l) => l.item === "thousand_rows_scanned")).toEqual({
      item: "thousand_rows_scanned",
      quantity: 250,
      unitPrice: 0.01,
      amount: 2.5,
    });
    expect(priceOf({ ...usage, cpuSeconds: 0.333 }, t).total).toBe(19.32);
  });

  it("applies the largest multiplier among the datasets touched", () => {
    expect(priceOf({ ...usage, datasets: ["air_quality"] }, t)).toMatchObject({ multiplier: 1, total: 19.5 });
    expect(priceOf({ ...usage, datasets: ["population", "medical_visits"] }, t)).toMatchObject({
      multiplier: 2,
      total: 39,
    });
  });

  it("refuses negative or non-finite usage", () => {
    expect(() => priceOf({ ...usage, queries: -1 }, t)).toThrow(RangeError);
    expect(() => priceOf({ ...usage, epsilon: Number.NaN }, t)).toThrow(RangeError);
  });
});
