import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { loadConfig } from "../../gateway/config.ts";
import { type RunningGateway, startGateway } from "../../gateway/server.ts";
import { silentLogger } from "../../telemetry/log.ts";
import { tempDir } from "../support/duckdb.ts";

/**
 * A data folder written by the previous release (commit daab774: control plane in DuckDB, audit
 * log in a file), left as a SIGKILL leaves it — see test/fixtures/legacy-v0.1/README.md — opened
 * by this release: everything moves into the transactional store on the first start.
 */
const FIXTURE = join(import.meta.dirname, "../fixtures/legacy-v0.1");
const expected = JSON.parse(readFileSync(join(FIXTURE, "expected.json"), "utf8")) as {
  tables: Record<string, number>;
  jobs: Record<string, string>;
  releasedOutputs: Record<string, string[]>;
  heldOutputs: Record<string, string[]>;
  audit: { entries: number };
};

let folder: Awaited<ReturnType<typeof tempDir>>;
let dir: string;
let gateway: RunningGateway | undefined;
let credentials: DemoCredentials;

const config = () =>
  loadConfig({ DATA_DIR: dir, PORT: "0", SANDBOX_WORKERS: "1", SHUTDOWN_GRACE_MS: "2000" });

async function call<T = Record<string, unknown>>(method: string, path: string, key: string) {
  const res = await fetch(`${gateway!.url}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as T };
}

beforeAll(async () => {
  folder = await tempDir("aos-upgrade-");
  execFileSync("tar", ["xzf", join(FIXTURE, "data.tar.gz"), "-C", folder.dir]);
  dir = join(folder.dir, "data");
  credentials = JSON.parse(readFileSync(join(dir, "demo-credentials.json"), "utf8"));
});

afterAll(async () => {
  await gateway?.close();
  await folder?.remove();
});

describe("upgrade of a data folder written by the previous release", () => {
  it("starts on it, keeping every principal, key, license, policy version, job and the whole audit log", async () => {
    gateway = await startGateway(config(), silentLogger);
    // The demo keys of the old folder still authenticate, for each role.
    const licenses = await call<{ licenses: { license: { id: string } }[] }>(
      "GET",
      "/v1/licenses",
      credentials.operator.key,
    );
    expect(licenses.status, JSON.stringify(licenses.body).slice(0, 400)).toBe(200);
    expect(licenses.body.licenses.map((l) => l.license.id)).toContain(credentials.operator.license);

    // The log is the old one, verbatim, continued: it verifies, and its first entries are the old lines.
    const verify = await call<{ valid: boolean; entries: number }>(
      "GET",
      "/v1/audit/verify",
      credentials.auditor.key,
    );
    expect(verify.body.valid).toBe(true);
    expect(verify.body.entries).toBeGreaterThanOrEqual(expected.audit.entries);
    const oldLines = readFileSync(
      join(dir, readdirSync(dir).find((f) => f.startsWith("audit.log.before-upgrade"))!),
      "utf8",
    )
      .trimEnd()
      .split("\n");
    const exported = await fetch(`${gateway.url}/v1/audit/export`, {
      headers: { authorization: `Bearer ${credentials.auditor.key}`, accept: "application/x-ndjson" },
    });
    const newLines = (await exported.text()).trimEnd().split("\n");
    expect(newLines.slice(0, oldLines.length)).toEqual(oldLines);
    // It opens as the international profile (its Ed25519 key), and the log now records that.
    const profile = newLines.map((l) => JSON.parse(l)).find((e) => e.type === "domain.crypto_profile");
    expect(profile?.data).toMatchObject({ profile: "international", signature: "ed25519", digest: "sha256" });

    // Settled jobs keep their status and their released outputs.
    for (const [id, status] of Object.entries(expected.jobs)) {
      if (["queued", "running"].includes(status)) continue;
      const owner = id in expected.heldOutputs ? credentials.bureau.key : credentials.operator.key;
      const job = await call<{ status: string }>("GET", `/v1/jobs/${id}`, owner);
      expect(job.body.status, id).toBe(status);
    }
    for (const [id, outputs] of Object.entries(expected.releasedOutputs)) {
      for (const name of outputs) {
        const output = await fetch(`${gateway.url}/v1/jobs/${id}/outputs/${name}`, {
          headers: { authorization: `Bearer ${credentials.operator.key}` },
        });
        expect(output.status, `${id}/${name}`).toBe(200);
        expect(((await output.json()) as unknown[]).length).toBeGreaterThan(0);
      }
    }
  });

  it("fails the job that was running when the old release died exactly once, and runs the queued ones", async () => {
    const running = Object.entries(expected.jobs)
      .filter(([, s]) => s === "running")
      .map(([id]) => id);
    const queued = Object.entries(expected.jobs)
      .filter(([, s]) => s === "queued")
      .map(([id]) => id);
    for (const id of running) {
      const job = await call<{ status: string; error?: { class: string } }>(
        "GET",
        `/v1/jobs/${id}`,
        credentials.operator.key,
      );
      expect(job.body.status).toBe("failed");
      expect(job.body.error?.class).toBe("Interrupted");
      const ends = await call<{ entries: unknown[] }>(
        "GET",
        `/v1/audit?job=${id}&type=job.finished`,
        credentials.auditor.key,
      );
      expect(ends.body.entries).toHaveLength(1);
    }
    // The queued ones (each a few seconds of CPU) run again; cancelling them ends them at once.
    for (const id of queued) {
      const cancelled = await call<{ status: string }>(
        "POST",
        `/v1/jobs/${id}/cancel`,
        credentials.operator.key,
      );
      expect([200, 409]).toContain(cancelled.status);
      const settled = await call<{ status: string }>(
        "GET",
        `/v1/jobs/${id}?wait=30`,
        credentials.operator.key,
      );
      expect(["cancelled", "released"]).toContain(settled.body.status);
    }
  });

  it("moved the old files aside, carried the spent budget, and does not upgrade twice", async () => {
    await gateway!.close();
    gateway = undefined;
    const files = readdirSync(dir);
    expect(files).not.toContain("control.duckdb");
    expect(files).not.toContain("audit.log");
    expect(files.some((f) => f.startsWith("control.duckdb.before-upgrade"))).toBe(true);
    const db = new Database(join(dir, "control.sqlite"), { readonly: true });
    try {
      for (const table of [
        "principals",
        "api_keys",
        "licenses",
        "dataset_versions",
        "reviews",
        "tariffs",
        "budget_charges",
        "budget_answers",
      ]) {
        const row = db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number };
        expect(row.n, table).toBe(expected.tables[table]);
      }
      const spent = db.prepare("SELECT sum(micro_epsilon) AS micro FROM budget_spent").get() as {
        micro: number;
      };
      const charged = db.prepare("SELECT sum(micro_epsilon) AS micro FROM budget_charges").get() as {
        micro: number;
      };
      expect(spent.micro).toBe(charged.micro);
      expect(spent.micro).toBeGreaterThan(0);
    } finally {
      db.close();
    }
    gateway = await startGateway(config(), silentLogger);
    const verify = await call<{ valid: boolean }>("GET", "/v1/audit/verify", credentials.auditor.key);
    expect(verify.body.valid).toBe(true);
    expect(existsSync(join(dir, "control.duckdb"))).toBe(false);
  });
});
