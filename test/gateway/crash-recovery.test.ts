import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { tempDir } from "../support/duckdb.ts";
import { newPostgresDatabase } from "../support/stores.ts";

/**
 * The gateway as `npm start` runs it: a real process on a real data folder, killable with SIGKILL;
 * on the embedded SQLite control plane, or on PostgreSQL (`databaseUrl`), where the restarted
 * node finds the killed one's jobs still leased and fails them once their lease runs out.
 */
function startProcess(dir: string, databaseUrl?: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--no-node-snapshot", "--import", "tsx", "gateway/main.ts"], {
    env: {
      ...process.env,
      DATA_DIR: dir,
      PORT: "0",
      SEED_SCALE: "0.002",
      SANDBOX_WORKERS: "1",
      LOG_LEVEL: "error",
      JOB_LEASE_MS: "2000",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code} before listening`)));
  });
}

let running: ChildProcess | undefined;
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  running?.kill("SIGKILL");
  for (const cleanup of cleanups) await cleanup();
});

describe.each(["sqlite", "postgres"] as const)("crash recovery on %s", (kind) => {
  let folder: Awaited<ReturnType<typeof tempDir>>;
  let databaseUrl: string | undefined;
  beforeAll(async () => {
    folder = await tempDir();
    cleanups.push(() => folder.remove());
    if (kind === "postgres") {
      const database = await newPostgresDatabase();
      databaseUrl = database.url;
      cleanups.push(() => database.drop());
    }
  });

  it("after SIGKILL mid-burst, the log verifies, every job ends exactly once, releases keep their outputs, and no job hangs", async () => {
    const first = await startProcess(folder.dir, databaseUrl);
    running = first.child;
    const credentials = JSON.parse(
      await readFile(join(folder.dir, "demo-credentials.json"), "utf8"),
    ) as DemoCredentials;
    const headers = (key: string) => ({ authorization: `Bearer ${key}`, "content-type": "application/json" });
    const script = `export default async function main(ctx) {
      const until = Date.now() + 150; while (Date.now() < until) {}
      return { t: await ctx.sql("SELECT station, count(*) AS n FROM air_quality GROUP BY station") };
    }`;
    const accepted: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${first.url}/v1/jobs`, {
        method: "POST",
        headers: headers(credentials.operator.key),
        body: JSON.stringify({ script, license: credentials.operator.license }),
      });
      if (res.status === 202) accepted.push(((await res.json()) as { id: string }).id);
    }
    expect(accepted.length).toBe(12);
    // Let some finish, then kill the process without warning.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));

    const second = await startProcess(folder.dir, databaseUrl);
    running = second.child;
    const statuses = new Map<string, string>();
    for (const id of accepted) {
      for (let attempt = 0; attempt < 10; attempt++) {
        const job = (await (
          await fetch(`${second.url}/v1/jobs/${id}?wait=30`, { headers: headers(credentials.operator.key) })
        ).json()) as { status: string };
        if (!["queued", "running"].includes(job.status)) {
          statuses.set(id, job.status);
          break;
        }
      }
    }
    // Nothing is left hanging: every accepted job settled, released or failed by the restart.
    expect([...statuses.keys()].sort()).toEqual([...accepted].sort());
    for (const status of statuses.values()) expect(["released", "failed"]).toContain(status);
    expect([...statuses.values()]).toContain("released");

    const auditor = headers(credentials.auditor.key);
    const verification = (await (
      await fetch(`${second.url}/v1/audit/verify`, { headers: auditor })
    ).json()) as {
      valid: boolean;
    };
    expect(verification.valid).toBe(true);
    for (const [id, status] of statuses) {
      const entries = (await (
        await fetch(`${second.url}/v1/audit?job=${id}&type=output.released`, { headers: auditor })
      ).json()) as { entries: unknown[] };
      expect(entries.entries.length, `${id} ${status}`).toBe(status === "released" ? 1 : 0);
      // Each job ended exactly once: a release that was durable before the kill is not ended again.
      const ends = (await (
        await fetch(`${second.url}/v1/audit?job=${id}&type=job.finished`, { headers: auditor })
      ).json()) as { entries: { data: { status: string } }[] };
      expect(
        ends.entries.map((e) => e.data.status),
        id,
      ).toEqual([status]);
      if (status === "released") {
        const output = await fetch(`${second.url}/v1/jobs/${id}/outputs/t`, {
          headers: headers(credentials.operator.key),
        });
        expect(output.status, `${id} output`).toBe(200);
      }
    }
    // No submission entry names a job that does not exist.
    const submitted = (await (
      await fetch(`${second.url}/v1/audit?type=job.submitted`, { headers: auditor })
    ).json()) as { entries: { subjects: { job: string } }[] };
    expect(submitted.entries.map((e) => e.subjects.job).sort()).toEqual([...accepted].sort());
    second.child.kill("SIGTERM");
    await new Promise((resolve) => second.child.once("exit", resolve));
    running = undefined;
  });
});
