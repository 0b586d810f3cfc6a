import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

const demo = (name: string): DatasetManifest => structuredClone(DEMO_MANIFESTS.find((m) => m.name === name)!);
const withRule = (m: DatasetManifest, column: string, rule: string) =>
  ({ ...m, columns: m.columns.map((c) => (c.name === column ? { ...c, rule } : c)) }) as DatasetManifest;

type Proposal = {
  id: string;
  kind: string;
  status: string;
  proposer: string;
  decider: string | null;
  baseVersion: number | null;
  appliedVersion: number | null;
  effectiveAt: string | null;
  diff: { loosens: boolean; changes: { path: string; effect: string; line: string }[] };
};
type Dataset = { policyVersion: number; manifest: DatasetManifest };

/** The measured case: population regraded 3 → 1, annual_income plain. */
const regraded = withRule({ ...demo("population"), grade: 1 }, "annual_income", "plain");

describe("the two-person rule over HTTP", () => {
  it("turns one officer's regrade into a proposal that changes nothing until a second officer approves it", async () => {
    const put = await gw.bureau.put<Proposal>(
      "/v1/datasets/population/policy?note=statistics%20release",
      regraded,
    );
    expect(put.status).toBe(202);
    expect(put.body).toMatchObject({ kind: "policy", status: "pending", baseVersion: 1 });
    expect(put.body.diff.changes.map((c) => c.line)).toEqual([
      "grade: 3 → 1 (loosens)",
      "columns.annual_income.rule: aggregate → plain (loosens)",
    ]);
    const before = await gw.operator.get<Dataset>("/v1/datasets/population");
    expect(before.body).toMatchObject({ policyVersion: 1, manifest: { grade: 3 } });

    // The proposer may not approve it; the answer says why and what to do.
    const own = await gw.bureau.post<{ code: string; detail: string }>(
      `/v1/proposals/${put.body.id}/decision`,
      {
        decision: "approve",
      },
    );
    expect(own.status).toBe(403);
    expect(own.contentType).toContain("application/problem+json");
    expect(own.body.detail).toMatch(/second bureau officer/);
    expect((await gw.operator.get<Dataset>("/v1/datasets/population")).body.manifest.grade).toBe(3);

    // Never approved: refused by the second officer, nothing changed.
    const refused = await gw.bureau2.post<Proposal>(`/v1/proposals/${put.body.id}/decision`, {
      decision: "refuse",
      reason: "income is personal data",
    });
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ status: "refused", appliedVersion: null });
    expect((await gw.operator.get<Dataset>("/v1/datasets/population")).body).toMatchObject({
      policyVersion: 1,
      manifest: { grade: 3 },
    });
    expect(
      (await gw.bureau2.post(`/v1/proposals/${put.body.id}/decision`, { decision: "approve" })).status,
    ).toBe(409);
    expect(gw.audit.ofType("proposal.refused").at(-1)).toMatchObject({
      subject: { datasets: ["population"] },
      data: { proposal: put.body.id },
    });
  });

  it("applies an approved loosening at once for new jobs, tells the holders, and records both officers", async () => {
    const loosened = withRule(demo("population"), "education", "group");
    const tightened = withRule(demo("population"), "education", "filter");
    const tighten = await gw.bureau.put<{ version: number }>("/v1/datasets/population/policy", tightened);
    expect(tighten.status).toBe(201);
    const created = await gw.bureau.post<Proposal>("/v1/proposals", {
      kind: "policy",
      dataset: "population",
      manifest: loosened,
      reason: "education is a published dimension",
    });
    expect(created.status).toBe(201);
    expect(created.body.diff.changes.map((c) => c.line)).toEqual([
      "columns.education.rule: filter → group (loosens)",
    ]);
    const approved = await gw.bureau2.post<Proposal>(`/v1/proposals/${created.body.id}/decision`, {
      decision: "approve",
      reason: "checked",
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: "approved", appliedVersion: tighten.body.version + 1 });
    const now = await gw.operator.get<Dataset>("/v1/datasets/population");
    expect(now.body.policyVersion).toBe(tighten.body.version + 1);
    expect(now.body.manifest.columns.find((c) => c.name === "education")!.rule).toBe("group");
    expect(gw.audit.ofType("policy.published").at(-1)).toMatchObject({
      data: { proposal: created.body.id, version: tighten.body.version + 1 },
    });
    const holders = await gw.controlPlane.query<{ n: number }>(
      `SELECT count(*) AS n FROM notifications n JOIN principals p ON p.id = n.recipient_id
       WHERE n.kind = 'policy.changed' AND p.role = 'holder' AND p.organization = $1`,
      [demo("population").holder.department],
    );
    expect(Number(holders[0]!.n)).toBeGreaterThanOrEqual(2);
    const proposerTold = await gw.controlPlane.query<{ n: number }>(
      "SELECT count(*) AS n FROM notifications WHERE kind = 'proposal.decided' AND subject LIKE $1",
      [`%${created.body.id}%`],
    );
    expect(Number(proposerTold[0]!.n)).toBe(1);
  });

  it("schedules a change for a stated time and refuses one in the past", async () => {
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const created = await gw.bureau.post<Proposal>("/v1/proposals", {
      kind: "policy",
      dataset: "air_quality",
      manifest: { ...demo("air_quality"), title: "空气质量 (air quality, hourly)" },
      reason: "title",
      effectiveAt: later,
    });
    expect(created.status).toBe(201);
    expect(created.body.effectiveAt).toBe(later);
    const approved = await gw.bureau2.post<Proposal>(`/v1/proposals/${created.body.id}/decision`, {
      decision: "approve",
    });
    expect(approved.body).toMatchObject({ status: "approved", effectiveAt: later, appliedVersion: 2 });
    expect((await gw.operator.get<Dataset>("/v1/datasets/air_quality")).body.policyVersion).toBe(1);
    const past = await gw.bureau.post("/v1/proposals", {
      kind: "policy",
      dataset: "air_quality",
      manifest: demo("air_quality"),
      reason: "x",
      effectiveAt: "2020-01-01T00:00:00Z",
    });
    expect(past.status).toBe(400);
  });

  it("turns a tariff cut into a proposal; a raise is in force at once", async () => {
    const tariff = {
      currency: "CNY",
      perJob: 1,
      perCpuSecond: 0.05,
      perQuery: 0.2,
      perEpsilon: 10,
      perOutputCell: 0.001,
      perThousandRowsScanned: 0.01,
    };
    expect((await gw.bureau.put("/v1/tariffs", tariff)).status).toBe(201);
    const cut = await gw.bureau.put<Proposal>("/v1/tariffs", { ...tariff, perEpsilon: 1 });
    expect(cut.status).toBe(202);
    expect(cut.body.diff.changes.map((c) => c.line)).toEqual(["perEpsilon: 10 → 1 (loosens)"]);
    expect(
      (await gw.operator.get<{ current: { version: number } }>("/v1/tariffs")).body.current.version,
    ).toBe(1);
    await gw.bureau2.post(`/v1/proposals/${cut.body.id}/decision`, { decision: "approve" });
    expect(
      (await gw.operator.get<{ current: { tariff: { perEpsilon: number } } }>("/v1/tariffs")).body.current
        .tariff.perEpsilon,
    ).toBe(1);
  });

  it("lists and shows proposals to the bureau and auditors, filtered; withdrawal is the proposer's", async () => {
    const created = await gw.bureau2.post<Proposal>("/v1/proposals", {
      kind: "policy",
      dataset: "enterprises",
      manifest: withRule(demo("enterprises"), "status", "row"),
      reason: "firm status rows for a registry study",
    });
    expect(created.status).toBe(201);
    const pending = await gw.auditor.get<{ proposals: Proposal[] }>(
      "/v1/proposals?status=pending&kind=policy",
    );
    expect(pending.status).toBe(200);
    expect(pending.body.proposals.map((p) => p.id)).toContain(created.body.id);
    expect(pending.body.proposals.every((p) => p.status === "pending")).toBe(true);
    expect((await gw.auditor.get<Proposal>(`/v1/proposals/${created.body.id}`)).body.id).toBe(
      created.body.id,
    );
    expect((await gw.bureau.post(`/v1/proposals/${created.body.id}/withdraw`, { reason: "x" })).status).toBe(
      403,
    );
    const withdrawn = await gw.bureau2.post<Proposal>(`/v1/proposals/${created.body.id}/withdraw`, {
      reason: "not needed",
    });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.status).toBe("withdrawn");
    expect((await gw.bureau2.post(`/v1/proposals/${created.body.id}/withdraw`, {})).status).toBe(409);
  });

  it("answers 400 for malformed proposals and decisions, 404 for unknown ids, 409 for an identical manifest", async () => {
    expect((await gw.bureau.post("/v1/proposals", { kind: "policy", dataset: "population" })).status).toBe(
      400,
    );
    expect((await gw.bureau.post("/v1/proposals", { kind: "budget", reason: "x" })).status).toBe(400);
    const identical = await gw.bureau.post("/v1/proposals", {
      kind: "policy",
      dataset: "medical_visits",
      manifest: demo("medical_visits"),
      reason: "x",
    });
    expect(identical.status).toBe(409);
    expect((await gw.bureau.get("/v1/proposals/prop_nope")).status).toBe(404);
    expect((await gw.bureau2.post("/v1/proposals/prop_nope/decision", { decision: "approve" })).status).toBe(
      404,
    );
    expect((await gw.bureau2.post("/v1/proposals/prop_nope/decision", { decision: "maybe" })).status).toBe(
      400,
    );
    expect((await gw.bureau2.post("/v1/proposals/prop_nope/decision", { decision: "refuse" })).status).toBe(
      400,
    );
  });

  it("is closed to operators and holders, and to auditors for anything but reading", async () => {
    const created = await gw.bureau.post<Proposal>("/v1/proposals", {
      kind: "policy",
      dataset: "credit_records",
      manifest: { ...demo("credit_records"), title: "信用记录 (credit records, revised)" },
      reason: "title",
    });
    expect(created.status).toBe(201);
    const body = { kind: "policy", dataset: "population", manifest: regraded, reason: "x" };
    for (const client of [gw.operator, gw.holders.population!]) {
      expect((await client.get("/v1/proposals")).status).toBe(403);
      expect((await client.get(`/v1/proposals/${created.body.id}`)).status).toBe(403);
    }
    for (const client of [gw.operator, gw.auditor, gw.holders.population!]) {
      expect((await client.post("/v1/proposals", body)).status).toBe(403);
      expect(
        (await client.post(`/v1/proposals/${created.body.id}/decision`, { decision: "approve" })).status,
      ).toBe(403);
      expect((await client.post(`/v1/proposals/${created.body.id}/withdraw`, {})).status).toBe(403);
      expect((await client.put("/v1/datasets/population/policy", regraded)).status).toBe(403);
    }
    expect((await gw.anonymous.get("/v1/proposals")).status).toBe(401);
    expect((await gw.bureau.get<Proposal>(`/v1/proposals/${created.body.id}`)).body.status).toBe("pending");
  });
});
