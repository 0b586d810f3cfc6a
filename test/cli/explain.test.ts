import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aos, aosInProcess, type CliServer, startCliServer } from "./server.ts";

const SCRIPT = `export default async function main(ctx) {
  const people = await ctx.sql("SELECT district, count(*) AS n FROM population GROUP BY district");
  try { await ctx.sql("SELECT name FROM population"); } catch { ctx.log("refused as expected"); }
  return { people };
}`;

let server: CliServer;
let work: string;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startCliServer({ seedScale: 0.002 });
  work = await mkdtemp(join(tmpdir(), "aos-cli-explain-"));
  await writeFile(join(work, "people.js"), SCRIPT);
  env = { AOS_URL: server.url, AOS_KEY: server.credentials.operator.key };
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("aos explain", () => {
  it("prints each query's rewritten SQL, rules, ε and verdict, then the release verdict", async () => {
    const license = server.credentials.operator.license;
    const run = await aos(["explain", join(work, "people.js"), "--license", license], env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toContain("nothing ran on real data, no budget spent");
    expect(out).toMatch(/query #1 allowed: aggregate on population; ε 0\.\d+/);
    expect(out).toMatch(/ {2}rewritten: WITH __rows AS/);
    expect(out).toMatch(/ {2}rules: {5}.*population\.district group/);
    expect(out).toMatch(/ {2}enforced: {2}.*threshold:\d+.*noise:discrete_laplace/);
    expect(out).toMatch(/query #2 refused (SQL_NOT_ALLOWED|POLICY_VIOLATION): .*row-level/);
    expect(out).toContain("release gate: released");
    expect(out).toMatch(/outputs: people \(\d+ rows\)/);
    expect(out).toMatch(/ε on population: 0\.\d+ of \d+(\.\d+)? left/);
  });

  it("answers the report as JSON with --json, and the budget is untouched", async () => {
    const license = server.credentials.operator.license;
    const before = await aosInProcess(["licenses", "show", license], env);
    const run = await aosInProcess(["explain", join(work, "people.js"), "--license", license, "--json"], env);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.queries.map((q: { verdict: string }) => q.verdict)).toEqual(["allowed", "refused"]);
    expect(report.release.outcome).toBe("released");
    expect(report.epsilon.population).toBeGreaterThan(0);
    const after = await aosInProcess(["licenses", "show", license], env);
    expect(JSON.parse(after.stdout).budget).toEqual(JSON.parse(before.stdout).budget);
  });

  it("says what is wrong: no license, no script, another operator's license", async () => {
    const noLicense = await aosInProcess(["explain", join(work, "people.js")], env);
    expect(noLicense.code).toBe(2);
    expect(noLicense.stderr).toContain("--license");
    const noScript = await aosInProcess(["explain", join(work, "missing.js"), "--license", "x"], env);
    expect(noScript.code).toBe(2);
    expect(noScript.stderr).toContain("cannot read the script");
    const auditor = await aosInProcess(
      ["explain", join(work, "people.js"), "--license", server.credentials.operator.license],
      { ...env, AOS_KEY: server.credentials.auditor.key },
    );
    expect(auditor.code).toBe(3);
    expect(auditor.stderr).toContain("FORBIDDEN");
  });
});
