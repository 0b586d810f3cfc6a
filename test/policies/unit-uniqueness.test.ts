import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryPrivacyBudgetLedger } from "../../control/privacy-budget.ts";
import { createQueryService } from "../../control/query-service.ts";
import { generateDemoDomain } from "../../seeds/generate.ts";
import { type DataDomain, openDataDomain } from "../../storage/data-domain.ts";
import { tempDir } from "../support/duckdb.ts";
import { DEMO_MANIFESTS, demoLicense, NOTHING_KNOWN, parserConnection, TEST_NOISE_SALT } from "./fixtures.ts";

// Contribution bounding may skip its window only where the data itself guarantees one row per
// unit. These tests hold the engine to that: verified on the data, never taken from a manifest.

let folder: Awaited<ReturnType<typeof tempDir>>;
let clean: DataDomain;
let repeated: DataDomain;

beforeAll(async () => {
  folder = await tempDir("aos-unique-");
  const file = join(folder.dir, "clean.duckdb");
  await generateDemoDomain({ file, scale: 0.002 });
  const dirty = join(folder.dir, "repeated.duckdb");
  await copyFile(file, dirty);
  // The same manifest (person_id the unit, at most one row per unit) over data that breaks it.
  const instance = await DuckDBInstance.create(dirty);
  const connection = await instance.connect();
  await connection.run(
    "INSERT INTO population SELECT * FROM population WHERE district = (SELECT min(district) FROM population)",
  );
  connection.closeSync();
  instance.closeSync();
  clean = await openDataDomain(file, { threads: 1 });
  repeated = await openDataDomain(dirty, { threads: 1 });
});

afterAll(async () => {
  clean?.close();
  repeated?.close();
  await folder?.remove();
});

const GROUP_BY =
  "SELECT district, count(*) AS n, avg(annual_income) AS mean_income FROM population GROUP BY district";

async function explain(domain: DataDomain, sql: string) {
  const service = createQueryService({
    noiseSalt: TEST_NOISE_SALT,
    domain: await domain.connect(),
    parser: await parserConnection(),
    ledger: new InMemoryPrivacyBudgetLedger(),
  });
  return service.explain({ sql, license: demoLicense(), manifests: DEMO_MANIFESTS, at: new Date() });
}

describe("contribution bounding over a unit verified unique", () => {
  it("is verified on the data: unique where it is, not where rows repeat a unit", async () => {
    expect(await clean.facts.verifyUniqueColumn("population", "person_id")).toBe(true);
    expect(await repeated.facts.verifyUniqueColumn("population", "person_id")).toBe(false);
    expect(await clean.facts.verifyUniqueColumn("medical_visits", "person_id")).toBe(false);
    expect(await clean.facts.verifyUniqueColumn("population", 'person_id" OR 1=1 --')).toBe(false);
  });

  it("drops the window for one table with a verified unique unit, and only then", async () => {
    await clean.facts.verifyUniqueColumn("population", "person_id");
    const fast = await explain(clean, GROUP_BY);
    expect(fast.rewrites).toContain("unit_unique_per_row");
    expect(fast.executedSql).not.toMatch(/row_number|DISTINCT __pu/);

    await repeated.facts.verifyUniqueColumn("population", "person_id");
    const general = await explain(repeated, GROUP_BY);
    expect(general.rewrites).not.toContain("unit_unique_per_row");
    expect(general.executedSql).toMatch(/row_number\(\) OVER \(PARTITION BY __pu/);

    // A join may read a unit's rows many times over: not one row per unit (the window it keeps
    // unless rows per unit are verified within the cap: see verified-facts.test.ts).
    const join = await explain(
      clean,
      "SELECT p.district, count(*) AS visits FROM population p JOIN medical_visits m ON p.person_id = m.person_id GROUP BY p.district",
    );
    expect(join.rewrites).not.toContain("unit_unique_per_row");
    const subquery = await explain(
      clean,
      "SELECT district, count(*) AS n FROM (SELECT * FROM population) AS q GROUP BY district",
    );
    if (subquery.accepted) expect(subquery.rewrites).not.toContain("unit_unique_per_row");
  });

  it("computes the same aggregate with and without the window where units are unique", async () => {
    await clean.facts.verifyUniqueColumn("population", "person_id");
    const connection = await clean.connect();
    const parser = await parserConnection();
    const sqlOf = async (unique: boolean) =>
      (
        await createQueryService({
          noiseSalt: TEST_NOISE_SALT,
          domain: connection,
          parser,
          ledger: new InMemoryPrivacyBudgetLedger(),
          facts: { ...NOTHING_KNOWN, uniqueColumn: () => unique },
        }).explain({ sql: GROUP_BY, license: demoLicense(), manifests: DEMO_MANIFESTS, at: new Date() })
      ).executedSql!;
    const rows = async (sql: string) =>
      (await connection.runAndReadAll(`SELECT * FROM (${sql}) ORDER BY __g0`)).getRowsJson();
    const fast = await sqlOf(true);
    expect(fast).not.toEqual(await sqlOf(false));
    expect(await rows(fast)).toEqual(await rows(await sqlOf(false)));
  });
});
