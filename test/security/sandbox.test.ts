import { describe, expect, it } from "vitest";
import { auditOf, useSecurityGateway } from "./support.ts";

/**
 * Family: sandbox escape and exhaustion. The script is hostile JavaScript; it must find nothing
 * of the host, and every way of exhausting the isolate must end the job with a stable code.
 */
const gateway = useSecurityGateway();

/** Runs attempts inside one job; each reports what it reached as a string. */
function escapeScript(attempts: Record<string, string>): string {
  const body = Object.entries(attempts)
    .map(
      ([name, code]) => `
    try { out.push({ a: ${JSON.stringify(name)}, r: String((() => { ${code} })()) }); }
    catch (e) { out.push({ a: ${JSON.stringify(name)}, r: "threw " + (e && e.name) }); }`,
    )
    .join("");
  return `export default async function main(ctx) {
  const out = [];${body}
  return { attempts: out };
}`;
}

describe("sandbox escape", () => {
  it("host objects and modules are unreachable (process, require, globalThis chains, constructors)", async () => {
    const gw = gateway();
    const job = await gw.run(
      escapeScript({
        process: "return typeof process",
        require: "return typeof require",
        module: "return typeof module",
        globalProcess: "return typeof globalThis.process",
        buffer: "return typeof Buffer",
        fetch: "return typeof fetch",
        ivm: "return typeof ivm + typeof _ivm + typeof $0",
        ctxChain: "return typeof ctx",
        fnCtorProcess: "return (function(){}).constructor('return typeof process')()",
        asyncCtor: "return (async function(){}).constructor('return 1')",
        genCtor: "return Object.getPrototypeOf(function*(){}).constructor('return 1')",
        protoOfGlobal:
          "return Object.getOwnPropertyNames(globalThis).filter((n) => /process|require|ivm|^host|isolate|callback|^_/i.test(n)).join(',') || 'none'",
      }),
    );
    expect(job.status).toBe("released");
    const r = Object.fromEntries(
      (job.outputs!.attempts as { a: string; r: string }[]).map((x) => [x.a, x.r]),
    );
    for (const key of ["process", "require", "module", "globalProcess", "buffer", "fetch"]) {
      expect(r[key], key).toBe("undefined");
    }
    expect(r.ivm).toBe("undefinedundefinedundefined");
    for (const key of ["fnCtorProcess", "asyncCtor", "genCtor"]) expect(r[key], key).toMatch(/^threw/);
    expect(r.protoOfGlobal).toBe("none");
  });

  it("ctx methods cannot be turned into host references (constructor chains, prototype pollution)", async () => {
    const gw = gateway();
    const job = await gw.run(
      escapeScript({
        sqlCtor: "return ctx.sql.constructor('return typeof process')()",
        sqlProto: "return Object.getPrototypeOf(ctx.sql) === Function.prototype",
        ctxKeys: "return Object.getOwnPropertyNames(ctx).sort().join(',')",
        pollute: "Object.prototype.polluted = 1; Array.prototype.push = null; return 'set'",
      }),
    );
    // Array.prototype.push is gone: the script's own output code may fail; both outcomes are safe.
    expect(["released", "failed"]).toContain(job.status);
    if (job.status === "released") {
      const r = Object.fromEntries(
        (job.outputs!.attempts as { a: string; r: string }[]).map((x) => [x.a, x.r]),
      );
      expect(r.sqlCtor).toMatch(/^threw/);
    }
  });

  it("code generation is refused: eval, Function, indirect eval, string timers, import()", async () => {
    const gw = gateway();
    const job = await gw.run(
      escapeScript({
        eval: "return eval('1 + 1')",
        indirectEval: "return (0, globalThis.eval)('1 + 1')",
        Function: "return new Function('return 1')()",
        Reflect: "return Reflect.construct(Function, ['return 1'])()",
        setTimeout:
          "return typeof setTimeout + typeof setInterval + typeof setImmediate + typeof queueMicrotask",
        wasm: "return typeof WebAssembly",
        sab: "return typeof SharedArrayBuffer + typeof Atomics",
        console: "return typeof console",
      }),
    );
    expect(job.status).toBe("released");
    const r = Object.fromEntries(
      (job.outputs!.attempts as { a: string; r: string }[]).map((x) => [x.a, x.r]),
    );
    for (const key of ["eval", "indirectEval", "Function", "Reflect"])
      expect(r[key], key).toMatch(/^threw|undefined/);
    expect(r.setTimeout).not.toContain("function");
    expect(r.wasm).toBe("undefined");
    expect(r.sab).toBe("undefinedundefined");
    expect(r.console).toBe("undefined");

    const imp = await gw.run(
      `export default async function main(ctx) { const fs = await import("node:fs"); return { x: [{ a: 1 }] }; }`,
    );
    expect(imp.status).toBe("failed");
    expect(imp.error?.code).toBe("SCRIPT_ERROR");
    const staticImport = await gw.run(
      `import fs from "node:fs";\nexport default async function main() { return { x: [{ a: 1 }] }; }`,
    );
    expect(staticImport.status).toBe("failed");
  });
});

describe("sandbox exhaustion", () => {
  it("memory exhaustion through arrays, strings, typed arrays and maps ends with MEMORY_LIMIT", async () => {
    const gw = gateway();
    const loops = [
      "const a = []; for (;;) a.push(new Array(100000).fill(1.5));",
      "let s = 'x'; for (;;) s = s + s + String(s.length);",
      "const a = []; for (;;) a.push(new Float64Array(10000000));",
      "const m = new Map(); for (let i = 0;; i++) m.set(i, { i, s: 'v' + i });",
      "new ArrayBuffer(8 * 1024 * 1024 * 1024);",
    ];
    for (const loop of loops) {
      const job = await gw.run(
        `export default async function main(ctx) { ${loop} return { x: [{ a: 1 }] }; }`,
      );
      expect(job.status, loop).toBe("failed");
      expect(["MEMORY_LIMIT", "SCRIPT_ERROR"], loop).toContain(job.error?.code);
    }
  });

  it("CPU exhaustion through every kind of loop ends with TIMEOUT or LIMIT_EXCEEDED", async () => {
    const gw = gateway();
    const loops = [
      "for (;;) {}",
      "for (;;) await null;",
      "const spin = () => Promise.resolve().then(spin); spin(); await new Promise(() => {});",
      "for (;;) await ctx.sql('SELECT station FROM air_quality LIMIT 1');",
    ];
    const jobs = await Promise.all(
      loops.map((loop) =>
        gw.run(`export default async function main(ctx) { ${loop} return { x: [{ a: 1 }] }; }`),
      ),
    );
    for (const [i, job] of jobs.entries()) {
      expect(job.status, loops[i]).toBe("failed");
      // an ever-growing promise chain may hit the heap before the clock: both end the job
      expect(["TIMEOUT", "LIMIT_EXCEEDED", "MEMORY_LIMIT"], loops[i]).toContain(job.error?.code);
    }
  }, 180_000);

  it("deep recursion and stack games end as SCRIPT_ERROR, never a crash of the gateway", async () => {
    const gw = gateway();
    const job = await gw.run(
      `export default async function main(ctx) { const f = (n) => f(n + 1) + 1; f(0); return {}; }`,
    );
    expect(job.status).toBe("failed");
    expect(["SCRIPT_ERROR", "MEMORY_LIMIT"]).toContain(job.error?.code);
  });

  it("hostile values in outputs (getters, proxies, NaN, cycles, huge tables) are refused without leaking", async () => {
    const gw = gateway();
    const outputs = [
      "return { t: [{ a: NaN }] };",
      "return { t: [{ get a() { throw new Error('boom'); } }] };",
      "return new Proxy({}, { ownKeys() { throw new Error('x'); } });",
      "const o = { t: [] }; o.t.push({ self: o }); return o;",
      "return { t: Array.from({ length: 2000000 }, (_, i) => ({ i })) };",
      "return { 'bad name/../x': [{ a: 1 }] };",
      "return { t: [{ a: 1 }, { b: 2 }] };",
      "return { t: [{ a: Symbol('s') }] };",
      "return { t: [{ a: 2n ** 64n }] };",
      "return { t: [{ a: [[[[[1]]]]] }] };",
      "const l = [1]; Object.defineProperty(l, 0, { get() { throw new Error('boom'); } }); return { t: [{ a: l }] };",
      "return { t: [{ a: new Proxy([1], { getOwnPropertyDescriptor() { throw new Error('x'); } }) }] };",
      "class L extends Array {} return { t: [{ a: L.from([1]) }] };",
      "return { t: [{ a: Array.from({ length: 2000000 }, () => 1) }] };",
      "return { t: [{ a: [1] }, { a: ['x'] }] };",
    ];
    for (const out of outputs) {
      const job = await gw.run(`export default async function main(ctx) { ${out} }`);
      expect(job.status, out).toBe("failed");
      expect(["SCRIPT_ERROR", "LIMIT_EXCEEDED", "MEMORY_LIMIT"], out).toContain(job.error?.code);
    }
  });

  it("hostile thrown values (getter on message, proxy, huge name) end as SCRIPT_ERROR", async () => {
    const gw = gateway();
    const throws = [
      "throw { get message() { for (;;) {} } };",
      "throw new Proxy(new Error('x'), { get() { throw new Error('trap'); } });",
      "const e = new Error('m'); e.name = 'N'.repeat(10000000); throw e;",
      "throw Symbol('s');",
      "throw null;",
    ];
    for (const t of throws) {
      const job = await gw.run(`export default async function main(ctx) { ${t} }`);
      expect(job.status, t).toBe("failed");
      expect(["SCRIPT_ERROR", "TIMEOUT", "MEMORY_LIMIT"], t).toContain(job.error?.code);
    }
  });

  it("ctx abuse (non-string SQL, huge SQL, too many params, log and progress floods) is refused per call", async () => {
    const gw = gateway();
    const job = await gw.run(`export default async function main(ctx) {
      const codes = [];
      const attempt = async (f) => { try { await f(); codes.push({ c: "ok" }); } catch (e) { codes.push({ c: String(e.code || e.name) }); } };
      await attempt(() => ctx.sql({ toString() { return "SELECT 1"; } }));
      await attempt(() => ctx.sql("SELECT 1 AS a FROM air_quality WHERE station = $1 LIMIT 1", [{}]));
      await attempt(() => ctx.sql("SELECT 1 AS a FROM air_quality LIMIT 1", new Array(1000).fill(1)));
      await attempt(() => ctx.sql("SELECT 1 AS a /*" + "x".repeat(200000) + "*/"));
      await attempt(() => ctx.progress(NaN, "x".repeat(100000)));
      return { codes };
    }`);
    expect(job.status).toBe("released");
    const codes = (job.outputs!.codes as { c: string }[]).map((c) => c.c);
    expect(codes.slice(0, 4).every((c) => c !== "ok")).toBe(true);

    const flood = await gw.run(
      `export default async function main(ctx) { for (let i = 0; i < 100000; i++) ctx.log("line " + i); return { x: [{ a: 1 }] }; }`,
    );
    expect(flood.status).toBe("failed");
    expect(flood.error?.code).toBe("LIMIT_EXCEEDED");
  });

  it("a script that kills its own worker (exit through every reachable door) fails alone; the pool recovers", async () => {
    const gw = gateway();
    const jobs = await Promise.all([
      gw.run(
        `export default async function main(ctx) { const a = []; for (;;) a.push(new ArrayBuffer(64 * 1024 * 1024)); }`,
      ),
      gw.run(
        `export default async function main(ctx) { return ctx.sql("SELECT 1 AS a").then(() => { throw new Error("late"); }); }`,
      ),
    ]);
    for (const job of jobs) expect(job.status).toBe("failed");
    const entries = await auditOf(gw, `job=${jobs[0]!.id}`);
    expect(entries.map((e) => e.type)).toContain("job.finished");
  });
});
