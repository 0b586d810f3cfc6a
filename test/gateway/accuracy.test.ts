import { tableFromIPC } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "../../control/jobs/job-service.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ seedScale: 0.01, sandboxWorkers: 1 });
});

afterAll(async () => {
  await gw?.close();
});

const SCRIPT = `export default async function main(ctx) {
  const rows = await ctx.sql("SELECT district, count(*) AS n, avg(annual_income) AS mean_income FROM population GROUP BY district ORDER BY district");
  const total = rows.reduce((sum, r) => sum + r.n, 0);
  return {
    by_district: rows,
    shares: rows.map((r) => ({ district: r.district, share: r.n / total })),
    stations: await ctx.sql("SELECT station, count(*) AS days FROM air_quality GROUP BY station"),
  };
}`;

async function released(): Promise<JobView> {
  const submitted = await gw.operator.post<JobView>("/v1/jobs", {
    script: SCRIPT,
    license: gw.credentials.operator.license,
  });
  for (let i = 0; i < 10; i++) {
    const job = (await gw.operator.get<JobView>(`/v1/jobs/${submitted.body.id}?wait=20`)).body;
    if (!["queued", "running"].includes(job.status)) return job;
  }
  throw new Error("the job did not settle");
}

describe("the accuracy of released noisy figures", () => {
  let job: JobView;
  beforeAll(async () => {
    job = await released();
  });

  it("states each noisy figure's noise scale and 95% interval in the job, and rounds the figure to it", () => {
    expect(job.status).toBe("released");
    const rows = job.outputs!.by_district!;
    const accuracy = job.accuracy!.by_district!;
    expect(accuracy.district).toBeUndefined();
    expect(accuracy.n).toHaveLength(rows.length);
    for (const [i, row] of rows.entries()) {
      const n = accuracy.n![i]!;
      expect(n.scale).toBeGreaterThan(0);
      expect(n.ci95).toBeGreaterThanOrEqual(n.scale!);
      const mean = accuracy.mean_income![i]!;
      expect(mean.scale).toBeNull();
      expect(mean.ci95).toBeGreaterThan(0);
      // No digit below a tenth of the leading digit of the half-width.
      const step = 10 ** (Math.floor(Math.log10(mean.ci95)) - 1);
      const units = (row.mean_income as number) / step;
      expect(Math.abs(units - Math.round(units))).toBeLessThan(1e-6);
    }
    // The mean is computed under the income bounds and one row per person: stated with it (the
    // interval covers the noise, not what a bound cuts). A count of persons has no bound.
    const income = DEMO_MANIFESTS.find((m) => m.name === "population")!.columns.find(
      (c) => c.name === "annual_income",
    )!.bounds!;
    for (const figure of accuracy.mean_income!)
      expect(figure!.bounded).toMatchObject({ values: [income.min, income.max], rowsPerUnit: 1 });
    for (const figure of accuracy.n!) expect(figure!.bounded).toBeUndefined();
    // A figure the script computed, and an exact grade-1 count, carry no statement.
    expect(job.accuracy!.shares).toBeUndefined();
    expect(job.accuracy!.stations).toBeUndefined();
  });

  it("puts it in CSV comment lines before the header, and the rows stay as in JSON", async () => {
    const res = await gw.app.request(`/v1/jobs/${job.id}/outputs/by_district`, {
      headers: { authorization: `Bearer ${gw.credentials.operator.key}`, accept: "text/csv" },
    });
    const lines = (await res.text()).trim().split("\r\n");
    const comments = lines.filter((line) => line.startsWith("# "));
    expect(comments[0]).toContain("19 times in 20");
    expect(comments.some((line) => /^# n: 95% interval ±\d/.test(line) && line.includes("noise scale"))).toBe(
      true,
    );
    expect(comments.some((line) => line.startsWith("# mean_income: 95% interval"))).toBe(true);
    const income = comments.find((line) => line.startsWith("# mean_income:"))!;
    expect(income).toMatch(
      /; bounded \(may read low beyond the noise\): each value counted within \[0, \d+\], at most 1 rows of each unit/,
    );
    expect(comments.find((line) => line.startsWith("# n:"))).not.toContain("bounded");
    expect(lines[comments.length]).toBe("district,n,mean_income");
    expect(lines.length - comments.length - 1).toBe(job.outputs!.by_district!.length);

    const plain = await gw.app.request(`/v1/jobs/${job.id}/outputs/shares`, {
      headers: { authorization: `Bearer ${gw.credentials.operator.key}`, accept: "text/csv" },
    });
    expect((await plain.text()).startsWith("district,share")).toBe(true);
  });

  it("puts it in the Arrow schema's and fields' metadata", async () => {
    const res = await gw.app.request(`/v1/jobs/${job.id}/outputs/by_district`, {
      headers: {
        authorization: `Bearer ${gw.credentials.operator.key}`,
        accept: "application/vnd.apache.arrow.stream",
      },
    });
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(JSON.parse(table.schema.metadata.get("aos.accuracy")!)).toEqual(job.accuracy!.by_district);
    const n = table.schema.fields.find((f) => f.name === "n")!;
    expect(Number(n.metadata.get("aos.noise_scale"))).toBe(job.accuracy!.by_district!.n![0]!.scale);
    expect(Number(n.metadata.get("aos.ci95"))).toBe(job.accuracy!.by_district!.n![0]!.ci95);
    expect(n.metadata.has("aos.bounds")).toBe(false);
    const income = table.schema.fields.find((f) => f.name === "mean_income")!;
    expect(JSON.parse(income.metadata.get("aos.bounds")!)).toEqual(
      job.accuracy!.by_district!.mean_income![0]!.bounded,
    );
  });
});
