import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromIPC } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AosClient } from "../../client/index.ts";
import { DEMO_BUDGET } from "../../control/provisioning.ts";
import { airQualityCsv } from "../support/data-files.ts";
import { aos, aosInProcess, type CliServer, startCliServer } from "./server.ts";

let server: CliServer;
let work: string;
let operatorEnv: Record<string, string>;

const AIR = `export default async function main(ctx) {
  const rows = await ctx.sql("SELECT station, avg(pm25) AS pm25 FROM air_quality GROUP BY station ORDER BY station");
  ctx.progress(1, "done");
  return { by_station: rows };
}`;

/** One query of each kind the engine knows, plus one it refuses (caught by the script). */
const MIXED = `export default async function main(ctx) {
  const firms = await ctx.sql("SELECT industry, count(*) AS n, sum(employees) AS staff FROM enterprises GROUP BY industry ORDER BY industry");
  const air = await ctx.sql("SELECT station, max(aqi) AS worst FROM air_quality GROUP BY station ORDER BY station");
  try { await ctx.sql("SELECT name FROM population"); } catch { ctx.log("refused as expected"); }
  const people = await ctx.sql("SELECT district, count(*) AS n FROM population GROUP BY district ORDER BY district");
  return { firms, air, people };
}`;

beforeAll(async () => {
  // The domain holds exactly the dummy data a local run generates, so verdicts can be compared.
  server = await startCliServer({ dummyDomain: true });
  work = await mkdtemp(join(tmpdir(), "aos-cli-work-"));
  await writeFile(join(work, "air.js"), AIR);
  await writeFile(join(work, "mixed.js"), MIXED);
  await writeFile(
    join(work, "broken.ts"),
    "export default async function main(ctx: unknown) { throw new Error('boom'); }\n",
  );
  operatorEnv = {
    AOS_URL: server.url,
    AOS_KEY: server.credentials.operator.key,
    AOS_LICENSE: server.credentials.operator.license,
  };
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The lines a run prints about its queries and the release gate (what must match locally and remotely). */
const verdictLines = (stderr: string) =>
  stderr.split("\n").filter((line) => /^(query #| {2}enforced|release gate| {2}[a-z_]+ \()/.test(line));

describe("aos CLI against a listening gateway", () => {
  it("lists the catalog and explains a dataset's rules in plain words", async () => {
    const list = await aosInProcess(["datasets"], operatorEnv);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+GRADE/);
    expect(list.stdout).toContain("population");
    const one = await aosInProcess(["datasets", "population"], operatorEnv);
    expect(one.stdout).toContain("grade 3: personal/sensitive");
    expect(one.stdout).toContain("id_number VARCHAR [deny] never usable in a query");
    const json = await aosInProcess(["datasets", "population", "--json"], operatorEnv);
    expect(JSON.parse(json.stdout).manifest.name).toBe("population");
  });

  it("fetches dummy rows as CSV and JSON", async () => {
    const csv = await aosInProcess(["dummy", "enterprises", "--rows", "5"], operatorEnv);
    expect(csv.code).toBe(0);
    expect(csv.stdout.trim().split(/\r?\n/)).toHaveLength(6);
    const json = await aosInProcess(["dummy", "enterprises", "--rows", "3", "--json"], operatorEnv);
    expect(JSON.parse(json.stdout)).toHaveLength(3);
  });

  it("submits, follows the verdicts on stderr, and downloads outputs as CSV, JSON and Arrow", async () => {
    const dir = join(work, "out");
    const run = await aos(["submit", join(work, "air.js"), "--wait", "--output-dir", dir], operatorEnv);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/query #1 allowed: open on air_quality; 12 rows/);
    expect(run.stderr).toContain("release gate: outputs pass");
    const csv = await readFile(join(dir, "by_station.csv"), "utf8");
    expect(csv.split("\r\n")[0]).toBe("station,pm25");
    const id = /submitted (job_\S+)/.exec(run.stderr)![1]!;

    const json = await aosInProcess(["output", id, "by_station", "--format", "json"], operatorEnv);
    expect(JSON.parse(json.stdout)).toHaveLength(12);
    const arrow = await aos(["output", id, "by_station", "--format", "arrow"], operatorEnv);
    expect(arrow.code).toBe(0);
    expect(tableFromIPC(new Uint8Array(arrow.stdoutBytes)).numRows).toBe(12);
    const jobJson = await aosInProcess(["job", id, "--json"], operatorEnv);
    expect(JSON.parse(jobJson.stdout)).toMatchObject({ id, status: "released" });
  });

  it("writes a release receipt that verifies offline against the downloaded JSON output, and not a changed one", async () => {
    const dir = join(work, "receipt");
    const run = await aos(
      ["submit", join(work, "air.js"), "--wait", "--format", "json", "--output-dir", dir],
      operatorEnv,
    );
    expect(run.code).toBe(0);
    const key = join(work, "domain.pub.pem");
    expect((await aosInProcess(["audit", "public-key", "--out", key], operatorEnv)).code).toBe(0);
    const args = ["receipt", "verify", "--receipt", join(dir, "receipt.json"), "--public-key", key];
    const ok = await aos(
      [...args, "--output", join(dir, "by_station.json"), "--name", "by_station"],
      operatorEnv,
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^valid: job job_/);
    await writeFile(join(work, "changed.json"), "[]");
    const changed = await aos(
      [...args, "--output", join(work, "changed.json"), "--name", "by_station"],
      operatorEnv,
    );
    expect(changed.code).toBe(1);
  });

  it("gives the same verdicts locally on dummy data as the server gives on the same data", async () => {
    const remote = await aos(
      ["submit", join(work, "mixed.js"), "--wait", "--output-dir", join(work, "mixed")],
      operatorEnv,
    );
    const local = await aos(
      ["run", join(work, "mixed.js"), "--local", "--output-dir", join(work, "mixed-local")],
      operatorEnv,
    );
    expect(remote.code).toBe(0);
    expect(local.code).toBe(0);
    const lines = verdictLines(remote.stderr);
    expect(lines.join("\n")).toContain("query #3 refused POLICY_VIOLATION");
    expect(lines.join("\n")).toContain("query #4 allowed: aggregate on population");
    expect(verdictLines(local.stderr)).toEqual(lines);
    // Open data carries no noise: the same data gives the same released figures.
    expect(await readFile(join(work, "mixed-local", "air.csv"), "utf8")).toBe(
      await readFile(join(work, "mixed", "air.csv"), "utf8"),
    );
    // Grade 2 carries sticky noise seeded under the domain's secret, which a local run on dummy
    // data does not hold: the same groups and the same statements of accuracy, other figures.
    const firms = async (dir: string) => {
      const lines = (await readFile(join(work, dir, "firms.csv"), "utf8")).trim().split("\n");
      const comments = lines.filter((l) => l.startsWith("# "));
      const rows = lines.filter((l) => !l.startsWith("# "));
      return { comments, keys: rows.map((r) => r.split(",")[0]), figures: rows.slice(1) };
    };
    const [remoteFirms, localFirms] = [await firms("mixed"), await firms("mixed-local")];
    expect(remoteFirms.comments.length).toBeGreaterThan(1);
    // The noise's size follows the data, not the secret.
    expect(localFirms.comments).toEqual(remoteFirms.comments);
    expect(localFirms.keys).toEqual(remoteFirms.keys);
    expect(localFirms.figures).not.toEqual(remoteFirms.figures);
    // Locally nothing is charged: the license's budget shows only the remote run's ε.
    const budget = await aosInProcess(["budget", "--json"], operatorEnv);
    const population = (JSON.parse(budget.stdout) as { dataset: string; spent: number }[]).find(
      (b) => b.dataset === "population",
    );
    expect(population?.spent).toBe(DEMO_BUDGET.perQuery);
  });

  it("runs locally offline on the demo manifests without a server", async () => {
    const run = await aos(["run", join(work, "air.js"), "--local", "--offline", "--json"], {});
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.status).toBe("released");
    expect(result.outputs.by_station).toHaveLength(12);
  });

  it("lists jobs and usage", async () => {
    const jobs = await aosInProcess(["jobs", "--json"], operatorEnv);
    expect((JSON.parse(jobs.stdout) as unknown[]).length).toBeGreaterThan(0);
    const usage = await aosInProcess(["usage", "--json"], operatorEnv);
    expect(usage.code).toBe(0);
    expect(JSON.parse(usage.stdout).totals.jobs).toBeGreaterThan(0);
  });

  it("shows usage with its operator and holder department, and the jobs in all", async () => {
    const report = JSON.parse((await aosInProcess(["usage", "--json"], operatorEnv)).stdout) as {
      lines: { operator: string; holder: string | null }[];
      totals: { jobs: number };
    };
    const usage = await aosInProcess(["usage"], operatorEnv);
    expect(usage.code).toBe(0);
    const [header, ...rows] = usage.stdout.trimEnd().split("\n");
    expect(header!.split(/\s{2,}/).slice(0, 5)).toEqual([
      "PERIOD",
      "OPERATOR",
      "LICENSE",
      "DATASET",
      "HOLDER",
    ]);
    const line = report.lines[0]!;
    expect(rows[0]).toContain(line.operator);
    expect(rows[0]).toContain(line.holder ?? "-");
    expect(rows.at(-1)).toMatch(new RegExp(`^in all: ${report.totals.jobs} jobs, \\d+\\.\\d\\d CNY$`));
  });

  it("exits 1 for a failed job, 2 for usage errors, 3 for a bad key, 4 for an unknown job, 5 when the server is unreachable", async () => {
    const failed = await aos(["submit", join(work, "broken.ts"), "--wait"], operatorEnv);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("finished: failed");
    expect((await aosInProcess(["submit"], operatorEnv)).code).toBe(2);
    expect((await aosInProcess(["submit", join(work, "air.js"), "--format", "xml"], operatorEnv)).code).toBe(
      2,
    );
    expect((await aosInProcess(["no-such-command"], operatorEnv)).code).toBe(2);
    const badKey = await aos(["datasets"], { ...operatorEnv, AOS_KEY: "aos_000000000000_nope" });
    expect(badKey.code).toBe(3);
    expect(badKey.stderr).toContain("UNAUTHENTICATED");
    const forbidden = await aosInProcess(["reviews"], operatorEnv);
    expect(forbidden.code).toBe(3);
    expect((await aosInProcess(["job", "job_missing"], operatorEnv)).code).toBe(4);
    const down = await aosInProcess(["datasets"], { ...operatorEnv, AOS_URL: "http://127.0.0.1:9" });
    expect(down.code).toBe(5);
  });

  it("takes flags over the environment and the environment over the config file", async () => {
    const config = join(work, "config.json");
    await writeFile(
      config,
      JSON.stringify({ url: "http://127.0.0.1:9", key: server.credentials.operator.key }),
      // It holds a key: the CLI refuses a config file other users can read.
      { mode: 0o600 },
    );
    expect((await aosInProcess(["datasets"], { AOS_CONFIG: config })).code).toBe(5);
    expect((await aosInProcess(["datasets"], { AOS_CONFIG: config, AOS_URL: server.url })).code).toBe(0);
    expect(
      (
        await aosInProcess(["datasets", "--url", server.url], {
          AOS_CONFIG: config,
          AOS_URL: "http://127.0.0.1:9",
        })
      ).code,
    ).toBe(0);
  });
});

describe("bureau and auditor commands", () => {
  it("grants and suspends a license; the operator's submissions then fail with exit 3", async () => {
    const bureau = { AOS_URL: server.url, AOS_KEY: server.credentials.bureau.key };
    const client = new AosClient({ url: server.url, key: server.credentials.bureau.key });
    const operatorId = (await client.license(server.credentials.operator.license)).license.operator;
    const granted = await aosInProcess(
      [
        "licenses",
        "grant",
        "--operator",
        operatorId,
        "--purpose",
        "urban-analytics",
        "--dataset",
        "air_quality",
        "--days",
        "30",
      ],
      bureau,
    );
    expect(granted.code).toBe(0);
    const id = granted.stdout.trim();
    expect((await aosInProcess(["licenses", "suspend", id], bureau)).code).toBe(2);
    expect((await aosInProcess(["licenses", "suspend", id, "--reason", "audit pending"], bureau)).code).toBe(
      0,
    );
    const refused = await aosInProcess(["submit", join(work, "air.js"), "--license", id], operatorEnv);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("LICENSE_INVALID");
  });

  it("verifies the audit log offline, and finds a tampered copy invalid", async () => {
    const auditor = { AOS_URL: server.url, AOS_KEY: server.credentials.auditor.key };
    const key = join(work, "auditor.pub.pem");
    await aosInProcess(["audit", "public-key", "--out", key], auditor);
    const log = join(work, "audit.jsonl");
    expect((await aosInProcess(["audit", "export", "--out", log], auditor)).code).toBe(0);
    const ok = await aos(["audit", "verify", "--log", log, "--public-key", key], auditor);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^valid: \d+ entries/);
    const tampered = join(work, "tampered.jsonl");
    await copyFile(log, tampered);
    const text = await readFile(tampered, "utf8");
    await writeFile(tampered, text.replace('"type":"job.submitted"', '"type":"job.submittet"'));
    const bad = await aos(["audit", "verify", "--log", tampered, "--public-key", key, "--json"], auditor);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).valid).toBe(false);
    const online = await aosInProcess(["audit", "verify", "--server"], auditor);
    expect(online.code).toBe(0);
  });

  it("supplies a data version from a file as the dataset's holder, lists the versions and restores the first", async () => {
    const holder = {
      AOS_URL: server.url,
      AOS_KEY: server.credentials.holders!.air_quality!.key,
    };
    const csv = join(work, "air.csv");
    await writeFile(csv, airQualityCsv(50));
    const pushed = await aosInProcess(
      ["dataset", "push", "air_quality", csv, "--note", "re-calibrated", "--json"],
      holder,
    );
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(JSON.parse(pushed.stdout)).toMatchObject({
      dataset: "air_quality",
      version: 2,
      rows: 50,
      current: true,
    });

    const listed = await aosInProcess(["dataset", "versions", "air_quality"], holder);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^version\s+current\s+rows/);
    expect(listed.stdout).toContain("re-calibrated");

    const restored = await aosInProcess(["dataset", "restore", "air_quality", "1"], holder);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stderr).toContain("data version 1 of air_quality");

    const bad = join(work, "bad.csv");
    await writeFile(bad, airQualityCsv(3, { omit: "pm25" }));
    const refused = await aosInProcess(["dataset", "push", "air_quality", bad], holder);
    // A refused file is a bad request (exit 2), with what is wrong.
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("column pm25 (DOUBLE) is missing");
    const operator = await aosInProcess(["dataset", "push", "air_quality", csv], operatorEnv);
    expect(operator.code).toBe(3);
    const wrongKind = await aosInProcess(["dataset", "push", "air_quality", join(work, "air.js")], holder);
    expect(wrongKind.code).toBe(2);
  });
});
