/**
 * Wire types of the HTTP API, inferred from the zod schemas the routes validate and document with.
 * Type-only imports: the client carries none of the server's code at run time.
 */
import type { z } from "zod";
import type { AuditEntry } from "../audit/entry.ts";
import type { Receipt } from "../audit/receipt.ts";
import type { AlertQuery as AlertQueryShape, AlertView as AlertViewShape } from "../control/alerts.ts";
import type {
  ApplicationDetail,
  ApplicationDocument as ApplicationDocumentShape,
  ApplicationStatus,
} from "../control/applications.ts";
import type * as CreditShapes from "../control/credit.ts";
import type * as QualityShapes from "../control/data-quality.ts";
import type { DataVersionInfo } from "../control/data-versions.ts";
import type * as EvaluationShapes from "../control/evaluation.ts";
import type {
  FreezeRequest as FreezeRequestShape,
  FreezeScope as FreezeScopeShape,
  Freeze as FreezeShape,
} from "../control/freezes.ts";
import type { PrincipalStatus } from "../control/identity.ts";
import type { InboxPage, NotificationView as NotificationViewShape } from "../control/inbox.ts";
import type { GateDecision, JobError, JobStatus, JobUsage } from "../control/jobs/model.ts";
import type { LicenseAction, LicenseStatus } from "../control/licenses.ts";
import type { UsageQuery as UsageQueryShape, UsageReport } from "../control/metering.ts";
import type {
  MonthlyUsage as MonthlyUsageShape,
  OpenDataset as OpenDatasetShape,
  OpenRowsPage as OpenRowsPageShape,
  RegisteredLicense as RegisteredLicenseShape,
} from "../control/open-data.ts";
import type { Operator, RegisterOperator } from "../control/operators.ts";
import type { PolicyVersionDetail } from "../control/policy-versions.ts";
import type {
  ProposalKind as ProposalKindShape,
  ProposalRequest as ProposalRequestShape,
  Proposal as ProposalShape,
  ProposalStatus as ProposalStatusShape,
} from "../control/proposals.ts";
import type * as RegistryShapes from "../control/registries.ts";
import type {
  StatementDocument,
  StatementQuery as StatementQueryShape,
  StatementRequest as StatementRequestShape,
  StatementSummary as StatementSummaryShape,
  StatementVerification as StatementVerificationShape,
} from "../control/settlement.ts";
import type { TariffInput, TariffVersion as TariffVersionShape } from "../control/tariffs.ts";
import type {
  DeliveryView as DeliveryViewShape,
  WebhookView as WebhookViewShape,
} from "../control/webhooks.ts";
import type * as DryRunShapes from "../gateway/routes/explain.ts";
import type { JobViewSchema } from "../gateway/routes/jobs.ts";
import type { ErrorCode } from "../policies/errors.ts";
import type { License } from "../policies/license.ts";
import type { DatasetManifest, Grade } from "../policies/manifest.ts";

export type {
  AuditEntry,
  DatasetManifest,
  ErrorCode,
  GateDecision,
  Grade,
  JobError,
  JobStatus,
  JobUsage,
  License,
  Receipt,
  UsageReport,
};

/** A job as its submitter (or the bureau) sees it. */
export type Job = z.infer<typeof JobViewSchema>;
/** One cell of an output or of dummy data. */
export type Cell = string | number | boolean | null;
/** An output table: rows of scalar cells. */
export type OutputRows = Record<string, Cell>[];

/** A catalog entry of `GET /v1/datasets`. */
export interface DatasetSummary {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly holder: { readonly department: string };
  readonly grade: Grade;
  readonly updateFrequency: string;
  readonly policyVersion: number;
  readonly columns: number;
}

/** `GET /v1/datasets/{name}`: the manifest in force with its version and the table's row count. */
export interface DatasetDetail {
  readonly manifest: DatasetManifest;
  readonly policyVersion: number;
  readonly effectiveFrom: string;
  readonly rows: number | null;
}

/** ε spent and left in the current period for one dataset of a license. */
export interface DatasetBudget {
  readonly dataset: string;
  readonly period: string;
  readonly total: number;
  readonly spent: number;
  readonly left: number;
}

export type { LicenseAction, LicenseStatus };

/** A license with its status and budget left. */
export interface LicenseView {
  readonly license: License;
  readonly status: LicenseStatus;
  readonly statusReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string | null;
  readonly budget: DatasetBudget[];
}

export type OperatorDoc = z.infer<typeof Operator>;
export type OperatorRegistration = z.input<typeof RegisterOperator>;
export type OperatorStatus = z.infer<typeof PrincipalStatus>;
export type OperatorAction = "suspend" | "reinstate" | "revoke";

/** A held job in the review queue. */
export interface PendingReview {
  readonly job: Job;
  readonly operator: { readonly id: string; readonly organization: string };
  readonly reviewsRequired: number;
  readonly reviews: ReviewRecord[];
}

export interface ReviewRecord {
  readonly reviewer: string;
  readonly decision: "approve" | "reject";
  readonly comment: string;
  readonly decidedAt: string;
}

/** A policy version as `PUT /v1/datasets/{name}/policy` answers it. */
export type PolicyVersionDoc = PolicyVersionDetail;

/** A data version of a dataset: what was supplied, by whom, its rows and SHA-256, whether it is current. */
export type DataVersion = DataVersionInfo;

/** `GET /v1/datasets/{name}/versions`. */
export interface DataVersionList {
  readonly dataset: string;
  readonly current: number | null;
  readonly versions: readonly DataVersion[];
}

/** The formats a data version may be supplied in. */
export type DataUploadFormat = "parquet" | "csv";

/** What a job submission carries. */
export interface JobSubmission {
  readonly script: string;
  readonly license: string;
  readonly purpose?: string;
  readonly language?: "javascript" | "typescript";
}

/** One server-sent event of a job (`GET /v1/jobs/{id}/events`). */
export interface JobEvent {
  /** Sequence number (absent on the synthetic final event of an already settled job). */
  readonly id?: number;
  readonly type: "queued" | "running" | "progress" | "query" | "gate" | "finished";
  readonly data: Record<string, unknown>;
}

/** The problem document every error answers with (RFC 9457 plus `code` and `requestId`). */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly requestId: string;
}

/** Conditions of an audit query (all given ones must hold); `type` may be a family like `output.*`. */
export interface AuditQuery {
  readonly job?: string;
  readonly operator?: string;
  readonly license?: string;
  readonly dataset?: string;
  readonly type?: string;
  readonly from?: string;
  readonly to?: string;
  readonly after?: number;
  readonly limit?: number;
}

/** What `GET /v1/usage` filters by. */
export type UsageQuery = Partial<z.input<typeof UsageQueryShape>>;

/** The server's verification of the whole audit log. */
export interface AuditVerification {
  readonly valid: boolean;
  readonly entries: number;
  readonly firstBad?: { readonly position: number; readonly reason: string };
  readonly lastCheckpoint?: Record<string, unknown>;
  readonly head?: Record<string, unknown>;
}

/** Output formats the gateway serves. */
export type OutputFormat = "json" | "csv" | "arrow";

/** A license application with its decisions timeline (`GET /v1/applications/{id}`). */
export type ApplicationView = ApplicationDetail;
/** What an operator applies for (`POST /v1/applications`). */
export type ApplicationRequest = z.input<typeof ApplicationDocumentShape>;
export type { ApplicationStatus };

/** One notification in the caller's inbox (`GET /v1/inbox`, `GET /v1/inbox/events`). */
export type Notification = NotificationViewShape;
/** A page of the inbox with its cursors. */
export type { InboxPage };
/** What `GET /v1/inbox` filters and pages by. */
export interface InboxQuery {
  readonly after?: number;
  readonly before?: number;
  readonly limit?: number;
  readonly unread?: boolean;
}
/** A registered webhook (its secret is answered only when registered). */
export type Webhook = WebhookViewShape;
/** One delivery of a webhook's log. */
export type WebhookDelivery = DeliveryViewShape;
/** A risk alert (`GET /v1/alerts`); `GET /v1/alerts/{id}` adds the entries behind it as `log`. */
export type Alert = AlertViewShape;
export type AlertDetail = AlertViewShape & { readonly log: AuditEntry[] };
/** What `GET /v1/alerts` filters by. */
export type AlertQuery = Omit<AlertQueryShape, "limit"> & { readonly limit?: number };

// ── governance: the two-person rule and freezes (docs/two-person-rule.md) ──
/** A proposed change awaiting (or past) a second officer's decision, with its readable diff. */
export type Proposal = ProposalShape;
export type ProposalKind = ProposalKindShape;
export type ProposalStatus = ProposalStatusShape;
/** What `POST /v1/proposals` takes: a manifest (`policy`), a tariff (`tariff`) or a freeze to lift (`unfreeze`). */
export type ProposalRequest = ProposalRequestShape;
/** An emergency stop of the domain, a dataset, an operator or a license. */
export type Freeze = FreezeShape;
export type FreezeScope = FreezeScopeShape;
export type FreezeRequest = FreezeRequestShape;
/** A tariff as the bureau sets it, and a version as listed. */
export type Tariff = TariffInput;
export type TariffVersion = TariffVersionShape;

// ── public: open data and the registers (docs/open-data.md) ──
/** A grade-1 dataset served without a key. */
export type OpenDataset = OpenDatasetShape;
/** One page of an open dataset's rows. */
export type OpenRowsPage = OpenRowsPageShape;
/** A license as the public register shows it. */
export type RegisteredLicense = RegisteredLicenseShape;
/** A month's usage statistics per dataset. */
export type MonthlyUsage = MonthlyUsageShape;

// ── settlement statements (docs/settlement.md) ──
/** A signed monthly statement: its canonical body, SHA-256 and the domain key's signature. */
export type Statement = StatementDocument;
/** A statement as listed (`GET /v1/statements`). */
export type StatementSummary = StatementSummaryShape;
/** What `POST /v1/statements` takes: a month and a party (an operator, or a holder department). */
export type StatementRequest = StatementRequestShape;
/** What `GET /v1/statements` filters by. */
export type StatementQuery = Partial<StatementQueryShape>;
/** A verification: each check, and (server-side) the figures that differ from a recomputation. */
export type StatementVerification = StatementVerificationShape;

// ── data quality and registries (docs/data-quality.md, docs/registries.md) ──
/** A data quality issue with its steps (`GET /v1/quality-issues/{id}`). */
export type QualityIssue = z.infer<typeof QualityShapes.QualityIssue>;
export type QualityCategory = z.infer<typeof QualityShapes.QualityCategory>;
export type QualityIssueStatus = z.infer<typeof QualityShapes.QualityIssueStatus>;
/** What `POST /v1/datasets/{name}/issues` takes: never rows, an example query as SQL text at most. */
export type QualityReport = z.input<typeof QualityShapes.QualityReport>;
/** A dataset's completeness per column, freshness and issue counts (`GET /v1/datasets/{name}/quality`). */
export type QualitySummary = z.infer<typeof QualityShapes.QualitySummary>;
/** A data-asset registration as it stands, with every revision (`GET /v1/registrations/{dataset}`). */
export type Registration = z.infer<typeof RegistryShapes.Registration>;
export type RegistrationRevision = z.infer<typeof RegistryShapes.RegistrationRevision>;
export type AssetRight = z.infer<typeof RegistryShapes.AssetRight>;
/** A data product (`GET /v1/products`) and what creating one takes. */
export type DataProduct = z.infer<typeof RegistryShapes.Product>;
export type DataProductRequest = z.infer<typeof RegistryShapes.ProductRequest>;
export type ProductSubscription = z.infer<typeof RegistryShapes.Subscription>;

// ── operator credit and evaluation (docs/credit.md) ──
/** An operator's credit record: score, penalty, violations with objections and decisions. */
export type CreditRecord = z.infer<typeof CreditShapes.CreditRecord>;
/** One violation on a credit record. */
export type Violation = z.infer<typeof CreditShapes.ViolationView>;
/** What `POST /v1/operators/{id}/violations` takes: severity, summary, evidence (text and jobs or log positions). */
export type ViolationRequest = z.input<typeof CreditShapes.ViolationRequest>;
/** An officer's decision on an objection. */
export type ObjectionDecision = z.infer<typeof CreditShapes.ObjectionDecision>;
/** An operator's evaluation for a period (`GET /v1/operators/{id}/evaluation`). */
export type EvaluationReport = z.infer<typeof EvaluationShapes.EvaluationReport>;
/** What an exit did: the operator after it, what was revoked, the settlement of its open period. */
export type ExitOutcome = CreditShapes.ExitOutcome;

// ── dry run (POST /v1/jobs/explain) ──
/** A dry run's report: each query's verdict, rewritten SQL, rules and ε, and the release verdict, on dummy data. */
export type DryRun = z.infer<typeof DryRunShapes.DryRunSchema>;
/** One query of a dry run. */
export type DryRunQuery = z.infer<typeof DryRunShapes.DryRunQuerySchema>;
