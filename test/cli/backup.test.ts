import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, open, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { verifyReceipt } from "../../audit/receipt.ts";
import { verifyAuditLog } from "../../audit/verify.ts";
import {
  AUDIT_EXPORT,
  BackupError,
  BackupManifest,
  backupDataFolder,
  restoreDataFolder,
  verifyBackup,
} from "../../control/backup.ts";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { loadConfig } from "../../gateway/config.ts";
import { type RunningGateway, startGateway } from "../../gateway/server.ts";
import { silentLogger } from "../../telemetry/log.ts";
import { tempDir } from "../support/duckdb.ts";
import { newPostgresDatabase } from "../support/stores.ts";
import { aos } from "./server.ts";

const SCRIPT = `export default async function main(ctx) {
  return { t: await ctx.sql("SELECT station, count(*) AS n, avg(pm25) AS pm25 FROM air_quality GROUP BY station ORDER BY station") };
}`;

let work: Awaited<ReturnType<typeof tempDir>>;
const running: RunningGateway[] = [];

beforeAll(async () => {
  work = await tempDir("aos-backup-");
});

afterAll(async () => {
  for (const gateway of running) await gateway.close().catch(() => undefined);
  await work?.remove();
});

async function startNode(dir: string, databaseUrl?: string): Promise<RunningGateway> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const gateway = await startGateway(
    loadConfig({
      DATA_DIR: dir,
      PORT: "0",
      SEED_SCALE: "0.002",
      SANDBOX_WORKERS: "1",
      LOG_LEVEL: "error",
      SHUTDOWN_GRACE_MS: "2000",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    }),
    silentLogger,
  );
  running.push(gateway);
  return gateway;
}

async function stopNode(gateway: RunningGateway): Promise<void> {
  await gateway.close();
  running.splice(running.indexOf(gateway), 1);
}

/** The API of one node as one key. */
function api(gateway: RunningGateway, key: string) {
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  return {
    async get<T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T; text: string }> {
      const res = await fetch(`${gateway.url}${path}`, { headers });
      const text = await res.text();
      const json = res.headers.get("content-type")?.includes("json") && !path.includes("/export");
      return { status: res.status, body: (json ? JSON.parse(text) : undefined) as T, text };
    },
    async submit(): Promise<string> {
      const res = await fetch(`${gateway.url}/v1/jobs`, {
        method: "POST",
        headers,
        body: JSON.stringify({ script: SCRIPT, license: "lic_demo_urban_analytics" }),
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    },
    async settled(id: string): Promise<{ status: string; receipt?: unknown }> {
      for (;;) {
        const { body } = await this.get<{ status: string; receipt?: unknown }>(`/v1/jobs/${id}?wait=30`);
        if (!["queued", "running"].includes(body.status)) return body;
      }
    },
  };
}

/** A released job as the operator saw it before the backup: its output's bytes and its receipt. */
interface Released {
  readonly id: string;
  readonly output: string;
  readonly receipt: unknown;
}

async function submitAndRelease(node: ReturnType<typeof api>): Promise<Released> {
  const id = await node.submit();
  const job = await node.settled(id);
  expect(job.status).toBe("released");
  const output = await node.get(`/v1/jobs/${id}/outputs/t`);
  expect(output.status).toBe(200);
  return { id, output: output.text, receipt: job.receipt };
}

const exportLines = async (auditor: ReturnType<typeof api>) =>
  (await auditor.get("/v1/audit/export")).text.split("\n").filter((line) => line.length > 0);

async function modes(dir: string): Promise<Record<string, number>> {
  const result: Record<string, number> = { ".": (await stat(dir)).mode & 0o777 };
  for (const name of await readdir(dir)) result[name] = (await stat(join(dir, name))).mode & 0o777;
  return result;
}

/** Flips one byte in the middle of a file. */
async function flipByte(file: string): Promise<void> {
  const handle = await open(file, "r+");
  try {
    const { size } = await handle.stat();
    const at = Math.floor(size / 2);
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    await handle.write(byte, 0, 1, at);
  } finally {
    await handle.close();
  }
}

describe("aos backup and aos restore (SQLite control plane)", () => {
  let source: string;
  let backup: string;
  let restored: string;
  let manifest: BackupManifest;
  let before: Released[];
  let afterBackup: string;
  /** Jobs submitted while the backup ran. */
  let during: string[];
  let sourceLog: string[];
  let credentials: DemoCredentials;

  it("backs up a running node while jobs are being submitted, consistently", async () => {
    source = join(work.dir, "source");
    backup = join(work.dir, "backup");
    const node = await startNode(source);
    credentials = JSON.parse(await readFile(join(source, "demo-credentials.json"), "utf8"));
    const operator = api(node, credentials.operator.key);
    before = [await submitAndRelease(operator), await submitAndRelease(operator)];

    // Submissions keep arriving for as long as the backup (another process) runs.
    let backingUp = true;
    during = [];
    const burst = (async () => {
      while (backingUp) {
        during.push(await operator.submit());
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    const run = await aos(["backup", "--data-dir", source, "--out", backup, "--json"]);
    backingUp = false;
    await burst;
    expect(run.code, run.stderr).toBe(0);
    expect(during.length).toBeGreaterThan(2);
    expect(run.stderr).toContain("audit log verified");
    manifest = BackupManifest.parse(JSON.parse(run.stdout).manifest);
    expect(manifest.controlPlane).toMatchObject({ kind: "sqlite", file: "control.sqlite" });
    expect(manifest.controlPlane.schemaVersion).toBeGreaterThanOrEqual(1);
    // Every data version the control plane records, each file with its recorded SHA-256.
    expect(manifest.dataVersions.versions).toHaveLength(6);
    expect(manifest.dataVersions.current).toMatchObject({ population: 1, air_quality: 1 });
    for (const version of manifest.dataVersions.versions)
      expect(manifest.files[`datasets/${version.file}`]?.sha256).toBe(version.fileSha256);
    expect(
      Object.keys(manifest.files)
        .filter((name) => !name.startsWith("datasets/"))
        .sort(),
    ).toEqual([
      AUDIT_EXPORT,
      "control.sqlite",
      "demo-credentials.json",
      "domain-key.pem",
      "domain-key.pub.pem",
    ]);
    // Secrets stay owner-only; the node's lock and the SQLite WAL are not part of a backup.
    expect(await modes(backup)).toEqual({
      ".": 0o700,
      "backup.json": 0o600,
      [AUDIT_EXPORT]: 0o600,
      "control.sqlite": 0o600,
      "demo-credentials.json": 0o600,
      "domain-key.pem": 0o600,
      "domain-key.pub.pem": 0o600,
      datasets: 0o700,
    });

    // A job that exists only after the backup.
    afterBackup = (await submitAndRelease(operator)).id;
    sourceLog = await exportLines(api(node, credentials.auditor.key));
    await stopNode(node);

    // The backup's log is the live log up to the head it names, byte for byte.
    const backedUp = (await readFile(join(backup, AUDIT_EXPORT), "utf8")).split("\n").filter(Boolean);
    expect(backedUp.length).toBe(manifest.audit.entries);
    expect(backedUp).toEqual(sourceLog.slice(0, manifest.audit.entries));
    expect(JSON.parse(backedUp.at(-1)!).hash).toBe(manifest.audit.head?.hash);
    const publicKey = await readFile(join(backup, "domain-key.pub.pem"), "utf8");
    expect(await verifyAuditLog(join(backup, AUDIT_EXPORT), { publicKey })).toMatchObject({
      valid: true,
      entries: manifest.audit.entries,
    });
    const verified = await aos(["backup", "verify", "--from", backup]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stderr).toContain("valid");
  });

  it("restores into a new folder; the restored node verifies its log and serves every released output", async () => {
    restored = join(work.dir, "restored");
    const run = await aos(["restore", "--from", backup, "--data-dir", restored, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ dataDir: restored });
    expect(await modes(restored)).toEqual({
      ".": 0o700,
      "control.sqlite": 0o600,
      "demo-credentials.json": 0o600,
      "domain-key.pem": 0o600,
      "domain-key.pub.pem": 0o600,
      datasets: 0o700,
    });

    const node = await startNode(restored);
    expect(node.newCredentials).toBeUndefined();
    const auditor = api(node, credentials.auditor.key);
    const operator = api(node, credentials.operator.key);
    const verification = await auditor.get<{ valid: boolean; entries: number }>("/v1/audit/verify");
    expect(verification.body.valid).toBe(true);
    expect(verification.body.entries).toBeGreaterThanOrEqual(manifest.audit.entries);
    const log = await exportLines(auditor);
    expect(log.slice(0, manifest.audit.entries)).toEqual(sourceLog.slice(0, manifest.audit.entries));

    const publicKey = await readFile(join(restored, "domain-key.pub.pem"), "utf8");
    for (const job of before) {
      expect((await operator.get<{ status: string }>(`/v1/jobs/${job.id}`)).body.status).toBe("released");
      const output = await operator.get(`/v1/jobs/${job.id}/outputs/t`);
      expect(output.status).toBe(200);
      expect(output.text).toBe(job.output);
      const receipt = verifyReceipt(job.receipt, publicKey, { content: Buffer.from(output.text), name: "t" });
      expect(receipt, job.id).toMatchObject({ valid: true, output: "t" });
    }
    // The restore is the backup's moment: what happened after it is not there.
    expect((await operator.get(`/v1/jobs/${afterBackup}`)).status).toBe(404);

    // Consistency: every job the restored control plane holds was submitted in its log, and every
    // submission the backed-up log records is a job the control plane holds.
    const jobs = (await operator.get<{ jobs: { id: string }[] }>("/v1/jobs?limit=500")).body.jobs;
    const submitted = log
      .slice(0, manifest.audit.entries)
      .map((line) => JSON.parse(line) as { type: string; subjects: { job?: string } })
      .filter((entry) => entry.type === "job.submitted")
      .map((entry) => entry.subjects.job);
    expect(jobs.map((job) => job.id).sort()).toEqual([...submitted].sort());
    // The snapshot was taken in the middle of the burst: the jobs accepted before it are there.
    expect(during.filter((id) => jobs.some((job) => job.id === id)).length).toBeGreaterThan(0);

    // A folder a running node holds is never restored over, not even with --force.
    const busy = await aos(["restore", "--from", backup, "--data-dir", restored, "--force"]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain("in use by a running node");
    await stopNode(node);
  });

  it("refuses a backup with one byte changed, naming the file, and touches nothing", async () => {
    const population = manifest.dataVersions.versions.find((v) => v.dataset === "population")!;
    for (const file of [`datasets/${population.file}`, "control.sqlite", "domain-key.pem"]) {
      const tampered = join(work.dir, `tampered-${file.replaceAll("/", "-")}`);
      await cp(backup, tampered, { recursive: true });
      await flipByte(join(tampered, file));
      const target = join(work.dir, `never-${file.replaceAll("/", "-")}`);
      const run = await aos(["restore", "--from", tampered, "--data-dir", target]);
      expect(run.code, file).toBe(1);
      expect(run.stderr).toContain(`backup file ${file} does not match backup.json`);
      expect(existsSync(target)).toBe(false);
      const verify = await aos(["backup", "verify", "--from", tampered]);
      expect(verify.code).toBe(1);
      expect(verify.stderr).toContain(file);
    }
  });

  it("refuses a backup whose audit export was altered consistently with its manifest", async () => {
    const tampered = join(work.dir, "tampered-log");
    await cp(backup, tampered, { recursive: true });
    const lines = (await readFile(join(tampered, AUDIT_EXPORT), "utf8")).split("\n");
    const doctored = lines.slice(0, 1).concat(lines.slice(2)).join("\n");
    await writeFile(join(tampered, AUDIT_EXPORT), doctored);
    // Whoever rewrites the manifest's hash too is still caught by the log's own chain.
    const written = JSON.parse(await readFile(join(tampered, "backup.json"), "utf8"));
    const { createHash } = await import("node:crypto");
    written.files[AUDIT_EXPORT] = {
      sha256: createHash("sha256").update(doctored).digest("hex"),
      bytes: Buffer.byteLength(doctored),
    };
    await writeFile(join(tampered, "backup.json"), JSON.stringify(written));
    await expect(verifyBackup(tampered)).rejects.toThrow(/backup file audit\.jsonl does not verify/);
  });

  it("refuses to restore onto an occupied folder; --force moves it aside and never deletes it", async () => {
    const before = await readFile(join(restored, "control.sqlite"));
    const refused = await aos(["restore", "--from", backup, "--data-dir", restored]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("already holds a data folder");
    expect(refused.stderr).toContain("control.sqlite");
    expect(refused.stderr).toContain("--force");
    expect(await readFile(join(restored, "control.sqlite"))).toEqual(before);

    const forced = await aos(["restore", "--from", backup, "--data-dir", restored, "--force", "--json"]);
    expect(forced.code, forced.stderr).toBe(0);
    const { keptAs } = JSON.parse(forced.stdout) as { keptAs: string };
    expect(keptAs).toMatch(/restored\.before-restore-/);
    expect(await readFile(join(keptAs, "control.sqlite"))).toEqual(before);
    expect(existsSync(join(keptAs, "node.lock"))).toBe(false);
    expect(existsSync(join(restored, "node.lock"))).toBe(false);
    await verifyBackup(backup);
  });

  it("refuses a backup into a folder that is not empty, or inside the data folder", async () => {
    const full = join(work.dir, "full");
    await mkdir(full);
    await writeFile(join(full, "something"), "x");
    await expect(backupDataFolder(source, full)).rejects.toMatchObject({ code: "TARGET_NOT_EMPTY" });
    await expect(backupDataFolder(source, join(source, "backup"))).rejects.toBeInstanceOf(BackupError);
    expect(existsSync(join(source, "backup"))).toBe(false);
  });
});

describe("backup and restore with a PostgreSQL control plane", () => {
  it("backs up the folder parts and the log; the database restored with its own tools completes it", async () => {
    const db = await newPostgresDatabase();
    const copyName = `aos_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: inject("postgresUrl") });
    await admin.connect();
    try {
      const folder = join(work.dir, "pg-node");
      const node = await startNode(folder, db.url);
      const credentials = JSON.parse(
        await readFile(join(folder, "demo-credentials.json"), "utf8"),
      ) as DemoCredentials;
      const released = await submitAndRelease(api(node, credentials.operator.key));

      const backup = join(work.dir, "pg-backup");
      const report = await backupDataFolder(folder, backup, { databaseUrl: db.url });
      expect(report.manifest.controlPlane).toMatchObject({ kind: "postgres", dump: "control.dump" });
      expect(report.manifest.controlPlane).not.toHaveProperty("file");
      expect(JSON.stringify(report.manifest)).not.toContain("aos-test");
      expect(report.pgDump).toBe(
        `pg_dump --format=custom --file=${join(backup, "control.dump")} "$DATABASE_URL"`,
      );
      expect(existsSync(join(backup, "control.sqlite"))).toBe(false);
      expect(report.manifest.audit.entries).toBeGreaterThan(0);
      await verifyBackup(backup);
      await stopNode(node);

      // The database's own backup and restore; here a copy of the database on the same server
      // stands in for pg_dump and pg_restore (which must match the server's major version).
      const source = new URL(db.url).pathname.slice(1);
      await admin.query(`CREATE DATABASE ${copyName} TEMPLATE ${source}`);
      const copyUrl = new URL(db.url);
      copyUrl.pathname = `/${copyName}`;

      const restoredDir = join(work.dir, "pg-restored");
      const restored = await restoreDataFolder(backup, restoredDir);
      expect(restored.pgRestore).toBe(
        `pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" ${join(backup, "control.dump")}`,
      );
      expect((await readdir(restoredDir)).sort()).toEqual([
        "datasets",
        "demo-credentials.json",
        "domain-key.pem",
        "domain-key.pub.pem",
      ]);

      const again = await startNode(restoredDir, copyUrl.toString());
      const auditor = api(again, credentials.auditor.key);
      expect((await auditor.get<{ valid: boolean }>("/v1/audit/verify")).body.valid).toBe(true);
      const exported = (await readFile(join(backup, AUDIT_EXPORT), "utf8")).split("\n").filter(Boolean);
      expect((await exportLines(auditor)).slice(0, exported.length)).toEqual(exported);
      const operator = api(again, credentials.operator.key);
      const output = await operator.get(`/v1/jobs/${released.id}/outputs/t`);
      expect(output.status).toBe(200);
      expect(output.text).toBe(released.output);
      const publicKey = await readFile(join(restoredDir, "domain-key.pub.pem"), "utf8");
      expect(verifyReceipt(released.receipt, publicKey, { content: Buffer.from(output.text) }).valid).toBe(
        true,
      );
      await stopNode(again);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${copyName} WITH (FORCE)`);
      await admin.end();
      await db.drop();
    }
  }, 120_000);
});
