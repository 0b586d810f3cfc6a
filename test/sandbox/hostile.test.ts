import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SandboxLimitsInput, SandboxResult } from "../../sandbox/index.ts";
import { SandboxPool } from "../../sandbox/index.ts";
import { type DemoDomain, openDemoDomain } from "./helpers.ts";

// Tight limits keep each hostile job short; every case must still end with its documented code.
const LIMITS: SandboxLimitsInput = {
  heapMb: 32,
  cpuMs: 1_000,
  wallMs: 3_000,
  maxQueries: 50,
  maxLogEntries: 100,
  maxLogBytes: 10_000,
  maxOutputRows: 1_000,
};

let pool: SandboxPool;
let domain: DemoDomain;
let dataDir: string;
let dataFile: DuckDBInstance;
let jobs = 0;

beforeAll(async () => {
  domain = await openDemoDomain();
  // A data file open in the parent before the workers start: they must not inherit a handle to it.
  dataDir = mkdtempSync(join(tmpdir(), "sandbox-hostile-"));
  dataFile = await DuckDBInstance.create(join(dataDir, "domain.duckdb"));
  await (await dataFile.connect()).run("CREATE TABLE t AS SELECT 1 AS x");
  pool = new SandboxPool({ size: 2 });
});
afterAll(async () => {
  await pool.close();
  domain.close();
  dataFile.closeSync();
  rmSync(dataDir, { recursive: true, force: true });
});
afterEach(async () => {
  // Whatever the previous job did, the pool serves the next one.
  const next = await run("export default async (ctx) => ({ ok: await ctx.sql('SELECT 1 AS one') })");
  expect(next).toMatchObject({ status: "completed", outputs: { ok: [{ one: 1 }] } });
});

function run(script: string, limits: SandboxLimitsInput = LIMITS): Promise<SandboxResult> {
  return pool.run({ jobId: `hostile_${++jobs}`, script, language: "javascript", limits }, domain.port);
}

async function failure(script: string, limits?: SandboxLimitsInput) {
  const result = await run(script, limits);
  if (result.status !== "failed")
    throw new Error(`expected a failure, got ${JSON.stringify(result.outputs)}`);
  return result.error;
}

async function outputs(script: string) {
  const result = await run(script);
  if (result.status !== "completed") throw new Error(`job failed: ${JSON.stringify(result.error)}`);
  return result.outputs;
}

describe("hostile scripts: time", () => {
  it("stops a synchronous infinite loop on CPU time", async () => {
    expect(await failure("export default async () => { while (true) {} }")).toMatchObject({
      code: "TIMEOUT",
      source: "sandbox",
    });
  });

  it("stops an infinite loop at module top level", async () => {
    expect(await failure("for (;;) {}\nexport default async () => ({});")).toMatchObject({ code: "TIMEOUT" });
  });

  it("stops a promise-microtask loop on CPU time", async () => {
    expect(await failure("export default async () => { while (true) await null; }")).toMatchObject({
      code: "TIMEOUT",
    });
  });

  it("stops an await loop of queries on wall time", async () => {
    const error = await failure(
      "export default async (ctx) => { while (true) await ctx.sql('SELECT 1 AS x'); }",
      {
        ...LIMITS,
        wallMs: 1_000,
        cpuMs: 60_000,
        maxQueries: 100_000,
      },
    );
    expect(error.code).toBe("TIMEOUT");
    expect(error.message).toContain("wall-clock");
  });

  it("stops an await loop of queries at the query limit", async () => {
    const error = await failure("export default async (ctx) => { for (;;) await ctx.sql('SELECT 1 AS x'); }");
    expect(error).toMatchObject({ code: "LIMIT_EXCEEDED" });
    expect(domain.requests.filter((r) => r.jobId === `hostile_${jobs}`)).toHaveLength(50);
  });

  it("stops a script that awaits forever on wall time", async () => {
    expect(
      await failure("export default async () => { await new Promise(() => {}); }", {
        ...LIMITS,
        wallMs: 500,
      }),
    ).toMatchObject({ code: "TIMEOUT" });
  });
});

describe("hostile scripts: memory", () => {
  const bombs: Record<string, string> = {
    arrays: "const a = []; for (;;) a.push([a.length, a.length + 1]);",
    strings: "const a = []; for (let i = 0; ; i++) a.push('x'.repeat(1000) + i);",
    ArrayBuffers: "const a = []; for (;;) a.push(new ArrayBuffer(1 << 20));",
    "typed arrays": "const a = []; for (;;) a.push(new Float64Array(1 << 17));",
    "one huge ArrayBuffer": "new Uint8Array(1 << 30);",
  };
  for (const [name, bomb] of Object.entries(bombs)) {
    it(`ends an allocation bomb of ${name} with MEMORY_LIMIT`, async () => {
      // CPU and wall are generous here: near its heap limit V8 collects garbage hard, and the heap
      // limit, not the clock, must be what ends these jobs.
      const error = await failure(`export default async () => { ${bomb} }`, {
        ...LIMITS,
        cpuMs: 20_000,
        wallMs: 20_000,
      });
      expect(error).toMatchObject({ code: "MEMORY_LIMIT" });
    });
  }

  it("has no WebAssembly, whose memory the heap limit would not count", async () => {
    const error = await failure(
      "export default async () => { const m = new WebAssembly.Memory({ initial: 1, maximum: 65536 }); m.grow(4000); }",
    );
    expect(error).toMatchObject({ code: "SCRIPT_ERROR", class: "ReferenceError", line: 1 });
  });

  it("ends deep recursion with a script error", async () => {
    expect(
      await failure("function f(n) { return f(n + 1) + 1; }\nexport default async () => f(0);"),
    ).toMatchObject({
      code: "SCRIPT_ERROR",
      class: "RangeError",
      line: 1,
    });
  });

  it("costs one job when V8 aborts the worker on heap exhaustion; a job on the other worker goes on", async () => {
    const steady = run(
      `export default async (ctx) => {
      const started = Date.now();
      let rounds = 0;
      while (Date.now() - started < 1500) { await ctx.sql("SELECT 1 AS x"); rounds++; }
      return { steady: [{ done: rounds > 0 }] };
    }`,
      { ...LIMITS, maxQueries: 100_000, cpuMs: 5_000 },
    );
    const pidsBefore = pool.workerPids;
    const bomb = await failure(
      "export default async () => { const m = new Map(); for (let i = 0; ; i++) m.set(i, { i }); }",
      { ...LIMITS, cpuMs: 20_000, wallMs: 20_000 },
    );
    expect(bomb.code).toBe("MEMORY_LIMIT");
    expect(await steady).toMatchObject({ status: "completed", outputs: { steady: [{ done: true }] } });
    expect(pool.workerPids).not.toEqual(pidsBefore);
  });
});

describe("hostile scripts: escape attempts", () => {
  it("sees no host objects, no code generation, no timers, no shared memory", async () => {
    const probe = await outputs(`
      const tries = {
        require: () => typeof require,
        process: () => typeof process,
        module: () => typeof module,
        setTimeout: () => typeof setTimeout,
        queueMicrotask: () => typeof queueMicrotask,
        console: () => typeof console,
        eval: () => typeof eval,
        globalFunction: () => Function("return 1")(),
        functionConstructor: () => (function () {}).constructor("return globalThis")(),
        asyncFunctionConstructor: () => (async () => {}).constructor("return 1"),
        generatorConstructor: () => (function* () {}).constructor("yield 1"),
        asyncGeneratorConstructor: () => (async function* () {}).constructor("yield 1"),
        ctxMethodConstructor: () => ctxRef.sql.constructor("return process")(),
        reflectConstruct: () => Reflect.construct(Object.getPrototypeOf(() => {}).constructor, ["return 1"]),
        indirectEval: () => (0, globalThis["ev" + "al"])("1"),
        sharedArrayBuffer: () => typeof SharedArrayBuffer,
        atomics: () => typeof Atomics,
        webAssembly: () => typeof WebAssembly,
        prepareStackTrace: () => { Error.prepareStackTrace = (e, sites) => sites.map((s) => s.getFunction()); return "replaced"; },
        dynamicImport: () => import("node:fs").then(() => "imported"),
        topLevelThis: () => typeof topThis,
        ctxKeys: () => Object.getOwnPropertyNames(ctxRef).sort().join(","),
        ctxFrozen: () => Object.isFrozen(ctxRef),
        ctxPrototypeIsLocal: () => Object.getPrototypeOf(ctxRef) === Object.prototype,
        globals: () => Object.getOwnPropertyNames(globalThis).filter((n) => !/^[A-Z]/.test(n)).sort().join(","),
      };
      const topThis = this;
      let ctxRef;
      export default async function main(ctx) {
        ctxRef = ctx;
        const rows = [];
        for (const [name, attempt] of Object.entries(tries)) {
          let outcome;
          try { outcome = "ok:" + String(await attempt()); } catch (e) { outcome = "threw:" + e.name; }
          rows.push({ name, outcome });
        }
        return { probe: rows };
      }`);
    const outcome = Object.fromEntries(probe.probe!.map((row) => [row.name, row.outcome]));
    expect(outcome).toEqual({
      require: "ok:undefined",
      process: "ok:undefined",
      module: "ok:undefined",
      setTimeout: "ok:undefined",
      queueMicrotask: "ok:undefined",
      console: "ok:undefined",
      eval: "ok:undefined",
      globalFunction: "threw:TypeError",
      functionConstructor: "threw:TypeError",
      asyncFunctionConstructor: "threw:TypeError",
      generatorConstructor: "threw:TypeError",
      asyncGeneratorConstructor: "threw:TypeError",
      ctxMethodConstructor: "threw:TypeError",
      reflectConstruct: "threw:TypeError",
      indirectEval: "threw:TypeError",
      sharedArrayBuffer: "ok:undefined",
      atomics: "ok:undefined",
      webAssembly: "ok:undefined",
      prepareStackTrace: "threw:TypeError",
      dynamicImport: "threw:Error",
      topLevelThis: "ok:undefined",
      ctxKeys: "ok:log,progress,sql,sqlColumns",
      ctxFrozen: "ok:true",
      ctxPrototypeIsLocal: "ok:true",
      globals:
        "ok:decodeURI,decodeURIComponent,encodeURI,encodeURIComponent,escape,globalThis,isFinite,isNaN,parseFloat,parseInt,undefined,unescape",
    });
  });

  it("turns bad arguments to host callbacks into errors inside the isolate", async () => {
    const caught = await outputs(`export default async function main(ctx) {
      const attempts = [
        () => ctx.sql(42),
        () => ctx.sql({ toString() { return "SELECT 1"; } }),
        () => ctx.sql("SELECT 1", [{}]),
        () => ctx.sql("SELECT 1", [() => 1]),
        () => ctx.sql("SELECT 1", [1n]),
        () => ctx.sql("SELECT 1", "not an array"),
        () => ctx.sql("SELECT ?", [Symbol("s")]),
        () => ctx.sql("x".repeat(70000)),
        () => ctx.progress(2),
        () => ctx.progress(Number.NaN),
        () => ctx.progress(0.5, { message: "no" }),
      ];
      const rows = [];
      for (const attempt of attempts) {
        try { await attempt(); rows.push({ outcome: "accepted" }); } catch (e) { rows.push({ outcome: e.name }); }
      }
      return { caught: rows };
    }`);
    expect(caught.caught!.map((row) => row.outcome)).toEqual(Array(11).fill("TypeError"));
  });

  it("holds no handle to data files in its worker processes", () => {
    const dataPath = join(dataDir, "domain.duckdb");
    for (const pid of pool.workerPids) {
      const targets = readdirSync(`/proc/${pid}/fd`).map((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return "";
        }
      });
      expect(targets.filter((target) => target.startsWith(dataDir) || target.endsWith(".duckdb"))).toEqual(
        [],
      );
      expect(targets).not.toContain(dataPath);
    }
  });
});

describe("hostile scripts: thrown and returned values", () => {
  it("reports thrown non-Error values without running their code", async () => {
    expect(await failure("export default async () => { throw 42; }")).toMatchObject({
      code: "SCRIPT_ERROR",
      class: "NonError",
      message: "42",
    });
    expect(
      await failure(`export default async () => {
        throw { get name() { for (;;) {} }, get message() { for (;;) {} }, get stack() { for (;;) {} } };
      }`),
    ).toMatchObject({ code: "SCRIPT_ERROR", class: "Object", message: "" });
    expect(
      await failure(`export default async () => {
        throw new Proxy({}, { get() { for (;;) {} }, getOwnPropertyDescriptor() { throw 1; }, getPrototypeOf() { throw 1; } });
      }`),
    ).toMatchObject({ code: "SCRIPT_ERROR" });
    expect(await failure("export default async () => { throw Symbol('s'); }")).toMatchObject({
      code: "SCRIPT_ERROR",
    });
  });

  it("refuses cyclic, getter-laden, proxied and toJSON outputs without running their code", async () => {
    const cases = [
      "const row = { a: 1 }; row.self = row; return { t: [row] };",
      "const t = []; t.push({ a: t }); return { t };",
      "return { t: [{ get a() { for (;;) {} } }] };",
      "return { get t() { for (;;) {} } };",
      "return { t: [{ a: { toJSON() { return 1; } } }] };",
      "return new Proxy({}, { ownKeys() { for (;;) {} } , getPrototypeOf() { throw new Error('no'); } });",
      "return { t: [new Proxy({ a: 1 }, { getPrototypeOf() { return Array.prototype; } })] };",
      "return { t: new Proxy([], { get() { throw new Error('no'); }, getOwnPropertyDescriptor() { throw new Error('no'); } }) };",
    ];
    for (const body of cases) {
      const error = await failure(`export default async () => { ${body} }`);
      expect(error, body).toMatchObject({ code: "SCRIPT_ERROR", class: "OutputError" });
    }
  });

  it("ends huge outputs with LIMIT_EXCEEDED", async () => {
    expect(
      await failure("export default async () => ({ t: Array.from({ length: 5000 }, (_, i) => ({ i })) })"),
    ).toMatchObject({ code: "LIMIT_EXCEEDED" });
    expect(
      await failure("export default async () => ({ t: [{ s: 'x'.repeat(20000) }] })", {
        ...LIMITS,
        maxOutputBytes: 10_000,
      }),
    ).toMatchObject({ code: "LIMIT_EXCEEDED" });
  });

  it("ends log floods with LIMIT_EXCEEDED", async () => {
    expect(await failure("export default async (ctx) => { for (;;) ctx.log('flood'); }")).toMatchObject({
      code: "LIMIT_EXCEEDED",
    });
    expect(
      await failure("export default async (ctx) => { for (;;) ctx.log('x'.repeat(100000)); }"),
    ).toMatchObject({ code: "LIMIT_EXCEEDED" });
  });

  it("stops a job whose queries return more rows than it may receive, before the data is sent", async () => {
    const error = await failure(
      "export default async (ctx) => ({ t: await ctx.sql('SELECT n FROM numbers') })",
      {
        ...LIMITS,
        maxRowsIn: 1_000,
      },
    );
    expect(error).toMatchObject({ code: "LIMIT_EXCEEDED" });
    expect(domain.requests.at(-1)?.maxRows).toBe(1_000);
  });

  it("refuses scripts over the size limit", async () => {
    expect(
      await failure(`export default async () => ({}); // ${"x".repeat(2000)}`, {
        ...LIMITS,
        scriptBytes: 1000,
      }),
    ).toMatchObject({ code: "LIMIT_EXCEEDED" });
  });
});
