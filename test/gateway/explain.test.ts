import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

type DryRunQuery = {
  index: number;
  sql: string;
  verdict: "allowed" | "refused";
  code?: string;
  message?: string;
  kind: string | null;
  datasets: string[];
  rules: { dataset: string; column: string; rule: string; clause: string }[];
  rewrites: string[];
  rewrittenSql: string | null;
  epsilon: number;
  epsilonCost: number;
  answeredFromRecord: boolean;
  rows: number;
};
type DryRun = {
  license: string;
  status: string;
  queries: DryRunQuery[];
  release: {
    outcome: string;
    reasons: { code: string; detail: string }[];
    tainted: boolean;
    outputs: { name: string; rows: number }[];
  };
  dummyOutputs: Record<string, Record<string, unknown>[]>;
  epsilon: Record<string, number>;
  budget: { dataset: string; spent: number; left: number }[];
};
type LicenseView = { budget: { dataset: string; spent: number; left: number }[] };

const BY_DISTRICT = `export default async function main(ctx) {
  const rows = await ctx.sql("SELECT district, count(*) AS residents FROM population GROUP BY district");
  return { by_district: rows };
}`;

/** One allowed aggregate, one query the engine refuses (caught by the script), one open query. */
const MIXED = `export default async function main(ctx) {
  const people = await ctx.sql("SELECT district, count(*) AS n FROM population GROUP BY district");
  try { await ctx.sql("SELECT name FROM population"); } catch { ctx.log("refused as expected"); }
  const air = await ctx.sql("SELECT station, max(aqi) AS worst FROM air_quality GROUP BY station");
  return { people, air };
}`;

let gw: TestGateway;
let license: string;

beforeAll(async () => {
  gw = await startTestGateway({ seedScale: 0.002 });
  license = gw.credentials.operator.license;
});

afterAll(async () => {
  await gw?.close();
});

const explain = (body: Record<string, unknown>, client = gw.operator) =>
  client.post<DryRun>("/v1/jobs/explain", body);

async function budgetOf(id: string) {
  const res = await gw.operator.get<LicenseView>(`/v1/licenses/${id}`);
  expect(res.status).toBe(200);
  return res.body.budget;
}

describe("POST /v1/jobs/explain", () => {
  it("shows each query's rewritten SQL, rules and ε, and the release verdict, without spending budget", async () => {
    const before = await budgetOf(license);
    const jobsBefore = await gw.controlPlane.query<{ n: number }>("SELECT count(*) AS n FROM jobs");
    const res = await explain({ script: MIXED, license });
    expect(res.status).toBe(200);
    const report = res.body;
    expect(report.license).toBe(license);
    expect(report.queries).toHaveLength(3);

    const [people, refused, air] = report.queries;
    expect(people).toMatchObject({ verdict: "allowed", kind: "aggregate", datasets: ["population"] });
    expect(people!.rewrites).toEqual(expect.arrayContaining(["noise:discrete_laplace"]));
    expect(people!.rewrites.some((r) => r.startsWith("threshold:"))).toBe(true);
    expect(people!.rewrittenSql).toMatch(/^WITH __rows AS/);
    expect(people!.rules).toContainEqual(
      expect.objectContaining({ dataset: "population", column: "district", rule: "group" }),
    );
    expect(people!.epsilon).toBeGreaterThan(0);
    expect(people!.epsilon).toBe(people!.epsilonCost);
    expect(people!.answeredFromRecord).toBe(false);

    expect(refused).toMatchObject({ verdict: "refused", epsilon: 0 });
    expect(refused!.code).toMatch(/^(SQL_NOT_ALLOWED|POLICY_VIOLATION)$/);
    expect(refused!.message).toContain("row-level");

    expect(air).toMatchObject({ verdict: "allowed", epsilon: 0, datasets: ["air_quality"] });

    expect(report.status).toBe("released");
    expect(report.release.outcome).toBe("released");
    expect(report.release.outputs.map((o) => o.name).sort()).toEqual(["air", "people"]);
    expect(report.release.outputs.find((o) => o.name === "people")!.rows).toBe(
      report.dummyOutputs.people!.length,
    );
    expect(report.epsilon.population).toBe(people!.epsilon);

    // Nothing was spent and no job was created: the dry run only read the ledger.
    expect(await budgetOf(license)).toEqual(before);
    expect(report.budget).toEqual(before);
    const jobsAfter = await gw.controlPlane.query<{ n: number }>("SELECT count(*) AS n FROM jobs");
    expect(jobsAfter[0]!.n).toBe(jobsBefore[0]!.n);

    // Audited once, with the script's hash and the query count, never its text.
    const entries = gw.audit.ofType("job.explained");
    expect(entries).toHaveLength(1);
    expect(entries[0]!.subject).toMatchObject({ operator: gw.demoOperatorId, license });
    expect(entries[0]!.data).toMatchObject({ queries: 3, status: "released" });
    expect(JSON.stringify(entries[0]!.data)).not.toContain("SELECT");
  });

  it("costs nothing for a query the license already paid for in a real job", async () => {
    const job = await gw.operator.post<{ id: string }>("/v1/jobs", { script: BY_DISTRICT, license });
    expect(job.status).toBe(202);
    const done = await gw.operator.get<{ status: string }>(`/v1/jobs/${job.body.id}?wait=30`);
    expect(done.body.status).toBe("released");
    const before = await budgetOf(license);
    const res = await explain({ script: BY_DISTRICT, license });
    expect(res.status).toBe(200);
    expect(res.body.queries[0]).toMatchObject({ verdict: "allowed", epsilon: 0, answeredFromRecord: true });
    expect(res.body.queries[0]!.epsilonCost).toBeGreaterThan(0);
    expect(await budgetOf(license)).toEqual(before);
  });

  it("refuses with BUDGET_EXHAUSTED exactly the queries the budget left could not pay for", async () => {
    const [population] = (await budgetOf(license)).filter((b) => b.dataset === "population");
    // Spend all but 0.1 of the month's ε, as earlier jobs would have (the real ledger's own row).
    const set = (micro: number) =>
      gw.controlPlane.transaction((tx) =>
        tx.run(
          "UPDATE budget_spent SET micro_epsilon = $1 WHERE license_id = $2 AND dataset = 'population'",
          [micro, license],
        ),
      );
    const spentBefore = Math.round(population!.spent * 1e6);
    await set(Math.round((population!.spent + population!.left - 0.1) * 1e6));
    try {
      const before = await budgetOf(license);
      const res = await explain({
        script: `export default async function main(ctx) {
          const paid = await ctx.sql("SELECT district, count(*) AS residents FROM population GROUP BY district");
          let income = [];
          try { income = await ctx.sql("SELECT district, avg(annual_income) AS income FROM population GROUP BY district"); }
          catch (e) { ctx.log("budget: " + e.message); }
          return { paid, income };
        }`,
        license,
      });
      expect(res.status).toBe(200);
      const [paid, income] = res.body.queries;
      expect(paid).toMatchObject({ verdict: "allowed", epsilon: 0, answeredFromRecord: true });
      expect(income).toMatchObject({ verdict: "refused", code: "BUDGET_EXHAUSTED", epsilon: 0 });
      expect(income!.message).toContain("population");
      // Explained all the same: what it would enforce and cost once the budget allows it.
      expect(income!.epsilonCost).toBeGreaterThan(0);
      expect(income!.rewrittenSql).toMatch(/^WITH __rows AS/);
      expect(await budgetOf(license)).toEqual(before);
    } finally {
      await set(spentBefore);
    }
  });

  it("refuses a second dry run of the same operator while one runs", async () => {
    const [a, b] = await Promise.all([
      explain({ script: BY_DISTRICT, license }),
      explain({ script: BY_DISTRICT, license }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 429]);
    const refused = a.status === 429 ? a : b;
    expect(refused.body).toMatchObject({ code: "RATE_LIMITED" });
    expect(refused.headers.get("retry-after")).toBe("5");
  });

  it("refuses another operator's license, other roles and bad bodies", async () => {
    const other = await gw.admitOperator();
    const stolen = await explain({ script: BY_DISTRICT, license }, other.client);
    expect(stolen.status).toBe(403);
    expect(stolen.body).toMatchObject({ code: "LICENSE_INVALID" });
    const bureau = await explain({ script: BY_DISTRICT, license }, gw.bureau);
    expect(bureau.status).toBe(403);
    expect(bureau.body).toMatchObject({ code: "FORBIDDEN" });
    expect((await explain({ script: BY_DISTRICT, license }, gw.anonymous)).status).toBe(401);
    const bad = await explain({ script: "", license });
    expect(bad.status).toBe(400);
    const purpose = await explain({ script: BY_DISTRICT, license, purpose: "something else" });
    expect(purpose.status).toBe(403);
    expect(purpose.body).toMatchObject({ code: "LICENSE_INVALID" });
  });

  it("reports a script reading a row-rule column as held for review", async () => {
    const [row] = await gw.controlPlane.query<{ manifest: string }>(
      "SELECT manifest FROM dataset_versions WHERE dataset = 'enterprises' ORDER BY version DESC LIMIT 1",
    );
    const enterprises = JSON.parse(row!.manifest);
    enterprises.columns = enterprises.columns.map((c: { name: string }) =>
      c.name === "industry" ? { ...c, rule: "row" } : c,
    );
    // Reading rows is a loosening: one officer proposes, a second approves (two-person rule).
    const proposed = await gw.bureau.put<{ id: string }>("/v1/datasets/enterprises/policy", enterprises);
    expect(proposed.status).toBe(202);
    const approved = await gw.bureau2.post(`/v1/proposals/${proposed.body.id}/decision`, {
      decision: "approve",
    });
    expect(approved.status).toBe(200);
    const res = await explain({
      script: `export default async function main(ctx) {
        return { industries: await ctx.sql("SELECT industry FROM enterprises LIMIT 5") };
      }`,
      license,
    });
    expect(res.status).toBe(200);
    expect(res.body.queries[0]).toMatchObject({ verdict: "allowed", kind: "row" });
    expect(res.body.queries[0]!.rules).toContainEqual(
      expect.objectContaining({ column: "industry", rule: "row" }),
    );
    expect(res.body.status).toBe("held");
    expect(res.body.release.outcome).toBe("held");
    expect(res.body.release.tainted).toBe(true);
    expect(res.body.release.reasons.length).toBeGreaterThan(0);
    // Dummy values are shown: they are not real data.
    expect(res.body.dummyOutputs.industries).toHaveLength(5);
  });

  it("refuses a suspended license with the code a submission gets", async () => {
    const suspended = await gw.bureau.post(`/v1/licenses/${license}/suspend`, { reason: "complaint" });
    expect(suspended.status).toBe(200);
    const res = await explain({ script: BY_DISTRICT, license });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: "LICENSE_INVALID" });
    const submitted = await gw.operator.post("/v1/jobs", { script: BY_DISTRICT, license });
    expect(submitted.body).toMatchObject({ code: "LICENSE_INVALID" });
  });
});
