import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aosInProcess, type CliServer, startCliServer } from "./server.ts";

let server: CliServer;
let work: string;
/** No key at all: the public commands need none. */
let anyone: Record<string, string>;

beforeAll(async () => {
  server = await startCliServer({ seedScale: 0.002 });
  work = await mkdtemp(join(tmpdir(), "aos-public-"));
  anyone = { AOS_URL: server.url };
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("aos open and aos register, without a key", () => {
  it("lists the open datasets and downloads every page of one as a single CSV", async () => {
    const listed = await aosInProcess(["open", "datasets"], anyone);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^air_quality\s+1\s+station,hour/m);

    const out = join(work, "air.csv");
    const all = await aosInProcess(
      ["open", "rows", "air_quality", "--limit", "4000", "--all", "--out", out],
      anyone,
    );
    expect(all.code).toBe(0);
    const lines = (await readFile(out, "utf8")).trim().split("\r\n");
    expect(lines[0]!.startsWith("station,hour,")).toBe(true);
    // One header, then every row once.
    expect(lines.filter((l) => l.startsWith("station,")).length).toBe(1);
    expect(all.stderr).toContain(`wrote ${lines.length - 1} rows of air_quality`);

    const one = await aosInProcess(["open", "rows", "air_quality", "--limit", "2"], anyone);
    expect(one.stdout.trim().split("\r\n")).toHaveLength(3);
    expect(one.stderr).toContain("add --all");
  });

  it("refuses a grade-3 dataset saying how to get at it", async () => {
    const refused = await aosInProcess(["open", "rows", "population"], anyone);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/FORBIDDEN: population is grade 3, not open data: apply for a license/);
  });

  it("shows the license register and a month's statistics", async () => {
    const register = await aosInProcess(["register", "licenses"], anyone);
    expect(register.code).toBe(0);
    expect(register.stdout).toContain(server.credentials.operator.license);
    const month = new Date().toISOString().slice(0, 7);
    const usage = await aosInProcess(["register", "usage", "--month", month, "--json"], anyone);
    expect(usage.code).toBe(0);
    const parsed = JSON.parse(usage.stdout) as { datasets: { dataset: string; openReads: number }[] };
    expect(parsed.datasets.find((d) => d.dataset === "air_quality")!.openReads).toBeGreaterThan(0);
    expect((await aosInProcess(["register", "usage", "--month", "2026-1"], anyone)).code).toBe(2);
  });
});
