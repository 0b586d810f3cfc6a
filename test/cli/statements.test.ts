import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AosClient } from "../../client/index.ts";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { loadConfig } from "../../gateway/config.ts";
import { type RunningGateway, startGateway } from "../../gateway/server.ts";
import { openControlStore } from "../../storage/open-store.ts";
import { silentLogger } from "../../telemetry/log.ts";
import { tempDir } from "../support/duckdb.ts";
import { aosInProcess } from "./server.ts";

/**
 * Statements from a terminal against a real gateway that is stopped and started again on the same
 * data folder: the month re-issued after each restart is the same statement, byte for byte.
 */
let folder: Awaited<ReturnType<typeof tempDir>>;
let gateway: RunningGateway | undefined;
let credentials: DemoCredentials;
let operatorId: string;
let publicKeyFile: string;

const start = async () => {
  gateway = await startGateway(
    loadConfig({
      DATA_DIR: folder.dir,
      PORT: "0",
      SEED_SCALE: "0.002",
      SANDBOX_WORKERS: "1",
      LOG_LEVEL: "error",
      SHUTDOWN_GRACE_MS: "1000",
    }),
    silentLogger,
  );
  return gateway;
};
const restart = async () => {
  await gateway?.close();
  gateway = undefined;
  return start();
};
const env = (key: string) => ({ AOS_URL: gateway!.url, AOS_KEY: key });
const bureau = () => env(credentials.bureau.key);
const operator = () => env(credentials.operator.key);

beforeAll(async () => {
  folder = await tempDir("aos-statements-");
  const first = await start();
  credentials = JSON.parse(
    await readFile(join(folder.dir, "demo-credentials.json"), "utf8"),
  ) as DemoCredentials;
  publicKeyFile = first.folder.publicKeyFile;
  const bureauClient = new AosClient({ url: first.url, key: credentials.bureau.key });
  await bureauClient.setTariff({
    currency: "CNY",
    perJob: 0.5,
    perCpuSecond: 0,
    perQuery: 0,
    perEpsilon: 0,
    perOutputCell: 0,
    perThousandRowsScanned: 2,
  });
  const client = new AosClient({ url: first.url, key: credentials.operator.key });
  const submitted = await client.submitJob({
    script: `export default async function main(ctx) {
      const a = await ctx.sql("SELECT district, count(*) AS n FROM population GROUP BY district");
      const b = await ctx.sql("SELECT station, avg(pm25) AS pm25 FROM air_quality GROUP BY station");
      return { a, b };
    }`,
    license: credentials.operator.license,
  });
  let job = await client.job(submitted.id, { wait: 30 });
  while (job.status === "queued" || job.status === "running")
    job = await client.job(submitted.id, { wait: 30 });
  expect(job.status).toBe("released");
  // Statements settle ended months: with the node stopped, the job and the tariff move to November.
  await gateway!.close();
  gateway = undefined;
  const store = await openControlStore({ dataDir: folder.dir });
  try {
    await store.run("UPDATE jobs SET submitted_at = '2026-11-20T09:00:00.000Z' WHERE id = $1", [job.id]);
    await store.run("UPDATE tariffs SET effective_from = '2026-11-01T00:00:00.000Z'");
    operatorId = (
      await store.query<{ operator_id: string }>("SELECT operator_id FROM jobs WHERE id = $1", [job.id])
    )[0]!.operator_id;
  } finally {
    await store.close();
  }
  await start();
});

afterAll(async () => {
  await gateway?.close();
  await folder?.remove();
});

describe("aos statement commands", () => {
  it("issues, downloads as JSON, CSV and PDF, verifies offline, and re-issues the same after a restart", async () => {
    const issued = await aosInProcess(
      ["statement", "issue", "--period", "2026-11", "--operator", operatorId, "--json"],
      bureau(),
    );
    expect(issued.code).toBe(0);
    const document = JSON.parse(issued.stdout) as {
      id: string;
      sha256: string;
      statement: { lines: { dataset: string }[] };
    };
    expect(document.statement.lines.map((l) => l.dataset)).toEqual(["air_quality", "population"]);

    const listed = await aosInProcess(["statements"], operator());
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(document.id);

    const file = join(folder.dir, "statement.json");
    expect((await aosInProcess(["statement", "get", document.id, "-o", file], operator())).code).toBe(0);
    const saved = await readFile(file, "utf8");
    const verified = await aosInProcess(
      ["statement", "verify", file, "--public-key", publicKeyFile],
      operator(),
    );
    expect(verified.code).toBe(0);
    expect(verified.stdout).toBe("valid\n");
    expect(verified.stderr).toContain("ok signature");

    const csv = await aosInProcess(["statement", "get", document.id, "--format", "csv"], operator());
    expect(csv.stdout.split("\r\n")[0]).toContain("charge_cny");
    const pdfFile = join(folder.dir, "statement.pdf");
    expect(
      (await aosInProcess(["statement", "get", document.id, "--format", "pdf", "-o", pdfFile], operator()))
        .code,
    ).toBe(0);
    const pdf = (await readFile(pdfFile)).toString("latin1");
    expect(pdf.startsWith("%PDF-1.4")).toBe(true);
    expect(pdf).toContain(document.sha256);

    // One figure edited: verification fails (exit 1) and says which checks failed.
    const edited = JSON.parse(saved) as { statement: { totals: { chargeFen: number } } };
    edited.statement.totals.chargeFen += 100;
    const editedFile = join(folder.dir, "edited.json");
    await writeFile(editedFile, JSON.stringify(edited));
    const refused = await aosInProcess(
      ["statement", "verify", editedFile, "--public-key", publicKeyFile],
      operator(),
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /^INVALID: hash check failed: .*signature check failed: .*totals check failed/,
    );
    expect(refused.stderr).toContain("FAILED hash");

    // After a restart the month recomputes to the same statement, and the server verifies it.
    await restart();
    const again = await aosInProcess(
      ["statement", "issue", "--period", "2026-11", "--operator", operatorId, "--json"],
      bureau(),
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(JSON.parse(saved));
    const regot = join(folder.dir, "again.json");
    expect((await aosInProcess(["statement", "get", document.id, "-o", regot], operator())).code).toBe(0);
    expect(await readFile(regot, "utf8")).toBe(saved);
    const server = await aosInProcess(["statement", "verify", "--id", document.id, "--json"], operator());
    expect(server.code).toBe(0);
    expect(JSON.parse(server.stdout)).toMatchObject({ valid: true, differences: [] });
  });

  it("refuses what a role may not do and calls with missing arguments", async () => {
    const forbidden = await aosInProcess(
      ["statement", "issue", "--period", "2026-11", "--operator", operatorId],
      operator(),
    );
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toContain("FORBIDDEN");
    expect(
      (await aosInProcess(["statement", "issue", "--period", "11/2026", "--operator", operatorId], bureau()))
        .code,
    ).toBe(2);
    expect((await aosInProcess(["statement", "issue", "--period", "2026-11"], bureau())).code).toBe(2);
    expect((await aosInProcess(["statement", "get", "stm_nope"], operator())).code).toBe(4);
    expect(
      (await aosInProcess(["statement", "verify", join(folder.dir, "statement.json")], operator())).code,
    ).toBe(2);
    expect((await aosInProcess(["statement", "get", "x", "--format", "xml"], operator())).code).toBe(2);
  });
});
