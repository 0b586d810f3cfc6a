import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { licenseThroughApplication } from "../support/applications.ts";
import { tempDir } from "../support/duckdb.ts";
import { newPostgresDatabase } from "../support/stores.ts";

/**
 * Several nodes on one PostgreSQL control plane, as `npm start` runs them with DATABASE_URL and
 * ROLE: two stateless gateways and two runners, real processes sharing one data folder's domain
 * and keys. One runner and one gateway are killed with SIGKILL while jobs run.
 */
const JOBS = 1000;

interface Node {
  readonly child: ChildProcess;
  readonly url: string;
}

let folder: Awaited<ReturnType<typeof tempDir>>;
let database: Awaited<ReturnType<typeof newPostgresDatabase>>;
const nodes: ChildProcess[] = [];

function startNode(role: "gateway" | "runner", name: string): Promise<Node> {
  const child = spawn(process.execPath, ["--no-node-snapshot", "--import", "tsx", "gateway/main.ts"], {
    env: {
      ...process.env,
      DATA_DIR: folder.dir,
      DATABASE_URL: database.url,
      ROLE: role,
      RUNNER_ID: name,
      PORT: "0",
      SEED_SCALE: "0.002",
      SANDBOX_WORKERS: "2",
      OPERATOR_CONCURRENCY: "8",
      JOB_QUEUE_CAPACITY: "5000",
      JOB_LEASE_MS: "2000",
      LOG_LEVEL: "error",
      SHUTDOWN_GRACE_MS: "2000",
      // This test is about exactly-once jobs across nodes: the alert rules (budget burn on the DP
      // license) would turn into credit violations that cut the demo license's quota mid-run, at a
      // pace set by how slow the machine is. Credit has its own tests.
      ALERT_INTERVAL_MS: "86400000",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  nodes.push(child);
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
    child.once("exit", (code) =>
      reject(new Error(`${name} exited with ${code} before it was up: ${err.slice(-500)}`)),
    );
  });
}

async function kill(node: Node): Promise<void> {
  const exited = new Promise((resolve) => node.child.once("exit", resolve));
  node.child.kill("SIGKILL");
  await exited;
}

beforeAll(async () => {
  folder = await tempDir("aos-cluster-");
  database = await newPostgresDatabase();
});

afterAll(async () => {
  for (const child of nodes) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await database?.drop();
  await folder?.remove();
});

describe("two gateways and two runners on one PostgreSQL", () => {
  it("ends every accepted job exactly once through SIGKILLs, overspends no budget, and serves every release from any gateway", async () => {
    // The first gateway provisions the domain, the key and the demo principals; the others join.
    const gatewayA = await startNode("gateway", "gateway-a");
    const [gatewayB, runnerA, runnerB] = await Promise.all([
      startNode("gateway", "gateway-b"),
      startNode("runner", "runner-a"),
      startNode("runner", "runner-b"),
    ]);
    const credentials = JSON.parse(
      await readFile(join(folder.dir, "demo-credentials.json"), "utf8"),
    ) as DemoCredentials;
    const headers = (key: string) => ({ authorization: `Bearer ${key}`, "content-type": "application/json" });
    const operator = headers(credentials.operator.key);

    // A small population budget that DP queries race for, across both runners.
    // Grade-3 data: the license comes through the application flow (holder consent, bureau approval).
    const poster = (key: string) => ({
      async post<T>(path: string, body?: unknown) {
        const res = await fetch(`${gatewayA.url}${path}`, {
          method: "POST",
          headers: headers(key),
          body: JSON.stringify(body ?? {}),
        });
        return { status: res.status, body: (await res.json()) as T };
      },
    });
    const { license: budgetLicense } = await licenseThroughApplication(
      {
        operator: poster(credentials.operator.key),
        holders: { population: poster(credentials.holders!.population!.key) },
        bureau: poster(credentials.bureau.key),
      },
      {
        purpose: "urban-analytics",
        validFrom: new Date(Date.now() - 60_000).toISOString(),
        validTo: new Date(Date.now() + 86_400_000).toISOString(),
        datasets: [{ name: "population", epsilon: { perQuery: 0.5, total: 3, period: "month" } }],
        quotas: {},
        releaseMode: "auto",
      },
    );

    const trivial = "export default async () => ({ t: [{ x: 1 }] })";
    const air = `export default async function main(ctx) {
        return { t: await ctx.sql("SELECT station, count(*) AS n FROM air_quality GROUP BY station") };
      }`;
    const dp = (i: number) => `export default async function main(ctx) {
        return { t: await ctx.sql("SELECT district, count(*) AS n FROM population WHERE annual_income > ${i} GROUP BY district") };
      }`;
    const accepted = new Map<string, string>();
    const submit = async (i: number) => {
      const gateway = i % 2 === 0 ? gatewayA : gatewayB;
      const body =
        i % 50 === 7
          ? { script: dp(i), license: budgetLicense }
          : { script: i % 10 === 3 ? air : trivial, license: credentials.operator.license };
      const res = await fetch(`${gateway.url}/v1/jobs`, {
        method: "POST",
        headers: operator,
        body: JSON.stringify(body),
      });
      if (res.status === 202)
        accepted.set(((await res.json()) as { id: string }).id, gateway === gatewayA ? "a" : "b");
      else throw new Error(`submission ${i} answered ${res.status}: ${await res.text()}`);
    };
    for (let i = 0; i < JOBS; i += 20) {
      await Promise.all(Array.from({ length: Math.min(20, JOBS - i) }, (_, k) => submit(i + k)));
    }
    expect(accepted.size).toBe(JOBS);

    // A job submitted on one gateway can be watched on the other: its events cross nodes.
    const watched = [...accepted].find(([, via]) => via === "a")![0];
    const stream = await fetch(`${gatewayB.url}/v1/jobs/${watched}/events`, { headers: operator });
    expect(stream.status).toBe(200);
    const streamed = stream.text();

    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const settledCount = async () =>
        Number(
          (await db.query("SELECT count(*) AS n FROM jobs WHERE status NOT IN ('queued', 'running')")).rows[0]
            .n,
        );
      // Kill one runner and one gateway once the run is well under way.
      while ((await settledCount()) < JOBS / 4) await new Promise((r) => setTimeout(r, 100));
      await Promise.all([kill(runnerA), kill(gatewayA)]);
      const deadline = Date.now() + 240_000;
      while ((await settledCount()) < JOBS && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 250));
      expect(await settledCount()).toBe(JOBS);
      expect(await streamed).toMatch(/event: finished/);

      // Every accepted job exists and ended exactly once; none was released twice.
      const ends = await db.query<{ job: string; ends: string; releases: string; starts: string }>(
        `SELECT job,
             count(*) FILTER (WHERE type = 'job.finished') AS ends,
             count(*) FILTER (WHERE type = 'output.released') AS releases,
             count(*) FILTER (WHERE type = 'job.started') AS starts
           FROM audit_entries WHERE job IS NOT NULL GROUP BY job`,
      );
      const byJob = new Map(ends.rows.map((r) => [r.job, r]));
      for (const id of accepted.keys()) {
        const row = byJob.get(id);
        expect(row, id).toBeDefined();
        expect(Number(row!.ends), id).toBe(1);
        expect(Number(row!.releases), id).toBeLessThanOrEqual(1);
        expect(Number(row!.starts), id).toBeLessThanOrEqual(1);
      }
      const statuses = await db.query<{ id: string; status: string }>("SELECT id, status FROM jobs");
      expect(statuses.rows).toHaveLength(JOBS);
      const released = statuses.rows.filter((r) => r.status === "released").map((r) => r.id);
      expect(released.length).toBeGreaterThan(JOBS / 2);
      for (const row of statuses.rows) expect(["released", "failed"], row.id).toContain(row.status);

      // The budget was never overspent, whatever ran where.
      const spent = await db.query<{ micro: string }>(
        "SELECT micro_epsilon AS micro FROM budget_spent WHERE license_id = $1",
        [budgetLicense],
      );
      for (const row of spent.rows) expect(Number(row.micro)).toBeLessThanOrEqual(3_000_000);
      const charged = await db.query<{ n: string }>(
        "SELECT count(*) AS n FROM budget_charges WHERE license_id = $1",
        [budgetLicense],
      );
      expect(Number(charged.rows[0]!.n)).toBeLessThanOrEqual(6);

      // The log verifies, and every release is served by the surviving gateway and by a new one.
      const gatewayC = await startNode("gateway", "gateway-c");
      const auditor = headers(credentials.auditor.key);
      const verify = (await (
        await fetch(`${gatewayB.url}/v1/audit/verify`, { headers: auditor })
      ).json()) as {
        valid: boolean;
      };
      expect(verify.valid).toBe(true);
      for (const [i, id] of released.entries()) {
        const gateway = i % 2 === 0 ? gatewayB : gatewayC;
        const res = await fetch(`${gateway.url}/v1/jobs/${id}/outputs/t`, { headers: operator });
        expect(res.status, id).toBe(200);
      }
      await Promise.all([gatewayB, gatewayC, runnerB].map(kill));
    } finally {
      await db.end();
    }
  }, 600_000);
});
