import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RecordingAuditSink } from "../../control/audit-sink.ts";
import type { Actor } from "../../control/authority.ts";
import { publishManifest } from "../../control/catalog.ts";
import { type DataSupplyDeps, supplyDataVersion } from "../../control/data-supply.ts";
import { restoreDataVersion } from "../../control/data-versions.ts";
import { createPrincipal } from "../../control/identity.ts";
import { jobRepository } from "../../control/jobs/job-repository.ts";
import type { JobStatus } from "../../control/jobs/model.ts";
import { grantLicense } from "../../control/licenses.ts";
import {
  amendRegistration,
  createProduct,
  delistProduct,
  getRegistration,
  listProducts,
  listRegistrations,
  productOutput,
  type RegistryDeps,
  registerAsset,
  subscribeProduct,
} from "../../control/registries.ts";
import { isDomainError } from "../../policies/errors.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import { airQualityCsv } from "../support/data-files.ts";
import { tempDir } from "../support/duckdb.ts";
import { openTestStore, STORE_KINDS, type TestStore } from "../support/stores.ts";

const air = DEMO_MANIFESTS.find((m) => m.name === "air_quality")!;

async function* chunks(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; detail: string }> {
  try {
    await promise;
  } catch (error) {
    if (isDomainError(error)) return { code: error.code, detail: error.detail };
    throw error;
  }
  throw new Error("expected a refusal");
}

const OUTPUT = [
  { station: "S01", mean_aqi: 41.5 },
  { station: "S02", mean_aqi: 57 },
];

describe.each(STORE_KINDS)("registries on %s", (kind) => {
  let t: TestStore;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let audit: RecordingAuditSink;
  let supply: DataSupplyDeps;
  let deps: RegistryDeps;
  let bureau: Actor;
  let airHolder: Actor;
  let operator: Actor;
  let other: Actor;
  let auditor: Actor;

  beforeEach(async () => {
    t = await openTestStore(kind);
    dir = await tempDir("aos-registries-");
    audit = new RecordingAuditSink();
    supply = { store: t.store, audit, datasetsDir: join(dir.dir, "datasets"), maxBytes: 1_000_000 };
    deps = { store: t.store, audit };
    const made = await t.store.transaction(async (tx) => {
      await publishManifest(tx, air, "seed");
      return {
        bureau: await createPrincipal(tx, { role: "bureau", name: "Officer", organization: "Data Bureau" }),
        airHolder: await createPrincipal(tx, {
          role: "holder",
          name: "Air officer",
          organization: air.holder.department,
        }),
        operator: await createPrincipal(tx, { role: "operator", name: "Firm", organization: "Firm Ltd" }),
        other: await createPrincipal(tx, { role: "operator", name: "Other", organization: "Other Ltd" }),
        auditor: await createPrincipal(tx, { role: "auditor", name: "Auditor", organization: "Audit" }),
      };
    });
    ({ bureau, airHolder, operator, other, auditor } = made);
    await grantLicense(t.store, {
      id: "lic_air",
      operator: operator.id,
      purpose: "study",
      validFrom: new Date(Date.now() - 3_600_000).toISOString(),
      validTo: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      datasets: [{ name: "air_quality" }],
      quotas: {},
      releaseMode: "auto",
    });
    await supplyDataVersion(supply, airHolder, {
      dataset: "air_quality",
      format: "csv",
      body: chunks(airQualityCsv(20)),
    });
    audit.events.length = 0;
  });

  afterEach(async () => {
    await t.dispose();
    await dir.remove();
  });

  /** A job as the pipeline stores it once settled (the real pipeline is in the gateway suite). */
  async function storedJob(id: string, status: JobStatus): Promise<void> {
    await t.store.transaction(async (tx) => {
      await jobRepository.insert(tx, {
        id,
        operatorId: operator.id,
        licenseId: "lic_air",
        purpose: "study",
        language: "javascript",
        script: "export default async () => ({})",
        scriptSha256: "a".repeat(64),
        idempotencyKey: null,
        status: "running",
        submittedAt: new Date().toISOString(),
      });
      await jobRepository.settle(
        tx,
        id,
        {
          status,
          finishedAt: new Date().toISOString(),
          decision: null,
          products: { outputs: { by_station: OUTPUT }, logs: [] },
          error: null,
          usage: {
            cpuMs: 1,
            wallMs: 1,
            heapPeakBytes: 0,
            queries: 1,
            rowsIn: 2,
            bytesIn: 0,
            outputRows: 2,
            outputCells: 4,
            rowsScanned: 20,
            datasets: ["air_quality"],
            epsilon: {},
          },
          receipt: null,
        },
        { from: ["running"] },
      );
    });
  }

  it("keeps each registration change as a new revision, and adds each new data version's hash", async () => {
    const registered = await registerAsset(deps, bureau, {
      dataset: "air_quality",
      rights: ["holding", "processing"],
      note: "entry 2026-0412",
    });
    expect(registered).toMatchObject({
      dataset: "air_quality",
      revision: 1,
      change: "registered",
      holderDepartment: air.holder.department,
      grade: air.grade,
      rights: ["holding", "processing"],
    });
    expect(registered.versionHashes.map((v) => v.version)).toEqual([1]);
    expect(audit.events.map((e) => e.type)).toEqual(["registration.recorded"]);

    const v2 = await supplyDataVersion(supply, airHolder, {
      dataset: "air_quality",
      format: "csv",
      body: chunks(airQualityCsv(30)),
    });
    const afterSupply = await getRegistration(t.store, operator, "air_quality");
    expect(afterSupply.revision).toBe(2);
    expect(afterSupply.change).toBe("version_added");
    expect(afterSupply.versionHashes.at(-1)).toEqual({
      version: 2,
      sha256: v2.sha256,
      fileSha256: v2.fileSha256,
    });
    expect(afterSupply.history.map((r) => r.versionHashes.length)).toEqual([1, 2]);

    // Switching back to a version the registration lists adds nothing.
    await restoreDataVersion({ store: t.store, audit, datasetsDir: supply.datasetsDir }, bureau, {
      dataset: "air_quality",
      version: 1,
    });
    expect((await getRegistration(t.store, auditor, "air_quality")).revision).toBe(2);

    const amended = await amendRegistration(deps, bureau, "air_quality", {
      rights: ["holding", "processing", "operating"],
      note: "operating right granted",
    });
    expect(amended.revision).toBe(3);
    expect(amended.history.map((r) => [r.revision, r.change, r.rights.length])).toEqual([
      [1, "registered", 2],
      [2, "version_added", 2],
      [3, "amended", 3],
    ]);
    // Earlier revisions are kept as they were.
    const { history: _history, ...firstRevision } = registered;
    expect(amended.history[0]).toEqual(firstRevision);
    expect((await listRegistrations(t.store, airHolder)).items.map((r) => [r.dataset, r.revision])).toEqual([
      ["air_quality", 3],
    ]);
  });

  it("refuses registrations by anyone but the bureau, twice, or of an unknown dataset", async () => {
    expect(
      (await refusal(registerAsset(deps, airHolder, { dataset: "air_quality", rights: ["holding"] }))).code,
    ).toBe("FORBIDDEN");
    expect(
      (await refusal(registerAsset(deps, bureau, { dataset: "nowhere", rights: ["holding"] }))).code,
    ).toBe("NOT_FOUND");
    expect(
      (await refusal(registerAsset(deps, bureau, { dataset: "air_quality", rights: ["holding", "holding"] })))
        .code,
    ).toBe("BAD_REQUEST");
    await registerAsset(deps, bureau, { dataset: "air_quality", rights: ["holding"] });
    const twice = await refusal(registerAsset(deps, bureau, { dataset: "air_quality", rights: ["holding"] }));
    expect(twice.code).toBe("CONFLICT");
    expect(twice.detail).toContain("amend");
    expect((await refusal(amendRegistration(deps, operator, "air_quality", { note: "x" }))).code).toBe(
      "FORBIDDEN",
    );
    expect((await refusal(getRegistration(t.store, bureau, "population"))).code).toBe("NOT_FOUND");
  });

  it("makes products of released jobs only, versions them by name, and lets licensed subscribers read them", async () => {
    await storedJob("job_released", "released");
    await storedJob("job_held", "held");
    expect(
      (await refusal(createProduct(deps, bureau, { name: "aqi", job: "job_held", terms: "t", priceFen: 1 })))
        .code,
    ).toBe("CONFLICT");
    expect(
      (
        await refusal(
          createProduct(deps, operator, { name: "aqi", job: "job_released", terms: "t", priceFen: 1 }),
        )
      ).code,
    ).toBe("FORBIDDEN");
    const first = await createProduct(deps, bureau, {
      name: "aqi",
      job: "job_released",
      terms: "attribution required",
      priceFen: 50_000,
    });
    expect(first).toMatchObject({
      version: 1,
      job: "job_released",
      scriptSha256: "a".repeat(64),
      datasets: ["air_quality"],
      outputs: ["by_station"],
      status: "listed",
      priceFen: 50_000,
    });
    const second = await createProduct(deps, bureau, {
      name: "aqi",
      job: "job_released",
      terms: "v2",
      priceFen: 0,
    });
    expect(second.version).toBe(2);

    const notYet = await refusal(productOutput(deps, operator, first.id, "by_station"));
    expect(notYet.code).toBe("FORBIDDEN");
    expect(notYet.detail).toContain("subscribe");
    expect((await refusal(subscribeProduct(deps, other, first.id))).code).toBe("FORBIDDEN");
    const subscription = await subscribeProduct(deps, operator, first.id);
    expect(subscription).toMatchObject({
      product: first.id,
      productVersion: 1,
      operator: operator.id,
      license: "lic_air",
    });
    expect((await refusal(subscribeProduct(deps, operator, first.id))).code).toBe("CONFLICT");
    expect(await productOutput(deps, operator, first.id, "by_station")).toEqual(OUTPUT);
    expect(audit.events.at(-1)).toMatchObject({
      type: "product.output_read",
      actor: operator.id,
      data: { product: first.id, output: "by_station", rows: 2 },
    });
    expect((await refusal(productOutput(deps, operator, first.id, "missing"))).code).toBe("NOT_FOUND");
    expect((await refusal(productOutput(deps, other, first.id, "by_station"))).code).toBe("FORBIDDEN");
    expect((await refusal(productOutput(deps, airHolder, first.id, "by_station"))).code).toBe("FORBIDDEN");
    expect((await listProducts(t.store, operator)).items.map((p) => [p.version, p.subscribed])).toEqual([
      [2, false],
      [1, true],
    ]);

    await delistProduct(deps, bureau, first.id, { reason: "superseded by version 2" });
    expect((await listProducts(t.store, other)).items.map((p) => p.version)).toEqual([2]);
    expect((await listProducts(t.store, auditor)).items.map((p) => p.version)).toEqual([2, 1]);
    expect(await productOutput(deps, operator, first.id, "by_station")).toEqual(OUTPUT);
    await t.store.run("UPDATE licenses SET status = 'revoked' WHERE id = 'lic_air'");
    const revoked = await refusal(productOutput(deps, operator, first.id, "by_station"));
    expect(revoked.code).toBe("FORBIDDEN");
    expect(revoked.detail).toContain("license");
    expect(audit.events.map((e) => e.type)).toEqual([
      "product.created",
      "product.created",
      "product.subscribed",
      "product.output_read",
      "product.delisted",
      "product.output_read",
    ]);
  });
});
