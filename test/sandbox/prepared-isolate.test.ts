import ivm from "isolated-vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SandboxPool } from "../../sandbox/index.ts";
import { IsolateReserve, PreparedIsolate } from "../../sandbox/prepared-isolate.ts";
import { type DemoDomain, openDemoDomain } from "./helpers.ts";

const noCatastrophe = () => {
  throw new Error("no isolate should fail in these tests");
};

/** Runs `main` of a module in a prepared isolate the way a job does, and returns its answer text. */
async function runIn(prepared: PreparedIsolate, source: string): Promise<unknown> {
  const filename = "file:///script.js";
  const module = await prepared.isolate.compileModule(source, { filename });
  await module.instantiate(prepared.context, () => {
    throw new Error("no imports");
  });
  await module.evaluate();
  const limits = new ivm.ExternalCopy({ rows: 10, cells: 10, bytes: 1000 }).copyInto({ release: true });
  return prepared.run.apply(undefined, [module.namespace.derefInto(), limits, filename], {
    result: { promise: true },
  });
}

const ASK = `export default async (ctx) => {
  try { await ctx.sql("SELECT 1"); return { r: [{ said: "answered" }] }; }
  catch (error) { return { r: [{ said: error.message }] }; }
}`;

describe("PreparedIsolate", () => {
  it("leads its callbacks nowhere until bound, then to its one job only", async () => {
    const unbound = await PreparedIsolate.create(16, noCatastrophe);
    try {
      expect(await runIn(unbound, ASK)).toBe(
        '{"ok":true,"types":{"r":{}},"outputs":{"r":[{"said":"the job is not ready"}]}}',
      );
    } finally {
      unbound.dispose();
    }

    const prepared = await PreparedIsolate.create(16, noCatastrophe);
    try {
      const asked: unknown[] = [];
      prepared.bind({
        query: (_qid, sql) => {
          asked.push(sql);
          return "refused by the test";
        },
        log: () => {},
        progress: () => "",
      });
      expect(() => prepared.bind({ query: () => "", log: () => {}, progress: () => "" })).toThrow(/one job/);
      expect(await runIn(prepared, ASK)).toBe(
        '{"ok":true,"types":{"r":{}},"outputs":{"r":[{"said":"refused by the test"}]}}',
      );
      expect(asked).toEqual(["SELECT 1"]);
    } finally {
      prepared.dispose();
    }
  });
});

describe("IsolateReserve", () => {
  it("hands each prepared isolate out once, and a new one when the heap limit differs", async () => {
    const reserve = new IsolateReserve(noCatastrophe);
    reserve.prepare(16);
    reserve.prepare(16);
    const first = await reserve.take(16);
    const second = await reserve.take(16);
    expect(second.isolate).not.toBe(first.isolate);

    reserve.prepare(16);
    const other = await reserve.take(64);
    expect(other.heapMb).toBe(64);
    const limitMb = (await other.isolate.getHeapStatistics()).heap_size_limit / 2 ** 20;
    expect(limitMb).toBeGreaterThanOrEqual(64);
    expect(limitMb).toBeLessThan(128);
    for (const prepared of [first, second, other]) prepared.dispose();
  });
});

describe("one fresh isolate per job", () => {
  let pool: SandboxPool;
  let domain: DemoDomain;
  beforeAll(async () => {
    domain = await openDemoDomain();
    pool = new SandboxPool({ size: 1 });
  });
  afterAll(async () => {
    await pool.close();
    domain.close();
  });

  it("shows a job nothing an earlier job on the same worker left in its isolate", async () => {
    const pid = pool.workerPids[0];
    const polluter = await pool.run(
      {
        jobId: "polluter",
        language: "javascript",
        script: `export default async (ctx) => {
          globalThis.leftover = "from the polluter";
          Object.prototype.polluted = true;
          Array.prototype.map = () => "patched";
          JSON.stringify = () => "patched";
          return { t: await ctx.sql("SELECT 1 AS one") };
        }`,
      },
      domain.port,
    );
    expect(polluter.status).toBe("completed");
    const witness = await pool.run(
      {
        jobId: "witness",
        language: "javascript",
        script: `export default async (ctx) => ({ seen: [{
          leftover: typeof globalThis.leftover,
          polluted: typeof ({}).polluted,
          map: [1].map((x) => x + 1)[0],
          json: JSON.stringify({ a: 1 }),
          rows: (await ctx.sql("SELECT 2 AS two"))[0].two,
        }] })`,
        limits: { heapMb: 64 },
      },
      domain.port,
    );
    expect(pool.workerPids).toEqual([pid]);
    expect(witness).toMatchObject({
      status: "completed",
      outputs: { seen: [{ leftover: "undefined", polluted: "undefined", map: 2, json: '{"a":1}', rows: 2 }] },
    });
  });
});
