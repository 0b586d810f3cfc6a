import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateAlerts } from "../../control/alerts.ts";
import type { CreditRecord, ViolationView } from "../../control/credit.ts";
import type { EvaluationReport } from "../../control/evaluation.ts";
import {
  type AdmittedOperator,
  type Client,
  startTestGateway,
  type TestGateway,
} from "../support/gateway.ts";

let gw: TestGateway;
let stranger: AdmittedOperator;
const started = new Date().toISOString();
beforeAll(async () => {
  gw = await startTestGateway();
  stranger = await gw.admitOperator();
});
afterAll(async () => {
  await gw?.close();
});

type Job = { id: string; status: string; error?: { code: string } | null; outputs?: unknown };
type LicenseView = { license: { id: string; quotas: Record<string, number> }; status: string };

/** Asks for a column the population policy denies: the policy engine refuses the query and the job fails. */
const REFUSED = `export default async function main(ctx) {
  return { ids: await ctx.sql("SELECT id_number FROM population") };
}`;
const AIR = `export default async function main(ctx) {
  return { n: await ctx.sql("SELECT station, count(*) AS n FROM air_quality GROUP BY station") };
}`;
const SETTLED = new Set(["released", "held", "rejected", "failed", "cancelled"]);

async function run(client: Client, script: string, license: string): Promise<Job> {
  const submitted = await client.post<Job>("/v1/jobs", { script, license });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  for (let i = 0; i < 600; i++) {
    const job = (await gw.bureau.get<Job>(`/v1/jobs/${submitted.body.id}`)).body;
    if (SETTLED.has(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${submitted.body.id} did not settle`);
}

const evaluate = () =>
  evaluateAlerts({ store: gw.controlPlane, audit: gw.audit, thresholds: { refusals: 3 } });
const credit = (client: Client, id = gw.demoOperatorId) =>
  client.get<CreditRecord>(`/v1/operators/${id}/credit`);
const quotas = async () =>
  (await gw.operator.get<LicenseView>(`/v1/licenses/${gw.credentials.operator.license}`)).body.license.quotas;

describe("operator credit over HTTP, from real refused jobs", () => {
  const jobs: Job[] = [];
  let secondViolation: ViolationView;

  it("records a violation when refused jobs trip the alert rule, and cuts quotas at the second", async () => {
    const license = gw.credentials.operator.license;
    for (let i = 0; i < 3; i++) jobs.push(await run(gw.operator, REFUSED, license));
    jobs.push(await run(gw.operator, AIR, license));
    expect(jobs.map((j) => [j.status, j.error?.code ?? null])).toEqual([
      ["failed", "POLICY_VIOLATION"],
      ["failed", "POLICY_VIOLATION"],
      ["failed", "POLICY_VIOLATION"],
      ["released", null],
    ]);
    const [alert] = (await evaluate()).raised;
    expect(alert).toMatchObject({ rule: "refusal_burst", operator: gw.demoOperatorId });

    let record = (await credit(gw.operator)).body;
    expect(record).toMatchObject({ score: 80, level: "warning", penalty: { level: "warning" } });
    expect(record.violations[0]).toMatchObject({
      kind: "policy_refusals",
      source: "system",
      evidence: {
        alert: alert!.id,
        jobs: jobs
          .slice(0, 3)
          .map((j) => j.id)
          .sort(),
      },
    });
    expect(await quotas()).toEqual({});

    expect(
      (await gw.bureau.post(`/v1/alerts/${alert!.id}/close`, { resolution: "operator warned" })).status,
    ).toBe(200);
    jobs.push(await run(gw.operator, REFUSED, license));
    expect((await evaluate()).raised).toHaveLength(1);
    record = (await credit(gw.operator)).body;
    expect(record).toMatchObject({ score: 60, level: "quota_cut", penalty: { level: "quota_cut" } });
    secondViolation = record.violations[0]!;
    expect(secondViolation.penalty).toBe("quota_cut");
    expect(await quotas()).toEqual({ jobsPerDay: 20, queriesPerJob: 50 });
    const inbox = await gw.operator.get<{ notifications: { kind: string }[] }>("/v1/inbox");
    expect(inbox.body.notifications.map((n) => n.kind)).toContain("credit.penalty");
  });

  it("lets only the bureau, auditors and the operator itself read a credit record", async () => {
    expect((await credit(gw.auditor)).status).toBe(200);
    expect((await credit(gw.bureau)).status).toBe(200);
    const other = await credit(stranger.client);
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ code: "NOT_FOUND" });
    expect((await credit(gw.holders.population!)).status).toBe(403);
    expect((await credit(gw.anonymous)).status).toBe(401);
    expect((await credit(gw.bureau, "prn_missing")).status).toBe(404);
  });

  it("upholds an objection: the violation is annulled and the quotas come back", async () => {
    const path = `/v1/violations/${secondViolation.id}/objection`;
    expect((await stranger.client.post(path, { reason: "not mine" })).status).toBe(404);
    expect((await gw.bureau.post(path, { reason: "x" })).status).toBe(403);
    expect((await gw.operator.post(path, {})).status).toBe(400);
    const objected = await gw.operator.post<ViolationView>(path, { reason: "a load test we announced" });
    expect(objected.status).toBe(200);
    expect((await gw.operator.post(path, { reason: "again" })).status).toBe(409);

    const decide = `/v1/violations/${secondViolation.id}/decision`;
    const own = await gw.operator.post(decide, { decision: "upheld", reason: "mine" });
    expect(own.status).toBe(403);
    const decided = await gw.bureau.post<ViolationView>(decide, {
      decision: "upheld",
      reason: "announced test",
    });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: "annulled", decision: { outcome: "upheld" } });
    expect((await credit(gw.operator)).body).toMatchObject({ score: 80, level: "warning" });
    expect(await quotas()).toEqual({});
    expect(gw.audit.ofType("credit.objection_decided").at(-1)).toMatchObject({
      subject: { operator: gw.demoOperatorId },
      data: { violation: secondViolation.id, decision: "upheld" },
    });
  });

  it("records an officer's finding with evidence; the recorder may not decide its objection", async () => {
    const path = `/v1/operators/${gw.demoOperatorId}/violations`;
    const body = {
      severity: "minor",
      summary: "asked for identity numbers after a warning",
      evidence: { text: "job asked for id_number", jobs: [jobs[3]!.id] },
    };
    expect((await gw.operator.post(path, body)).status).toBe(403);
    expect((await gw.auditor.post(path, body)).status).toBe(403);
    expect((await gw.bureau.post(path, { ...body, evidence: { text: "no ids" } })).status).toBe(400);
    const wrongJob = await gw.bureau.post(path, {
      ...body,
      evidence: { text: "t", jobs: ["job_of_someone"] },
    });
    expect(wrongJob.status).toBe(400);
    expect(wrongJob.body).toMatchObject({ detail: expect.stringContaining("not of operator") });

    const recorded = await gw.bureau.post<ViolationView>(path, body);
    expect(recorded.status).toBe(201);
    expect(recorded.body).toMatchObject({ kind: "officer_finding", severity: "minor", points: 10 });
    await gw.operator.post(`/v1/violations/${recorded.body.id}/objection`, { reason: "that job was fine" });
    const self = await gw.bureau.post(`/v1/violations/${recorded.body.id}/decision`, {
      decision: "upheld",
      reason: "r",
    });
    expect(self.status).toBe(403);
    expect(self.body).toMatchObject({ detail: expect.stringContaining("another bureau officer") });
    const dismissed = await gw.bureau2.post<ViolationView>(`/v1/violations/${recorded.body.id}/decision`, {
      decision: "dismissed",
      reason: "the finding stands",
    });
    expect(dismissed.status).toBe(200);
    expect((await credit(gw.operator)).body).toMatchObject({ score: 70, level: "warning" });
  });

  it("evaluates the period with figures that agree with the jobs that produced them", async () => {
    const to = new Date(Date.now() + 60_000).toISOString();
    const query = `from=${encodeURIComponent(started)}&to=${encodeURIComponent(to)}`;
    const res = await gw.bureau.get<EvaluationReport>(
      `/v1/operators/${gw.demoOperatorId}/evaluation?${query}`,
    );
    expect(res.status).toBe(200);
    const listed = (await gw.operator.get<{ jobs: Job[] }>("/v1/jobs?limit=100")).body.jobs;
    const count = (status: string) => listed.filter((j) => j.status === status).length;
    expect(listed.map((j) => j.id).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(res.body.jobs).toEqual({
      submitted: listed.length,
      released: count("released"),
      heldByGate: 0,
      heldNow: count("held"),
      rejected: count("rejected"),
      failed: count("failed"),
      cancelled: 0,
      inProgress: 0,
    });
    expect(res.body.jobs).toMatchObject({ submitted: 5, released: 1, failed: 4 });
    expect(res.body.outputs).toEqual({ released: 1, held: 0 });
    expect(res.body.violations).toMatchObject({
      total: 3,
      complaints: 1,
      annulled: 1,
      byKind: { policy_refusals: 2, officer_finding: 1, differencing: 0 },
    });
    expect(res.body.objections).toEqual({ filed: 2, upheld: 1, dismissed: 1, pending: 0 });
    expect(res.body.budget.every((b) => b.used === 0)).toBe(true);

    expect((await gw.operator.get(`/v1/operators/${gw.demoOperatorId}/evaluation?${query}`)).status).toBe(
      200,
    );
    expect((await stranger.client.get(`/v1/operators/${gw.demoOperatorId}/evaluation?${query}`)).status).toBe(
      404,
    );
    expect((await gw.bureau.get(`/v1/operators/${gw.demoOperatorId}/evaluation`)).status).toBe(400);
    expect(
      (
        await gw.bureau.get(
          `/v1/operators/${gw.demoOperatorId}/evaluation?from=${to}&to=${encodeURIComponent(started)}`,
        )
      ).status,
    ).toBe(400);
  });
});

/** Admits an operator with a direct license on air quality (grade 1). */
async function admittedWithLicense(license: string): Promise<AdmittedOperator> {
  const admitted = await gw.admitOperator();
  const granted = await gw.bureau.post("/v1/licenses", {
    id: license,
    operator: admitted.id,
    purpose: "urban-analytics",
    validFrom: "2025-01-01T00:00:00Z",
    validTo: "2035-01-01T00:00:00Z",
    datasets: [{ name: "air_quality" }],
  });
  expect(granted.status).toBe(201);
  return admitted;
}

describe("violations from the release gate", () => {
  it("records one when the gate rejects a real job whose output holds a resident's name", async () => {
    const connection = await gw.dataDomain.connect();
    const [[name]] = (
      await connection.runAndReadAll("SELECT name FROM population ORDER BY person_id LIMIT 1")
    ).getRowsJson() as [[string]];
    connection.closeSync();
    const script = `export default async () => ({ t: [{ who: ${JSON.stringify(name)}, n: 12 }] })`;
    const job = await run(gw.operator, script, gw.credentials.operator.license);
    expect(job.status).toBe("rejected");
    await evaluate();
    await evaluate();
    const record = (await credit(gw.operator)).body;
    const flagged = record.violations.filter((v) => v.kind === "release_gate_flag");
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatchObject({ severity: "major", source: "system", evidence: { jobs: [job.id] } });
    // The violation names the job, never the value the gate found.
    expect(JSON.stringify(record)).not.toContain(name);
    // 100 − 20 (refusals) − 10 (finding) − 20 (gate): the quotas are cut again.
    expect(record).toMatchObject({ score: 50, level: "quota_cut", penalty: { level: "quota_cut" } });
    expect(await quotas()).toEqual({ jobsPerDay: 20, queriesPerJob: 50 });
  });
});

describe("POST /v1/operators/{id}/exit", () => {
  it("revokes keys and licenses, settles the open period from metering, and keeps the records", async () => {
    const leaving = await admittedWithLicense("lic_leaving");
    expect((await run(leaving.client, AIR, "lic_leaving")).status).toBe("released");

    const path = `/v1/operators/${leaving.id}/exit`;
    expect((await leaving.client.post(path, { reason: "leaving" })).status).toBe(403);
    expect((await gw.auditor.post(path, { reason: "x" })).status).toBe(403);
    expect((await gw.bureau.post(path, {})).status).toBe(400);
    const exited = await gw.bureau.post<{
      operator: { status: string };
      revokedKeys: string[];
      revokedLicenses: string[];
      settlement: { period: string; totals: { jobs: number } };
    }>(path, { reason: "the operator ends its business" });
    expect(exited.status).toBe(200);
    expect(exited.body).toMatchObject({
      operator: { status: "revoked" },
      revokedKeys: [leaving.prefix],
      revokedLicenses: ["lic_leaving"],
      settlement: { period: new Date().toISOString().slice(0, 7), totals: { jobs: 1 } },
    });
    expect(gw.audit.ofType("operator.exited").at(-1)).toMatchObject({
      actor: expect.any(String),
      subject: { operator: leaving.id },
      data: { settlement: { totals: exited.body.settlement.totals }, revokedLicenses: ["lic_leaving"] },
    });
    expect((await leaving.client.get("/v1/licenses")).status).toBe(401);
    expect((await gw.bureau.get<LicenseView>("/v1/licenses/lic_leaving")).body.status).toBe("revoked");
    expect((await credit(gw.auditor, leaving.id)).body).toMatchObject({ operatorStatus: "revoked" });
    expect((await gw.bureau.post(path, { reason: "again" })).status).toBe(409);
  });

  it("documents every credit route in the OpenAPI document", async () => {
    const doc = (await gw.anonymous.get<{ paths: Record<string, Record<string, unknown>> }>("/openapi.json"))
      .body;
    for (const [path, method] of [
      ["/v1/operators/{id}/credit", "get"],
      ["/v1/operators/{id}/violations", "post"],
      ["/v1/violations/{id}/objection", "post"],
      ["/v1/violations/{id}/decision", "post"],
      ["/v1/operators/{id}/evaluation", "get"],
      ["/v1/operators/{id}/exit", "post"],
    ] as const)
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    // The operator routes still answer their own actions.
    const suspended = await gw.bureau.post(`/v1/operators/${stranger.id}/suspend`, { reason: "review" });
    expect(suspended.status).toBe(200);
  });
});
