import { createHash } from "node:crypto";
import { readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RecordingAuditSink } from "../../control/audit-sink.ts";
import type { Actor } from "../../control/authority.ts";
import { publishManifest } from "../../control/catalog.ts";
import { type DataSupplyDeps, supplyDataVersion } from "../../control/data-supply.ts";
import {
  currentDataVersionFiles,
  listDataVersions,
  restoreDataVersion,
  storeDataVersionSource,
} from "../../control/data-versions.ts";
import { createPrincipal } from "../../control/identity.ts";
import { isDomainError } from "../../policies/errors.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import { type DataDomain, openVersionedDataDomain } from "../../storage/data-domain.ts";
import { airQualityCsv, airQualityParquet } from "../support/data-files.ts";
import { tempDir } from "../support/duckdb.ts";
import { openTestStore, STORE_KINDS, type TestStore } from "../support/stores.ts";

const air = DEMO_MANIFESTS.find((m) => m.name === "air_quality")!;
const population = DEMO_MANIFESTS.find((m) => m.name === "population")!;

async function* chunks(text: string | Buffer, size = 1000): AsyncIterable<Uint8Array> {
  const bytes = typeof text === "string" ? Buffer.from(text) : text;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function refusal(promise: Promise<unknown>): Promise<{ code: string; detail: string }> {
  try {
    await promise;
  } catch (error) {
    if (isDomainError(error)) return { code: error.code, detail: error.detail };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe.each(STORE_KINDS)("data supply on %s", (kind) => {
  let t: TestStore;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let audit: RecordingAuditSink;
  let deps: DataSupplyDeps;
  let bureau: Actor;
  let airHolder: Actor;
  let populationHolder: Actor;
  let operator: Actor;
  let auditor: Actor;
  const domains: DataDomain[] = [];

  beforeEach(async () => {
    t = await openTestStore(kind);
    dir = await tempDir("aos-supply-");
    audit = new RecordingAuditSink();
    deps = { store: t.store, audit, datasetsDir: join(dir.dir, "datasets"), maxBytes: 200_000 };
    const made = await t.store.transaction(async (tx) => {
      await publishManifest(tx, air, "seed");
      await publishManifest(tx, population, "seed");
      return {
        bureau: await createPrincipal(tx, { role: "bureau", name: "Officer", organization: "Data Bureau" }),
        airHolder: await createPrincipal(tx, {
          role: "holder",
          name: "Air officer",
          organization: air.holder.department,
        }),
        populationHolder: await createPrincipal(tx, {
          role: "holder",
          name: "Registry officer",
          organization: population.holder.department,
        }),
        operator: await createPrincipal(tx, { role: "operator", name: "Firm", organization: "Firm Ltd" }),
        auditor: await createPrincipal(tx, {
          role: "auditor",
          name: "Auditor",
          organization: "Audit Office",
        }),
      };
    });
    ({ bureau, airHolder, populationHolder, operator, auditor } = made);
  });

  afterEach(async () => {
    for (const domain of domains.splice(0)) domain.close();
    await t.dispose();
    await dir.remove();
  });

  const files = async (dataset: string) =>
    (await readdir(join(deps.datasetsDir, dataset)).catch(() => [] as string[])).filter(
      (f) => !f.startsWith("."),
    );

  it("records a holder's CSV as the current version with rows, hashes and supplier, logs it and tells the bureau", async () => {
    const csv = airQualityCsv(120);
    const first = await supplyDataVersion(deps, airHolder, {
      dataset: "air_quality",
      format: "csv",
      body: chunks(csv),
      note: "January readings",
    });
    expect(first).toMatchObject({
      dataset: "air_quality",
      version: 1,
      format: "csv",
      rows: 120,
      bytes: Buffer.byteLength(csv),
      sha256: sha256(csv),
      suppliedBy: airHolder.id,
      note: "January readings",
      current: true,
    });
    expect(first.fileSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await files("air_quality")).toHaveLength(1);
    expect(audit.events.map((e) => e.type)).toEqual(["dataset.version_supplied"]);
    expect(audit.events[0]).toMatchObject({
      actor: airHolder.id,
      subject: { datasets: ["air_quality"] },
      data: {
        dataset: "air_quality",
        version: 1,
        rows: 120,
        sha256: sha256(csv),
        format: "csv",
        previousVersion: null,
      },
    });
    const told = await t.store.query<{ recipient_id: string; kind: string; message: string }>(
      "SELECT recipient_id, kind, message FROM notifications",
    );
    expect(told.map((n) => n.recipient_id)).toEqual([bureau.id]);
    expect(told[0]).toMatchObject({ kind: "dataset.version_supplied" });
    expect(told[0]!.message).not.toContain("Test station");

    const second = await supplyDataVersion(deps, bureau, {
      dataset: "air_quality",
      format: "csv",
      body: chunks(airQualityCsv(30)),
    });
    expect(second).toMatchObject({ version: 2, rows: 30, current: true, suppliedBy: bureau.id });
    const listed = await listDataVersions(t.store, auditor, "air_quality");
    expect(listed.current).toBe(2);
    expect(listed.versions.map((v) => [v.version, v.current])).toEqual([
      [1, false],
      [2, true],
    ]);
    // The holder was told of the bureau's version; the bureau is not told of its own.
    const holderTold = await t.store.query<{ n: number }>(
      "SELECT count(*) AS n FROM notifications WHERE recipient_id = $1",
      [airHolder.id],
    );
    expect(Number(holderTold[0]!.n)).toBe(1);
  });

  it("takes Parquet, converting losslessly to the declared types", async () => {
    const parquet = join(dir.dir, "air.parquet");
    await airQualityParquet(airQualityCsv(50), join(dir.dir, "air.csv"), parquet);
    const { readFile } = await import("node:fs/promises");
    const bytes = await readFile(parquet);
    const version = await supplyDataVersion(deps, airHolder, {
      dataset: "air_quality",
      format: "parquet",
      body: chunks(bytes),
    });
    expect(version).toMatchObject({ version: 1, format: "parquet", rows: 50, bytes: bytes.length });
  });

  it("refuses a file that does not fit the manifest, saying which column and why, and changes nothing", async () => {
    await supplyDataVersion(deps, airHolder, {
      dataset: "air_quality",
      format: "csv",
      body: chunks(airQualityCsv(10)),
    });
    const before = {
      files: await files("air_quality"),
      versions: await listDataVersions(t.store, bureau, "air_quality"),
    };
    audit.events.length = 0;

    const missing = await refusal(
      supplyDataVersion(deps, airHolder, {
        dataset: "air_quality",
        format: "csv",
        body: chunks(airQualityCsv(5, { omit: "pm10" })),
      }),
    );
    expect(missing).toMatchObject({ code: "BAD_REQUEST" });
    expect(missing.detail).toContain("column pm10 (DOUBLE) is missing");

    const extra = await refusal(
      supplyDataVersion(deps, airHolder, {
        dataset: "air_quality",
        format: "csv",
        body: chunks(airQualityCsv(5, { extra: "humidity" })),
      }),
    );
    expect(extra.detail).toContain("column humidity is not declared in the manifest");

    const badType = await refusal(
      supplyDataVersion(deps, airHolder, {
        dataset: "air_quality",
        format: "csv",
        body: chunks(airQualityCsv(7, { aqi: "very-high" })),
      }),
    );
    expect(badType.detail).toContain("column aqi: 7 values of type VARCHAR cannot be stored as INTEGER");
    // Never a value of the data.
    expect(badType.detail).not.toContain("very-high");

    const lossy = await refusal(
      supplyDataVersion(deps, airHolder, {
        dataset: "air_quality",
        format: "csv",
        body: chunks(airQualityCsv(3, { aqi: "41.5" })),
      }),
    );
    expect(lossy.detail).toContain("column aqi: 3 values");

    const notParquet = await refusal(
      supplyDataVersion(deps, airHolder, {
        dataset: "air_quality",
        format: "parquet",
        body: chunks(airQualityCsv(3)),
      }),
    );
    expect(notParquet.detail).toContain("cannot be read as a Parquet file");

    const empty = await refusal(
      supplyDataVersion(deps, airHolder, { dataset: "air_quality", format: "csv", body: chunks("") }),
    );
    expect(empty.detail).toContain("the upload is empty");

    const tooLarge = await refusal(
      supplyDataVersion(deps, airHolder, {
        dataset: "air_quality",
        format: "csv",
        body: chunks(airQualityCsv(5000)),
      }),
    );
    expect(tooLarge).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(tooLarge.detail).toContain("DATA_UPLOAD_MAX_BYTES");

    expect(await files("air_quality")).toEqual(before.files);
    expect(await readdir(join(deps.datasetsDir, ".incoming"))).toEqual([]);
    expect(await listDataVersions(t.store, bureau, "air_quality")).toEqual(before.versions);
    const refused = audit.events.filter((e) => e.type === "dataset.supply_refused");
    expect(refused).toHaveLength(7);
    expect(audit.events.every((e) => e.type === "dataset.supply_refused")).toBe(true);
    expect(refused[2]).toMatchObject({
      actor: airHolder.id,
      data: { dataset: "air_quality", format: "csv" },
    });
    expect(String(refused[2]!.data.reason)).toContain("cannot be stored as INTEGER");
  });

  it("lets only the bureau and the dataset's holders supply; another department's holder is told it does not exist", async () => {
    const body = () => chunks(airQualityCsv(5));
    for (const actor of [operator, auditor]) {
      expect(
        await refusal(
          supplyDataVersion(deps, actor, { dataset: "air_quality", format: "csv", body: body() }),
        ),
      ).toMatchObject({
        code: "FORBIDDEN",
      });
    }
    const other = await refusal(
      supplyDataVersion(deps, populationHolder, { dataset: "air_quality", format: "csv", body: body() }),
    );
    const absent = await refusal(
      supplyDataVersion(deps, populationHolder, { dataset: "no_such", format: "csv", body: body() }),
    );
    expect(other).toEqual({ code: "NOT_FOUND", detail: "no dataset named air_quality" });
    expect(absent).toEqual({ code: "NOT_FOUND", detail: "no dataset named no_such" });
    expect(await refusal(listDataVersions(t.store, populationHolder, "air_quality"))).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await refusal(listDataVersions(t.store, operator, "air_quality"))).toMatchObject({
      code: "FORBIDDEN",
    });
    expect(await files("air_quality")).toEqual([]);
  });

  it("restores an earlier version without deleting any, logs the switch, and refuses a damaged file", async () => {
    const v1 = await supplyDataVersion(deps, airHolder, {
      dataset: "air_quality",
      format: "csv",
      body: chunks(airQualityCsv(10)),
    });
    await supplyDataVersion(deps, airHolder, {
      dataset: "air_quality",
      format: "csv",
      body: chunks(airQualityCsv(20)),
    });
    const restored = await restoreDataVersion(deps, airHolder, {
      dataset: "air_quality",
      version: 1,
      note: "v2 was wrong",
    });
    expect(restored).toMatchObject({ version: 1, current: true, fileSha256: v1.fileSha256 });
    expect(audit.events.at(-1)).toMatchObject({
      type: "dataset.version_switched",
      actor: airHolder.id,
      data: { dataset: "air_quality", from: 2, to: 1, note: "v2 was wrong" },
    });
    expect(await files("air_quality")).toHaveLength(2);
    expect(
      await refusal(restoreDataVersion(deps, airHolder, { dataset: "air_quality", version: 1 })),
    ).toMatchObject({
      code: "CONFLICT",
    });
    expect(
      await refusal(restoreDataVersion(deps, airHolder, { dataset: "air_quality", version: 9 })),
    ).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(
      await refusal(restoreDataVersion(deps, populationHolder, { dataset: "air_quality", version: 2 })),
    ).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(
      await refusal(restoreDataVersion(deps, auditor, { dataset: "air_quality", version: 2 })),
    ).toMatchObject({
      code: "FORBIDDEN",
    });
    const v2File = (await files("air_quality")).find((f) => f.startsWith("v2-"))!;
    await writeFile(join(deps.datasetsDir, "air_quality", v2File), "damaged");
    const damaged = await refusal(restoreDataVersion(deps, bureau, { dataset: "air_quality", version: 2 }));
    expect(damaged.code).toBe("CONFLICT");
    expect(damaged.detail).toContain("missing or damaged");
    expect((await listDataVersions(t.store, bureau, "air_quality")).current).toBe(1);
  });

  it("lets the bureau supply a dataset before registering its policy; holders cannot", async () => {
    const csv = "lot,spaces\nNorth,120\nSouth,80\n";
    expect(
      await refusal(
        supplyDataVersion(deps, airHolder, { dataset: "parking", format: "csv", body: chunks(csv) }),
      ),
    ).toEqual({ code: "NOT_FOUND", detail: "no dataset named parking" });
    const version = await supplyDataVersion(deps, bureau, {
      dataset: "parking",
      format: "csv",
      body: chunks(csv),
    });
    expect(version).toMatchObject({ dataset: "parking", version: 1, rows: 2 });
    expect((await listDataVersions(t.store, auditor, "parking")).current).toBe(1);
    const floats = await refusal(
      supplyDataVersion(deps, bureau, {
        dataset: "gauges",
        format: "parquet",
        body: chunks(await floatParquet(dir.dir)),
      }),
    );
    expect(floats.detail).toContain("column reading is FLOAT, which a manifest cannot declare");
  });

  it("serves each job the generation it started on, switches new connections, and refuses files it cannot verify", async () => {
    await supplyDataVersion(deps, airHolder, {
      dataset: "air_quality",
      format: "csv",
      body: chunks(airQualityCsv(10)),
    });
    const domain = await openVersionedDataDomain({
      datasetsDir: deps.datasetsDir,
      source: storeDataVersionSource(t.store),
      threads: 1,
    });
    domains.push(domain);
    const count = async (c: Awaited<ReturnType<DataDomain["connect"]>>) =>
      Number((await c.runAndReadAll("SELECT count(*) FROM air_quality")).getRows()[0]![0]);
    const running = await domain.connect();
    expect(await count(running)).toBe(10);
    expect(await domain.readiness()).toEqual({ servable: true, versions: { air_quality: 1 } });
    // Facts are verified on the attached table as on a one-file domain, per generation.
    expect(await domain.facts.verifyColumnProfile("air_quality", "aqi")).toMatchObject({
      type: "INTEGER",
      hasNulls: false,
      range: { min: 40n, max: 49n },
    });

    await supplyDataVersion(deps, airHolder, {
      dataset: "air_quality",
      format: "csv",
      body: chunks(airQualityCsv(25)),
    });
    const next = await domain.connect();
    expect(await count(next)).toBe(25);
    // The job that started on version 1 still reads it, and can be reconnected to it by its stamp.
    expect(await count(running)).toBe(10);
    const again = await domain.connect({ air_quality: 1 });
    expect(await count(again)).toBe(10);
    expect((await domain.tableRowCounts({ air_quality: 1 })).get("air_quality")).toBe(10);
    expect((await domain.tableRowCounts()).get("air_quality")).toBe(25);
    // Locked down like the one-file domain.
    await expect(next.run("CREATE TABLE x (a INTEGER)")).rejects.toThrow(/read-only/);
    await expect(next.run("SELECT * FROM read_csv('/etc/hostname')")).rejects.toThrow(
      /disabled by configuration/,
    );
    running.closeSync();
    again.closeSync();
    next.closeSync();

    // A node whose copy of the current file differs serves nothing from it.
    const current = (await currentDataVersionFiles(t.store))[0]!;
    const fresh = await openVersionedDataDomain({
      datasetsDir: deps.datasetsDir,
      source: storeDataVersionSource(t.store),
    });
    domains.push(fresh);
    await writeFile(join(deps.datasetsDir, current.file), "not the recorded bytes");
    const readiness = await fresh.readiness();
    expect(readiness.servable).toBe(false);
    expect(readiness.servable === false && readiness.problem).toContain("data version 2 of air_quality at");
    await expect(fresh.connect()).rejects.toThrow(/not the file the control plane recorded/);
    await rm(join(deps.datasetsDir, current.file));
    const gone = await fresh.readiness();
    expect(gone.servable === false && gone.problem).toContain("is not on this node");
  });
});

/** A Parquet file with a FLOAT column, a type no manifest declares. */
async function floatParquet(dir: string): Promise<Buffer> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const { readFile } = await import("node:fs/promises");
  const file = join(dir, "floats.parquet");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run(`COPY (SELECT 1.5::FLOAT AS reading) TO '${file}' (FORMAT parquet)`);
  connection.closeSync();
  instance.closeSync();
  return readFile(file);
}
