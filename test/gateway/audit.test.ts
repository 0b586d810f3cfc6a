import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyReceipt } from "../../audit/receipt.ts";
import { verifyAuditLog } from "../../audit/verify.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

type Job = {
  id: string;
  status: string;
  receipt?: { payload: string; signature: string };
  usage: Record<string, unknown>;
};
type Entry = {
  position: number;
  type: string;
  subjects: Record<string, unknown>;
  data: Record<string, unknown>;
};

let gw: TestGateway;
let released: Job;
let publicKey: string;

const SCRIPT = `export default async function main(ctx) {
  const rows = await ctx.sql("SELECT station, count(*) AS hours, avg(aqi) AS mean_aqi FROM air_quality GROUP BY station ORDER BY station");
  return { aqi: rows };
}`;

async function run(
  script: string,
  client = gw.operator,
  license = gw.credentials.operator.license,
): Promise<Job> {
  const submitted = await client.post<Job>("/v1/jobs", { script, license });
  for (;;) {
    const res = await client.get<Job>(`/v1/jobs/${submitted.body.id}?wait=20`);
    if (!["queued", "running"].includes(res.body.status)) return res.body;
  }
}

beforeAll(async () => {
  gw = await startTestGateway({ seedScale: 0.005 });
  await gw.bureau.put("/v1/tariffs", {
    currency: "CNY",
    perJob: 1,
    perCpuSecond: 2,
    perQuery: 0.5,
    perEpsilon: 10,
    perOutputCell: 0.01,
    perThousandRowsScanned: 0.001,
  });
  released = await run(SCRIPT);
  publicKey = (await gw.auditor.get<{ publicKey: string }>("/v1/audit/public-key")).body.publicKey;
});

afterAll(async () => {
  await gw?.close();
});

describe("release receipts", () => {
  it("come with a released job and verify offline against the downloaded output and the public key", async () => {
    expect(released.status).toBe("released");
    expect(released.receipt).toBeDefined();
    const download = await gw.app.request(`/v1/jobs/${released.id}/outputs/aqi`, {
      headers: { authorization: `Bearer ${gw.credentials.operator.key}` },
    });
    const bytes = new Uint8Array(await download.arrayBuffer());
    const check = verifyReceipt(released.receipt, publicKey, { content: bytes, name: "aqi" });
    expect(check.valid).toBe(true);

    const tampered = new TextEncoder().encode(
      new TextDecoder().decode(bytes).replace(/"hours":\d+/, '"hours":1'),
    );
    expect(verifyReceipt(released.receipt, publicKey, { content: tampered, name: "aqi" }).valid).toBe(false);
    const forged = { ...released.receipt!, payload: `${released.receipt!.payload.slice(0, -2)}AA` };
    expect(verifyReceipt(forged, publicKey).valid).toBe(false);
  });

  it("name the audit position of the release", async () => {
    const payload = JSON.parse(Buffer.from(released.receipt!.payload, "base64url").toString("utf8"));
    const entries = await gw.auditor.get<{ entries: Entry[] }>(
      `/v1/audit?job=${released.id}&type=output.released`,
    );
    expect(entries.body.entries).toHaveLength(1);
    expect(payload.logPosition).toBe(entries.body.entries[0]!.position);
    expect(payload).toMatchObject({
      job: released.id,
      license: gw.credentials.operator.license,
      purpose: "urban-analytics",
    });
  });
});

describe("audit routes", () => {
  it("list a job's whole story, filtered and paged", async () => {
    const all = await gw.auditor.get<{ entries: Entry[] }>(`/v1/audit?job=${released.id}`);
    expect(all.body.entries.map((e) => e.type)).toEqual([
      "job.submitted",
      "job.started",
      "query.checked",
      "job.gate",
      "output.released",
      "job.finished",
      "output.downloaded",
    ]);
    const query = all.body.entries.find((e) => e.type === "query.checked")!;
    expect(query.data.sql).toContain("FROM air_quality");
    const first = await gw.auditor.get<{ entries: Entry[]; next: number }>(
      `/v1/audit?job=${released.id}&limit=2`,
    );
    expect(first.body.entries).toHaveLength(2);
    const second = await gw.auditor.get<{ entries: Entry[] }>(
      `/v1/audit?job=${released.id}&limit=2&after=${first.body.next}`,
    );
    expect(second.body.entries[0]!.type).toBe("query.checked");
    expect((await gw.auditor.get(`/v1/audit?type=job.*&operator=${gw.demoOperatorId}`)).status).toBe(200);
  });

  it("verify the log, and an export verifies offline until someone edits it", async () => {
    const verification = await gw.auditor.get<{ valid: boolean; entries: number }>("/v1/audit/verify");
    expect(verification.body.valid).toBe(true);
    expect(verification.body.entries).toBeGreaterThan(7);
    expect((await gw.auditor.post("/v1/audit/checkpoint")).status).toBe(200);

    const response = await gw.app.request("/v1/audit/export?format=jsonl", {
      headers: { authorization: `Bearer ${gw.credentials.auditor.key}` },
    });
    expect(response.headers.get("content-type")).toContain("application/x-ndjson");
    const exported = { body: await response.text() };
    const file = join(gw.dir, "export.jsonl");
    await writeFile(file, exported.body);
    expect((await verifyAuditLog(file, { publicKey })).valid).toBe(true);

    const lines = exported.body.trimEnd().split("\n");
    lines[3] = lines[3]!.replace('"actor":"', '"actor":"x');
    await writeFile(file, `${lines.join("\n")}\n`);
    const broken = await verifyAuditLog(file, { publicKey });
    expect(broken.valid).toBe(false);
    expect(broken.firstBad?.position).toBe(3);

    const csv = await gw.auditor.get<string>("/v1/audit/export?format=csv&type=job.*");
    expect(csv.body.split("\r\n")[0]).toContain("position");
  });

  it("are for auditors and the bureau; the public key is for everyone", async () => {
    expect((await gw.operator.get("/v1/audit")).status).toBe(403);
    expect((await gw.operator.get("/v1/audit/verify")).status).toBe(403);
    expect((await gw.bureau.get("/v1/audit/verify")).status).toBe(200);
    expect((await gw.operator.get("/v1/audit/public-key")).status).toBe(200);
    expect((await gw.anonymous.get("/v1/audit")).status).toBe(401);
    const open = await gw.anonymous.get<string>("/.well-known/aos-domain-key.pem");
    expect(open.body).toBe(publicKey);
    expect((await gw.auditor.get("/v1/audit?limit=0")).status).toBe(400);
  });
});

describe("usage and metering", () => {
  it("adds up to the sum of the per-job figures, priced under the tariff", async () => {
    await run(`export default async function main(ctx) {
      return { by_district: await ctx.sql("SELECT district, count(*) AS n FROM population GROUP BY district") };
    }`);
    const usage = await gw.bureau.get<{
      lines: Record<string, number | string | null>[];
      totals: Record<string, number>;
    }>("/v1/usage?groupBy=day");
    const jobs = (await gw.bureau.get<{ jobs: Job[] }>("/v1/jobs?limit=500")).body.jobs.filter(
      (j) => j.usage,
    );
    const sum = (key: string) =>
      jobs.reduce((acc, j) => acc + Number((j.usage as Record<string, number>)[key] ?? 0), 0);
    expect(usage.body.totals.jobs).toBe(jobs.length);
    expect(usage.body.totals.queries).toBe(sum("queries"));
    expect(usage.body.totals.rowsScanned).toBe(sum("rowsScanned"));
    // CPU is metered in whole milliseconds: each job's rounded once.
    expect(usage.body.totals.cpuMs).toBe(
      jobs.reduce((acc, j) => acc + Math.round(Number((j.usage as Record<string, number>).cpuMs)), 0),
    );
    expect(usage.body.totals.chargeFen).toBeGreaterThan(0);
    expect(Number.isInteger(usage.body.totals.chargeFen)).toBe(true);
    for (const key of ["queries", "chargeFen", "cpuMs", "rowsScanned"]) {
      const lineSum = usage.body.lines.reduce((acc, l) => acc + Number(l[key]), 0);
      expect(lineSum, key).toBe(usage.body.totals[key]);
    }
    const population = usage.body.lines.find((l) => l.dataset === "population");
    expect(population?.holder).toContain("Public Security Bureau");
    expect(Number(population?.epsilon)).toBeGreaterThan(0);
  });

  it("shows an operator only its own use, and exports CSV", async () => {
    const other = await gw.admitOperator();
    expect((await other.client.get<{ lines: unknown[] }>("/v1/usage")).body.lines).toEqual([]);
    const mine = await gw.operator.get<{ lines: { operator: string }[] }>("/v1/usage");
    expect(new Set(mine.body.lines.map((l) => l.operator))).toEqual(new Set([gw.demoOperatorId]));
    const csv = await gw.operator.get<string>("/v1/usage", { accept: "text/csv" });
    expect(csv.body.split("\r\n")[0]).toContain("chargeFen");
  });
});
