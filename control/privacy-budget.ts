import { DomainError } from "../policies/errors.ts";

/**
 * The privacy-budget ledger: ε spent per license, dataset and period, and the answers already
 * released for each DP query.
 *
 * Two properties make the budget mean something:
 * - check-and-charge is atomic: concurrent queries can never together spend more than the limit;
 * - a query is charged once: asked again (same canonical query under the same license) it gets
 *   the recorded answer back, so repeating a query cannot average its noise away.
 *
 * ε is kept in integer micro-units so that sums are exact (ten charges of 0.1 make exactly 1).
 * A table-backed ledger needs one `charges(license_id, query_key, dataset, period, micro_epsilon)`
 * table with a unique (license_id, query_key, dataset) key and an `answers(license_id, query_key,
 * answer)` table; `charge` is one transaction that inserts the rows only if every dataset's
 * `sum(micro_epsilon)` plus the new charge stays within its limit.
 */

/** ε charged to one dataset's budget for one period. */
export interface BudgetCharge {
  readonly dataset: string;
  /** Period key, e.g. `total` or `month:2026-03` (see `budgetPeriodKey`). */
  readonly period: string;
  readonly epsilon: number;
  /** The license's total for this dataset and period. */
  readonly limit: number;
}

/** A request to charge one query. */
export interface ChargeRequest {
  readonly licenseId: string;
  /** Canonical key of the query (fingerprint of the parse tree and parameters). */
  readonly queryKey: string;
  readonly charges: readonly BudgetCharge[];
}

/** What `charge` did: charged now, or the query was already charged (its answer is recorded or coming). */
export type ChargeOutcome = { readonly charged: true } | { readonly charged: false };

/** The ledger the query service charges. Implementations must make `charge` atomic. */
export interface PrivacyBudgetLedger {
  /**
   * Charges every dataset of a query, all or nothing. If the query was charged before under the
   * license, charges nothing and answers `{ charged: false }`. Throws `BUDGET_EXHAUSTED` (naming
   * the dataset, never other tenants' figures) when any dataset would exceed its limit.
   */
  charge(request: ChargeRequest): Promise<ChargeOutcome>;
  /** Records the released answer of a charged query (also a failure: it was paid for). */
  recordAnswer(licenseId: string, queryKey: string, answer: unknown): Promise<void>;
  /** The recorded answer, waiting for it while the charging query still computes it. */
  recallAnswer(licenseId: string, queryKey: string): Promise<unknown>;
  /** ε spent so far. */
  spent(licenseId: string, dataset: string, period: string): Promise<number>;
}

const MICRO = 1_000_000;

/** ε in micro-units, rounded up so that a charge is never smaller than asked. */
export function toMicroEpsilon(epsilon: number): number {
  if (!(epsilon > 0) || !Number.isFinite(epsilon))
    throw new RangeError("epsilon must be positive and finite");
  return Math.ceil(epsilon * MICRO - 1e-6);
}

interface PendingAnswer {
  value?: unknown;
  settled: boolean;
  waiters: ((value: unknown) => void)[];
}

/**
 * In-process ledger. Atomic because `charge` does its check and its writes in one synchronous
 * step: no other charge can interleave on Node's single thread.
 *
 * @example
 * const ledger = new InMemoryPrivacyBudgetLedger();
 * await ledger.charge({ licenseId: "lic_1", queryKey: "q", charges: [{ dataset: "population", period: "total", epsilon: 0.5, limit: 10 }] });
 */
export class InMemoryPrivacyBudgetLedger implements PrivacyBudgetLedger {
  private readonly spentMicro = new Map<string, number>();
  private readonly answers = new Map<string, PendingAnswer>();

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    const answerKey = JSON.stringify([request.licenseId, request.queryKey]);
    if (this.answers.has(answerKey)) return { charged: false };
    const updates: [string, number][] = [];
    for (const charge of request.charges) {
      const key = JSON.stringify([request.licenseId, charge.dataset, charge.period]);
      const next = (this.spentMicro.get(key) ?? 0) + toMicroEpsilon(charge.epsilon);
      if (next > Math.floor(charge.limit * MICRO + 1e-6)) {
        throw new DomainError(
          "BUDGET_EXHAUSTED",
          `privacy budget of dataset ${charge.dataset} is exhausted for this period`,
          {
            dataset: charge.dataset,
            period: charge.period,
          },
        );
      }
      updates.push([key, next]);
    }
    for (const [key, value] of updates) this.spentMicro.set(key, value);
    this.answers.set(answerKey, { settled: false, waiters: [] });
    return { charged: true };
  }

  async recordAnswer(licenseId: string, queryKey: string, answer: unknown): Promise<void> {
    const entry = this.answers.get(JSON.stringify([licenseId, queryKey]));
    if (!entry || entry.settled) return;
    entry.value = answer;
    entry.settled = true;
    for (const resolve of entry.waiters.splice(0)) resolve(answer);
  }

  async recallAnswer(licenseId: string, queryKey: string): Promise<unknown> {
    const entry = this.answers.get(JSON.stringify([licenseId, queryKey]));
    if (!entry) return undefined;
    if (entry.settled) return entry.value;
    return new Promise((resolve) => entry.waiters.push(resolve));
  }

  async spent(licenseId: string, dataset: string, period: string): Promise<number> {
    return (this.spentMicro.get(JSON.stringify([licenseId, dataset, period])) ?? 0) / MICRO;
  }
}
