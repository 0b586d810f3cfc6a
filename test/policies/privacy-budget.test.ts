import { afterAll, describe, expect, it } from "vitest";
import { ControlPlaneBudgetLedger } from "../../control/budget-ledger.ts";
import { InMemoryPrivacyBudgetLedger, type PrivacyBudgetLedger } from "../../control/privacy-budget.ts";
import { openTestStore, type TestStore } from "../support/stores.ts";

const charge = (queryKey: string, epsilon = 0.1, limit = 1) => ({
  licenseId: "lic",
  queryKey,
  charges: [{ dataset: "population", period: "total", epsilon, limit }],
});

const opened: TestStore[] = [];
afterAll(async () => {
  for (const store of opened) await store.dispose();
});

async function storeOf(kind: "sqlite" | "postgres"): Promise<TestStore> {
  const store = await openTestStore(kind);
  opened.push(store);
  return store;
}

// The gateway's ledger (control-plane tables on both stores) and the in-memory one keep the same contract.
const LEDGERS: [string, () => Promise<PrivacyBudgetLedger>][] = [
  ["in memory", async () => new InMemoryPrivacyBudgetLedger()],
  ["on SQLite", async () => new ControlPlaneBudgetLedger((await storeOf("sqlite")).store)],
  ["on PostgreSQL", async () => new ControlPlaneBudgetLedger((await storeOf("postgres")).store)],
];

describe.each(LEDGERS)("privacy budget ledger %s", (_, openLedger) => {
  it("charges exactly up to the limit under concurrency, never beyond", async () => {
    const ledger = await openLedger();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => ledger.charge(charge(`q${i}`))),
    );
    const ok = results.filter((r) => r.status === "fulfilled").length;
    expect(ok).toBe(10);
    for (const r of results) {
      if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "BUDGET_EXHAUSTED" });
    }
    expect(await ledger.spent("lic", "population", "total")).toBe(1);
  });

  it("charges a repeated query once, and hands back its recorded answer", async () => {
    const ledger = await openLedger();
    const first = await ledger.charge(charge("same"));
    const again = await Promise.all([ledger.charge(charge("same")), ledger.charge(charge("same"))]);
    expect(first).toEqual({ charged: true });
    expect(again).toEqual([{ charged: false }, { charged: false }]);
    const waiting = ledger.recallAnswer("lic", "same");
    await ledger.recordAnswer("lic", "same", { rows: [[42]] });
    expect(await waiting).toEqual({ rows: [[42]] });
    expect(await ledger.spent("lic", "population", "total")).toBe(0.1);
  });
});

describe.each(["sqlite", "postgres"] as const)("privacy budget ledger shared by two nodes on %s", (kind) => {
  it("two ledgers on two connections charging one license at once never overspend it", async () => {
    const t = await storeOf(kind);
    const nodes = [new ControlPlaneBudgetLedger(t.store), new ControlPlaneBudgetLedger(await t.reopen())];
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => nodes[i % 2]!.charge(charge(`q${i}`, 0.05))),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(20);
    const [row] = await t.store.query<{ spent: number; charges: number }>(
      "SELECT (SELECT micro_epsilon FROM budget_spent) AS spent, (SELECT count(*) FROM budget_charges) AS charges",
    );
    expect(row).toEqual({ spent: 1_000_000, charges: 20 });
  });

  it("answers a query charged on one node from the answer the other recorded, without a second charge", async () => {
    const t = await storeOf(kind);
    const [a, b] = [new ControlPlaneBudgetLedger(t.store), new ControlPlaneBudgetLedger(await t.reopen())];
    expect(await a.charge(charge("shared"))).toEqual({ charged: true });
    expect(await b.charge(charge("shared"))).toEqual({ charged: false });
    const waiting = b.recallAnswer("lic", "shared");
    await a.recordAnswer("lic", "shared", { rows: [[7]] });
    expect(await waiting).toEqual({ rows: [[7]] });
    expect(await b.spent("lic", "population", "total")).toBe(0.1);
  });

  it("keeps spent ε across a reopen, and still answers a charged query once the budget is spent", async () => {
    const t = await storeOf(kind);
    const ledger = new ControlPlaneBudgetLedger(t.store);
    await ledger.charge(charge("a", 0.5));
    await ledger.charge(charge("c", 0.5));
    const again = new ControlPlaneBudgetLedger(await t.reopen());
    expect(await again.spent("lic", "population", "total")).toBeCloseTo(1, 12);
    await expect(again.charge(charge("d", 0.000001))).rejects.toMatchObject({ code: "BUDGET_EXHAUSTED" });
    expect(await again.charge(charge("a", 0.5))).toEqual({ charged: false });
  });
});
