import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    // Tables the bureau has loaded into the domain but not yet registered in the catalog.
    domainSetup: [
      "CREATE TABLE bus_ridership (stop VARCHAR, month DATE, boardings INTEGER)",
      "INSERT INTO bus_ridership VALUES ('Xinhua Square', DATE '2025-01-01', 1200)",
      "CREATE TABLE parking (lot VARCHAR, spaces BIGINT)",
    ],
  });
});
afterAll(async () => {
  await gw?.close();
});

const demo = (name: string): DatasetManifest => structuredClone(DEMO_MANIFESTS.find((m) => m.name === name)!);
const withRule = (m: DatasetManifest, column: string, rule: string) => ({
  ...m,
  columns: m.columns.map((c) => (c.name === column ? { ...c, rule } : c)),
});

type Version = {
  dataset: string;
  version: number;
  author: string;
  note: string | null;
  manifest: DatasetManifest;
};
type Change = { kind: string; path: string; column?: string; before?: unknown; after?: unknown };

const busRidership = {
  name: "bus_ridership",
  title: "公交客流 (bus ridership)",
  description: "Monthly boardings per bus stop. Open data.",
  holder: { department: "呼和浩特市交通运输局 (Transport Bureau)" },
  grade: 1,
  updateFrequency: "monthly",
  privacyUnit: null,
  columns: [
    { name: "stop", type: "VARCHAR", meaning: "Bus stop.", rule: "plain" },
    { name: "month", type: "DATE", meaning: "First day of the month.", rule: "plain" },
    { name: "boardings", type: "INTEGER", meaning: "Boardings in the month.", rule: "plain" },
  ],
};

describe("PUT /v1/datasets/{name}/policy", () => {
  it("publishes a tightened policy as a new version; the old version stays and the diff names the rule", async () => {
    const res = await gw.bureau.put<Version>(
      "/v1/datasets/population/policy?note=education%20no%20longer%20a%20dimension",
      withRule(demo("population"), "education", "filter"),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      dataset: "population",
      version: 2,
      note: "education no longer a dimension",
    });

    const catalog = await gw.operator.get<{ policyVersion: number }>("/v1/datasets/population");
    expect(catalog.body.policyVersion).toBe(2);
    const v1 = await gw.auditor.get<Version>("/v1/datasets/population/policy/versions/1");
    expect(v1.body.manifest.columns.find((c) => c.name === "education")!.rule).toBe("group");

    const versions = await gw.auditor.get<{ versions: Omit<Version, "manifest">[] }>(
      "/v1/datasets/population/policy/versions",
    );
    expect(versions.body.versions.map((v) => [v.version, v.author])).toEqual([
      [1, "seed"],
      [2, res.body.author],
    ]);
    expect(res.body.author).toMatch(/^bur_/);

    const diff = await gw.bureau.get<{ changes: Change[] }>(
      "/v1/datasets/population/policy/versions/2/diff?against=1",
    );
    expect(diff.status).toBe(200);
    expect(diff.body.changes).toEqual([
      {
        kind: "changed",
        path: "columns.education.rule",
        column: "education",
        before: "group",
        after: "filter",
      },
    ]);
    const event = gw.audit.ofType("policy.published").at(-1)!;
    expect(event.subject.datasets).toEqual(["population"]);
    expect(event.data).toMatchObject({ version: 2, previousVersion: 1, changes: diff.body.changes });
  });

  it("diffs dataset fields, added and removed columns both ways", async () => {
    const base = demo("enterprises");
    const changed = { ...base, title: "企业登记 (registrations, revised)", minGroupSize: 25 };
    expect((await gw.bureau.put("/v1/datasets/enterprises/policy", changed)).status).toBe(201);
    const diff = await gw.bureau.get<{ changes: Change[] }>(
      "/v1/datasets/enterprises/policy/versions/1/diff?against=2",
    );
    expect(diff.body.changes).toEqual([
      { kind: "removed", path: "minGroupSize", before: 25 },
      { kind: "changed", path: "title", before: changed.title, after: base.title },
    ]);
  });

  it("refuses a manifest identical to the current version with 409", async () => {
    const res = await gw.bureau.put("/v1/datasets/air_quality/policy", demo("air_quality"));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: "CONFLICT" });
  });

  it("refuses invalid manifests with 400: looser than the grade floor, wrong name, bad shape", async () => {
    const cases: [string, unknown][] = [
      ["population", withRule(demo("population"), "annual_income", "plain")],
      ["population", withRule(demo("population"), "id_number", "group")],
      ["population", { ...demo("population"), name: "enterprises" }],
      ["population", { ...demo("population"), grade: 7 }],
      ["population", { ...demo("population"), columns: [] }],
    ];
    for (const [name, body] of cases) {
      const res = await gw.bureau.put(`/v1/datasets/${name}/policy`, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
  });

  it("registers a new dataset when its table exists with exactly the declared columns, with two officers", async () => {
    // A registration makes data usable that no policy admitted: it is a proposal.
    const res = await gw.bureau.put<{ id: string; status: string; diff: { loosens: boolean } }>(
      "/v1/datasets/bus_ridership/policy",
      busRidership,
    );
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: "pending", diff: { loosens: true } });
    expect((await gw.bureau.get("/v1/datasets/bus_ridership/policy/versions")).status).toBe(404);
    const approved = await gw.bureau2.post<{ appliedVersion: number }>(
      `/v1/proposals/${res.body.id}/decision`,
      {
        decision: "approve",
      },
    );
    expect(approved.status).toBe(200);
    expect(approved.body.appliedVersion).toBe(1);
    const list = await gw.operator.get<{ datasets: { name: string }[] }>("/v1/datasets");
    expect(list.body.datasets.map((d) => d.name)).toContain("bus_ridership");
    expect(gw.audit.ofType("manifest.published").at(-1)).toMatchObject({
      subject: { datasets: ["bus_ridership"] },
    });
  });

  it("refuses a registration whose table is missing or differs from the manifest", async () => {
    const parking = {
      ...busRidership,
      name: "parking",
      columns: [
        { name: "lot", type: "VARCHAR", meaning: "Car park.", rule: "plain" },
        { name: "spaces", type: "INTEGER", meaning: "Spaces.", rule: "plain" },
      ],
    };
    const wrongType = await gw.bureau.put("/v1/datasets/parking/policy", parking);
    expect(wrongType.status).toBe(400);
    expect(String(wrongType.body.detail)).toContain("spaces is BIGINT");
    const missingColumn = await gw.bureau.put("/v1/datasets/parking/policy", {
      ...parking,
      columns: [parking.columns[0]],
    });
    expect(String(missingColumn.body.detail)).toContain("table column spaces is not declared");
    const noTable = await gw.bureau.put("/v1/datasets/ghosts/policy", { ...busRidership, name: "ghosts" });
    expect(noTable.status).toBe(400);
    expect(String(noTable.body.detail)).toContain("no table ghosts");
    expect((await gw.bureau.get("/v1/datasets/parking/policy/versions")).status).toBe(404);
  });

  it("is open to the bureau only", async () => {
    const body = withRule(demo("population"), "gender", "filter");
    expect((await gw.operator.put("/v1/datasets/population/policy", body)).status).toBe(403);
    expect((await gw.auditor.put("/v1/datasets/population/policy", body)).status).toBe(403);
    expect((await gw.anonymous.put("/v1/datasets/population/policy", body)).status).toBe(401);
  });

  it("publishes nothing when the audit log cannot record it (fail-closed)", async () => {
    gw.audit.failing = true;
    try {
      const res = await gw.bureau.put(
        "/v1/datasets/air_quality/policy",
        withRule(demo("air_quality"), "aqi", "group"),
      );
      expect(res.status).toBe(500);
    } finally {
      gw.audit.failing = false;
    }
    const versions = await gw.bureau.get<{ versions: unknown[] }>("/v1/datasets/air_quality/policy/versions");
    expect(versions.body.versions).toHaveLength(1);
  });
});

describe("policy history reads", () => {
  it("answers 404 for unknown datasets and versions, 400 for malformed ones", async () => {
    expect((await gw.bureau.get("/v1/datasets/nope/policy/versions")).status).toBe(404);
    expect((await gw.bureau.get("/v1/datasets/population/policy/versions/99")).status).toBe(404);
    expect((await gw.bureau.get("/v1/datasets/population/policy/versions/1/diff?against=99")).status).toBe(
      404,
    );
    expect((await gw.bureau.get("/v1/datasets/population/policy/versions/zero")).status).toBe(400);
    expect((await gw.bureau.get("/v1/datasets/population/policy/versions/1/diff")).status).toBe(400);
  });

  it("is closed to operators, who read the policy in force from the catalog", async () => {
    expect((await gw.operator.get("/v1/datasets/population/policy/versions")).status).toBe(403);
    expect((await gw.operator.get("/v1/datasets/population/policy/versions/1")).status).toBe(403);
    expect((await gw.operator.get("/v1/datasets/population/policy/versions/1/diff?against=1")).status).toBe(
      403,
    );
  });
});
