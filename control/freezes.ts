import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import { License } from "../policies/license.ts";
import { compareText, sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import type { AuditEvent, AuditSink } from "./audit-sink.ts";
import { type Actor, requireActor } from "./authority.ts";
import { datasetsHeldBy } from "./holders.ts";
import { notify, type Recipients } from "./inbox.ts";
import { jobRepository } from "./jobs/job-repository.ts";
import type { JobError, JobRecord } from "./jobs/model.ts";
import { finishJobIn, type Settlement } from "./jobs/release.ts";
import { effectiveTime, insertProposal, type Proposal, queryProposals } from "./proposal-store.ts";

/**
 * Emergency stops (紧急冻结). One bureau officer freezes the whole domain, a dataset, an operator or
 * a license at once: new jobs touching it are refused with FROZEN, queued and running ones are
 * stopped, and outputs of jobs that finish meanwhile are held. Lifting is a loosening: it takes an
 * `unfreeze` proposal approved by a second officer (control/proposals.ts).
 */

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
  frozenAt: z.string(),
  /** When it ends (set by an approved lifting, possibly for later); null while nobody lifted it. */
  liftedAt: z.string().nullable(),
  liftedBy: z.string().nullable(),
  liftProposal: z.string().nullable(),
  /** Whether it holds now. */
  live: z.boolean(),
});
export type Freeze = z.infer<typeof Freeze>;

type Row = {
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
const COLUMNS = "id, scope, target, reason, frozen_by, frozen_at, lifted_at, lifted_by, lift_proposal";
/** The stored target of a domain-wide freeze (the column is NOT NULL). */
const DOMAIN_TARGET = "*";

const toFreeze = (row: Row, now: Date): Freeze => {
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

type Read = Pick<SqlExecutor, "query">;

/** The freezes that hold at `now`, oldest first. */
export async function liveFreezes(store: Read, now: Date = new Date()): Promise<Freeze[]> {
  const at = now.toISOString();
  const rows = await store.query<Row>(
    `SELECT ${COLUMNS} FROM freezes WHERE frozen_at <= $1 AND (lifted_at IS NULL OR lifted_at > $1)`,
    [at],
  );
  return rows.sort(byTime).map((row) => toFreeze(row, now));
}

const byTime = (a: Row, b: Row) => compareText(a.frozen_at, b.frozen_at) || compareText(a.id, b.id);

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
async function licensedDatasets(store: Read, licenseId: string): Promise<string[]> {
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

/** How a job stopped by a freeze ends: cancelled, with the FROZEN code naming the freeze. */
export function frozenSettlement(freeze: Freeze, actor = "system"): Settlement {
  const error: JobError = {
    code: "FROZEN",
    class: "Frozen",
    message: `stopped by freeze ${freezeLabel(freeze)}; submit it again once the bureau lifts the freeze`,
  };
  return { status: "cancelled", reason: "frozen", actor, error };
}

/**
 * A release the gate decided, held instead while a freeze touches the job: a reviewer releases it
 * once the freeze is lifted. Any other settlement is answered as it is.
 */
export async function holdWhileFrozen(
  tx: Pick<SqlExecutor, "dialect" | "query">,
  job: Pick<JobRecord, "operatorId" | "licenseId">,
  settlement: Settlement,
  now: Date,
): Promise<Settlement> {
  if (settlement.status !== "released") return settlement;
  // Waits for a freeze committing now, so that its release check cannot miss it (READ COMMITTED).
  await sqlDialect.turn(tx, "freeze", { shared: true });
  const freeze = await freezeTouchingJob(tx, job, now);
  if (!freeze) return settlement;
  const decision = settlement.decision ?? {
    outcome: "released",
    reasons: [],
    tainted: false,
    reviewsRequired: 0,
  };
  return {
    ...settlement,
    status: "held",
    reason: "frozen",
    decision: {
      ...decision,
      outcome: "held",
      reasons: [
        ...decision.reasons,
        { code: "frozen", detail: `releases are held while freeze ${freezeLabel(freeze)} holds` },
      ],
      reviewsRequired: Math.max(1, decision.reviewsRequired),
    },
  };
}

/** Who is told of a freeze: the bureau and auditors, and the operators (and holders) it affects. */
async function affected(tx: Read, scope: FreezeScope, target: string | null): Promise<Recipients> {
  const operators = new Set<string>();
  let roles: Recipients["roles"] = ["bureau", "auditor"];
  let holdersOf: string[] = [];
  if (scope === "domain") roles = ["bureau", "auditor", "operator", "holder"];
  else if (scope === "operator" && target) operators.add(target);
  else if (scope === "license" && target) {
    const rows = await tx.query<{ operator_id: string }>("SELECT operator_id FROM licenses WHERE id = $1", [
      target,
    ]);
    for (const row of rows) operators.add(row.operator_id);
  } else if (scope === "dataset" && target) {
    holdersOf = [target];
    const rows = await tx.query<{ operator_id: string; document: string }>(
      "SELECT operator_id, document FROM licenses WHERE status = 'active'",
    );
    for (const row of rows) {
      const license = License.parse(JSON.parse(row.document));
      if (license.datasets.some((d) => d.name === target)) operators.add(row.operator_id);
    }
  }
  return { principals: [...operators], roles, holdersOf };
}

/** The audit subjects of a freeze: the operator, license and datasets it names. */
async function subjectsOf(
  tx: Read,
  scope: FreezeScope,
  target: string | null,
): Promise<AuditEvent["subject"]> {
  if (scope === "dataset" && target) return { datasets: [target] };
  if (scope === "operator" && target) return { operator: target };
  if (scope === "license" && target) {
    const rows = await tx.query<{ operator_id: string }>("SELECT operator_id FROM licenses WHERE id = $1", [
      target,
    ]);
    return {
      license: target,
      ...(rows[0] ? { operator: rows[0].operator_id } : {}),
      datasets: await licensedDatasets(tx, target),
    };
  }
  return {};
}

/** Refuses a target that does not exist (NOT_FOUND), or a target given for the domain. */
async function assertTarget(tx: Read, scope: FreezeScope, target: string | undefined): Promise<void> {
  if (scope === "domain") {
    if (target !== undefined) throw new DomainError("BAD_REQUEST", "a domain-wide freeze names no target");
    return;
  }
  if (target === undefined) throw new DomainError("BAD_REQUEST", `a ${scope} freeze names its target`);
  const [sql, what] =
    scope === "dataset"
      ? ["SELECT dataset AS id FROM dataset_versions WHERE dataset = $1", "dataset"]
      : scope === "operator"
        ? ["SELECT id FROM principals WHERE id = $1 AND role = 'operator'", "operator"]
        : ["SELECT id FROM licenses WHERE id = $1", "license"];
  if ((await tx.query(sql, [target])).length === 0)
    throw new DomainError("NOT_FOUND", `no ${what} ${target}`);
}

export interface FreezeDeps {
  readonly store: Pick<SqlStore, "transaction" | "query">;
  readonly audit: AuditSink;
  readonly now?: () => Date;
}

/** What imposing a freeze did to jobs: queued ones cancelled, running ones asked to stop. */
export interface StoppedJobs {
  readonly cancelled: string[];
  readonly running: string[];
}

/**
 * Freezes a scope at once (one officer). In one transaction: the freeze and its `freeze.imposed`
 * entry; every queued job it touches cancelled with FROZEN (each with its `job.finished`); every
 * running one marked for cancellation, which its runner honours (the caller stops those running
 * on this node at once, see `JobService.stopFrozen`); notifications to the bureau, auditors and
 * the operators affected. Admissions take the same turn, so none slips in unseen.
 */
export async function imposeFreeze(
  deps: FreezeDeps,
  actor: Actor,
  request: FreezeRequest,
): Promise<{ freeze: Freeze; stopped: StoppedJobs }> {
  requireActor(actor, ["bureau"], "freeze");
  const parsed = FreezeRequest.safeParse(request);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".") || "(body)");
    throw new DomainError("BAD_REQUEST", `invalid freeze: ${[...new Set(fields)].join(", ")}`);
  }
  const { scope, target, reason } = parsed.data;
  const now = deps.now?.() ?? new Date();
  const at = now.toISOString();
  return deps.store.transaction(async (tx) => {
    await sqlDialect.turn(tx, "admission");
    await sqlDialect.turn(tx, "freeze");
    await assertTarget(tx, scope, target);
    const stored = target ?? DOMAIN_TARGET;
    const existing = (await liveFreezes(tx, now)).find(
      (f) => f.scope === scope && (f.target ?? DOMAIN_TARGET) === stored,
    );
    if (existing) {
      throw new DomainError(
        "CONFLICT",
        `${freezeLabel(existing)} already freezes it (since ${existing.frozenAt})`,
      );
    }
    const id = `frz_${randomUUID()}`;
    await tx.run(
      "INSERT INTO freezes (id, scope, target, reason, frozen_by, frozen_at) VALUES ($1, $2, $3, $4, $5, $6)",
      [id, scope, stored, reason, actor.id, at],
    );
    const freeze = toFreeze(
      {
        id,
        scope,
        target: stored,
        reason,
        frozen_by: actor.id,
        frozen_at: at,
        lifted_at: null,
        lifted_by: null,
        lift_proposal: null,
      },
      now,
    );
    const stopped: StoppedJobs = { cancelled: [], running: [] };
    const jobs = [
      ...(await jobRepository.withStatus(tx, "queued")),
      ...(await jobRepository.withStatus(tx, "running")),
    ];
    const targets = new Map<string, FreezeTarget>();
    const touched: JobRecord[] = [];
    for (const job of jobs) {
      const target = targets.get(job.licenseId) ?? (await jobTarget(tx, job));
      targets.set(job.licenseId, target);
      if (freezesTouching([freeze], target).length > 0) touched.push(job);
    }
    await deps.audit.appendIn(tx, [
      {
        type: "freeze.imposed",
        actor: actor.id,
        subject: await subjectsOf(tx, scope, target ?? null),
        data: {
          freeze: id,
          scope,
          target: target ?? null,
          reason,
          queuedJobs: touched.filter((j) => j.status === "queued").map((j) => j.id),
          runningJobs: touched.filter((j) => j.status === "running").map((j) => j.id),
        },
      },
    ]);
    const releaseDeps = {
      audit: deps.audit,
      now: () => now,
      signReceipt: () => {
        throw new Error("a job stopped by a freeze releases nothing");
      },
    };
    for (const job of touched) {
      if (job.status === "queued") {
        await finishJobIn(releaseDeps, tx, job, frozenSettlement(freeze, actor.id), { from: ["queued"] });
        stopped.cancelled.push(job.id);
      } else {
        await jobRepository.requestCancel(tx, job.id, at);
        stopped.running.push(job.id);
      }
    }
    await notify(
      tx,
      { ...(await affected(tx, scope, target ?? null)), except: actor.id },
      {
        kind: "freeze.imposed",
        subject: {
          freeze: id,
          ...(scope === "dataset" && target ? { dataset: target } : {}),
          ...(scope === "license" && target ? { license: target } : {}),
        },
        message: `freeze ${freezeLabel(freeze)} imposed by ${actor.id}: new jobs touching it are refused, running ones stopped, releases held`,
      },
    );
    return { freeze, stopped };
  });
}

/** Every freeze (live or not) an actor may see, newest first. */
export async function listFreezes(
  store: Read,
  actor: Actor,
  filter: { live?: boolean } = {},
  now: Date = new Date(),
): Promise<Freeze[]> {
  requireActor(actor, ["bureau", "auditor", "operator", "holder"], "read freezes");
  const rows = await store.query<Row>(`SELECT ${COLUMNS} FROM freezes`);
  const all = rows.sort((a, b) => byTime(b, a)).map((row) => toFreeze(row, now));
  const visible = await visibleTo(store, actor);
  return all.filter((f) => visible(f) && (filter.live === undefined || f.live === filter.live));
}

/** One freeze; NOT_FOUND if absent or not the actor's concern (an operator sees freezes touching it). */
export async function getFreeze(
  store: Read,
  actor: Actor,
  id: string,
  now: Date = new Date(),
): Promise<Freeze> {
  requireActor(actor, ["bureau", "auditor", "operator", "holder"], "read freezes");
  const rows = await store.query<Row>(`SELECT ${COLUMNS} FROM freezes WHERE id = $1`, [id]);
  const freeze = rows[0] ? toFreeze(rows[0], now) : null;
  if (!freeze || !(await visibleTo(store, actor))(freeze))
    throw new DomainError("NOT_FOUND", `no freeze ${id}`);
  return freeze;
}

/**
 * Which freezes concern an actor: all of them for the bureau and auditors; for an operator the
 * domain's, its own, its licenses' and its licensed datasets'; for a holder the domain's and its
 * datasets'.
 */
async function visibleTo(store: Read, actor: Actor): Promise<(freeze: Freeze) => boolean> {
  if (actor.role === "bureau" || actor.role === "auditor") return () => true;
  if (actor.role === "holder") {
    const held = new Set(await datasetsHeldBy(store, actor.organization));
    return (f) => f.scope === "domain" || (f.scope === "dataset" && f.target !== null && held.has(f.target));
  }
  const rows = await store.query<{ id: string; document: string }>(
    "SELECT id, document FROM licenses WHERE operator_id = $1",
    [actor.id],
  );
  const licenses = new Set(rows.map((r) => r.id));
  const datasets = new Set(
    rows.flatMap((r) => License.parse(JSON.parse(r.document)).datasets.map((d) => d.name)),
  );
  return (f) =>
    f.scope === "domain" ||
    (f.scope === "operator" && f.target === actor.id) ||
    (f.scope === "license" && f.target !== null && licenses.has(f.target)) ||
    (f.scope === "dataset" && f.target !== null && datasets.has(f.target));
}

/**
 * Asks for a freeze to be lifted: an `unfreeze` proposal, which a second officer approves
 * (lifting is a loosening). CONFLICT when the freeze is already lifted or its lifting is pending.
 */
export async function requestLift(
  deps: FreezeDeps,
  actor: Actor,
  freezeId: string,
  input: { reason: string; effectiveAt?: string },
): Promise<Proposal> {
  requireActor(actor, ["bureau"], "propose lifting a freeze");
  const reason = input.reason.trim();
  if (reason.length === 0) throw new DomainError("BAD_REQUEST", "a reason is required to lift a freeze");
  const now = deps.now?.() ?? new Date();
  const effectiveAt = effectiveTime(input.effectiveAt, now);
  return deps.store.transaction(async (tx) => {
    const freeze = await getFreeze(tx, actor, freezeId, now);
    if (freeze.liftedAt !== null) {
      throw new DomainError("CONFLICT", `freeze ${freeze.id} is already lifted (from ${freeze.liftedAt})`);
    }
    const pending = await queryProposals(tx, { kind: "unfreeze", subject: freeze.id, status: "pending" });
    if (pending[0]) {
      throw new DomainError(
        "CONFLICT",
        `proposal ${pending[0].id} to lift freeze ${freeze.id} already awaits a second officer`,
      );
    }
    const { proposal, event } = await insertProposal(
      tx,
      actor,
      {
        kind: "unfreeze",
        subject: freeze.id,
        document: { freeze: freeze.id },
        diff: {
          loosens: true,
          changes: [
            {
              kind: "removed",
              path: `freeze.${freeze.id}`,
              before: `${freeze.scope}${freeze.target === null ? "" : ` ${freeze.target}`}`,
              effect: "loosens",
              line: `freeze ${freezeLabel(freeze)}: lifted (loosens)`,
            },
          ],
        },
        baseVersion: null,
        reason,
        ...(effectiveAt === undefined ? {} : { effectiveAt }),
        auditSubject: await subjectsOf(tx, freeze.scope, freeze.target),
      },
      now,
    );
    await deps.audit.appendIn(tx, [event]);
    return proposal;
  });
}

/**
 * Ends a freeze at `effectiveAt`, in the approving transaction (control/proposals.ts). Answers the
 * `freeze.lifted` event, or null when it was lifted meanwhile (the proposal is then stale).
 */
export async function liftFreezeIn(
  tx: SqlExecutor,
  input: { freezeId: string; proposal: string; proposedBy: string; approvedBy: string; effectiveAt: string },
): Promise<AuditEvent | null> {
  const rows = await tx.query<Row>(`SELECT ${COLUMNS} FROM freezes WHERE id = $1`, [input.freezeId]);
  const row = rows[0];
  if (!row || row.lifted_at !== null) return null;
  await tx.run("UPDATE freezes SET lifted_at = $2, lifted_by = $3, lift_proposal = $4 WHERE id = $1", [
    input.freezeId,
    input.effectiveAt,
    input.approvedBy,
    input.proposal,
  ]);
  const target = row.scope === "domain" ? null : row.target;
  const label = freezeLabel({ id: row.id, scope: row.scope, target });
  await notify(tx, await affected(tx, row.scope, target), {
    kind: "freeze.lifted",
    subject: { freeze: row.id, proposal: input.proposal },
    message: `freeze ${label} is lifted from ${input.effectiveAt} (proposed by ${input.proposedBy}, approved by ${input.approvedBy}); jobs stopped by it are not restarted`,
  });
  return {
    type: "freeze.lifted",
    actor: input.approvedBy,
    subject: await subjectsOf(tx, row.scope, target),
    data: {
      freeze: row.id,
      scope: row.scope,
      target,
      proposal: input.proposal,
      proposedBy: input.proposedBy,
      liftedAt: input.effectiveAt,
    },
  };
}
