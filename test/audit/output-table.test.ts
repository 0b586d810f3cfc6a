import { tableFromIPC, tableToIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { outputCsv } from "../../audit/output-digest.ts";
import { outputArrowTable, outputRowsOfArrow } from "../../audit/output-table.ts";
import type { OutputValue, ValueType } from "../../policies/typed-values.ts";

const TYPES: Record<string, ValueType> = {
  id: { kind: "int64" },
  at: { kind: "timestamp", zone: "UTC" },
  wall: { kind: "timestamp", zone: null },
  day: { kind: "date" },
  amount: { kind: "decimal", precision: 18, scale: 2 },
  tags: { kind: "list", of: { kind: "utf8" } },
  ok: { kind: "bool" },
};

const ROWS: Record<string, OutputValue>[] = [
  {
    id: "-9007199254740993",
    at: "1969-12-31T23:59:59.999999Z",
    wall: "2024-03-01T08:00:00",
    day: "1900-03-01",
    amount: -0.05,
    tags: ["a", null, "=b"],
    ok: true,
  },
  { id: 7, at: null, wall: null, day: null, amount: null, tags: null, ok: null },
];

describe("an output as an Arrow table", () => {
  it("reads back into the same values and types, instants and negative int64 included", () => {
    const table = tableFromIPC(tableToIPC(outputArrowTable(ROWS, TYPES), "stream"));
    expect(String(table.schema.fields.find((f) => f.name === "at")!.type)).toBe(
      "Timestamp<MICROSECOND, UTC>",
    );
    const { rows, types } = outputRowsOfArrow(table);
    expect(rows).toEqual(ROWS);
    expect(types).toEqual(TYPES);
  });

  it("writes a negative int64 in CSV as a number, and a string that looks like a formula defused", () => {
    expect(outputCsv(ROWS, TYPES).split("\r\n")[1]).toBe(
      '-9007199254740993,1969-12-31T23:59:59.999999Z,2024-03-01T08:00:00,1900-03-01,-0.05,"[""a"",null,""=b""]",true',
    );
    expect(outputCsv([{ id: "-9007199254740993" }]).split("\r\n")[1]).toBe("'-9007199254740993");
  });

  it("gives values that do not fit a declared type the type they show", () => {
    const table = outputArrowTable([{ day: "someday" }], { day: { kind: "date" } });
    expect(String(table.schema.fields[0]!.type)).toBe("Utf8");
  });
});
