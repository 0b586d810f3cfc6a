import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantLicense } from "../../control/licenses.ts";
import { airQualityCsv } from "../support/data-files.ts";
import { type AdmittedOperator, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;
/** Holds a license on air_quality but subscribes to nothing. */
let licensed: AdmittedOperator;
/** Holds no license. */
let unlicensed: AdmittedOperator;

const AIR = `export default async function main(ctx) {
  const rows = await ctx.sql("SELECT station, avg(pm25) AS pm25 FROM air_quality GROUP BY station ORDER BY station");
  return { by_station: rows };
}`;

beforeAll(async () => {
  gw = await startTestGateway();
  licensed = await gw.admitOperator();
  unlicensed = await gw.admitOperator();
  await grantLicense(gw.controlPlane, {
    id: "lic_second",
    operator: licensed.id,
    purpose: "urban-analytics",
    validFrom: new Date(Date.now() - 3_600_000).toISOString(),
    validTo: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    datasets: [{ name: "air_quality" }],
    quotas: {},
    releaseMode: "auto",
  });
});
afterAll(async () => {
  await gw?.close();
});

interface Revision {
  revision: number;
  change: string;
  rights: string[];
  versionHashes: { version: number; sha256: string }[];
}
interface Registration extends Revision {
  history: Revision[];
}
interface Product {
  id: string;
  version: number;
  job: string;
  scriptSha256: string;
  datasets: string[];
  outputs: string[];
  status: string;
  subscribed?: boolean;
}

async function supplyAirVersion(rows: number): Promise<{ version: number; sha256: string }> {
  const res = await gw.app.request("/v1/datasets/air_quality/versions", {
    method: "POST",
    headers: { "content-type": "text/csv", authorization: `Bearer ${gw.holders.air_quality!.key}` },
    body: airQualityCsv(rows),
  });
  const body = (await res.json()) as { version: number; sha256: string };
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

async function releasedJob(): Promise<{ id: string; scriptSha256: string }> {
  const submitted = await gw.operator.post<{ id: string }>("/v1/jobs", {
    script: AIR,
    license: gw.credentials.operator.license,
  });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  for (let i = 0; i < 30; i++) {
    const res = await gw.operator.get<{ id: string; status: string; scriptSha256: string }>(
      `/v1/jobs/${submitted.body.id}?wait=10`,
    );
    if (!["queued", "running"].includes(res.body.status)) {
      expect(res.body.status).toBe("released");
      return res.body;
    }
  }
  throw new Error("the job did not settle");
}

describe("data-asset registrations over HTTP", () => {
  it("registers a dataset, and its history grows with each new data version", async () => {
    const created = await gw.bureau.post<Registration>("/v1/registrations", {
      dataset: "air_quality",
      rights: ["holding", "processing"],
      note: "municipal register entry 2026-0412",
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ revision: 1, change: "registered", grade: 1 });
    expect(created.body.versionHashes.map((v) => v.version)).toEqual([1]);

    const second = await supplyAirVersion(50);
    const third = await supplyAirVersion(70);
    const read = await gw.operator.get<Registration>("/v1/registrations/air_quality");
    expect(read.status).toBe(200);
    expect(read.body.history.map((r) => [r.revision, r.change, r.versionHashes.length])).toEqual([
      [1, "registered", 1],
      [2, "version_added", 2],
      [3, "version_added", 3],
    ]);
    expect(read.body.versionHashes.slice(1)).toEqual([
      expect.objectContaining({ version: second.version, sha256: second.sha256 }),
      expect.objectContaining({ version: third.version, sha256: third.sha256 }),
    ]);
    expect(gw.audit.ofType("registration.recorded")).toHaveLength(1);

    const amended = await gw.bureau.post<Registration>("/v1/registrations/air_quality", {
      rights: ["holding", "processing", "operating"],
      note: "operating right granted",
    });
    expect(amended.status).toBe(201);
    expect(amended.body.revision).toBe(4);
    const listed = await gw.holders.population!.get<{ registrations: Revision[] }>("/v1/registrations");
    expect(listed.body.registrations.map((r) => r.revision)).toEqual([4]);
  });

  it("refuses registrations from other roles, twice, and with unknown fields", async () => {
    expect(
      (
        await gw.holders.air_quality!.post("/v1/registrations", {
          dataset: "population",
          rights: ["holding"],
        })
      ).status,
    ).toBe(403);
    expect(
      (await gw.operator.post("/v1/registrations", { dataset: "population", rights: ["holding"] })).status,
    ).toBe(403);
    expect(
      (await gw.bureau.post("/v1/registrations", { dataset: "population", rights: ["holding"], grade: 1 }))
        .status,
    ).toBe(400);
    const twice = await gw.bureau.post("/v1/registrations", { dataset: "air_quality", rights: ["holding"] });
    expect(twice.status).toBe(409);
    expect((await gw.operator.get("/v1/registrations/enterprises")).status).toBe(404);
  });
});

describe("data products over HTTP", () => {
  it("makes a product of a released job; a licensed subscriber reads its outputs, others are refused", async () => {
    const job = await releasedJob();
    const created = await gw.bureau.post<Product>("/v1/products", {
      name: "station-pm25",
      job: job.id,
      terms: "For planning use; cite the city data bureau.",
      priceFen: 120_000,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      version: 1,
      job: job.id,
      scriptSha256: job.scriptSha256,
      datasets: ["air_quality"],
      outputs: ["by_station"],
      status: "listed",
    });
    const id = created.body.id;
    expect(
      (await gw.operator.post("/v1/products", { name: "x", job: job.id, terms: "t", priceFen: 1 })).status,
    ).toBe(403);

    const refused = await licensed.client.get(`/v1/products/${id}/outputs/by_station`);
    expect(refused.status).toBe(403);
    expect(String(refused.body.detail)).toContain("subscribe");
    const noLicense = await unlicensed.client.post(`/v1/products/${id}/subscribe`);
    expect(noLicense.status).toBe(403);
    expect(String(noLicense.body.detail)).toContain("license");

    const subscribed = await licensed.client.post<{
      product: string;
      productVersion: number;
      license: string;
    }>(`/v1/products/${id}/subscribe`);
    expect(subscribed.status, JSON.stringify(subscribed.body)).toBe(201);
    expect(subscribed.body).toMatchObject({ product: id, productVersion: 1, license: "lic_second" });

    const own = await gw.operator.get<Record<string, unknown>[]>(`/v1/jobs/${job.id}/outputs/by_station`);
    const rows = await licensed.client.get<Record<string, unknown>[]>(
      `/v1/products/${id}/outputs/by_station`,
    );
    expect(rows.status).toBe(200);
    expect(rows.body).toEqual(own.body);
    const csv = await licensed.client.get<string>(`/v1/products/${id}/outputs/by_station`, {
      accept: "text/csv",
    });
    expect(csv.contentType).toContain("text/csv");
    expect(csv.body.split("\r\n")[0]).toBe("station,pm25");
    expect(gw.audit.ofType("product.output_read").at(-1)).toMatchObject({
      actor: licensed.id,
      data: { product: id, output: "by_station" },
    });
    // The subscriber still cannot read the job itself: only the product's path is open to it.
    expect((await licensed.client.get(`/v1/jobs/${job.id}/outputs/by_station`)).status).toBe(404);
    expect((await gw.holders.air_quality!.get(`/v1/products/${id}/outputs/by_station`)).status).toBe(403);
    expect((await licensed.client.get(`/v1/products/${id}/outputs/nothing`)).status).toBe(404);

    // A freeze of the dataset holds the product's outputs as it holds releases.
    const freeze = await gw.bureau.post<{ freeze: { id: string } }>("/v1/freezes", {
      scope: "dataset",
      target: "air_quality",
      reason: "station feed under review",
    });
    expect(freeze.status).toBe(201);
    const frozen = await licensed.client.get<{ code: string }>(`/v1/products/${id}/outputs/by_station`);
    expect(frozen.status).toBe(423);
    expect(frozen.body.code).toBe("FROZEN");
    const lift = await gw.bureau.post<{ id: string }>(`/v1/freezes/${freeze.body.freeze.id}/lift`, {
      reason: "reviewed",
    });
    expect(
      (await gw.bureau2.post(`/v1/proposals/${lift.body.id}/decision`, { decision: "approve" })).status,
    ).toBe(200);

    const mine = await licensed.client.get<{ products: Product[] }>("/v1/products");
    expect(mine.body.products.find((p) => p.id === id)).toMatchObject({ subscribed: true });
    const delisted = await gw.bureau.post<Product>(`/v1/products/${id}/delist`, { reason: "replaced" });
    expect(delisted.body.status).toBe("delisted");
    expect((await unlicensed.client.get(`/v1/products/${id}`)).status).toBe(404);
    expect((await licensed.client.get(`/v1/products/${id}/outputs/by_station`)).status).toBe(200);
  });

  it("refuses a product of a job that is not released", async () => {
    const res = await gw.bureau.post("/v1/products", {
      name: "nothing",
      job: "job_missing",
      terms: "t",
      priceFen: 0,
    });
    expect(res.status).toBe(404);
    expect(
      (await gw.bureau.post("/v1/products", { name: "Bad Name", job: "x", terms: "t", priceFen: -1 })).status,
    ).toBe(400);
  });

  it("documents the routes in the OpenAPI document", async () => {
    const doc = await gw.anonymous.get<{
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
    }>("/openapi.json");
    for (const path of [
      "/v1/registrations",
      "/v1/registrations/{dataset}",
      "/v1/products",
      "/v1/products/{id}/subscribe",
      "/v1/products/{id}/outputs/{name}",
      "/v1/datasets/{name}/issues",
      "/v1/datasets/{name}/quality",
      "/v1/quality-issues/{id}/answer",
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(path);
      for (const [method, op] of Object.entries(doc.body.paths[path]!)) {
        expect(op.security, `${method} ${path}`).toEqual([{ bearer: [] }]);
        for (const status of ["400", "401", "403", "500"])
          expect(Object.keys(op.responses), `${method} ${path}`).toContain(status);
      }
    }
  });
});
