import { describe, expect, it } from "vitest";
import {
  organizationCodeCheckChar,
  residentIdCheckDigit,
  usccCheckChar,
} from "../../policies/identifiers.ts";
import { decideRelease, findIdentifiers, type QueryRecord } from "../../policies/release-gate.ts";

const AGG: QueryRecord = { kind: "aggregate", tainted: false, requiresReview: false };
const noDomain = async () => new Set<string>();
const auto = { releaseMode: "auto" as const };

const residentId = (() => {
  const first = "15010219800101123";
  return first + residentIdCheckDigit(first);
})();
const uscc = (() => {
  const org8 = "MA0N1234";
  const first = `91150100${org8}${organizationCodeCheckChar(org8)}`;
  return first + usccCheckChar(first);
})();

describe("release gate", () => {
  it("releases aggregate-only outputs that pass every check", async () => {
    const d = await decideRelease(
      { outputs: { by_district: [{ district: "新城区", n: 120, mean: 4.5 }] } },
      [AGG],
      auto,
      noDomain,
    );
    expect(d.outcome).toBe("released");
    expect(d.reasons).toEqual([]);
  });

  it("holds a tainted job", async () => {
    const d = await decideRelease(
      { outputs: { x: 1 } },
      [AGG, { kind: "row", tainted: true, requiresReview: false }],
      auto,
      noDomain,
    );
    expect(d.outcome).toBe("held");
    expect(d.reasons.map((r) => r.code)).toContain("tainted");
  });

  it("holds grade 4 and review-mode licenses", async () => {
    expect(
      (await decideRelease({ outputs: { x: 1 } }, [{ ...AGG, requiresReview: true }], auto, noDomain))
        .reasons[0]?.code,
    ).toBe("grade_requires_review");
    const d = await decideRelease({ outputs: { x: 1 } }, [AGG], { releaseMode: "review" }, noDomain);
    expect(d.outcome).toBe("held");
    expect(d.reasons[0]?.code).toBe("license_requires_review");
  });

  it("rejects nested values, too many outputs, rows, cells and long strings", async () => {
    const cases: [Record<string, unknown>, object, string][] = [
      [{ a: [{ x: { nested: 1 } }] }, {}, "non_scalar_cell"],
      [{ a: [[1, 2]] }, {}, "non_scalar_cell"],
      [{ a: [1, 2] }, {}, "not_tabular"],
      [{ a: 1, b: 2, c: 3 }, { maxOutputs: 2 }, "too_many_outputs"],
      [{ a: [{ x: 1 }, { x: 2 }, { x: 3 }] }, { maxRowsPerOutput: 2 }, "too_many_rows"],
      [
        {
          a: [
            { x: 1, y: 2 },
            { x: 1, y: 2 },
          ],
        },
        { maxCells: 3 },
        "too_many_cells",
      ],
      [{ a: [{ s: "x".repeat(50) }] }, { maxStringLength: 10 }, "string_too_long"],
    ];
    for (const [outputs, options, code] of cases) {
      const d = await decideRelease({ outputs }, [AGG], { ...auto, ...options }, noDomain);
      expect(d.outcome, code).toBe("rejected");
      expect(d.reasons.map((r) => r.code)).toContain(code);
    }
  });

  it("finds identifiers wherever they hide, and passes text that cannot hold one without a scan", () => {
    // Lower case, Unicode beside ASCII, and runs that only upper-casing makes are all found.
    expect(findIdentifiers(`code ${uscc.toLowerCase()}`)).toEqual([{ kind: "uscc", value: uscc }]);
    expect(findIdentifiers(`编号${residentId}。`)).toEqual([{ kind: "resident_id", value: residentId }]);
    expect(findIdentifiers(`tel:13812345678;`)).toEqual([{ kind: "phone", value: "13812345678" }]);
    // Ten letters or digits in a row cannot be any identifier: dates, timestamps, short codes.
    for (const text of ["2025-01-01T00:00:00", "2025-01-01", "1381234567", "A1B2C3D4E5", "", "二监"])
      expect(findIdentifiers(text)).toEqual([]);
    // U+FB00 upper-cases to "FF": a credit code spelt with it is found as the one it becomes,
    // though no eleven ASCII letters or digits stand in a row in what was written.
    const org = `FF123456${organizationCodeCheckChar("FF123456")}`;
    const code = `91110000${org}${usccCheckChar(`91110000${org}`)}`;
    const written = code.replace("FF", "\uFB00");
    expect(/[0-9A-Za-z]{11}/.test(written)).toBe(false);
    expect(findIdentifiers(written)).toEqual([{ kind: "uscc", value: code }]);
  });

  it("recognises identifiers by their check digits, in cells, logs and errors", async () => {
    expect(findIdentifiers(`id ${residentId}.`)).toEqual([{ kind: "resident_id", value: residentId }]);
    expect(findIdentifiers(`code ${uscc}`)).toEqual([{ kind: "uscc", value: uscc }]);
    expect(findIdentifiers("call 13812345678 now")).toEqual([{ kind: "phone", value: "13812345678" }]);
    expect(findIdentifiers("card 6222020200112233440").map((f) => f.kind)).toEqual(
      findIdentifiers("card 6222020200112233440").length > 0 ? ["bank_card"] : [],
    );
    expect(findIdentifiers("4111111111111111")).toEqual([{ kind: "bank_card", value: "4111111111111111" }]);
    // a wrong check digit is not an identifier
    const wrong = residentId.slice(0, 17) + (residentId[17] === "1" ? "2" : "1");
    expect(findIdentifiers(wrong)).toEqual([]);
    for (const candidate of [
      { outputs: { a: [{ who: residentId }] } },
      // A list cell is screened item by item, nested lists too.
      { outputs: { a: [{ who: ["x", ["y", residentId]] }] } },
      { outputs: { a: 1 }, logs: [`person ${residentId}`] },
      { outputs: { a: 1 }, errors: [`failed on ${uscc}`] },
    ]) {
      const d = await decideRelease(candidate, [AGG], auto, noDomain);
      expect(d.outcome).toBe("held");
      expect(d.reasons.map((r) => r.code)).toContain("identifier_pattern");
    }
  });

  it("rejects exact matches against identifier values held in the domain (names included)", async () => {
    const lookup = async (candidates: readonly string[]) =>
      new Set(candidates.filter((c) => c === "王小明" || c === residentId));
    const byName = await decideRelease({ outputs: { a: [{ name: "王小明", n: 50 }] } }, [AGG], auto, lookup);
    expect(byName.outcome).toBe("rejected");
    expect(byName.reasons[0]).toMatchObject({
      code: "identifier_in_domain",
      output: "a",
      row: 0,
      column: "name",
    });
    const byId = await decideRelease({ outputs: { a: 1 }, logs: [residentId] }, [AGG], auto, lookup);
    expect(byId.outcome).toBe("rejected");
    expect(JSON.stringify(byId.reasons)).not.toContain(residentId);
  });

  it("holds small cells in count columns and rounds counts when asked", async () => {
    const small = await decideRelease({ outputs: { a: [{ district: "x", n: 3 }] } }, [AGG], auto, noDomain);
    expect(small.outcome).toBe("held");
    expect(small.reasons[0]).toMatchObject({ code: "small_cell", column: "n" });
    const rounded = await decideRelease(
      { outputs: { a: [{ district: "x", visit_count: 123, mean: 17 }] } },
      [AGG],
      { ...auto, roundTo: 5 },
      noDomain,
    );
    expect(rounded.outputs).toEqual({ a: [{ district: "x", visit_count: 125, mean: 17 }] });
  });
});
