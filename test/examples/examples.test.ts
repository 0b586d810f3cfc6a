import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aos, aosInProcess, type CliServer, startCliServer } from "../cli/server.ts";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));

/**
 * What each example's README claims: the outcome on the demo domain and the outputs it releases
 * (each non-empty), and the protections its verdicts show.
 */
const CLAIMS: Record<string, { status: "released" | "held"; outputs: string[]; verdicts: RegExp[] }> = {
  "population-ageing": {
    status: "released",
    outputs: ["ageing_by_district"],
    verdicts: [/noise:discrete_laplace/, /ε 0\.2 charged/],
  },
  "enterprise-survival": {
    status: "released",
    outputs: ["by_industry", "survival_by_industry", "survival_by_cohort"],
    verdicts: [/threshold:10/, /dominance:n=1,k=50,p=10/, /small groups suppressed/],
  },
  "medical-costs": {
    status: "released",
    outputs: ["rates_by_chapter_and_age"],
    verdicts: [/aggregate on medical_visits, population/, /contribution_bound:20/, /noise:discrete_laplace/],
  },
  "air-quality": {
    status: "released",
    outputs: ["monthly_by_station", "exceedance_days"],
    verdicts: [/open on air_quality/],
  },
  "electricity-economy": {
    status: "released",
    outputs: ["by_industry", "by_district", "by_district_month"],
    verdicts: [/dominance:n=1,k=50,p=10/, /contribution_bound:12/],
  },
  "credit-records": {
    status: "released",
    outputs: ["credit_by_industry"],
    verdicts: [/aggregate on credit_records, enterprises/, /contribution_bound:10/],
  },
  "air-quality-severe-hours": {
    status: "held",
    outputs: ["severe_hours"],
    verdicts: [/release gate: held/, /small_cell/],
  },
};

let server: CliServer;
let operator: Record<string, string>;

beforeAll(async () => {
  server = await startCliServer({ seedScale: 0.01 });
  operator = {
    AOS_URL: server.url,
    AOS_KEY: server.credentials.operator.key,
    AOS_LICENSE: server.credentials.operator.license,
  };
});

afterAll(async () => {
  await server?.close();
});

async function scriptOf(name: string): Promise<string> {
  const files = await readdir(join(EXAMPLES, name));
  const script = files.find((f) => f === "script.ts" || f === "script.js");
  if (!script) throw new Error(`${name} has no script`);
  return join(EXAMPLES, name, script);
}

describe("examples run against the demo domain as their READMEs say", () => {
  it("every example folder has a script and a README and is checked here", async () => {
    const folders = (await readdir(EXAMPLES, { withFileTypes: true })).filter((d) => d.isDirectory());
    expect(folders.map((d) => d.name).sort()).toEqual(Object.keys(CLAIMS).sort());
    for (const folder of folders) {
      await scriptOf(folder.name);
      const readme = await readFile(join(EXAMPLES, folder.name, "README.md"), "utf8");
      expect(readme).toContain(CLAIMS[folder.name]!.status);
    }
  });

  for (const [name, claim] of Object.entries(CLAIMS)) {
    it(`${name}: ${claim.status}`, async () => {
      const run = await aos(["submit", await scriptOf(name), "--wait", "--json"], operator);
      const job = JSON.parse(run.stdout) as {
        id: string;
        status: string;
        outputs?: Record<string, unknown[]>;
      };
      expect(job.status, run.stderr).toBe(claim.status);
      for (const verdict of claim.verdicts) expect(run.stderr).toMatch(verdict);
      if (claim.status === "released") {
        expect(run.code).toBe(0);
        expect(Object.keys(job.outputs ?? {}).sort()).toEqual([...claim.outputs].sort());
        for (const output of claim.outputs) expect(job.outputs?.[output]?.length, output).toBeGreaterThan(0);
        return;
      }
      // Held: the operator sees no output; a bureau reviewer does, and releases it.
      expect(job.outputs).toBeUndefined();
      const bureau = { AOS_URL: server.url, AOS_KEY: server.credentials.bureau.key };
      const queue = await aosInProcess(["reviews", "--json"], bureau);
      expect((JSON.parse(queue.stdout) as { job: { id: string } }[]).map((r) => r.job.id)).toContain(job.id);
      const shown = JSON.parse((await aosInProcess(["review", job.id, "--json"], bureau)).stdout);
      expect(Object.keys(shown.outputs).sort()).toEqual([...claim.outputs].sort());
      const approved = await aosInProcess(
        ["review", job.id, "--approve", "--comment", "open data; small counts are not personal"],
        bureau,
      );
      expect(approved.code).toBe(0);
      const after = JSON.parse((await aosInProcess(["job", job.id, "--json"], operator)).stdout);
      expect(after.status).toBe("released");
      expect(after.outputs[claim.outputs[0]!].length).toBeGreaterThan(0);
    });
  }
});
