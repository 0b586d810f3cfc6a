import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { workerContainment } from "../../sandbox/containment.ts";
import type { SandboxLimitsInput, SandboxResult } from "../../sandbox/index.ts";
import { SandboxLimits, SandboxPool } from "../../sandbox/index.ts";
import { type WorkerExit, WorkerProcess } from "../../sandbox/worker-process.ts";
import { type DemoDomain, openDemoDomain } from "./helpers.ts";

/** A worker whose process an attacker controls; the job's script text says what it does. */
const HOSTILE_WORKER = fileURLToPath(new URL("./fixtures/hostile-worker.ts", import.meta.url));
const MIB = 1024 * 1024;

let domain: DemoDomain;
let jobs = 0;

beforeAll(async () => {
  domain = await openDemoDomain();
});
afterAll(() => domain.close());

function failed(result: SandboxResult) {
  if (result.status !== "failed")
    throw new Error(`expected a failure, got ${JSON.stringify(result.outputs)}`);
  return result.error;
}

function completed(result: SandboxResult) {
  if (result.status !== "completed") throw new Error(`job failed: ${JSON.stringify(result.error)}`);
  return result;
}

/** Runs `work` and reports how far this process's ArrayBuffer memory rose above where it started. */
async function arrayBufferGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  };
  const timer = setInterval(sample, 5);
  try {
    const result = await work();
    sample();
    return { result, growth: peak - base };
  } finally {
    clearInterval(timer);
  }
}

describe("message channel: hostile workers", () => {
  let pool: SandboxPool;
  beforeAll(() => {
    // Uncontained: a hostile worker names itself by its pid, which a PID namespace would make 2 for all.
    pool = new SandboxPool({ size: 1, workerEntry: HOSTILE_WORKER, containment: workerContainment("off") });
  });
  afterAll(() => pool.close());

  function run(script: string): Promise<SandboxResult> {
    return pool.run({ jobId: `hostile_worker_${++jobs}`, script, language: "javascript" }, domain.port);
  }

  /** Whatever the previous job's worker did, the pool serves the next job on a fresh worker. */
  afterEach(async () => {
    const next = completed(await run("honest"));
    expect(next.outputs.served_by).toHaveLength(1);
  });

  it("kills a worker announcing a 2 GiB message at its header, holds none of it, and serves the next job elsewhere", async () => {
    const before = completed(await run("honest")).outputs.served_by?.[0]?.pid;
    // The worker goes on writing junk (up to 512 MiB) after the header, as fast as it can.
    const { result, growth } = await arrayBufferGrowth(() => run("declare 2 GiB"));
    expect(failed(result)).toMatchObject({
      code: "SANDBOX_CRASH",
      class: "SandboxCrash",
      source: "sandbox",
      message: expect.stringMatching(/oversized or malformed message/),
    });
    expect(growth).toBeLessThan(64 * MIB);
    const after = completed(await run("honest")).outputs.served_by?.[0]?.pid;
    expect(after).toBeTypeOf("number");
    expect(after).not.toBe(before);
    expect(pool.workerPids).toEqual([after]);
  });

  it("kills a worker whose message is one byte over its job's cap", async () => {
    expect(failed(await run("over the cap"))).toMatchObject({
      code: "SANDBOX_CRASH",
      message: expect.stringMatching(/oversized or malformed message/),
    });
  });

  it("kills a worker whose frame does not deserialize, or holds a message the protocol does not know", async () => {
    for (const script of ["garbage", "not the protocol"]) {
      expect(failed(await run(script)), script).toMatchObject({
        code: "SANDBOX_CRASH",
        message: expect.stringMatching(/oversized or malformed message/),
      });
    }
  });

  it("reports the worker it killed as having broken the protocol", async () => {
    const exits: WorkerExit[] = [];
    const worker = new WorkerProcess(
      () => {},
      (exit) => exits.push(exit),
      HOSTILE_WORKER,
    );
    try {
      await worker.ready;
      worker.run({
        jobId: "direct",
        source: "declare 2 GiB",
        language: "javascript",
        limits: SandboxLimits.parse({}),
      });
      await worker.gone;
      expect(exits).toEqual([{ code: null, signal: "SIGKILL", outOfMemory: false, brokeProtocol: true }]);
    } finally {
      worker.kill();
    }
  });
});

describe("message channel: large honest messages", () => {
  let pool: SandboxPool;
  beforeAll(() => {
    pool = new SandboxPool({ size: 1 });
  });
  afterAll(() => pool.close());

  function run(script: string, limits?: SandboxLimitsInput): Promise<SandboxResult> {
    return pool.run({ jobId: `honest_${++jobs}`, script, language: "javascript", limits }, domain.port);
  }

  it("passes outputs just under the default output limit, as two-byte text (the costliest to serialize)", async () => {
    // 16 rows of a million characters and one non-Latin-1 character: about 16.0 of the 16 MiB.
    const result = completed(
      await run(`export default async () => ({
        t: Array.from({ length: 16 }, (_, i) => ({ i, s: "中" + "a".repeat(1_040_000) })),
      })`),
    );
    expect(result.outputs.t).toHaveLength(16);
    expect(result.outputs.t?.[15]?.s).toHaveLength(1_040_001);
    expect(result.usage.outputBytes).toBeGreaterThan(16.5e6);
    expect(result.usage.outputBytes).toBeLessThanOrEqual(16 * MIB);
  });

  it("passes outputs under a license's larger output limit", async () => {
    const result = completed(
      await run(`export default async () => ({ t: [{ s: "中".repeat(20_000_000) }] })`, {
        heapMb: 512,
        maxOutputBytes: 64 * MIB,
      }),
    );
    expect(result.usage.outputBytes).toBeGreaterThan(60e6);
  });

  it("passes a query with the most parameters a script may bind, each as long as allowed", async () => {
    const result = completed(
      await run(`export default async (ctx) => {
        const params = Array.from({ length: 256 }, () => "中" + "a".repeat(65_535));
        const sql = "SELECT length(concat(" + params.map(() => "?").join(", ") + ")) AS n";
        return { t: await ctx.sql(sql, params) };
      }`),
    );
    expect(result.outputs.t).toEqual([{ n: 256 * 65_536 }]);
  });

  it("ends a job whose answer could not be within the output limit with LIMIT_EXCEEDED, not a killed worker", async () => {
    // An empty table adds no row, so the isolate's per-row size check never sees its name: a 40 MB
    // name would make a message over the parent's cap, were the worker not to stop it first.
    const error = failed(
      await run(`export default async () => ({ ["t".repeat(40_000_000)]: [] })`, { heapMb: 256 }),
    );
    expect(error).toMatchObject({ code: "LIMIT_EXCEEDED", class: "LimitExceeded" });
  });
});
