import { generateKeyPairSync } from "node:crypto";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AuditEntry } from "../../audit/entry.ts";
import { openStoreAuditLedger, type StoreAuditLedger } from "../../audit/store-ledger.ts";
import type { AuditSink } from "../../control/audit-sink.ts";
import type { Actor } from "../../control/authority.ts";
import { ControlPlaneBudgetLedger } from "../../control/budget-ledger.ts";
import { currentCatalog, publishManifest } from "../../control/catalog.ts";
import {
  authenticate,
  createStaffPrincipal,
  findApiKey,
  issueAuditedApiKey,
  listApiKeys,
  revokeApiKey,
  setPrincipalStatus,
} from "../../control/identity.ts";
import { ledgerAuditSink } from "../../control/ledger-sink.ts";
import {
  amendLicense,
  assertLicenseUsable,
  changeLicenseStatus,
  findLicense,
  getLicenseDetail,
  grantCheckedLicense,
  licenseBudgets,
  licensesOfOperator,
  listLicenses,
} from "../../control/licenses.ts";
import { usageReport } from "../../control/metering.ts";
import {
  assertOperatorActive,
  changeOperatorStatus,
  getOperator,
  listOperators,
  registerOperator,
} from "../../control/operators.ts";
import {
  diffManifests,
  getPolicyVersion,
  listPolicyVersions,
  publishPolicy,
} from "../../control/policy-versions.ts";
import { decideProposal } from "../../control/proposals.ts";
import { listTariffs, setTariff, type TariffInput, tariffAt } from "../../control/tariffs.ts";
import type { License } from "../../policies/license.ts";
import { budgetPeriodKey } from "../../policies/license.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import type { DataDomain } from "../../storage/data-domain.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { licenseThroughApplicationIn } from "../support/applications-store.ts";
import { operatorRegistration, validUscc } from "../support/operators.ts";
import { openTestStore, STORE_KINDS, type TestStore } from "../support/stores.ts";

/** Times as the store writes them. */
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const { privateKey } = generateKeyPairSync("ed25519");

/** A sink that refuses every event: the change it would record must not happen. */
const failingAudit: AuditSink = {
  appendIn: async () => {
    throw new Error("audit log unavailable");
  },
  append: async () => {
    throw new Error("audit log unavailable");
  },
};

/** A bureau officer acting. */
const officer = (id: string): Actor => ({ id, role: "bureau", organization: "Data Bureau" });

const demo = (name: string): DatasetManifest => structuredClone(DEMO_MANIFESTS.find((m) => m.name === name)!);

const busRidership: DatasetManifest = {
  name: "bus_ridership",
  title: "Bus ridership",
  description: "Monthly boardings per bus stop. Open data.",
  holder: { department: "Transport Bureau" },
  grade: 1,
  updateFrequency: "monthly",
  privacyUnit: null,
  columns: [
    { name: "stop", type: "VARCHAR", meaning: "Bus stop.", rule: "plain" },
    { name: "month", type: "DATE", meaning: "First day of the month.", rule: "plain" },
    { name: "boardings", type: "INTEGER", meaning: "Boardings in the month.", rule: "plain" },
  ],
} as DatasetManifest;

// A small data domain for policy publication: the table a manifest must describe exactly.
let domainInstance: DuckDBInstance;
let domain: Pick<DataDomain, "connect">;
beforeAll(async () => {
  domainInstance = await DuckDBInstance.create(":memory:");
  const setup = await domainInstance.connect();
  await setup.run("CREATE TABLE bus_ridership (stop VARCHAR, month DATE, boardings INTEGER)");
  await setup.run("CREATE TABLE parking (lot VARCHAR, spaces BIGINT)");
  setup.closeSync();
  domain = { connect: () => domainInstance.connect() };
});
afterAll(() => {
  domainInstance?.closeSync();
});

describe.each(STORE_KINDS)("control-plane verbs on %s", (kind) => {
  let t: TestStore;
  let store: SqlStore;
  let ledger: StoreAuditLedger;
  let audit: AuditSink;
  let bureauId: string;

  beforeEach(async () => {
    t = await openTestStore(kind);
    store = t.store;
    ledger = openStoreAuditLedger(store, { privateKey, checkpointIntervalMs: 0 });
    audit = ledgerAuditSink(ledger);
    bureauId = (
      await createStaffPrincipal(store, audit, "system", {
        role: "bureau",
        name: "Officer Zhao",
        organization: "Data Bureau",
      })
    ).principal.id;
  });
  afterEach(async () => {
    await ledger.close();
    await t.dispose();
  });

  /** The entries of one type the ledger holds, oldest first. */
  async function logged(type: string): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    for await (const entry of ledger.query({ type })) entries.push(entry);
    return entries;
  }

  /** Publishes the demo catalog entries licenses are granted on (no table check: catalog level). */
  async function seedCatalog(): Promise<void> {
    await store.transaction(async (tx) => {
      await publishManifest(tx, demo("population"), "seed");
      await publishManifest(tx, demo("air_quality"), "seed");
    });
  }

  /** Licenses on grade 3 data come only through the application flow (apply, consent, approve). */
  const viaApplication = (license: License) =>
    licenseThroughApplicationIn(
      store,
      audit,
      {
        operator: { id: license.operator, role: "operator", organization: "Operator" },
        bureau: { id: bureauId, role: "bureau", organization: "Data Bureau" },
      },
      license,
    );
  /** Grade 1 data only, which one officer may still grant directly. */
  const airOnly: Partial<License> = { datasets: [{ name: "air_quality" }] };

  let licenseSeq = 0;
  function licenseFor(operator: string, extra: Partial<License> = {}): License {
    licenseSeq += 1;
    return {
      id: `lic_test_${licenseSeq}`,
      operator,
      purpose: "public-health-research",
      validFrom: "2025-01-01T00:00:00Z",
      validTo: "2035-01-01T00:00:00Z",
      datasets: [
        { name: "population", epsilon: { perQuery: 0.5, total: 10, period: "month" } },
        { name: "air_quality" },
      ],
      quotas: {},
      releaseMode: "auto",
      ...extra,
    };
  }

  describe("identity: principals and API keys", () => {
    it("creates a staff principal whose key authenticates; malformed and wrong keys do not", async () => {
      const { principal, key } = await createStaffPrincipal(store, audit, bureauId, {
        role: "auditor",
        name: "Auditor Qian",
        organization: "Audit Office",
      });
      expect(principal).toMatchObject({ role: "auditor", status: "active" });
      expect(await authenticate(store, key.key)).toEqual(principal);
      expect(await authenticate(store, "not a key")).toBeNull();
      const forged = `aos_${key.prefix}_${"A".repeat(43)}`;
      expect(await authenticate(store, forged)).toBeNull();

      const keys = (await listApiKeys(store, principal.id)).items;
      expect(keys).toEqual([
        {
          prefix: key.prefix,
          principal: principal.id,
          createdAt: expect.any(String),
          revokedAt: null,
          clientKeySha256: null,
        },
      ]);
      expect(keys[0]!.createdAt).toMatch(RFC3339_UTC);
      const created = (await logged("operator.created")).at(-1)!;
      expect(created.actor).toBe(bureauId);
      expect(created.data).toMatchObject({ role: "auditor", keyPrefix: key.prefix, after: principal });
      expect(JSON.stringify(created)).not.toContain(key.key);
    });

    it("issues another key for an active principal only, audited by prefix", async () => {
      const { principal, key: first } = await createStaffPrincipal(store, audit, bureauId, {
        role: "auditor",
        name: "Auditor Sun",
        organization: "Audit Office",
      });
      const second = await issueAuditedApiKey(store, audit, bureauId, principal.id);
      expect(await authenticate(store, second.key)).toMatchObject({ id: principal.id });
      expect(await authenticate(store, first.key)).toMatchObject({ id: principal.id });
      expect((await logged("operator.key_issued")).at(-1)!.data).toEqual({
        principal: principal.id,
        role: "auditor",
        prefix: second.prefix,
      });
      await expect(issueAuditedApiKey(store, audit, bureauId, "aud_nope")).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
      await store.transaction((tx) => setPrincipalStatus(tx, principal.id, "suspended", "review"));
      await expect(issueAuditedApiKey(store, audit, bureauId, principal.id)).rejects.toMatchObject({
        code: "CONFLICT",
      });
      // A suspended principal's keys stop authenticating at once.
      expect(await authenticate(store, first.key)).toBeNull();
      expect(await authenticate(store, second.key)).toBeNull();
    });

    it("revokes a key: it stops authenticating, others of the principal still work", async () => {
      const { principal, key: first } = await createStaffPrincipal(store, audit, bureauId, {
        role: "auditor",
        name: "Auditor Li",
        organization: "Audit Office",
      });
      const second = await issueAuditedApiKey(store, audit, bureauId, principal.id);
      // Another principal's key answers as if absent.
      await expect(revokeApiKey(store, audit, bureauId, first.prefix, bureauId)).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
      const revoked = await revokeApiKey(store, audit, principal.id, first.prefix, principal.id);
      expect(revoked).toMatchObject({ prefix: first.prefix, principal: principal.id });
      expect(revoked.revokedAt).toMatch(RFC3339_UTC);
      expect(await authenticate(store, first.key)).toBeNull();
      expect(await authenticate(store, second.key)).toMatchObject({ id: principal.id });
      expect((await logged("operator.key_revoked")).at(-1)).toMatchObject({
        actor: principal.id,
        subjects: {},
        data: { principal: principal.id, prefix: first.prefix },
      });
      await expect(revokeApiKey(store, audit, bureauId, first.prefix)).rejects.toMatchObject({
        code: "CONFLICT",
      });
      await expect(revokeApiKey(store, audit, bureauId, "000000000000")).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
    });

    it("leaves the key working when the audit log cannot record its revocation", async () => {
      const { key } = await createStaffPrincipal(store, audit, bureauId, {
        role: "auditor",
        name: "Auditor Zhou",
        organization: "Audit Office",
      });
      await expect(revokeApiKey(store, failingAudit, bureauId, key.prefix)).rejects.toThrow(/rolled back/);
      expect((await findApiKey(store, key.prefix))?.revokedAt).toBeNull();
      expect(await authenticate(store, key.key)).not.toBeNull();
      const before = await store.query("SELECT id FROM principals");
      await expect(
        createStaffPrincipal(store, failingAudit, bureauId, {
          role: "auditor",
          name: "X",
          organization: "Y",
        }),
      ).rejects.toThrow(/rolled back/);
      expect(await store.query("SELECT id FROM principals")).toHaveLength(before.length);
    });
  });

  describe("operators: admission and exit", () => {
    it("admits an operator with its qualification and a working key; one live admission per credit code", async () => {
      const { operator, key } = await registerOperator(store, audit, bureauId, operatorRegistration(1));
      expect(operator).toMatchObject({
        name: "Analytics team 1",
        organization: "测试数据科技有限公司 1 (Test Data Technology Co. 1)",
        status: "active",
        statusReason: null,
        qualification: { uscc: validUscc(1) },
      });
      expect(operator.createdAt).toMatch(RFC3339_UTC);
      expect(operator.statusChangedAt).toMatch(RFC3339_UTC);
      expect(await authenticate(store, key.key)).toMatchObject({ id: operator.id, role: "operator" });
      await expect(assertOperatorActive(store, operator.id)).resolves.toBeUndefined();
      expect((await logged("operator.created")).at(-1)).toMatchObject({
        subjects: { operator: operator.id },
        data: { role: "operator", keyPrefix: key.prefix, after: { id: operator.id } },
      });
      await expect(registerOperator(store, audit, bureauId, operatorRegistration(1))).rejects.toMatchObject({
        code: "CONFLICT",
      });
      await expect(getOperator(store, operator.id)).resolves.toEqual(operator);
      await expect(getOperator(store, bureauId)).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    it("lists operators oldest first, filtered by status", async () => {
      const a = (await registerOperator(store, audit, bureauId, operatorRegistration(2))).operator;
      const b = (await registerOperator(store, audit, bureauId, operatorRegistration(3))).operator;
      await changeOperatorStatus(store, audit, bureauId, b.id, "suspend", "review");
      expect((await listOperators(store)).items.map((o) => o.id)).toEqual([a.id, b.id]);
      expect((await listOperators(store, { status: "suspended" })).items.map((o) => o.id)).toEqual([b.id]);
      expect((await listOperators(store, { status: "active" })).items.map((o) => o.id)).toEqual([a.id]);
      expect((await listOperators(store, { status: "revoked" })).items).toEqual([]);
    });

    it("suspends (keys and work stop) and reinstates, each from the state it allows", async () => {
      const { operator, key } = await registerOperator(store, audit, bureauId, operatorRegistration(4));
      const suspended = await changeOperatorStatus(
        store,
        audit,
        bureauId,
        operator.id,
        "suspend",
        "under review",
      );
      expect(suspended).toMatchObject({ status: "suspended", statusReason: "under review" });
      expect(await authenticate(store, key.key)).toBeNull();
      await expect(assertOperatorActive(store, operator.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
      expect((await logged("operator.suspended")).at(-1)).toMatchObject({
        subjects: { operator: operator.id },
        data: { action: "suspend", before: { status: "active" }, after: { status: "suspended" } },
      });
      await expect(
        changeOperatorStatus(store, audit, bureauId, operator.id, "suspend", "again"),
      ).rejects.toMatchObject({ code: "CONFLICT" });

      const back = await changeOperatorStatus(store, audit, bureauId, operator.id, "reinstate", "renewed");
      expect(back.status).toBe("active");
      expect(await authenticate(store, key.key)).toMatchObject({ id: operator.id });
      expect((await logged("operator.reinstated")).at(-1)!.data).toMatchObject({
        before: { status: "suspended" },
        after: { status: "active" },
      });
      await expect(
        changeOperatorStatus(store, audit, bureauId, "ope_nope", "suspend", "x"),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(assertOperatorActive(store, "ope_nope")).rejects.toMatchObject({ code: "FORBIDDEN" });
    });

    it("exit revokes the operator's keys and licenses, finally", async () => {
      await seedCatalog();
      const { operator, key } = await registerOperator(store, audit, bureauId, operatorRegistration(5));
      const second = await issueAuditedApiKey(store, audit, bureauId, operator.id);
      const license = await viaApplication(licenseFor(operator.id));

      const revoked = await changeOperatorStatus(store, audit, bureauId, operator.id, "revoke", "left");
      expect(revoked.status).toBe("revoked");
      expect(await authenticate(store, key.key)).toBeNull();
      const keys = (await listApiKeys(store, operator.id)).items;
      expect(keys).toHaveLength(2);
      for (const k of keys) expect(k.revokedAt).toMatch(RFC3339_UTC);
      const detail = await getLicenseDetail(store, license.id);
      expect(detail).toMatchObject({ status: "revoked", statusReason: "operator revoked: left" });
      expect((await logged("operator.updated")).at(-1)).toMatchObject({
        subjects: { operator: operator.id },
        data: {
          action: "revoke",
          revokedKeys: [key.prefix, second.prefix].sort(),
          revokedLicenses: [license.id],
        },
      });
      await expect(
        changeOperatorStatus(store, audit, bureauId, operator.id, "reinstate", "oops"),
      ).rejects.toMatchObject({ code: "CONFLICT" });
      await expect(issueAuditedApiKey(store, audit, bureauId, operator.id)).rejects.toMatchObject({
        code: "CONFLICT",
      });
      // The credit code is free again once its operator has left.
      await expect(registerOperator(store, audit, bureauId, operatorRegistration(5))).resolves.toBeTruthy();
    });

    it("leaves the operator as it was when the audit log cannot record the change", async () => {
      const { operator, key } = await registerOperator(store, audit, bureauId, operatorRegistration(6));
      await expect(
        changeOperatorStatus(store, failingAudit, bureauId, operator.id, "revoke", "x"),
      ).rejects.toThrow(/rolled back/);
      expect(await getOperator(store, operator.id)).toEqual(operator);
      expect(await authenticate(store, key.key)).not.toBeNull();
      await expect(registerOperator(store, failingAudit, bureauId, operatorRegistration(7))).rejects.toThrow(
        /rolled back/,
      );
      expect((await listOperators(store)).items.map((o) => o.id)).toEqual([operator.id]);
    });
  });

  describe("licenses", () => {
    let operatorId: string;
    beforeEach(async () => {
      await seedCatalog();
      operatorId = (await registerOperator(store, audit, bureauId, operatorRegistration(10))).operator.id;
    });

    it("grants a checked license with its budget left; a job may use it", async () => {
      const license = await viaApplication(licenseFor(operatorId));
      const granted = await getLicenseDetail(store, license.id);
      expect(granted).toMatchObject({ status: "active", statusReason: null, license: { id: license.id } });
      expect(granted.createdAt).toMatch(RFC3339_UTC);
      expect(granted.updatedAt).toMatch(RFC3339_UTC);
      expect((await logged("license.granted")).at(-1)).toMatchObject({
        subjects: { operator: operatorId, license: license.id, datasets: ["population", "air_quality"] },
        data: { after: { id: license.id } },
      });
      const record = await findLicense(store, license.id);
      expect(
        assertLicenseUsable(record, { operatorId, purpose: "public-health-research", now: new Date() }),
      ).toEqual({ license: granted.license, status: "active" });
      expect(await findLicense(store, "lic_nope")).toBeNull();

      const now = new Date();
      const period = budgetPeriodKey("month", now);
      expect(await licenseBudgets(store, license, now)).toEqual([
        { dataset: "population", period, total: 10, spent: 0, left: 10 },
      ]);
      const ledger = new ControlPlaneBudgetLedger(store);
      const spend = (queryKey: string, at: string, epsilon: number) =>
        ledger.charge({
          licenseId: license.id,
          queryKey,
          charges: [{ dataset: "population", period: at, epsilon, limit: 100 }],
        });
      await spend("q1", period, 0.5);
      await spend("q2", period, 1.25);
      await spend("q0", "month:2000-01", 9);
      expect(await licenseBudgets(store, license, now)).toEqual([
        { dataset: "population", period, total: 10, spent: 1.75, left: 8.25 },
      ]);
    });

    it("refuses documents the operator or the catalog does not allow", async () => {
      const refused = async (document: License, code: string) =>
        expect(grantCheckedLicense(store, audit, bureauId, document)).rejects.toMatchObject({ code });
      await refused(licenseFor(operatorId, { datasets: [{ name: "population" }] }), "BAD_REQUEST");
      await refused(licenseFor(operatorId, { datasets: [{ name: "no_such_table" }] }), "BAD_REQUEST");
      await refused(
        licenseFor(operatorId, { datasets: [{ name: "air_quality", columns: { nope: "deny" } }] }),
        "BAD_REQUEST",
      );
      await refused(licenseFor(operatorId, { purpose: "marketing" }), "BAD_REQUEST");
      await refused(licenseFor("ope_nope"), "BAD_REQUEST");
      await refused(licenseFor(bureauId), "BAD_REQUEST");
      await refused({ ...licenseFor(operatorId), datasets: [] }, "BAD_REQUEST");
      // Valid, but on grade 3 data: not for one officer to grant.
      await refused(licenseFor(operatorId), "FORBIDDEN");
      const first = licenseFor(operatorId, airOnly);
      await grantCheckedLicense(store, audit, bureauId, first);
      await refused(first, "CONFLICT");
      const other = (await registerOperator(store, audit, bureauId, operatorRegistration(11))).operator.id;
      await changeOperatorStatus(store, audit, bureauId, other, "suspend", "review");
      await refused(licenseFor(other), "CONFLICT");
      expect(await logged("license.granted")).toHaveLength(1);
    });

    it("lists licenses newest first, by operator and status; another operator's answers NOT_FOUND", async () => {
      const other = (await registerOperator(store, audit, bureauId, operatorRegistration(12))).operator.id;
      const a = licenseFor(operatorId, airOnly);
      const b = licenseFor(operatorId, airOnly);
      const c = licenseFor(other, airOnly);
      for (const license of [a, b, c]) {
        await grantCheckedLicense(store, audit, bureauId, license);
        // Distinct creation times, so that "newest first" has one answer.
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      await changeLicenseStatus(store, audit, bureauId, a.id, "suspend", "complaint");
      expect((await listLicenses(store)).items.map((d) => d.license.id)).toEqual([c.id, b.id, a.id]);
      expect((await listLicenses(store, { operatorId })).items.map((d) => d.license.id)).toEqual([
        b.id,
        a.id,
      ]);
      expect((await listLicenses(store, { status: "suspended" })).items.map((d) => d.license.id)).toEqual([
        a.id,
      ]);
      expect(
        (await listLicenses(store, { operatorId, status: "active" })).items.map((d) => d.license.id),
      ).toEqual([b.id]);
      expect((await licensesOfOperator(store, operatorId)).map((r) => [r.license.id, r.status])).toEqual([
        [b.id, "active"],
        [a.id, "suspended"],
      ]);
      await expect(getLicenseDetail(store, c.id, operatorId)).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(getLicenseDetail(store, c.id, other)).resolves.toMatchObject({ license: { id: c.id } });
      await expect(getLicenseDetail(store, "lic_nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    it("amends a license under the same id and operator, recording before and after", async () => {
      const granted = await viaApplication(licenseFor(operatorId));
      const amended = await amendLicense(store, audit, bureauId, granted.id, {
        ...granted,
        datasets: [{ name: "air_quality" }],
        quotas: { jobsPerDay: 5 },
      });
      expect(amended.license).toMatchObject({
        datasets: [{ name: "air_quality" }],
        quotas: { jobsPerDay: 5 },
      });
      expect((await getLicenseDetail(store, granted.id)).license).toEqual(amended.license);
      expect((await logged("license.updated")).at(-1)).toMatchObject({
        subjects: { license: granted.id, datasets: ["population", "air_quality"] },
        data: {
          action: "amend",
          before: { datasets: [{ name: "population" }, { name: "air_quality" }] },
          after: { datasets: [{ name: "air_quality" }], quotas: { jobsPerDay: 5 } },
        },
      });
      const other = (await registerOperator(store, audit, bureauId, operatorRegistration(13))).operator.id;
      await expect(
        amendLicense(store, audit, bureauId, granted.id, { ...granted, id: "lic_other" }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
      await expect(
        amendLicense(store, audit, bureauId, granted.id, { ...granted, operator: other }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
      await expect(
        amendLicense(store, audit, bureauId, "lic_nope", { ...granted, id: "lic_nope" }),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    it("suspends, reinstates and revokes; revoked is final", async () => {
      const granted = licenseFor(operatorId, airOnly);
      await grantCheckedLicense(store, audit, bureauId, granted);
      const suspended = await changeLicenseStatus(store, audit, bureauId, granted.id, "suspend", "complaint");
      expect(suspended).toMatchObject({ status: "suspended", statusReason: "complaint" });
      expect(() => assertLicenseUsable(suspended, { operatorId, now: new Date() })).toThrow(/suspended/);
      await expect(
        changeLicenseStatus(store, audit, bureauId, granted.id, "suspend", "again"),
      ).rejects.toMatchObject({ code: "CONFLICT" });
      expect((await logged("license.suspended")).at(-1)).toMatchObject({
        subjects: { operator: operatorId, license: granted.id },
        data: { action: "suspend", reason: "complaint", before: { status: "active" } },
      });
      const back = await changeLicenseStatus(store, audit, bureauId, granted.id, "reinstate", "resolved");
      expect(back.status).toBe("active");
      expect((await logged("license.reinstated")).at(-1)!.data).toMatchObject({
        before: { status: "suspended" },
        after: { status: "active" },
      });
      const revoked = await changeLicenseStatus(store, audit, bureauId, granted.id, "revoke", "misuse");
      expect(revoked.status).toBe("revoked");
      expect((await logged("license.revoked")).at(-1)!.data).toMatchObject({ after: { status: "revoked" } });
      for (const action of ["reinstate", "suspend", "expire"] as const) {
        await expect(
          changeLicenseStatus(store, audit, bureauId, granted.id, action, "x"),
        ).rejects.toMatchObject({
          code: "CONFLICT",
        });
      }
      await expect(amendLicense(store, audit, bureauId, granted.id, granted)).rejects.toMatchObject({
        code: "CONFLICT",
      });
      await expect(
        changeLicenseStatus(store, audit, bureauId, "lic_nope", "suspend", "x"),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    it("changes nothing when the audit log cannot record the change", async () => {
      const granted = licenseFor(operatorId, airOnly);
      await grantCheckedLicense(store, audit, bureauId, granted);
      const before = await getLicenseDetail(store, granted.id);
      await expect(
        changeLicenseStatus(store, failingAudit, bureauId, granted.id, "suspend", "x"),
      ).rejects.toThrow(/rolled back/);
      await expect(
        amendLicense(store, failingAudit, bureauId, granted.id, {
          ...granted,
          datasets: [{ name: "air_quality" }],
        }),
      ).rejects.toThrow(/rolled back/);
      expect(await getLicenseDetail(store, granted.id)).toEqual(before);
      const refused = licenseFor(operatorId, airOnly);
      await expect(grantCheckedLicense(store, failingAudit, bureauId, refused)).rejects.toThrow(
        /rolled back/,
      );
      expect(await findLicense(store, refused.id)).toBeNull();
    });
  });

  describe("policy versions and the catalog", () => {
    /** A second bureau officer, for the two-person rule. */
    async function secondOfficer(): Promise<string> {
      const created = await createStaffPrincipal(store, audit, "system", {
        role: "bureau",
        name: "Officer Qian",
        organization: "Data Bureau",
      });
      return created.principal.id;
    }
    const withRule = (m: DatasetManifest, column: string, rule: string) =>
      ({ ...m, columns: m.columns.map((c) => (c.name === column ? { ...c, rule } : c)) }) as DatasetManifest;

    it("registers a dataset (two officers), publishes a tightened version at once, and the catalog serves the current one", async () => {
      expect(await currentCatalog(store)).toEqual([]);
      const proposed = await publishPolicy(store, domain, audit, officer(bureauId), {
        dataset: "bus_ridership",
        manifest: busRidership,
        note: "open data from the transport bureau",
      });
      if (proposed.status !== "proposed") throw new Error("a registration is a proposal");
      expect(await currentCatalog(store)).toEqual([]);
      await decideProposal(
        { store, dataDomain: domain, audit },
        officer(await secondOfficer()),
        proposed.proposal.id,
        {
          decision: "approve",
        },
      );
      const first = await getPolicyVersion(store, "bus_ridership", 1);
      expect(first).toMatchObject({
        dataset: "bus_ridership",
        version: 1,
        author: bureauId,
        note: "open data from the transport bureau",
      });
      expect(first.effectiveFrom).toMatch(RFC3339_UTC);
      expect((await logged("manifest.published")).at(-1)).toMatchObject({
        subjects: { datasets: ["bus_ridership"] },
        data: { dataset: "bus_ridership", version: 1 },
      });

      const tightened = withRule(busRidership, "stop", "group");
      const published = await publishPolicy(store, domain, audit, officer(bureauId), {
        dataset: "bus_ridership",
        manifest: tightened,
        note: "stops only as groups",
      });
      if (published.status !== "published") throw new Error("a tightening is in force at once");
      const second = published.version;
      expect(second).toMatchObject({ version: 2, note: "stops only as groups" });
      const change = {
        kind: "changed",
        path: "columns.stop.rule",
        column: "stop",
        before: "plain",
        after: "group",
      };
      expect((await logged("policy.published")).at(-1)).toMatchObject({
        data: { version: 2, previousVersion: 1, changes: [change], note: "stops only as groups" },
      });

      const catalog = await currentCatalog(store);
      expect(catalog.map((e) => [e.manifest.name, e.version])).toEqual([["bus_ridership", 2]]);
      expect(catalog[0]!.manifest.columns.find((c) => c.name === "stop")!.rule).toBe("group");
      expect(catalog[0]!.effectiveFrom).toBe(second.effectiveFrom);

      expect(
        (await listPolicyVersions(store, "bus_ridership")).items.map((v) => [v.version, v.author]),
      ).toEqual([
        [1, bureauId],
        [2, bureauId],
      ]);
      const v1 = await getPolicyVersion(store, "bus_ridership", 1);
      expect(v1.manifest).toEqual(busRidership);
      expect(diffManifests(v1.manifest, second.manifest)).toEqual([change]);
      await expect(getPolicyVersion(store, "bus_ridership", 99)).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(listPolicyVersions(store, "nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    it("serves the catalog by name across datasets, and inside a transaction its own writes", async () => {
      await publishManifest(store, busRidership, bureauId);
      await store.transaction(async (tx) => {
        await publishManifest(tx, demo("air_quality"), "seed");
        expect((await currentCatalog(tx)).map((e) => e.manifest.name)).toEqual([
          "air_quality",
          "bus_ridership",
        ]);
        await publishManifest(tx, withRule(demo("air_quality"), "aqi", "group"), "seed");
        expect((await currentCatalog(tx)).map((e) => e.version)).toEqual([2, 1]);
      });
      expect((await currentCatalog(store)).map((e) => [e.manifest.name, e.version])).toEqual([
        ["air_quality", 2],
        ["bus_ridership", 1],
      ]);
    });

    it("refuses an identical manifest, a wrong name and a manifest that does not describe its table", async () => {
      await publishManifest(store, busRidership, bureauId);
      const refused = (input: { dataset: string; manifest: DatasetManifest }) =>
        publishPolicy(store, domain, audit, officer(bureauId), input);
      await expect(refused({ dataset: "bus_ridership", manifest: busRidership })).rejects.toMatchObject({
        code: "CONFLICT",
      });
      await expect(refused({ dataset: "parking", manifest: busRidership })).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
      const parking = {
        ...busRidership,
        name: "parking",
        columns: [
          { name: "lot", type: "VARCHAR", meaning: "Car park.", rule: "plain" },
          { name: "spaces", type: "INTEGER", meaning: "Spaces.", rule: "plain" },
        ],
      } as DatasetManifest;
      await expect(refused({ dataset: "parking", manifest: parking })).rejects.toThrow(/spaces is BIGINT/);
      await expect(
        refused({ dataset: "ghosts", manifest: { ...busRidership, name: "ghosts" } }),
      ).rejects.toThrow(/no table ghosts/);
      await expect(listPolicyVersions(store, "parking")).rejects.toMatchObject({ code: "NOT_FOUND" });
      expect(await logged("policy.published")).toEqual([]);
    });

    it("publishes nothing when the audit log cannot record it", async () => {
      await publishManifest(store, busRidership, bureauId);
      await expect(
        publishPolicy(store, domain, failingAudit, officer(bureauId), {
          dataset: "bus_ridership",
          manifest: withRule(busRidership, "stop", "group"),
        }),
      ).rejects.toThrow(/rolled back/);
      expect((await listPolicyVersions(store, "bus_ridership")).items.map((v) => v.version)).toEqual([1]);
      expect((await currentCatalog(store))[0]!.version).toBe(1);
    });
  });

  describe("tariffs", () => {
    /** Sets a tariff that only raises prices: in force at once. */
    async function setInForce(input: TariffInput) {
      const outcome = await setTariff(store, audit, officer(bureauId), input);
      if (outcome.status !== "set") throw new Error("raising prices is in force at once");
      return outcome.version;
    }
    const tariff: TariffInput = {
      currency: "CNY",
      perJob: 1,
      perCpuSecond: 0.05,
      perQuery: 0.2,
      perEpsilon: 10,
      perOutputCell: 0.001,
      perThousandRowsScanned: 0.01,
      datasetMultipliers: { population: 1.5 },
    };

    it("sets versions in force from now; the current one prices now, none prices the past", async () => {
      expect(await listTariffs(store)).toEqual([]);
      expect(await tariffAt(store, new Date())).toBeNull();
      const first = await setInForce(tariff);
      expect(first).toMatchObject({ version: 1, author: bureauId, tariff: { perQuery: 0.2 } });
      expect(first.effectiveFrom).toMatch(RFC3339_UTC);
      // A later millisecond, so that the first version alone is in force at its own start.
      await new Promise((resolve) => setTimeout(resolve, 3));
      const second = await setInForce({
        ...tariff,
        perQuery: 0.3,
        note: "2026 prices",
      });
      expect(second).toMatchObject({ version: 2, tariff: { perQuery: 0.3, note: "2026 prices" } });
      expect((await listTariffs(store)).map((v) => v.version)).toEqual([2, 1]);
      expect((await tariffAt(store, new Date()))?.version).toBe(2);
      expect((await tariffAt(store, new Date(first.effectiveFrom)))?.version).toBe(1);
      expect(await tariffAt(store, new Date("2000-01-01T00:00:00Z"))).toBeNull();
      expect((await logged("tariff.set")).map((e) => e.data)).toMatchObject([
        { version: 1, after: { perQuery: 0.2 } },
        { version: 2, previousVersion: 1, before: { perQuery: 0.2 }, after: { perQuery: 0.3 } },
      ]);
      for (const bad of [
        { ...tariff, currency: "USD" },
        { ...tariff, perQuery: -1 },
        { ...tariff, perRow: 1 },
      ]) {
        await expect(setTariff(store, audit, officer(bureauId), bad as TariffInput)).rejects.toMatchObject({
          code: "BAD_REQUEST",
        });
      }
    });

    it("sets nothing when the audit log cannot record it", async () => {
      await setInForce(tariff);
      await expect(
        setTariff(store, failingAudit, officer(bureauId), { ...tariff, perJob: 5 }),
      ).rejects.toThrow(/rolled back/);
      expect((await listTariffs(store)).map((v) => [v.version, v.tariff.perJob])).toEqual([[1, 1]]);
    });
  });

  describe("metering", () => {
    const usage = (datasets: string[], epsilon: Record<string, number> = {}) =>
      JSON.stringify({
        cpuMs: 2000,
        wallMs: 3000,
        heapPeakBytes: 1,
        queries: 2,
        rowsIn: 10,
        bytesIn: 100,
        outputRows: 1,
        outputCells: 4,
        rowsScanned: 1000,
        datasets,
        epsilon,
      });
    const insertJob = (
      id: string,
      operator: string,
      status: string,
      submittedAt: string,
      used: string | null,
    ) =>
      store.run(
        `INSERT INTO jobs (id, operator_id, license_id, purpose, language, script, script_sha256, status, submitted_at, usage)
         VALUES ($1, $2, $3, 'urban-analytics', 'javascript', 'export default () => ({})', 'x', $4, $5, $6)`,
        [id, operator, `lic_${operator}`, status, submittedAt, used],
      );
    const insertTariff = (version: number, perJob: number, effectiveFrom: string) =>
      store.run("INSERT INTO tariffs (version, tariff, effective_from, author) VALUES ($1, $2, $3, 'seed')", [
        version,
        JSON.stringify({
          currency: "CNY",
          perJob,
          perCpuSecond: 0,
          perQuery: 0,
          perEpsilon: 0,
          perOutputCell: 0,
          perThousandRowsScanned: 0,
        }),
        effectiveFrom,
      ]);

    beforeEach(async () => {
      await seedCatalog();
      await insertTariff(1, 1, "2026-01-01T00:00:00.000Z");
      await insertTariff(2, 2, "2026-02-01T00:00:00.000Z");
      await insertJob(
        "job_a",
        "ope_a",
        "released",
        "2026-01-15T10:00:00.000Z",
        usage(["population", "air_quality"], { population: 0.5 }),
      );
      await insertJob("job_b", "ope_a", "released", "2026-01-20T10:00:00.000Z", usage([]));
      await insertJob("job_c", "ope_a", "released", "2026-02-10T10:00:00.000Z", usage(["air_quality"]));
      await insertJob("job_d", "ope_a", "held", "2026-02-11T10:00:00.000Z", usage(["air_quality"]));
      await insertJob("job_e", "ope_b", "released", "2026-01-16T10:00:00.000Z", usage(["air_quality"]));
      await insertJob("job_f", "ope_a", "failed", "2026-01-17T10:00:00.000Z", null);
    });

    it("prices each job under the tariff of its submission and attributes it to the datasets read", async () => {
      const report = await usageReport(store, { groupBy: "month" });
      expect(report.totals).toMatchObject({
        jobs: 5,
        queries: 10,
        cpuMs: 10_000,
        chargeFen: (1 + 1 + 2 + 2 + 1) * 100,
        charge: "7.00",
        sharePpm: 5 * 1_000_000,
      });
      const line = (period: string, operator: string, dataset: string | null) =>
        report.lines.find((l) => l.period === period && l.operator === operator && l.dataset === dataset);
      const holder = demo("population").holder.department;
      // A job recorded before rows were kept per dataset is divided evenly, in whole units.
      expect(line("2026-01", "ope_a", "population")).toMatchObject({
        license: "lic_ope_a",
        holder,
        basis: "even",
        jobs: 1,
        sharePpm: 500_000,
        epsilon: 0.5,
        rowsScanned: 500,
        cpuMs: 1000,
        chargeFen: 50,
        charge: "0.50",
      });
      expect(line("2026-01", "ope_a", "air_quality")).toMatchObject({
        jobs: 1,
        sharePpm: 500_000,
        epsilon: 0,
        chargeFen: 50,
      });
      expect(line("2026-01", "ope_a", null)).toMatchObject({
        jobs: 1,
        holder: null,
        rowsScanned: 0,
        chargeFen: 100,
      });
      expect(line("2026-02", "ope_a", "air_quality")).toMatchObject({ jobs: 2, chargeFen: 400 });
      expect(line("2026-01", "ope_b", "air_quality")).toMatchObject({ jobs: 1, chargeFen: 100 });
      const sum = (key: "chargeFen" | "cpuMs" | "sharePpm") =>
        report.lines.reduce((acc, l) => acc + l[key], 0);
      expect([sum("chargeFen"), sum("cpuMs"), sum("sharePpm")]).toEqual([
        report.totals.chargeFen,
        report.totals.cpuMs,
        report.totals.sharePpm,
      ]);
      const days = await usageReport(store, { groupBy: "day" });
      expect(new Set(days.lines.map((l) => l.period))).toEqual(
        new Set(["2026-01-15", "2026-01-20", "2026-02-10", "2026-02-11", "2026-01-16"]),
      );
    });

    it("filters by time (dates are midnight UTC, offsets honoured) and by operator", async () => {
      expect((await usageReport(store, { groupBy: "month", from: "2026-02-01" })).totals.jobs).toBe(2);
      const january = await usageReport(store, { groupBy: "month", to: "2026-02-01T08:00:00+08:00" });
      expect(january.totals.jobs).toBe(3);
      const window = await usageReport(store, {
        groupBy: "month",
        from: "2026-01-16T10:00:00Z",
        to: "2026-02-10T10:00:00.001Z",
      });
      expect(window.totals.jobs).toBe(3);
      const b = await usageReport(store, { groupBy: "month", operator: "ope_b" });
      expect(b.lines.map((l) => l.operator)).toEqual(["ope_b"]);
      expect(b.totals.jobs).toBe(1);
    });

    it("shows an operator its own use only, without jobs held for review", async () => {
      const own = await usageReport(store, { groupBy: "month", operator: "ope_b" }, { operatorId: "ope_a" });
      expect(new Set(own.lines.map((l) => l.operator))).toEqual(new Set(["ope_a"]));
      expect(own.totals).toMatchObject({ jobs: 3, chargeFen: (1 + 1 + 2) * 100 });
    });
  });
});
