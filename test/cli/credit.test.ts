import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AosClient } from "../../client/index.ts";
import { operatorRegistration } from "../support/operators.ts";
import { aosInProcess, type CliServer, startCliServer } from "./server.ts";

let server: CliServer;
let as: Record<"operator" | "bureau" | "bureau2" | "auditor", Record<string, string>>;
let operatorId: string;
let jobId: string;
const started = new Date().toISOString();

beforeAll(async () => {
  server = await startCliServer({ seedScale: 0.002 });
  const env = (key: string | undefined) => ({ AOS_URL: server.url, AOS_KEY: key ?? "" });
  as = {
    operator: env(server.credentials.operator.key),
    bureau: env(server.credentials.bureau.key),
    bureau2: env(server.credentials.bureau2?.key),
    auditor: env(server.credentials.auditor.key),
  };
  const operator = new AosClient({ url: server.url, key: server.credentials.operator.key });
  const job = await operator.submitJob({
    script: `export default async function main(ctx) {
      return { n: await ctx.sql("SELECT station, count(*) AS n FROM air_quality GROUP BY station") };
    }`,
    license: server.credentials.operator.license,
  });
  expect((await operator.waitForJob(job.id)).status).toBe("released");
  jobId = job.id;
  const bureau = new AosClient({ url: server.url, key: server.credentials.bureau.key });
  operatorId = (await bureau.licenses()).find((l) => l.license.id === server.credentials.operator.license)!
    .license.operator;
});
afterAll(async () => {
  await server?.close();
});

describe("aos credit, violation, object, evaluation, operator exit", () => {
  it("records a finding, takes an objection, lets a second officer uphold it, and shows the record", async () => {
    const recorded = await aosInProcess(
      [
        "violation",
        "record",
        operatorId,
        "--severity",
        "major",
        "--summary",
        "outputs shaped after a rejection",
        "--evidence",
        "the job repeats a rejected breakdown",
        "--job",
        jobId,
      ],
      as.bureau,
    );
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(recorded.stdout).toMatch(/^vio_\S+: officer_finding \(major, 20 points\) standing\n$/);
    const id = recorded.stdout.split(":")[0]!;

    const record = await aosInProcess(["credit", operatorId], as.operator);
    expect(record.code).toBe(0);
    expect(record.stdout).toContain(`${operatorId}  score 80  penalty warning`);
    expect(record.stdout).toMatch(new RegExp(`${id}\\s+\\S+\\s+officer_finding\\s+major\\s+standing`));

    const objected = await aosInProcess(
      ["object", id, "--reason", "the breakdown was approved"],
      as.operator,
    );
    expect(objected.stdout).toBe(`${id}: officer_finding (major, 20 points) standing, objection pending\n`);
    // The recording officer may not decide; the operator may not; a second officer does.
    expect(
      (await aosInProcess(["violation", "decide", id, "--uphold", "--reason", "r"], as.bureau)).code,
    ).toBe(3);
    expect(
      (await aosInProcess(["violation", "decide", id, "--uphold", "--reason", "r"], as.operator)).code,
    ).toBe(3);
    const upheld = await aosInProcess(
      ["violation", "decide", id, "--uphold", "--reason", "approved"],
      as.bureau2,
    );
    expect(upheld.stdout).toBe(`${id}: officer_finding (major, 20 points) annulled, objection upheld\n`);
    const json = JSON.parse((await aosInProcess(["credit", operatorId, "--json"], as.auditor)).stdout);
    expect(json).toMatchObject({ score: 100, level: "none", violations: [{ id, status: "annulled" }] });
  });

  it("prints an evaluation for a period", async () => {
    const to = new Date(Date.now() + 60_000).toISOString();
    const report = await aosInProcess(["evaluation", operatorId, "--from", started, "--to", to], as.auditor);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain("jobs: 1 submitted, 1 released");
    expect(report.stdout).toContain("violations: 1 (officer_finding 1), 1 by officers, 1 annulled");
    expect(report.stdout).toContain("objections: 1 filed, 1 upheld, 0 dismissed, 0 pending");
    const json = JSON.parse(
      (await aosInProcess(["evaluation", operatorId, "--from", started, "--to", to, "--json"], as.operator))
        .stdout,
    );
    expect(json.outputs).toEqual({ released: 1, held: 0 });
  });

  it("refuses bad usage with 2 and wrong roles with 3", async () => {
    expect((await aosInProcess(["violation", "decide", "vio_x", "--reason", "r"], as.bureau)).code).toBe(2);
    expect(
      (
        await aosInProcess(
          ["violation", "record", operatorId, "--severity", "minor", "--summary", "s", "--evidence", "t"],
          as.bureau,
        )
      ).code,
    ).toBe(2);
    expect((await aosInProcess(["evaluation", operatorId, "--from", "2026-01-01"], as.bureau)).code).toBe(2);
    expect((await aosInProcess(["object", "vio_x"], as.operator)).code).toBe(2);
    expect((await aosInProcess(["operator", "exit", operatorId], as.bureau)).code).toBe(2);
    expect(
      (
        await aosInProcess(
          [
            "violation",
            "record",
            operatorId,
            "--severity",
            "minor",
            "--summary",
            "s",
            "--evidence",
            "t",
            "--job",
            jobId,
          ],
          as.operator,
        )
      ).code,
    ).toBe(3);
    expect((await aosInProcess(["object", "vio_missing", "--reason", "r"], as.operator)).code).toBe(4);
  });

  it("exits an operator, after which its key no longer works", async () => {
    const bureau = new AosClient({ url: server.url, key: server.credentials.bureau.key });
    const admitted = await bureau.admitOperator(operatorRegistration(77));
    const exited = await aosInProcess(
      ["operator", "exit", admitted.operator.id, "--reason", "ends its business"],
      as.bureau,
    );
    expect(exited.code, exited.stderr).toBe(0);
    expect(exited.stdout).toMatch(
      new RegExp(
        `^${admitted.operator.id}: exited; revoked 1 key\\(s\\) and 0 license\\(s\\); period \\d{4}-\\d{2} settled \\(0 jobs`,
      ),
    );
    expect(
      (await aosInProcess(["credit", admitted.operator.id], { ...as.operator, AOS_KEY: admitted.apiKey.key }))
        .code,
    ).toBe(3);
    expect(
      (await aosInProcess(["operator", "exit", admitted.operator.id, "--reason", "again"], as.bureau)).code,
    ).toBe(1);
  });

  it("lists the verbs in the overview", async () => {
    const help = await aosInProcess(["--help"], {});
    for (const verb of [
      "credit",
      "violation record",
      "object",
      "violation decide",
      "evaluation",
      "operator exit",
    ])
      expect(help.stdout).toContain(`  ${verb.padEnd(20)} `);
  });
});
