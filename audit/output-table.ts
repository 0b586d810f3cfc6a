import {
  Bool,
  type Data,
  type DataType,
  DateDay,
  Decimal,
  Field,
  Float64,
  Int64,
  List,
  makeData,
  makeVector,
  Null,
  Table,
  TimestampMicrosecond,
  Type,
  Utf8,
  type Vector,
} from "apache-arrow";
import {
  columnTypes,
  dateOfDays,
  daysOfDate,
  microsOfTimestamp,
  type OutputValue,
  timestampOfMicros,
  type ValueType,
} from "../policies/typed-values.ts";

type Row = Readonly<Record<string, OutputValue>>;

/**
 * An output as an Arrow table of its column types (`types`, else the types its values show; a
 * column mixing kinds, which only outputs of old jobs can hold, as the text of each value): int64
 * as Int64, decimals as Decimal128 of their precision and scale, dates as Date32, instants as
 * Timestamp(µs, "UTC"), wall-clock timestamps as Timestamp(µs), lists as List, only nulls as Null.
 */
export function outputArrowTable(
  rows: readonly Row[],
  types: Readonly<Record<string, ValueType>> = {},
): Table {
  const vectors: Record<string, Vector> = {};
  for (const [name, type] of Object.entries(columnTypes(rows, types))) {
    const values = rows.map((row) => row[name] ?? null);
    vectors[name] = makeVector(
      type
        ? buildData(type, values)
        : buildData(
            { kind: "utf8" },
            values.map((v) => (v === null ? null : typeof v === "string" ? v : JSON.stringify(v))),
          ),
    );
  }
  return new Table(vectors);
}

/** The Arrow type of a value type. */
function arrowType(type: ValueType): DataType {
  switch (type.kind) {
    case "int64":
      return new Int64();
    case "float64":
      return new Float64();
    case "decimal":
      return new Decimal(type.scale, Math.min(type.precision, 38), 128);
    case "bool":
      return new Bool();
    case "utf8":
      return new Utf8();
    case "date":
      return new DateDay();
    case "timestamp":
      return new TimestampMicrosecond(type.zone);
    case "list":
      return new List(new Field("item", arrowType(type.of), true));
    case "null":
      return new Null();
  }
}

/** Validity bits (LSB first) and the null count; no bitmap when nothing is null. */
function validity(values: readonly OutputValue[]): { nullBitmap?: Uint8Array; nullCount: number } {
  const nullCount = values.filter((v) => v === null).length;
  if (nullCount === 0) return { nullCount };
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v !== null) nullBitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}

/** The Arrow data of one column of values in their output forms (they conform to `type`). */
function buildData(type: ValueType, values: readonly OutputValue[]): Data {
  const length = values.length;
  const { nullBitmap, nullCount } = validity(values);
  const base = { type: arrowType(type), length, nullCount, ...(nullBitmap ? { nullBitmap } : {}) };
  switch (type.kind) {
    case "int64":
      return makeData({
        ...base,
        data: BigInt64Array.from(values, (v) => (v === null ? 0n : BigInt(v as number | string))),
      } as never);
    case "float64":
      return makeData({
        ...base,
        data: Float64Array.from(values, (v) => (v === null ? 0 : (v as number))),
      } as never);
    case "decimal": {
      const words = new Uint32Array(length * 4);
      values.forEach((v, i) => {
        if (v === null) return;
        let unscaled = BigInt.asUintN(128, BigInt((v as number).toFixed(type.scale).replace(".", "")));
        for (let w = 0; w < 4; w++, unscaled >>= 32n) words[i * 4 + w] = Number(unscaled & 0xffffffffn);
      });
      return makeData({ ...base, data: words } as never);
    }
    case "bool": {
      const bits = new Uint8Array(Math.ceil(length / 8));
      values.forEach((v, i) => {
        if (v === true) bits[i >> 3]! |= 1 << (i & 7);
      });
      return makeData({ ...base, data: bits } as never);
    }
    case "utf8": {
      const encoder = new TextEncoder();
      const parts = values.map((v) => encoder.encode(v === null ? "" : (v as string)));
      const valueOffsets = new Int32Array(length + 1);
      parts.forEach((part, i) => {
        valueOffsets[i + 1] = valueOffsets[i]! + part.length;
      });
      const bytes = new Uint8Array(valueOffsets[length]!);
      parts.forEach((part, i) => {
        bytes.set(part, valueOffsets[i]!);
      });
      return makeData({ ...base, valueOffsets, data: bytes } as never);
    }
    case "date":
      return makeData({
        ...base,
        data: Int32Array.from(values, (v) => (v === null ? 0 : daysOfDate(v as string)!)),
      } as never);
    case "timestamp":
      return makeData({
        ...base,
        data: BigInt64Array.from(values, (v) =>
          v === null ? 0n : microsOfTimestamp(v as string, type.zone)!,
        ),
      } as never);
    case "list": {
      const valueOffsets = new Int32Array(length + 1);
      const items: OutputValue[] = [];
      values.forEach((v, i) => {
        if (Array.isArray(v)) items.push(...v);
        valueOffsets[i + 1] = items.length;
      });
      return makeData({ ...base, valueOffsets, child: buildData(type.of, items) } as never);
    }
    case "null":
      return makeData({ type: new Null(), length, nullCount: length } as never);
  }
}

/**
 * An Arrow table read back into an output's rows in their JSON forms, with each column's type:
 * integers as numbers within ±(2^53-1) and as their digits beyond, decimals as numbers, dates
 * `YYYY-MM-DD`, timestamps RFC 3339 (Z when the column has a time zone), lists as arrays. Throws
 * for a column of a type no output is served as.
 */
export function outputRowsOfArrow(table: Table): {
  rows: Record<string, OutputValue>[];
  types: Record<string, ValueType>;
} {
  const names = table.schema.fields.map((f) => f.name);
  const columns = names.map((_, i) => readVector(table.getChildAt(i)!));
  const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, valueTypeOfArrow(f.type)]));
  const rows = Array.from({ length: table.numRows }, (_, r) =>
    Object.fromEntries(names.map((name, i) => [name, columns[i]![r] ?? null])),
  );
  return { rows, types };
}

function valueTypeOfArrow(type: DataType): ValueType {
  switch (type.typeId) {
    case Type.Int:
      return { kind: "int64" };
    case Type.Float:
      return { kind: "float64" };
    case Type.Decimal:
      return { kind: "decimal", precision: (type as Decimal).precision, scale: (type as Decimal).scale };
    case Type.Bool:
      return { kind: "bool" };
    case Type.Utf8:
      return { kind: "utf8" };
    case Type.Date:
      return { kind: "date" };
    case Type.Timestamp:
      return { kind: "timestamp", zone: (type as TimestampMicrosecond).timezone ? "UTC" : null };
    case Type.List:
      return { kind: "list", of: valueTypeOfArrow((type as List).children[0]!.type) };
    case Type.Null:
      return { kind: "null" };
    default:
      throw new TypeError("a column of a type no output carries");
  }
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MICROS_PER: Record<number, bigint> = { 0: 1_000_000n, 1: 1000n, 2: 1n };

/** Every value of a vector in its output form. */
function readVector(vector: Vector): OutputValue[] {
  const out: OutputValue[] = [];
  const type = vector.type as DataType;
  for (const chunk of vector.data) {
    for (let i = 0; i < chunk.length; i++) {
      if (!chunk.getValid(i)) {
        out.push(null);
        continue;
      }
      out.push(readValue(chunk, type, i));
    }
  }
  return out;
}

function readValue(chunk: Data, type: DataType, i: number): OutputValue {
  const values = chunk.values as ArrayLike<number | bigint>;
  switch (type.typeId) {
    case Type.Int: {
      const v = BigInt(values[i] as number | bigint);
      return v > SAFE || v < -SAFE ? v.toString() : Number(v);
    }
    case Type.Float:
      return values[i] as number;
    case Type.Decimal: {
      const scale = (type as Decimal).scale;
      const words = (chunk.values as Uint32Array).subarray(i * 4, i * 4 + 4);
      let unscaled = 0n;
      for (let w = 3; w >= 0; w--) unscaled = (unscaled << 32n) | BigInt(words[w]!);
      unscaled = BigInt.asIntN(128, unscaled);
      const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, "0");
      const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
      return Number(unscaled < 0n ? `-${text}` : text);
    }
    case Type.Bool:
    case Type.Utf8:
      return makeVector(chunk).get(i) as OutputValue;
    case Type.Date: {
      const days = (type as DateDay).unit === 0 ? Number(values[i]) : Number(values[i]) / 86_400_000;
      return dateOfDays(days);
    }
    case Type.Timestamp: {
      const unit = (type as TimestampMicrosecond).unit;
      const raw = BigInt(values[i] as bigint);
      const micros = unit === 3 ? raw / 1000n : raw * (MICROS_PER[unit] ?? 1n);
      return timestampOfMicros(micros, (type as TimestampMicrosecond).timezone ? "UTC" : null);
    }
    case Type.List: {
      const offsets = chunk.valueOffsets as Int32Array;
      const child = chunk.children[0]!;
      const childType = (type as List).children[0]!.type as DataType;
      const items: OutputValue[] = [];
      for (let k = offsets[i]!; k < offsets[i + 1]!; k++)
        items.push(child.getValid(k) ? readValue(child, childType, k) : null);
      return items;
    }
    case Type.Null:
      return null;
    default:
      throw new TypeError("a column of a type no output carries");
  }
}
