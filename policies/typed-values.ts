// The one conversion of released values: from the data domain's answer (DuckDB's JSON rendering
// plus the column's type name) into the values a script receives, and from a script's output
// columns into typed columns that JSON, CSV and Arrow all render from (audit/output-table.ts).
import type { BatchColumn, ColumnarBatch } from "./columnar-batch.ts";
import { DomainError } from "./errors.ts";

/**
 * The type of an output column. Every format renders from it: JSON and CSV in the text forms of
 * `OutputValue`, Arrow as the matching Arrow type.
 */
export type ValueType =
  | { readonly kind: "int64" }
  | { readonly kind: "float64" }
  | { readonly kind: "decimal"; readonly precision: number; readonly scale: number }
  | { readonly kind: "bool" }
  | { readonly kind: "utf8" }
  | { readonly kind: "date" }
  /** `zone` "UTC": an instant (TIMESTAMP WITH TIME ZONE); null: a wall-clock time with no offset. */
  | { readonly kind: "timestamp"; readonly zone: "UTC" | null }
  | { readonly kind: "list"; readonly of: ValueType }
  | { readonly kind: "null" };

/**
 * A value as JSON carries it and as outputs are stored: int64 as a number within ±(2^53-1) and as
 * a string of its digits beyond; decimals as numbers (the nearest double); dates `YYYY-MM-DD`;
 * instants RFC 3339 in UTC (`2024-03-01T00:00:00.123456Z`), wall-clock timestamps the same without
 * an offset; lists as arrays. NaN and infinities are never released.
 */
export type OutputValue = string | number | boolean | null | OutputValue[];

const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;
const TEXT = /^(VARCHAR|UUID|TIME|ENUM\(.*\))$/s;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** DuckDB's JSON rendering spells DATE ±infinity as the dates of its sentinel day counts. */
const DUCKDB_DATE_INFINITY: Readonly<Record<string, string>> = {
  "5881580-07-11": "infinity",
  "5877642-06-24 (BC)": "-infinity",
};

/** The output type of a DuckDB column type name; undefined for types no output carries. */
export function valueTypeOfSql(sqlType: string): ValueType | undefined {
  const type = sqlType.trim();
  if (type.endsWith("[]")) {
    const of = valueTypeOfSql(type.slice(0, -2));
    return of ? { kind: "list", of } : undefined;
  }
  if (INTEGER.test(type)) return { kind: "int64" };
  if (type === "DOUBLE" || type === "FLOAT") return { kind: "float64" };
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
  if (decimal) return { kind: "decimal", precision: Number(decimal[1]), scale: Number(decimal[2]) };
  if (type === "BOOLEAN") return { kind: "bool" };
  if (TEXT.test(type)) return { kind: "utf8" };
  if (type === "DATE") return { kind: "date" };
  if (type === "TIMESTAMP WITH TIME ZONE") return { kind: "timestamp", zone: "UTC" };
  if (/^TIMESTAMP(_S|_MS|_NS)?$/.test(type)) return { kind: "timestamp", zone: null };
  if (type === '"NULL"' || type === "NULL") return { kind: "null" };
  return undefined;
}

/**
 * One cell of DuckDB's JSON rendering (`getRowsJson`) as its output value; a 64-bit integer beyond
 * ±(2^53-1) as a bigint (scripts receive it so, exactly). Throws a RangeError for an integer
 * beyond 64 bits.
 */
export function valueOfDuckJson(type: ValueType, cell: unknown): OutputValue | bigint {
  if (cell === null || cell === undefined) return null;
  switch (type.kind) {
    case "int64": {
      const value = BigInt(cell as string | number);
      if (value > INT64_MAX || value < INT64_MIN) throw new RangeError("integer beyond 64 bits");
      return value > SAFE || value < -SAFE ? value : Number(value);
    }
    case "float64":
    case "decimal":
      return Number(cell);
    case "bool":
      return cell === true;
    case "date":
      return DUCKDB_DATE_INFINITY[String(cell)] ?? String(cell);
    case "utf8":
      return String(cell);
    case "timestamp":
      return timestampText(String(cell), type.zone);
    case "list":
      return (cell as unknown[]).map((item) => {
        const value = valueOfDuckJson(type.of, item);
        return typeof value === "bigint" ? value.toString() : value;
      });
    case "null":
      return null;
  }
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The date of a day count (civil_from_days), as `YYYY-MM-DD` for years 0000–9999. */
export function dateOfDays(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, "0")}-${pad(month)}-${pad(day)}`;
}

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since the epoch of a `YYYY-MM-DD` date; undefined for any other text. */
export function daysOfDate(text: string): number | undefined {
  const match = DATE_TEXT.exec(text);
  if (!match) return undefined;
  const days = daysFromCivil(Number(match[1]), Number(match[2]), Number(match[3]));
  return dateOfDays(days) === text ? days : undefined;
}

const TIMESTAMP_TEXT =
  /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2}){0,2})?$/;
const MICROS_PER_DAY = 86_400_000_000;
/** 0001-01-01 and 10000-01-01 as days since the epoch: the years an output timestamp spells. */
const FIRST_DAY = -719_162;
const END_DAY = 2_932_897;

/**
 * An instant as whole days since the epoch and microseconds into that day (0 to 86,399,999,999):
 * both exact as numbers, so a timestamp is read and written without BigInt arithmetic, which
 * costs the release path several times more per cell (outputs of thousands of timestamps).
 */
interface TimestampParts {
  readonly days: number;
  readonly micros: number;
}

/** The parts of a timestamp text, moved to UTC by its offset, and whether it named one. */
function parseTimestamp(text: string): (TimestampParts & { offset: boolean }) | undefined {
  const match = TIMESTAMP_TEXT.exec(text);
  if (!match) return undefined;
  const days = daysOfDate(match[1]!);
  const [hour, minute, second] = [Number(match[2]), Number(match[3]), Number(match[4])];
  if (days === undefined || hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = Number((match[5] ?? "").padEnd(9, "0").slice(0, 6));
  let micros = (hour * 3600 + minute * 60 + second) * 1_000_000 + fraction;
  const zone = match[6];
  if (zone && zone !== "Z") {
    const [h = "0", m = "0", s = "0"] = zone.slice(1).match(/\d{2}/g) ?? [];
    const seconds = Number(h) * 3600 + Number(m) * 60 + Number(s);
    micros -= (zone.startsWith("-") ? -seconds : seconds) * 1_000_000;
  }
  // An offset of up to ±99:99:99 moves the time a few days at most: still exact as numbers.
  const carry = Math.floor(micros / MICROS_PER_DAY);
  return { days: days + carry, micros: micros - carry * MICROS_PER_DAY, offset: zone !== undefined };
}

/** RFC 3339 text of the instant `parts` names (`zone` "UTC", ending in Z) or of a wall-clock time. */
function timestampOfParts({ days, micros }: TimestampParts, zone: "UTC" | null): string {
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros % 1_000_000;
  const time = `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
  const fractionText = fraction === 0 ? "" : `.${String(fraction).padStart(6, "0").replace(/0+$/, "")}`;
  return `${dateOfDays(days)}T${time}${fractionText}${zone === "UTC" ? "Z" : ""}`;
}

/** RFC 3339 text of an instant (`zone` "UTC", ending in Z) or of a wall-clock time (no offset). */
export function timestampOfMicros(micros: bigint, zone: "UTC" | null): string {
  const days = micros >= 0n ? micros / 86_400_000_000n : -((-micros + 86_399_999_999n) / 86_400_000_000n);
  return timestampOfParts({ days: Number(days), micros: Number(micros - days * 86_400_000_000n) }, zone);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const ZERO = 48;

/** The number the `count` ASCII digits at `at` spell; -1 where any is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (!(digit >= 0 && digit <= 9)) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The parts of a timestamp in its output form, as `timestampOfMicros` writes it
 * (`YYYY-MM-DDTHH:MM:SS`, then a fraction of one to six digits never ending in 0, then Z for an
 * instant); undefined for any other text. Read character by character, with no pattern and
 * nothing written back: the release path checks every timestamp cell of every output this way.
 */
function outputTimestampParts(text: string, zone: "UTC" | null): TimestampParts | undefined {
  const end = zone === "UTC" ? text.length - 1 : text.length;
  if (end < 19 || (zone === "UTC" && text[end] !== "Z")) return undefined;
  if (text[4] !== "-" || text[7] !== "-" || text[10] !== "T" || text[13] !== ":" || text[16] !== ":")
    return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
    return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]! + (month === 2 && leap ? 1 : 0))
    return undefined;
  let fraction = 0;
  if (end > 19) {
    const length = end - 20;
    if (text[19] !== "." || length < 1 || length > 6 || text[end - 1] === "0") return undefined;
    const value = digitsAt(text, 20, length);
    if (value < 0) return undefined;
    fraction = value * 10 ** (6 - length);
  }
  return {
    days: daysFromCivil(year, month, day),
    micros: (hour * 3600 + minute * 60 + second) * 1_000_000 + fraction,
  };
}

/** Microseconds since the epoch of a timestamp in its output form; undefined for any other text. */
export function microsOfTimestamp(text: string, zone: "UTC" | null): bigint | undefined {
  const parts = outputTimestampParts(text, zone);
  return parts && BigInt(parts.days) * 86_400_000_000n + BigInt(parts.micros);
}

/** A timestamp of DuckDB's rendering in its output form; text it does not know (infinity) as is. */
function timestampText(text: string, zone: "UTC" | null): string {
  // DuckDB spells a wall-clock time as its output form with a space for the "T": checked as
  // such (field by field), it needs no reading and writing back.
  if (zone === null) {
    const spelt = text.replace(" ", "T");
    const parts = outputTimestampParts(spelt, null);
    if (parts && parts.days >= FIRST_DAY) return spelt;
  }
  const parsed = parseTimestamp(text);
  if (!parsed || parsed.days < FIRST_DAY || parsed.days >= END_DAY) return text;
  return timestampOfParts(parsed, zone);
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** Whether a stored output value is a value of `type` in its output form. */
export function conforms(type: ValueType, value: OutputValue): boolean {
  if (value === null) return true;
  switch (type.kind) {
    case "int64":
      if (typeof value === "number") return Number.isSafeInteger(value);
      if (typeof value !== "string" || !/^-?[1-9]\d{0,18}$/.test(value)) return false;
      // Beyond ±(2^53-1) only: a smaller integer is a JSON number, so its text is a string's.
      return (
        (BigInt(value) > SAFE || BigInt(value) < -SAFE) &&
        BigInt(value) <= INT64_MAX &&
        BigInt(value) >= INT64_MIN
      );
    case "float64":
    case "decimal":
      return typeof value === "number" && Number.isFinite(value);
    case "bool":
      return typeof value === "boolean";
    case "utf8":
      return typeof value === "string";
    case "date":
      return typeof value === "string" && daysOfDate(value) !== undefined;
    case "timestamp":
      return typeof value === "string" && outputTimestampParts(value, type.zone) !== undefined;
    case "list":
      return Array.isArray(value) && value.every((item) => conforms(type.of, item));
    case "null":
      return false;
  }
}

/**
 * The type of a column's values when nothing declares one: numbers float64, strings utf8,
 * booleans bool, arrays a list of their items' type, only nulls null. Undefined when kinds mix.
 */
export function inferType(values: readonly OutputValue[]): ValueType | undefined {
  const present = values.filter((v) => v !== null);
  if (present.length === 0) return { kind: "null" };
  if (present.every((v) => typeof v === "number")) return { kind: "float64" };
  if (present.every((v) => typeof v === "string")) return { kind: "utf8" };
  if (present.every((v) => typeof v === "boolean")) return { kind: "bool" };
  if (present.every((v) => Array.isArray(v))) {
    const of = inferType((present as OutputValue[][]).flat());
    return of ? { kind: "list", of: of.kind === "null" ? { kind: "utf8" } : of } : undefined;
  }
  return undefined;
}

/**
 * The type of each column of an output table: the declared type (the SQL type a script passed the
 * column through with) when every value conforms to it, else the type its values show.
 */
export function columnTypes(
  rows: readonly Readonly<Record<string, OutputValue>>[],
  declared: Readonly<Record<string, ValueType>> = {},
): Record<string, ValueType | undefined> {
  const names = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row)) names.add(name);
  const types: Record<string, ValueType | undefined> = {};
  for (const name of names) {
    const values = rows.map((row) => row[name] ?? null);
    const stated = declared[name];
    types[name] = stated && values.every((v) => conforms(stated, v)) ? stated : inferType(values);
  }
  return types;
}

/** A cell as CSV text: strings as they are, lists as their JSON, numbers and booleans as JSON writes them. */
export function valueText(value: OutputValue): string {
  if (value === null) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/**
 * Lays the data domain's answer (DuckDB's JSON rendering of each row, and each column's type name)
 * out as the columnar batch a script receives: numbers as float64 (DECIMAL as the nearest double;
 * integers within ±(2^53-1)), an integer column holding a value beyond that as int64 (the script
 * gets a BigInt for it), dates, timestamps and text as strings in their output forms, lists as
 * JSON. Refuses with SQL_NOT_ALLOWED a column of a type scripts cannot receive (STRUCT, MAP,
 * BLOB, INTERVAL, …) or an integer beyond 64 bits; the detail names the column, never a value.
 */
export function batchOfAnswer(
  columns: readonly { readonly name: string; readonly type: string }[],
  rows: readonly (readonly unknown[])[],
): ColumnarBatch {
  return {
    rowCount: rows.length,
    columns: columns.map((column, c) => {
      const type = valueTypeOfSql(column.type);
      if (!type) {
        throw new DomainError(
          "SQL_NOT_ALLOWED",
          `column "${column.name}" has type ${column.type}, which scripts cannot receive; CAST it to VARCHAR or a number type`,
        );
      }
      let cells: (OutputValue | bigint)[];
      try {
        cells = rows.map((row) => valueOfDuckJson(type, row[c] ?? null));
      } catch {
        throw new DomainError(
          "SQL_NOT_ALLOWED",
          `column "${column.name}" holds an integer beyond 64 bits, which no output carries; CAST it to VARCHAR`,
        );
      }
      return batchColumn(column.name, column.type, type, cells);
    }),
  };
}

function batchColumn(
  name: string,
  sqlType: string,
  type: ValueType,
  cells: (OutputValue | bigint)[],
): BatchColumn {
  const hasNull = cells.some((cell) => cell === null);
  const valid = hasNull ? Uint8Array.from(cells, (cell) => (cell === null ? 0 : 1)) : null;
  if (type.kind === "bool")
    return {
      name,
      sqlType,
      data: { kind: "boolean", values: Uint8Array.from(cells, (v) => (v === true ? 1 : 0)), valid },
    };
  if (type.kind === "int64" && cells.some((cell) => typeof cell === "bigint")) {
    const values = BigInt64Array.from(cells, (v) => (v === null ? 0n : BigInt(v as number | bigint)));
    return { name, sqlType, data: { kind: "int64", values, valid } };
  }
  if (type.kind === "int64" || type.kind === "float64" || type.kind === "decimal") {
    const values = Float64Array.from(cells, (v) => (v === null ? Number.NaN : (v as number)));
    return { name, sqlType, data: { kind: "number", values, valid } };
  }
  const offsets = new Uint32Array(cells.length + 1);
  let chars = "";
  cells.forEach((cell, i) => {
    chars += cell === null ? "" : type.kind === "list" ? JSON.stringify(cell) : String(cell);
    offsets[i + 1] = chars.length;
  });
  return { name, sqlType, data: { kind: type.kind === "list" ? "json" : "string", chars, offsets, valid } };
}
