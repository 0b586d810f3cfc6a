import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { ConfigError, loadConfig } from "../../gateway/config.ts";
import { type RunningGateway, startGateway } from "../../gateway/server.ts";
import { DEMO_TABLES } from "../../seeds/generate.ts";
import { silentLogger } from "../../telemetry/log.ts";
import { tempDir } from "../support/duckdb.ts";

let folder: Awaited<ReturnType<typeof tempDir>>;
let gateway: RunningGateway | undefined;

const config = (dir: string) =>
  loadConfig({ DATA_DIR: dir, PORT: "0", SEED_SCALE: "0.002", SHUTDOWN_GRACE_MS: "2000" });

beforeAll(async () => {
  folder = await tempDir();
});

afterAll(async () => {
  await gateway?.close();
  await folder?.remove();
});

async function get<T = Record<string, unknown>>(path: string, key?: string) {
  const res = await fetch(
    `${gateway!.url}${path}`,
    key ? { headers: { authorization: `Bearer ${key}` } } : {},
  );
  const body = res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text();
  return { status: res.status, type: res.headers.get("content-type"), body: body as T };
}

describe("embedded default start-up", () => {
  let credentials: DemoCredentials;

  it("creates the data folder on first start: domain, control plane, key and demo credentials", async () => {
    // As `npm start` finds it on a fresh clone: the data folder does not exist yet.
    gateway = await startGateway(config(join(folder.dir, "data")), silentLogger);
    expect(gateway.newCredentials).toBeDefined();
    credentials = JSON.parse(await readFile(gateway.folder.credentialsFile, "utf8"));
    expect(credentials).toEqual(gateway.newCredentials);
    expect(credentials.operator.license).toBe("lic_demo_urban_analytics");
    for (const key of [credentials.bureau.key, credentials.auditor.key, credentials.operator.key]) {
      expect(key).toMatch(/^aos_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    }
    // Secrets are readable by the owner only.
    expect((await stat(gateway.folder.credentialsFile)).mode & 0o077).toBe(0);
    expect((await stat(gateway.folder.privateKeyFile)).mode & 0o077).toBe(0);
    expect((await stat(gateway.folder.dir)).mode & 0o077).toBe(0);
    // Every demo dataset was supplied as its version 1 by `seed`, through the supply path.
    const versions = await get<{ current: number; versions: { suppliedBy: string; rows: number }[] }>(
      "/v1/datasets/population/versions",
      credentials.auditor.key,
    );
    expect(versions.body).toMatchObject({ current: 1, versions: [{ suppliedBy: "seed" }] });
    expect(versions.body.versions[0]!.rows).toBeGreaterThan(0);
    const supplied = await get<{ entries: { data: { dataset: string } }[] }>(
      "/v1/audit?type=dataset.version_supplied",
      credentials.auditor.key,
    );
    expect(supplied.body.entries.map((e) => e.data.dataset).sort()).toEqual([...DEMO_TABLES].sort());
    expect((await readdir(join(gateway.folder.datasetsDir, "population"))).length).toBe(1);
  });

  it("answers health and readiness", async () => {
    expect(await get("/healthz")).toMatchObject({ status: 200, body: { status: "ok" } });
    expect(await get("/readyz")).toMatchObject({
      status: 200,
      body: { status: "ready", checks: { controlPlane: "ok", dataDomain: "ok", accepting: "ok" } },
    });
  });

  it("lists the six datasets to each role's key", async () => {
    for (const key of [credentials.operator.key, credentials.bureau.key, credentials.auditor.key]) {
      const res = await get("/v1/datasets", key);
      expect(res.status).toBe(200);
      const names = (res.body.datasets as Array<{ name: string }>).map((d) => d.name);
      expect(names).toEqual([
        "air_quality",
        "credit_records",
        "electricity_usage",
        "enterprises",
        "medical_visits",
        "population",
      ]);
    }
    const detail = await get("/v1/datasets/population", credentials.operator.key);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      policyVersion: 1,
      rows: 2000,
      manifest: { name: "population", grade: 3 },
    });
  });

  it("refuses missing, malformed and forged keys with a problem document", async () => {
    const forged = `${credentials.operator.key.slice(0, -4)}AAAA`;
    for (const key of [undefined, "nonsense", forged]) {
      const res = await get("/v1/datasets", key);
      expect(res.status).toBe(401);
      expect(res.type).toContain("application/problem+json");
      expect(res.body).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
      expect(typeof res.body.requestId).toBe("string");
    }
  });

  it("answers unknown datasets and routes with 404 problem documents", async () => {
    expect((await get("/v1/datasets/nope", credentials.operator.key)).body).toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await get("/v1/datasets/Robert'); DROP", credentials.operator.key)).status).toBe(400);
    expect((await get("/no/such/route")).body).toMatchObject({ code: "NOT_FOUND", status: 404 });
  });

  it("publishes an OpenAPI 3.1 document of its routes", async () => {
    const res = await get("/openapi.json");
    expect(res.body.openapi).toBe("3.1.0");
    expect(Object.keys(res.body.paths as object)).toEqual(
      expect.arrayContaining(["/healthz", "/readyz", "/v1/datasets", "/v1/datasets/{name}"]),
    );
  });

  it("reuses the data folder on a second start: no regeneration, no new keys", async () => {
    const populationDir = join(gateway!.folder.datasetsDir, "population");
    const [versionFile] = await readdir(populationDir);
    const before = {
      domain: (await stat(join(populationDir, versionFile!))).mtimeMs,
      key: await readFile(gateway!.folder.privateKeyFile, "utf8"),
    };
    await gateway!.close();
    expect((await fetch(`${gateway!.url}/healthz`).catch(() => null))?.status).toBeUndefined();

    gateway = await startGateway(config(join(folder.dir, "data")), silentLogger);
    expect(gateway.newCredentials).toBeUndefined();
    expect(await readdir(populationDir)).toEqual([versionFile]);
    expect((await stat(join(populationDir, versionFile!))).mtimeMs).toBe(before.domain);
    expect(await readFile(gateway.folder.privateKeyFile, "utf8")).toBe(before.key);
    expect(JSON.parse(await readFile(gateway.folder.credentialsFile, "utf8"))).toEqual(credentials);
    expect((await get("/v1/datasets", credentials.operator.key)).status).toBe(200);
  });
});

describe("configuration", () => {
  it("applies the documented defaults", () => {
    expect(loadConfig({})).toMatchObject({
      PORT: 8080,
      HOST: "127.0.0.1",
      DATA_DIR: "./data",
      SEED_SCALE: 0.1,
    });
  });

  it("names every invalid variable in one readable error", () => {
    expect(() => loadConfig({ PORT: "http", SEED_SCALE: "-1" })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: "http", SEED_SCALE: "-1" })).toThrow(/PORT[\s\S]*SEED_SCALE/);
  });
});
