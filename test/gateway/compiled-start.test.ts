import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { detectCgroups } from "../../sandbox/cgroups.ts";
import { tempDir } from "../support/duckdb.ts";

/** `npm start`'s production form: compiled once (`npm run build`), run as JavaScript, no TypeScript loader. */
let folder: Awaited<ReturnType<typeof tempDir>>;
let node: ChildProcess | undefined;
let url: string;

beforeAll(async () => {
  folder = await tempDir("aos-compiled-");
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    stdio: "pipe",
  });
});

afterAll(async () => {
  node?.kill("SIGKILL");
  await folder?.remove();
});

/** Pids of a process's children, from /proc. */
function childPids(parent: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        return /^\d+$/.test(entry) && Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === parent;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Command lines of a process's children, from /proc. */
function childCommandLines(parent: number): string[] {
  const lines: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (ppid) follows the command name, which is in parentheses and may hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) lines.push(readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" "));
    } catch {
      // the process ended while we looked
    }
  }
  return lines;
}

describe("compiled start", () => {
  it("starts from dist/ on a fresh folder and runs a job in workers that are plain JavaScript", async () => {
    const dir = join(folder.dir, "data");
    node = spawn(process.execPath, ["--no-node-snapshot", "dist/gateway/main.js"], {
      env: {
        ...process.env,
        DATA_DIR: dir,
        PORT: "0",
        SEED_SCALE: "0.002",
        SANDBOX_WORKERS: "1",
        LOG_LEVEL: "error",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    url = await new Promise<string>((resolve, reject) => {
      let out = "";
      node!.stdout!.on("data", (chunk) => {
        out += chunk;
        const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      node!.once("exit", (code) => reject(new Error(`exited with ${code}`)));
    });
    const credentials = JSON.parse(
      readFileSync(join(dir, "demo-credentials.json"), "utf8"),
    ) as DemoCredentials;
    const headers = {
      authorization: `Bearer ${credentials.operator.key}`,
      "content-type": "application/json",
    };
    const submitted = await fetch(`${url}/v1/jobs`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        script: `export default async (ctx) => ({ t: await ctx.sql("SELECT station, count(*) AS n FROM air_quality GROUP BY station") })`,
        license: credentials.operator.license,
      }),
    });
    const { id } = (await submitted.json()) as { id: string };
    const job = (await (await fetch(`${url}/v1/jobs/${id}?wait=30`, { headers })).json()) as {
      status: string;
    };
    expect(job.status).toBe("released");
    const workers = childCommandLines(node.pid!).filter((line) => line.includes("worker-main"));
    expect(workers.length).toBeGreaterThan(0);
    for (const worker of workers) {
      expect(worker).toContain("dist/sandbox/worker-main.js");
      expect(worker).not.toContain("tsx");
    }
  });

  it("the image's health check (deploy/healthcheck.mjs) finds the compiled node alive", () => {
    const port = new URL(url).port;
    const probe = spawnSync(process.execPath, ["deploy/healthcheck.mjs"], {
      env: { PATH: process.env.PATH, PORT: port },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect({ status: probe.status, stderr: probe.stderr }).toEqual({ status: 0, stderr: "" });
  });

  it("stops on SIGTERM leaving no worker, booting or idle, and no worker cgroup behind", async () => {
    // A job ended its worker's turn: a replacement may be booting right now.
    const pids = childPids(node!.pid!);
    expect(pids.length).toBeGreaterThan(0);
    const exited = once(node!, "exit");
    node!.kill("SIGTERM");
    const [code] = await exited;
    expect(code).toBe(0);
    expect(pids.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
    const host = detectCgroups();
    if (host)
      expect(
        readdirSync(host.memoryParent).filter((name) => name.startsWith(`aos-worker-${node!.pid}-`)),
      ).toEqual([]);
  });
});
