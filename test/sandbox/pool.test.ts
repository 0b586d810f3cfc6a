import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxEvent, SandboxResult } from "../../sandbox/index.ts";
import { SandboxPool } from "../../sandbox/index.ts";
import { type DemoDomain, openDemoDomain } from "./helpers.ts";

let pool: SandboxPool;
let domain: DemoDomain;
let jobs = 0;

beforeAll(async () => {
  domain = await openDemoDomain();
  pool = new SandboxPool({ size: 2 });
});
afterAll(async () => {
  await pool.close();
  domain.close();
});

function run(
  script: string,
  language: "javascript" | "typescript" = "javascript",
  events: SandboxEvent[] = [],
) {
  return pool.run({ jobId: `job_${++jobs}`, script, language }, domain.port, (event) => events.push(event));
}

function completed(result: SandboxResult) {
  if (result.status !== "completed") throw new Error(`job failed: ${JSON.stringify(result.error)}`);
  return result;
}

function failed(result: SandboxResult) {
  if (result.status !== "failed") throw new Error("job completed but should have failed");
  return result.error;
}

const PEOPLE = "SELECT * FROM people ORDER BY person_id";

describe("SandboxPool: normal jobs", () => {
  it("runs a JavaScript script that queries rows and returns them as an output", async () => {
    const result = completed(
      await run(`export default async function main(ctx) {
        const rows = await ctx.sql("SELECT district, count(*) AS n FROM people WHERE district IS NOT NULL GROUP BY 1 ORDER BY 1");
        return { by_district: rows };
      }`),
    );
    expect(result.outputs).toEqual({
      by_district: [
        { district: "东城区", n: 2 },
        { district: "西城区", n: 1 },
      ],
    });
    expect(result.usage).toMatchObject({ queries: 1, rowsIn: 2, outputRows: 2, outputCells: 4 });
    expect(result.usage.bytesIn).toBeGreaterThan(0);
    expect(result.usage.cpuMs).toBeGreaterThan(0);
    expect(result.usage.heapPeakBytes).toBeGreaterThan(0);
  });

  it("brings every demo-domain type into ctx.sql rows as documented", async () => {
    const result = completed(
      await run(`export default async function main(ctx) {
        return { people: await ctx.sql(${JSON.stringify(PEOPLE)}) };
      }`),
    );
    expect(result.outputs.people).toEqual([
      {
        person_id: 1,
        name: "张三",
        district: "东城区",
        age: 34,
        children: 1,
        annual_income: 120000.5,
        balance: 1234.56,
        birth_date: "1990-05-17",
        registered_at: "2020-01-02T03:04:05.123456",
        employed: true,
      },
      {
        person_id: 2,
        name: "Li Si",
        district: "西城区",
        age: 51,
        children: 0,
        annual_income: -3.25,
        balance: -0.01,
        birth_date: "1960-12-31",
        registered_at: "1969-12-31T23:59:59.5",
        employed: false,
      },
      {
        person_id: 3,
        name: null,
        district: null,
        age: null,
        children: null,
        annual_income: null,
        balance: null,
        birth_date: null,
        registered_at: null,
        employed: null,
      },
      {
        person_id: 9007199254740991,
        name: "max safe",
        district: "东城区",
        age: 0,
        children: 3,
        annual_income: 0,
        balance: 10000000000000000,
        birth_date: "2024-02-29",
        registered_at: "2024-02-29T12:00:00",
        employed: true,
      },
    ]);
  });

  it("brings every demo-domain type into ctx.sqlColumns as typed arrays (NaN for NULL) and arrays", async () => {
    const result = completed(
      await run(`export default async function main(ctx) {
        const c = await ctx.sqlColumns(${JSON.stringify(PEOPLE)});
        const describe = (name) => {
          const v = c[name];
          return {
            column: name,
            kind: v instanceof Float64Array ? "Float64Array" : Array.isArray(v) ? "Array" : typeof v,
            values: JSON.stringify(Array.from(v, (x) => (typeof x === "number" && Number.isNaN(x) ? "NaN" : x))),
          };
        };
        return { columns: Object.keys(c).map(describe) };
      }`),
    );
    const byName = Object.fromEntries(result.outputs.columns!.map((row) => [row.column, row]));
    const expectColumn = (name: string, kind: string, values: unknown[]) =>
      expect(byName[name]).toEqual({ column: name, kind, values: JSON.stringify(values) });
    expectColumn("person_id", "Float64Array", [1, 2, 3, 9007199254740991]);
    expectColumn("name", "Array", ["张三", "Li Si", null, "max safe"]);
    expectColumn("age", "Float64Array", [34, 51, "NaN", 0]);
    expectColumn("children", "Float64Array", [1, 0, "NaN", 3]);
    expectColumn("annual_income", "Float64Array", [120000.5, -3.25, "NaN", 0]);
    expectColumn("balance", "Float64Array", [1234.56, -0.01, "NaN", 10000000000000000]);
    expectColumn("birth_date", "Array", ["1990-05-17", "1960-12-31", null, "2024-02-29"]);
    expectColumn("registered_at", "Array", [
      "2020-01-02T03:04:05.123456",
      "1969-12-31T23:59:59.5",
      null,
      "2024-02-29T12:00:00",
    ]);
    expectColumn("employed", "Array", [true, false, null, true]);
    expect(Object.keys(byName)).toHaveLength(10);
  });

  it("moves a large columnar result in and meters rows and bytes", async () => {
    const result = completed(
      await run(`export default async function main(ctx) {
        const { n, half, district } = await ctx.sqlColumns("SELECT n, half, district FROM numbers ORDER BY n");
        let sum = 0;
        for (let i = 0; i < n.length; i++) sum += half[i];
        return { summary: [{ rows: n.length, sum, last: n[n.length - 1], district: district[8] }] };
      }`),
    );
    expect(result.outputs.summary).toEqual([{ rows: 200000, sum: 9999950000, last: 199999, district: "d1" }]);
    expect(result.usage.rowsIn).toBe(200000);
    // two float64 columns, the strings "d0".."d6" at 2 bytes per UTF-16 unit, and their offsets
    expect(result.usage.bytesIn).toBe(200000 * 8 * 2 + 200000 * 2 * 2 + 200001 * 4);
  });

  it("binds query parameters", async () => {
    const result = completed(
      await run(`export default async function main(ctx) {
        return { r: await ctx.sql("SELECT name FROM people WHERE age > ? AND district = ?", [40, "西城区"]) };
      }`),
    );
    expect(result.outputs.r).toEqual([{ name: "Li Si" }]);
    expect(domain.requests.at(-1)).toMatchObject({ params: [40, "西城区"], shape: "rows" });
  });

  it("runs TypeScript and reports errors at the line:column of the operator's source", async () => {
    const ok = completed(
      await run(
        `interface Row { n: number }
        export default async function main(ctx: { sql(q: string): Promise<Row[]> }): Promise<Record<string, Row[]>> {
          const rows: Row[] = await ctx.sql("SELECT 41 + 1 AS n");
          return { answer: rows as Row[] };
        }`,
        "typescript",
      ),
    );
    expect(ok.outputs).toEqual({ answer: [{ n: 42 }] });

    const error = failed(
      await run(
        `type Ctx = { sql(q: string): Promise<unknown[]> };
export default async function main(ctx: Ctx): Promise<unknown> {
  const rows = (await ctx.sql("SELECT 1 AS n")) as Array<{ n: number }>;
  const missing: { deep?: { value: number } } = {};
  return missing.deep!.value;
}`,
        "typescript",
      ),
    );
    expect(error).toMatchObject({
      code: "SCRIPT_ERROR",
      class: "TypeError",
      source: "script",
      line: 5,
      column: 24,
    });
    expect(error.message).toContain("reading 'value'");
  });

  it("reports syntax errors with their position and refuses TypeScript that needs code generation", async () => {
    expect(
      failed(await run("export default async function main(ctx) {\n  return { a: [ };\n}")),
    ).toMatchObject({
      code: "SCRIPT_ERROR",
      class: "SyntaxError",
      line: 2,
    });
    expect(
      failed(await run("enum Color { Red }\nexport default async () => ({});", "typescript")),
    ).toMatchObject({
      code: "SCRIPT_ERROR",
      class: "SyntaxError",
      line: 1,
      column: 1,
    });
  });

  it("passes log lines and progress to the event stream and the result", async () => {
    const events: SandboxEvent[] = [];
    const result = completed(
      await run(
        `export default async function main(ctx) {
          ctx.progress(0.25, "loading");
          const rows = await ctx.sql("SELECT count(*) AS n FROM people");
          ctx.log("people", rows[0].n, { checked: true });
          ctx.progress(1);
          return {};
        }`,
        "javascript",
        events,
      ),
    );
    expect(result.logs).toEqual([{ seq: 0, atMs: expect.any(Number), message: 'people 4 {"checked":true}' }]);
    expect(
      events.filter((e) => e.type === "progress").map((e) => e.type === "progress" && e.fraction),
    ).toEqual([0.25, 1]);
    expect(events.find((e) => e.type === "progress")).toMatchObject({ message: "loading" });
    expect(events.find((e) => e.type === "query")).toMatchObject({
      index: 0,
      shape: "rows",
      ok: true,
      rows: 1,
    });
    expect(events.find((e) => e.type === "log")).toMatchObject({
      entry: { message: 'people 4 {"checked":true}' },
    });
  });

  it("rejects a refused query inside the script with the port's code, which the script may catch", async () => {
    const caught = completed(
      await run(`export default async function main(ctx) {
        try { await ctx.sql("SELECT * FROM secret"); } catch (e) {
          return { e: [{ name: e.name, code: e.code, message: e.message, isError: e instanceof Error }] };
        }
      }`),
    );
    expect(caught.outputs.e).toEqual([
      {
        name: "QueryError",
        code: "SQL_NOT_ALLOWED",
        message: "table secret is not in the catalog",
        isError: true,
      },
    ]);
    expect(
      failed(await run(`export default async (ctx) => { await ctx.sql("SELECT * FROM secret"); }`)),
    ).toMatchObject({ code: "SQL_NOT_ALLOWED", class: "QueryError", source: "sandbox", line: 1 });
    const internal = failed(await run(`export default async (ctx) => { await ctx.sql("SELECT explode"); }`));
    expect(internal).toMatchObject({ code: "INTERNAL", message: "the query failed" });
  });

  it("refuses result types a script cannot receive, and gives integers beyond ±2^53 exactly as BigInt", async () => {
    const struct = failed(
      await run(`export default async (ctx) => { await ctx.sql("SELECT {'a': 1} AS s"); }`),
    );
    expect(struct).toMatchObject({ code: "SQL_NOT_ALLOWED" });
    expect(struct.message).toContain('column "s"');
    const wide = completed(
      await run(`export default async (ctx) => {
        const [row] = await ctx.sql("SELECT 9007199254740993::BIGINT AS big, [1, 2] AS l");
        return { t: [{ kind: typeof row.big, next: row.big + 1n, l: row.l }] };
      }`),
    );
    expect(wide.outputs.t).toEqual([{ kind: "bigint", next: "9007199254740994", l: [1, 2] }]);
    expect(wide.types?.t?.next).toEqual({ kind: "int64" });
    const sum = completed(
      await run(`export default async (ctx) => ({ s: await ctx.sql("SELECT sum(age) AS s FROM people") })`),
    );
    expect(sum.outputs.s).toEqual([{ s: 85 }]);
  });

  it("validates outputs: named tables of rows with the same columns and one scalar type per column", async () => {
    expect(failed(await run(`export default async () => ({ t: [{ a: 1 }, { b: 2 }] })`))).toMatchObject({
      code: "SCRIPT_ERROR",
      class: "OutputError",
    });
    expect(failed(await run(`export default async () => ({ t: [{ a: 1 }, { a: "x" }] })`))).toMatchObject({
      code: "SCRIPT_ERROR",
      class: "OutputError",
    });
    expect(failed(await run(`export default async () => ({ "bad name": [] })`))).toMatchObject({
      code: "SCRIPT_ERROR",
    });
    expect(failed(await run(`export default async () => [1, 2]`))).toMatchObject({ class: "OutputError" });
    expect(failed(await run(`export default async () => ({ t: [{ d: new Date(0) }] })`))).toMatchObject({
      class: "OutputError",
    });
    expect(failed(await run(`export default async () => ({ t: [{ n: 2n ** 64n }] })`))).toMatchObject({
      class: "OutputError",
    });
    expect(failed(await run(`export default async () => ({ t: [{ n: [1] }, { n: ["x"] }] })`))).toMatchObject(
      {
        class: "OutputError",
      },
    );
    expect(failed(await run(`export default async () => ({ t: [{ n: 0 / 0 }] })`))).toMatchObject({
      class: "OutputError",
    });
    expect(failed(await run(`export const notMain = 1;`))).toMatchObject({
      code: "SCRIPT_ERROR",
      class: "ScriptError",
    });
    expect(
      completed(await run(`export default async () => ({ t: [{ a: 1, b: null }, { a: null, b: "x" }] })`))
        .outputs,
    ).toEqual({
      t: [
        { a: 1, b: null },
        { a: null, b: "x" },
      ],
    });
  });

  it("refuses imports, static and dynamic", async () => {
    expect(failed(await run(`import fs from "node:fs";\nexport default async () => ({});`))).toMatchObject({
      code: "SCRIPT_ERROR",
      line: 1,
    });
    const dynamic = failed(await run(`export default async () => { await import("node:fs"); return {}; }`));
    expect(dynamic.code).toBe("SCRIPT_ERROR");
  });
});
