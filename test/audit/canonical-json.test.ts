import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../audit/canonical-json.ts";
import { entryHash, GENESIS_HASH, sealEntry } from "../../audit/entry.ts";

describe("canonical JSON", () => {
  it("sorts keys at every depth and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("orders keys by UTF-16 code units, as RFC 8785 does", () => {
    // RFC 8785 §3.2.3 example: "\u20ac" (€) sorts before "\ud83d\ude00" (😀) by code units,
    // and both after ASCII; "\r" before "1".
    const value = { "€": 1, "😀": 2, "\r": 3, "1": 4, ö: 5 };
    expect(canonicalJson(value)).toBe('{"\\r":3,"1":4,"ö":5,"€":1,"😀":2}');
  });

  it("writes numbers in their shortest round-trip form", () => {
    expect(canonicalJson([1e21, 1e-7, 0.1, -0, 100, 1.5e300, 333333333.3333333])).toBe(
      "[1e+21,1e-7,0.1,0,100,1.5e+300,333333333.3333333]",
    );
  });

  it("escapes strings minimally, with lone surrogates escaped", () => {
    expect(canonicalJson(['a"b\\c\n\u0001', "\ud800", "中文"])).toBe(
      '["a\\"b\\\\c\\n\\u0001","\\ud800","中文"]',
    );
  });

  it("round-trips: canonicalising a parsed canonical text gives the same text", () => {
    const text = canonicalJson({ x: [1.1, "y", { a: true }], when: new Date("2026-03-01T00:00:00Z") });
    expect(text).toBe('{"when":"2026-03-01T00:00:00.000Z","x":[1.1,"y",{"a":true}]}');
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });

  it("leaves out undefined properties but refuses values JSON cannot carry", () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/\$\.n is not a finite number/);
    expect(() => canonicalJson([Number.POSITIVE_INFINITY])).toThrow(TypeError);
    expect(() => canonicalJson({ big: 1n })).toThrow(/bigint/);
    expect(() => canonicalJson([undefined])).toThrow(/\$\[0\] is undefined/);
    expect(() => canonicalJson(() => 1)).toThrow(/function/);
  });

  it("writes a table's rows as it writes any object, whatever their keys, order and values", () => {
    // Rows of one shape, then rows whose keys differ, come in another order, hold lists, objects,
    // undefined or a toJSON, and a key named toJSON that is only a value.
    const rows: unknown[] = [
      { b: "x", a: 1, "€": true, c: null },
      { b: "y", a: -0, "€": false, c: 1e21 },
      { a: 2, b: "z", "€": true, c: null },
      { b: "w", a: 3 },
      { b: ["l", 1], a: { z: 1, y: [2] }, "€": true, c: null },
      { b: undefined, a: 4, "€": true, c: null },
      { b: "v", a: 5, "€": true, c: { toJSON: () => "as json" } },
      { toJSON: "a value", a: 6 },
      [1, { b: 1, a: 2 }],
      "scalar",
    ];
    const oneByOne = `[${rows.map((row) => canonicalJson(row)).join(",")}]`;
    expect(canonicalJson(rows)).toBe(oneByOne);
    expect(canonicalJson(rows)).toContain('{"a":1,"b":"x","c":null,"€":true}');
    expect(canonicalJson(rows)).toContain('{"a":4,"c":null,"€":true}');
    expect(canonicalJson(rows)).toContain('{"a":6,"toJSON":"a value"}');
    // What must be refused in a row is refused with its place, as before.
    expect(() => canonicalJson([{ a: 1 }, { a: Number.NaN }])).toThrow(/\$\[1\]\.a is not a finite number/);
    expect(() => canonicalJson([{ a: 1 }, { a: 2n }])).toThrow(/\$\[1\]\.a is a bigint/);
  });
});

describe("sealed entries", () => {
  it("store exactly the canonical JSON of the entry with its hash", () => {
    const sealed = sealEntry({
      v: 1,
      position: 7,
      time: "2026-03-01T00:00:00.000Z",
      type: "output.released",
      actor: "system",
      subjects: { job: "j", datasets: ["population"] },
      // nested "position" and "hash" keys must not confuse where the entry's own go
      data: { position: 3, hash: "x", outputs: [{ position: 1, hash: "y" }] },
      prev: GENESIS_HASH,
    });
    expect(sealed.line).toBe(`${canonicalJson(sealed.entry)}\n`);
    expect(sealed.entry.hash).toBe(entryHash(sealed.entry));
  });
});
