import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { workerContainment } from "../../sandbox/containment.ts";
import type { QueryPort, SandboxResult } from "../../sandbox/index.ts";
import { SandboxPool } from "../../sandbox/index.ts";

/** A worker whose process an attacker controls; the job's script text says what it does. */
const HOSTILE_WORKER = fileURLToPath(new URL("./fixtures/hostile-worker.ts", import.meta.url));
const POOL_OWNER = fileURLToPath(new URL("./fixtures/pool-owner.ts", import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
/**
 * These workers start processes: what the gateway does when the OS does not contain its workers
 * (SANDBOX_CONTAINMENT=off, or a host without bubblewrap). Contained, they could not (containment.test.ts).
 */
const UNCONTAINED = workerContainment("off");

/** The hostile worker runs no queries; a job of it never reaches the port. */
const port: QueryPort = { execute: () => Promise.reject(new Error("no queries here")) };

let dir: string;
let files = 0;
let jobs = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sandbox-tree-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pidFile(): string {
  return join(dir, `orphan-${++files}.pid`);
}

function readPid(file: string): number {
  return Number(readFileSync(file, "utf8"));
}

/**
 * No such process, or only its exit status left (a zombie): a killed orphan waits for init to
 * collect it, and the init of some containers never does.
 */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return true;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 3 (state) follows the command name, which is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

/** Killing is asynchronous: the kernel ends a process shortly after the signal. */
async function untilGone(pid: number): Promise<void> {
  for (let waited = 0; !gone(pid); waited += 20) {
    if (waited > 5_000) throw new Error(`process ${pid} is still running`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function failed(result: SandboxResult) {
  if (result.status !== "failed")
    throw new Error(`expected a failure, got ${JSON.stringify(result.outputs)}`);
  return result.error;
}

function completed(result: SandboxResult) {
  if (result.status !== "completed") throw new Error(`job failed: ${JSON.stringify(result.error)}`);
  return result;
}

describe("worker process tree: a worker that leaves a process holding its pipes", () => {
  let pool: SandboxPool;
  beforeAll(() => {
    pool = new SandboxPool({ size: 1, workerEntry: HOSTILE_WORKER, containment: UNCONTAINED });
  });
  afterAll(() => pool.close());

  function run(script: string): Promise<SandboxResult> {
    return pool.run(
      { jobId: `tree_${++jobs}`, script, language: "javascript", limits: { wallMs: 500 } },
      port,
    );
  }

  /** Its slot is free again: the pool serves the next job on a fresh worker. */
  afterEach(async () => {
    expect(completed(await run("honest")).outputs.served_by).toHaveLength(1);
  });

  it("fails the job of a worker that exits, though its stderr and message channel stay open, and kills what it left", async () => {
    const file = pidFile();
    const [worker] = pool.workerPids;
    expect(failed(await run(`orphan, then exit: ${file}`))).toMatchObject({
      code: "SANDBOX_CRASH",
      class: "SandboxCrash",
      source: "sandbox",
      message: expect.stringMatching(/stopped unexpectedly/),
    });
    await untilGone(readPid(file));
    expect(pool.workerPids).not.toContain(worker);
  });

  it("kills a worker that stops answering at its job's time limit, with what it started", async () => {
    const file = pidFile();
    const [worker] = pool.workerPids;
    expect(failed(await run(`orphan, then hang: ${file}`))).toMatchObject({
      code: "TIMEOUT",
      class: "Timeout",
      source: "sandbox",
    });
    await untilGone(readPid(file));
    await untilGone(worker!);
  });

  it("fails the job of a worker that exits though what holds its pipes left its process group", async () => {
    const file = pidFile();
    try {
      expect(failed(await run(`escape, then exit: ${file}`))).toMatchObject({
        code: "SANDBOX_CRASH",
        message: expect.stringMatching(/stopped unexpectedly/),
      });
    } finally {
      // In a session of its own, it is beyond the reach of a signal to the worker's group.
      process.kill(readPid(file), "SIGKILL");
    }
  });
});

describe("worker process tree: when the pool or its process ends", () => {
  it("kills what a worker started when the pool closes", async () => {
    const pool = new SandboxPool({ size: 1, workerEntry: HOSTILE_WORKER, containment: UNCONTAINED });
    const file = pidFile();
    try {
      completed(
        await pool.run(
          { jobId: "tree_close", script: `orphan, then answer: ${file}`, language: "javascript" },
          port,
        ),
      );
      expect(gone(readPid(file))).toBe(false);
    } finally {
      await pool.close();
    }
    await untilGone(readPid(file));
  });

  it("kills its workers and what they started when the process owning the pool exits without closing it", async () => {
    const file = pidFile();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", TSX_LOADER, POOL_OWNER, HOSTILE_WORKER, file],
      { timeout: 30_000 },
    );
    const owner = JSON.parse(stdout) as { status: string; workerPids: number[] };
    expect(owner.status).toBe("completed");
    expect(owner.workerPids).toHaveLength(1);
    await untilGone(owner.workerPids[0]!);
    await untilGone(readPid(file));
  });
});
