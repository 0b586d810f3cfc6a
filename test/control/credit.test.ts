import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuditEntry } from "../../audit/entry.ts";
import { openStoreAuditLedger, type StoreAuditLedger } from "../../audit/store-ledger.ts";
import { closeAlert, evaluateAlerts } from "../../control/alerts.ts";
import type { AuditSink } from "../../control/audit-sink.ts";
import type { Actor } from "../../control/authority.ts";
import { publishManifest } from "../../control/catalog.ts";
import {
  creditRecord,
  decideObjection,
  exitOperator,
  fileObjection,
  recordAlertViolation,
  recordViolation,
  repairCredit,
  standing,
  systemViolationOf,
} from "../../control/credit.ts";
import { evaluationReport } from "../../control/evaluation.ts";
import { authenticate, createPrincipal } from "../../control/identity.ts";
import { ledgerAuditSink } from "../../control/ledger-sink.ts";
import { getLicenseDetail, grantLicense } from "../../control/licenses.ts";
import { registerOperator } from "../../control/operators.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { operatorRegistration } from "../support/operators.ts";
import { openTestStore, STORE_KINDS, type TestStore } from "../support/stores.ts";

const { privateKey } = generateKeyPairSync("ed25519");
const demo = (name: string): DatasetManifest => structuredClone(DEMO_MANIFESTS.find((m) => m.name === name)!);
const DAY = 86_400_000;

describe("the credit rules as functions", () => {
  it("repairs a run of violations together once the period passes without a new one", () => {
    const at = (days: number) => new Date(Date.UTC(2026, 0, 1) + days * DAY).toISOString();
    const rows = [
      { id: "a", recorded_at: at(0), status: "standing" as const },
      { id: "b", recorded_at: at(80), status: "standing" as const },
      { id: "x", recorded_at: at(100), status: "annulled" as const },
      { id: "c", recorded_at: at(200), status: "standing" as const },
    ];
    const rules = { repairDays: 90 };
    // Day 150: a and b form one run (b came within 90 days of a); 90 days after b they are repaired.
    const day150 = standing(rows, new Date(at(150)), rules);
    expect(day150.get("a")).toEqual({ counts: true, repairsAt: at(170) });
    expect(day150.get("b")).toEqual({ counts: true, repairsAt: at(170) });
    // An annulled violation is neither counted nor a "new violation" that postpones repair.
    expect(day150.has("x")).toBe(false);
    const day210 = standing(rows, new Date(at(210)), rules);
    expect(day210.get("a")).toEqual({ counts: false, repairsAt: null });
    expect(day210.get("b")).toEqual({ counts: false, repairsAt: null });
    expect(day210.get("c")).toEqual({ counts: true, repairsAt: at(290) });
    // A violation recorded after `now` does not count yet.
    expect(standing(rows, new Date(at(10)), rules).has("b")).toBe(false);
  });

  it("decides in one place which signals are violations", () => {
    expect(systemViolationOf({ source: "alert", rule: "refusal_burst" })).toEqual({
      kind: "policy_refusals",
      severity: "major",
    });
    expect(systemViolationOf({ source: "alert", rule: "budget_burn" })?.severity).toBe("minor");
    expect(systemViolationOf({ source: "alert", rule: "auth_failures" })).toBeUndefined();
    expect(
      systemViolationOf({ source: "gate", outcome: "rejected", reasons: [{ code: "identifier_in_domain" }] }),
    ).toEqual({ kind: "release_gate_flag", severity: "major" });
    expect(
      systemViolationOf({ source: "gate", outcome: "rejected", reasons: [{ code: "too_many_rows" }] }),
    ).toBeUndefined();
    expect(
      systemViolationOf({ source: "gate", outcome: "held", reasons: [{ code: "identifier_pattern" }] }),
    ).toBeUndefined();
  });
});

describe.each(STORE_KINDS)("operator credit on %s", (kind) => {
  let t: TestStore;
  let store: SqlStore;
  let ledger: StoreAuditLedger;
  let audit: AuditSink;
  let bureau: Actor;
  let bureau2: Actor;
  let auditor: Actor;
  let operator: Actor;
  let other: Actor;
  let operatorKey: string;
  let deps: { store: SqlStore; audit: AuditSink };

  const actor = async (role: Actor["role"], organization: string): Promise<Actor> => {
    const p = await store.transaction((tx) =>
      createPrincipal(tx, { role, name: `Test ${role}`, organization }),
    );
    return { id: p.id, role: p.role, organization: p.organization };
  };
  const register = async (n: number): Promise<{ actor: Actor; key: string }> => {
    const { operator: o, key } = await registerOperator(store, audit, bureau.id, operatorRegistration(n));
    return { actor: { id: o.id, role: "operator", organization: o.organization }, key: key.key };
  };
  const license = (id: string, who: Actor, quotas: Record<string, number> = {}) =>
    store.transaction((tx) =>
      grantLicense(tx, {
        id,
        operator: who.id,
        purpose: "urban-analytics",
        validFrom: "2025-01-01T00:00:00Z",
        validTo: "2035-01-01T00:00:00Z",
        datasets: [{ name: "air_quality" }],
        quotas,
        releaseMode: "auto",
      }),
    );
  async function logged(type: string): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    for await (const entry of ledger.query({ type })) entries.push(entry);
    return entries;
  }
  const inbox = async (who: Actor) =>
    (
      await store.query<{ kind: string; subject: string }>(
        "SELECT kind, subject FROM notifications WHERE recipient_id = $1 ORDER BY id",
        [who.id],
      )
    ).map((row) => ({ kind: row.kind, subject: JSON.parse(row.subject) as Record<string, string> }));
  let jobCounter = 0;
  /** A refused query of `who`, as a job's settlement logs it. */
  const refused = (who: Actor) =>
    audit.append({
      type: "query.checked",
      actor: who.id,
      subject: { job: `job_${++jobCounter}`, operator: who.id, license: "lic_a", datasets: ["population"] },
      data: {
        index: 0,
        sql: "SELECT id_number FROM population",
        verdict: null,
        error: { code: "SQL_NOT_ALLOWED" },
      },
    });
  const evaluate = () => evaluateAlerts({ store, audit, thresholds: { refusals: 3 } });
  const quotas = async (id: string) => (await getLicenseDetail(store, id)).license.quotas;
  const status = async (id: string) => (await getLicenseDetail(store, id)).status;

  beforeEach(async () => {
    t = await openTestStore(kind);
    store = t.store;
    ledger = openStoreAuditLedger(store, { privateKey, checkpointIntervalMs: 0 });
    audit = ledgerAuditSink(ledger);
    deps = { store, audit };
    await store.transaction(async (tx) => {
      for (const name of ["population", "air_quality"]) await publishManifest(tx, demo(name), "seed");
    });
    bureau = await actor("bureau", "Data Bureau");
    bureau2 = await actor("bureau", "Data Bureau");
    auditor = await actor("auditor", "Audit Bureau");
    const first = await register(1);
    operator = first.actor;
    operatorKey = first.key;
    other = (await register(2)).actor;
    await license("lic_a", operator, { jobsPerDay: 40 });
    await license("lic_b", operator);
    await license("lic_other", other, { jobsPerDay: 40 });
  });
  afterEach(async () => {
    await ledger.close();
    await t.dispose();
  });

  it("records violations from alerts, escalates penalties by score, and objections and repair lift them", async () => {
    // 1. A burst of refused queries raises an alert, which records a major violation: a warning.
    for (let i = 0; i < 3; i++) await refused(operator);
    const first = (await evaluate()).raised[0]!;
    let record = await creditRecord(store, bureau, operator.id);
    expect(record).toMatchObject({ score: 80, level: "warning", penalty: { level: "warning" } });
    const v1 = record.violations[0]!;
    expect(v1).toMatchObject({
      kind: "policy_refusals",
      severity: "major",
      points: 20,
      source: "system",
      status: "standing",
      penalty: "warning",
      evidence: { alert: first.id, entries: first.entries, jobs: ["job_1", "job_2", "job_3"], text: null },
    });
    expect(await inbox(operator)).toEqual([
      { kind: "credit.violation", subject: { violation: v1.id, operator: operator.id } },
      { kind: "credit.penalty", subject: { operator: operator.id } },
    ]);
    expect(await quotas("lic_a")).toEqual({ jobsPerDay: 40 });
    // The same alert is never recorded twice.
    expect((await evaluate()).raised).toEqual([]);
    expect((await creditRecord(store, bureau, operator.id)).violations).toHaveLength(1);

    // 2. The bureau closes the alert; a second burst records a second violation: score 60 cuts quotas.
    await closeAlert(store, audit, bureau, first.id, "operator warned");
    await refused(operator);
    expect((await evaluate()).raised).toHaveLength(1);
    record = await creditRecord(store, bureau, operator.id);
    expect(record).toMatchObject({ score: 60, level: "quota_cut", penalty: { level: "quota_cut" } });
    const v2 = record.violations[0]!;
    expect(v2.penalty).toBe("quota_cut");
    expect(await quotas("lic_a")).toEqual({ jobsPerDay: 20, queriesPerJob: 50 });
    expect(await quotas("lic_b")).toEqual({ jobsPerDay: 20, queriesPerJob: 50 });
    expect(await quotas("lic_other")).toEqual({ jobsPerDay: 40 });
    expect(record.penalty.quotaCuts).toEqual([
      {
        license: "lic_a",
        before: { jobsPerDay: 40, queriesPerJob: null },
        after: { jobsPerDay: 20, queriesPerJob: 50 },
      },
      {
        license: "lic_b",
        before: { jobsPerDay: null, queriesPerJob: null },
        after: { jobsPerDay: 20, queriesPerJob: 50 },
      },
    ]);
    expect((await logged("license.updated")).map((e) => e.data.action)).toEqual([
      "credit_quota_cut",
      "credit_quota_cut",
    ]);

    // 3. An officer records a severe finding: score 20 suspends the licenses, not the account.
    const v3 = await recordViolation(deps, bureau, operator.id, {
      severity: "severe",
      summary: "outputs shaped to single out small groups",
      evidence: {
        text: "job outputs repeat a rejected breakdown",
        jobs: [],
        entries: first.entries.slice(0, 1),
      },
    });
    expect(v3).toMatchObject({
      kind: "officer_finding",
      source: bureau.id,
      points: 40,
      penalty: "suspension",
    });
    expect(await status("lic_a")).toBe("suspended");
    expect(await status("lic_b")).toBe("suspended");
    expect(await status("lic_other")).toBe("active");
    // Its key still works: it can read its record and object.
    expect((await authenticate(store, operatorKey))?.id).toBe(operator.id);

    // 4. The operator objects; the recording officer may not decide; a second officer upholds.
    const objected = await fileObjection(deps, operator, v3.id, {
      reason: "the outputs were approved in review",
    });
    expect(objected.objection?.reason).toBe("the outputs were approved in review");
    expect(await inbox(bureau2)).toContainEqual({
      kind: "credit.objection",
      subject: { violation: v3.id, operator: operator.id },
    });
    await expect(
      decideObjection(deps, bureau, v3.id, { decision: "upheld", reason: "mine" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN", detail: expect.stringMatching(/another bureau officer/) });
    const upheld = await decideObjection(deps, bureau2, v3.id, {
      decision: "upheld",
      reason: "reviewed and approved",
    });
    expect(upheld).toMatchObject({
      status: "annulled",
      decision: { outcome: "upheld", decidedBy: bureau2.id },
    });
    record = await creditRecord(store, operator, operator.id);
    expect(record).toMatchObject({ score: 60, level: "quota_cut", penalty: { level: "quota_cut" } });
    expect(await status("lic_a")).toBe("active");
    expect(await status("lic_b")).toBe("active");
    expect(await quotas("lic_a")).toEqual({ jobsPerDay: 20, queriesPerJob: 50 });

    // 5. An objection to a system violation is upheld by any officer: the quotas come back as they were.
    await fileObjection(deps, operator, v2.id, { reason: "a misconfigured test harness" });
    await decideObjection(deps, bureau, v2.id, { decision: "upheld", reason: "harness confirmed" });
    expect(await creditRecord(store, operator, operator.id)).toMatchObject({
      score: 80,
      level: "warning",
      penalty: { level: "warning", quotaCuts: [] },
    });
    expect(await quotas("lic_a")).toEqual({ jobsPerDay: 40 });
    expect(await quotas("lic_b")).toEqual({});
    // A dismissed objection keeps the violation.
    await fileObjection(deps, operator, v1.id, { reason: "no" });
    expect(
      await decideObjection(deps, bureau, v1.id, { decision: "dismissed", reason: "burst confirmed" }),
    ).toMatchObject({
      status: "standing",
      decision: { outcome: "dismissed" },
    });

    // 6. Repair: 90 days without a new violation, and the record is clean again.
    const later = new Date(Date.now() + 91 * DAY);
    const repaired = await creditRecord(store, auditor, operator.id, { now: later });
    expect(repaired).toMatchObject({ score: 100, level: "none", penalty: { level: "warning" } });
    expect(repaired.violations.map((v) => v.status)).toEqual(["annulled", "annulled", "repaired"]);
    // The period is configurable (CREDIT_REPAIR_DAYS): with 10 days, 11 days later is enough.
    const soon = new Date(Date.now() + 11 * DAY);
    expect((await creditRecord(store, auditor, operator.id, { now: soon })).score).toBe(80);
    expect(
      (await creditRecord(store, auditor, operator.id, { now: soon, rules: { repairDays: 10 } })).score,
    ).toBe(100);
    expect(await repairCredit({ ...deps, now: () => later })).toEqual([operator.id]);
    expect((await creditRecord(store, auditor, operator.id, { now: later })).penalty.level).toBe("none");
    expect(await repairCredit({ ...deps, now: () => later })).toEqual([]);

    // Every step is in the log.
    expect((await logged("credit.violation_recorded")).map((e) => e.data.violation)).toEqual([
      v1.id,
      v2.id,
      v3.id,
    ]);
    expect((await logged("credit.penalty_changed")).map((e) => [e.data.from, e.data.to])).toEqual([
      ["none", "warning"],
      ["warning", "quota_cut"],
      ["quota_cut", "suspension"],
      ["suspension", "quota_cut"],
      ["quota_cut", "warning"],
      ["warning", "none"],
    ]);
    expect((await logged("credit.objection_decided")).map((e) => e.data.decision)).toEqual([
      "upheld",
      "upheld",
      "dismissed",
    ]);
  });

  it("counts one incident once: the same rule's open alerts on several datasets make one violation", async () => {
    const raise = async (id: string, dataset: string) => {
      await store.run(
        `INSERT INTO alerts (id, rule, key, operator_id, subject, summary, entries, status, raised_at)
         VALUES ($1, 'budget_burn', $2, $3, '{}', 'burn', '[]', 'open', $4)`,
        [id, `lic_a:${dataset}`, operator.id, new Date().toISOString()],
      );
      return store.transaction((tx) =>
        recordAlertViolation(tx, audit, {
          id,
          rule: "budget_burn",
          operator: operator.id,
          summary: `burn on ${dataset}`,
          entries: [],
        }),
      );
    };
    expect(await raise("alr_1", "population")).toMatchObject({ kind: "budget_exhaustion" });
    expect(await raise("alr_2", "air_quality")).toBeUndefined();
    expect(await raise("alr_3", "medical_visits")).toBeUndefined();
    expect((await creditRecord(store, bureau, operator.id)).violations).toHaveLength(1);
    // Once the bureau has dealt with the first (closed its alert), the pattern again is a new incident.
    await closeAlert(store, audit, bureau, "alr_1", "operator asked to pace its queries");
    await store.run("UPDATE alerts SET status = 'closed' WHERE id IN ('alr_2', 'alr_3')");
    expect(await raise("alr_4", "population")).toMatchObject({ kind: "budget_exhaustion" });
    expect((await creditRecord(store, bureau, operator.id)).violations).toHaveLength(2);
  });

  it("records a release-gate rejection for an identifier in the outputs, once, and nothing for holds or sign-in failures", async () => {
    const gate = (jobId: string, outcome: string, codes: string[]) =>
      audit.append({
        type: "job.gate",
        actor: "system",
        subject: { job: jobId, operator: operator.id, license: "lic_a" },
        data: { outcome, reasons: codes.map((code) => ({ code, detail: "x" })), tainted: false },
      });
    const flagged = await gate("job_x", "rejected", ["identifier_in_domain", "identifier_pattern"]);
    await gate("job_y", "held", ["identifier_pattern"]);
    await gate("job_z", "rejected", ["too_many_rows"]);
    for (let i = 0; i < 3; i++)
      await audit.append({
        type: "auth.failed",
        actor: "anonymous",
        subject: {},
        data: { address: "203.0.113.9", keyPrefix: operatorKey.split("_")[1] },
      });
    await evaluateAlerts({ store, audit, thresholds: { authFailuresPerKey: 3 } });
    await evaluateAlerts({ store, audit, thresholds: { authFailuresPerKey: 3 } });
    const record = await creditRecord(store, bureau, operator.id);
    expect(record.violations).toHaveLength(1);
    expect(record.violations[0]).toMatchObject({
      kind: "release_gate_flag",
      severity: "major",
      evidence: { jobs: ["job_x"], entries: [flagged.position] },
      summary: expect.stringContaining("1 place"),
    });
  });

  it("refuses the hostile cases: other operators, wrong roles, self-decisions, evidence that is not the operator's", async () => {
    const mine = await recordViolation(deps, bureau, operator.id, {
      severity: "minor",
      summary: "late filing",
      evidence: { text: "quarterly report missing", entries: [], jobs: [] },
    }).catch((error: unknown) => error);
    expect(mine).toMatchObject({ code: "BAD_REQUEST", detail: expect.stringMatching(/evidence\.jobs/) });

    const entry = await refused(operator);
    const otherEntry = await refused(other);
    await store.run(
      `INSERT INTO jobs (id, operator_id, license_id, purpose, language, script, script_sha256, status, submitted_at)
       VALUES ('job_other', $1, 'lic_other', 'urban-analytics', 'javascript', 'x', 'x', 'failed', $2)`,
      [other.id, new Date().toISOString()],
    );
    await expect(
      recordViolation(deps, bureau, operator.id, {
        severity: "minor",
        summary: "s",
        evidence: { text: "t", jobs: ["job_other"] },
      }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      detail: expect.stringMatching(/job_other, not of operator/),
    });
    await expect(
      recordViolation(deps, bureau, operator.id, {
        severity: "minor",
        summary: "s",
        evidence: { text: "t", entries: [otherEntry.position] },
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      recordViolation(deps, auditor, operator.id, {
        severity: "minor",
        summary: "s",
        evidence: { text: "t", entries: [entry.position] },
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      recordViolation(deps, bureau, "prn_missing", {
        severity: "minor",
        summary: "s",
        evidence: { text: "t", entries: [entry.position] },
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    const v = await recordViolation(deps, bureau, operator.id, {
      severity: "minor",
      summary: "s",
      evidence: { text: "t", entries: [entry.position] },
    });

    await expect(creditRecord(store, other, operator.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(fileObjection(deps, other, v.id, { reason: "not mine" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(fileObjection(deps, bureau, v.id, { reason: "x" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(fileObjection(deps, operator, v.id, { reason: " " })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(
      decideObjection(deps, bureau2, v.id, { decision: "upheld", reason: "r" }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      detail: expect.stringMatching(/no objection/),
    });
    await fileObjection(deps, operator, v.id, { reason: "wrong" });
    await expect(fileObjection(deps, operator, v.id, { reason: "again" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await expect(
      decideObjection(deps, operator, v.id, { decision: "upheld", reason: "mine" }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await decideObjection(deps, bureau2, v.id, { decision: "dismissed", reason: "stands" });
    await expect(
      decideObjection(deps, bureau2, v.id, { decision: "upheld", reason: "r" }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await expect(
      evaluationReport(store, other, operator.id, { from: "2026-01-01", to: "2027-01-01" }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(
      evaluationReport(store, bureau, operator.id, { from: "2027-01-01", to: "2026-01-01" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("exits an operator: revokes keys and licenses, settles its month, keeps its records", async () => {
    const entry = await refused(operator);
    await recordViolation(deps, bureau, operator.id, {
      severity: "major",
      summary: "s",
      evidence: { text: "t", entries: [entry.position] },
    });
    await expect(exitOperator(deps, operator, operator.id, { reason: "x" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(exitOperator(deps, bureau, operator.id, { reason: "" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    const exited = await exitOperator(deps, bureau, operator.id, { reason: "repeated violations" });
    expect(exited.operator.status).toBe("revoked");
    expect(exited.revokedLicenses).toEqual(["lic_a", "lic_b"]);
    expect(exited.revokedKeys).toHaveLength(1);
    expect(exited.settlement.period).toBe(new Date().toISOString().slice(0, 7));
    expect(await authenticate(store, operatorKey)).toBeNull();
    expect(await status("lic_a")).toBe("revoked");
    expect(await status("lic_other")).toBe("active");
    const [logEntry] = await logged("operator.exited");
    expect(logEntry).toMatchObject({
      actor: bureau.id,
      subjects: { operator: operator.id },
      data: {
        reason: "repeated violations",
        revokedLicenses: ["lic_a", "lic_b"],
        creditScore: 80,
        settlement: { period: exited.settlement.period, totals: expect.objectContaining({ jobs: 0 }) },
      },
    });
    expect(await inbox(auditor)).toContainEqual({
      kind: "operator.exited",
      subject: { operator: operator.id },
    });
    // The record stays readable; nothing more is recorded on it, and it cannot exit twice.
    expect((await creditRecord(store, auditor, operator.id)).violations).toHaveLength(1);
    await expect(
      recordViolation(deps, bureau, operator.id, {
        severity: "minor",
        summary: "s",
        evidence: { text: "t", entries: [entry.position] },
      }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(exitOperator(deps, bureau, operator.id, { reason: "again" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  it("evaluates a period from the jobs, reviews, budget and violations that fall in it", async () => {
    const inPeriod = "2026-11-10T10:00:00.000Z";
    const before = "2026-10-31T23:59:59.999Z";
    const job = (
      id: string,
      status: string,
      at: string,
      extra: { decision?: object; outputs?: object } = {},
    ) =>
      store.run(
        `INSERT INTO jobs (id, operator_id, license_id, purpose, language, script, script_sha256, status, submitted_at, decision, outputs)
         VALUES ($1, $2, 'lic_a', 'urban-analytics', 'javascript', 'x', 'x', $3, $4, $5, $6)`,
        [
          id,
          operator.id,
          status,
          at,
          extra.decision ? JSON.stringify(extra.decision) : null,
          extra.outputs ? JSON.stringify(extra.outputs) : null,
        ],
      );
    const held = { outcome: "held", reasons: [], tainted: true, reviewsRequired: 1 };
    await job("j1", "released", inPeriod, { outputs: { outputs: { a: [], b: [] }, logs: [] } });
    await job("j2", "released", inPeriod, { decision: held, outputs: { outputs: { a: [] }, logs: [] } });
    await job("j3", "held", inPeriod, {
      decision: held,
      outputs: { outputs: { a: [], b: [], c: [] }, logs: [] },
    });
    await job("j4", "rejected", inPeriod, { decision: held });
    await job("j5", "failed", inPeriod);
    await job("j6", "queued", inPeriod);
    await job("j0", "released", before, { outputs: { outputs: { a: [] }, logs: [] } });
    for (const [jobId, reviewer, decision] of [
      ["j2", bureau.id, "approve"],
      ["j4", bureau2.id, "reject"],
    ] as const)
      await store.run(
        "INSERT INTO reviews (job_id, reviewer_id, decision, comment, decided_at) VALUES ($1, $2, $3, 'c', $4)",
        [jobId, reviewer, decision, inPeriod],
      );
    await store.run(
      `INSERT INTO budget_charges (license_id, query_key, dataset, period, micro_epsilon, charged_at) VALUES
       ('lic_a', 'q1', 'air_quality', 'total', 250000, $1), ('lic_a', 'q2', 'air_quality', 'total', 500000, $1),
       ('lic_a', 'q0', 'air_quality', 'total', 900000, $2)`,
      [inPeriod, before],
    );
    const entry = await refused(operator);
    const v = await recordViolation(deps, bureau, operator.id, {
      severity: "minor",
      summary: "s",
      evidence: { text: "t", entries: [entry.position] },
    });
    await store.run("UPDATE credit_violations SET recorded_at = $2 WHERE id = $1", [v.id, inPeriod]);

    const report = await evaluationReport(store, bureau, operator.id, {
      from: "2026-11-01",
      to: "2026-12-01",
    });
    expect(report).toMatchObject({
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-12-01T00:00:00.000Z",
      jobs: {
        submitted: 6,
        released: 2,
        heldByGate: 3,
        heldNow: 1,
        rejected: 1,
        failed: 1,
        cancelled: 0,
        inProgress: 1,
      },
      reviews: { approvals: 1, rejections: 1 },
      outputs: { released: 3, held: 3 },
      violations: { total: 1, complaints: 1, annulled: 0, bySeverity: { minor: 1, major: 0, severe: 0 } },
      objections: { filed: 0, upheld: 0, dismissed: 0, pending: 0 },
      budget: [{ license: "lic_a", dataset: "air_quality", used: 0.75, granted: null }],
      qualityIssues: { reported: 0, byStatus: {} },
    });
    expect(report.violations.byKind.officer_finding).toBe(1);
    expect(report.violations.byKind.policy_refusals).toBe(0);
    // The operator reads its own; an empty period is all zeros.
    const empty = await evaluationReport(store, operator, operator.id, {
      from: "2025-01-01",
      to: "2025-02-01",
    });
    expect(empty.jobs.submitted).toBe(0);
    expect(empty.budget).toEqual([]);
  });
});
