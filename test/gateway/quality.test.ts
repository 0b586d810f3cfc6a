import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { airQualityCsv } from "../support/data-files.ts";
import { type AdmittedOperator, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;
let outsider: AdmittedOperator;

beforeAll(async () => {
  gw = await startTestGateway();
  outsider = await gw.admitOperator();
});
afterAll(async () => {
  await gw?.close();
});

interface Issue {
  id: string;
  status: string;
  fixVersion: number | null;
  reportedVersion: number | null;
  steps: { step: string }[];
}

interface Summary {
  currentVersion: number;
  suppliedAt: string;
  ageHours: number;
  completeness: Record<string, unknown>[];
  issues: { open: number; opened: number; resolved: number; rejected: number };
}

/** Supplies a data version through the API, as `aos dataset push` does. */
async function supplyAirVersion(rows: number): Promise<number> {
  const res = await gw.app.request("/v1/datasets/air_quality/versions", {
    method: "POST",
    headers: { "content-type": "text/csv", authorization: `Bearer ${gw.holders.air_quality!.key}` },
    body: airQualityCsv(rows),
  });
  const body = (await res.json()) as { version: number };
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.version;
}

const openIssues = async (dataset: string) =>
  (
    await gw.operator.get<{ datasets: { name: string; openQualityIssues: number }[] }>("/v1/datasets")
  ).body.datasets.find((d) => d.name === dataset)!.openQualityIssues;

describe("data quality over HTTP", () => {
  it("report → holder accepts → fix linked to a new data version → resolved, and the catalog shows it", async () => {
    const reported = await gw.operator.post<Issue>("/v1/datasets/air_quality/issues", {
      column: "pm25",
      category: "wrong_values",
      summary: "PM2.5 readings at one station are ten times the neighbours'",
      exampleQuery: "SELECT station, avg(pm25) AS mean_pm25 FROM air_quality GROUP BY station",
    });
    expect(reported.status, JSON.stringify(reported.body)).toBe(201);
    const id = reported.body.id;
    expect(reported.body).toMatchObject({ status: "open", reportedVersion: 1 });
    expect(await openIssues("air_quality")).toBe(1);
    expect(gw.audit.ofType("quality_issue.reported").at(-1)).toMatchObject({
      subject: { datasets: ["air_quality"] },
      data: { issue: id, exampleQuery: true },
    });
    const holderInbox = await gw.holders.air_quality!.get<{ notifications: { kind: string }[] }>("/v1/inbox");
    expect(holderInbox.body.notifications.map((n) => n.kind)).toContain("quality_issue.reported");

    const holderView = await gw.holders.air_quality!.get<{ issues: Issue[] }>(
      "/v1/datasets/air_quality/issues",
    );
    expect(holderView.body.issues.map((i) => i.id)).toContain(id);

    const accepted = await gw.holders.air_quality!.post<Issue>(`/v1/quality-issues/${id}/answer`, {
      decision: "accepted",
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.status).toBe("accepted");

    const version = await supplyAirVersion(60);
    const resolved = await gw.holders.air_quality!.post<Issue>(`/v1/quality-issues/${id}/resolve`, {
      version,
    });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect(resolved.body).toMatchObject({ status: "resolved", fixVersion: version });
    const operatorInbox = await gw.operator.get<{ notifications: { kind: string; message: string }[] }>(
      "/v1/inbox",
    );
    expect(operatorInbox.body.notifications[0]).toMatchObject({ kind: "quality_issue.answered" });
    expect(operatorInbox.body.notifications[0]!.message).toContain(`resolved by data version ${version}`);

    expect(await openIssues("air_quality")).toBe(0);
    const summary = await gw.auditor.get<Summary>("/v1/datasets/air_quality/quality");
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({
      currentVersion: version,
      ageHours: 0,
      issues: { open: 0, opened: 1, resolved: 1, rejected: 0 },
    });
    expect(summary.body.completeness.find((c) => c.column === "pm25")).toEqual({
      column: "pm25",
      completeness: 1,
    });

    const confirmed = await gw.operator.post<Issue>(`/v1/quality-issues/${id}/confirm`, {});
    expect(confirmed.body.steps.map((s) => s.step)).toEqual([
      "reported",
      "accepted",
      "resolved",
      "confirmed",
    ]);
  });

  it("summarises a grade-3 dataset with completeness shares only, never values", async () => {
    const res = await gw.operator.get<Summary>("/v1/datasets/population/quality");
    expect(res.status).toBe(200);
    expect(res.body.completeness.length).toBeGreaterThan(3);
    for (const column of res.body.completeness) {
      expect(Object.keys(column).sort()).toEqual(["column", "completeness"]);
      expect(column.completeness).toBeGreaterThanOrEqual(0);
      expect(column.completeness).toBeLessThanOrEqual(1);
    }
    expect((await gw.operator.get("/v1/datasets/nowhere/quality")).status).toBe(404);
  });

  it("refuses a report that carries rows, an example query that is not a SELECT over the dataset, and a wrong role", async () => {
    const rows = await gw.operator.post("/v1/datasets/air_quality/issues", {
      category: "wrong_values",
      summary: "these rows are wrong",
      rows: [{ station: "S01", pm25: 987.6 }],
    });
    expect(rows.status).toBe(400);
    expect(rows.contentType).toContain("application/problem+json");
    expect(rows.body).toMatchObject({ code: "BAD_REQUEST" });
    expect(String(rows.body.detail)).toContain("rows (not accepted)");
    expect(String(rows.body.detail)).toContain("no rows");
    expect(String(rows.body.detail)).not.toContain("987.6");

    const drop = await gw.operator.post("/v1/datasets/air_quality/issues", {
      category: "other",
      summary: "x",
      exampleQuery: "DROP TABLE air_quality",
    });
    expect(drop.status).toBe(422);
    expect(drop.body).toMatchObject({ code: "SQL_NOT_ALLOWED" });
    const otherTable = await gw.operator.post("/v1/datasets/air_quality/issues", {
      category: "other",
      summary: "x",
      exampleQuery: "SELECT count(*) FROM enterprises",
    });
    expect(otherTable.body).toMatchObject({ code: "SQL_NOT_ALLOWED" });

    const unlicensed = await outsider.client.post("/v1/datasets/air_quality/issues", {
      category: "stale",
      summary: "old",
    });
    expect(unlicensed.status).toBe(403);
    expect(String(unlicensed.body.detail)).toContain("license");
    expect(
      (await gw.bureau.post("/v1/datasets/air_quality/issues", { category: "stale", summary: "x" })).status,
    ).toBe(403);
    expect(
      (await gw.anonymous.post("/v1/datasets/air_quality/issues", { category: "stale", summary: "x" }))
        .status,
    ).toBe(401);
  });

  it("refuses a holder of another department and strangers to the issue", async () => {
    const reported = await gw.operator.post<Issue>("/v1/datasets/air_quality/issues", {
      category: "stale",
      summary: "no readings this week",
    });
    const id = reported.body.id;
    const other = await gw.holders.population!.post(`/v1/quality-issues/${id}/answer`, {
      decision: "accepted",
    });
    expect(other.status).toBe(404);
    expect((await gw.holders.population!.get(`/v1/quality-issues/${id}`)).status).toBe(404);
    expect((await gw.holders.population!.get("/v1/datasets/air_quality/issues")).status).toBe(404);
    expect((await gw.operator.post(`/v1/quality-issues/${id}/answer`, { decision: "accepted" })).status).toBe(
      403,
    );
    expect((await outsider.client.get(`/v1/quality-issues/${id}`)).status).toBe(404);
    expect((await outsider.client.post(`/v1/quality-issues/${id}/reopen`, {})).status).toBe(404);
    const rejected = await gw.holders.air_quality!.post<Issue>(`/v1/quality-issues/${id}/answer`, {
      decision: "rejected",
      reason: "weekly supply is due on Monday",
    });
    expect(rejected.body.status).toBe("rejected");
    expect(
      (await gw.operator.post<Issue>(`/v1/quality-issues/${id}/reopen`, { reason: "now late" })).body.status,
    ).toBe("open");
    expect(
      (await gw.holders.air_quality!.post(`/v1/quality-issues/${id}/answer`, { decision: "rejected" }))
        .status,
    ).toBe(400);
    expect(
      (
        await gw.bureau.get<{ issues: Issue[] }>("/v1/datasets/air_quality/issues?status=open")
      ).body.issues.map((i) => i.id),
    ).toEqual([id]);
  });
});
