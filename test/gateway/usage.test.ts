import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
  // Two jobs that each read two datasets held by two departments.
  for (let i = 0; i < 2; i++) {
    const job = await gw.operator.post<{ id: string }>("/v1/jobs", {
      script: `export default async function main(ctx) {
        const a = await ctx.sql("SELECT district, count(*) AS n FROM population WHERE district <> 'usage-${i}' GROUP BY district");
        const b = await ctx.sql("SELECT station, avg(pm25) AS pm25 FROM air_quality WHERE station <> 'usage-${i}' GROUP BY station");
        return { a, b };
      }`,
      license: gw.credentials.operator.license,
    });
    expect((await settle(gw.operator, job.body.id)).status).toBe("released");
  }
});

afterAll(async () => {
  await gw?.close();
});

async function settle(client: Client, id: string): Promise<{ status: string }> {
  for (let i = 0; i < 20; i++) {
    const res = await client.get<{ status: string }>(`/v1/jobs/${id}?wait=20`);
    if (!["queued", "running"].includes(res.body.status)) return res.body;
  }
  throw new Error(`job ${id} did not settle`);
}

interface Figures {
  jobs: number;
  sharePpm: number;
  chargeFen: number;
}
interface Usage {
  lines: (Figures & { period: string; operator: string; dataset: string | null; holder: string | null })[];
  periods: (Figures & { period: string })[];
  totals: Figures;
}

describe("usage counts whole jobs", () => {
  it("per period, each job once however many datasets it read, for every role that reads usage", async () => {
    const month = new Date().toISOString().slice(0, 7);
    for (const client of [
      gw.bureau,
      gw.auditor,
      gw.operator,
      gw.holders.population!,
      gw.holders.air_quality!,
    ]) {
      const usage = (await client.get<Usage>("/v1/usage")).body;
      // What a chart over time draws: two jobs this month, not the sum of the shares of the lines
      // a holder sees (half of each job is another department's).
      expect(usage.periods).toEqual([expect.objectContaining({ period: month, jobs: 2 })]);
      expect(usage.totals.jobs).toBe(2);
      for (const figures of [...usage.lines, ...usage.periods, usage.totals])
        expect(Number.isInteger(figures.jobs)).toBe(true);
      // A period's charge is its lines' charges.
      expect(usage.periods[0]!.chargeFen).toBe(usage.lines.reduce((sum, l) => sum + l.chargeFen, 0));
    }
  });

  it("names the operator and the holder department of every line", async () => {
    const usage = (await gw.auditor.get<Usage>("/v1/usage")).body;
    expect(usage.lines.map((l) => l.dataset).sort()).toEqual(["air_quality", "population"]);
    for (const line of usage.lines) {
      expect(line.operator).toBe(gw.demoOperatorId);
      expect(line.holder).toEqual(expect.any(String));
      // A line is one dataset: each job that read it counts there as one whole job.
      expect(line.jobs).toBe(2);
    }
    const holder = (await gw.holders.population!.get<Usage>("/v1/usage")).body;
    expect(holder.lines.map((l) => l.dataset)).toEqual(["population"]);
    expect(holder.periods[0]!.sharePpm).toBe(holder.lines[0]!.sharePpm);
  });
});
