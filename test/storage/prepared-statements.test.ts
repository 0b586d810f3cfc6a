import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PreparedStatements } from "../../storage/prepared-statements.ts";

let instance: DuckDBInstance;
let connection: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  connection = await instance.connect();
});
afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
});

describe("prepared statements of the control plane", () => {
  it("bind each call's own values to a statement prepared once", async () => {
    const statements = new PreparedStatements(connection);
    await statements.run("CREATE TABLE t (k VARCHAR PRIMARY KEY, v INTEGER)");
    for (let i = 0; i < 5; i++) await statements.run("INSERT INTO t VALUES ($1, $2)", [`k${i}`, i]);
    const rows = async (k: string) =>
      (await statements.read("SELECT v FROM t WHERE k = $1", [k])).getRowObjectsJson();
    expect(await rows("k3")).toEqual([{ v: 3 }]);
    expect(await rows("k1")).toEqual([{ v: 1 }]);
    expect(await rows("none")).toEqual([]);
    statements.clear();
  });

  it("drop a statement whose run failed, and prepare it anew for the next call", async () => {
    const statements = new PreparedStatements(connection);
    await statements.run("CREATE TABLE u (k VARCHAR PRIMARY KEY)");
    await statements.run("INSERT INTO u VALUES ($1)", ["a"]);
    await expect(statements.run("INSERT INTO u VALUES ($1)", ["a"])).rejects.toThrow(/Duplicate key/i);
    await statements.run("INSERT INTO u VALUES ($1)", ["b"]);
    expect(
      (
        await statements.read("SELECT count(*)::INTEGER AS n FROM u WHERE k <> $1", ["z"])
      ).getRowObjectsJson(),
    ).toEqual([{ n: 2 }]);
    statements.clear();
  });

  it("see a table's new columns after a migration changed it", async () => {
    const statements = new PreparedStatements(connection);
    await statements.run("CREATE TABLE w (k VARCHAR)");
    await statements.run("INSERT INTO w VALUES ($1)", ["a"]);
    const all = async () =>
      (await statements.read("SELECT * FROM w WHERE k = $1", ["a"])).getRowObjectsJson();
    expect(await all()).toEqual([{ k: "a" }]);
    await statements.run("ALTER TABLE w ADD COLUMN n INTEGER DEFAULT 7");
    expect(await all()).toEqual([{ k: "a", n: 7 }]);
    statements.clear();
  });
});
