import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryPrivacyBudgetLedger } from "../../control/privacy-budget.ts";
import { createQueryService, type SqlConnection } from "../../control/query-service.ts";
import { DEFAULT_QUERY_EPSILON } from "../../policies/license.ts";
import { DEMO_MANIFESTS, demoLicense, openDemoDomain, TEST_NOISE_SALT } from "./fixtures.ts";

let demo: Awaited<ReturnType<typeof openDemoDomain>>;
let domain: SqlConnection;
let parser: SqlConnection;

beforeAll(async () => {
  demo = await openDemoDomain("sticky-names-");
  ({ domain, parser } = demo);
});

afterAll(() => demo?.remove());

const at = new Date("2026-03-01T00:00:00Z");
const request = (sql: string) => ({ sql, license: demoLicense(), manifests: DEMO_MANIFESTS, at });

describe("a recalled (sticky) answer", () => {
  it("keeps the recorded noise and charge but carries this query's column names", async () => {
    const ledger = new InMemoryPrivacyBudgetLedger();
    const svc = createQueryService({ noiseSalt: TEST_NOISE_SALT, domain, parser, ledger });
    const first = await svc.execute(
      request("SELECT district, count(*) AS residents FROM population GROUP BY district"),
    );
    const again = await svc.execute(
      request("SELECT district AS d, count(*) AS n FROM population GROUP BY district"),
    );
    const unnamed = await svc.execute(request("SELECT district, count(*) FROM population GROUP BY district"));

    expect(first.columns.map((c) => c.name)).toEqual(["district", "residents"]);
    expect(again.columns.map((c) => c.name)).toEqual(["d", "n"]);
    // The names a first asking (e.g. a local run on a fresh ledger) would give.
    const fresh = await createQueryService({
      noiseSalt: TEST_NOISE_SALT,
      domain,
      parser,
      ledger: new InMemoryPrivacyBudgetLedger(),
    }).execute(request("SELECT district, count(*) FROM population GROUP BY district"));
    expect(unnamed.columns).toEqual(fresh.columns);
    expect(unnamed.columns.map((c) => c.name)).not.toContain("residents");
    // Sticky: the same noisy values, no second charge.
    expect(again.rows).toEqual(first.rows);
    expect(unnamed.rows).toEqual(first.rows);
    expect(again.columns.map((c) => c.type)).toEqual(first.columns.map((c) => c.type));
    expect(again.verdict).toMatchObject({ cached: true, epsilonCharged: 0 });
    expect(await ledger.spent("lic_test", "population", "total")).toBe(DEFAULT_QUERY_EPSILON);
  });

  it("does not let a later query's names leak into the recorded answer of the first", async () => {
    const ledger = new InMemoryPrivacyBudgetLedger();
    const svc = createQueryService({ noiseSalt: TEST_NOISE_SALT, domain, parser, ledger });
    await svc.execute(request("SELECT gender, count(*) AS a FROM population GROUP BY gender"));
    await svc.execute(request("SELECT gender, count(*) AS b FROM population GROUP BY gender"));
    const third = await svc.execute(request("SELECT gender, count(*) AS a FROM population GROUP BY gender"));
    expect(third.columns.map((c) => c.name)).toEqual(["gender", "a"]);
  });
});
