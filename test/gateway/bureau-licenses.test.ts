import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlPlaneBudgetLedger } from "../../control/budget-ledger.ts";
import { assertLicenseUsable, findLicense } from "../../control/licenses.ts";
import { budgetPeriodKey } from "../../policies/license.ts";
import { licenseThroughApplication } from "../support/applications.ts";
import { type AdmittedOperator, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;
let op: AdmittedOperator;
let seq = 0;
beforeAll(async () => {
  gw = await startTestGateway();
  op = await gw.admitOperator();
});
afterAll(async () => {
  await gw?.close();
});

type View = {
  license: { id: string; operator: string; purpose: string; datasets: { name: string }[] };
  status: string;
  statusReason: string | null;
  budget: { dataset: string; period: string; total: number; spent: number; left: number }[];
};

function licenseFor(operatorId: string, extra: Record<string, unknown> = {}) {
  seq += 1;
  return {
    id: `lic_test_${seq}`,
    operator: operatorId,
    purpose: "public-health-research",
    validFrom: "2025-01-01T00:00:00Z",
    validTo: "2035-01-01T00:00:00Z",
    datasets: [
      { name: "population", epsilon: { perQuery: 0.5, total: 10, period: "month" } },
      { name: "enterprises", columns: { industry: "filter" }, minGroupSize: 20 },
    ],
    ...extra,
  };
}

/** The same terms on grade 1–2 data only, which one officer may still grant directly. */
function directFor(operatorId: string, extra: Record<string, unknown> = {}) {
  return licenseFor(operatorId, {
    datasets: [{ name: "enterprises", columns: { industry: "filter" }, minGroupSize: 20 }],
    ...extra,
  });
}

/** A license on grade 3 data: only through the application flow (apply, consent, approve). */
async function grantedThroughApplication(extra: Record<string, unknown> = {}): Promise<View["license"]> {
  const { license } = await licenseThroughApplication(
    { operator: op.client, holders: gw.holders, bureau: gw.bureau },
    licenseFor(op.id, extra),
  );
  return (await gw.bureau.get<View>(`/v1/licenses/${license}`)).body.license;
}

describe("POST /v1/licenses (grant)", () => {
  it("grants through an application a license the operator then sees with its budget, and the job check accepts", async () => {
    const granted = await grantedThroughApplication();
    const res = await gw.bureau.get<View>(`/v1/licenses/${granted.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "active", license: { operator: op.id } });
    expect(res.body.budget).toEqual([
      { dataset: "population", period: budgetPeriodKey("month", new Date()), total: 10, spent: 0, left: 10 },
    ]);
    const record = await findLicense(gw.controlPlane, res.body.license.id);
    expect(
      assertLicenseUsable(record, { operatorId: op.id, purpose: "public-health-research", now: new Date() }),
    ).toBeTruthy();
    expect(gw.audit.ofType("license.granted").at(-1)).toMatchObject({
      subject: { operator: op.id, license: res.body.license.id, datasets: ["population", "enterprises"] },
    });
  });

  it("grants grade 1–2 data directly; grade 3/4 data answers 403 naming the application flow", async () => {
    const direct = await gw.bureau.post<View>("/v1/licenses", directFor(op.id));
    expect(direct.status).toBe(201);
    const refused = await gw.bureau.post<{ code: string; detail: string }>("/v1/licenses", licenseFor(op.id));
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/population is grade 3.*POST \/v1\/applications/);
  });

  it("refuses documents the schema or the catalog rejects with 400", async () => {
    const cases: Record<string, unknown>[] = [
      directFor(op.id, { datasets: [{ name: "no_such_table" }] }),
      directFor(op.id, { datasets: [{ name: "enterprises", columns: { nope: "deny" } }] }),
      directFor(op.id, { datasets: [{ name: "enterprises", columns: { industry: "everything" } }] }),
      // Not a narrowing: `filter` admits predicates that registered_capital's `aggregate` forbids.
      directFor(op.id, { datasets: [{ name: "enterprises", columns: { registered_capital: "filter" } }] }),
      directFor(op.id, { validTo: "2024-01-01T00:00:00Z" }),
      directFor(op.id, { purpose: "marketing" }), // not an approved purpose
      directFor("ope_nope"),
      directFor(op.id, { datasets: [] }),
    ];
    for (const body of cases) {
      const res = await gw.bureau.post("/v1/licenses", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("answers 409 for a duplicate id or a suspended operator", async () => {
    const first = directFor(op.id);
    expect((await gw.bureau.post("/v1/licenses", first)).status).toBe(201);
    expect((await gw.bureau.post("/v1/licenses", first)).status).toBe(409);
    const other = await gw.admitOperator();
    await gw.bureau.post(`/v1/operators/${other.id}/suspend`, { reason: "review" });
    expect((await gw.bureau.post("/v1/licenses", directFor(other.id))).status).toBe(409);
  });

  it("is open to the bureau only and grants nothing when the audit log fails", async () => {
    expect((await op.client.post("/v1/licenses", licenseFor(op.id))).status).toBe(403);
    expect((await gw.auditor.post("/v1/licenses", licenseFor(op.id))).status).toBe(403);
    const body = directFor(op.id);
    gw.audit.failing = true;
    try {
      expect((await gw.bureau.post("/v1/licenses", body)).status).toBe(500);
    } finally {
      gw.audit.failing = false;
    }
    expect((await gw.bureau.get(`/v1/licenses/${body.id}`)).status).toBe(404);
  });
});

describe("GET /v1/licenses", () => {
  it("shows an operator its own licenses only, with ε spent and left this period", async () => {
    const mine = (await grantedThroughApplication()).id;
    const period = budgetPeriodKey("month", new Date());
    const ledger = new ControlPlaneBudgetLedger(gw.controlPlane);
    const spend = (queryKey: string, period: string, epsilon: number) =>
      ledger.charge({
        licenseId: mine,
        queryKey,
        charges: [{ dataset: "population", period, epsilon, limit: 100 }],
      });
    await spend("q1", period, 0.5);
    await spend("q2", period, 1.25);
    await spend("q0", "month:2000-01", 9);
    const list = await op.client.get<{ licenses: View[] }>(`/v1/licenses?operator=${gw.demoOperatorId}`);
    expect(list.status).toBe(200);
    expect(list.body.licenses.every((l) => l.license.operator === op.id)).toBe(true);
    const view = list.body.licenses.find((l) => l.license.id === mine)!;
    expect(view.budget).toEqual([{ dataset: "population", period, total: 10, spent: 1.75, left: 8.25 }]);
    const one = await op.client.get<View>(`/v1/licenses/${mine}`);
    expect(one.body.budget[0]).toMatchObject({ spent: 1.75, left: 8.25 });
  });

  it("answers 404, not 403, for another operator's license", async () => {
    const res = await op.client.get("/v1/licenses/lic_demo_urban_analytics");
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: "NOT_FOUND" });
    expect((await gw.operator.get("/v1/licenses/lic_demo_urban_analytics")).status).toBe(200);
    expect((await gw.bureau.get("/v1/licenses/lic_nope")).status).toBe(404);
  });

  it("shows the bureau and auditors every license, filterable by operator and status", async () => {
    for (const client of [gw.bureau, gw.auditor]) {
      const all = await client.get<{ licenses: View[] }>("/v1/licenses");
      const owners = new Set(all.body.licenses.map((l) => l.license.operator));
      expect(owners.has(op.id) && owners.has(gw.demoOperatorId)).toBe(true);
    }
    const demo = await gw.bureau.get<{ licenses: View[] }>(`/v1/licenses?operator=${gw.demoOperatorId}`);
    expect(demo.body.licenses.map((l) => l.license.id)).toEqual(["lic_demo_urban_analytics"]);
    expect((await gw.bureau.get("/v1/licenses?status=dormant")).status).toBe(400);
    expect((await gw.anonymous.get("/v1/licenses")).status).toBe(401);
  });
});

describe("PUT /v1/licenses/{id} (amend)", () => {
  it("replaces the document under the same id and records before and after", async () => {
    const granted = await grantedThroughApplication();
    const amended = { ...granted, datasets: [{ name: "air_quality" }], quotas: { jobsPerDay: 5 } };
    const res = await gw.bureau.put<View>(`/v1/licenses/${granted.id}`, amended);
    expect(res.status).toBe(200);
    expect(res.body.license.datasets.map((d) => d.name)).toEqual(["air_quality"]);
    const event = gw.audit.ofType("license.updated").at(-1)!;
    expect(event.data).toMatchObject({
      action: "amend",
      before: { datasets: [{ name: "population" }, { name: "enterprises" }] },
      after: { datasets: [{ name: "air_quality" }], quotas: { jobsPerDay: 5 } },
    });
    expect(event.subject.datasets).toEqual(["population", "enterprises", "air_quality"]);
  });

  it("refuses a different id or operator (400), a grade-3 dataset without ε (400), unknown ids (404)", async () => {
    const granted = await grantedThroughApplication();
    expect((await gw.bureau.put(`/v1/licenses/${granted.id}`, { ...granted, id: "lic_other" })).status).toBe(
      400,
    );
    expect(
      (await gw.bureau.put(`/v1/licenses/${granted.id}`, { ...granted, operator: gw.demoOperatorId })).status,
    ).toBe(400);
    expect(
      (
        await gw.bureau.put(`/v1/licenses/${granted.id}`, {
          ...granted,
          datasets: [{ name: "medical_visits" }],
        })
      ).status,
    ).toBe(400);
    expect((await gw.bureau.put("/v1/licenses/lic_nope", { ...granted, id: "lic_nope" })).status).toBe(404);
    expect((await op.client.put(`/v1/licenses/${granted.id}`, granted)).status).toBe(403);
  });
});

describe("license status changes", () => {
  it("suspension makes the license unusable for jobs; reinstatement restores it", async () => {
    const granted = directFor(op.id);
    await gw.bureau.post("/v1/licenses", granted);
    const res = await gw.bureau.post<View>(`/v1/licenses/${granted.id}/suspend`, { reason: "complaint" });
    expect(res.body).toMatchObject({ status: "suspended", statusReason: "complaint" });
    const record = await findLicense(gw.controlPlane, granted.id);
    expect(() => assertLicenseUsable(record, { operatorId: op.id, now: new Date() })).toThrow(/suspended/);
    expect((await gw.bureau.post(`/v1/licenses/${granted.id}/suspend`, { reason: "x" })).status).toBe(409);
    const back = await gw.bureau.post<View>(`/v1/licenses/${granted.id}/reinstate`, { reason: "resolved" });
    expect(back.body.status).toBe("active");
    expect(gw.audit.ofType("license.reinstated").at(-1)).toMatchObject({
      data: { before: { status: "suspended" }, after: { status: "active" } },
    });
  });

  it("revoked and expired are final", async () => {
    for (const action of ["revoke", "expire"] as const) {
      const granted = directFor(op.id);
      await gw.bureau.post("/v1/licenses", granted);
      const res = await gw.bureau.post<View>(`/v1/licenses/${granted.id}/${action}`, { reason: "end" });
      expect(res.body.status).toBe(action === "revoke" ? "revoked" : "expired");
      expect((await gw.bureau.post(`/v1/licenses/${granted.id}/reinstate`, { reason: "x" })).status).toBe(
        409,
      );
      expect((await gw.bureau.put(`/v1/licenses/${granted.id}`, granted)).status).toBe(409);
    }
  });

  it("requires a reason and the bureau role; unknown licenses answer 404", async () => {
    const granted = directFor(op.id);
    await gw.bureau.post("/v1/licenses", granted);
    expect((await gw.bureau.post(`/v1/licenses/${granted.id}/suspend`, {})).status).toBe(400);
    expect((await gw.bureau.post(`/v1/licenses/${granted.id}/pause`, { reason: "x" })).status).toBe(400);
    expect((await gw.bureau.post("/v1/licenses/lic_nope/suspend", { reason: "x" })).status).toBe(404);
    expect((await op.client.post(`/v1/licenses/${granted.id}/suspend`, { reason: "x" })).status).toBe(403);
    expect((await gw.auditor.post(`/v1/licenses/${granted.id}/revoke`, { reason: "x" })).status).toBe(403);
    gw.audit.failing = true;
    try {
      expect((await gw.bureau.post(`/v1/licenses/${granted.id}/suspend`, { reason: "x" })).status).toBe(500);
    } finally {
      gw.audit.failing = false;
    }
    expect((await gw.bureau.get<View>(`/v1/licenses/${granted.id}`)).body.status).toBe("active");
  });
});
