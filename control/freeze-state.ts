import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import { License } from "../policies/license.ts";
import { Timestamp } from "../policies/timestamp.ts";
import { compareText } from "../storage/sql-dialect.ts";
import type { SqlExecutor } from "../storage/sql-store.ts";
import type { JobRecord } from "./jobs/model.ts";

// The freezes as stored and which of them hold (control/freezes.ts has the verbs that impose and
// lift them). Apart from the verbs so that settling a job (control/jobs/release.ts) can consult
// them while imposing a freeze settles jobs, without the two modules importing each other.

export const FreezeScope = z.enum(["domain", "dataset", "operator", "license"]);
export type FreezeScope = z.infer<typeof FreezeScope>;

export const FreezeRequest = z
  .object({
    scope: FreezeScope,
    /** The dataset name, operator id or license id; absent for the domain. */
    target: z.string().min(1).max(200).optional(),
    reason: z.string().trim().min(1).max(2000),
  })
  .strict();
export type FreezeRequest = z.infer<typeof FreezeRequest>;

export const Freeze = z.object({
  id: z.string(),
  scope: FreezeScope,
  /** Null for the domain. */
  target: z.string().nullable(),
  reason: z.string(),
  frozenBy: z.string(),
  frozenAt: Timestamp,
  /** When it ends (set by an approved lifting, possibly for later); null while nobody lifted it. */
  liftedAt: Timestamp.nullable(),
  liftedBy: z.string().nullable(),
  liftProposal: z.string().nullable(),
  /** Whether it holds now. */
  live: z.boolean(),
});
export type Freeze = z.infer<typeof Freeze>;

export type Row = {
  id: string;
  scope: FreezeScope;
  target: string;
  reason: string;
  frozen_by: string;
  frozen_at: string;
  lifted_at: string | null;
  lifted_by: string | null;
  lift_proposal: string | null;
};
export const COLUMNS = "id, scope, target, reason, frozen_by, frozen_at, lifted_at, lifted_by, lift_proposal";
/** The stored target of a domain-wide freeze (the column is NOT NULL). */
export const DOMAIN_TARGET = "*";

export const toFreeze = (row: Row, now: Date): Freeze => {
  const at = now.toISOString();
  return {
    id: row.id,
    scope: row.scope,
    target: row.scope === "domain" ? null : row.target,
    reason: row.reason,
    frozenBy: row.frozen_by,
    frozenAt: row.frozen_at,
    liftedAt: row.lifted_at,
    liftedBy: row.lifted_by,
    liftProposal: row.lift_proposal,
    live: row.frozen_at <= at && (row.lifted_at === null || row.lifted_at > at),
  };
};

export type Read = Pick<SqlExecutor, "query">;

/** The freezes that hold at `now`, oldest first. */
export async function liveFreezes(store: Read, now: Date = new Date()): Promise<Freeze[]> {
  const at = now.toISOString();
  const rows = await store.query<Row>(
    `SELECT ${COLUMNS} FROM freezes WHERE frozen_at <= $1 AND (lifted_at IS NULL OR lifted_at > $1)`,
    [at],
  );
  return rows.sort(byTime).map((row) => toFreeze(row, now));
}

export const byTime = (a: Row, b: Row) => compareText(a.frozen_at, b.frozen_at) || compareText(a.id, b.id);

/** What a job (or a job to be) touches, as freezes see it. */
export interface FreezeTarget {
  readonly operatorId: string;
  readonly licenseId: string;
  /** The datasets its license names. */
  readonly datasets: readonly string[];
}

/** Of `freezes`, those that touch `target`. */
export function freezesTouching(freezes: readonly Freeze[], target: FreezeTarget): Freeze[] {
  return freezes.filter(
    (f) =>
      f.scope === "domain" ||
      (f.scope === "operator" && f.target === target.operatorId) ||
      (f.scope === "license" && f.target === target.licenseId) ||
      (f.scope === "dataset" && f.target !== null && target.datasets.includes(f.target)),
  );
}

/** How a freeze is named in messages: `frz_… (dataset population)`. */
export function freezeLabel(freeze: Pick<Freeze, "id" | "scope" | "target">): string {
  return `${freeze.id} (${freeze.scope}${freeze.target === null ? "" : ` ${freeze.target}`})`;
}

/** Refuses, with FROZEN, what a live freeze touches: a new job, a release on review. */
export async function assertNotFrozen(
  store: Read,
  target: FreezeTarget,
  what: string,
  now: Date = new Date(),
): Promise<void> {
  const [freeze] = freezesTouching(await liveFreezes(store, now), target);
  if (freeze) {
    throw new DomainError(
      "FROZEN",
      `${what} is refused: the bureau froze ${freezeLabel(freeze)} at ${freeze.frozenAt}; it stays refused until two officers lift the freeze (ask the bureau; see GET /v1/freezes)`,
    );
  }
}

/** The datasets a license names, or [] if the license is gone. */
export async function licensedDatasets(store: Read, licenseId: string): Promise<string[]> {
  const rows = await store.query<{ document: string }>("SELECT document FROM licenses WHERE id = $1", [
    licenseId,
  ]);
  return rows[0] ? License.parse(JSON.parse(rows[0].document)).datasets.map((d) => d.name) : [];
}

/** A stored job as a freeze target (its datasets from its license). */
export async function jobTarget(
  store: Read,
  job: Pick<JobRecord, "operatorId" | "licenseId">,
): Promise<FreezeTarget> {
  return {
    operatorId: job.operatorId,
    licenseId: job.licenseId,
    datasets: await licensedDatasets(store, job.licenseId),
  };
}

/** The first live freeze touching a stored job, or undefined. */
export async function freezeTouchingJob(
  store: Read,
  job: Pick<JobRecord, "operatorId" | "licenseId">,
  now: Date = new Date(),
): Promise<Freeze | undefined> {
  const freezes = await liveFreezes(store, now);
  if (freezes.length === 0) return undefined;
  return freezesTouching(freezes, await jobTarget(store, job))[0];
}
