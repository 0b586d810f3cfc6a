import { execFileSync } from "node:child_process";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { loadConfig } from "../../gateway/config.ts";
import { type RunningGateway, startGateway } from "../../gateway/server.ts";
import { createLogger } from "../../telemetry/log.ts";

// A real full disk: the data folder is on a small tmpfs of its own (CI runs as root, which mounts
// it), filled to the last byte by a file that is then removed.
let mountPoint: string;
let gateway: RunningGateway;
let credentials: DemoCredentials;
const lines: Array<{ level: string; msg: string; area?: string }> = [];

beforeAll(async () => {
  mountPoint = await mkdtemp(join(tmpdir(), "aos-disk-full-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", mountPoint]);
  const logger = createLogger("info", (line) => {
    lines.push(JSON.parse(line));
  });
  gateway = await startGateway(
    loadConfig({
      DATA_DIR: join(mountPoint, "data"),
      PORT: "0",
      SEED_SCALE: "0.002",
      SHUTDOWN_GRACE_MS: "2000",
    }),
    logger,
  );
  credentials = gateway.newCredentials!;
});

afterAll(async () => {
  await gateway?.close();
  // Lazily: a sandbox worker's mount namespace may still hold the file system for a moment.
  execFileSync("umount", ["-l", mountPoint]);
  await rm(mountPoint, { recursive: true, force: true });
});

/** Writes until the file system has no byte left. */
async function fill(file: string): Promise<void> {
  const handle = await open(file, "w");
  try {
    for (const size of [1 << 20, 4096, 1]) {
      const block = Buffer.alloc(size, 1);
      try {
        for (;;) await handle.write(block);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
      }
    }
  } finally {
    await handle.close();
  }
}

const submit = () =>
  fetch(`${gateway.url}/v1/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${credentials.operator.key}`, "content-type": "application/json" },
    body: JSON.stringify({
      script: "export default async (ctx) => ({ n: await ctx.sql('SELECT count(*) AS n FROM air_quality') })",
      license: credentials.operator.license,
    }),
  });

const readiness = async () => {
  const res = await fetch(`${gateway.url}/readyz`);
  return { status: res.status, text: await res.text() };
};

describe("a full disk", () => {
  it("refuses writes with 503, makes the node unready with the reason, logs once, and recovers by itself", async () => {
    expect((await submit()).status).toBe(202);
    expect((await readiness()).status).toBe(200);

    const filler = join(mountPoint, "filler");
    await fill(filler);
    for (let i = 0; i < 3; i++) {
      const refused = await submit();
      expect(refused.status).toBe(503);
      expect(refused.headers.get("content-type")).toBe("application/problem+json");
      expect(refused.headers.get("retry-after")).toBe("30");
      const problem = (await refused.json()) as { code: string; detail: string };
      expect(problem.code).toBe("NOT_READY");
      expect(problem.detail).toMatch(/storage is full.*send the request again later/);
      expect(JSON.stringify(problem)).not.toContain(mountPoint);
    }
    const unready = await readiness();
    expect(unready.status).toBe(503);
    const body = JSON.parse(unready.text) as { checks: Record<string, string>; problems: string[] };
    expect(body.checks.storage).toBe("failing");
    expect(body.problems).toEqual([
      expect.stringMatching(
        /^the control plane storage is full since .*: writes are refused until space is freed/,
      ),
    ]);
    // Nothing of the folder's whereabouts: /readyz needs no key.
    expect(unready.text).not.toContain(mountPoint);
    // One episode, one line, however many writes failed.
    const full = lines.filter((l) => l.msg.startsWith("storage full"));
    expect(full).toHaveLength(1);
    expect(full[0]).toMatchObject({ level: "error", area: "control plane" });

    await rm(filler);
    // No restart: the node probes, finds space, and is ready again.
    let ready = await readiness();
    for (let i = 0; i < 120 && ready.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      ready = await readiness();
    }
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text).checks.storage).toBe("ok");
    expect(lines.filter((l) => l.msg.startsWith("storage has space again"))).toHaveLength(1);
    expect((await submit()).status).toBe(202);
  });
});
