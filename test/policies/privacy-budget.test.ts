import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlPlaneBudgetLedger } from "../../control/budget-ledger.ts";
import { InMemoryPrivacyBudgetLedger, type PrivacyBudgetLedger } from "../../control/privacy-budget.ts";
import { type ControlPlane, openControlPlane } from "../../storage/control-plane.ts";
import { tempDir } from "../support/duckdb.ts";

const charge = (queryKey: string, epsilon = 0.1, limit = 1) => ({
  licenseId: "lic",
  queryKey,
  charges: [{ dataset: "population", period: "total", epsilon, limit }],
});

let folder: Awaited<ReturnType<typeof tempDir>>;
const stores: ControlPlane[] = [];
beforeAll(async () => {
  folder = await tempDir();
});
afterAll(async () => {
  for (const store of stores) store.close();
  await folder?.remove();
});

// The gateway's ledger (control-plane tables, a real DuckDB file) and the in-memory one keep the
// same contract.
const LEDGERS: [string, () => Promise<PrivacyBudgetLedger>][] = [
  ["in memory", async () => new InMemoryPrivacyBudgetLedger()],
  [
    "in the control plane",
    async () => {
      const store = await openControlPlane(join(folder.dir, `budget-${stores.length}.duckdb`));
      stores.push(store);
      return new ControlPlaneBudgetLedger(store);
    },
  ],
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
    expect(await ledger.spent("lic", "population", "total")).toBeCloseTo(0.1, 12);
  });

  it("charges all datasets of a query or none", async () => {
    const ledger = await openLedger();
    await ledger.charge({
      licenseId: "lic",
      queryKey: "a",
      charges: [{ dataset: "m", period: "total", epsilon: 0.9, limit: 1 }],
    });
    await expect(
      ledger.charge({
        licenseId: "lic",
        queryKey: "b",
        charges: [
          { dataset: "p", period: "total", epsilon: 0.5, limit: 1 },
          { dataset: "m", period: "total", epsilon: 0.5, limit: 1 },
        ],
      }),
    ).rejects.toMatchObject({ code: "BUDGET_EXHAUSTED", extra: { dataset: "m", period: "total" } });
    expect(await ledger.spent("lic", "p", "total")).toBe(0);
    expect(await ledger.spent("lic", "m", "total")).toBeCloseTo(0.9, 12);
  });

  it("keeps budgets apart per license and period", async () => {
    const ledger = await openLedger();
    await ledger.charge(charge("x", 1, 1));
    await expect(ledger.charge(charge("y", 0.1, 1))).rejects.toMatchObject({ code: "BUDGET_EXHAUSTED" });
    await ledger.charge({ ...charge("y", 0.1, 1), licenseId: "other" });
    await ledger.charge({
      licenseId: "lic",
      queryKey: "z",
      charges: [{ dataset: "population", period: "month:2026-02", epsilon: 0.1, limit: 1 }],
    });
    expect(await ledger.spent("other", "population", "total")).toBe(0.1);
  });
});

describe("privacy budget ledger in the control plane", () => {
  it("sees charges written by anything else, and by an earlier process", async () => {
    const file = join(folder.dir, "budget-shared.duckdb");
    const store = await openControlPlane(file);
    const ledger = new ControlPlaneBudgetLedger(store);
    await ledger.charge(charge("a", 0.5));
    // A write the ledger did not make (an operator's tool, a migration) must not be missed.
    await store.run(
      `INSERT INTO budget_charges (license_id, query_key, dataset, period, micro_epsilon, charged_at)
       VALUES ('lic', 'outside', 'population', 'total', 400000, now())`,
    );
    await expect(ledger.charge(charge("b", 0.2))).rejects.toMatchObject({ code: "BUDGET_EXHAUSTED" });
    await ledger.charge(charge("c", 0.1));
    store.close();

    const reopened = await openControlPlane(file);
    stores.push(reopened);
    const again = new ControlPlaneBudgetLedger(reopened);
    expect(await again.spent("lic", "population", "total")).toBeCloseTo(1, 12);
    await expect(again.charge(charge("d", 0.000001))).rejects.toMatchObject({ code: "BUDGET_EXHAUSTED" });
    // A query charged before is still answered from its record once the budget is spent.
    expect(await again.charge(charge("a", 0.5))).toEqual({ charged: false });
  });
});
