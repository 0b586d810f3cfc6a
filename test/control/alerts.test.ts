import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStoreAuditLedger, type StoreAuditLedger } from "../../audit/store-ledger.ts";
import {
  type AlertThresholds,
  closeAlert,
  evaluateAlerts,
  getAlert,
  listAlerts,
  queryShape,
} from "../../control/alerts.ts";
import type { AuditSink } from "../../control/audit-sink.ts";
import type { Actor } from "../../control/authority.ts";
import { createPrincipal, issueApiKey } from "../../control/identity.ts";
import { listInbox } from "../../control/inbox.ts";
import { ledgerAuditSink } from "../../control/ledger-sink.ts";
import { grantLicense } from "../../control/licenses.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { openTestStore, STORE_KINDS, type TestStore } from "../support/stores.ts";

const { privateKey } = generateKeyPairSync("ed25519");

const THRESHOLDS: Partial<AlertThresholds> = {
  refusals: 3,
  differencingQueries: 4,
  authFailuresPerAddress: 4,
  authFailuresPerKey: 3,
};

describe("query shapes", () => {
  it("cuts string and number literals out of the shape, keeping identifiers and keywords", () => {
    const a = queryShape(
      "SELECT count(*) FROM population WHERE district = 'Dongcheng' AND annual_income > 1000",
    );
    const b = queryShape(
      "select count(*)  from population where district = 'Xicheng' and annual_income > 1000.0",
    );
    const c = queryShape(
      "SELECT count(*) FROM population WHERE \"district2\" = 'it''s' AND annual_income > 1000",
    );
    expect(a.shape).toBe(b.shape);
    expect(a.literals).toHaveLength(2);
    expect(a.literals[0]).not.toBe(b.literals[0]);
    expect(a.literals[1]).toBe(b.literals[1]);
    expect(c.shape).not.toBe(a.shape);
    // Only hashes of literals are kept, never the values.
    expect(JSON.stringify(a)).not.toContain("Dongcheng");
  });
});

describe.each(STORE_KINDS)("risk alerts on %s", (kind) => {
  let t: TestStore;
  let store: SqlStore;
  let ledger: StoreAuditLedger;
  let audit: AuditSink;
  let bureau: Actor;
  let auditor: Actor;
  let operator: Actor;
  let other: Actor;

  beforeEach(async () => {
    t = await openTestStore(kind);
    store = t.store;
    ledger = openStoreAuditLedger(store, { privateKey, checkpointIntervalMs: 0 });
    audit = ledgerAuditSink(ledger);
    bureau = await createPrincipal(store, { role: "bureau", name: "Officer", organization: "Bureau" });
    auditor = await createPrincipal(store, { role: "auditor", name: "Auditor", organization: "Audit" });
    operator = await createPrincipal(store, { role: "operator", name: "Op", organization: "Op Co" });
    other = await createPrincipal(store, { role: "operator", name: "Other", organization: "Other Co" });
  });
  afterEach(async () => {
    await ledger.close();
    await t.dispose();
  });

  const query = (
    who: Actor,
    sql: string,
    options: { refused?: boolean; license?: string; epsilon?: number; queryKey?: string } = {},
  ) =>
    audit.append({
      type: "query.checked",
      actor: who.id,
      subject: {
        job: "job_1",
        operator: who.id,
        license: options.license ?? "lic_1",
        datasets: ["population"],
      },
      data: {
        index: 0,
        sql,
        verdict: options.refused
          ? null
          : {
              kind: "aggregate",
              queryKey: options.queryKey ?? sql,
              datasets: ["population"],
              epsilonCharged: options.epsilon ?? 0,
            },
        error: options.refused ? { code: "SQL_NOT_ALLOWED", detail: "column id_number is deny" } : null,
      },
    });
  const evaluate = () => evaluateAlerts({ store, audit, thresholds: THRESHOLDS });

  it("raises one alert for a burst of refused queries, notifies the bureau and auditors, and logs it", async () => {
    await query(operator, "SELECT id_number FROM population");
    await query(operator, "SELECT name FROM population");
    await query(other, "SELECT name FROM population", { refused: true });
    await query(operator, "SELECT name FROM population", { refused: true });
    await query(operator, "SELECT id_number FROM population", { refused: true });
    expect((await evaluate()).raised).toEqual([]);

    const third = await query(operator, "SELECT birth_date FROM population", { refused: true });
    const { raised } = await evaluate();
    expect(raised).toHaveLength(1);
    const alert = raised[0]!;
    expect(alert).toMatchObject({
      rule: "refusal_burst",
      status: "open",
      operator: operator.id,
      subject: { operator: operator.id },
      suggestedFreeze: { scope: "operator", target: operator.id, how: "POST /v1/freezes" },
    });
    expect(alert.entries).toHaveLength(3);
    expect(alert.entries.at(-1)).toBe(third.position);
    expect(alert.summary).toContain("3 queries");
    expect(alert.summary).not.toContain("birth_date");

    const raisedEntries = (
      await store.query<{ line: string }>("SELECT line FROM audit_entries WHERE type = 'alert.raised'")
    ).map((r) => JSON.parse(r.line) as { data: { alert: string } });
    expect(raisedEntries.map((e) => e.data.alert)).toEqual([alert.id]);
    for (const reader of [bureau, auditor]) {
      const inbox = await listInbox(store, reader);
      expect(inbox.notifications.map((n) => [n.kind, n.subject])).toEqual([
        ["alert.raised", { alert: alert.id }],
      ]);
    }
    // The operator hears of the violation the alert records on its credit record (control/credit.ts).
    expect((await listInbox(store, operator)).notifications.map((n) => n.kind)).toEqual([
      "credit.penalty",
      "credit.violation",
    ]);

    // Each entry is judged once: nothing new, nothing raised; a further refusal joins the open alert.
    // Judged: the alert's entry and the credit entries it recorded (violation, warning).
    expect(await evaluate()).toEqual({ judged: 3, raised: [] });
    await query(operator, "SELECT name FROM population", { refused: true });
    expect((await evaluate()).raised).toEqual([]);

    const detail = await getAlert(store, auditor, alert.id);
    expect(detail.log.map((e) => e.position)).toEqual(alert.entries);
    expect(detail.log.every((e) => e.type === "query.checked")).toBe(true);

    const closed = await closeAlert(store, audit, bureau, alert.id, "operator contacted");
    expect(closed).toMatchObject({
      status: "closed",
      closedBy: bureau.id,
      resolution: "operator contacted",
      suggestedFreeze: null,
    });
    await expect(closeAlert(store, audit, bureau, alert.id, "again")).rejects.toMatchObject({
      code: "CONFLICT",
    });
    // Once closed, the pattern may raise a new alert.
    await query(operator, "SELECT name FROM population", { refused: true });
    expect((await evaluate()).raised).toHaveLength(1);
    expect((await listAlerts(store, bureau, { status: "open" })).items.map((a) => a.rule)).toEqual([
      "refusal_burst",
    ]);
    expect((await listAlerts(store, bureau, { status: "closed" })).items).toHaveLength(1);
  });

  it("sees a differencing attempt: one shape, one literal changing, and names no values", async () => {
    const sql = (n: number) =>
      `SELECT count(*) AS n FROM population WHERE district = 'Dongcheng' AND annual_income > ${100_000 + n}`;
    // Queries that differ in two literals at once, or repeat, are not the pattern.
    await query(operator, "SELECT count(*) AS n FROM population WHERE district = 'A' AND annual_income > 1");
    await query(operator, "SELECT count(*) AS n FROM population WHERE district = 'B' AND annual_income > 2");
    await query(operator, "SELECT count(*) AS n FROM population WHERE district = 'C' AND annual_income > 3");
    for (let i = 0; i < 3; i++) await query(operator, sql(0));
    await query(operator, sql(1));
    await query(operator, sql(2));
    // Another operator's similar queries do not count towards this one's.
    await query(other, sql(3));
    expect((await evaluate()).raised).toEqual([]);

    await query(operator, sql(3));
    const { raised } = await evaluate();
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ rule: "differencing", operator: operator.id });
    expect(raised[0]!.summary).toContain("literal #2");
    expect(raised[0]!.summary).not.toMatch(/100001|Dongcheng/);
    expect(raised[0]!.entries).toHaveLength(6);
  });

  it("sees the same text asked with changing parameters", async () => {
    const sql = "SELECT count(*) AS n FROM population WHERE annual_income > $1";
    for (let i = 0; i < 4; i++) await query(other, sql, { queryKey: `key_${i}` });
    const { raised } = await evaluate();
    expect(raised).toHaveLength(1);
    expect(raised[0]!.summary).toContain("their parameters");
  });

  it("raises an alert when a license spends most of its period's ε in a small part of it", async () => {
    const hour = 3_600_000;
    await grantLicense(store, {
      id: "lic_burn",
      operator: operator.id,
      purpose: "study",
      validFrom: new Date(Date.now() - hour).toISOString(),
      validTo: new Date(Date.now() + 60 * 24 * hour).toISOString(),
      datasets: [{ name: "population", epsilon: { perQuery: 0.5, total: 10, period: "total" } }],
      quotas: {},
      releaseMode: "auto",
    });
    const spend = (micro: number) =>
      store.run(
        kind === "postgres"
          ? "INSERT INTO budget_spent (license_id, dataset, period, micro_epsilon) VALUES ('lic_burn', 'population', 'total', $1) ON CONFLICT (license_id, dataset, period) DO UPDATE SET micro_epsilon = EXCLUDED.micro_epsilon"
          : "INSERT OR REPLACE INTO budget_spent (license_id, dataset, period, micro_epsilon) VALUES ('lic_burn', 'population', 'total', $1)",
        [micro],
      );
    await spend(3_000_000);
    await query(operator, "SELECT avg(annual_income) FROM population", { license: "lic_burn", epsilon: 0.5 });
    expect((await evaluate()).raised).toEqual([]);
    await spend(6_000_000);
    await query(operator, "SELECT avg(annual_income) FROM population GROUP BY district", {
      license: "lic_burn",
      epsilon: 0.5,
    });
    const { raised } = await evaluate();
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      rule: "budget_burn",
      operator: operator.id,
      subject: { license: "lic_burn", dataset: "population", period: "total" },
      suggestedFreeze: { scope: "license", target: "lic_burn" },
    });
    expect(raised[0]!.summary).toContain("60%");
    expect(raised[0]!.entries).toHaveLength(2);
  });

  it("raises alerts for failed authentications from one address and against one key", async () => {
    const { prefix } = await issueApiKey(store, operator.id);
    const failed = (address: string, keyPrefix?: string) =>
      audit.append({
        type: "auth.failed",
        actor: "anonymous",
        subject: {},
        data: {
          reason: "unknown, revoked or inactive key",
          method: "GET",
          path: "/v1/jobs",
          address,
          ...(keyPrefix ? { keyPrefix } : {}),
        },
      });
    await failed("203.0.113.7", prefix);
    await failed("198.51.100.1", prefix);
    await failed("203.0.113.7");
    expect((await evaluate()).raised).toEqual([]);
    await failed("198.51.100.2", prefix);
    await failed("203.0.113.7");
    await failed("203.0.113.7");
    const { raised } = await evaluate();
    expect(
      raised.map((a) => a.subject).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([{ address: "203.0.113.7" }, { keyPrefix: prefix, operator: operator.id }]);
    const onKey = raised.find((a) => a.subject.keyPrefix)!;
    expect(onKey).toMatchObject({ rule: "auth_failures", operator: operator.id, suggestedFreeze: null });
    expect(onKey.entries).toHaveLength(3);
  });

  it("lets only the bureau and auditors read alerts, and only the bureau close them", async () => {
    for (let i = 0; i < 3; i++) await query(operator, "SELECT name FROM population", { refused: true });
    const [alert] = (await evaluate()).raised;
    await expect(listAlerts(store, operator)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(getAlert(store, operator, alert!.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(closeAlert(store, audit, auditor, alert!.id, "no")).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(getAlert(store, auditor, "alr_missing")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(closeAlert(store, audit, bureau, "alr_missing", "x")).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await listAlerts(store, auditor)).items).toHaveLength(1);
  });

  it("judges each entry once when two nodes evaluate at the same moment", async () => {
    const second = await t.reopen();
    for (let i = 0; i < 3; i++) await query(operator, "SELECT name FROM population", { refused: true });
    const [a, b] = await Promise.all([
      evaluate(),
      evaluateAlerts({ store: second, audit, thresholds: THRESHOLDS }),
    ]);
    expect(a.raised.length + b.raised.length).toBe(1);
    expect((await listAlerts(store, bureau)).items).toHaveLength(1);
  });
});
