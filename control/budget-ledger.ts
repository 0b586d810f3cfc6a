import { DomainError } from "../policies/errors.ts";
import { compareText } from "../storage/sql-dialect.ts";
import { isUniqueViolation, type SqlStore } from "../storage/sql-store.ts";
import {
  type ChargeOutcome,
  type ChargeRequest,
  type PrivacyBudgetLedger,
  toMicroEpsilon,
} from "./privacy-budget.ts";

const MICRO = 1_000_000;

/** A charge refused because its query was charged before: answered from its record, never charged twice. */
class ChargedBefore extends Error {}

export interface BudgetLedgerOptions {
  /** How long a repeated query waits for an answer another node is still computing, ms (default 30 000). */
  readonly answerWaitMs?: number;
  readonly now?: () => Date;
}

/**
 * The privacy-budget ledger kept in the control-plane store, so spent ε and recorded answers
 * survive a restart and are shared by every node (a restart or a second gateway must not refill a
 * budget, nor let a repeated query draw fresh noise).
 *
 * The budget is a database invariant: a charge is one transaction that inserts the query's
 * charge rows (their key refuses a query charged before) and moves each dataset's spent total by
 * a conditional update (`… WHERE micro_epsilon + charge <= limit`). An update that changes no row
 * means the budget would be overspent: the transaction rolls back whole. Two charges, in one
 * process or on two nodes, can never together pass the limit, whatever their timing.
 */
export class ControlPlaneBudgetLedger implements PrivacyBudgetLedger {
  /** Answers this process is computing, by license and query: a repeat here waits for them. */
  private readonly pending = new Map<string, ((value: unknown) => void)[]>();
  private readonly answerWaitMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly store: Pick<SqlStore, "query" | "transaction">,
    options: BudgetLedgerOptions = {},
  ) {
    this.answerWaitMs = options.answerWaitMs ?? 30_000;
    this.now = options.now ?? (() => new Date());
  }

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    // Datasets in one order, so two charges over the same pair lock their rows in the same order.
    const charges = [...request.charges].sort((a, b) => compareText(a.dataset, b.dataset));
    const at = this.now().toISOString();
    try {
      await this.store.transaction(async (tx) => {
        for (const charge of charges) {
          await tx
            .run(
              `INSERT INTO budget_charges (license_id, query_key, dataset, period, micro_epsilon, charged_at)
             VALUES ($1, $2, $3, $4, $5, $6)`,
              [
                request.licenseId,
                request.queryKey,
                charge.dataset,
                charge.period,
                toMicroEpsilon(charge.epsilon),
                at,
              ],
            )
            .catch((error: unknown) => {
              throw isUniqueViolation(error) ? new ChargedBefore() : error;
            });
        }
        for (const charge of charges) {
          const params = [request.licenseId, charge.dataset, charge.period];
          await tx.run(
            `INSERT INTO budget_spent (license_id, dataset, period, micro_epsilon) VALUES ($1, $2, $3, 0)
             ON CONFLICT (license_id, dataset, period) DO NOTHING`,
            params,
          );
          const moved = await tx.run(
            `UPDATE budget_spent SET micro_epsilon = micro_epsilon + $4
             WHERE license_id = $1 AND dataset = $2 AND period = $3 AND micro_epsilon + $4 <= $5`,
            [...params, toMicroEpsilon(charge.epsilon), Math.floor(charge.limit * MICRO + 1e-6)],
          );
          if (moved === 0) {
            throw new DomainError(
              "BUDGET_EXHAUSTED",
              `privacy budget of dataset ${charge.dataset} is exhausted for this period`,
              { dataset: charge.dataset, period: charge.period },
            );
          }
        }
      });
    } catch (error) {
      if (error instanceof ChargedBefore) return { charged: false };
      // A query charged before is answered from its record, even once the budget is spent.
      if (error instanceof DomainError && (await this.charged(request.licenseId, request.queryKey))) {
        return { charged: false };
      }
      throw error;
    }
    this.pending.set(this.key(request.licenseId, request.queryKey), []);
    return { charged: true };
  }

  async recordAnswer(licenseId: string, queryKey: string, answer: unknown): Promise<void> {
    await this.store.transaction((tx) =>
      tx.run(
        `INSERT INTO budget_answers (license_id, query_key, answer) VALUES ($1, $2, $3)
         ON CONFLICT (license_id, query_key) DO NOTHING`,
        [licenseId, queryKey, JSON.stringify(answer ?? null)],
      ),
    );
    const key = this.key(licenseId, queryKey);
    for (const resolve of this.pending.get(key) ?? []) resolve(answer);
    this.pending.delete(key);
  }

  async recallAnswer(licenseId: string, queryKey: string): Promise<unknown> {
    const recorded = await this.recorded(licenseId, queryKey);
    if (recorded !== undefined) return recorded;
    const waiters = this.pending.get(this.key(licenseId, queryKey));
    if (waiters) return new Promise((resolve) => waiters.push(resolve));
    if (!(await this.charged(licenseId, queryKey))) return undefined;
    // Charged, with no answer yet: another node may still be computing it. Its answer is waited
    // for (bounded); one never recorded (the node died) answers as missing.
    const until = Date.now() + this.answerWaitMs;
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const answer = await this.recorded(licenseId, queryKey);
      if (answer !== undefined) return answer;
    }
    return undefined;
  }

  async spent(licenseId: string, dataset: string, period: string): Promise<number> {
    const rows = await this.store.query<{ micro: number }>(
      "SELECT micro_epsilon AS micro FROM budget_spent WHERE license_id = $1 AND dataset = $2 AND period = $3",
      [licenseId, dataset, period],
    );
    return (rows[0]?.micro ?? 0) / MICRO;
  }

  private async recorded(licenseId: string, queryKey: string): Promise<unknown> {
    const rows = await this.store.query<{ answer: string }>(
      "SELECT answer FROM budget_answers WHERE license_id = $1 AND query_key = $2",
      [licenseId, queryKey],
    );
    return rows[0] ? JSON.parse(rows[0].answer) : undefined;
  }

  private async charged(licenseId: string, queryKey: string): Promise<boolean> {
    const seen = await this.store.query<{ n: number }>(
      "SELECT count(*) AS n FROM budget_charges WHERE license_id = $1 AND query_key = $2",
      [licenseId, queryKey],
    );
    return (seen[0]?.n ?? 0) > 0;
  }

  private key(licenseId: string, queryKey: string): string {
    return JSON.stringify([licenseId, queryKey]);
  }
}
