import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStoreAuditLedger, type StoreAuditLedger } from "../../audit/store-ledger.ts";
import { evaluateAlerts } from "../../control/alerts.ts";
import type { AuditSink } from "../../control/audit-sink.ts";
import { createPrincipal, issueApiKey } from "../../control/identity.ts";
import { ledgerAuditSink } from "../../control/ledger-sink.ts";
import { AuthFailureLimiter } from "../../gateway/auth.ts";
import { openTestStore, type TestStore } from "../support/stores.ts";

const { privateKey } = generateKeyPairSync("ed25519");

describe("alerts on a flood of failed authentications logged as counts", () => {
  let t: TestStore;
  let ledger: StoreAuditLedger;
  let audit: AuditSink;
  beforeEach(async () => {
    t = await openTestStore("sqlite");
    ledger = openStoreAuditLedger(t.store, { privateKey, checkpointIntervalMs: 0 });
    audit = ledgerAuditSink(ledger);
  });
  afterEach(async () => {
    await ledger.close();
    await t.dispose();
  });

  it("counts the failures a counted entry stands for, per address and per key prefix", async () => {
    const operator = await createPrincipal(t.store, { role: "operator", name: "Op", organization: "Op Co" });
    const { prefix } = await issueApiKey(t.store, operator.id);
    const limiter = new AuthFailureLimiter({ events: 100, windowMs: 60_000 }, { loggedEach: 1 });
    for (let i = 0; i < 6; i++) {
      await limiter.fail(
        {
          address: "203.0.113.9",
          credential: `key:aos_${prefix}_guess${i}`,
          keyPrefix: prefix,
          reason: "unknown, revoked or inactive key",
          method: "GET",
          path: "/v1/jobs",
        },
        audit,
      );
    }
    // One entry for the first failure: below both thresholds.
    const thresholds = { authFailuresPerAddress: 5, authFailuresPerKey: 4 };
    expect((await evaluateAlerts({ store: t.store, audit, thresholds })).raised).toEqual([]);
    await limiter.flush();
    const { raised } = await evaluateAlerts({ store: t.store, audit, thresholds });
    expect(
      raised.map((a) => a.subject).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([{ address: "203.0.113.9" }, { keyPrefix: prefix, operator: operator.id }]);
    expect(raised.every((a) => a.summary.startsWith("6 failed authentications"))).toBe(true);
  });
});
