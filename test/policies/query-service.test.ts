import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryPrivacyBudgetLedger } from "../../control/privacy-budget.ts";
import { createQueryService, type QueryService, type SqlConnection } from "../../control/query-service.ts";
import { DEFAULT_QUERY_EPSILON } from "../../policies/license.ts";
import { DEMO_MANIFESTS, demoLicense, openDemoDomain, TEST_NOISE_SALT } from "./fixtures.ts";

let demo: Awaited<ReturnType<typeof openDemoDomain>>;
let domain: SqlConnection;
let parser: SqlConnection;

beforeAll(async () => {
  demo = await openDemoDomain("policies-");
  ({ domain, parser } = demo);
});

afterAll(() => demo?.remove());

function service(ledger = new InMemoryPrivacyBudgetLedger()): QueryService {
  return createQueryService({ noiseSalt: TEST_NOISE_SALT, domain, parser, ledger });
}

const at = new Date("2026-03-01T00:00:00Z");
const request = (sql: string, license = demoLicense()) => ({ sql, license, manifests: DEMO_MANIFESTS, at });

describe("query service on the demo domain", () => {
  it("answers a district-level DP aggregate with noise near the truth", async () => {
    const answer = await service().execute(
      request(
        "SELECT district, count(*) AS n, avg(annual_income) AS mean_income FROM population GROUP BY district",
      ),
    );
    const truth = await domain.runAndReadAll(
      "SELECT district, count(*) AS n FROM population GROUP BY district",
    );
    const exact = new Map(truth.getRowsJson().map(([d, n]) => [d, Number(n)]));
    expect(answer.columns.map((c) => c.name)).toEqual(["district", "n", "mean_income"]);
    // ε split over the unit count (weight 1) and the income sum (weight 4): the count's discrete
    // Laplace scale is 5 / ε (25 at the default 0.2), and P(|noise| > 25 × scale) < 1e-10 per group.
    const scale = 5 / DEFAULT_QUERY_EPSILON;
    for (const [district, n] of answer.rows) {
      expect(Math.abs(Number(n) - exact.get(district as string)!)).toBeLessThan(25 * scale);
    }
    expect(answer.verdict).toMatchObject({
      kind: "aggregate",
      epsilonCharged: DEFAULT_QUERY_EPSILON,
      tainted: false,
    });
    expect(answer.verdict.rewrites).toEqual(
      expect.arrayContaining(["noise:discrete_laplace", "threshold:10"]),
    );
  });

  it("returns the same noisy answer to a repeated query without a new charge", async () => {
    const ledger = new InMemoryPrivacyBudgetLedger();
    const svc = service(ledger);
    const sql = "SELECT gender, count(*) AS n FROM population GROUP BY gender";
    const [a, b] = await Promise.all([svc.execute(request(sql)), svc.execute(request(sql))]);
    const c = await svc.execute(request("select gender, COUNT(*) as n from population group by gender"));
    expect(b.rows).toEqual(a.rows);
    expect(c.rows).toEqual(a.rows);
    expect(await ledger.spent("lic_test", "population", "total")).toBe(DEFAULT_QUERY_EPSILON);
    expect([a, b, c].filter((x) => x.verdict.cached)).toHaveLength(2);
  });

  it("answers BUDGET_EXHAUSTED when the budget is spent", async () => {
    const license = demoLicense({
      datasets: [{ name: "population", epsilon: { total: 1, perQuery: 0.5, period: "month" } }] as never,
    });
    const svc = service();
    await svc.execute(request("SELECT count(*) FROM population", license));
    await svc.execute(request("SELECT count(*) FROM population WHERE gender = 'male'", license));
    await expect(
      svc.execute(request("SELECT count(*) FROM population WHERE gender = 'female'", license)),
    ).rejects.toMatchObject({ code: "BUDGET_EXHAUSTED" });
  });

  it("answers a singling-out query only with noise and thresholds", async () => {
    const answer = await service().execute(
      request(
        "SELECT birth_date, count(*) AS n, avg(annual_income) AS m FROM population WHERE district = '新城区' AND education = 'postgraduate' GROUP BY birth_date",
      ),
    );
    // data-derived partitions: groups of one or two residents never reach the DP threshold
    expect(answer.rows).toEqual([]);
    expect(answer.verdict.suppressedGroups).toBeGreaterThan(0);
    expect(answer.verdict.suppressionDisclosable).toBe(false);
  });

  it("suppresses small grade-2 groups on true unit counts and applies dominance to totals", async () => {
    const answer = await service().execute(
      request(
        "SELECT industry, district, count(*) AS n, sum(registered_capital) AS capital FROM enterprises GROUP BY industry, district",
      ),
    );
    for (const [, , n] of answer.rows) expect(Number(n)).toBeGreaterThanOrEqual(10);
    expect(answer.verdict.suppressedGroups).toBeGreaterThan(0);
    expect(answer.verdict.epsilonCharged).toBe(0);
    expect(answer.verdict.rewrites.some((r) => r.startsWith("dominance"))).toBe(true);
  });

  it("runs open data as written and row-caps it", async () => {
    const answer = await service().execute(
      request("SELECT station, avg(pm25) AS pm25 FROM air_quality GROUP BY station"),
    );
    expect(answer.verdict.kind).toBe("open");
    expect(answer.rows.length).toBeGreaterThan(3);
    await expect(
      createQueryService({
        noiseSalt: TEST_NOISE_SALT,
        domain,
        parser,
        ledger: new InMemoryPrivacyBudgetLedger(),
        maxRows: 5,
      }).execute(request("SELECT * FROM air_quality")),
    ).rejects.toMatchObject({ code: "LIMIT_EXCEEDED" });
  });

  it("never echoes database error text, which can quote data values", async () => {
    const error = await service()
      .execute(request("SELECT CAST(station AS INTEGER) * 2147483647 * 2147483647 AS x FROM air_quality"))
      .then(
        () => null,
        (e: unknown) => e,
      );
    if (error) {
      expect(String((error as { detail: string }).detail)).not.toMatch(/\d{3,}/);
    }
  });

  it("explains without running: accepted with rewrites and ε, or rejected with the reason", async () => {
    const svc = service();
    const ok = await svc.explain(
      request("SELECT district, sum(annual_income) FROM population GROUP BY district"),
    );
    expect(ok).toMatchObject({ accepted: true, kind: "aggregate", epsilon: DEFAULT_QUERY_EPSILON });
    expect(ok.rewrites).toContain("clamp:[0,2000000]");
    const no = await svc.explain(request("SELECT name FROM population"));
    expect(no).toMatchObject({ accepted: false, reasons: [{ code: "POLICY_VIOLATION" }] });
  });

  it("refuses a DP query when the license grants no budget for the dataset", async () => {
    const license = demoLicense({ datasets: [{ name: "population" }] as never });
    await expect(
      service().execute(request("SELECT count(*) FROM population", license)),
    ).rejects.toMatchObject({
      code: "POLICY_VIOLATION",
    });
  });
});
