import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../storage/schema.ts";
import { isUniqueViolation } from "../../storage/sql-store.ts";
import { openTestStore, STORE_KINDS, type TestStore } from "../support/stores.ts";

describe.each(STORE_KINDS)("control-plane store on %s", (kind) => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it("commits a transaction's writes together and rolls all of them back on a throw", async () => {
    t = await openTestStore(kind);
    const { store } = t;
    const insert = "INSERT INTO tariffs (version, tariff, effective_from, author) VALUES ($1, $2, $3, $4)";
    await store.transaction(async (tx) => {
      await tx.run(insert, [1, "{}", "2026-01-01T00:00:00.000Z", "a"]);
      await tx.run(insert, [2, "{}", "2026-01-02T00:00:00.000Z", "a"]);
    });
    await expect(
      store.transaction(async (tx) => {
        await tx.run(insert, [3, "{}", "2026-01-03T00:00:00.000Z", "a"]);
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    const rows = await store.query<{ version: number }>("SELECT version FROM tariffs ORDER BY version");
    expect(rows.map((r) => r.version)).toEqual([1, 2]);
  });

  it("answers counts and sums as numbers and reports changed rows", async () => {
    t = await openTestStore(kind);
    const { store } = t;
    await store.run(
      "INSERT INTO budget_spent (license_id, dataset, period, micro_epsilon) VALUES ($1, $2, $3, $4)",
      ["lic", "population", "2026-12", 1_500_000],
    );
    const changed = await store.run(
      "UPDATE budget_spent SET micro_epsilon = micro_epsilon + $1 WHERE license_id = $2 AND micro_epsilon + $1 <= $3",
      [600_000, "lic", 2_000_000],
    );
    expect(changed).toBe(0);
    const [row] = await store.query<{ n: number; total: number }>(
      "SELECT count(*) AS n, sum(micro_epsilon) AS total FROM budget_spent",
    );
    expect(row).toEqual({ n: 1, total: 1_500_000 });
  });

  it("names a duplicate key as such", async () => {
    t = await openTestStore(kind);
    const insert = "INSERT INTO tariffs (version, tariff, effective_from, author) VALUES ($1, $2, $3, $4)";
    await t.store.run(insert, [1, "{}", "2026-01-01T00:00:00.000Z", "a"]);
    const error = await t.store
      .run(insert, [1, "{}", "2026-01-01T00:00:00.000Z", "a"])
      .catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it("commits concurrent transactions that succeed and none of one that throws, each visible once it resolves", async () => {
    t = await openTestStore(kind);
    const { store } = t;
    const insert = "INSERT INTO tariffs (version, tariff, effective_from, author) VALUES ($1, $2, $3, $4)";
    const outcomes = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) =>
        store
          .transaction(async (tx) => {
            await tx.run(insert, [i * 2, "{}", "2026-01-01T00:00:00.000Z", "a"]);
            await tx.run(insert, [i * 2 + 1, "{}", "2026-01-01T00:00:00.000Z", "a"]);
            if (i % 7 === 3) throw new Error(`transaction ${i} gives up`);
            // What resolves is already readable by a reader outside any transaction.
            return i;
          })
          .then(async (i) => {
            const seen = await store.query("SELECT version FROM tariffs WHERE version = $1", [i * 2 + 1]);
            expect(seen).toHaveLength(1);
            return i;
          }),
      ),
    );
    const failed = outcomes.flatMap((o, i) => (o.status === "rejected" ? [i] : []));
    expect(failed).toEqual(Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 7 === 3));
    const rows = await store.query<{ version: number }>("SELECT version FROM tariffs ORDER BY version");
    const expected = Array.from({ length: 60 }, (_, i) => i)
      .filter((i) => i % 7 !== 3)
      .flatMap((i) => [i * 2, i * 2 + 1]);
    expect(rows.map((r) => r.version)).toEqual(expected);
  });

  it("reopens at the same schema without migrating twice", async () => {
    t = await openTestStore(kind);
    const again = await t.reopen();
    const rows = await again.query<{ version: number }>(
      "SELECT version FROM schema_migrations ORDER BY version",
    );
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });
});
