import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { tempDir } from "../support/duckdb.ts";

/** `npm start`'s production form: compiled once (`npm run build`), run as JavaScript, no TypeScript loader. */
let folder: Awaited<ReturnType<typeof tempDir>>;
let node: ChildProcess | undefined;

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

function childCommandLines(parent: number): string[] {
  const lines: string[] = [];
  for (const line of execFileSync("ps", ["-o", "pid=,ppid=,args=", "-e"], { encoding: "utf8" }).split("\n")) {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (match && Number(match[2]) === parent) lines.push(match[3]!);
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
    const url = await new Promise<string>((resolve, reject) => {
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
});
