import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { loadConfig } from "../../gateway/config.ts";
import { type RunningGateway, startGateway } from "../../gateway/server.ts";
import { SCHEMA_VERSION } from "../../storage/schema.ts";
import { silentLogger } from "../../telemetry/log.ts";
import { tempDir } from "../support/duckdb.ts";

/**
 * A data folder written by the previous release (commit 41a3f66: control plane in SQLite at schema
 * version 1, one data-domain file) — see test/fixtures/release-v0.2/make.mjs — opened by this one:
 * the store migrates to the governance schema and everything the old release recorded stays.
 */
const FIXTURE = join(import.meta.dirname, "../fixtures/release-v0.2");
const expected = JSON.parse(readFileSync(join(FIXTURE, "expected.json"), "utf8")) as {
  schemaVersion: number;
  principals: number;
  apiKeys: number;
  licenses: number;
  policyVersions: number;
  tariffs: number;
  auditEntries: number;
  jobs: Record<string, string>;
  namedJobs: { released: string; air: string; failed: string; held: string };
  operator2: { id: string; key: string; license: string };
};

let folder: Awaited<ReturnType<typeof tempDir>>;
let dir: string;
let gateway: RunningGateway | undefined;
let credentials: DemoCredentials;

const config = () =>
  loadConfig({ DATA_DIR: dir, PORT: "0", SANDBOX_WORKERS: "1", SHUTDOWN_GRACE_MS: "2000" });

async function call<T = Record<string, unknown>>(method: string, path: string, key: string, body?: unknown) {
  const res = await fetch(`${gateway!.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

function count(table: string): number {
  const db = new Database(join(dir, "control.sqlite"), { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  folder = await tempDir("aos-upgrade-release-");
  execFileSync("tar", ["xzf", join(FIXTURE, "data.tar.gz"), "-C", folder.dir]);
  dir = join(folder.dir, "data");
  credentials = JSON.parse(readFileSync(join(dir, "demo-credentials.json"), "utf8"));
  gateway = await startGateway(config(), silentLogger);
});

afterAll(async () => {
  await gateway?.close();
  await folder?.remove();
});

describe("upgrade of a data folder written by the previous release", () => {
  it("migrates the control plane to the current schema, keeping every principal, key, license, policy and tariff", async () => {
    expect(expected.schemaVersion).toBe(1);
    const db = new Database(join(dir, "control.sqlite"), { readonly: true });
    try {
      const version = db.prepare("SELECT max(version) AS v FROM schema_migrations").get() as { v: number };
      expect(version.v).toBe(SCHEMA_VERSION);
      // The principals table was rebuilt for the holder role: the keys and licenses that reference it still do.
      expect(db.prepare("PRAGMA foreign_key_check").all()).toEqual([]);
    } finally {
      db.close();
    }
    expect(count("principals")).toBe(expected.principals);
    expect(count("api_keys")).toBe(expected.apiKeys);
    expect(count("licenses")).toBe(expected.licenses);
    expect(count("dataset_versions")).toBe(expected.policyVersions);
    expect(count("tariffs")).toBe(expected.tariffs);
    // No demo principals are added to a folder that has principals: its keys stay the only ones.
    const second = await call("GET", "/v1/licenses", expected.operator2.key);
    expect(second.status).toBe(200);
  });

  it("keeps the old keys working for each role, the jobs with their outputs, and the log verifying", async () => {
    const licenses = await call<{ licenses: { license: { id: string } }[] }>(
      "GET",
      "/v1/licenses",
      credentials.operator.key,
    );
    expect(licenses.status).toBe(200);
    expect(licenses.body.licenses.map((l) => l.license.id)).toContain(credentials.operator.license);

    for (const [id, status] of Object.entries(expected.jobs)) {
      const owner = id === expected.namedJobs.held ? credentials.bureau.key : credentials.operator.key;
      const job = await call<{ status: string }>("GET", `/v1/jobs/${id}`, owner);
      expect(job.body.status, id).toBe(status);
    }
    const output = await fetch(`${gateway!.url}/v1/jobs/${expected.namedJobs.released}/outputs/by_district`, {
      headers: { authorization: `Bearer ${credentials.operator.key}`, accept: "application/json" },
    });
    expect(output.status).toBe(200);
    expect(((await output.json()) as unknown[]).length).toBeGreaterThan(0);

    const verify = await call<{ valid: boolean; entries: number }>(
      "GET",
      "/v1/audit/verify",
      credentials.auditor.key,
    );
    expect(verify.body).toMatchObject({ valid: true });
    expect(verify.body.entries).toBeGreaterThanOrEqual(expected.auditEntries);
  });

  it("lets the held job of the old release be reviewed and released under the new code", async () => {
    const reviewed = await call<{ job: { status: string } }>(
      "POST",
      `/v1/reviews/${expected.namedJobs.held}`,
      credentials.bureau.key,
      { decision: "approve", comment: "station averages, no persons: fine to release" },
    );
    expect(reviewed.status).toBe(200);
    expect(reviewed.body.job.status).toBe("released");
  });

  it("accepts holder accounts for the catalog's departments after the upgrade", async () => {
    const catalog = await call<{ datasets: { name: string; holder: { department: string } }[] }>(
      "GET",
      "/v1/datasets",
      credentials.bureau.key,
    );
    const department = catalog.body.datasets.find((d) => d.name === "population")!.holder.department;
    const created = await call<{ principal: { role: string; organization: string } }>(
      "POST",
      "/v1/principals",
      credentials.bureau.key,
      { role: "holder", name: "Household registration data officer", organization: department },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.principal).toMatchObject({ role: "holder", organization: department });
    const unknown = await call<{ code: string; detail: string }>(
      "POST",
      "/v1/principals",
      credentials.bureau.key,
      {
        role: "holder",
        name: "Nobody's officer",
        organization: "A department no dataset names",
      },
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toContain("must be one of");
  });
});
