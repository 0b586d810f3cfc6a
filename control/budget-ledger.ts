import { DomainError } from "../policies/errors.ts";
import type { ControlPlane } from "../storage/control-plane.ts";
import {
  type ChargeOutcome,
  type ChargeRequest,
  type PrivacyBudgetLedger,
  toMicroEpsilon,
} from "./privacy-budget.ts";

const MICRO = 1_000_000;

/**
 * The privacy-budget ledger kept in the control plane, so spent ε and recorded answers survive a
 * restart (a restart must not refill a budget, nor let a repeated query draw fresh noise).
 *
 * `charge` is one control-plane transaction: the control plane serialises its statements, so two
 * charges cannot interleave between the check and the insert. Answers still being computed are
 * awaited in memory; after a restart a charged query without a recorded answer answers as failed
 * (it was paid for, and re-running it would draw new noise).
 */
export class ControlPlaneBudgetLedger implements PrivacyBudgetLedger {
  private readonly pending = new Map<string, ((value: unknown) => void)[]>();

  constructor(private readonly store: Pick<ControlPlane, "query" | "transaction">) {}

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    return this.store.transaction(async (tx) => {
      const seen = await tx.query<{ n: number }>(
        "SELECT count(*)::INTEGER AS n FROM budget_charges WHERE license_id = $1 AND query_key = $2",
        [request.licenseId, request.queryKey],
      );
      if ((seen[0]?.n ?? 0) > 0) return { charged: false } as const;
      for (const charge of request.charges) {
        const spent = await tx.query<{ micro: string }>(
          `SELECT coalesce(sum(micro_epsilon), 0)::BIGINT AS micro FROM budget_charges
           WHERE license_id = $1 AND dataset = $2 AND period = $3`,
          [request.licenseId, charge.dataset, charge.period],
        );
        const next = Number(spent[0]?.micro ?? 0) + toMicroEpsilon(charge.epsilon);
        if (next > Math.floor(charge.limit * MICRO + 1e-6)) {
          throw new DomainError(
            "BUDGET_EXHAUSTED",
            `privacy budget of dataset ${charge.dataset} is exhausted for this period`,
            { dataset: charge.dataset, period: charge.period },
          );
        }
      }
      for (const charge of request.charges) {
        await tx.run(
          `INSERT INTO budget_charges (license_id, query_key, dataset, period, micro_epsilon, charged_at)
           VALUES ($1, $2, $3, $4, $5, now())`,
          [
            request.licenseId,
            request.queryKey,
            charge.dataset,
            charge.period,
            toMicroEpsilon(charge.epsilon),
          ],
        );
      }
      this.pending.set(this.key(request.licenseId, request.queryKey), []);
      return { charged: true } as const;
    });
  }

  async recordAnswer(licenseId: string, queryKey: string, answer: unknown): Promise<void> {
    await this.store.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO budget_answers (license_id, query_key, answer) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING`,
        [licenseId, queryKey, JSON.stringify(answer ?? null)],
      );
    });
    const key = this.key(licenseId, queryKey);
    for (const resolve of this.pending.get(key) ?? []) resolve(answer);
    this.pending.delete(key);
  }

  async recallAnswer(licenseId: string, queryKey: string): Promise<unknown> {
    const rows = await this.store.query<{ answer: string }>(
      "SELECT answer FROM budget_answers WHERE license_id = $1 AND query_key = $2",
      [licenseId, queryKey],
    );
    if (rows[0]) return JSON.parse(rows[0].answer);
    const waiters = this.pending.get(this.key(licenseId, queryKey));
    if (waiters) return new Promise((resolve) => waiters.push(resolve));
    return undefined;
  }

  async spent(licenseId: string, dataset: string, period: string): Promise<number> {
    const rows = await this.store.query<{ micro: string }>(
      `SELECT coalesce(sum(micro_epsilon), 0)::BIGINT AS micro FROM budget_charges
       WHERE license_id = $1 AND dataset = $2 AND period = $3`,
      [licenseId, dataset, period],
    );
    return Number(rows[0]?.micro ?? 0) / MICRO;
  }

  private key(licenseId: string, queryKey: string): string {
    return JSON.stringify([licenseId, queryKey]);
  }
}
