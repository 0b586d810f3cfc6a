import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { airQualityCsv } from "../support/data-files.ts";
import { tempDir } from "../support/duckdb.ts";
import { newPostgresDatabase } from "../support/stores.ts";

/**
 * Data versions across nodes sharing one PostgreSQL control plane: every node serves the versions
 * the control plane names, checked against their recorded SHA-256. A node whose datasets folder
 * lacks them claims no jobs and says so in /readyz; a version supplied through one gateway is what
 * the next job reads on any runner.
 */

let folder: Awaited<ReturnType<typeof tempDir>>;
let database: Awaited<ReturnType<typeof newPostgresDatabase>>;
const children: ChildProcess[] = [];

function startNode(
  role: "gateway" | "runner",
  name: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--no-node-snapshot", "--import", "tsx", "gateway/main.ts"], {
    env: {
      ...process.env,
      DATA_DIR: folder.dir,
      DATABASE_URL: database.url,
      ROLE: role,
      RUNNER_ID: name,
      PORT: "0",
      SEED_SCALE: "0.002",
      SANDBOX_WORKERS: "1",
      JOB_LEASE_MS: "2000",
      LOG_LEVEL: "error",
      SHUTDOWN_GRACE_MS: "1000",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (chunk) => {
      err += chunk;
    });
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      const listening = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (listening) resolve({ child, url: listening[1]! });
      else if (role === "runner" && out.includes("runner running jobs")) resolve({ child, url: "" });
    });
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code}: ${err.slice(-500)}`)));
  });
}

beforeAll(async () => {
  folder = await tempDir("aos-cluster-data-");
  database = await newPostgresDatabase();
});

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await database?.drop();
  await folder?.remove();
});

describe("data versions on several nodes", () => {
  it("serves the named versions everywhere; a node lacking them claims nothing and is not ready", async () => {
    const gateway = await startNode("gateway", "gateway-a");
    const elsewhere = join(folder.dir, "empty-datasets");
    await mkdir(elsewhere, { recursive: true });
    const [, , lacking] = await Promise.all([
      startNode("runner", "runner-a"),
      startNode("runner", "runner-x", { DATASETS_DIR: elsewhere }),
      startNode("gateway", "gateway-x", { DATASETS_DIR: elsewhere }),
    ]);
    const credentials = JSON.parse(
      await readFile(join(folder.dir, "demo-credentials.json"), "utf8"),
    ) as DemoCredentials;

    const ready = await fetch(`${lacking.url}/readyz`);
    expect(ready.status).toBe(503);
    const readiness = (await ready.json()) as { checks: Record<string, string>; problems: string[] };
    expect(readiness.checks.dataDomain).toBe("failing");
    expect(readiness.problems[0]).toMatch(/^data version 1 of [a-z_]+ is not on this node$/);
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);

    const operator = {
      authorization: `Bearer ${credentials.operator.key}`,
      "content-type": "application/json",
    };
    const count = async (): Promise<{ id: string; n: number }> => {
      const submitted = (await (
        await fetch(`${gateway.url}/v1/jobs`, {
          method: "POST",
          headers: operator,
          body: JSON.stringify({
            license: credentials.operator.license,
            script: `export default async function main(ctx) {
              return { t: await ctx.sql("SELECT count(*) AS n FROM air_quality") };
            }`,
          }),
        })
      ).json()) as { id: string };
      for (;;) {
        const job = (await (
          await fetch(`${gateway.url}/v1/jobs/${submitted.id}?wait=20`, { headers: operator })
        ).json()) as { status: string };
        if (job.status === "queued" || job.status === "running") continue;
        expect(job.status).toBe("released");
        break;
      }
      const rows = (await (
        await fetch(`${gateway.url}/v1/jobs/${submitted.id}/outputs/t`, {
          headers: { ...operator, accept: "application/json" },
        })
      ).json()) as { n: number }[];
      return { id: submitted.id, n: rows[0]!.n };
    };

    const before = await Promise.all([count(), count(), count(), count()]);
    const seeded = before[0]!.n;
    expect(before.every((job) => job.n === seeded)).toBe(true);

    const supplied = await fetch(`${gateway.url}/v1/datasets/air_quality/versions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${credentials.holders!.air_quality!.key}`,
        "content-type": "text/csv",
      },
      body: airQualityCsv(42),
    });
    expect(supplied.status, await supplied.clone().text()).toBe(201);
    const after = await count();
    expect(after.n).toBe(42);

    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      // Only the runner holding the files ran anything.
      const runners = await db.query<{ runner: string }>("SELECT DISTINCT runner FROM jobs");
      expect(runners.rows.map((r) => r.runner)).toEqual(["runner-a"]);
      const started = await db.query<{ line: string }>(
        "SELECT line FROM audit_entries WHERE type = 'job.started' AND job = $1",
        [after.id],
      );
      expect(JSON.parse(started.rows[0]!.line).data).toMatchObject({ dataVersions: { air_quality: 2 } });
    } finally {
      await db.end();
    }
  }, 180_000);
});
