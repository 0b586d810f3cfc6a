import { PassThrough } from "node:stream";
import { serialize } from "node:v8";
import { describe, expect, it } from "vitest";
import {
  decodeFrame,
  FRAME_HEADER_BYTES,
  FrameError,
  FrameReader,
  MAX_FRAME_BYTES,
  writeFrame,
} from "../../sandbox/frame-channel.ts";
import { MAX_SQL_BYTES, MAX_SQL_PARAMS, SandboxLimits } from "../../sandbox/limits.ts";
import { maxAnswerChars, maxWorkerMessageBytes, type WorkerMessage } from "../../sandbox/protocol.ts";

/** The bytes `writeFrame` puts on a stream for these messages. */
function framed(...messages: unknown[]): Buffer {
  const stream = new PassThrough();
  for (const message of messages) writeFrame(stream, message);
  const chunks: Buffer[] = [];
  for (let chunk = stream.read(); chunk !== null; chunk = stream.read()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function header(length: number): Buffer {
  const bytes = Buffer.alloc(FRAME_HEADER_BYTES);
  bytes.writeUInt32BE(length, 0);
  return bytes;
}

const LOG: WorkerMessage = { t: "log", jobId: "j", entry: { seq: 0, atMs: 1.5, message: "人口 ok" } };
const PROGRESS: WorkerMessage = { t: "progress", jobId: "j", fraction: 0.5 };
const DONE: WorkerMessage = {
  t: "done",
  jobId: "j",
  scriptResult: '{"ok":true,"types":{},"outputs":{}}',
  failure: null,
  cpuMs: 3,
  heapPeakBytes: 1024,
};

describe("FrameReader", () => {
  it("reassembles frames split across chunks, down to one byte at a time", () => {
    const bytes = framed(LOG, PROGRESS, DONE);
    const reader = new FrameReader(1024);
    const messages: unknown[] = [];
    for (let i = 0; i < bytes.byteLength; i++) {
      for (const frame of reader.push(bytes.subarray(i, i + 1))) messages.push(decodeFrame(frame));
    }
    expect(messages).toEqual([LOG, PROGRESS, DONE]);
    expect(reader.bufferedBytes).toBe(0);
  });

  it("returns every frame a chunk completes, in order, and keeps the start of the next", () => {
    const bytes = framed(LOG, PROGRESS, DONE);
    const reader = new FrameReader(1024);
    const first = reader.push(bytes.subarray(0, bytes.byteLength - 3));
    expect(first.map(decodeFrame)).toEqual([LOG, PROGRESS]);
    expect(reader.bufferedBytes).toBeGreaterThan(0);
    expect(reader.push(bytes.subarray(bytes.byteLength - 3)).map(decodeFrame)).toEqual([DONE]);
  });

  it("keeps the types v8 serialization carries", () => {
    const message = { n: 2n ** 70n, at: new Date(0), values: new Float64Array([1.5, Number.NaN]) };
    const [frame] = new FrameReader(1024).push(framed(message));
    expect(decodeFrame(frame!)).toEqual(message);
  });

  it("refuses a frame declaring more than the cap at its header, holding none of it", () => {
    const reader = new FrameReader(1024);
    // The header alone is enough: 2 GiB is refused before any of it arrives.
    expect(() => reader.push(header(2 ** 31))).toThrow(FrameError);
    expect(reader.bufferedBytes).toBe(0);
    // Split header, and the cap plus one byte, with the bytes it announces in the same chunk.
    const split = new FrameReader(1024);
    expect(split.push(header(1025).subarray(0, 2))).toEqual([]);
    expect(() => split.push(Buffer.concat([header(1025).subarray(2), Buffer.alloc(1025)]))).toThrow(
      /over the cap of 1024/,
    );
    expect(split.bufferedBytes).toBe(0);
  });

  it("accepts a frame of exactly the cap, and holds no more than the frame in progress", () => {
    const payload = serialize("x".repeat(1000));
    const reader = new FrameReader(payload.byteLength);
    expect(reader.push(Buffer.concat([header(payload.byteLength), payload.subarray(0, 500)]))).toEqual([]);
    expect(reader.bufferedBytes).toBe(500);
    const [frame] = reader.push(payload.subarray(500));
    expect(decodeFrame(frame!)).toBe("x".repeat(1000));
  });

  it("stays failed once out of step: nothing after a bad header is read as a frame", () => {
    const reader = new FrameReader(1024);
    expect(() => reader.push(header(0))).toThrow(/empty frame/);
    expect(() => reader.push(framed(LOG))).toThrow(/out of step/);
  });

  it("applies a changed cap from the next frame on", () => {
    const reader = new FrameReader(1024);
    expect(reader.push(framed(LOG)).map(decodeFrame)).toEqual([LOG]);
    reader.maxFrameBytes = 8;
    expect(() => reader.push(framed(LOG))).toThrow(FrameError);
  });
});

describe("decodeFrame", () => {
  it("refuses a payload that does not deserialize", () => {
    expect(() => decodeFrame(Buffer.alloc(64, 0xff))).toThrow(FrameError);
    expect(() => decodeFrame(serialize({ a: "b".repeat(100) }).subarray(0, 20))).toThrow(FrameError);
  });
});

describe("maxWorkerMessageBytes", () => {
  const limits = SandboxLimits.parse({});
  /** A string of `chars` UTF-16 units that v8 must serialize as two bytes each (mostly ASCII). */
  const twoByte = (chars: number) => `中${"a".repeat(chars - 1)}`;

  it("lets the largest honest messages through: a full answer and a query with every parameter", () => {
    const cap = maxWorkerMessageBytes(limits);
    expect(cap).toBe(32 * 1024 * 1024 + 192 * 1024);
    const done: WorkerMessage = {
      ...DONE,
      jobId: "j".repeat(200),
      scriptResult: twoByte(maxAnswerChars(limits)),
    };
    expect(serialize(done).byteLength).toBeLessThanOrEqual(cap);
    expect(serialize(done).byteLength).toBeGreaterThan(cap - 128 * 1024);
    const query: WorkerMessage = {
      t: "query",
      jobId: "j".repeat(200),
      qid: 2 ** 40,
      sql: twoByte(MAX_SQL_BYTES),
      params: Array.from({ length: MAX_SQL_PARAMS }, () => twoByte(MAX_SQL_BYTES)),
      shape: "columns",
    };
    expect(serialize(query).byteLength).toBeLessThanOrEqual(cap);
  });

  it("follows a job's output limit, never past what one frame can declare", () => {
    const small = maxWorkerMessageBytes({ ...limits, maxOutputBytes: 1024 });
    const large = maxWorkerMessageBytes({ ...limits, maxOutputBytes: 256 * 1024 * 1024 });
    const largest = maxWorkerMessageBytes(SandboxLimits.parse({ maxOutputBytes: 4096 * 1024 * 1024 }));
    expect(small).toBe(maxWorkerMessageBytes(limits));
    expect(large).toBeGreaterThan(512 * 1024 * 1024);
    expect(largest).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  });
});
