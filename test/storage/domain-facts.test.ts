import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DataDomain, openDataDomain } from "../../storage/data-domain.ts";
import { tempDir } from "../support/duckdb.ts";

// Facts the policy engine may skip work on are verified on the data itself, and an unknown or
// failed check is never a yes.

let folder: Awaited<ReturnType<typeof tempDir>>;
let domain: DataDomain;

beforeAll(async () => {
  folder = await tempDir("aos-facts-");
  const file = join(folder.dir, "facts.duckdb");
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  await connection.run(`CREATE TABLE t AS SELECT * FROM (VALUES
    (1, 10, CAST(5.82 AS DECIMAL(10,2)), CAST(1.5 AS DOUBLE), 'a', 7),
    (2, NULL, CAST(199999.99 AS DECIMAL(10,2)), CAST('nan' AS DOUBLE), 'b', 7),
    (3, -4, CAST(-0.5 AS DECIMAL(10,2)), CAST(2.5 AS DOUBLE), NULL, NULL)
  ) AS v(id, n, amount, ratio, label, repeated)`);
  await connection.run("CREATE TABLE empty_table (x INTEGER)");
  await connection.run(`CREATE TABLE times AS SELECT * FROM (VALUES
    (DATE '2024-03-01', TIMESTAMP '2023-12-31 23:30:00', DATE '2024-01-01'),
    (DATE '2024-01-31', TIMESTAMP '2024-01-01 00:30:00', DATE 'infinity'),
    (NULL, NULL, DATE '2024-01-02')
  ) AS v(day, moment, open_ended)`);
  await connection.run(`CREATE TABLE spend AS SELECT * FROM (VALUES
    (1, 90.0), (1, 90.0), (2, 500.0), (3, -50.0), (3, -50.0), (3, -50.0),
    (4, CAST('nan' AS DOUBLE)), (4, 1.0), (5, NULL), (NULL, 1000.0)
  ) AS v(unit, paid)`);
  await connection.run(`CREATE TABLE visits AS SELECT * FROM (VALUES
    (1, 'x', NULL), (1, 'y', NULL), (2, 'x', 'a'), (NULL, 'x', 'a'), (NULL, 'x', 'a')
  ) AS v(unit, k, k2)`);
  // Unit 1 has one row per day but two in January (and in week 1); unit 2 one per month, in two
  // years (one per month of the calendar, two per month number).
  await connection.run(`CREATE TABLE readings AS SELECT * FROM (VALUES
    (1, DATE '2025-01-01'), (1, DATE '2025-01-02'), (1, DATE '2025-03-01'),
    (2, DATE '2024-05-01'), (2, DATE '2025-05-01'), (2, DATE '2025-06-01')
  ) AS v(unit, day)`);
  connection.closeSync();
  instance.closeSync();
  domain = await openDataDomain(file, { threads: 1 });
});

afterAll(async () => {
  domain?.close();
  await folder?.remove();
});

describe("verified rows per value", () => {
  it("counts the most rows sharing one value, NULLs aside", async () => {
    expect(await domain.facts.verifyMaxRowsPerValue("t", "repeated")).toBe(2);
    expect(await domain.facts.verifyMaxRowsPerValue("t", "id")).toBe(1);
    expect(await domain.facts.verifyMaxRowsPerValue("empty_table", "x")).toBe(0);
    expect(await domain.facts.verifyMaxRowsPerValue("t", 'id" FROM t; --')).toBeUndefined();
  });
});

describe("verified one row per unit and key", () => {
  it("holds where no unit has two rows with the same key values, NULL being one value", async () => {
    expect(await domain.facts.verifyUnitOncePerKey("visits", "unit", ["k"])).toBe(true);
    expect(await domain.facts.verifyUnitOncePerKey("visits", "unit", ["k", "k2"])).toBe(true);
    // Unit 1 has two rows whose k2 is NULL: one group, two rows.
    expect(await domain.facts.verifyUnitOncePerKey("visits", "unit", ["k2"])).toBe(false);
    expect(domain.facts.unitOncePerKey("visits", "unit", ["k"])).toBe(true);
  });

  it("groups by the calendar period a key puts a column into, as the query's own function does", async () => {
    const period = (kind: "trunc" | "part", unit: "year" | "month" | "week" | "day" | "weekday") => ({
      column: "day",
      bucket: { kind, unit },
    });
    expect(await domain.facts.verifyUnitOncePerKey("readings", "unit", ["day"])).toBe(true);
    expect(await domain.facts.verifyUnitOncePerKey("readings", "unit", [period("trunc", "day")])).toBe(true);
    // Unit 1's two January days share a month; unit 2's two Mays share a month number.
    expect(await domain.facts.verifyUnitOncePerKey("readings", "unit", [period("trunc", "month")])).toBe(
      false,
    );
    expect(await domain.facts.verifyUnitOncePerKey("readings", "unit", [period("part", "month")])).toBe(
      false,
    );
    expect(await domain.facts.verifyUnitOncePerKey("readings", "unit", [period("part", "day")])).toBe(false);
    // 2025-01-01 is a Wednesday, 01-02 a Thursday, 03-01 a Saturday; 2024-05-01 a Wednesday,
    // 2025-05-01 a Thursday, 06-01 a Sunday.
    expect(await domain.facts.verifyUnitOncePerKey("readings", "unit", [period("part", "weekday")])).toBe(
      true,
    );
    expect(domain.facts.unitOncePerKey("readings", "unit", [period("part", "weekday")])).toBe(true);
    expect(domain.facts.unitOncePerKey("readings", "unit", [period("trunc", "month")])).toBe(false);
    // A weekday is a part, not a unit date_trunc knows.
    expect(await domain.facts.verifyUnitOncePerKey("readings", "unit", [period("trunc", "weekday")])).toBe(
      false,
    );
    expect(
      await domain.facts.verifyUnitOncePerKey("readings", "unit", [
        { column: 'day") --', bucket: { kind: "part", unit: "month" } },
      ]),
    ).toBe(false);
    expect(await domain.facts.verifyUnitOncePerKey("readings", "unit", ["part:month"])).toBe(false);
  });

  it("is never a yes for malformed names or no key", async () => {
    expect(await domain.facts.verifyUnitOncePerKey("visits", "unit", [])).toBe(false);
    expect(await domain.facts.verifyUnitOncePerKey("visits", "unit", ['k" --'])).toBe(false);
    expect(await domain.facts.verifyUnitOncePerKey("visits", "missing", ["k"])).toBe(false);
    expect(domain.facts.unitOncePerKey("visits", "k2", ["unit"])).toBe(false);
  });
});

describe("verified units over a count of rows", () => {
  it("lists the units with more rows than the count, NULL aside, typed for a temporary table", async () => {
    const overNone = await domain.facts.verifyUnitsOverRows("t", "id", 0);
    expect(overNone?.type).toBe("BIGINT");
    expect([...(overNone?.values ?? [])].sort()).toEqual([1n, 2n, 3n]);
    expect(await domain.facts.verifyUnitsOverRows("t", "id", 1)).toEqual({ type: "BIGINT", values: [] });
    expect(await domain.facts.verifyUnitsOverRows("visits", "k", 2)).toEqual({
      type: "VARCHAR",
      values: ["x"],
    });
  });

  it("keeps nothing for other types, malformed names or counts", async () => {
    expect(await domain.facts.verifyUnitsOverRows("t", "amount", 0)).toBeUndefined();
    expect(await domain.facts.verifyUnitsOverRows("t", 'id" --', 1)).toBeUndefined();
    expect(await domain.facts.verifyUnitsOverRows("t", "id", -1)).toBeUndefined();
    expect(await domain.facts.verifyUnitsOverRows("t", "id", 1.5)).toBeUndefined();
  });
});

describe("verified units over a total", () => {
  // spend: unit 1 pays 90 + 90 (180 clamped to hi 100 each: 180); unit 2 pays 500 once (clamped:
  // 100); unit 3 pays -50 three times (clamped up to lo 40: 120); unit 4 pays NaN and 1 (DuckDB
  // orders NaN above every number, so NaN clamps to hi, as in the rewrite's clamp); unit 5 pays
  // nothing known (NULLs); a NULL unit pays 1000.
  it("lists the units whose clamped values add up to more than the total, NULL aside", async () => {
    const over = await domain.facts.verifyUnitsOverTotal("spend", "unit", {
      column: "paid",
      bounds: { lo: 40, hi: 100 },
      total: 110,
    });
    expect(over?.type).toBe("BIGINT");
    expect([...(over?.values ?? [])].sort()).toEqual([1n, 3n, 4n]);
    // The clamp counts: without raising -50 to 40, unit 3 adds up to nothing; unit 4 to 100 + 1.
    const low = await domain.facts.verifyUnitsOverTotal("spend", "unit", {
      column: "paid",
      bounds: { lo: 0, hi: 100 },
      total: 110,
    });
    expect([...(low?.values ?? [])].sort()).toEqual([1n]);
    // A unit exactly at the total is listed too (a margin keeps the list a superset).
    const at = await domain.facts.verifyUnitsOverTotal("spend", "unit", {
      column: "paid",
      bounds: { lo: 0, hi: 1000 },
      total: 500,
    });
    expect([...(at?.values ?? [])].sort()).toEqual([2n, 4n]);
    expect(
      domain.facts.unitsOverTotal("spend", "unit", {
        column: "paid",
        bounds: { lo: 0, hi: 1000 },
        total: 500,
      }),
    ).toEqual(at);
  });

  it("keeps nothing for malformed names, negative lower bounds or totals that are not numbers", async () => {
    const ask = (column: string, lo: number, hi: number, total: number, unit = "unit") =>
      domain.facts.verifyUnitsOverTotal("spend", unit, { column, bounds: { lo, hi }, total });
    expect(await ask('paid" --', 0, 100, 10)).toBeUndefined();
    expect(await ask("paid", 0, 100, 10, 'unit" --')).toBeUndefined();
    expect(await ask("paid", -1, 100, 10)).toBeUndefined();
    expect(await ask("paid", 0, 100, Number.NaN)).toBeUndefined();
    expect(await ask("paid", 0, Number.POSITIVE_INFINITY, 10)).toBeUndefined();
  });
});

describe("verified column profiles", () => {
  it("records type, NULLs and an integer envelope of the values", async () => {
    expect(await domain.facts.verifyColumnProfile("t", "id")).toEqual({
      type: "INTEGER",
      hasNulls: false,
      range: { min: 1n, max: 3n },
    });
    expect(await domain.facts.verifyColumnProfile("t", "n")).toEqual({
      type: "INTEGER",
      hasNulls: true,
      range: { min: -4n, max: 10n },
    });
    // floor of the least, ceiling of the greatest: the envelope contains every value.
    expect(await domain.facts.verifyColumnProfile("t", "amount")).toEqual({
      type: "DECIMAL(10,2)",
      hasNulls: false,
      range: { min: -1n, max: 200000n },
    });
  });

  it("knows no range where a value is not finite, or the column is not a number or empty", async () => {
    expect((await domain.facts.verifyColumnProfile("t", "ratio"))?.range).toBeNull();
    expect(await domain.facts.verifyColumnProfile("t", "label")).toEqual({
      type: "VARCHAR",
      hasNulls: true,
      range: null,
    });
    expect(await domain.facts.verifyColumnProfile("empty_table", "x")).toEqual({
      type: "INTEGER",
      hasNulls: false,
      range: null,
    });
    // Distinct values, NULL aside (NaN is a value like any other), asked separately.
    expect(await domain.facts.verifyDistinctValues("t", "ratio")).toBe(3);
    expect(await domain.facts.verifyDistinctValues("t", "n")).toBe(2);
    expect(await domain.facts.verifyDistinctValues("empty_table", "x")).toBe(0);
    expect(await domain.facts.verifyDistinctValues("t", 'n" --')).toBeUndefined();
  });

  it("records the span of a date or time column in seconds since 1970, none where a value is infinite", async () => {
    expect(await domain.facts.verifyColumnProfile("times", "day")).toEqual({
      type: "DATE",
      hasNulls: true,
      range: null,
      epochRange: { min: Date.UTC(2024, 0, 31) / 1000, max: Date.UTC(2024, 2, 1) / 1000 },
    });
    expect((await domain.facts.verifyColumnProfile("times", "moment"))?.epochRange).toEqual({
      min: Date.UTC(2023, 11, 31, 23, 30) / 1000,
      max: Date.UTC(2024, 0, 1, 0, 30) / 1000,
    });
    expect(await domain.facts.verifyColumnProfile("times", "open_ended")).toEqual({
      type: "DATE",
      hasNulls: false,
      range: null,
    });
    expect((await domain.facts.verifyColumnProfile("t", "id"))?.epochRange).toBeUndefined();
  });

  it("answers unknown for missing and malformed names, never a profile", async () => {
    expect(await domain.facts.verifyColumnProfile("t", "missing")).toBeUndefined();
    expect(await domain.facts.verifyColumnProfile("missing", "id")).toBeUndefined();
    expect(await domain.facts.verifyColumnProfile("t", 'id" FROM t; --')).toBeUndefined();
    expect(await domain.facts.verifyColumnProfile("t.x", "id")).toBeUndefined();
    expect(await domain.facts.verifyUniqueColumn("t", 'id" OR 1=1 --')).toBe(false);
  });

  it("does not wait: unknown at first ask, known once the check has run", async () => {
    expect(domain.facts.columnProfile("t", "repeated")).toBeUndefined();
    expect(domain.facts.uniqueColumn("t", "repeated")).toBe(false);
    await domain.facts.verifyColumnProfile("t", "repeated");
    expect(domain.facts.columnProfile("t", "repeated")).toMatchObject({ hasNulls: true });
    expect(await domain.facts.verifyUniqueColumn("t", "repeated")).toBe(false);
    expect(await domain.facts.verifyUniqueColumn("t", "id")).toBe(true);
    expect(domain.facts.uniqueColumn("t", "id")).toBe(true);
  });
});
