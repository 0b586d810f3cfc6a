import { z } from "zod";
import type { ColumnarBatch } from "../policies/columnar-batch.ts";

export type { BatchColumn, ColumnarBatch, ColumnData } from "../policies/columnar-batch.ts";

const validMask = z.instanceof(Uint8Array).nullable();

/**
 * Structural check of a batch. The parent runs it on what a QueryPort returns before anything is
 * sent to a worker, so a faulty port fails the query instead of corrupting a script's view.
 */
export const ColumnarBatchSchema = z
  .object({
    rowCount: z.number().int().min(0),
    columns: z.array(
      z.object({
        name: z.string().min(1).max(1024),
        sqlType: z.string().max(256),
        data: z.discriminatedUnion("kind", [
          z.object({ kind: z.literal("number"), values: z.instanceof(Float64Array), valid: validMask }),
          z.object({ kind: z.literal("int64"), values: z.instanceof(BigInt64Array), valid: validMask }),
          z.object({
            kind: z.literal("string"),
            chars: z.string(),
            offsets: z.instanceof(Uint32Array),
            valid: validMask,
          }),
          z.object({
            kind: z.literal("json"),
            chars: z.string(),
            offsets: z.instanceof(Uint32Array),
            valid: validMask,
          }),
          z.object({ kind: z.literal("boolean"), values: z.instanceof(Uint8Array), valid: validMask }),
        ]),
      }),
    ),
  })
  .superRefine((batch, issues) => {
    const names = new Set<string>();
    for (const column of batch.columns) {
      if (names.has(column.name)) issues.addIssue({ code: "custom", message: "duplicate column name" });
      names.add(column.name);
      const { data } = column;
      const length = "offsets" in data ? data.offsets.length - 1 : data.values.length;
      if (length !== batch.rowCount || (data.valid && data.valid.length !== batch.rowCount)) {
        issues.addIssue({ code: "custom", message: "column length differs from rowCount" });
      }
      if ("offsets" in data && !offsetsAreValid(data.offsets, data.chars.length)) {
        issues.addIssue({ code: "custom", message: "string offsets out of order or range" });
      }
    }
  });

function offsetsAreValid(offsets: Uint32Array, charCount: number): boolean {
  if (offsets.length === 0 || offsets[0] !== 0 || offsets[offsets.length - 1] !== charCount) return false;
  for (let i = 1; i < offsets.length; i++) if (offsets[i]! < offsets[i - 1]!) return false;
  return true;
}

/**
 * The metered size of a batch: buffer bytes of numeric and boolean columns, 2 bytes per UTF-16
 * unit of strings plus their offsets, and the validity masks. This is what `maxBytesIn` limits.
 */
export function batchBytes(batch: ColumnarBatch): number {
  let bytes = 0;
  for (const { data } of batch.columns) {
    bytes += data.valid?.byteLength ?? 0;
    bytes += "offsets" in data ? data.chars.length * 2 + data.offsets.byteLength : data.values.byteLength;
  }
  return bytes;
}
