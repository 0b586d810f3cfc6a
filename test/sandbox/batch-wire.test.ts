import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { batchBytes, type ColumnarBatch, ColumnarBatchSchema } from "../../sandbox/batch.ts";
import { decodeBatch, encodeBatch, payloadLengths } from "../../sandbox/batch-wire.ts";
import { BulkReader } from "../../sandbox/bulk-reader.ts";

const dir = mkdtempSync(join(tmpdir(), "sandbox-wire-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mixedBatch(): ColumnarBatch {
  return {
    rowCount: 3,
    columns: [
      {
        name: "n",
        sqlType: "DOUBLE",
        data: { kind: "number", values: new Float64Array([1.5, -2, 3]), valid: null },
      },
      {
        name: "m",
        sqlType: "INTEGER",
        data: {
          kind: "number",
          values: new Float64Array([7, Number.NaN, 9]),
          valid: new Uint8Array([1, 0, 1]),
        },
      },
      {
        name: "s",
        sqlType: "VARCHAR",
        data: {
          kind: "string",
          chars: "a东c",
          offsets: new Uint32Array([0, 1, 2, 3]),
          valid: new Uint8Array([1, 1, 0]),
        },
      },
      {
        name: "b",
        sqlType: "BOOLEAN",
        data: { kind: "boolean", values: new Uint8Array([1, 0, 1]), valid: null },
      },
    ],
  };
}

/** What a worker would receive: the payload copied into buffers of their own, as the socket does. */
function received(payload: Uint8Array[]): ArrayBuffer[] {
  return payload.map((bytes) => bytes.slice().buffer);
}

/** A file holding these bytes, opened for reading: a real descriptor for the reader. */
function descriptorOf(name: string, bytes: Uint8Array): number {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return openSync(path, "r");
}

describe("batch wire format", () => {
  it("splits a batch into a message without typed arrays and a payload that rebuilds it", () => {
    const batch = mixedBatch();
    const { wire, payload } = encodeBatch(batch);
    expect(JSON.parse(JSON.stringify(wire))).toEqual(wire);
    expect(payload.map((bytes) => bytes.byteLength)).toEqual(payloadLengths(wire));
    const rebuilt = decodeBatch(wire, received(payload));
    expect(rebuilt).toEqual(batch);
    expect(ColumnarBatchSchema.safeParse(rebuilt).success).toBe(true);
    expect(batchBytes(rebuilt)).toBe(batchBytes(batch));
  });

  it("carries empty batches: no rows, and no columns", () => {
    const noRows: ColumnarBatch = {
      rowCount: 0,
      columns: [
        { name: "n", sqlType: "DOUBLE", data: { kind: "number", values: new Float64Array(0), valid: null } },
        {
          name: "s",
          sqlType: "VARCHAR",
          data: { kind: "string", chars: "", offsets: new Uint32Array([0]), valid: null },
        },
      ],
    };
    const encoded = encodeBatch(noRows);
    expect(payloadLengths(encoded.wire)).toEqual([0, 4]);
    expect(decodeBatch(encoded.wire, received(encoded.payload))).toEqual(noRows);
    const noColumns = encodeBatch({ rowCount: 5, columns: [] });
    expect(noColumns.payload).toEqual([]);
    expect(decodeBatch(noColumns.wire, [])).toEqual({ rowCount: 5, columns: [] });
  });

  it("puts only a view's own bytes in the payload, not the rest of its buffer", () => {
    const shared = new Float64Array([666, 666, 1, 2, 666]);
    const batch: ColumnarBatch = {
      rowCount: 2,
      columns: [
        {
          name: "x",
          sqlType: "DOUBLE",
          data: { kind: "number", values: shared.subarray(2, 4), valid: null },
        },
      ],
    };
    const { payload } = encodeBatch(batch);
    expect(payload).toHaveLength(1);
    expect([...new Float64Array(received(payload)[0]!)]).toEqual([1, 2]);
  });

  it("refuses a payload that does not match the message", () => {
    const { wire, payload } = encodeBatch(mixedBatch());
    const buffers = received(payload);
    expect(() => decodeBatch(wire, buffers.slice(1))).toThrow(RangeError);
    expect(() => decodeBatch(wire, [...buffers, new ArrayBuffer(8)])).toThrow(RangeError);
    expect(() => payloadLengths({ rowCount: -1, columns: [] })).toThrow(RangeError);
    expect(() => payloadLengths({ rowCount: 1.5, columns: [] })).toThrow(RangeError);
  });
});

describe("BulkReader", () => {
  it("reads payloads in call order into buffers of exactly the announced sizes, each alone on its memory", async () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => i);
    const fd = descriptorOf("frames", bytes);
    try {
      const reader = new BulkReader(fd);
      const first = reader.read([3, 0, 5]);
      const second = reader.read([56]);
      const [a, b] = await Promise.all([first, second]);
      expect(a!.map((buffer) => [...new Uint8Array(buffer)])).toEqual([[0, 1, 2], [], [3, 4, 5, 6, 7]]);
      expect([...new Uint8Array(b![0]!)]).toEqual([...bytes.subarray(8)]);
      for (const buffer of [...a!, ...b!]) expect(buffer).toBeInstanceOf(ArrayBuffer);
      expect(new Set([...a!, ...b!]).size).toBe(4);
    } finally {
      closeSync(fd);
    }
  });

  it("fails a payload cut short by the end of the channel, and every payload after it", async () => {
    const fd = descriptorOf("short", new Uint8Array(10));
    try {
      const reader = new BulkReader(fd);
      const cut = reader.read([4, 8]);
      const after = reader.read([1]);
      await expect(cut).rejects.toThrow(/closed/);
      await expect(after).rejects.toThrow(/closed/);
      await expect(reader.read([])).rejects.toThrow(/closed/);
    } finally {
      closeSync(fd);
    }
  });

  it("refuses impossible lengths without reading", async () => {
    const fd = descriptorOf("lengths", new Uint8Array(4));
    try {
      await expect(new BulkReader(fd).read([-1])).rejects.toThrow(RangeError);
      await expect(new BulkReader(fd).read([2 ** 53])).rejects.toThrow(RangeError);
    } finally {
      closeSync(fd);
    }
  });
});
