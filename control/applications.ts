import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DomainError, describeIssues } from "../policies/errors.ts";
import { License, LicensedDataset, LicenseQuotas, ReleaseMode } from "../policies/license.ts";
import { compareText, sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore, SqlValue } from "../storage/sql-store.ts";
import type { AuditEvent, AuditSink } from "./audit-sink.ts";
import { type Actor, requireActor } from "./authority.ts";
import { currentCatalog } from "./catalog.ts";
import { datasetsHeldBy } from "./holders.ts";
import { type NotificationKind, notify, type Recipients } from "./inbox.ts";
import {
  amendCheckedLicense,
  assertLicenseGrantable,
  findLicense,
  insertCheckedLicense,
} from "./licenses.ts";
import { keysetPage, type Page, type PageRequest } from "./paging.ts";

/**
 * License applications (申请审批): an operator applies, the holder department of each grade 3/4
 * dataset consents or refuses, then the bureau approves or refuses; grade 4 data needs two distinct
 * officers. The license granted on the last approval is built from the application's document
 * alone, in the transaction of that approval. Every step is audited with the dataset policy
 * versions it was taken under, and every party that must act or learn is notified.
 */

export const ApplicationStatus = [
  "awaiting_consent",
  "awaiting_approval",
  "approved",
  "refused",
  "withdrawn",
  "expired",
  "superseded",
] as const;
export type ApplicationStatus = (typeof ApplicationStatus)[number];

const PENDING: readonly ApplicationStatus[] = ["awaiting_consent", "awaiting_approval"];

/** How long an application waits for someone to act before it expires, unless configured. */
export const DEFAULT_APPLICATION_TTL_HOURS = 14 * 24;

export interface ApplicationSettings {
  /** Hours an application may wait without any party acting on it. */
  readonly ttlHours: number;
}

/**
 * What an operator applies for: everything a license needs except its id and operator (the license
 * takes a generated id and the applicant), plus the scenario the data is for.
 */
export const ApplicationDocument = z
  .object({
    datasets: z.array(LicensedDataset).min(1),
    purpose: z.string().min(1).max(500),
    /** What the data is for, in the applicant's words: read by the holders and the bureau. */
    scenario: z.string().trim().min(1).max(4000),
    validFrom: z.iso.datetime({ offset: true }),
    validTo: z.iso.datetime({ offset: true }),
    quotas: LicenseQuotas.default({}),
    releaseMode: ReleaseMode.default("auto"),
  })
  .strict();
export type ApplicationDocument = z.infer<typeof ApplicationDocument>;

/** A holder's word on one dataset of an application. */
export const ConsentDecision = z
  .object({
    dataset: z.string().min(1).max(100),
    decision: z.enum(["consent", "refuse"]),
    reason: z.string().trim().min(1).max(2000).optional(),
  })
  .strict();
export type ConsentDecision = z.infer<typeof ConsentDecision>;

/** A bureau officer's word on an application. */
export const ApprovalDecision = z
  .object({
    decision: z.enum(["approve", "refuse"]),
    reason: z.string().trim().min(1).max(2000).optional(),
  })
  .strict();
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

/** Dataset name → the policy version of it in force. */
export type PolicyVersions = Record<string, number>;

export interface ApplicationDecisionRecord {
  readonly step: "consent" | "approval";
  /** The dataset a consent is about; null for the bureau's approval, which covers the whole application. */
  readonly dataset: string | null;
  readonly decider: string;
  readonly decision: "consent" | "approve" | "refuse";
  readonly reason: string | null;
  readonly policyVersions: PolicyVersions;
  readonly decidedAt: string;
}

export interface ApplicationRecord {
  readonly id: string;
  readonly operator: string;
  readonly status: ApplicationStatus;
  readonly document: ApplicationDocument;
  /** The policy versions in force when it was submitted. */
  readonly policyVersions: PolicyVersions;
  readonly amends: string | null;
  readonly licenseId: string | null;
  readonly statusReason: string | null;
  readonly submittedAt: string;
  readonly expiresAt: string;
  readonly updatedAt: string;
}

export interface ApplicationDetail extends ApplicationRecord {
  /** Every party's word so far, oldest first. */
  readonly decisions: ApplicationDecisionRecord[];
  /** What it still waits for, under the current policies. */
  readonly awaiting: {
    /** Grade 3/4 datasets without their holder's consent. */
    readonly consents: string[];
    /** Bureau approvals still needed (two in all when it names grade 4 data). */
    readonly approvals: number;
  };
}

/** The marker `application_decisions.dataset` holds for an approval, which covers every dataset. */
const WHOLE_APPLICATION = "*";

type Read = Pick<SqlExecutor, "query">;
type Store = Pick<SqlStore, "transaction" | "query">;

type ApplicationRow = {
  id: string;
  operator_id: string;
  status: ApplicationStatus;
  document: string;
  policy_versions: string;
  amends: string | null;
  license_id: string | null;
  status_reason: string | null;
  submitted_at: string;
  expires_at: string;
  updated_at: string;
};
const COLUMNS =
  "id, operator_id, status, document, policy_versions, amends, license_id, status_reason, submitted_at, expires_at, updated_at";

const toRecord = (row: ApplicationRow): ApplicationRecord => ({
  id: row.id,
  operator: row.operator_id,
  status: row.status,
  document: ApplicationDocument.parse(JSON.parse(row.document)),
  policyVersions: JSON.parse(row.policy_versions) as PolicyVersions,
  amends: row.amends,
  licenseId: row.license_id,
  statusReason: row.status_reason,
  submittedAt: row.submitted_at,
  expiresAt: row.expires_at,
  updatedAt: row.updated_at,
});

type DecisionRow = {
  step: "consent" | "approval";
  dataset: string;
  decider_id: string;
  decision: "consent" | "approve" | "refuse";
  reason: string | null;
  policy_versions: string;
  decided_at: string;
};

async function decisionsOf(store: Read, id: string): Promise<ApplicationDecisionRecord[]> {
  const rows = await store.query<DecisionRow>(
    `SELECT step, dataset, decider_id, decision, reason, policy_versions, decided_at
     FROM application_decisions WHERE application_id = $1`,
    [id],
  );
  // Ordered here: both engines must answer alike whatever their text collation.
  rows.sort((a, b) => compareText(a.decided_at, b.decided_at) || compareText(a.decider_id, b.decider_id));
  return rows.map((row) => ({
    step: row.step,
    dataset: row.dataset === WHOLE_APPLICATION ? null : row.dataset,
    decider: row.decider_id,
    decision: row.decision,
    reason: row.reason,
    policyVersions: JSON.parse(row.policy_versions) as PolicyVersions,
    decidedAt: row.decided_at,
  }));
}

/** The grade and holder of each dataset under the current policy, with its version. */
async function catalogFacts(store: Read) {
  return new Map(
    (await currentCatalog(store)).map((e) => [
      e.manifest.name,
      { grade: e.manifest.grade, department: e.manifest.holder.department, version: e.version },
    ]),
  );
}
type Facts = Awaited<ReturnType<typeof catalogFacts>>;

const namesOf = (document: ApplicationDocument) => document.datasets.map((d) => d.name);
const guardedOf = (document: ApplicationDocument, facts: Facts) =>
  namesOf(document).filter((name) => (facts.get(name)?.grade ?? 0) >= 3);
const needsTwoOfficers = (document: ApplicationDocument, facts: Facts) =>
  namesOf(document).some((name) => facts.get(name)?.grade === 4);
const versionsOf = (document: ApplicationDocument, facts: Facts): PolicyVersions =>
  Object.fromEntries(
    namesOf(document).flatMap((name) => {
      const version = facts.get(name)?.version;
      return version === undefined ? [] : [[name, version]];
    }),
  );

function detailOf(
  record: ApplicationRecord,
  decisions: ApplicationDecisionRecord[],
  facts: Facts,
): ApplicationDetail {
  const consented = new Set(
    decisions.filter((d) => d.step === "consent" && d.decision === "consent").map((d) => d.dataset),
  );
  const approvals = decisions.filter((d) => d.step === "approval" && d.decision === "approve").length;
  const pending = PENDING.includes(record.status);
  return {
    ...record,
    decisions,
    awaiting: {
      consents: pending ? guardedOf(record.document, facts).filter((name) => !consented.has(name)) : [],
      approvals: pending ? Math.max(0, (needsTwoOfficers(record.document, facts) ? 2 : 1) - approvals) : 0,
    },
  };
}

/** The license an application's document asks for, for `operator` under `id`: nothing else enters it. */
function licenseFrom(document: ApplicationDocument, operator: string, id: string): License {
  const { scenario: _scenario, ...terms } = document;
  return License.parse({ id, operator, ...terms });
}

function parseDocument(document: unknown): ApplicationDocument {
  const parsed = ApplicationDocument.safeParse(document);
  if (!parsed.success) {
    throw new DomainError(
      "BAD_REQUEST",
      `invalid application: ${describeIssues(parsed.error.issues, "(application)")}`,
    );
  }
  // The license schema's own rules (window order, each dataset once) hold for the application too.
  const { scenario: _scenario, ...terms } = parsed.data;
  const asLicense = License.safeParse({ id: "application", operator: "applicant", ...terms });
  if (!asLicense.success) {
    throw new DomainError(
      "BAD_REQUEST",
      `invalid application: ${describeIssues(asLicense.error.issues, "(application)")}`,
    );
  }
  return parsed.data;
}

/** One change and its audit events (several for a final approval) committed together. */
function recorded<T>(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  work: (tx: SqlExecutor) => Promise<{ result: T; events: AuditEvent[] }>,
): Promise<T> {
  return store.transaction(async (tx) => {
    const { result, events } = await work(tx);
    try {
      await audit.appendIn(tx, events);
    } catch (cause) {
      throw new Error(`audit append of ${events.map((e) => e.type).join(", ")} failed; change rolled back`, {
        cause,
      });
    }
    return result;
  });
}

async function lockedApplication(tx: SqlExecutor, id: string): Promise<ApplicationRecord | null> {
  const rows = await tx.query<ApplicationRow>(
    `SELECT ${COLUMNS} FROM applications WHERE id = $1${sqlDialect.forUpdate(tx.dialect)}`,
    [id],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

const notFound = (id: string) => new DomainError("NOT_FOUND", `no application ${id}`);

/** Whether `actor` may see `record`: its operator, a holder of one of its datasets, the bureau, auditors. */
async function visibleTo(store: Read, actor: Actor, record: ApplicationRecord): Promise<boolean> {
  switch (actor.role) {
    case "operator":
      return record.operator === actor.id;
    case "holder": {
      const held = new Set(await datasetsHeldBy(store, actor.organization));
      return namesOf(record.document).some((name) => held.has(name));
    }
    default:
      return true;
  }
}

const hoursLater = (from: Date, hours: number) => new Date(from.getTime() + hours * 3_600_000).toISOString();

function event(
  type: string,
  actor: string,
  record: ApplicationRecord,
  data: Record<string, unknown>,
  license?: string,
): AuditEvent {
  return {
    type,
    actor,
    subject: {
      operator: record.operator,
      datasets: namesOf(record.document),
      ...(license === undefined ? {} : { license }),
    },
    data: { application: record.id, ...data },
  };
}

async function tell(
  tx: SqlExecutor,
  recipients: Recipients,
  kind: NotificationKind,
  record: Pick<ApplicationRecord, "id">,
  message: string,
  license?: string,
): Promise<void> {
  await notify(tx, recipients, {
    kind,
    subject: { application: record.id, ...(license === undefined ? {} : { license }) },
    message,
  });
}

/**
 * Records a new application (a first one, or an amendment of `amends`) in the caller's transaction,
 * checked like the license it asks for, and notifies whoever acts first.
 */
async function insertApplication(
  tx: SqlExecutor,
  actor: Actor,
  document: ApplicationDocument,
  settings: ApplicationSettings,
  amends: string | null,
): Promise<{ record: ApplicationRecord; event: AuditEvent }> {
  const id = `app_${randomUUID()}`;
  // The same checks a license grant makes (operator active and approved for the purpose, datasets
  // and columns in the catalog, ε for grade 3/4), on the license this application would become.
  await assertLicenseGrantable(tx, licenseFrom(document, actor.id, id));
  const facts = await catalogFacts(tx);
  const guarded = guardedOf(document, facts);
  const status: ApplicationStatus = guarded.length > 0 ? "awaiting_consent" : "awaiting_approval";
  const now = new Date();
  const policyVersions = versionsOf(document, facts);
  await tx.run(
    `INSERT INTO applications (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7, $8, $7)`,
    [
      id,
      actor.id,
      status,
      JSON.stringify(document),
      JSON.stringify(policyVersions),
      amends,
      now.toISOString(),
      hoursLater(now, settings.ttlHours),
    ],
  );
  const record = (await lockedApplication(tx, id))!;
  const amending = amends === null ? "" : ` (amends ${amends})`;
  if (status === "awaiting_consent") {
    await tell(
      tx,
      { holdersOf: guarded },
      "application.awaiting_consent",
      record,
      `application ${id}${amending} by operator ${actor.id} awaits the holder's consent for ${guarded.join(", ")}`,
    );
  } else {
    await tell(
      tx,
      { roles: ["bureau"] },
      "application.awaiting_approval",
      record,
      `application ${id}${amending} by operator ${actor.id} awaits the bureau's approval`,
    );
  }
  return {
    record,
    event: event("application.submitted", actor.id, record, {
      status,
      amends,
      policyVersions,
      document,
    }),
  };
}

/** An application with its decisions, read in `store` (the caller's transaction, after a change). */
async function detailIn(store: Read, id: string): Promise<ApplicationDetail> {
  const rows = await store.query<ApplicationRow>(`SELECT ${COLUMNS} FROM applications WHERE id = $1`, [id]);
  if (!rows[0]) throw notFound(id);
  return detailOf(toRecord(rows[0]), await decisionsOf(store, id), await catalogFacts(store));
}

/** Submits an application for a license (operator). */
export async function submitApplication(
  store: Store,
  audit: AuditSink,
  actor: Actor,
  document: unknown,
  settings: ApplicationSettings,
): Promise<ApplicationDetail> {
  requireActor(actor, ["operator"], "apply for a license");
  const valid = parseDocument(document);
  return recorded(store, audit, async (tx) => {
    const { record, event: submitted } = await insertApplication(tx, actor, valid, settings, null);
    return { result: await detailIn(tx, record.id), events: [submitted] };
  });
}

/**
 * An application to change, its row locked, for the actor who may act on it: another operator's,
 * or one not touching a holder's datasets, answers like a missing one.
 */
async function applicationFor(tx: SqlExecutor, actor: Actor, id: string): Promise<ApplicationRecord> {
  const record = await lockedApplication(tx, id);
  if (!record || !(await visibleTo(tx, actor, record))) throw notFound(id);
  return record;
}

function assertPending(record: ApplicationRecord, action: string): void {
  if (!PENDING.includes(record.status)) {
    throw new DomainError(
      "CONFLICT",
      `application ${record.id} is ${record.status}: only an application awaiting consent or approval can be ${action}`,
    );
  }
}

async function setStatus(
  tx: SqlExecutor,
  id: string,
  status: ApplicationStatus,
  change: { reason?: string | null; licenseId?: string; expiresAt?: string } = {},
): Promise<void> {
  const now = new Date().toISOString();
  await tx.run(
    `UPDATE applications SET status = $2, status_reason = COALESCE($3, status_reason),
       license_id = COALESCE($4, license_id), expires_at = COALESCE($5, expires_at), updated_at = $6
     WHERE id = $1`,
    [id, status, change.reason ?? null, change.licenseId ?? null, change.expiresAt ?? null, now],
  );
}

/** Withdraws a pending application (its operator). */
export async function withdrawApplication(
  store: Store,
  audit: AuditSink,
  actor: Actor,
  id: string,
  reason?: string,
): Promise<ApplicationDetail> {
  requireActor(actor, ["operator"], "withdraw an application");
  await expireApplications(store, audit);
  return recorded(store, audit, async (tx) => {
    const record = await applicationFor(tx, actor, id);
    assertPending(record, "withdrawn");
    await setStatus(tx, id, "withdrawn", { reason: reason ?? "withdrawn by the operator" });
    const facts = await catalogFacts(tx);
    await tell(
      tx,
      {
        holdersOf: guardedOf(record.document, facts),
        ...(record.status === "awaiting_approval" ? { roles: ["bureau"] as const } : {}),
        except: actor.id,
      },
      "application.decided",
      record,
      `application ${id} was withdrawn by its operator`,
    );
    return {
      result: await detailIn(tx, id),
      events: [
        event("application.withdrawn", actor.id, record, {
          before: record.status,
          status: "withdrawn",
          reason: reason ?? null,
          policyVersions: versionsOf(record.document, facts),
        }),
      ],
    };
  });
}

/**
 * Amends an application (its operator): a new application whose `amends` is the old one, decided
 * afresh from the start. A pending application is superseded at once. An approved one keeps its
 * license as it is until the amendment is approved, which then amends that license.
 */
export async function amendApplication(
  store: Store,
  audit: AuditSink,
  actor: Actor,
  id: string,
  document: unknown,
  settings: ApplicationSettings,
): Promise<ApplicationDetail> {
  requireActor(actor, ["operator"], "amend an application");
  const valid = parseDocument(document);
  await expireApplications(store, audit);
  return recorded(store, audit, async (tx) => {
    const old = await applicationFor(tx, actor, id);
    if (!PENDING.includes(old.status) && old.status !== "approved") {
      throw new DomainError(
        "CONFLICT",
        `application ${id} is ${old.status}: only a pending or approved application can be amended; submit a new one`,
      );
    }
    if (old.status === "approved") {
      const open = await tx.query<{ id: string }>(
        "SELECT id FROM applications WHERE amends = $1 AND status IN ('awaiting_consent', 'awaiting_approval')",
        [id],
      );
      if (open[0]) {
        throw new DomainError(
          "CONFLICT",
          `application ${id} already has a pending amendment ${open[0].id}: amend or withdraw that one`,
        );
      }
      const license = old.licenseId === null ? null : await findLicense(tx, old.licenseId);
      if (!license || license.status === "revoked" || license.status === "expired") {
        throw new DomainError(
          "CONFLICT",
          `the license of application ${id} is ${license?.status ?? "gone"}: submit a new application`,
        );
      }
    }
    const { record, event: submitted } = await insertApplication(tx, actor, valid, settings, id);
    const events = [submitted];
    if (old.status !== "approved") {
      await setStatus(tx, id, "superseded", { reason: `amended by ${record.id}` });
      events.push(
        event("application.withdrawn", actor.id, old, {
          before: old.status,
          status: "superseded",
          supersededBy: record.id,
          policyVersions: record.policyVersions,
        }),
      );
    }
    return { result: await detailIn(tx, record.id), events };
  });
}

/**
 * A holder's consent or refusal for one grade 3/4 dataset of an application it holds. A refusal
 * (with its reason) refuses the application; the last consent passes it to the bureau.
 */
export async function decideConsent(
  store: Store,
  audit: AuditSink,
  actor: Actor,
  id: string,
  input: ConsentDecision,
  settings: ApplicationSettings,
): Promise<ApplicationDetail> {
  requireActor(actor, ["holder"], "consent to or refuse an application");
  const decision = ConsentDecision.parse(input);
  if (decision.decision === "refuse" && !decision.reason) {
    throw new DomainError("BAD_REQUEST", "a refusal needs a reason: say why the data may not be used so");
  }
  await expireApplications(store, audit);
  return recorded(store, audit, async (tx) => {
    const record = await applicationFor(tx, actor, id);
    assertPending(record, "consented to");
    const facts = await catalogFacts(tx);
    const fact = facts.get(decision.dataset);
    if (!namesOf(record.document).includes(decision.dataset) || !fact) {
      throw new DomainError("BAD_REQUEST", `application ${id} does not name dataset ${decision.dataset}`);
    }
    if (fact.department !== actor.organization) {
      throw new DomainError(
        "FORBIDDEN",
        `dataset ${decision.dataset} is held by another department: only its holder decides on it`,
      );
    }
    if (fact.grade < 3) {
      throw new DomainError(
        "BAD_REQUEST",
        `dataset ${decision.dataset} is grade ${fact.grade}: only grade 3 and 4 data need the holder's consent`,
      );
    }
    const decided = (await decisionsOf(tx, id)).find(
      (d) => d.step === "consent" && d.dataset === decision.dataset,
    );
    if (decided) {
      throw new DomainError(
        "CONFLICT",
        `dataset ${decision.dataset} of application ${id} was already decided (${decided.decision}) by ${decided.decider}`,
      );
    }
    const policyVersions = versionsOf(record.document, facts);
    const now = new Date();
    await tx.run(
      `INSERT INTO application_decisions (application_id, step, dataset, decider_id, decision, reason, policy_versions, decided_at)
       VALUES ($1, 'consent', $2, $3, $4, $5, $6, $7)`,
      [
        id,
        decision.dataset,
        actor.id,
        decision.decision,
        decision.reason ?? null,
        JSON.stringify(policyVersions),
        now.toISOString(),
      ],
    );
    const guarded = guardedOf(record.document, facts);
    const data = {
      step: "consent",
      dataset: decision.dataset,
      decision: decision.decision,
      reason: decision.reason ?? null,
      policyVersions,
    };
    if (decision.decision === "refuse") {
      await setStatus(tx, id, "refused", {
        reason: `refused by the holder of ${decision.dataset}: ${decision.reason}`,
      });
      await tell(
        tx,
        { principals: [record.operator], holdersOf: guarded, except: actor.id },
        "application.decided",
        record,
        `application ${id} was refused by the holder of ${decision.dataset}`,
      );
      return {
        result: await detailIn(tx, id),
        events: [event("application.refused", actor.id, record, { ...data, status: "refused" })],
      };
    }
    const detail = await detailIn(tx, id);
    const allIn = detail.awaiting.consents.length === 0;
    // Someone acted: the application has its full time again.
    await setStatus(tx, id, allIn ? "awaiting_approval" : record.status, {
      expiresAt: hoursLater(now, settings.ttlHours),
    });
    if (allIn && record.status === "awaiting_consent") {
      await tell(
        tx,
        { roles: ["bureau"] },
        "application.awaiting_approval",
        record,
        `application ${id} by operator ${record.operator} has every holder's consent and awaits the bureau's approval`,
      );
    }
    return {
      result: await detailIn(tx, id),
      events: [
        event("application.consented", actor.id, record, {
          ...data,
          status: allIn ? "awaiting_approval" : record.status,
        }),
      ],
    };
  });
}

/**
 * A bureau officer's approval or refusal, once every grade 3/4 dataset has its holder's consent.
 * The last approval needed (the second, by another officer, when grade 4 data is named) grants the
 * license built from the application's document alone, in the same transaction.
 */
export async function decideApproval(
  store: Store,
  audit: AuditSink,
  actor: Actor,
  id: string,
  input: ApprovalDecision,
  settings: ApplicationSettings,
): Promise<ApplicationDetail> {
  requireActor(actor, ["bureau"], "approve or refuse an application");
  const decision = ApprovalDecision.parse(input);
  if (decision.decision === "refuse" && !decision.reason) {
    throw new DomainError(
      "BAD_REQUEST",
      "a refusal needs a reason: say what the operator would have to change",
    );
  }
  await expireApplications(store, audit);
  return recorded(store, audit, async (tx) => {
    const record = await applicationFor(tx, actor, id);
    assertPending(record, "approved or refused");
    const before = await detailIn(tx, id);
    if (before.awaiting.consents.length > 0) {
      throw new DomainError(
        "CONFLICT",
        `application ${id} still awaits the holder's consent for ${before.awaiting.consents.join(", ")}: the bureau decides after the holders`,
      );
    }
    const mine = before.decisions.find((d) => d.step === "approval" && d.decider === actor.id);
    if (mine) {
      throw new DomainError(
        "CONFLICT",
        `you already ${mine.decision === "approve" ? "approved" : "refused"} application ${id}: grade 4 data needs the approval of a second, different bureau officer`,
      );
    }
    const facts = await catalogFacts(tx);
    const policyVersions = versionsOf(record.document, facts);
    const now = new Date();
    await tx.run(
      `INSERT INTO application_decisions (application_id, step, dataset, decider_id, decision, reason, policy_versions, decided_at)
       VALUES ($1, 'approval', $2, $3, $4, $5, $6, $7)`,
      [
        id,
        WHOLE_APPLICATION,
        actor.id,
        decision.decision,
        decision.reason ?? null,
        JSON.stringify(policyVersions),
        now.toISOString(),
      ],
    );
    const guarded = guardedOf(record.document, facts);
    const data = {
      step: "approval",
      decision: decision.decision,
      reason: decision.reason ?? null,
      policyVersions,
    };
    if (decision.decision === "refuse") {
      await setStatus(tx, id, "refused", { reason: `refused by the bureau: ${decision.reason}` });
      await tell(
        tx,
        { principals: [record.operator], holdersOf: guarded },
        "application.decided",
        record,
        `application ${id} was refused by the bureau`,
      );
      return {
        result: await detailIn(tx, id),
        events: [event("application.refused", actor.id, record, { ...data, status: "refused" })],
      };
    }
    const approvers = [
      ...before.decisions.filter((d) => d.step === "approval").map((d) => d.decider),
      actor.id,
    ];
    if (before.awaiting.approvals > 1) {
      await setStatus(tx, id, "awaiting_approval", { expiresAt: hoursLater(now, settings.ttlHours) });
      await tell(
        tx,
        { roles: ["bureau"], except: actor.id },
        "application.awaiting_approval",
        record,
        `application ${id} names grade 4 data: approved by ${actor.id}, it awaits a second bureau officer's approval`,
      );
      return {
        result: await detailIn(tx, id),
        events: [
          event("application.approved", actor.id, record, {
            ...data,
            final: false,
            approvers,
            status: "awaiting_approval",
          }),
        ],
      };
    }
    return grantApproved(tx, actor, record, { data, approvers, guarded, policyVersions });
  });
}

/** The last approval: the license exactly as applied for, granted (or amended) with the approval. */
async function grantApproved(
  tx: SqlExecutor,
  actor: Actor,
  record: ApplicationRecord,
  context: {
    data: Record<string, unknown>;
    approvers: string[];
    guarded: string[];
    policyVersions: PolicyVersions;
  },
): Promise<{ result: ApplicationDetail; events: AuditEvent[] }> {
  const amended = record.amends === null ? null : await lockedApplication(tx, record.amends);
  const events: AuditEvent[] = [];
  let licenseId: string;
  if (amended?.status === "approved" && amended.licenseId !== null) {
    // An amendment of an approved application changes the license it granted, under the same id.
    licenseId = amended.licenseId;
    const { before, after } = await amendCheckedLicense(
      tx,
      licenseId,
      licenseFrom(record.document, record.operator, licenseId),
    );
    await setStatus(tx, amended.id, "superseded", { reason: `amended by ${record.id}` });
    events.push(
      event("application.approved", actor.id, record, {
        ...context.data,
        final: true,
        approvers: context.approvers,
        status: "approved",
        license: licenseId,
      }),
      event(
        "license.updated",
        actor.id,
        record,
        {
          action: "amend",
          approvers: context.approvers,
          amends: amended.id,
          policyVersions: context.policyVersions,
          before: before.license,
          after: after.license,
        },
        licenseId,
      ),
    );
  } else {
    licenseId = `lic_${randomUUID()}`;
    const granted = await insertCheckedLicense(tx, licenseFrom(record.document, record.operator, licenseId));
    events.push(
      event("application.approved", actor.id, record, {
        ...context.data,
        final: true,
        approvers: context.approvers,
        status: "approved",
        license: licenseId,
      }),
      event(
        "license.granted",
        actor.id,
        record,
        { approvers: context.approvers, policyVersions: context.policyVersions, after: granted.license },
        licenseId,
      ),
    );
  }
  await setStatus(tx, record.id, "approved", { licenseId });
  await tell(
    tx,
    { principals: [record.operator], holdersOf: context.guarded },
    "application.decided",
    record,
    `application ${record.id} was approved: license ${licenseId} is in force`,
    licenseId,
  );
  return { result: await detailIn(tx, record.id), events };
}

/**
 * Expires pending applications nobody acted on in time (status `expired`, audited as the system's
 * act, the operator notified). Run periodically by the server and before each read or decision,
 * so a late reader never sees an application as pending that is past its time.
 */
export async function expireApplications(
  store: Store,
  audit: AuditSink,
  now: Date = new Date(),
): Promise<number> {
  const due = await store.query<{ id: string }>(
    "SELECT id FROM applications WHERE status IN ('awaiting_consent', 'awaiting_approval') AND expires_at <= $1",
    [now.toISOString()],
  );
  if (due.length === 0) return 0;
  return recorded(store, audit, async (tx) => {
    const events: AuditEvent[] = [];
    const facts = await catalogFacts(tx);
    for (const { id } of due) {
      const record = await lockedApplication(tx, id);
      // Acted on, or expired by another node, since the scan.
      if (!record || !PENDING.includes(record.status) || record.expiresAt > now.toISOString()) continue;
      await setStatus(tx, id, "expired", { reason: "nobody acted on it in time" });
      await tell(
        tx,
        { principals: [record.operator] },
        "application.decided",
        record,
        `application ${id} expired: nobody acted on it before ${record.expiresAt}`,
      );
      events.push(
        event("application.expired", "system", record, {
          before: record.status,
          status: "expired",
          expiresAt: record.expiresAt,
          policyVersions: versionsOf(record.document, facts),
        }),
      );
    }
    return { result: events.length, events };
  });
}

export const ApplicationFilter = z.object({
  status: z.enum(ApplicationStatus).optional(),
  dataset: z.string().min(1).max(100).optional(),
  operator: z.string().min(1).max(100).optional(),
});
export type ApplicationFilter = z.infer<typeof ApplicationFilter>;

/**
 * Applications the actor may see, newest first, a page at a time: an operator its own, a holder
 * those touching its department's datasets, the bureau and auditors all. Every filter is SQL, so a
 * page holds `limit` matching applications.
 */
export async function listApplications(
  store: Store & Pick<SqlStore, "dialect">,
  audit: AuditSink,
  actor: Actor,
  filter: ApplicationFilter = {},
  page: PageRequest = {},
): Promise<Page<ApplicationDetail>> {
  requireActor(actor, ["operator", "holder", "bureau", "auditor"], "read applications");
  await expireApplications(store, audit);
  const params: SqlValue[] = [];
  const where: string[] = [];
  const operator = actor.role === "operator" ? actor.id : filter.operator;
  if (operator !== undefined) {
    params.push(operator);
    where.push(`operator_id = $${params.length}`);
  }
  if (filter.status !== undefined) {
    params.push(filter.status);
    where.push(`status = $${params.length}`);
  }
  const naming = (names: readonly string[]) => {
    if (names.length === 0) return "1 = 0";
    const placeholders = names.map((name) => `$${params.push(name)}`).join(", ");
    return sqlDialect.jsonArrayFieldIn(store.dialect, "document", "datasets", "name", placeholders);
  };
  if (actor.role === "holder") where.push(naming(await datasetsHeldBy(store, actor.organization)));
  if (filter.dataset !== undefined) where.push(naming([filter.dataset]));
  const rows = await keysetPage<ApplicationRow & Record<string, unknown>>(store, {
    list: "applications",
    select: `SELECT ${COLUMNS} FROM applications`,
    where,
    params,
    order: { key: "submitted_at", id: "id", direction: "desc" },
    page,
  });
  const facts = await catalogFacts(store);
  const details: ApplicationDetail[] = [];
  for (const row of rows.items) {
    const record = toRecord(row);
    details.push(detailOf(record, await decisionsOf(store, record.id), facts));
  }
  return { items: details, next: rows.next };
}

/** One application with its decisions; NOT_FOUND when absent or not the actor's to see. */
export async function getApplication(
  store: Store,
  audit: AuditSink,
  actor: Actor,
  id: string,
): Promise<ApplicationDetail> {
  requireActor(actor, ["operator", "holder", "bureau", "auditor"], "read applications");
  await expireApplications(store, audit);
  const detail = await detailIn(store, id);
  if (!(await visibleTo(store, actor, detail))) throw notFound(id);
  return detail;
}
