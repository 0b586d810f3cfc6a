import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { measureJobStages, STAGES } from "../../bench/job-stages.ts";
import { generateDemoDomain } from "../../seeds/generate.ts";
import { tempDir } from "../support/duckdb.ts";

let folder: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  folder = await tempDir("aos-bench-jobs-");
});
afterAll(async () => {
  await folder?.remove();
});

// A smoke test of `npm run bench:jobs`: real jobs through a real gateway, split by the spans it
// exports. Timings are never asserted (the CPU is shared); only that every stage is accounted for.
describe("npm run bench:jobs", () => {
  it("splits each job's time into stages from the gateway's own spans", { timeout: 300_000 }, async () => {
    const domain = join(folder.dir, "domain.duckdb");
    await generateDemoDomain({ file: domain, scale: 0.002 });
    const result = await measureJobStages({ domain, query: "daily_series", jobs: 3 });
    expect(result.measured).toBe(3);
    for (const { totalMs, stages } of result.perJob) {
      expect(Object.keys(stages)).toEqual([...STAGES]);
      // Spans come from another process's clock: a stage may read a fraction of a millisecond below 0.
      for (const stage of STAGES) expect(stages[stage], stage).toBeGreaterThan(-2);
      const sum = STAGES.reduce((total, stage) => total + stages[stage], 0);
      expect(sum).toBeCloseTo(totalMs, 6);
      // The job ran its query in the engine and its script in the sandbox.
      expect(stages.query).toBeGreaterThan(0);
      expect(stages.sandbox).toBeGreaterThan(0);
    }
  });
});
