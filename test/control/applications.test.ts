import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuditEntry } from "../../audit/entry.ts";
import { openStoreAuditLedger, type StoreAuditLedger } from "../../audit/store-ledger.ts";
import {
  amendApplication,
  decideApproval,
  decideConsent,
  expireApplications,
  getApplication,
  listApplications,
  submitApplication,
  withdrawApplication,
} from "../../control/applications.ts";
import type { AuditSink } from "../../control/audit-sink.ts";
import type { Actor } from "../../control/authority.ts";
import { publishManifest } from "../../control/catalog.ts";
import { createPrincipal } from "../../control/identity.ts";
import { ledgerAuditSink } from "../../control/ledger-sink.ts";
import { amendLicense, getLicenseDetail, grantCheckedLicense } from "../../control/licenses.ts";
import { registerOperator } from "../../control/operators.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { operatorRegistration } from "../support/operators.ts";
import { openTestStore, STORE_KINDS, type TestStore } from "../support/stores.ts";

const { privateKey } = generateKeyPairSync("ed25519");
const demo = (name: string): DatasetManifest => structuredClone(DEMO_MANIFESTS.find((m) => m.name === name)!);
const settings = { ttlHours: 24 };

describe.each(STORE_KINDS)("license applications on %s", (kind) => {
  let t: TestStore;
  let store: SqlStore;
  let ledger: StoreAuditLedger;
  let audit: AuditSink;
  let bureau: Actor;
  let bureau2: Actor;
  let auditor: Actor;
  let operator: Actor;
  let otherOperator: Actor;
  /** Members of the population (grade 3), medical visits (grade 3 → 4 in some tests) and air quality departments. */
  let popHolder: Actor;
  let medHolder: Actor;
  let airHolder: Actor;

  const actor = async (role: Actor["role"], organization: string): Promise<Actor> => {
    const p = await store.transaction((tx) =>
      createPrincipal(tx, { role, name: `Test ${role}`, organization }),
    );
    return { id: p.id, role: p.role, organization: p.organization };
  };
  async function logged(type: string): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    for await (const entry of ledger.query({ type })) entries.push(entry);
    return entries;
  }
  const inbox = async (principal: Actor) =>
    (
      await store.query<{ kind: string; subject: string }>(
        "SELECT kind, subject FROM notifications WHERE recipient_id = $1",
        [principal.id],
      )
    ).map((row) => ({ kind: row.kind, subject: JSON.parse(row.subject) as Record<string, string> }));

  const document = (extra: Record<string, unknown> = {}) => ({
    datasets: [
      { name: "population", epsilon: { perQuery: 0.5, total: 10, period: "month" } },
      { name: "air_quality" },
    ],
    purpose: "public-health-research",
    scenario: "Health indicators per district",
    validFrom: "2025-01-01T00:00:00Z",
    validTo: "2035-01-01T00:00:00Z",
    quotas: { jobsPerDay: 20 },
    ...extra,
  });

  beforeEach(async () => {
    t = await openTestStore(kind);
    store = t.store;
    ledger = openStoreAuditLedger(store, { privateKey, checkpointIntervalMs: 0 });
    audit = ledgerAuditSink(ledger);
    await store.transaction(async (tx) => {
      for (const name of ["population", "medical_visits", "air_quality", "enterprises"])
        await publishManifest(tx, demo(name), "seed");
    });
    bureau = await actor("bureau", "Data Bureau");
    bureau2 = await actor("bureau", "Data Bureau");
    auditor = await actor("auditor", "Audit Bureau");
    popHolder = await actor("holder", demo("population").holder.department);
    medHolder = await actor("holder", demo("medical_visits").holder.department);
    airHolder = await actor("holder", demo("air_quality").holder.department);
    const register = async (n: number): Promise<Actor> => {
      const { operator: o } = await registerOperator(store, audit, bureau.id, operatorRegistration(n));
      return { id: o.id, role: "operator", organization: o.qualification?.organization ?? "" };
    };
    operator = await register(1);
    otherOperator = await register(2);
  });
  afterEach(async () => {
    await ledger.close();
    await t.dispose();
  });

  it("applies, consents, approves: the license is exactly the application's terms, recorded with policy versions", async () => {
    const submitted = await submitApplication(store, audit, operator, document(), settings);
    expect(submitted).toMatchObject({
      status: "awaiting_consent",
      operator: operator.id,
      policyVersions: { population: 1, air_quality: 1 },
      awaiting: { consents: ["population"], approvals: 1 },
      licenseId: null,
    });
    expect(await inbox(popHolder)).toEqual([
      { kind: "application.awaiting_consent", subject: { application: submitted.id } },
    ]);
    expect(await inbox(airHolder)).toEqual([]);

    // The bureau cannot decide before the holder.
    await expect(
      decideApproval(store, audit, bureau, submitted.id, { decision: "approve" }, settings),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      detail: expect.stringMatching(/holder's consent for population/),
    });

    const consented = await decideConsent(
      store,
      audit,
      popHolder,
      submitted.id,
      { dataset: "population", decision: "consent" },
      settings,
    );
    expect(consented).toMatchObject({
      status: "awaiting_approval",
      awaiting: { consents: [], approvals: 1 },
    });
    expect((await inbox(bureau)).map((n) => n.kind)).toEqual(["application.awaiting_approval"]);
    await expect(
      decideConsent(
        store,
        audit,
        popHolder,
        submitted.id,
        { dataset: "population", decision: "consent" },
        settings,
      ),
    ).rejects.toMatchObject({ code: "CONFLICT" });

    // A policy change between steps: the approval records the version it was taken under.
    await store.transaction((tx) =>
      publishManifest(tx, { ...demo("population"), minGroupSize: 20 }, "bureau"),
    );
    const approved = await decideApproval(
      store,
      audit,
      bureau,
      submitted.id,
      { decision: "approve" },
      settings,
    );
    expect(approved.status).toBe("approved");
    expect(approved.licenseId).toMatch(/^lic_/);
    expect(approved.decisions).toEqual([
      expect.objectContaining({
        step: "consent",
        dataset: "population",
        decider: popHolder.id,
        decision: "consent",
        policyVersions: { population: 1, air_quality: 1 },
      }),
      expect.objectContaining({
        step: "approval",
        dataset: null,
        decider: bureau.id,
        decision: "approve",
        policyVersions: { population: 2, air_quality: 1 },
      }),
    ]);
    const license = await getLicenseDetail(store, approved.licenseId!);
    const { scenario: _scenario, ...terms } = document();
    expect(license.license).toEqual({
      id: approved.licenseId,
      operator: operator.id,
      ...terms,
      releaseMode: "auto",
    });
    const granted = (await logged("license.granted")).at(-1)!;
    expect(granted).toMatchObject({
      actor: bureau.id,
      subjects: { operator: operator.id, license: approved.licenseId },
      data: { application: submitted.id, approvers: [bureau.id], policyVersions: { population: 2 } },
    });
    expect((await logged("application.approved")).at(-1)).toMatchObject({
      data: { application: submitted.id, final: true, license: approved.licenseId },
    });
    expect((await logged("application.consented")).at(-1)).toMatchObject({
      actor: popHolder.id,
      data: { dataset: "population", policyVersions: { population: 1 } },
    });
    expect(await inbox(operator)).toContainEqual({
      kind: "application.decided",
      subject: { application: submitted.id, license: approved.licenseId },
    });
    await expect(
      decideApproval(store, audit, bureau2, submitted.id, { decision: "approve" }, settings),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("goes straight to the bureau when no grade 3/4 data is named", async () => {
    const submitted = await submitApplication(
      store,
      audit,
      operator,
      document({ datasets: [{ name: "enterprises" }] }),
      settings,
    );
    expect(submitted).toMatchObject({
      status: "awaiting_approval",
      awaiting: { consents: [], approvals: 1 },
    });
    expect((await inbox(bureau2)).map((n) => n.kind)).toEqual(["application.awaiting_approval"]);
    expect(await inbox(popHolder)).toEqual([]);
  });

  it("refuses invalid applications like an invalid license, and other roles", async () => {
    const refused = (doc: unknown, code = "BAD_REQUEST", who = operator) =>
      expect(submitApplication(store, audit, who, doc, settings)).rejects.toMatchObject({ code });
    await refused(document({ datasets: [{ name: "population" }] })); // grade 3 without ε
    await refused(document({ datasets: [{ name: "no_such_table" }] }));
    await refused(document({ datasets: [{ name: "air_quality", columns: { nope: "deny" } }] }));
    await refused(document({ purpose: "marketing" })); // not an approved purpose
    await refused(document({ validTo: "2024-01-01T00:00:00Z" }));
    await refused(document({ scenario: "" }));
    await refused({ ...document(), id: "lic_mine" }); // the license id is not the applicant's to choose
    await refused(document({ datasets: [{ name: "air_quality" }, { name: "air_quality" }] }));
    for (const who of [bureau, auditor, popHolder]) await refused(document(), "FORBIDDEN", who);
    expect(await logged("application.submitted")).toHaveLength(0);
  });

  it("a holder's refusal (with a reason) refuses the application; a bureau refusal too", async () => {
    const a = await submitApplication(store, audit, operator, document(), settings);
    await expect(
      decideConsent(store, audit, popHolder, a.id, { dataset: "population", decision: "refuse" }, settings),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", detail: expect.stringMatching(/reason/) });
    const refused = await decideConsent(
      store,
      audit,
      popHolder,
      a.id,
      { dataset: "population", decision: "refuse", reason: "out of scope" },
      settings,
    );
    expect(refused).toMatchObject({ status: "refused", statusReason: expect.stringMatching(/out of scope/) });
    expect((await logged("application.refused")).at(-1)).toMatchObject({
      actor: popHolder.id,
      data: { application: a.id, step: "consent", reason: "out of scope" },
    });
    expect(await inbox(operator)).toContainEqual({
      kind: "application.decided",
      subject: { application: a.id },
    });
    await expect(
      decideApproval(store, audit, bureau, a.id, { decision: "approve" }, settings),
    ).rejects.toMatchObject({ code: "CONFLICT" });

    const b = await submitApplication(
      store,
      audit,
      operator,
      document({ datasets: [{ name: "air_quality" }] }),
      settings,
    );
    await expect(
      decideApproval(store, audit, bureau, b.id, { decision: "refuse" }, settings),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const byBureau = await decideApproval(
      store,
      audit,
      bureau,
      b.id,
      { decision: "refuse", reason: "scenario too vague" },
      settings,
    );
    expect(byBureau).toMatchObject({ status: "refused", licenseId: null });
    expect(await store.query("SELECT id FROM licenses")).toEqual([]);
  });

  it("holders decide only their own datasets and see only applications touching them", async () => {
    const a = await submitApplication(store, audit, operator, document(), settings);
    // Air quality's holder sees the application (it names air quality) but cannot decide population.
    await expect(
      decideConsent(store, audit, airHolder, a.id, { dataset: "population", decision: "consent" }, settings),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      decideConsent(store, audit, airHolder, a.id, { dataset: "air_quality", decision: "consent" }, settings),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", detail: expect.stringMatching(/grade 1/) });
    // Medical visits' holder: the application does not touch its data, so it is absent.
    await expect(getApplication(store, audit, medHolder, a.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      decideConsent(store, audit, medHolder, a.id, { dataset: "population", decision: "consent" }, settings),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await listApplications(store, audit, medHolder)).items).toEqual([]);
    expect((await listApplications(store, audit, popHolder)).items.map((x) => x.id)).toEqual([a.id]);
    // Another operator's application is absent too; the bureau and auditors see all.
    await expect(getApplication(store, audit, otherOperator, a.id)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await listApplications(store, audit, otherOperator)).items).toEqual([]);
    await expect(withdrawApplication(store, audit, otherOperator, a.id)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await listApplications(store, audit, auditor)).items.map((x) => x.id)).toEqual([a.id]);
    expect((await listApplications(store, audit, bureau, { dataset: "medical_visits" })).items.length).toBe(
      0,
    );
    expect((await listApplications(store, audit, bureau, { status: "awaiting_consent" })).items.length).toBe(
      1,
    );
    // Roles checked in the verbs themselves.
    await expect(
      decideConsent(store, audit, bureau, a.id, { dataset: "population", decision: "consent" }, settings),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      decideApproval(store, audit, popHolder, a.id, { decision: "approve" }, settings),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(withdrawApplication(store, audit, bureau, a.id)).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("grade 4 needs two distinct bureau officers", async () => {
    await store.transaction((tx) => publishManifest(tx, { ...demo("medical_visits"), grade: 4 }, "bureau"));
    const a = await submitApplication(
      store,
      audit,
      operator,
      document({ datasets: [{ name: "medical_visits", epsilon: { perQuery: 0.5, total: 5 } }] }),
      settings,
    );
    await decideConsent(
      store,
      audit,
      medHolder,
      a.id,
      { dataset: "medical_visits", decision: "consent" },
      settings,
    );
    const first = await decideApproval(store, audit, bureau, a.id, { decision: "approve" }, settings);
    expect(first).toMatchObject({ status: "awaiting_approval", licenseId: null, awaiting: { approvals: 1 } });
    expect((await inbox(bureau2)).map((n) => n.kind)).toContain("application.awaiting_approval");
    await expect(
      decideApproval(store, audit, bureau, a.id, { decision: "approve" }, settings),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      detail: expect.stringMatching(/second, different bureau officer/),
    });
    const second = await decideApproval(store, audit, bureau2, a.id, { decision: "approve" }, settings);
    expect(second).toMatchObject({ status: "approved", awaiting: { approvals: 0 } });
    expect((await logged("license.granted")).at(-1)).toMatchObject({
      actor: bureau2.id,
      data: { application: a.id, approvers: [bureau.id, bureau2.id] },
    });
    // The direct route refuses grade 3/4 data.
    await expect(
      grantCheckedLicense(store, audit, bureau.id, {
        id: "lic_direct",
        operator: operator.id,
        purpose: "public-health-research",
        validFrom: "2025-01-01T00:00:00Z",
        validTo: "2035-01-01T00:00:00Z",
        datasets: [{ name: "medical_visits", epsilon: { perQuery: 0.5, total: 5, period: "total" } }],
        quotas: {},
        releaseMode: "auto",
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN", detail: expect.stringMatching(/application/) });
  });

  it("withdraws, amends (consents start afresh) and amends an approved license through a new application", async () => {
    const a = await submitApplication(store, audit, operator, document(), settings);
    await decideConsent(
      store,
      audit,
      popHolder,
      a.id,
      { dataset: "population", decision: "consent" },
      settings,
    );
    const b = await amendApplication(
      store,
      audit,
      operator,
      a.id,
      document({ quotas: { jobsPerDay: 40 } }),
      settings,
    );
    expect(b).toMatchObject({
      amends: a.id,
      status: "awaiting_consent",
      awaiting: { consents: ["population"] },
    });
    expect((await getApplication(store, audit, operator, a.id)).status).toBe("superseded");
    await expect(withdrawApplication(store, audit, operator, a.id)).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const withdrawn = await withdrawApplication(store, audit, operator, b.id, "no longer needed");
    expect(withdrawn).toMatchObject({ status: "withdrawn", statusReason: "no longer needed" });
    expect((await logged("application.withdrawn")).map((e) => e.data.status)).toEqual([
      "superseded",
      "withdrawn",
    ]);

    // Approved, then amended to loosen: the same license changes once the amendment is approved.
    const c = await submitApplication(store, audit, operator, document(), settings);
    await decideConsent(
      store,
      audit,
      popHolder,
      c.id,
      { dataset: "population", decision: "consent" },
      settings,
    );
    const granted = await decideApproval(store, audit, bureau, c.id, { decision: "approve" }, settings);
    const licenseId = granted.licenseId!;
    // One officer cannot loosen it directly …
    const current = (await getLicenseDetail(store, licenseId)).license;
    await expect(
      amendLicense(store, audit, bureau.id, licenseId, { ...current, validTo: "2036-01-01T00:00:00Z" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN", detail: expect.stringMatching(/ends later/) });
    // … but may tighten it.
    await amendLicense(store, audit, bureau.id, licenseId, { ...current, quotas: { jobsPerDay: 10 } });
    const d = await amendApplication(
      store,
      audit,
      operator,
      c.id,
      document({ validTo: "2036-01-01T00:00:00Z" }),
      settings,
    );
    expect((await getApplication(store, audit, operator, c.id)).status).toBe("approved");
    await expect(amendApplication(store, audit, operator, c.id, document(), settings)).rejects.toMatchObject({
      code: "CONFLICT",
      detail: expect.stringMatching(/pending amendment/),
    });
    await decideConsent(
      store,
      audit,
      popHolder,
      d.id,
      { dataset: "population", decision: "consent" },
      settings,
    );
    const approved = await decideApproval(store, audit, bureau, d.id, { decision: "approve" }, settings);
    expect(approved.licenseId).toBe(licenseId);
    expect((await getLicenseDetail(store, licenseId)).license).toMatchObject({
      validTo: "2036-01-01T00:00:00Z",
      quotas: { jobsPerDay: 20 },
    });
    expect((await getApplication(store, audit, operator, c.id)).status).toBe("superseded");
    expect((await logged("license.updated")).at(-1)).toMatchObject({
      subjects: { license: licenseId },
      data: { application: d.id, amends: c.id, action: "amend" },
    });
  });

  it("expires applications nobody acted on, periodically and when read", async () => {
    const a = await submitApplication(store, audit, operator, document(), settings);
    const b = await submitApplication(store, audit, operator, document(), settings);
    expect(await expireApplications(store, audit)).toBe(0);
    const later = new Date(Date.now() + 25 * 3_600_000);
    expect(await expireApplications(store, audit, later)).toBe(2);
    expect((await logged("application.expired")).map((e) => [e.actor, e.data.application])).toEqual(
      expect.arrayContaining([
        ["system", a.id],
        ["system", b.id],
      ]),
    );
    expect((await inbox(operator)).filter((n) => n.kind === "application.decided")).toHaveLength(2);
    // A read expires lazily what is past its time.
    const c = await submitApplication(store, audit, operator, document(), settings);
    await store.transaction((tx) =>
      tx.run("UPDATE applications SET expires_at = $2 WHERE id = $1", [
        c.id,
        new Date(Date.now() - 1000).toISOString(),
      ]),
    );
    expect((await getApplication(store, audit, operator, c.id)).status).toBe("expired");
    await expect(
      decideConsent(store, audit, popHolder, c.id, { dataset: "population", decision: "consent" }, settings),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("changes nothing when the audit log cannot record the step", async () => {
    const failing: AuditSink = {
      appendIn: async () => {
        throw new Error("audit log unavailable");
      },
      append: async () => {
        throw new Error("audit log unavailable");
      },
    };
    await expect(submitApplication(store, failing, operator, document(), settings)).rejects.toThrow(
      /rolled back/,
    );
    expect(await store.query("SELECT id FROM applications")).toEqual([]);
    expect(await inbox(popHolder)).toEqual([]);
  });
});
