import { describe, expect, it } from "vitest";
import { InMemoryPrivacyBudgetLedger } from "../../control/privacy-budget.ts";

const charge = (queryKey: string, epsilon = 0.1, limit = 1) => ({
  licenseId: "lic",
  queryKey,
  charges: [{ dataset: "population", period: "total", epsilon, limit }],
});

describe("privacy budget ledger", () => {
  it("charges exactly up to the limit under concurrency, never beyond", async () => {
    const ledger = new InMemoryPrivacyBudgetLedger();
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
    const ledger = new InMemoryPrivacyBudgetLedger();
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
    const ledger = new InMemoryPrivacyBudgetLedger();
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
    ).rejects.toMatchObject({ code: "BUDGET_EXHAUSTED" });
    expect(await ledger.spent("lic", "p", "total")).toBe(0);
  });

  it("keeps budgets apart per license and period", async () => {
    const ledger = new InMemoryPrivacyBudgetLedger();
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
