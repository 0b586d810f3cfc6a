import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxEvent, SandboxResult } from "../../sandbox/index.ts";
import { SandboxPool } from "../../sandbox/index.ts";
import { type DemoDomain, openDemoDomain } from "./helpers.ts";

let pool: SandboxPool;
let domain: DemoDomain;
let jobs = 0;

beforeAll(async () => {
  domain = await openDemoDomain();
  pool = new SandboxPool({ size: 2 });
});
afterAll(async () => {
  await pool.close();
  domain.close();
});

function run(
  script: string,
  language: "javascript" | "typescript" = "javascript",
  events: SandboxEvent[] = [],
) {
  return pool.run({ jobId: `job_${++jobs}`, script, language }, domain.port, (event) => events.push(event));
}

function completed(result: SandboxResult) {
  if (result.status !== "completed") throw new Error(`job failed: ${JSON.stringify(result.error)}`);
  return result;
}

describe("SandboxPool: normal jobs", () => {
  it("runs a JavaScript script that queries rows and returns them as an output", async () => {
    const result = completed(
      await run(`export default async function main(ctx) {
        const rows = await ctx.sql("SELECT district, count(*) AS n FROM people WHERE district IS NOT NULL GROUP BY 1 ORDER BY 1");
        return { by_district: rows };
      }`),
    );
    expect(result.outputs).toEqual({
      by_district: [
        { district: "东城区", n: 2 },
        { district: "西城区", n: 1 },
      ],
    });
    expect(result.usage.queries).toBe(1);
    expect(result.usage.rowsIn).toBe(2);
    expect(result.usage.outputRows).toBe(2);
    expect(result.usage.outputCells).toBe(4);
    expect(result.usage.cpuMs).toBeGreaterThan(0);
    expect(result.usage.heapPeakBytes).toBeGreaterThan(0);
  });
});
