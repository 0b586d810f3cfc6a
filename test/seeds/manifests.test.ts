import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetManifest } from "../../policies/manifest.ts";
import { DEMO_TABLES, generateDemoDomain } from "../../seeds/generate.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import { population } from "../../seeds/manifests/population.ts";
import { readOnlyQuery, tempDir } from "../support/duckdb.ts";

let folder: Awaited<ReturnType<typeof tempDir>>;
let db: Awaited<ReturnType<typeof readOnlyQuery>>;

beforeAll(async () => {
  folder = await tempDir();
  const file = join(folder.dir, "domain.duckdb");
  await generateDemoDomain({ file, scale: 0.005 });
  db = await readOnlyQuery(file);
});

afterAll(async () => {
  db?.close();
  await folder?.remove();
});

describe("demo manifests (the bureau's catalog entries)", () => {
  it("cover exactly the generated tables and pass their schema", () => {
    expect(DEMO_MANIFESTS.map((m) => m.name).sort()).toEqual([...DEMO_TABLES].sort());
    for (const manifest of DEMO_MANIFESTS) expect(DatasetManifest.safeParse(manifest).success).toBe(true);
    expect(Object.fromEntries(DEMO_MANIFESTS.map((m) => [m.name, m.grade]))).toEqual({
      population: 3,
      medical_visits: 3,
      enterprises: 2,
      electricity_usage: 2,
      credit_records: 2,
      air_quality: 1,
    });
  });

  it("declare each table's columns with the types DuckDB holds", async () => {
    for (const manifest of DEMO_MANIFESTS) {
      const columns = await db.all<{ name: string; type: string }>(
        `SELECT column_name AS name, data_type AS type FROM duckdb_columns() WHERE table_name = '${manifest.name}' ORDER BY column_index`,
      );
      expect(columns, manifest.name).toEqual(
        manifest.columns.map((c) => ({ name: c.name, type: c.type.replace(/\s+/g, "") })),
      );
    }
  });

  it("declare value domains and date ranges that the data stays inside", async () => {
    for (const manifest of DEMO_MANIFESTS) {
      for (const column of manifest.columns) {
        if (column.values) {
          const outside = await db.all(
            `SELECT DISTINCT ${column.name} AS v FROM ${manifest.name}
             WHERE ${column.name} NOT IN (SELECT unnest(?::VARCHAR[]))`.replace(
              "?",
              `[${column.values.map((v) => `'${v.replaceAll("'", "''")}'`).join(", ")}]`,
            ),
          );
          expect(outside, `${manifest.name}.${column.name}`).toEqual([]);
        }
        if (column.dateRange) {
          const outside = await db.one<{ n: unknown }>(
            `SELECT count(*) AS n FROM ${manifest.name}
             WHERE ${column.name} < DATE '${column.dateRange.from}' OR ${column.name} >= DATE '${column.dateRange.to}' + 1`,
          );
          expect(Number(outside.n), `${manifest.name}.${column.name}`).toBe(0);
        }
      }
    }
  });

  it("keep identifiers out of reach: every identifier column is deny or join", () => {
    for (const manifest of DEMO_MANIFESTS) {
      for (const column of manifest.columns.filter((c) => c.identifier)) {
        expect(["deny", "join"], `${manifest.name}.${column.name}`).toContain(column.rule);
      }
    }
  });

  it("reject manifests that loosen a rule below the grade's floor or leave out what enforcement needs", () => {
    const base = { ...population, columns: population.columns.map((c) => ({ ...c })) };
    const issue = (candidate: unknown) =>
      DatasetManifest.safeParse(candidate)
        .error?.issues.map((i) => i.message)
        .join("; ") ?? "";
    expect(
      issue({ ...base, columns: base.columns.map((c) => (c.name === "name" ? { ...c, rule: "group" } : c)) }),
    ).toMatch(/identifier column name must be 'deny' or 'join'/);
    expect(
      issue({
        ...base,
        columns: base.columns.map((c) => (c.name === "gender" ? { ...c, rule: "plain" } : c)),
      }),
    ).toMatch(/looser than grade 3/);
    expect(
      issue({
        ...base,
        columns: base.columns.map((c) => (c.name === "annual_income" ? { ...c, bounds: undefined } : c)),
      }),
    ).toMatch(/needs declared bounds/);
    expect(issue({ ...base, privacyUnit: null, maxContributionsPerUnit: undefined })).toMatch(
      /need a privacy unit/,
    );
    expect(issue({ ...base, privacyUnit: "district" })).toMatch(/must be 'join' or 'deny'/);
    expect(issue({ ...base, columns: [...base.columns, base.columns[0]] })).toMatch(/duplicate column/);
    expect(
      issue({
        ...base,
        columns: base.columns.map((c) => (c.name === "gender" ? { ...c, type: "BLOB" } : c)),
      }),
    ).not.toBe("");
  });
});
