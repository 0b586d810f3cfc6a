import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clampExpression, type ValueFacts } from "../../policies/clamp.ts";

// The clamp may shrink only where verified facts show the data never reaches a bound; with no
// facts, or facts the bounds have moved past, every value is clamped as before.

type Connection = Awaited<ReturnType<DuckDBInstance["connect"]>>;
let instance: DuckDBInstance;
let connection: Connection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  connection = await instance.connect();
});

afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

/** Clamps each value (given in `type`) with the expression and returns the results. */
async function clamped(
  type: string,
  values: readonly (string | null)[],
  bounds: { lo: number; hi: number },
  facts?: ValueFacts,
): Promise<unknown[]> {
  const rows = values.map((v) => `(${v === null ? "NULL" : `CAST(${v} AS ${type})`})`).join(", ");
  const reader = await connection.runAndReadAll(
    `SELECT ${clampExpression("v", bounds, facts)} AS c FROM (VALUES ${rows}) AS t(v)`,
  );
  return reader.getRowsJson().map(([c]) => (c === null ? null : Number(c)));
}

const income = (min: bigint, max: bigint, type = "INTEGER"): ValueFacts => ({
  type,
  hasNulls: false,
  range: { min, max },
});

describe("clamping a sum's inputs", () => {
  it("clamps both sides in DOUBLE without facts, and leaves NULL a NULL", async () => {
    const sql = clampExpression("__m1", { lo: -5, hi: 10 });
    expect(sql).toContain("TRY_CAST(__m1 AS DOUBLE) > CAST(10 AS DOUBLE)");
    expect(sql).toContain("TRY_CAST(__m1 AS DOUBLE) < CAST(-5 AS DOUBLE)");
    expect(await clamped("INTEGER", ["-9", "3", "11", null], { lo: -5, hi: 10 })).toEqual([-5, 3, 10, null]);
  });

  it("drops a side only where the verified range stays inside the bound", async () => {
    // Incomes 0..5.9M against bounds [0, 2M]: the lower side cannot bind, the upper side does.
    const facts = income(0n, 5_946_790n);
    const sql = clampExpression("x", { lo: 0, hi: 2_000_000 }, facts);
    expect(sql).toBe("CASE WHEN x > CAST(2000000 AS INTEGER) THEN CAST(2000000 AS INTEGER) ELSE x END");
    expect(await clamped("INTEGER", ["0", "1999999", "5946790"], { lo: 0, hi: 2_000_000 }, facts)).toEqual([
      0, 1_999_999, 2_000_000,
    ]);
    // Entirely inside the bounds: the value itself.
    expect(clampExpression("x", { lo: 0, hi: 10_000_000 }, facts)).toBe("x");
  });

  it("clamps again when the bounds move inside a range once verified outside them", async () => {
    // The same fact, a policy tightened to [100, 1000]: both sides bind and both are clamped.
    const facts = income(0n, 5_946_790n);
    expect(await clamped("INTEGER", ["0", "500", "5946790"], { lo: 100, hi: 1000 }, facts)).toEqual([
      100, 500, 1000,
    ]);
  });

  it("clamps a hostile value the facts did not see coming: facts are of the data, not of the bounds", async () => {
    // A range fact that says max 200000 against a bound of 150000 keeps the upper clamp.
    const facts = income(5n, 200_000n, "DECIMAL(10,2)");
    const sql = clampExpression("c", { lo: 0, hi: 150_000 }, facts);
    expect(sql).toContain("CAST(150000 AS DECIMAL(10,2))");
    expect(
      await clamped("DECIMAL(10,2)", ["5.82", "150000.01", "199999.99"], { lo: 0, hi: 150_000 }, facts),
    ).toEqual([5.82, 150_000, 150_000]);
  });

  it("compares in DOUBLE when the type or the bounds do not convert exactly", () => {
    const range = { min: 0n, max: 10n };
    // Non-integer bounds, wide decimals, unknown ranges and non-numeric types keep the cast.
    expect(clampExpression("x", { lo: 0, hi: 2.5 }, { type: "INTEGER", hasNulls: false, range })).toContain(
      "TRY_CAST(x AS DOUBLE)",
    );
    expect(
      clampExpression("x", { lo: 0, hi: 5 }, { type: "DECIMAL(38,2)", hasNulls: false, range }),
    ).toContain("TRY_CAST(x AS DOUBLE)");
    expect(
      clampExpression("x", { lo: 0, hi: 5 }, { type: "INTEGER", hasNulls: false, range: null }),
    ).toContain("TRY_CAST(x AS DOUBLE) > CAST(5 AS DOUBLE)");
    expect(clampExpression("x", { lo: 0, hi: 5 }, { type: "VARCHAR", hasNulls: false, range })).toContain(
      "TRY_CAST(x AS DOUBLE)",
    );
  });

  it("clamps NaN and infinities in DOUBLE, where no range is known", async () => {
    const values = ["'nan'", "'inf'", "'-inf'", "1.5"];
    expect(
      await clamped("DOUBLE", values, { lo: 0, hi: 10 }, { type: "DOUBLE", hasNulls: false, range: null }),
    ).toEqual([10, 10, 0, 1.5]);
  });
});
