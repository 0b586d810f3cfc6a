import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApplicationDetail } from "../../control/applications.ts";
import { publishManifest } from "../../control/catalog.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import { licenseThroughApplication } from "../support/applications.ts";
import {
  type AdmittedOperator,
  type Client,
  startTestGateway,
  type TestGateway,
} from "../support/gateway.ts";

let gw: TestGateway;
let op: AdmittedOperator;
let other: AdmittedOperator;
beforeAll(async () => {
  gw = await startTestGateway();
  op = await gw.admitOperator();
  other = await gw.admitOperator();
});
afterAll(async () => {
  await gw?.close();
});

type View = ApplicationDetail;
const manifest = (name: string): DatasetManifest =>
  structuredClone(DEMO_MANIFESTS.find((m) => m.name === name)!);
const department = (name: string) => manifest(name).holder.department;

const application = (extra: Record<string, unknown> = {}) => ({
  datasets: [
    {
      name: "population",
      columns: { education: "deny" },
      epsilon: { perQuery: 0.5, total: 10, period: "month" },
    },
    { name: "enterprises" },
  ],
  purpose: "urban-analytics",
  scenario: "District income and employment indicators for the urban renewal plan",
  validFrom: "2025-01-01T00:00:00Z",
  validTo: "2035-01-01T00:00:00Z",
  quotas: { jobsPerDay: 50 },
  ...extra,
});

const SCRIPT = `export default async function main(ctx) {
  return { by_district: await ctx.sql("SELECT district, count(*) AS n FROM population GROUP BY district") };
}`;

async function settle(client: Client, id: string): Promise<{ status: string }> {
  for (let i = 0; i < 20; i++) {
    const res = await client.get<{ status: string }>(`/v1/jobs/${id}?wait=20`);
    if (!["queued", "running"].includes(res.body.status)) return res.body;
  }
  throw new Error(`job ${id} did not settle`);
}

const inbox = async (client: Client) => {
  const who = await gw.controlPlane.query<{ id: string }>(
    "SELECT p.id FROM principals p JOIN api_keys k ON k.principal_id = p.id WHERE k.prefix = $1",
    [client.key!.split("_")[1]!],
  );
  const rows = await gw.controlPlane.query<{ kind: string; subject: string }>(
    "SELECT kind, subject FROM notifications WHERE recipient_id = $1",
    [who[0]!.id],
  );
  return rows.map((row) => ({ kind: row.kind, application: JSON.parse(row.subject).application as string }));
};

describe("the application flow over HTTP", () => {
  it("apply → consent → approve → run: the license is what was applied for, and jobs run under it", async () => {
    const applied = await op.client.post<View>("/v1/applications", application());
    expect(applied.status).toBe(201);
    expect(applied.body).toMatchObject({
      status: "awaiting_consent",
      operator: op.id,
      awaiting: { consents: ["population"], approvals: 1 },
    });
    const id = applied.body.id;
    expect(await inbox(gw.holders.population!)).toContainEqual({
      kind: "application.awaiting_consent",
      application: id,
    });
    expect(gw.audit.ofType("application.submitted").at(-1)).toMatchObject({
      actor: op.id,
      subject: { operator: op.id, datasets: ["population", "enterprises"] },
      data: { application: id, status: "awaiting_consent" },
    });

    // The holder reads it, then consents.
    const seen = await gw.holders.population!.get<View>(`/v1/applications/${id}`);
    expect(seen.status).toBe(200);
    expect(seen.body.document.scenario).toMatch(/urban renewal/);
    const consent = await gw.holders.population!.post<View>(`/v1/applications/${id}/consent`, {
      dataset: "population",
      decision: "consent",
    });
    expect(consent.status).toBe(200);
    expect(consent.body.status).toBe("awaiting_approval");
    expect(await inbox(gw.bureau)).toContainEqual({ kind: "application.awaiting_approval", application: id });

    const approved = await gw.bureau.post<View>(`/v1/applications/${id}/approval`, { decision: "approve" });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe("approved");
    const licenseId = approved.body.licenseId!;
    const license = await op.client.get<{ license: Record<string, unknown>; status: string }>(
      `/v1/licenses/${licenseId}`,
    );
    expect(license.body).toMatchObject({
      status: "active",
      license: {
        id: licenseId,
        operator: op.id,
        purpose: "urban-analytics",
        datasets: application().datasets,
        quotas: { jobsPerDay: 50 },
      },
    });
    expect(gw.audit.ofType("license.granted").at(-1)).toMatchObject({
      subject: { license: licenseId, operator: op.id },
      data: { application: id, policyVersions: { population: 1, enterprises: 1 } },
    });
    const timeline = await gw.auditor.get<View>(`/v1/applications/${id}`);
    expect(timeline.body.decisions.map((d) => [d.step, d.decision, d.policyVersions])).toEqual([
      ["consent", "consent", { population: 1, enterprises: 1 }],
      ["approval", "approve", { population: 1, enterprises: 1 }],
    ]);
    expect(await inbox(op.client)).toContainEqual({ kind: "application.decided", application: id });

    const job = await op.client.post<{ id: string }>("/v1/jobs", { script: SCRIPT, license: licenseId });
    expect(job.status).toBe(202);
    expect((await settle(op.client, job.body.id)).status).toBe("released");
  });

  it("a holder's refusal ends it; so does the bureau's; so does a withdrawal — and no license exists", async () => {
    const byHolder = (await op.client.post<View>("/v1/applications", application())).body.id;
    const noReason = await gw.holders.population!.post(`/v1/applications/${byHolder}/consent`, {
      dataset: "population",
      decision: "refuse",
    });
    expect(noReason.status).toBe(400);
    const refused = await gw.holders.population!.post<View>(`/v1/applications/${byHolder}/consent`, {
      dataset: "population",
      decision: "refuse",
      reason: "household income is out of scope",
    });
    expect(refused.body).toMatchObject({ status: "refused", licenseId: null });
    expect(
      (await gw.bureau.post(`/v1/applications/${byHolder}/approval`, { decision: "approve" })).status,
    ).toBe(409);

    const byBureau = (await op.client.post<View>("/v1/applications", application())).body.id;
    await gw.holders.population!.post(`/v1/applications/${byBureau}/consent`, {
      dataset: "population",
      decision: "consent",
    });
    expect(
      (await gw.bureau.post(`/v1/applications/${byBureau}/approval`, { decision: "refuse" })).status,
    ).toBe(400);
    const bureauRefusal = await gw.bureau.post<View>(`/v1/applications/${byBureau}/approval`, {
      decision: "refuse",
      reason: "the scenario does not need resident-level data",
    });
    expect(bureauRefusal.body).toMatchObject({ status: "refused", licenseId: null });
    expect(gw.audit.ofType("application.refused").at(-1)).toMatchObject({
      data: { application: byBureau, step: "approval" },
    });

    const withdrawn = (await op.client.post<View>("/v1/applications", application())).body.id;
    const res = await op.client.post<View>(`/v1/applications/${withdrawn}/withdraw`, {
      reason: "plan changed",
    });
    expect(res.body).toMatchObject({ status: "withdrawn", statusReason: "plan changed" });
    expect((await op.client.post(`/v1/applications/${withdrawn}/withdraw`, {})).status).toBe(409);
    expect(
      (
        await gw.holders.population!.post(`/v1/applications/${withdrawn}/consent`, {
          dataset: "population",
          decision: "consent",
        })
      ).status,
    ).toBe(409);

    const mine = await op.client.get<{ applications: View[] }>("/v1/applications?status=refused");
    expect(mine.body.applications.map((a) => a.id).sort()).toEqual([byBureau, byHolder].sort());
  });

  it("grade 4 data needs two distinct bureau officers", async () => {
    await gw.controlPlane.transaction((tx) =>
      publishManifest(tx, { ...manifest("medical_visits"), grade: 4 }, "bureau"),
    );
    const id = (
      await op.client.post<View>("/v1/applications", {
        ...application(),
        purpose: "public-health-research",
        datasets: [{ name: "medical_visits", epsilon: { perQuery: 0.5, total: 5 } }],
      })
    ).body.id;
    await gw.holders.medical_visits!.post(`/v1/applications/${id}/consent`, {
      dataset: "medical_visits",
      decision: "consent",
    });
    const first = await gw.bureau.post<View>(`/v1/applications/${id}/approval`, { decision: "approve" });
    expect(first.body).toMatchObject({
      status: "awaiting_approval",
      licenseId: null,
      awaiting: { approvals: 1 },
    });
    const again = await gw.bureau.post<{ code: string; detail: string }>(`/v1/applications/${id}/approval`, {
      decision: "approve",
    });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/second, different bureau officer/);
    const second = await gw.bureau2.post<View>(`/v1/applications/${id}/approval`, { decision: "approve" });
    expect(second.body.status).toBe("approved");
    expect(second.body.decisions.filter((d) => d.step === "approval")).toHaveLength(2);
    expect(gw.audit.ofType("license.granted").at(-1)).toMatchObject({
      data: { application: id, approvers: [expect.any(String), expect.any(String)] },
    });
  });

  it("amends: a new application linked to the old, decided afresh", async () => {
    const old = (await op.client.post<View>("/v1/applications", application())).body.id;
    const amended = await op.client.post<View>(
      `/v1/applications/${old}/amend`,
      application({ quotas: { jobsPerDay: 10 } }),
    );
    expect(amended.status).toBe(201);
    expect(amended.body).toMatchObject({ amends: old, status: "awaiting_consent" });
    expect((await op.client.get<View>(`/v1/applications/${old}`)).body.status).toBe("superseded");
    expect((await other.client.post(`/v1/applications/${amended.body.id}/amend`, application())).status).toBe(
      404,
    );
  });

  it("the helper walks the flow for suites that just need a license", async () => {
    const { license } = await licenseThroughApplication(
      { operator: other.client, holders: gw.holders, bureau: gw.bureau, bureau2: gw.bureau2 },
      { ...application(), id: "ignored", operator: "ignored" },
    );
    expect((await other.client.get(`/v1/licenses/${license}`)).status).toBe(200);
  });
});

describe("who may do what", () => {
  let id: string;
  beforeAll(async () => {
    id = (await op.client.post<View>("/v1/applications", application())).body.id;
  });

  it("refuses every role a route is not for", async () => {
    const path = `/v1/applications/${id}`;
    const cases: [Client, string, string, unknown][] = [];
    for (const who of [gw.bureau, gw.auditor, gw.holders.population!]) {
      cases.push([who, "post", "/v1/applications", application()]);
      cases.push([who, "post", `${path}/withdraw`, {}]);
      cases.push([who, "post", `${path}/amend`, application()]);
    }
    for (const who of [op.client, gw.bureau, gw.auditor]) {
      cases.push([who, "post", `${path}/consent`, { dataset: "population", decision: "consent" }]);
    }
    for (const who of [op.client, gw.holders.population!, gw.auditor]) {
      cases.push([who, "post", `${path}/approval`, { decision: "approve" }]);
    }
    for (const [who, , route, body] of cases) {
      const res = await who.post(route, body);
      expect(res.status, `${route} as ${who.key?.slice(0, 16)}`).toBe(403);
    }
    for (const route of ["/v1/applications", path]) expect((await gw.anonymous.get(route)).status).toBe(401);
    expect((await gw.anonymous.post("/v1/applications", application())).status).toBe(401);
    expect(
      (await gw.as("aos_000000000000_nope").post(`${path}/approval`, { decision: "approve" })).status,
    ).toBe(401);
    expect((await gw.bureau.get<View>(path)).body.status).toBe("awaiting_consent");
  });

  it("one holder cannot reach another holder's applications; one operator not another's", async () => {
    // Medical visits' department holds nothing this application names: it is absent to them.
    const med = gw.holders.medical_visits!;
    expect((await med.get(`/v1/applications/${id}`)).status).toBe(404);
    expect(
      (await med.post(`/v1/applications/${id}/consent`, { dataset: "population", decision: "consent" }))
        .status,
    ).toBe(404);
    const listed = await med.get<{ applications: View[] }>("/v1/applications");
    expect(listed.body.applications.map((a) => a.id)).not.toContain(id);
    // Enterprises' department sees it (its dataset is named) but cannot decide on population.
    const ent = gw.holders.enterprises!;
    expect((await ent.get(`/v1/applications/${id}`)).status).toBe(200);
    expect(
      (await ent.post(`/v1/applications/${id}/consent`, { dataset: "population", decision: "consent" }))
        .status,
    ).toBe(403);
    // Another operator: absent.
    expect((await other.client.get(`/v1/applications/${id}`)).status).toBe(404);
    expect((await other.client.post(`/v1/applications/${id}/withdraw`, {})).status).toBe(404);
    const theirs = await other.client.get<{ applications: View[] }>(`/v1/applications?operator=${op.id}`);
    expect(theirs.body.applications.every((a) => a.operator === other.id)).toBe(true);
    expect(
      (await gw.bureau.get<{ applications: View[] }>(`/v1/applications?operator=${op.id}`)).body.applications
        .length,
    ).toBeGreaterThan(0);
    expect((await gw.bureau.get(`/v1/applications/app_nope`)).status).toBe(404);
    expect(
      await gw.controlPlane.query("SELECT 1 FROM application_decisions WHERE application_id = $1", [id]),
    ).toEqual([]);
  });
});

describe("direct grants and amendments of licenses", () => {
  const license = (extra: Record<string, unknown> = {}) => ({
    id: `lic_direct_${Math.random().toString(36).slice(2)}`,
    operator: op.id,
    purpose: "urban-analytics",
    validFrom: "2025-01-01T00:00:00Z",
    validTo: "2035-01-01T00:00:00Z",
    datasets: [{ name: "enterprises" }, { name: "air_quality" }],
    ...extra,
  });

  it("one officer grants grades 1–2 directly; grade 3/4 data answers 403 pointing to applications", async () => {
    expect((await gw.bureau.post("/v1/licenses", license())).status).toBe(201);
    const refused = await gw.bureau.post<{ code: string; detail: string }>(
      "/v1/licenses",
      license({ datasets: [{ name: "population", epsilon: { perQuery: 0.5, total: 10 } }] }),
    );
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/POST \/v1\/applications/);
  });

  it("a license on grade 3 data is tightened directly, loosened only through an amended application", async () => {
    const { license: id } = await licenseThroughApplication(
      { operator: op.client, holders: gw.holders, bureau: gw.bureau },
      application(),
    );
    const current = (await gw.bureau.get<{ license: Record<string, unknown> }>(`/v1/licenses/${id}`)).body
      .license;
    const tighter = await gw.bureau.put(`/v1/licenses/${id}`, { ...current, quotas: { jobsPerDay: 5 } });
    expect(tighter.status).toBe(200);
    const looser = await gw.bureau.put<{ detail: string }>(`/v1/licenses/${id}`, {
      ...current,
      datasets: [{ name: "population", epsilon: { perQuery: 0.5, total: 100, period: "month" } }],
    });
    expect(looser.status).toBe(403);
    expect(looser.body.detail).toMatch(/privacy budget of population.*amend/);
  });
});

describe("holder departments' views", () => {
  it("read the catalog, and the usage of their own datasets only", async () => {
    const catalog = await gw.holders.population!.get<{ datasets: { name: string }[] }>("/v1/datasets");
    expect(catalog.status).toBe(200);
    expect(catalog.body.datasets.map((d) => d.name)).toContain("population");
    // A demo job that reads population and air quality.
    const job = await gw.operator.post<{ id: string }>("/v1/jobs", {
      script: `export default async function main(ctx) {
        const a = await ctx.sql("SELECT district, count(*) AS n FROM population GROUP BY district");
        const b = await ctx.sql("SELECT station, avg(pm25) AS pm25 FROM air_quality GROUP BY station");
        return { a, b };
      }`,
      license: gw.credentials.operator.license,
    });
    expect((await settle(gw.operator, job.body.id)).status).toBe("released");
    type Usage = {
      lines: { dataset: string | null; holder: string | null; jobs: number }[];
      totals: { jobs: number };
    };
    const pop = await gw.holders.population!.get<Usage>("/v1/usage");
    expect(pop.status).toBe(200);
    expect(pop.body.lines.length).toBeGreaterThan(0);
    expect(pop.body.lines.every((l) => l.holder === department("population"))).toBe(true);
    // Whole jobs: the department's one dataset was read by each of its jobs once.
    expect(pop.body.totals.jobs).toBe(pop.body.lines.reduce((sum, l) => sum + l.jobs, 0));
    const air = await gw.holders.air_quality!.get<Usage>("/v1/usage");
    expect(air.body.lines.map((l) => l.dataset)).toEqual(expect.arrayContaining(["air_quality"]));
    expect(air.body.lines.every((l) => l.dataset === "air_quality")).toBe(true);
    const all = await gw.bureau.get<Usage>("/v1/usage");
    expect(new Set(all.body.lines.map((l) => l.dataset))).toEqual(
      new Set([...pop.body.lines, ...air.body.lines].map((l) => l.dataset)),
    );
    expect((await gw.holders.credit_records!.get<Usage>("/v1/usage")).body.lines).toEqual([]);
  });

  it("the OpenAPI document lists the application routes", async () => {
    const doc = (await gw.anonymous.get<{ paths: Record<string, unknown> }>("/openapi.json")).body;
    for (const path of [
      "/v1/applications",
      "/v1/applications/{id}",
      "/v1/applications/{id}/withdraw",
      "/v1/applications/{id}/amend",
      "/v1/applications/{id}/consent",
      "/v1/applications/{id}/approval",
    ])
      expect(doc.paths).toHaveProperty([path]);
    expect(doc.paths).toHaveProperty(
      ["/v1/applications", "post", "requestBody", "content", "application/json", "example", "purpose"],
      "urban-analytics",
    );
  });
});
