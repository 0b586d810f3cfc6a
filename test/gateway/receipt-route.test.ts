import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyReceipt } from "../../audit/receipt.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;
let released: string;
let failed: string;

const settle = async (id: string) => {
  for (let i = 0; i < 10; i++) {
    const res = await gw.operator.get<{ status: string }>(`/v1/jobs/${id}?wait=20`);
    if (!["queued", "running"].includes(res.body.status)) return res.body.status;
  }
  throw new Error(`job ${id} did not settle`);
};

beforeAll(async () => {
  gw = await startTestGateway();
  const submit = async (script: string) =>
    (await gw.operator.post<{ id: string }>("/v1/jobs", { script, license: gw.credentials.operator.license }))
      .body.id;
  released = await submit(
    'export default async (ctx) => ({ n: await ctx.sql("SELECT count(*) AS n FROM air_quality") })',
  );
  failed = await submit('export default async () => { throw new Error("boom"); }');
  expect(await settle(released)).toBe("released");
  expect(await settle(failed)).toBe("failed");
});

afterAll(async () => {
  await gw?.close();
});

describe("GET /v1/jobs/{id}/receipt", () => {
  it("gives the receipt to the job's operator, the bureau and auditors; it verifies", async () => {
    const publicKey = (await gw.anonymous.get<string>("/.well-known/aos-domain-key.pem")).body;
    for (const client of [gw.operator, gw.bureau, gw.auditor]) {
      const res = await client.get(`/v1/jobs/${released}/receipt`);
      expect(res.status).toBe(200);
      expect(verifyReceipt(res.body, publicKey)).toMatchObject({ valid: true, payload: { job: released } });
    }
  });

  it("answers 404 saying why for a job that was not released", async () => {
    const res = await gw.auditor.get(`/v1/jobs/${failed}/receipt`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: "NOT_FOUND", detail: expect.stringContaining("is failed") });
  });

  it("refuses holders (403) and hides another operator's job (404); auditors see no other job route", async () => {
    expect((await gw.holders.population!.get(`/v1/jobs/${released}/receipt`)).status).toBe(403);
    const other = await gw.admitOperator();
    const res = await other.client.get(`/v1/jobs/${released}/receipt`);
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain("released");
    expect((await gw.auditor.get(`/v1/jobs/${released}`)).status).toBe(403);
    expect((await gw.auditor.get(`/v1/jobs/${released}/outputs/n`)).status).toBe(403);
  });
});
