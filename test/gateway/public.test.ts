import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newApp } from "../../gateway/app.ts";
import { AddressLimiter } from "../../gateway/auth.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import { type Answer, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

type OpenDataset = { name: string; dataVersion: number; columns: { name: string }[]; withheld: string[] };
type Page = {
  dataset: string;
  dataVersion: number;
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  next: string | null;
};
type Problem = { code: string; detail: string };

const anonymous = () => gw.as(undefined);
const AIR_COLUMNS = DEMO_MANIFESTS.find((m) => m.name === "air_quality")!.columns.map((c) => c.name);

async function airRows(): Promise<number> {
  return (await gw.dataDomain.tableRowCounts()).get("air_quality")!;
}

async function openReads() {
  return gw.controlPlane.query<{ dataset: string; rows: number; client: string }>(
    "SELECT dataset, rows, client FROM open_data_reads ORDER BY id",
  );
}

describe("open data: grade-1 datasets without a key", () => {
  it("lists only the grade-1 datasets, with their served columns", async () => {
    const res = await anonymous().get<{ datasets: OpenDataset[] }>("/v1/public/datasets");
    expect(res.status).toBe(200);
    expect(res.body.datasets.map((d) => d.name)).toEqual(["air_quality"]);
    expect(res.body.datasets[0]!.columns.map((c) => c.name)).toEqual(AIR_COLUMNS);
    expect(res.body.datasets[0]!.withheld).toEqual([]);
  });

  it("pages through every row with the cursor, each page audited (actor public) and metered", async () => {
    const before = (await openReads()).length;
    const seen: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/v1/public/datasets/air_quality/rows?limit=5000${cursor ? `&cursor=${cursor}` : ""}`;
      const res: Answer<Page> = await anonymous().get<Page>(path);
      expect(res.status).toBe(200);
      expect(res.body.columns.map((c) => c.name)).toEqual(AIR_COLUMNS);
      seen.push(...res.body.rows);
      cursor = res.body.next;
      pages++;
    } while (cursor);
    expect(seen).toHaveLength(await airRows());
    expect(Object.keys(seen[0]!)).toEqual(AIR_COLUMNS);
    // The pages do not overlap: every (station, hour) once.
    expect(new Set(seen.map((r) => `${r.station}|${r.hour}`)).size).toBe(seen.length);

    const metered = (await openReads()).slice(before);
    expect(metered).toHaveLength(pages);
    expect(metered.reduce((n, r) => n + Number(r.rows), 0)).toBe(seen.length);
    // The meter keeps a digest of the address, not the address.
    expect(metered.every((r) => /^[0-9a-f]{16}$/.test(r.client))).toBe(true);
    const audited = await gw.auditor.get<{ entries: { actor: string; data: { rows: number } }[] }>(
      "/v1/audit?type=open_data.read&limit=1000",
    );
    expect(audited.body.entries.length).toBeGreaterThanOrEqual(pages);
    expect(audited.body.entries.every((e) => e.actor === "public")).toBe(true);
  });

  it("serves CSV with the next page's cursor in a header", async () => {
    const res = await anonymous().get<string>("/v1/public/datasets/air_quality/rows?limit=3", {
      accept: "text/csv",
    });
    expect(res.status).toBe(200);
    expect(res.contentType).toContain("text/csv");
    const lines = res.body.trim().split("\r\n");
    expect(lines[0]).toBe(AIR_COLUMNS.join(","));
    expect(lines).toHaveLength(4);
    const next = res.headers.get("x-next-cursor");
    expect(next).toBeTruthy();
    const following = await anonymous().get<Page>(
      `/v1/public/datasets/air_quality/rows?limit=3&cursor=${next}`,
    );
    expect(following.body.rows).toHaveLength(3);
  });

  it("refuses grade 2, 3 and 4 data with a message that says how to get it, and unknown names and forged cursors", async () => {
    for (const name of ["enterprises", "electricity_usage", "population", "medical_visits"]) {
      const res = await anonymous().get<Problem>(`/v1/public/datasets/${name}/rows`);
      expect(res.status, name).toBe(403);
      expect(res.body.code).toBe("FORBIDDEN");
      expect(res.body.detail).toMatch(/not open data: apply for a license/);
    }
    expect((await anonymous().get(`/v1/public/datasets/nothing_here/rows`)).status).toBe(404);
    const forged = await anonymous().get<Problem>(
      `/v1/public/datasets/air_quality/rows?cursor=${Buffer.from('{"v":1,"r":"1 OR 1=1"}').toString("base64url")}`,
    );
    expect(forged.status).toBe(400);
    expect(forged.body.detail).toMatch(/cursor is not one this endpoint handed out/);
  });

  it("withholds a column the bureau tightened below plain, and a freeze stops open reads", async () => {
    const tightened: DatasetManifest = structuredClone(DEMO_MANIFESTS.find((m) => m.name === "air_quality")!);
    tightened.columns = tightened.columns.map((c) => (c.name === "station" ? { ...c, rule: "group" } : c));
    const published = await gw.bureau.put(
      "/v1/datasets/air_quality/policy?note=stations%20grouped",
      tightened,
    );
    expect(published.status).toBe(201);

    const listed = await anonymous().get<{ datasets: OpenDataset[] }>("/v1/public/datasets");
    expect(listed.body.datasets[0]!.withheld).toEqual(["station"]);
    const page = await anonymous().get<Page>("/v1/public/datasets/air_quality/rows?limit=2");
    expect(page.body.columns.map((c) => c.name)).not.toContain("station");
    expect(Object.keys(page.body.rows[0]!)).not.toContain("station");

    const freeze = await gw.bureau.post<{ freeze: { id: string } }>("/v1/freezes", {
      scope: "dataset",
      target: "air_quality",
      reason: "checking the station feed",
    });
    expect(freeze.status).toBe(201);
    const frozen = await anonymous().get<Problem>("/v1/public/datasets/air_quality/rows");
    expect(frozen.status).toBe(423);
    expect(frozen.body.code).toBe("FROZEN");
    const lift = await gw.bureau.post<{ id: string }>(`/v1/freezes/${freeze.body.freeze.id}/lift`, {
      reason: "feed checked",
    });
    expect(
      (await gw.bureau2.post(`/v1/proposals/${lift.body.id}/decision`, { decision: "approve" })).status,
    ).toBe(200);
    expect((await anonymous().get("/v1/public/datasets/air_quality/rows?limit=1")).status).toBe(200);
  });

  it("limits requests per address: 429 with Retry-After once the window's allowance is spent", async () => {
    const app = newApp({
      ...gw.services,
      publicLimiter: new AddressLimiter({ events: 2, windowMs: 60_000 }),
    });
    expect((await app.request("/v1/public/datasets")).status).toBe(200);
    expect((await app.request("/v1/public/licenses")).status).toBe(200);
    const refused = await app.request("/v1/public/datasets");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as Problem).code).toBe("RATE_LIMITED");
  });
});

describe("the public register", () => {
  it("lists granted licenses by organisation, purpose, datasets and window, with no key or secret", async () => {
    const res = await anonymous().get<{ licenses: Record<string, unknown>[] }>("/v1/public/licenses");
    expect(res.status).toBe(200);
    const demo = res.body.licenses.find((l) => l.license === gw.credentials.operator.license)!;
    expect(demo).toMatchObject({ status: "active" });
    expect(Object.keys(demo).sort()).toEqual(
      ["datasets", "license", "operator", "purpose", "status", "validFrom", "validTo"].sort(),
    );
    expect(demo.datasets).toContain("population");
    expect(JSON.stringify(res.body)).not.toMatch(/aos_[0-9a-f]{12}_/);
  });

  it("counts each dataset's jobs, operators and open reads for a month", async () => {
    const submitted = await gw.operator.post<{ id: string }>("/v1/jobs", {
      license: gw.credentials.operator.license,
      script: `export default async function main(ctx) {
        return { n: await ctx.sql("SELECT count(*) AS n FROM enterprises") };
      }`,
    });
    expect(submitted.status).toBe(202);
    const done = await gw.operator.get<{ status: string }>(`/v1/jobs/${submitted.body.id}?wait=30`);
    expect(done.body.status).toBe("released");

    const month = new Date().toISOString().slice(0, 7);
    const res = await anonymous().get<{
      month: string;
      datasets: { dataset: string; jobs: number; operators: number; openReads: number; openRows: number }[];
    }>(`/v1/public/usage?month=${month}`);
    expect(res.status).toBe(200);
    const of = (name: string) => res.body.datasets.find((d) => d.dataset === name)!;
    expect(of("enterprises")).toMatchObject({ jobs: 1, operators: 1, openReads: 0 });
    expect(of("air_quality").openReads).toBeGreaterThan(0);
    expect(of("air_quality").openRows).toBeGreaterThanOrEqual(await airRows());
    expect((await anonymous().get(`/v1/public/usage?month=2026-13`)).status).toBe(400);
  });

  it("answers every other /v1 route without a key with 401, as before", async () => {
    expect((await anonymous().get("/v1/datasets")).status).toBe(401);
    expect((await anonymous().get("/v1/publicity")).status).toBe(401);
  });
});

describe("on a PostgreSQL control plane", () => {
  let pg: TestGateway;
  beforeAll(async () => {
    pg = await startTestGateway({ store: "postgres" });
  });
  afterAll(async () => {
    await pg?.close();
  });

  it("meters open reads and counts them in the month's statistics and register the same way", async () => {
    const page = await pg.as(undefined).get<Page>("/v1/public/datasets/air_quality/rows?limit=7");
    expect(page.status).toBe(200);
    expect(page.body.rows).toHaveLength(7);
    const month = new Date().toISOString().slice(0, 7);
    const usage = await pg
      .as(undefined)
      .get<{ datasets: { dataset: string; openReads: number; openRows: number }[] }>(
        `/v1/public/usage?month=${month}`,
      );
    expect(usage.body.datasets.find((d) => d.dataset === "air_quality")).toMatchObject({
      openReads: 1,
      openRows: 7,
    });
    const register = await pg.as(undefined).get<{ licenses: { license: string }[] }>("/v1/public/licenses");
    expect(register.body.licenses.map((l) => l.license)).toContain(pg.credentials.operator.license);
  });
});
