import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryPrivacyBudgetLedger } from "../../control/privacy-budget.ts";
import { createQueryService, parseSql, type SqlConnection } from "../../control/query-service.ts";
import { treeJson } from "../../policies/sql-tree.ts";
import { DEMO_MANIFESTS, demoLicense, openDemoDomain, TEST_NOISE_SALT } from "./fixtures.ts";

// The rewrite renders the operator's parse tree back to SQL: a literal beyond 2^53 must come back
// digit for digit, or the query run is not the query asked.
let demo: Awaited<ReturnType<typeof openDemoDomain>>;
let domain: SqlConnection;
let parser: SqlConnection;

beforeAll(async () => {
  demo = await openDemoDomain("exact-literals-");
  ({ domain, parser } = demo);
});

afterAll(() => demo?.remove());

async function roundTrip(sql: string): Promise<string> {
  const tree = await parseSql(parser, sql);
  const reader = await parser.runAndReadAll("SELECT json_deserialize_sql($1::VARCHAR::JSON)", [
    treeJson(tree),
  ]);
  return String(reader.getRowsJson()[0]?.[0]);
}

describe("literals through the parse tree", () => {
  it("keeps BIGINT, UBIGINT and DECIMAL literals beyond 2^53 exact", async () => {
    const sql = await roundTrip(
      "SELECT 9007199254740993 AS a, -9007199254740993 AS b, 18446744073709551615 AS c, 0.123456789012345678 AS d, 42 AS e",
    );
    expect(sql).toContain("9007199254740993");
    expect(sql).toContain("-9007199254740993");
    expect(sql).toContain("18446744073709551615");
    expect(sql).toContain("0.123456789012345678");
    expect(sql).toContain("42");
  });

  it("leaves digits, quotes and backslashes inside strings alone", async () => {
    const text = `x":12345678901234567890,"\\\\ 9007199254740993`;
    const sql = await roundTrip(`SELECT '${text}' AS s`);
    expect(sql).toContain(text);
  });

  it("runs the query asked: exact arithmetic on large literals in a filter", async () => {
    const service = createQueryService({
      noiseSalt: TEST_NOISE_SALT,
      domain,
      parser,
      ledger: new InMemoryPrivacyBudgetLedger(),
    });
    const answer = await service.execute({
      sql: "SELECT industry, count(*) AS n FROM enterprises WHERE 9007199254740993 - 9007199254740992 = 1 GROUP BY industry",
      license: demoLicense(),
      manifests: DEMO_MANIFESTS,
      at: new Date("2026-03-01T00:00:00Z"),
    });
    // Rounded to doubles both literals are 2^53 and the filter is false: no group at all.
    expect(answer.rows.length).toBeGreaterThan(0);
  });
});
