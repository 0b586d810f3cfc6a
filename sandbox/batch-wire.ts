import type { ColumnarBatch, ColumnData } from "./batch.ts";

/**
 * A `ColumnarBatch` split for the trip to a worker: names, types and strings travel as a small
 * message (`WireBatch`) on the message channel, the typed arrays as raw bytes on the worker's bulk channel (see
 * `worker-process.ts`), in the order `payloadLengths` gives. Every byte length follows from
 * `rowCount` and the column kinds, so the byte stream carries no lengths of its own.
 */
export interface WireBatch {
  rowCount: number;
  columns: WireColumn[];
}

export type WireColumn = {
  name: string;
  sqlType: string;
  /** The column has a validity mask; its bytes follow the values (or offsets). */
  masked: boolean;
} & ({ kind: "number" | "int64" | "boolean" } | { kind: "string" | "json"; chars: string });

/** Splits a (validated) batch into its message and the views whose bytes follow it, in order. */
export function encodeBatch(batch: ColumnarBatch): { wire: WireBatch; payload: Uint8Array[] } {
  const payload: Uint8Array[] = [];
  // Only the bytes of each view: a view may sit on a larger buffer holding other data.
  const bytes = (view: Float64Array | BigInt64Array | Uint8Array | Uint32Array) =>
    payload.push(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  const columns = batch.columns.map(({ name, sqlType, data }): WireColumn => {
    bytes("offsets" in data ? data.offsets : data.values);
    if (data.valid) bytes(data.valid);
    const masked = data.valid !== null;
    return "offsets" in data
      ? { name, sqlType, masked, kind: data.kind, chars: data.chars }
      : { name, sqlType, masked, kind: data.kind };
  });
  return { wire: { rowCount: batch.rowCount, columns }, payload };
}

/** Byte lengths of the buffers that follow a wire batch on the bulk channel, in order. */
export function payloadLengths(wire: WireBatch): number[] {
  const rows = wire.rowCount;
  if (!Number.isSafeInteger(rows) || rows < 0) throw new RangeError("bad row count in a wire batch");
  const lengths: number[] = [];
  for (const column of wire.columns) {
    const kind = column.kind;
    lengths.push(
      kind === "number" || kind === "int64" ? rows * 8 : "chars" in column ? (rows + 1) * 4 : rows,
    );
    if (column.masked) lengths.push(rows);
  }
  return lengths;
}

/** The batch again, its typed arrays over the received buffers (one buffer per array, no copy). */
export function decodeBatch(wire: WireBatch, buffers: readonly ArrayBuffer[]): ColumnarBatch {
  let next = 0;
  const take = (): ArrayBuffer => {
    const buffer = buffers[next++];
    if (!buffer) throw new RangeError("a wire batch is missing payload buffers");
    return buffer;
  };
  const columns = wire.columns.map((column) => {
    const values = take();
    const valid = column.masked ? new Uint8Array(take()) : null;
    const data: ColumnData =
      "chars" in column
        ? { kind: column.kind, chars: column.chars, offsets: new Uint32Array(values), valid }
        : column.kind === "number"
          ? { kind: "number", values: new Float64Array(values), valid }
          : column.kind === "int64"
            ? { kind: "int64", values: new BigInt64Array(values), valid }
            : { kind: "boolean", values: new Uint8Array(values), valid };
    return { name: column.name, sqlType: column.sqlType, data };
  });
  if (next !== buffers.length) throw new RangeError("a wire batch has extra payload buffers");
  return { rowCount: wire.rowCount, columns };
}
