import { z } from "zod";
import { DomainError, describeIssues } from "../policies/errors.ts";
import { DatasetManifest } from "../policies/manifest.ts";
import { classifyManifestChange, diffManifests } from "../policies/policy-diff.ts";
import type { DataDomain } from "../storage/data-domain.ts";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import type { AuditEvent, AuditSink } from "./audit-sink.ts";
import { type Actor, requireActor } from "./authority.ts";
import { liftFreezeIn, requestLift } from "./freezes.ts";
import { notify } from "./inbox.ts";
import type { Page, PageRequest } from "./paging.ts";
import { applyPolicyVersion, checkManifest, latestPolicyVersion } from "./policy-versions.ts";
import {
  effectiveTime,
  findProposal,
  insertProposal,
  type Proposal,
  type ProposalKind,
  type ProposalStatus,
  pageProposals,
} from "./proposal-store.ts";
import { applyTariffVersion, classifyTariffChange, latestTariff, parseTariff, Tariff } from "./tariffs.ts";

export { Proposal, ProposalKind, ProposalStatus } from "./proposal-store.ts";

/**
 * The two-person rule (双人复核): a loosening — a grade lowered, a column rule loosened, a threshold
 * lowered, a tariff cut, a dataset registered, a freeze lifted — is a proposal by one bureau officer
 * with a readable diff, approved by a second officer who is not the proposer, in force at a stated
 * time (never before approval, never for a job already running: a job keeps the policy versions it
 * started under). A proposal is made against the latest version; if another change lands first it
 * is refused as `superseded`, so two proposals never silently overwrite each other.
 */

const Reason = z.string().trim().min(1).max(2000);
const EffectiveAt = z.iso.datetime({ offset: true });

export const ProposalRequest = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("policy"),
      dataset: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
      manifest: DatasetManifest,
      reason: Reason,
      effectiveAt: EffectiveAt.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("tariff"),
      tariff: Tariff,
      reason: Reason,
      effectiveAt: EffectiveAt.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("unfreeze"),
      freeze: z.string().min(1).max(200),
      reason: Reason,
      effectiveAt: EffectiveAt.optional(),
    })
    .strict(),
]);
export type ProposalRequest = z.input<typeof ProposalRequest>;

export const ProposalDecision = z
  .object({
    decision: z.enum(["approve", "refuse"]),
    /** Why: required to refuse; recorded with an approval when given. */
    reason: z.string().trim().min(1).max(2000).optional(),
  })
  .strict()
  .refine((d) => d.decision === "approve" || d.reason !== undefined, {
    message: "a refusal needs a reason",
    path: ["reason"],
  });
export type ProposalDecision = z.infer<typeof ProposalDecision>;

export interface ProposalDeps {
  readonly store: Pick<SqlStore, "transaction" | "query" | "dialect">;
  readonly dataDomain: Pick<DataDomain, "connect">;
  readonly audit: AuditSink;
  readonly now?: () => Date;
}

const clock = (deps: ProposalDeps) => deps.now?.() ?? new Date();

async function appendAudit(audit: AuditSink, tx: SqlExecutor, events: readonly AuditEvent[]): Promise<void> {
  try {
    await audit.appendIn(tx, events);
  } catch (cause) {
    throw new Error(`audit append of ${events.map((e) => e.type).join(", ")} failed; change rolled back`, {
      cause,
    });
  }
}

/**
 * Proposes a change (bureau): a new manifest for a dataset, a new tariff, or lifting a freeze. The
 * proposal stores the document, its classified diff against the latest version, that version, the
 * reason and when it should take effect (default: at approval; never in the past). Every other
 * bureau officer is told it awaits approval.
 */
export async function proposeChange(
  deps: ProposalDeps,
  actor: Actor,
  request: ProposalRequest,
): Promise<Proposal> {
  requireActor(actor, ["bureau"], "propose a change");
  const parsed = ProposalRequest.safeParse(request);
  if (!parsed.success) {
    throw new DomainError("BAD_REQUEST", `invalid proposal: ${describeIssues(parsed.error.issues)}`);
  }
  const input = parsed.data;
  const now = clock(deps);
  const effectiveAt = effectiveTime(input.effectiveAt, now);
  if (input.kind === "unfreeze") {
    return requestLift(deps, actor, input.freeze, {
      reason: input.reason,
      ...(effectiveAt === undefined ? {} : { effectiveAt }),
    });
  }
  const manifest =
    input.kind === "policy" ? await checkManifest(deps.dataDomain, input.dataset, input.manifest) : null;
  return deps.store.transaction(async (tx) => {
    let created: Awaited<ReturnType<typeof insertProposal>>;
    const common = { reason: input.reason, ...(effectiveAt === undefined ? {} : { effectiveAt }) };
    if (manifest) {
      const latest = await latestPolicyVersion(tx, manifest.name);
      if (latest && diffManifests(latest.manifest, manifest).length === 0) {
        throw new DomainError("CONFLICT", `identical to version ${latest.version} of ${manifest.name}`);
      }
      created = await insertProposal(
        tx,
        actor,
        {
          kind: "policy",
          subject: manifest.name,
          document: manifest,
          diff: classifyManifestChange(latest?.manifest ?? null, manifest),
          baseVersion: latest?.version ?? null,
          auditSubject: { datasets: [manifest.name] },
          ...common,
        },
        now,
      );
    } else {
      const tariff = parseTariff((input as { tariff: unknown }).tariff);
      const latest = await latestTariff(tx);
      const diff = classifyTariffChange(latest?.tariff ?? null, tariff);
      if (latest && diff.changes.length === 0) {
        throw new DomainError("CONFLICT", `identical to tariff version ${latest.version}`);
      }
      created = await insertProposal(
        tx,
        actor,
        {
          kind: "tariff",
          subject: "tariff",
          document: tariff,
          diff,
          baseVersion: latest?.version ?? null,
          auditSubject: {},
          ...common,
        },
        now,
      );
    }
    await appendAudit(deps.audit, tx, [created.event]);
    return created.proposal;
  });
}

/** Proposals, newest first (bureau and auditors). */
export async function listProposals(
  store: Pick<SqlExecutor, "query" | "dialect">,
  actor: Actor,
  filter: { status?: ProposalStatus; kind?: ProposalKind } = {},
  page: PageRequest = {},
): Promise<Page<Proposal>> {
  requireActor(actor, ["bureau", "auditor"], "read proposals");
  return pageProposals(store, filter, page);
}

/** One proposal (bureau and auditors); NOT_FOUND if there is none. */
export async function getProposal(
  store: Pick<SqlExecutor, "query" | "dialect">,
  actor: Actor,
  id: string,
): Promise<Proposal> {
  requireActor(actor, ["bureau", "auditor"], "read proposals");
  const proposal = await findProposal(store, id);
  if (!proposal) throw new DomainError("NOT_FOUND", `no proposal ${id}`);
  return proposal;
}

/** Locks a pending proposal in `tx`; NOT_FOUND or CONFLICT (already decided) otherwise. */
async function pendingProposal(tx: SqlExecutor, id: string): Promise<Proposal> {
  const proposal = await findProposal(tx, id, { forUpdate: true });
  if (!proposal) throw new DomainError("NOT_FOUND", `no proposal ${id}`);
  if (proposal.status !== "pending") {
    throw new DomainError(
      "CONFLICT",
      `proposal ${id} is ${proposal.status}${proposal.decider ? ` (by ${proposal.decider})` : ""}; only a pending proposal can be decided or withdrawn`,
    );
  }
  return proposal;
}

async function closeProposal(
  tx: SqlExecutor,
  proposal: Proposal,
  update: {
    status: ProposalStatus;
    decider: string;
    reason: string | null;
    at: string;
    effectiveAt?: string;
    appliedVersion?: number;
  },
): Promise<void> {
  await tx.run(
    `UPDATE proposals SET status = $2, decider_id = $3, decision_reason = $4, decided_at = $5,
       effective_at = COALESCE($6, effective_at), applied_version = $7 WHERE id = $1`,
    [
      proposal.id,
      update.status,
      update.decider,
      update.reason,
      update.at,
      update.effectiveAt ?? null,
      update.appliedVersion ?? null,
    ],
  );
}

/** The audit subjects of a proposal's entries. */
function subjectOf(proposal: Proposal): AuditEvent["subject"] {
  return proposal.kind === "policy" ? { datasets: [proposal.subject] } : {};
}

/**
 * Decides a pending proposal (bureau). Approval needs a second officer: the proposer may not
 * approve their own (FORBIDDEN). An approved change is applied in the same transaction, in force
 * from its `effectiveAt` (at approval when none was given; never earlier than now, nor than a
 * version already scheduled), and the proposer is told. A proposal whose base version is no longer
 * the latest (another change landed first) is closed as `superseded` and the answer is CONFLICT:
 * propose again against the current version.
 */
export async function decideProposal(
  deps: ProposalDeps,
  actor: Actor,
  id: string,
  decision: ProposalDecision,
): Promise<Proposal> {
  requireActor(actor, ["bureau"], "decide a proposal");
  const parsed = ProposalDecision.safeParse(decision);
  if (!parsed.success) {
    throw new DomainError("BAD_REQUEST", `invalid decision: ${describeIssues(parsed.error.issues)}`);
  }
  const body = parsed.data;
  const now = clock(deps);
  const at = now.toISOString();
  // The table is checked before the transaction (it reads the data domain); a table changed since
  // the proposal keeps it pending with the reason.
  const peek = await getProposal(deps.store, actor, id);
  if (body.decision === "approve" && peek.kind === "policy" && peek.status === "pending") {
    await checkManifest(deps.dataDomain, peek.subject, peek.document);
  }
  const outcome = await deps.store.transaction(async (tx) => {
    const proposal = await pendingProposal(tx, id);
    const tell = (message: string) =>
      notify(
        tx,
        { principals: [proposal.proposer], except: actor.id },
        {
          kind: "proposal.decided",
          subject: {
            proposal: proposal.id,
            ...(proposal.kind === "policy" ? { dataset: proposal.subject } : {}),
          },
          message,
        },
      );
    if (body.decision === "refuse") {
      await closeProposal(tx, proposal, {
        status: "refused",
        decider: actor.id,
        reason: body.reason ?? null,
        at,
      });
      await tell(`proposal ${proposal.id} (${proposal.kind} ${proposal.subject}) was refused by ${actor.id}`);
      await appendAudit(deps.audit, tx, [
        {
          type: "proposal.refused",
          actor: actor.id,
          subject: subjectOf(proposal),
          data: {
            proposal: proposal.id,
            kind: proposal.kind,
            subject: proposal.subject,
            reason: body.reason ?? null,
          },
        },
      ]);
      return { superseded: null };
    }
    if (proposal.proposer === actor.id) {
      throw new DomainError(
        "FORBIDDEN",
        `you proposed ${proposal.id}: a loosening needs a second bureau officer's approval (two-person rule); ask another officer, or withdraw it`,
      );
    }
    const applied = await apply(tx, proposal, actor, now);
    if (applied.stale !== undefined) {
      await closeProposal(tx, proposal, {
        status: "superseded",
        decider: actor.id,
        reason: applied.stale,
        at,
      });
      await tell(
        `proposal ${proposal.id} (${proposal.kind} ${proposal.subject}) is superseded: ${applied.stale}`,
      );
      await appendAudit(deps.audit, tx, [
        {
          type: "proposal.refused",
          actor: actor.id,
          subject: subjectOf(proposal),
          data: {
            proposal: proposal.id,
            kind: proposal.kind,
            subject: proposal.subject,
            status: "superseded",
            reason: applied.stale,
          },
        },
      ]);
      return { superseded: applied.stale };
    }
    await closeProposal(tx, proposal, {
      status: "approved",
      decider: actor.id,
      reason: body.reason ?? null,
      at,
      effectiveAt: applied.effectiveAt,
      ...(applied.version === undefined ? {} : { appliedVersion: applied.version }),
    });
    await tell(
      `proposal ${proposal.id} (${proposal.kind} ${proposal.subject}) was approved by ${actor.id}; in force from ${applied.effectiveAt}`,
    );
    await appendAudit(deps.audit, tx, [
      {
        type: "proposal.approved",
        actor: actor.id,
        subject: applied.event.subject,
        data: {
          proposal: proposal.id,
          kind: proposal.kind,
          subject: proposal.subject,
          proposedBy: proposal.proposer,
          effectiveAt: applied.effectiveAt,
          reason: body.reason ?? null,
          ...(applied.version === undefined ? {} : { appliedVersion: applied.version }),
        },
      },
      applied.event,
    ]);
    return { superseded: null };
  });
  if (outcome.superseded) {
    throw new DomainError(
      "CONFLICT",
      `proposal ${id} is superseded: ${outcome.superseded}; propose the change again`,
    );
  }
  return getProposal(deps.store, actor, id);
}

type Applied =
  | { stale: string }
  | { stale?: undefined; effectiveAt: string; version?: number; event: AuditEvent };

/** When an approved change takes effect: its stated time, but never before now nor before `floor`. */
function effectiveFrom(proposal: Proposal, now: Date, floor?: string): string {
  const times = [now.toISOString(), proposal.effectiveAt, floor].filter((t): t is string => t != null);
  return times.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
}

/** Applies an approved proposal in `tx`, or says why it is stale. */
async function apply(tx: SqlExecutor, proposal: Proposal, approver: Actor, now: Date): Promise<Applied> {
  const approval = { proposal: proposal.id, approvedBy: approver.id };
  if (proposal.kind === "policy") {
    const latest = await latestPolicyVersion(tx, proposal.subject);
    if ((latest?.version ?? null) !== proposal.baseVersion) {
      return {
        stale: `it was proposed against version ${proposal.baseVersion ?? "none"} of ${proposal.subject}, which is now at version ${latest?.version ?? "none"}`,
      };
    }
    const effectiveAt = effectiveFrom(proposal, now, latest?.effectiveFrom);
    const { version, event } = await applyPolicyVersion(tx, {
      manifest: DatasetManifest.parse(proposal.document),
      author: proposal.proposer,
      note: proposal.reason,
      effectiveFrom: effectiveAt,
      previous: latest,
      approval,
    });
    return { effectiveAt, version: version.version, event };
  }
  if (proposal.kind === "tariff") {
    const latest = await latestTariff(tx);
    if ((latest?.version ?? null) !== proposal.baseVersion) {
      return {
        stale: `it was proposed against tariff version ${proposal.baseVersion ?? "none"}, and the tariff is now at version ${latest?.version ?? "none"}`,
      };
    }
    const effectiveAt = effectiveFrom(proposal, now, latest?.effectiveFrom);
    const { version, event } = await applyTariffVersion(tx, {
      tariff: Tariff.parse(proposal.document),
      author: proposal.proposer,
      effectiveFrom: effectiveAt,
      previous: latest,
      approval,
    });
    return { effectiveAt, version: version.version, event };
  }
  const effectiveAt = effectiveFrom(proposal, now);
  const event = await liftFreezeIn(tx, {
    freezeId: proposal.subject,
    proposal: proposal.id,
    proposedBy: proposal.proposer,
    approvedBy: approver.id,
    effectiveAt,
  });
  return event ? { effectiveAt, event } : { stale: `freeze ${proposal.subject} was lifted meanwhile` };
}

/** Withdraws a pending proposal: its proposer only (another officer refuses it instead). */
export async function withdrawProposal(
  deps: Pick<ProposalDeps, "store" | "audit" | "now">,
  actor: Actor,
  id: string,
  reason?: string,
): Promise<Proposal> {
  requireActor(actor, ["bureau"], "withdraw a proposal");
  const at = clock(deps as ProposalDeps).toISOString();
  await deps.store.transaction(async (tx) => {
    const proposal = await pendingProposal(tx, id);
    if (proposal.proposer !== actor.id) {
      throw new DomainError(
        "FORBIDDEN",
        `only its proposer (${proposal.proposer}) may withdraw proposal ${id}; decide it instead`,
      );
    }
    await closeProposal(tx, proposal, { status: "withdrawn", decider: actor.id, reason: reason ?? null, at });
    await notify(
      tx,
      { roles: ["bureau"], except: actor.id },
      {
        kind: "proposal.decided",
        subject: { proposal: proposal.id },
        message: `proposal ${proposal.id} (${proposal.kind} ${proposal.subject}) was withdrawn by its proposer`,
      },
    );
    await appendAudit(deps.audit, tx, [
      {
        type: "proposal.withdrawn",
        actor: actor.id,
        subject: subjectOf(proposal),
        data: {
          proposal: proposal.id,
          kind: proposal.kind,
          subject: proposal.subject,
          reason: reason ?? null,
        },
      },
    ]);
  });
  return getProposal(deps.store, actor, id);
}
