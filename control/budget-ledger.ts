import type { DuckDBValue } from "@duckdb/node-api";
import { DomainError } from "../policies/errors.ts";
import type { ControlPlane } from "../storage/control-plane.ts";
import {
  type ChargeOutcome,
  type ChargeRequest,
  type PrivacyBudgetLedger,
  toMicroEpsilon,
} from "./privacy-budget.ts";

const MICRO = 1_000_000;
const CHARGES = ["budget_charges"] as const;

/**
 * The privacy-budget ledger kept in the control plane, so spent ε and recorded answers survive a
 * restart (a restart must not refill a budget, nor let a repeated query draw fresh noise).
 *
 * Charges are checked and inserted one at a time (`serial`), so two cannot both pass the check
 * before either is inserted. The sums they are checked against are kept in memory, read once
 * from the table and advanced by each insert: this ledger is the only writer of `budget_charges`,
 * and a write by anything else (seen in the control plane's write stamp) makes it read them anew.
 * A charge is then one INSERT of all its datasets, all or nothing; the table's key refuses a
 * query charged before. Answers still being computed are awaited in memory; after a restart a
 * charged query without a recorded answer answers as failed (it was paid for, and re-running it
 * would draw new noise).
 */
export class ControlPlaneBudgetLedger implements PrivacyBudgetLedger {
  private readonly pending = new Map<string, ((value: unknown) => void)[]>();
  /** Micro-ε spent per license, dataset and period, as of `spentStamp`. */
  private readonly spentMicros = new Map<string, number>();
  private spentStamp: string | undefined;
  private serial: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: Pick<ControlPlane, "query" | "run" | "writeStamp">) {}

  charge(request: ChargeRequest): Promise<ChargeOutcome> {
    const turn = this.serial.then(() => this.chargeNow(request));
    this.serial = turn.catch(() => undefined);
    return turn;
  }

  private async chargeNow(request: ChargeRequest): Promise<ChargeOutcome> {
    const micros = request.charges.map((charge) => toMicroEpsilon(charge.epsilon));
    for (;;) {
      const stamp = this.store.writeStamp(CHARGES);
      if (stamp !== this.spentStamp) {
        this.spentMicros.clear();
        this.spentStamp = stamp;
      }
      const spent: number[] = [];
      for (const charge of request.charges) {
        spent.push(await this.spentMicro(request.licenseId, charge.dataset, charge.period));
      }
      // Someone else wrote the table while the sums were read: they may be stale, read them anew.
      if (this.store.writeStamp(CHARGES) !== this.spentStamp) continue;
      const overBudget = request.charges.find(
        (charge, i) => spent[i]! + micros[i]! > Math.floor(charge.limit * MICRO + 1e-6),
      );
      if (overBudget) {
        // A query charged before is answered from its record, even once the budget is spent.
        if (await this.charged(request.licenseId, request.queryKey)) return { charged: false };
        throw new DomainError(
          "BUDGET_EXHAUSTED",
          `privacy budget of dataset ${overBudget.dataset} is exhausted for this period`,
          { dataset: overBudget.dataset, period: overBudget.period },
        );
      }
      const params: DuckDBValue[] = [request.licenseId, request.queryKey];
      const rows = request.charges.map((charge, i) => {
        params.push(charge.dataset, charge.period, micros[i]!);
        const at = params.length - 2;
        return `($1, $2, $${at}, $${at + 1}, $${at + 2}, now())`;
      });
      const inserted = this.store.run(
        `INSERT INTO budget_charges (license_id, query_key, dataset, period, micro_epsilon, charged_at)
         VALUES ${rows.join(", ")}`,
        params,
      );
      // Taken as the insert is issued, so that only a later write by someone else changes it.
      this.spentStamp = this.store.writeStamp(CHARGES);
      try {
        await inserted;
      } catch (error) {
        this.spentStamp = undefined;
        // The key (license, query, dataset) refused it: the query was charged before.
        if (await this.charged(request.licenseId, request.queryKey)) return { charged: false };
        throw error;
      }
      request.charges.forEach((charge, i) => {
        const key = this.spentKey(request.licenseId, charge.dataset, charge.period);
        this.spentMicros.set(key, spent[i]! + micros[i]!);
      });
      this.pending.set(this.key(request.licenseId, request.queryKey), []);
      return { charged: true };
    }
  }

  async recordAnswer(licenseId: string, queryKey: string, answer: unknown): Promise<void> {
    // Only the call that charged a query records its answer, so the key cannot clash (and a plain
    // INSERT costs a third of one with ON CONFLICT in DuckDB).
    await this.store.run("INSERT INTO budget_answers (license_id, query_key, answer) VALUES ($1, $2, $3)", [
      licenseId,
      queryKey,
      JSON.stringify(answer ?? null),
    ]);
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
    return (await this.readSpentMicro(licenseId, dataset, period)) / MICRO;
  }

  private async charged(licenseId: string, queryKey: string): Promise<boolean> {
    const seen = await this.store.query<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM budget_charges WHERE license_id = $1 AND query_key = $2",
      [licenseId, queryKey],
    );
    return (seen[0]?.n ?? 0) > 0;
  }

  private async spentMicro(licenseId: string, dataset: string, period: string): Promise<number> {
    const key = this.spentKey(licenseId, dataset, period);
    const known = this.spentMicros.get(key);
    if (known !== undefined) return known;
    const micro = await this.readSpentMicro(licenseId, dataset, period);
    this.spentMicros.set(key, micro);
    return micro;
  }

  private async readSpentMicro(licenseId: string, dataset: string, period: string): Promise<number> {
    const rows = await this.store.query<{ micro: string }>(
      `SELECT coalesce(sum(micro_epsilon), 0)::BIGINT AS micro FROM budget_charges
       WHERE license_id = $1 AND dataset = $2 AND period = $3`,
      [licenseId, dataset, period],
    );
    return Number(rows[0]?.micro ?? 0);
  }

  private spentKey(licenseId: string, dataset: string, period: string): string {
    return JSON.stringify([licenseId, dataset, period]);
  }

  private key(licenseId: string, queryKey: string): string {
    return JSON.stringify([licenseId, queryKey]);
  }
}
