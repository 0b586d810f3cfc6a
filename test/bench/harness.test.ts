import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/duckdb.ts";

const RUN = fileURLToPath(new URL("../../bench/run.ts", import.meta.url));
const SECTIONS = [
  "targets",
  "overhead",
  "latency",
  "throughput",
  "sandbox",
  "policies",
  "audit",
  "reconstruction",
  "memory",
  "burst",
  "cluster",
] as const;

let folder: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  folder = await tempDir("aos-bench-");
});
afterAll(async () => {
  await folder?.remove();
});

// A smoke test of the harness: it runs end to end and writes every section. Timings are never
// asserted here (the CPU is shared); the figures belong to `npm run bench`.
describe("npm run bench -- --quick", () => {
  it("runs every section at a tiny scale and writes well-formed JSON", { timeout: 900_000 }, async () => {
    const out = join(folder.dir, "bench.json");
    await promisify(execFile)(
      process.execPath,
      [
        "--no-node-snapshot",
        "--import",
        "tsx",
        RUN,
        "--quick",
        "--scale",
        "0.002",
        "--cache",
        folder.dir,
        "--out",
        out,
      ],
      { cwd: fileURLToPath(new URL("../..", import.meta.url)), maxBuffer: 16 * 1024 * 1024 },
    );
    const result = JSON.parse(await readFile(out, "utf8")) as Record<string, unknown>;
    for (const section of SECTIONS) expect(result, section).toHaveProperty(section);
    expect(Object.keys(result.overhead as object)).toEqual([
      "population_group_by",
      "visits_join_population",
      "air_quality_daily_series",
    ]);
    expect(Object.keys(result.targets as object)).toEqual([
      "groupByRatio",
      "trivialJobsPerSecond",
      "trivialP50Ms",
      "trivialP99Ms",
      "gatewayRoleIdleRssMB",
      "columnarMBps",
      "reconstruction",
      "utility",
    ]);
    // The reconstruction section ran every attack on both columns, and its control.
    const reconstruction = result.reconstruction as { attacks: unknown[]; controls: unknown[] };
    expect(reconstruction.attacks).toHaveLength(6);
    expect(reconstruction.controls).toHaveLength(6);
    // The several-node phase ran: two gateways and two runners on PostgreSQL, figures beside one node's.
    const cluster = result.cluster as { gateways: number; runners: number; gatewayIdleRssMB: number[] };
    expect(cluster).toMatchObject({ gateways: 2, runners: 2 });
    expect(cluster.gatewayIdleRssMB).toHaveLength(2);
    const burst = result.burst as { submissions: number; accepted: number; rejected429: number };
    expect(burst.accepted + burst.rejected429).toBeLessThanOrEqual(burst.submissions);
  });
});
