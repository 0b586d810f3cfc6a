import { describe, expect, it } from "vitest";
import { SandboxLimits } from "../../sandbox/limits.ts";
import { SandboxOutputsSchema, validateOutputs } from "../../sandbox/outputs.ts";

const limits = SandboxLimits.parse({});

// Outputs as JSON text, as a worker sends them: each must be judged as the output schema judges it.
const CASES: Record<string, string> = {
  "one table": '{"t":[{"a":1,"b":"x","c":true,"d":null}]}',
  "no tables": "{}",
  "an empty table": '{"t":[]}',
  "rows without columns": '{"t":[{},{}]}',
  "top level array": '[{"a":1}]',
  "top level scalar": "42",
  "top level null": "null",
  "a table that is an object": '{"t":{"0":{"a":1}}}',
  "a row that is an array": '{"t":[[1,2]]}',
  "a row that is null": '{"t":[null]}',
  "a nested object cell": '{"t":[{"a":{"b":1}}]}',
  "an array cell": '{"t":[{"a":[1]}]}',
  "a bad output name": '{"1t":[{"a":1}]}',
  "an output name with a dot": '{"a.b":[{"a":1}]}',
  "an output name too long": `{"${"a".repeat(65)}":[]}`,
  "an empty column name": '{"t":[{"":1}]}',
  "a column name too long": `{"t":[{"${"c".repeat(257)}":1}]}`,
  "a long valid column name": `{"t":[{"${"c".repeat(256)}":1}]}`,
  "unicode names and values": '{"区_1":[{"名称":"海淀","值":1.5}]}',
};

describe("output validation in the gateway", () => {
  it.each(Object.entries(CASES))("judges %s as the output schema does", (_, json) => {
    const checked = validateOutputs(json, limits);
    expect(checked.ok).toBe(SandboxOutputsSchema.safeParse(JSON.parse(json)).success);
    if (!checked.ok) expect(checked.failure.message).toMatch(/^outputs do not match the output schema at /);
  });

  it("refuses __proto__ as an output or column name (the schema lets a parsed own __proto__ key through)", () => {
    expect(validateOutputs('{"__proto__":[{"a":1}]}', limits).ok).toBe(false);
    expect(validateOutputs('{"t":[{"__proto__":1}]}', limits).ok).toBe(false);
  });

  it("names where a mismatch is, never what the value was", () => {
    const checked = validateOutputs('{"t":[{"a":1},{"a":{"secret":"Zhang San"}}]}', limits);
    expect(checked).toMatchObject({
      ok: false,
      failure: { message: "outputs do not match the output schema at t.1.a" },
    });
    expect(JSON.stringify(checked)).not.toContain("Zhang San");
  });

  it("refuses rows whose columns differ and columns that mix types", () => {
    expect(validateOutputs('{"t":[{"a":1},{"b":1}]}', limits)).toMatchObject({ ok: false });
    expect(validateOutputs('{"t":[{"a":1},{"a":"1"}]}', limits)).toMatchObject({ ok: false });
    expect(validateOutputs('{"t":[{"a":1},{"a":null}]}', limits)).toMatchObject({ ok: true });
  });
});
