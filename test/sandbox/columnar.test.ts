import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../policies/errors.ts";
import { batchBytes, type ColumnarBatch, ColumnarBatchSchema, type ColumnData } from "../../sandbox/batch.ts";
import { answerValues, toColumnarBatch } from "../../storage/columnar.ts";

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  connection = await instance.connect();
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

async function batchOf(sql: string, maxRows?: number): Promise<ColumnarBatch> {
  const batch = await toColumnarBatch(await connection.run(sql), maxRows === undefined ? {} : { maxRows });
  expect(ColumnarBatchSchema.safeParse(batch).success).toBe(true);
  return batch;
}

/** The values of a column the way a script reads them in a row: null for NULL. */
function values(data: ColumnData | undefined): unknown[] {
  if (!data) throw new Error("no such column");
  const count = "offsets" in data ? data.offsets.length - 1 : data.values.length;
  return Array.from({ length: count }, (_, i) => {
    if (data.valid && data.valid[i] === 0) return null;
    if (data.kind === "number" || data.kind === "int64") return data.values[i];
    if (data.kind === "boolean") return data.values[i] === 1;
    const text = data.chars.slice(data.offsets[i], data.offsets[i + 1]);
    return data.kind === "json" ? JSON.parse(text) : text;
  });
}

describe("toColumnarBatch", () => {
  it("converts every catalog type, NULLs as a validity mask and NaN", async () => {
    const batch = await batchOf(`
      SELECT * FROM (VALUES
        (1::BIGINT, 'a'::VARCHAR, 2::INTEGER, 3::SMALLINT, 1.5::DOUBLE, 12.34::DECIMAL(18,2), DATE '1900-03-01', TIMESTAMP '2001-02-03 04:05:06.789999', true),
        (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
      ) AS t(big, s, i, small, d, dec, day, ts, b)`);
    expect(batch.rowCount).toBe(2);
    const byName = Object.fromEntries(batch.columns.map((c) => [c.name, c]));
    expect(byName.big?.sqlType).toBe("BIGINT");
    expect(byName.dec?.sqlType).toBe("DECIMAL(18,2)");
    expect(values(byName.big?.data)).toEqual([1, null]);
    expect(values(byName.s?.data)).toEqual(["a", null]);
    expect(values(byName.i?.data)).toEqual([2, null]);
    expect(values(byName.small?.data)).toEqual([3, null]);
    expect(values(byName.d?.data)).toEqual([1.5, null]);
    expect(values(byName.dec?.data)).toEqual([12.34, null]);
    expect(values(byName.day?.data)).toEqual(["1900-03-01", null]);
    // A TIMESTAMP without time zone is a wall-clock reading: RFC 3339 without an offset, microseconds kept.
    expect(values(byName.ts?.data)).toEqual(["2001-02-03T04:05:06.789999", null]);
    expect(values(byName.b?.data)).toEqual([true, null]);
    const numeric = byName.d?.data;
    expect(numeric?.kind === "number" && Number.isNaN(numeric.values[1])).toBe(true);
  });

  it("leaves the validity mask out when a column has no NULL", async () => {
    const batch = await batchOf("SELECT range AS n FROM range(3)");
    expect(batch.columns[0]?.data).toEqual({
      kind: "number",
      values: new Float64Array([0, 1, 2]),
      valid: null,
    });
  });

  it("gathers results that span many DuckDB chunks", async () => {
    const batch = await batchOf("SELECT range AS n, 'v' || range AS s FROM range(10000)");
    expect(batch.rowCount).toBe(10000);
    const [n, s] = batch.columns;
    expect(values(n?.data).at(-1)).toBe(9999);
    expect(values(s?.data).slice(2047, 2050)).toEqual(["v2047", "v2048", "v2049"]);
    expect(batchBytes(batch)).toBe(
      10000 * 8 + (s?.data.kind === "string" ? s.data.chars.length * 2 : 0) + 10001 * 4,
    );
  });

  it("carries aggregate result types: HUGEINT sums and wide DECIMALs", async () => {
    const batch = await batchOf(
      "SELECT sum(range) AS total, sum(range::DECIMAL(18,2)) AS money FROM range(100)",
    );
    expect(batch.columns.map((c) => c.sqlType)).toEqual(["HUGEINT", "DECIMAL(38,2)"]);
    expect(batch.columns.map((c) => values(c.data)[0])).toEqual([4950, 4950]);
  });

  it("keeps dates and timestamps outside the usual range in DuckDB's spelling", async () => {
    const batch = await batchOf(
      "SELECT 'infinity'::DATE AS d, '-infinity'::TIMESTAMP AS t, DATE '0044-03-15' AS ides",
    );
    expect(batch.columns.map((c) => values(c.data)[0])).toEqual(["infinity", "-infinity", "0044-03-15"]);
  });

  it("names duplicate result columns apart", async () => {
    const batch = await batchOf("SELECT 1 AS a, 2 AS a");
    expect(batch.columns.map((c) => c.name)).toEqual(["a", "a:1"]);
  });

  it("carries integers a double cannot hold exactly as int64, and instants in UTC", async () => {
    const batch = await batchOf(
      "SELECT * FROM (VALUES (9007199254740993::BIGINT, TIMESTAMPTZ '2024-03-01 08:00:00.5+08', [1, 2]), (7, NULL, NULL)) AS t(id, seen_at, l)",
    );
    expect(batch.columns[0]?.data.kind).toBe("int64");
    expect(values(batch.columns[0]?.data)).toEqual([9007199254740993n, 7n]);
    expect(values(batch.columns[1]?.data)).toEqual(["2024-03-01T00:00:00.5Z", null]);
    expect(values(batch.columns[2]?.data)).toEqual([[1, 2], null]);
  });

  it("refuses integers beyond 64 bits, naming the column but not the value", async () => {
    const error = await toColumnarBatch(
      await connection.run("SELECT 170141183460469231731687303715884105727::HUGEINT AS id"),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: "SQL_NOT_ALLOWED" });
    expect((error as DomainError).detail).toContain('"id"');
    expect((error as DomainError).detail).not.toContain("170141183460469231731687303715884105727");
  });

  it("refuses types scripts cannot receive", async () => {
    for (const sql of ["SELECT {'a': 1} AS s", "SELECT 'x'::BLOB AS b", "SELECT INTERVAL 1 DAY AS i"]) {
      await expect(toColumnarBatch(await connection.run(sql)), sql).rejects.toMatchObject({
        code: "SQL_NOT_ALLOWED",
      });
    }
  });

  it("refuses a result larger than the rows the job may still receive", async () => {
    await expect(
      toColumnarBatch(await connection.run("SELECT * FROM range(11)"), { maxRows: 10 }),
    ).rejects.toMatchObject({ code: "LIMIT_EXCEEDED" });
    expect((await batchOf("SELECT * FROM range(10)", 10)).rowCount).toBe(10);
  });
});

describe("ColumnarBatchSchema", () => {
  it("refuses batches whose columns disagree with the row count or whose offsets are out of range", () => {
    const good = { kind: "number" as const, values: new Float64Array(2), valid: null };
    expect(
      ColumnarBatchSchema.safeParse({ rowCount: 3, columns: [{ name: "a", sqlType: "DOUBLE", data: good }] })
        .success,
    ).toBe(false);
    const badOffsets = {
      kind: "string" as const,
      chars: "ab",
      offsets: new Uint32Array([0, 5]),
      valid: null,
    };
    expect(
      ColumnarBatchSchema.safeParse({
        rowCount: 1,
        columns: [{ name: "s", sqlType: "VARCHAR", data: badOffsets }],
      }).success,
    ).toBe(false);
    expect(
      ColumnarBatchSchema.safeParse({
        rowCount: 2,
        columns: [
          { name: "a", sqlType: "DOUBLE", data: good },
          { name: "a", sqlType: "DOUBLE", data: good },
        ],
      }).success,
    ).toBe(false);
  });
});

describe("answerValues", () => {
  it("spells every TIMESTAMP as the binding's JSON rendering does, in rows, row objects and lists", async () => {
    // Instants over DuckDB's whole range (BC years and infinity included), whole days and seconds,
    // the edges of years 1 and 9999, and NULL; each also in a list.
    const reader = await connection.runAndReadAll(`
      WITH picks AS (
        SELECT make_timestamp((random() * 2e17 - 5e16)::BIGINT) AS t FROM range(20000)
        UNION ALL SELECT date_trunc('second', make_timestamp((random() * 4e17 - 2e17)::BIGINT)) FROM range(2000)
        UNION ALL SELECT date_trunc('day', make_timestamp((random() * 4e17 - 2e17)::BIGINT)) FROM range(2000)
        UNION ALL SELECT make_timestamp((random() * 2e18 - 1e18)::BIGINT) FROM range(2000)
        UNION ALL SELECT unnest([TIMESTAMP '0001-01-01 00:00:00', TIMESTAMP '0000-12-31 23:59:59.999999',
          TIMESTAMP '9999-12-31 23:59:59.999999', TIMESTAMP '10000-01-01 00:00:00', TIMESTAMP '1969-12-31 23:59:59.5',
          TIMESTAMP '1970-01-01 00:00:00', 'infinity'::TIMESTAMP, '-infinity'::TIMESTAMP, NULL])
      )
      SELECT t, [t, NULL] AS l FROM picks`);
    expect(reader.currentRowCount).toBe(26009);
    expect(reader.convertRows(answerValues)).toEqual(reader.getRowsJson());
    expect(reader.convertRowObjects(answerValues)).toEqual(reader.getRowObjectsJson());
    const spelt = reader.convertRows(answerValues).map((row) => row[0]);
    expect(spelt).toContain("0001-01-01 00:00:00");
    expect(spelt).toContain("1969-12-31 23:59:59.5");
    expect(spelt).toContain("infinity");
  });

  it("leaves every other type to the binding's rendering", async () => {
    const reader = await connection.runAndReadAll(
      "SELECT 1::BIGINT AS b, 1.5::DECIMAL(4,2) AS d, DATE '2024-02-29' AS day, TIMESTAMPTZ '2024-03-01 08:00:00+08' AS tz, TIMESTAMP_MS '2024-03-01 00:00:00.123' AS ms, 'x' AS s, NULL AS n",
    );
    expect(reader.convertRows(answerValues)).toEqual(reader.getRowsJson());
  });
});
