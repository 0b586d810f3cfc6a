import { randomUUID } from "node:crypto";
import { DomainError, describeIssues } from "../policies/errors.ts";
import { License } from "../policies/license.ts";
import { sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore, SqlValue } from "../storage/sql-store.ts";
import type { AuditEvent, AuditSink } from "./audit-sink.ts";
import { type Actor, requireActor } from "./authority.ts";
import {
  COLUMNS,
  DOMAIN_TARGET,
  type Freeze,
  FreezeRequest,
  type FreezeScope,
  type FreezeTarget,
  freezeLabel,
  freezesTouching,
  jobTarget,
  licensedDatasets,
  liveFreezes,
  type Read,
  type Row,
  toFreeze,
} from "./freeze-state.ts";
import { datasetsHeldBy } from "./holders.ts";
import { notify, type Recipients } from "./inbox.ts";
import { jobRepository } from "./jobs/job-repository.ts";
import type { JobError, JobRecord } from "./jobs/model.ts";
import { finishJobIn, type Settlement } from "./jobs/release.ts";
import { keysetPage, mapPage, type Page, type PageRequest } from "./paging.ts";
import { effectiveTime, insertProposal, type Proposal, queryProposals } from "./proposal-store.ts";

/**
 * Emergency stops (紧急冻结). One bureau officer freezes the whole domain, a dataset, an operator or
 * a license at once: new jobs touching it are refused with FROZEN, queued and running ones are
 * stopped, and outputs of jobs that finish meanwhile are held. Lifting is a loosening: it takes an
 * `unfreeze` proposal approved by a second officer (control/proposals.ts).
 */

export {
  assertNotFrozen,
  Freeze,
  FreezeRequest,
  FreezeScope,
  type FreezeTarget,
  freezeLabel,
  freezesTouching,
  freezeTouchingJob,
  jobTarget,
  liveFreezes,
} from "./freeze-state.ts";

/** How a job stopped by a freeze ends: cancelled, with the FROZEN code naming the freeze. */
export function frozenSettlement(freeze: Freeze, actor = "system"): Settlement {
  const error: JobError = {
    code: "FROZEN",
    class: "Frozen",
    message: `stopped by freeze ${freezeLabel(freeze)}; submit it again once the bureau lifts the freeze`,
  };
  return { status: "cancelled", reason: "frozen", actor, error };
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
    throw new DomainError("BAD_REQUEST", `invalid freeze: ${describeIssues(parsed.error.issues)}`);
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

/** The freezes (live or not) an actor may see, newest first, a page at a time. */
export async function listFreezes(
  store: Pick<SqlExecutor, "query" | "dialect">,
  actor: Actor,
  filter: { live?: boolean } = {},
  page: PageRequest = {},
  now: Date = new Date(),
): Promise<Page<Freeze>> {
  requireActor(actor, ["bureau", "auditor", "operator", "holder"], "read freezes");
  const params: SqlValue[] = [];
  const where = await visibleWhere(store, actor, params);
  if (filter.live !== undefined) {
    params.push(now.toISOString());
    const live = `frozen_at <= $${params.length} AND (lifted_at IS NULL OR lifted_at > $${params.length})`;
    where.push(filter.live ? live : `NOT (${live})`);
  }
  const rows = await keysetPage<Row>(store, {
    list: "freezes",
    select: `SELECT ${COLUMNS} FROM freezes`,
    where,
    params,
    order: { key: "frozen_at", id: "id", direction: "desc" },
    page,
  });
  return mapPage(rows, (row) => toFreeze(row, now));
}

/** One freeze; NOT_FOUND if absent or not the actor's concern (an operator sees freezes touching it). */
export async function getFreeze(
  store: Read,
  actor: Actor,
  id: string,
  now: Date = new Date(),
): Promise<Freeze> {
  requireActor(actor, ["bureau", "auditor", "operator", "holder"], "read freezes");
  const params: SqlValue[] = [id];
  const where = ["id = $1", ...(await visibleWhere(store, actor, params))];
  const rows = await store.query<Row>(
    `SELECT ${COLUMNS} FROM freezes WHERE ${where.map((w) => `(${w})`).join(" AND ")}`,
    params,
  );
  if (!rows[0]) throw new DomainError("NOT_FOUND", `no freeze ${id}`);
  return toFreeze(rows[0], now);
}

/**
 * Which freezes concern an actor, as SQL conditions (their values pushed onto `params`): all of
 * them for the bureau and auditors; for an operator the domain's, its own, its licenses' and its
 * licensed datasets'; for a holder the domain's and its datasets'.
 */
async function visibleWhere(store: Read, actor: Actor, params: SqlValue[]): Promise<string[]> {
  if (actor.role === "bureau" || actor.role === "auditor") return [];
  const targetIn = (scope: string, targets: readonly string[]) =>
    targets.length === 0
      ? "1 = 0"
      : `scope = '${scope}' AND target IN (${targets.map((t) => `$${params.push(t)}`).join(", ")})`;
  if (actor.role === "holder")
    return [`scope = 'domain' OR (${targetIn("dataset", await datasetsHeldBy(store, actor.organization))})`];
  const rows = await store.query<{ id: string; document: string }>(
    "SELECT id, document FROM licenses WHERE operator_id = $1",
    [actor.id],
  );
  const datasets = [
    ...new Set(rows.flatMap((r) => License.parse(JSON.parse(r.document)).datasets.map((d) => d.name))),
  ];
  return [
    [
      "scope = 'domain'",
      targetIn("operator", [actor.id]),
      targetIn(
        "license",
        rows.map((r) => r.id),
      ),
      targetIn("dataset", datasets),
    ]
      .map((c) => `(${c})`)
      .join(" OR "),
  ];
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
