import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aos, aosInProcess, type CliServer, startCliServer } from "./server.ts";

let server: CliServer;
let work: string;
let operatorEnv: Record<string, string>;
let jobId: string;
let key: string;

// Grade 3 with noise: the CSV carries "# " accuracy lines above its header.
const BY_DISTRICT = `export default async function main(ctx) {
  return { by_district: await ctx.sql("SELECT district, count(*) AS n FROM population GROUP BY district ORDER BY district") };
}`;

beforeAll(async () => {
  server = await startCliServer({ seedScale: 0.01 });
  work = await mkdtemp(join(tmpdir(), "aos-receipts-"));
  await writeFile(join(work, "by-district.js"), BY_DISTRICT);
  operatorEnv = {
    AOS_URL: server.url,
    AOS_KEY: server.credentials.operator.key,
    AOS_LICENSE: server.credentials.operator.license,
  };
  const run = await aos(
    ["submit", join(work, "by-district.js"), "--wait", "--output-dir", join(work, "out")],
    operatorEnv,
  );
  expect(run.code, run.stderr).toBe(0);
  jobId = /submitted (job_\S+)/.exec(run.stderr)![1]!;
  key = join(work, "domain.pub.pem");
  expect((await aosInProcess(["audit", "public-key", "--out", key], operatorEnv)).code).toBe(0);
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const verify = (receipt: string, output: string) =>
  aosInProcess(
    [
      "receipt",
      "verify",
      "--receipt",
      receipt,
      "--public-key",
      key,
      "--output",
      output,
      "--name",
      "by_district",
    ],
    operatorEnv,
  );

describe("receipts of outputs downloaded in the default CSV form", () => {
  it("verify the CSV as downloaded, comment lines and all", async () => {
    const csv = await readFile(join(work, "out", "by_district.csv"), "utf8");
    expect(csv.startsWith("# ")).toBe(true);
    const ok = await verify(join(work, "out", "receipt.json"), join(work, "out", "by_district.csv"));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^valid: job job_.*; output by_district matches/);
  });

  it("refuse a CSV with a changed figure, saying it is CSV that does not match", async () => {
    const csv = await readFile(join(work, "out", "by_district.csv"), "utf8");
    const lines = csv.split("\r\n");
    const row = lines.findIndex((l) => !l.startsWith("#")) + 1;
    lines[row] = lines[row]!.replace(/,(\d+)$/, (_, n: string) => `,${Number(n) + 1}`);
    await writeFile(join(work, "changed.csv"), lines.join("\r\n"));
    const changed = await verify(join(work, "out", "receipt.json"), join(work, "changed.csv"));
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^INVALID: this file is CSV and its cells are not the CSV of the output/);
  });

  it("let an auditor get the receipt, and refuse a holder", async () => {
    const auditorEnv = { AOS_URL: server.url, AOS_KEY: server.credentials.auditor.key };
    const out = join(work, "auditor-receipt.json");
    const got = await aosInProcess(["receipt", "get", jobId, "--out", out], auditorEnv);
    expect(got.code, got.stderr).toBe(0);
    expect((await verify(out, join(work, "out", "by_district.csv"))).code).toBe(0);
    const holder = Object.values(server.credentials.holders ?? {})[0]!;
    const refused = await aosInProcess(["receipt", "get", jobId], {
      AOS_URL: server.url,
      AOS_KEY: holder.key,
    });
    expect(refused.code).toBe(3);
    expect(refused.stdout).toBe("");
  });
});

describe("aos audit export of zero entries", () => {
  it("says so on stderr and writes valid empty output: nothing for JSON lines, the header for CSV", async () => {
    const auditorEnv = { AOS_URL: server.url, AOS_KEY: server.credentials.auditor.key };
    const none = ["audit", "export", "--job", "job_none"];
    const jsonl = await aosInProcess(none, auditorEnv);
    expect(jsonl.code).toBe(0);
    expect(jsonl.stdout).toBe("");
    expect(jsonl.stderr).toMatch(/^0 entries match/m);
    const csv = await aosInProcess([...none, "--format", "csv"], auditorEnv);
    expect(csv.stdout).toMatch(/^position,time,type/);
    expect(csv.stdout.trim().split("\r\n")).toHaveLength(1);
    expect(csv.stderr).toMatch(/^0 entries match/m);
    const some = await aosInProcess(["audit", "export", "--job", jobId], auditorEnv);
    expect(some.stderr).toMatch(new RegExp(`^${some.stdout.trim().split("\n").length} entries$`, "m"));
  });
});
