import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { createIdentifierLookup } from "../../control/jobs/identifier-lookup.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";

describe("identifier lookup of the release gate", () => {
  it("finds identifier values held in the domain, and skips values the catalog already publishes", async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    await connection.run("CREATE TABLE population (person_id BIGINT, id_number VARCHAR, name VARCHAR)");
    await connection.run(
      "INSERT INTO population VALUES (1, '11010519491231002X', '王伟'), (2, '110105194912310037', '新城区')",
    );
    await connection.run("CREATE TABLE enterprises (uscc VARCHAR, name VARCHAR)");
    await connection.run("CREATE TABLE medical_visits (visit_id BIGINT, person_id BIGINT)");
    await connection.run("CREATE TABLE credit_records (record_id BIGINT, uscc VARCHAR)");
    await connection.run("CREATE TABLE electricity_usage (uscc VARCHAR)");
    const lookup = createIdentifierLookup(connection, DEMO_MANIFESTS);
    const found = await lookup(["王伟", "11010519491231002X", "新城区", "李四", "x"]);
    // "新城区" is a declared district value: public, so not a disclosure even if a resident bore it.
    expect([...found].sort()).toEqual(["11010519491231002X", "王伟"]);
    expect(await lookup(["新城区", "赛罕区"])).toEqual(new Set());
    connection.closeSync();
    instance.closeSync();
  });
});
