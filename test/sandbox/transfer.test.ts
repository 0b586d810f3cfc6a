import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../policies/errors.ts";
import { batchBytes, type ColumnarBatch } from "../../sandbox/batch.ts";
import type {
  QueryPort,
  QueryRequest,
  SandboxEvent,
  SandboxLimitsInput,
  SandboxResult,
} from "../../sandbox/index.ts";
import { SandboxPool } from "../../sandbox/index.ts";

// One worker, so every job here runs after the previous one on the same bulk channel: a payload
// left half-read by one job would show up as wrong data in the next.
let pool: SandboxPool;
let jobs = 0;

beforeAll(() => {
  pool = new SandboxPool({ size: 1 });
});
afterAll(async () => {
  await pool.close();
});

const ROOMY: SandboxLimitsInput = { heapMb: 512, maxRowsIn: 50_000_000, maxBytesIn: 1024 * 1024 * 1024 };

/** `rows` rows of two numeric columns whose values say which query they answer. */
function numbered(tag: number, rows: number): ColumnarBatch {
  const index = new Float64Array(rows);
  for (let r = 0; r < rows; r++) index[r] = r;
  return {
    rowCount: rows,
    columns: [
      {
        name: "tag",
        sqlType: "DOUBLE",
        data: { kind: "number", values: new Float64Array(rows).fill(tag), valid: null },
      },
      { name: "i", sqlType: "BIGINT", data: { kind: "number", values: index, valid: null } },
    ],
  };
}

/** Built once: a port answers at once, so that a job's end can fall in the middle of a transfer. */
const numberedBatches = new Map<string, ColumnarBatch>();

/**
 * A port answering `rows:<tag>:<count>` with `numbered(tag, count)` and `fail` with a refusal;
 * `onAnswer` runs just after the answer left, to act on the job while its payload is on the way.
 */
function numberedPort(onAnswer: (request: QueryRequest) => void = () => {}): QueryPort {
  return {
    async execute(request) {
      if (request.sql === "fail") throw new DomainError("SQL_NOT_ALLOWED", "refused on purpose");
      let batch = numberedBatches.get(request.sql);
      if (!batch) {
        const [, tag, rows] = request.sql.split(":");
        batch = numbered(Number(tag), Number(rows));
        numberedBatches.set(request.sql, batch);
      }
      setImmediate(() => onAnswer(request));
      return batch;
    },
  };
}

function run(
  script: string,
  port: QueryPort,
  limits: SandboxLimitsInput = ROOMY,
  events: SandboxEvent[] = [],
) {
  const jobId = `transfer_${++jobs}`;
  return {
    jobId,
    result: pool.run({ jobId, script, language: "javascript", limits }, port, (e) => events.push(e)),
  };
}

function completed(result: SandboxResult) {
  if (result.status !== "completed") throw new Error(`job failed: ${JSON.stringify(result.error)}`);
  return result;
}

/** A job whose rows say whether what it received is exactly `numbered(tag, rows)`. */
const CHECK_SCRIPT = `export default async (ctx) => {
  const { tag, i } = await ctx.sqlColumns("rows:7:300000");
  let ok = tag.length === 300000 && i.length === 300000;
  for (let r = 0; ok && r < tag.length; r++) ok = tag[r] === 7 && i[r] === r;
  return { check: [{ ok }] };
}`;

async function expectNextJobReadsItsOwnData(): Promise<void> {
  const { result } = run(CHECK_SCRIPT, numberedPort());
  expect(completed(await result).outputs.check).toEqual([{ ok: true }]);
}

describe("query results on the bulk channel", () => {
  it("delivers a large batch of every column kind intact and meters rows and bytes exactly", async () => {
    const rows = 1_000_000;
    const masked = Uint8Array.from({ length: rows }, (_, r) => (r % 7 === 3 ? 0 : 1));
    const words = ["東京", "a", "", "ü"];
    const offsets = new Uint32Array(rows + 1);
    let chars = "";
    for (let r = 0; r < rows; r++) {
      chars += words[r % 4];
      offsets[r + 1] = chars.length;
    }
    const batch: ColumnarBatch = {
      rowCount: rows,
      columns: [
        {
          name: "x",
          sqlType: "DOUBLE",
          data: {
            kind: "number",
            values: Float64Array.from({ length: rows }, (_, r) => r * 0.5),
            valid: null,
          },
        },
        {
          name: "m",
          sqlType: "INTEGER",
          data: { kind: "number", values: Float64Array.from({ length: rows }, (_, r) => r), valid: masked },
        },
        {
          name: "b",
          sqlType: "BOOLEAN",
          data: {
            kind: "boolean",
            values: Uint8Array.from({ length: rows }, (_, r) => r % 2),
            valid: masked,
          },
        },
        { name: "s", sqlType: "VARCHAR", data: { kind: "string", chars, offsets, valid: masked } },
      ],
    };
    const { result } = run(
      `export default async (ctx) => {
        const { x, m, b, s } = await ctx.sqlColumns("all");
        let xs = 0, ms = 0, nulls = 0, trues = 0, chars = 0;
        for (let r = 0; r < x.length; r++) {
          xs += x[r];
          if (Number.isNaN(m[r])) nulls++; else ms += m[r];
          if (b[r] === true) trues++;
          if (s[r] !== null) chars += s[r].length;
        }
        return { sums: [{ kind: x.constructor.name + "/" + m.constructor.name, rows: x.length, xs, ms, nulls, trues, chars,
          b3: b[3], s3: s[3], s4: s[4] }] };
      }`,
      { execute: async () => batch },
    );
    const done = completed(await result);
    let ms = 0;
    let nulls = 0;
    let trues = 0;
    let charCount = 0;
    for (let r = 0; r < rows; r++) {
      if (masked[r] === 0) {
        nulls++;
        continue;
      }
      ms += r;
      if (r % 2 === 1) trues++;
      charCount += words[r % 4]!.length;
    }
    expect(done.outputs.sums).toEqual([
      {
        kind: "Float64Array/Float64Array",
        rows,
        xs: (rows * (rows - 1)) / 4,
        ms,
        nulls,
        trues,
        chars: charCount,
        b3: null,
        s3: null,
        s4: "東京",
      },
    ]);
    expect(done.usage).toMatchObject({ queries: 1, rowsIn: rows, bytesIn: batchBytes(batch) });
  });

  it("delivers empty batches: no rows, and no columns at all", async () => {
    const empty: ColumnarBatch = {
      rowCount: 0,
      columns: [
        {
          name: "n",
          sqlType: "DOUBLE",
          data: { kind: "number", values: new Float64Array(0), valid: new Uint8Array(0) },
        },
        {
          name: "s",
          sqlType: "VARCHAR",
          data: { kind: "string", chars: "", offsets: new Uint32Array([0]), valid: null },
        },
        { name: "b", sqlType: "BOOLEAN", data: { kind: "boolean", values: new Uint8Array(0), valid: null } },
      ],
    };
    const port: QueryPort = {
      execute: async ({ sql }) => (sql === "none" ? { rowCount: 0, columns: [] } : empty),
    };
    const { result } = run(
      `export default async (ctx) => {
        const cols = await ctx.sqlColumns("empty");
        const rows = await ctx.sql("empty");
        const nothing = await ctx.sqlColumns("none");
        const noRows = await ctx.sql("none");
        return { shape: [{ names: Object.keys(cols).join(","), lengths: Object.values(cols).map((c) => c.length).join(","),
          rows: rows.length, nothing: Object.keys(nothing).length, noRows: noRows.length }] };
      }`,
      port,
    );
    const done = completed(await result);
    expect(done.outputs.shape).toEqual([
      { names: "n,s,b", lengths: "0,0,0", rows: 0, nothing: 0, noRows: 0 },
    ]);
    expect(done.usage).toMatchObject({ queries: 4, rowsIn: 0, bytesIn: 8 });
    await expectNextJobReadsItsOwnData();
  });

  it("delivers thousands of small columns, more buffers than one read call takes", async () => {
    const batch: ColumnarBatch = {
      rowCount: 2,
      columns: Array.from({ length: 3000 }, (_, c) => ({
        name: `c${c}`,
        sqlType: "DOUBLE",
        data: {
          kind: "number" as const,
          values: new Float64Array([c, c + 0.5]),
          valid: new Uint8Array([1, c % 2]),
        },
      })),
    };
    const { result } = run(
      `export default async (ctx) => {
        const columns = await ctx.sqlColumns("q");
        let sum = 0, nulls = 0;
        for (const name of Object.keys(columns)) { sum += columns[name][0]; if (Number.isNaN(columns[name][1])) nulls++; }
        return { r: [{ columns: Object.keys(columns).length, sum, nulls, last: columns.c2999[1] }] };
      }`,
      { execute: async () => batch },
    );
    const done = completed(await result);
    expect(done.outputs.r).toEqual([{ columns: 3000, sum: (2999 * 3000) / 2, nulls: 1500, last: 2999.5 }]);
    expect(done.usage.bytesIn).toBe(batchBytes(batch));
  });

  it("gives a script only the bytes of each view, never the rest of the buffer the view sits on", async () => {
    const secret = 424242;
    const backing = new Float64Array(1000).fill(secret);
    const values = backing.subarray(100, 110).fill(1);
    // A small Buffer sits in Node's shared pool next to whatever else the process allocated.
    const pooled = Buffer.from([1, 0, 1, 1, 0, 1, 0, 1, 1, 1]);
    const batch: ColumnarBatch = {
      rowCount: 10,
      columns: [
        { name: "v", sqlType: "DOUBLE", data: { kind: "number", values, valid: null } },
        { name: "b", sqlType: "BOOLEAN", data: { kind: "boolean", values: pooled, valid: null } },
      ],
    };
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength);
    const { result } = run(
      `export default async (ctx) => {
        const { v } = await ctx.sqlColumns("q");
        const all = new Float64Array(v.buffer);
        return { seen: [{ bytes: v.buffer.byteLength, offset: v.byteOffset, secret: all.includes(${secret}), sum: all.reduce((a, b) => a + b, 0) }] };
      }`,
      { execute: async () => batch },
    );
    expect(completed(await result).outputs.seen).toEqual([{ bytes: 80, offset: 0, secret: false, sum: 10 }]);
    // The parent's own buffers are untouched by the trip.
    expect(backing[0]).toBe(secret);
    expect(pooled.byteLength).toBe(10);
  });

  it("pairs results with their queries when several are in flight, failures among them", async () => {
    const { result } = run(
      `export default async (ctx) => {
        const asked = ["rows:1:200000", "fail", "rows:2:5", "rows:3:0", "fail", "rows:4:1000000"];
        const settled = await Promise.allSettled(asked.map((q) => ctx.sqlColumns(q)));
        return { answers: settled.map((s, k) => s.status === "fulfilled"
          ? { k, rows: s.value.tag.length, tag: new Set(s.value.tag).size <= 1 ? (s.value.tag[0] ?? null) : -1, last: s.value.i[s.value.i.length - 1] ?? null, code: null }
          : { k, rows: null, tag: null, last: null, code: s.reason.code }) };
      }`,
      numberedPort(),
    );
    expect(completed(await result).outputs.answers).toEqual([
      { k: 0, rows: 200000, tag: 1, last: 199999, code: null },
      { k: 1, rows: null, tag: null, last: null, code: "SQL_NOT_ALLOWED" },
      { k: 2, rows: 5, tag: 2, last: 4, code: null },
      { k: 3, rows: 0, tag: null, last: null, code: null },
      { k: 4, rows: null, tag: null, last: null, code: "SQL_NOT_ALLOWED" },
      { k: 5, rows: 1000000, tag: 4, last: 999999, code: null },
    ]);
  });

  it("keeps the channel in step when a job ends while its result is still arriving", async () => {
    // The script asks for 48 MB and spins: its CPU limit ends it while the payload streams in.
    // Under load the job can end before the parent even reads the query (then nothing streams),
    // so attempts go on until three of them ended with the payload sent; every one must leave
    // the channel in step.
    let streamed = 0;
    for (let attempt = 0; attempt < 12 && streamed < 3; attempt++) {
      const events: SandboxEvent[] = [];
      const { result } = run(
        `export default async (ctx) => { ctx.sqlColumns("rows:9:3000000"); for (;;) {} }`,
        numberedPort(),
        { ...ROOMY, cpuMs: 10 },
        events,
      );
      expect(await result).toMatchObject({ status: "failed", error: { code: "TIMEOUT" } });
      const sent = events.some((e) => e.type === "query" && e.ok === true && e.rows === 3_000_000);
      if (sent) streamed++;
      await expectNextJobReadsItsOwnData();
    }
    expect(streamed).toBe(3);
  });

  it("stops a result over the byte limit before it is sent; the worker's next job reads its own data", async () => {
    const { result } = run(
      `export default async (ctx) => ({ t: [{ n: (await ctx.sqlColumns("rows:1:100000")).i.length }] })`,
      numberedPort(),
      {
        ...ROOMY,
        maxBytesIn: 100_000 * 16 - 1,
      },
    );
    expect(await result).toMatchObject({
      status: "failed",
      error: { code: "LIMIT_EXCEEDED" },
      usage: { bytesIn: 1_600_000 },
    });
    await expectNextJobReadsItsOwnData();
  });

  it("costs only its job when the worker dies in the middle of a transfer; the pool carries on", async () => {
    const [pid] = pool.workerPids;
    const { result } = run(
      `export default async (ctx) => ({ t: [{ n: (await ctx.sqlColumns("rows:1:2000000")).i.length }] })`,
      numberedPort(() => process.kill(pid!, "SIGKILL")),
    );
    expect(await result).toMatchObject({ status: "failed", error: { code: "SANDBOX_CRASH" } });
    expect(pool.workerPids).not.toContain(pid);
    await expectNextJobReadsItsOwnData();
  });

  it("ends a job cancelled in the middle of a transfer as CANCELLED; the next job reads its own data", async () => {
    let jobId = "";
    const started = run(
      `export default async (ctx) => ({ t: [{ n: (await ctx.sqlColumns("rows:1:2000000")).i.length }] })`,
      numberedPort(() => pool.cancel(jobId)),
    );
    jobId = started.jobId;
    expect(await started.result).toMatchObject({ status: "failed", error: { code: "CANCELLED" } });
    await expectNextJobReadsItsOwnData();
  });
});
