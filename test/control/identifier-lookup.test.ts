import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { createIdentifierLookup, IdentifierMemo } from "../../control/jobs/identifier-lookup.ts";
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

  it("remembers answers per data versions: texts asked again are not looked up again", async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    await connection.run("CREATE TABLE population (person_id BIGINT, id_number VARCHAR, name VARCHAR)");
    await connection.run("INSERT INTO population VALUES (1, '11010519491231002X', '王伟')");
    await connection.run("CREATE TABLE enterprises (uscc VARCHAR, name VARCHAR)");
    await connection.run("CREATE TABLE medical_visits (visit_id BIGINT, person_id BIGINT)");
    await connection.run("CREATE TABLE credit_records (record_id BIGINT, uscc VARCHAR)");
    await connection.run("CREATE TABLE electricity_usage (uscc VARCHAR)");
    // Each statement's candidates, as the lookup sends them.
    const asked: string[][] = [];
    const counting = {
      runAndReadAll: (sql: string, values?: unknown) => {
        asked.push(JSON.parse(String((values as unknown[])[0])) as string[]);
        return connection.runAndReadAll(sql, values as never);
      },
    };
    const memo = new IdentifierMemo();
    const versions = { population: 3, enterprises: 1 };
    const lookup = () => createIdentifierLookup(counting, DEMO_MANIFESTS, { memo, versions });
    expect([...(await lookup()(["王伟", "2025-01-01", "李四"]))]).toEqual(["王伟"]);
    expect(asked).toEqual([["王伟", "2025-01-01", "李四"]]);
    // Another job on the same versions: known texts answered from memory, only new ones looked up.
    expect([...(await lookup()(["王伟", "2025-01-01", "11010519491231002X"]))].sort()).toEqual([
      "11010519491231002X",
      "王伟",
    ]);
    expect(asked[1]).toEqual(["11010519491231002X"]);
    expect(await lookup()(["2025-01-01", "李四"])).toEqual(new Set());
    expect(asked).toHaveLength(2);
    // New data versions: nothing remembered holds.
    await connection.run("INSERT INTO population VALUES (2, '110105194912310037', '李四')");
    const next = createIdentifierLookup(counting, DEMO_MANIFESTS, {
      memo,
      versions: { ...versions, population: 4 },
    });
    expect(await next(["李四"])).toEqual(new Set(["李四"]));
    expect(asked[2]).toEqual(["李四"]);
    // Without a memo every lookup asks.
    const plain = createIdentifierLookup(counting, DEMO_MANIFESTS);
    await plain(["李四"]);
    await plain(["李四"]);
    expect(asked).toHaveLength(5);
    connection.closeSync();
    instance.closeSync();
  });

  it("bounds what it remembers: the oldest texts go first, long texts are never kept", () => {
    const memo = new IdentifierMemo(2);
    // A lookup asks first (which makes its scope current), then tells what it found.
    expect(memo.recall("s", ["a", "b", "c"]).size).toBe(0);
    memo.remember("s", ["a", "b", "c"], new Set(["b"]));
    expect(memo.recall("s", ["a", "b", "c"])).toEqual(
      new Map([
        ["b", true],
        ["c", false],
      ]),
    );
    memo.remember("s", ["x".repeat(257)], new Set());
    expect(memo.recall("s", ["x".repeat(257)]).size).toBe(0);
    // Another scope forgets the first; an answer for a scope no longer current is not kept.
    expect(memo.recall("t", ["b"]).size).toBe(0);
    memo.remember("s", ["b"], new Set(["b"]));
    expect(memo.recall("t", ["b"]).size).toBe(0);
  });
});
