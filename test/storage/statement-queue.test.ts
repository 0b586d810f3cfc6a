import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { StatementQueue } from "../../storage/statement-queue.ts";

async function queue() {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v VARCHAR)");
  const statements = new StatementQueue(connection);
  const rows = () =>
    statements.exclusive(async () =>
      (await connection.runAndReadAll("SELECT id, v FROM t ORDER BY id")).getRowsJson(),
    );
  return { statements, rows, close: () => connection.closeSync() };
}

describe("control-plane statement queue", () => {
  it("commits writes that queued up behind a busy connection together, in order, before later reads", async () => {
    const { statements, rows, close } = await queue();
    const writes = Array.from({ length: 20 }, (_, i) =>
      statements.write("INSERT INTO t VALUES ($1, $2)", [i, `v${i}`]),
    );
    const updated = statements.write("UPDATE t SET v = 'changed' WHERE id = 3");
    const seen = rows();
    await Promise.all([...writes, updated]);
    expect((await seen).length).toBe(20);
    expect((await seen)[3]).toEqual([3, "changed"]);
    expect(statements.grouped.commits).toBeGreaterThan(0);
    expect(statements.grouped.writes).toBeGreaterThan(1);
    close();
  });

  it("gives a failing write its own error and lets the others of its group commit", async () => {
    const { statements, rows, close } = await queue();
    await statements.write("INSERT INTO t VALUES (1, 'first')");
    const outcomes = await Promise.allSettled([
      statements.write("INSERT INTO t VALUES (2, 'a')"),
      statements.write("INSERT INTO t VALUES (1, 'duplicate')"),
      statements.write("INSERT INTO t VALUES (3, 'b')"),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/constraint|duplicate/i);
    expect(await rows()).toEqual([
      [1, "first"],
      [2, "a"],
      [3, "b"],
    ]);
    close();
  });

  it("keeps exclusive work (a transaction) apart from queued writes, and survives its failure", async () => {
    const { statements, rows, close } = await queue();
    const failed = statements.exclusive(async () => {
      throw new Error("boom");
    });
    const after = statements.write("INSERT INTO t VALUES (7, 'after')");
    await expect(failed).rejects.toThrow("boom");
    await after;
    expect(await rows()).toEqual([[7, "after"]]);
    close();
  });
});
