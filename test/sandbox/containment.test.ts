import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTAINMENT_LAYERS, workerContainment } from "../../sandbox/containment.ts";

const PROJECT = fileURLToPath(new URL("../..", import.meta.url));

import { detectCgroups, sweepStaleCgroups } from "../../sandbox/cgroups.ts";
import type { QueryPort, SandboxResult } from "../../sandbox/index.ts";
import { SandboxPool } from "../../sandbox/index.ts";
import { workerSeccompProgram } from "../../sandbox/seccomp-filter.ts";
import type { ProbeRequest } from "./fixtures/probe-worker.ts";

const PROBE_WORKER = fileURLToPath(new URL("./fixtures/probe-worker.ts", import.meta.url));
const POOL_OWNER = fileURLToPath(new URL("./fixtures/contained-pool-owner.ts", import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const port: QueryPort = { execute: () => Promise.reject(new Error("no queries here")) };

/**
 * What a worker can reach, from inside it. These tests need the host CI provides (bubblewrap, user
 * namespaces): `strict` throws when a layer is missing, and that fails them rather than skipping.
 */
let dataDir: string;
let server: Server;
let listening: number;
let jobs = 0;

beforeAll(async () => {
  // A data folder as the gateway keeps it; readable by anyone on the host, so only the mount view
  // can keep a worker from reading it.
  dataDir = mkdtempSync(join(tmpdir(), "aos-containment-"));
  chmodSync(dataDir, 0o755);
  for (const name of ["control.sqlite", "domain-key.pem"]) {
    writeFileSync(join(dataDir, name), `not a real ${name}`, { mode: 0o644 });
  }
  server = createServer((socket) => socket.end());
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  listening = (server.address() as { port: number }).port;
});

afterAll(async () => {
  server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function probeJob(pool: SandboxPool, extra: Partial<ProbeRequest> = {}): Promise<SandboxResult> {
  const request: ProbeRequest = {
    read: [join(dataDir, "control.sqlite"), join(dataDir, "domain-key.pem")],
    writeIn: dataDir,
    port: listening,
    ...extra,
  };
  return pool.run(
    { jobId: `probe_${++jobs}`, script: JSON.stringify(request), language: "javascript" },
    port,
  );
}

async function probeFrom(
  pool: SandboxPool,
  extra: Partial<ProbeRequest> = {},
): Promise<Record<string, string>> {
  const result = await probeJob(pool, extra);
  if (result.status !== "completed") throw new Error(`probe failed: ${JSON.stringify(result.error)}`);
  const rows = result.outputs.probes as Array<{ probe: string; result: string }>;
  return Object.fromEntries(rows.map((row) => [row.probe.replace(dataDir, "DATA_DIR"), row.result]));
}

describe("worker containment: from inside a worker", () => {
  let contained: SandboxPool;
  let uncontained: SandboxPool;
  beforeAll(() => {
    contained = new SandboxPool({
      size: 1,
      workerEntry: PROBE_WORKER,
      containment: workerContainment("strict"),
    });
    uncontained = new SandboxPool({
      size: 1,
      workerEntry: PROBE_WORKER,
      containment: workerContainment("off"),
    });
  });
  afterAll(async () => {
    await Promise.all([contained.close(), uncontained.close()]);
  });

  it("has every layer in force on this host, and says so without a path", () => {
    const { report } = workerContainment("strict");
    expect(report).toEqual({
      mode: "strict",
      layers: Object.fromEntries(CONTAINMENT_LAYERS.map((layer) => [layer, true])),
      missing: [],
    });
    expect(JSON.stringify(report)).not.toMatch(/\//);
  });

  it("cannot connect, read the control plane or the key, start a process or write, and is not root", async () => {
    const probes = await probeFrom(contained);
    expect(probes.connect).not.toBe("ok");
    expect(probes["read DATA_DIR/control.sqlite"]).toBe("ENOENT");
    expect(probes["read DATA_DIR/domain-key.pem"]).toBe("ENOENT");
    expect(probes.spawn).toBe("EPERM");
    expect(probes.write).not.toBe("ok");
    expect(probes.uid).not.toBe("0");
    // The whole view: libraries, node, the code; no /tmp, /etc, /home or data folder.
    expect(probes.root!.split(" ")).toEqual(expect.arrayContaining(["dev", "proc", "usr"]));
    // /tmp is in the view only when the checkout itself lies under it (a CI clone in a temp
    // folder): then it holds the code's path, bound read-only, and the data folder is still absent.
    if (!PROJECT.startsWith("/tmp/"))
      expect(probes.root!.split(" ")).not.toEqual(expect.arrayContaining(["tmp"]));
    expect(probes.root!.split(" ")).not.toEqual(expect.arrayContaining(["etc"]));
  });

  it("can do all of it uncontained: the probes above test the walls, not the probe", async () => {
    const probes = await probeFrom(uncontained);
    expect(probes).toMatchObject({
      connect: "ok",
      "read DATA_DIR/control.sqlite": "ok",
      "read DATA_DIR/domain-key.pem": "ok",
      spawn: "ok",
      write: "ok",
    });
  });
});

/** A live worker's cgroup folder for `controller`, read from /proc as the host sees it. */
function cgroupDir(pid: number, controller: "memory" | "cpu"): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, "utf8")
    .split("\n")
    .find((entry) => entry.split(":")[1]!.split(",").includes(controller));
  return join("/sys/fs/cgroup", controller, line!.split(":")[2]!);
}

describe("worker containment: cgroups", () => {
  const MiB = 1024 * 1024;
  const resources = { memoryBytes: 160 * MiB, cpuPercent: 25 };

  it("puts each worker, from its first instruction, in a cgroup with the configured memory limit and CPU quota", async () => {
    const pool = new SandboxPool({
      size: 1,
      workerEntry: PROBE_WORKER,
      containment: workerContainment("strict", resources),
    });
    try {
      await probeFrom(pool);
      const [pid] = pool.workerPids;
      const memory = cgroupDir(pid!, "memory");
      const cpu = cgroupDir(pid!, "cpu");
      expect(memory).toMatch(/aos-worker-\d+-\d+$/);
      expect(Number(readFileSync(join(memory, "memory.limit_in_bytes"), "utf8"))).toBe(resources.memoryBytes);
      const quota = Number(readFileSync(join(cpu, "cpu.cfs_quota_us"), "utf8"));
      const period = Number(readFileSync(join(cpu, "cpu.cfs_period_us"), "utf8"));
      expect(quota / period).toBeCloseTo(0.25);
      // Everything of the worker (bwrap, the namespace's init, node) is inside, none left outside.
      for (const process of descendants(pid!)) expect(cgroupDir(process, "memory")).toBe(memory);
      // A script that keeps a core busy is held to its quota: the kernel counts the throttling.
      await probeFrom(pool, { burnMs: 400 });
      expect(readFileSync(join(cpu, "cpu.stat"), "utf8")).toMatch(/^nr_throttled [1-9]/m);
    } finally {
      await pool.close();
    }
  });

  it("kills a worker holding more memory than its limit outside the isolate's heap, as MEMORY_LIMIT, and removes its cgroup", async () => {
    const pool = new SandboxPool({
      size: 1,
      workerEntry: PROBE_WORKER,
      containment: workerContainment("strict", { ...resources, cpuPercent: 100 }),
    });
    let memory = "";
    try {
      await probeFrom(pool);
      memory = cgroupDir(pool.workerPids[0]!, "memory");
      const result = await probeJob(pool, { allocateMb: 320 });
      expect(result).toMatchObject({ status: "failed", error: { code: "MEMORY_LIMIT" } });
    } finally {
      await pool.close();
    }
    expect(existsSync(memory)).toBe(false);
  });

  it("lets an uncontained worker hold that much: the limit, not the probe, stopped it", async () => {
    const pool = new SandboxPool({
      size: 1,
      workerEntry: PROBE_WORKER,
      containment: workerContainment("off"),
    });
    try {
      expect((await probeFrom(pool, { allocateMb: 320 })).held).toBe("320");
    } finally {
      await pool.close();
    }
  });
});

describe("worker containment: jobs", () => {
  it("runs a job in a contained worker", async () => {
    const pool = new SandboxPool({ size: 1, containment: workerContainment("strict") });
    try {
      const result: SandboxResult = await pool.run(
        {
          jobId: "contained_job",
          script: "export default async (ctx) => { ctx.log('hi'); return { t: [{ x: 1, s: 'a' }] }; }",
          language: "javascript",
        },
        port,
      );
      expect(result).toMatchObject({ status: "completed", outputs: { t: [{ x: 1, s: "a" }] } });
    } finally {
      await pool.close();
    }
  });
});

describe("worker containment: the seccomp program", () => {
  it("is whole instructions, ends allowing, denying and killing, and exists for x86_64 and aarch64", () => {
    for (const arch of ["x64", "arm64"]) {
      const program = workerSeccompProgram(arch);
      expect(program.byteLength % 8).toBe(0);
      // The last instruction kills a call of another architecture's ABI.
      expect(program.readUInt32LE(program.byteLength - 4)).toBe(0x80000000);
    }
    expect(() => workerSeccompProgram("ia32")).toThrow(/no seccomp filter/);
  });
});

/** Every process whose parent chain leads to `root`, `root` included. */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const found = [root];
  for (let i = 0; i < found.length; i++) {
    for (const [pid, parent] of parents) if (parent === found[i]) found.push(pid);
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}

describe("worker containment: when the worker's parent is killed", () => {
  let owner: ChildProcess | undefined;
  afterAll(() => {
    owner?.kill("SIGKILL");
    // The owner had no chance to remove its workers' cgroups: the next start sweeps them.
    const host = detectCgroups();
    if (host) sweepStaleCgroups(host);
  });

  it("ends a worker deaf to its channel (spinning) within a second of a SIGKILL to the process owning the pool", async () => {
    const request: ProbeRequest = { read: [], writeIn: dataDir, port: listening, spin: true };
    const args = [POOL_OWNER, PROBE_WORKER, JSON.stringify(request)];
    owner = spawn(process.execPath, ["--no-node-snapshot", "--import", TSX_LOADER, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    owner.stdout!.setEncoding("utf8");
    for await (const chunk of owner.stdout!) {
      out += chunk;
      if (out.includes("\n")) break;
    }
    const { status, workerPids } = JSON.parse(out) as { status: string; workerPids: number[] };
    expect(status).toBe("completed");
    const tree = workerPids.flatMap(descendants);
    // bwrap, the namespace's init and the worker's node.
    expect(tree.length).toBeGreaterThanOrEqual(3);
    owner.kill("SIGKILL");
    const deadline = Date.now() + 1000;
    while (tree.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(tree.filter(alive)).toEqual([]);
  });

  it("leaves no cgroup of the killed owner's workers after the next start's sweep", () => {
    const host = detectCgroups()!;
    sweepStaleCgroups(host);
    const ownerName = new RegExp(`^aos-worker-${owner!.pid}-`);
    for (const parent of [host.memoryParent, host.cpuParent])
      expect(readdirSync(parent).filter((name) => ownerName.test(name))).toEqual([]);
  });
});
