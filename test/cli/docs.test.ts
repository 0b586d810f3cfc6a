import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localLicense } from "../../control/jobs/local-run.ts";
import { InMemoryPrivacyBudgetLedger } from "../../control/privacy-budget.ts";
import { createQueryService, type QueryService } from "../../control/query-service.ts";
import { ErrorCode } from "../../policies/errors.ts";
import type { License } from "../../policies/license.ts";
import { ColumnRule } from "../../policies/manifest.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import { TEST_NOISE_SALT } from "../policies/fixtures.ts";

const doc = (name: string) => readFile(fileURLToPath(new URL(`../../docs/${name}`, import.meta.url)), "utf8");

interface Example {
  readonly sql: string;
  readonly expect: "allowed" | "refused";
  readonly code?: string;
  readonly narrow?: { dataset: string; column: string; rule: string };
}

/** The ```sql allowed / ```sql refused CODE blocks of a document. */
function examplesOf(markdown: string): Example[] {
  return [...markdown.matchAll(/```sql (allowed|refused)(?: ([A-Z_]+))?\n([\s\S]*?)```/g)].map((m) => {
    const narrow = /^-- license narrows (\w+)\.(\w+) to (\w+)/.exec(m[3]!);
    return {
      sql: m[3]!,
      expect: m[1] as Example["expect"],
      ...(m[2] ? { code: m[2] } : {}),
      ...(narrow ? { narrow: { dataset: narrow[1]!, column: narrow[2]!, rule: narrow[3]! } } : {}),
    };
  });
}

let instance: DuckDBInstance;
let service: QueryService;

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  // explain() parses and checks only: nothing runs, so no data is needed.
  service = createQueryService({
    noiseSalt: TEST_NOISE_SALT,
    domain: connection,
    parser: connection,
    ledger: new InMemoryPrivacyBudgetLedger(),
  });
});

afterAll(() => {
  instance?.closeSync();
});

describe("docs/policy-reference.md", () => {
  it("every example is allowed or refused by the engine as the document says", async () => {
    const examples = examplesOf(await doc("policy-reference.md"));
    expect(examples.length).toBeGreaterThanOrEqual(20);
    for (const example of examples) {
      const base = localLicense(DEMO_MANIFESTS);
      const license: License = example.narrow
        ? {
            ...base,
            datasets: base.datasets.map((d) =>
              d.name === example.narrow!.dataset
                ? { ...d, columns: { [example.narrow!.column]: ColumnRule.parse(example.narrow!.rule) } }
                : d,
            ),
          }
        : base;
      const explained = await service.explain({
        sql: example.sql,
        license,
        manifests: DEMO_MANIFESTS,
        at: new Date(),
      });
      expect(explained.accepted ? "allowed" : "refused", example.sql).toBe(example.expect);
      if (example.code) expect(explained.reasons[0]?.code, example.sql).toBe(example.code);
    }
  });
});

describe("docs/error-codes.md", () => {
  it("explains every stable error code", async () => {
    const text = await doc("error-codes.md");
    for (const code of ErrorCode.options) expect(text, code).toContain(`\`${code}\``);
  });
});
