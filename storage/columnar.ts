import {
  type DuckDBDateValue,
  type DuckDBDecimalValue,
  type DuckDBResult,
  type DuckDBTimestampTZValue,
  type DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBVector,
} from "@duckdb/node-api";
import type { BatchColumn, ColumnarBatch } from "../policies/columnar-batch.ts";
import { DomainError } from "../policies/errors.ts";

/**
 * How each DuckDB type becomes a batch column (and so a value in a script). Numbers are float64;
 * 64- and 128-bit integers must fit a double exactly, or the query fails (see `toColumnarBatch`).
 */
type ColumnKind = "number" | "wide-integer" | "decimal" | "boolean" | "string" | "date" | "timestamp";

const KIND_OF_TYPE: Partial<Record<DuckDBTypeId, ColumnKind>> = {
  [DuckDBTypeId.TINYINT]: "number",
  [DuckDBTypeId.SMALLINT]: "number",
  [DuckDBTypeId.INTEGER]: "number",
  [DuckDBTypeId.UTINYINT]: "number",
  [DuckDBTypeId.USMALLINT]: "number",
  [DuckDBTypeId.UINTEGER]: "number",
  [DuckDBTypeId.FLOAT]: "number",
  [DuckDBTypeId.DOUBLE]: "number",
  [DuckDBTypeId.BIGINT]: "wide-integer",
  [DuckDBTypeId.UBIGINT]: "wide-integer",
  [DuckDBTypeId.HUGEINT]: "wide-integer",
  [DuckDBTypeId.UHUGEINT]: "wide-integer",
  [DuckDBTypeId.DECIMAL]: "decimal",
  [DuckDBTypeId.BOOLEAN]: "boolean",
  [DuckDBTypeId.VARCHAR]: "string",
  [DuckDBTypeId.ENUM]: "string",
  [DuckDBTypeId.DATE]: "date",
  [DuckDBTypeId.TIMESTAMP]: "timestamp",
  [DuckDBTypeId.TIMESTAMP_TZ]: "timestamp",
};

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** 9999-12-31 in days since the epoch: beyond it `Date` formatting stops being ISO 8601's 4-digit year. */
const LAST_ISO_DAY = 2_932_896;
/** DuckDB stores DATE 'infinity' as the largest int32 (and '-infinity' as its negation). */
const DATE_INFINITY = 2_147_483_647;
const LAST_ISO_MICROS = BigInt(LAST_ISO_DAY + 1) * 86_400_000_000n;
const FIRST_ISO_MICROS = -62_167_219_200_000_000n;

/** One column being filled chunk by chunk. */
class ColumnBuilder {
  private readonly numbers: Float64Array | undefined;
  private readonly booleans: Uint8Array | undefined;
  private readonly strings: string[] = [];
  private readonly offsets: Uint32Array | undefined;
  private valid: Uint8Array | null = null;
  private chars = 0;
  private row = 0;

  constructor(
    readonly name: string,
    readonly sqlType: string,
    private readonly kind: ColumnKind,
    rowCount: number,
  ) {
    if (kind === "boolean") this.booleans = new Uint8Array(rowCount);
    else if (kind === "string" || kind === "date" || kind === "timestamp")
      this.offsets = new Uint32Array(rowCount + 1);
    else this.numbers = new Float64Array(rowCount);
  }

  append(vector: DuckDBVector, count: number): void {
    for (let i = 0; i < count; i++, this.row++) {
      const item = vector.getItem(i);
      if (item === null) this.appendNull();
      else this.appendValue(item);
    }
  }

  private appendNull(): void {
    if (!this.valid) {
      this.valid = new Uint8Array(this.numbers?.length ?? this.booleans?.length ?? this.offsets!.length - 1);
      this.valid.fill(1, 0, this.row);
    }
    if (this.numbers) this.numbers[this.row] = Number.NaN;
    if (this.offsets) this.offsets[this.row + 1] = this.chars;
  }

  private appendValue(item: unknown): void {
    if (this.valid) this.valid[this.row] = 1;
    switch (this.kind) {
      case "number":
        this.numbers![this.row] = item as number;
        return;
      case "wide-integer": {
        const value = item as bigint;
        if (value > MAX_SAFE || value < -MAX_SAFE) {
          throw new DomainError(
            "SQL_NOT_ALLOWED",
            `column "${this.name}" holds an integer beyond ±(2^53-1), which a script cannot receive exactly; CAST it to DOUBLE or VARCHAR`,
          );
        }
        this.numbers![this.row] = Number(value);
        return;
      }
      case "decimal":
        this.numbers![this.row] = (item as DuckDBDecimalValue).toDouble();
        return;
      case "boolean":
        this.booleans![this.row] = item ? 1 : 0;
        return;
      case "string":
        this.pushString(item as string);
        return;
      case "date":
        this.pushString(formatDate(item as DuckDBDateValue));
        return;
      case "timestamp":
        this.pushString(formatTimestamp(item as DuckDBTimestampValue | DuckDBTimestampTZValue));
        return;
    }
  }

  private pushString(value: string): void {
    this.strings.push(value);
    this.chars += value.length;
    this.offsets![this.row + 1] = this.chars;
  }

  build(): BatchColumn {
    const valid = this.valid;
    if (this.booleans)
      return {
        name: this.name,
        sqlType: this.sqlType,
        data: { kind: "boolean", values: this.booleans, valid },
      };
    if (this.numbers)
      return {
        name: this.name,
        sqlType: this.sqlType,
        data: { kind: "number", values: this.numbers, valid },
      };
    const chars = this.strings.join("");
    return {
      name: this.name,
      sqlType: this.sqlType,
      data: { kind: "string", chars, offsets: this.offsets!, valid },
    };
  }
}

/** DATE → 'YYYY-MM-DD'; dates outside years 0000–9999 (and ±infinity) in DuckDB's own spelling. */
function formatDate(value: DuckDBDateValue): string {
  if (value.days === DATE_INFINITY) return "infinity";
  if (value.days === -DATE_INFINITY) return "-infinity";
  if (Math.abs(value.days) > LAST_ISO_DAY) return value.toString();
  return new Date(value.days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * TIMESTAMP → 'YYYY-MM-DDTHH:MM:SS.sssZ' (read as UTC, microseconds cut to milliseconds), the
 * format `Date.prototype.toISOString` writes and `new Date(text)` reads back.
 */
function formatTimestamp(value: DuckDBTimestampValue | DuckDBTimestampTZValue): string {
  const { micros } = value;
  if (micros >= LAST_ISO_MICROS || micros < FIRST_ISO_MICROS) return value.toString();
  const millis = micros >= 0n ? micros / 1000n : (micros - 999n) / 1000n;
  return new Date(Number(millis)).toISOString();
}

/**
 * Converts a DuckDB query result into the columnar batch the sandbox moves into isolates. Numeric
 * columns become Float64Arrays (NULL → NaN plus a validity mask), strings one concatenated string
 * with offsets, DATE and TIMESTAMP ISO 8601 strings, BOOLEAN 0/1 bytes. BIGINT and HUGEINT values
 * must be within ±(2^53-1); DECIMAL becomes the nearest double.
 *
 * Rejects with `SQL_NOT_ALLOWED` for a result column of a type scripts cannot receive (LIST,
 * STRUCT, BLOB, INTERVAL, ...) or an integer too wide for a double, and with `LIMIT_EXCEEDED` when
 * the result has more than `maxRows` rows. Details name the column, never a value.
 *
 * @example
 * const batch = await toColumnarBatch(await connection.run("SELECT district, count(*) AS n FROM t GROUP BY 1"));
 */
export async function toColumnarBatch(
  result: DuckDBResult,
  options: { maxRows?: number } = {},
): Promise<ColumnarBatch> {
  const chunks = await result.fetchAllChunks();
  const rowCount = chunks.reduce((sum, chunk) => sum + chunk.rowCount, 0);
  if (options.maxRows !== undefined && rowCount > options.maxRows) {
    throw new DomainError("LIMIT_EXCEEDED", `the query returned more than ${options.maxRows} rows`);
  }
  const names = result.deduplicatedColumnNames();
  const builders = names.map((name, index) => {
    const type = result.columnType(index);
    const kind = KIND_OF_TYPE[type.typeId];
    if (!kind) {
      throw new DomainError(
        "SQL_NOT_ALLOWED",
        `column "${name}" has type ${type.toString()}, which scripts cannot receive; CAST it to a scalar type`,
      );
    }
    return new ColumnBuilder(name, type.toString(), kind, rowCount);
  });
  for (const chunk of chunks) {
    const count = chunk.rowCount;
    for (const [index, builder] of builders.entries()) builder.append(chunk.getColumnVector(index), count);
  }
  return { rowCount, columns: builders.map((builder) => builder.build()) };
}
