import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dummyDomainStatements, dummyRows, MAX_DUMMY_ROWS } from "../../control/dummy-data.ts";
import { isValidResidentId, isValidUscc } from "../../policies/identifiers.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ seedScale: 0.01 });
});

afterAll(async () => {
  await gw?.close();
});

describe("dummy data from manifests", () => {
  it("matches every demo manifest: types, declared values, bounds, date ranges, valid identifier formats", () => {
    for (const manifest of DEMO_MANIFESTS) {
      const rows = dummyRows(manifest, { rows: 500 });
      expect(rows).toHaveLength(500);
      for (const row of rows) {
        expect(Object.keys(row)).toEqual(manifest.columns.map((c) => c.name));
        for (const column of manifest.columns) {
          const value = row[column.name];
          if (column.identifier === "resident_id") expect(isValidResidentId(String(value))).toBe(true);
          if (column.identifier === "uscc") expect(isValidUscc(String(value))).toBe(true);
          if (column.values) expect(column.values).toContain(value);
          if (column.bounds) {
            expect(typeof value).toBe("number");
            expect(value as number).toBeGreaterThanOrEqual(column.bounds.min);
            expect(value as number).toBeLessThanOrEqual(column.bounds.max);
          }
          if (column.dateRange) {
            const day = String(value).slice(0, 10);
            expect(day >= column.dateRange.from && day <= column.dateRange.to).toBe(true);
          }
          if (/^(SMALLINT|INTEGER|BIGINT)$/.test(column.type)) expect(Number.isInteger(value)).toBe(true);
        }
      }
    }
  });

  it("spreads categorical columns over their declared values and is reproducible by seed", () => {
    const population = DEMO_MANIFESTS.find((m) => m.name === "population")!;
    const rows = dummyRows(population, { rows: 2000, seed: 7 });
    expect(new Set(rows.map((r) => r.district)).size).toBe(9);
    expect(dummyRows(population, { rows: 50, seed: 7 })).toEqual(rows.slice(0, 50));
    expect(dummyRows(population, { rows: 50, seed: 8 })).not.toEqual(rows.slice(0, 50));
    expect(dummyRows(population, { rows: MAX_DUMMY_ROWS + 5 })).toHaveLength(MAX_DUMMY_ROWS);
  });

  it("joins like the real tables: medical visits and electricity reuse the keys of population and enterprises", () => {
    const byName = new Map(DEMO_MANIFESTS.map((m) => [m.name, m]));
    const people = new Set(dummyRows(byName.get("population")!, { rows: 400 }).map((r) => r.person_id));
    const visits = dummyRows(byName.get("medical_visits")!, { rows: 400 });
    expect(visits.every((v) => people.has(v.person_id))).toBe(true);
    expect(new Set(visits.map((v) => v.person_id)).size).toBeLessThan(visits.length);
    const firms = new Set(dummyRows(byName.get("enterprises")!, { rows: 400 }).map((r) => r.uscc));
    expect(dummyRows(byName.get("electricity_usage")!, { rows: 400 }).every((r) => firms.has(r.uscc))).toBe(
      true,
    );
  });

  it("contains no identifier value held in the real domain", async () => {
    const connection = await gw.dataDomain.connect();
    try {
      for (const manifest of DEMO_MANIFESTS) {
        const rows = dummyRows(manifest, { rows: MAX_DUMMY_ROWS });
        for (const column of manifest.columns.filter((c) => c.identifier)) {
          const values = JSON.stringify([...new Set(rows.map((r) => String(r[column.name])))]);
          const reader = await connection.runAndReadAll(
            `SELECT count(*)::INTEGER FROM "${manifest.name}" WHERE "${column.name}"::VARCHAR IN (SELECT unnest(from_json($1::VARCHAR, '["VARCHAR"]')))`,
            [values],
          );
          expect(reader.getRows()[0]?.[0], `${manifest.name}.${column.name}`).toBe(0);
        }
      }
    } finally {
      connection.closeSync();
    }
  });

  it("loads into DuckDB with the manifests' column types", async () => {
    const statements = dummyDomainStatements(DEMO_MANIFESTS, { rows: 600 });
    expect(statements.filter((s) => s.startsWith("CREATE"))).toHaveLength(DEMO_MANIFESTS.length);
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    for (const statement of statements) await connection.run(statement);
    const count = await connection.runAndReadAll("SELECT count(*)::INTEGER FROM medical_visits");
    expect(count.getRows()[0]?.[0]).toBe(600);
    connection.closeSync();
    instance.closeSync();
  });
});

describe("GET /v1/datasets/{name}/dummy", () => {
  it("answers dummy rows as JSON to any role, and CSV when asked", async () => {
    for (const client of [gw.operator, gw.bureau, gw.auditor]) {
      const res = await client.get<Record<string, unknown>[]>(
        "/v1/datasets/enterprises/dummy?rows=25&seed=3",
      );
      expect(res.status).toBe(200);
      expect(res.body).toHaveLength(25);
      expect(isValidUscc(String(res.body[0]?.uscc))).toBe(true);
    }
    const csv = await gw.operator.get<string>("/v1/datasets/population/dummy?rows=5", { accept: "text/csv" });
    expect(csv.contentType).toContain("text/csv");
    expect(csv.body.trim().split("\r\n")).toHaveLength(6);
  });

  it("refuses too many rows, unknown datasets and callers without a key", async () => {
    expect((await gw.operator.get("/v1/datasets/population/dummy?rows=10001")).status).toBe(400);
    expect((await gw.operator.get("/v1/datasets/population/dummy?rows=0")).status).toBe(400);
    const missing = await gw.operator.get<{ code: string }>("/v1/datasets/nothing_here/dummy");
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("NOT_FOUND");
    expect((await gw.anonymous.get("/v1/datasets/population/dummy")).status).toBe(401);
  });
});
