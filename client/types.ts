/**
 * Names for the wire shapes the client uses, each taken from the types generated from the published
 * contract (`client/schema.ts`, `npm run gen:client`): nothing here restates a shape by hand, so a
 * change to a route's schema reaches the client's types, and `npm run typecheck` finds the callers
 * that no longer fit. Nothing of the server is imported.
 */
import type { components, operations, paths } from "./schema.ts";

export type { components, operations, paths };

type Schemas = components["schemas"];

/** The HTTP methods the API uses, as the generated `paths` name them. */
export type HttpMethod = "get" | "put" | "post" | "delete";

/** Paths that answer a method. */
export type PathsWith<M extends HttpMethod> = {
  [P in keyof paths]: paths[P] extends Record<M, object> ? P : never;
}[keyof paths];

/** The operation at a path and method. */
export type OperationAt<P extends keyof paths, M extends HttpMethod> =
  paths[P] extends Record<M, infer O> ? O : never;

/** The JSON body of an operation's success answer(s) (200, 201 or 202). */
export type AnswerOf<O> = O extends { responses: infer R }
  ? {
      [S in keyof R]: S extends 200 | 201 | 202
        ? R[S] extends { content: { "application/json": infer T } }
          ? T
          : never
        : never;
    }[keyof R]
  : never;

/** The JSON body an operation takes (never when it takes none). */
export type BodyOf<O> = O extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;

/** An operation's query parameters. */
export type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** An operation's path parameters (never when its path has none). */
export type PathParamsOf<O> = O extends { parameters: { path: infer X } } ? X : never;

type Answer<K extends keyof operations> = AnswerOf<operations[K]>;
type Body<K extends keyof operations> = BodyOf<operations[K]>;
type Query<K extends keyof operations> = QueryOf<operations[K]>;
type PathParam<K extends keyof operations, N extends string> = operations[K]["parameters"] extends {
  path: Record<N, infer V>;
}
  ? V
  : never;
type Item<T> = T extends readonly (infer I)[] ? I : never;

/** The problem document every error answers with (RFC 9457 plus `code` and `requestId`). */
export type ProblemDocument = Schemas["Problem"];
/** The stable error codes (`docs/error-codes.md`). */
export type ErrorCode = ProblemDocument["code"];

// ── catalog ──
/** A catalog entry of `GET /v1/datasets`. */
export type DatasetSummary = Schemas["DatasetSummary"];
/** `GET /v1/datasets/{name}`: the manifest in force with its version and the table's row count. */
export type DatasetDetail = Schemas["DatasetDetail"];
/** A policy version's manifest with dummy-data shapes drafted from the data, and a note per column. */
export type DummyDraft = Schemas["DummyDraft"];
export type BoundsDraft = Schemas["BoundsDraft"];
/** A dataset's manifest: schema, column rules, bounds. */
export type DatasetManifest = DatasetDetail["manifest"];
/** What `PUT /v1/datasets/{name}/policy` takes. */
export type ManifestInput = Body<"publishPolicy">;
export type Grade = DatasetManifest["grade"];
/** A data version of a dataset: what was supplied, by whom, its rows and SHA-256, whether it is current. */
export type DataVersion = Schemas["DataVersion"];
/** `GET /v1/datasets/{name}/versions`. */
export type DataVersionList = Schemas["DataVersionList"];
/** The formats a data version may be supplied in. */
export type DataUploadFormat = "parquet" | "csv";
/** A policy version as `PUT /v1/datasets/{name}/policy` answers it when the change is in force. */
export type PolicyVersionDoc = Exclude<Answer<"publishPolicy">, Proposal>;
/** One cell of an output or of dummy data. */
export type Cell = string | number | boolean | null;
/** An output table: rows of scalar cells. */
export type OutputRows = Record<string, Cell>[];
/** Output formats the gateway serves. */
export type OutputFormat = "json" | "csv" | "arrow";

// ── jobs ──
/** A job as its submitter (or the bureau) sees it. */
export type Job = Schemas["Job"];
export type JobStatus = Job["status"];
/** What a job submission carries. */
export type JobSubmission = Body<"submitJob">;
/** What `GET /v1/jobs` filters by. */
export type JobQuery = Query<"listJobs">;
/** A released job's receipt, signed by the domain. */
export type Receipt = Answer<"getJobReceipt">;
/** One server-sent event of a job (`GET /v1/jobs/{id}/events`), as the client parses it. */
export interface JobEvent {
  /** Sequence number (absent on the synthetic final event of an already settled job). */
  readonly id?: number;
  readonly type: "queued" | "running" | "progress" | "query" | "gate" | "finished";
  readonly data: Record<string, unknown>;
}
/** A dry run's report: each query's verdict, rewritten SQL, rules and ε, and the release verdict, on dummy data. */
export type DryRun = Schemas["DryRun"];
/** One query of a dry run. */
export type DryRunQuery = Schemas["DryRunQuery"];

// ── reviews ──
/** A held job in the review queue. */
export type PendingReview = Schemas["PendingReview"];
export type ReviewRecord = Item<Answer<"reviewJob">["reviews"]>;
export type ReviewDecision = Body<"reviewJob">;

// ── licenses, operators, principals ──
/** A license with its status and budget left. */
export type LicenseView = Schemas["LicenseView"];
export type License = LicenseView["license"];
export type LicenseStatus = LicenseView["status"];
/** ε spent and left in the current period for one dataset of a license. */
export type DatasetBudget = Schemas["DatasetBudget"];
/** What `POST /v1/licenses` and `PUT /v1/licenses/{id}` take. */
export type LicenseGrant = Body<"grantLicense">;
export type LicenseAction = PathParam<"changeLicenseStatus", "action">;
export type OperatorDoc = Answer<"getOperator">;
export type OperatorRegistration = Body<"registerOperator">;
export type OperatorStatus = OperatorDoc["status"];
export type OperatorAction = PathParam<"changeOperatorStatus", "action">;
/** Who a key belongs to (`GET /v1/whoami`). */
export type Caller = Schemas["Caller"];
/** An API key as listings show it: its prefix, holder, and the client certificate it is bound to. */
export type ApiKey = Schemas["ApiKey"];
/** A bureau officer's, auditor's or holder department member's account request. */
export type PrincipalRequest = Body<"createPrincipal">;

// ── audit, usage ──
/** One entry of the hash-chained audit log. */
export type AuditEntry = Item<Answer<"listAuditEntries">["entries"]>;
/** Conditions of an audit query (all given ones must hold); `type` may be a family like `output.*`. */
export type AuditQuery = Query<"listAuditEntries">;
/** The server's verification of the whole audit log. */
export type AuditVerification = Answer<"verifyAuditLog">;
/** What `GET /v1/usage` filters by. */
export type UsageQuery = Query<"getUsage">;
/** Metered use per period, operator, license and dataset, priced by tariff. */
export type UsageReport = Answer<"getUsage">;

// ── license applications ──
/** A license application with its decisions timeline (`GET /v1/applications/{id}`). */
export type ApplicationView = Schemas["Application"];
/** What an operator applies for (`POST /v1/applications`). */
export type ApplicationRequest = Body<"submitApplication">;
export type ApplicationStatus = ApplicationView["status"];

// ── inbox, webhooks, alerts ──
/** One notification in the caller's inbox (`GET /v1/inbox`, `GET /v1/inbox/events`). */
export type Notification = Schemas["Notification"];
/** A page of the inbox with its cursors. */
export type InboxPage = Schemas["InboxPage"];
/** What `GET /v1/inbox` filters and pages by. */
export type InboxQuery = Query<"listNotifications">;
/** A registered webhook (its secret is answered only when registered). */
export type Webhook = Schemas["Webhook"];
/** One delivery of a webhook's log. */
export type WebhookDelivery = Schemas["WebhookDelivery"];
/** The notification kinds a webhook may be limited to. */
export type WebhookKind = Item<NonNullable<Body<"registerWebhook">["kinds"]>>;
/** A risk alert (`GET /v1/alerts`); `GET /v1/alerts/{id}` adds the entries behind it as `log`. */
export type Alert = Schemas["Alert"];
export type AlertDetail = Schemas["AlertDetail"];
/** What `GET /v1/alerts` filters by. */
export type AlertQuery = Query<"listAlerts">;

// ── governance: the two-person rule and freezes (docs/two-person-rule.md) ──
/** A proposed change awaiting (or past) a second officer's decision, with its readable diff. */
export type Proposal = Answer<"getProposal">;
export type ProposalKind = Proposal["kind"];
export type ProposalStatus = Proposal["status"];
/** What `POST /v1/proposals` takes: a manifest (`policy`), a tariff (`tariff`) or a freeze to lift (`unfreeze`). */
export type ProposalRequest = Body<"createProposal">;
/** An emergency stop of the domain, a dataset, an operator or a license. */
export type Freeze = Answer<"getFreeze">;
export type FreezeScope = Freeze["scope"];
export type FreezeRequest = Body<"imposeFreeze">;
/** A tariff as the bureau sets it, and a version as listed. */
export type Tariff = Body<"setTariffs">;
export type TariffVersion = Exclude<Answer<"setTariffs">, Proposal>;

// ── public: open data and the registers (docs/open-data.md) ──
/** A grade-1 dataset served without a key. */
export type OpenDataset = Item<Answer<"listOpenDatasets">["datasets"]>;
/** One page of an open dataset's rows. */
export type OpenRowsPage = Answer<"getOpenDatasetRows">;
/** A license as the public register shows it. */
export type RegisteredLicense = Item<Answer<"listRegisteredLicenses">["licenses"]>;
/** A month's usage statistics per dataset. */
export type MonthlyUsage = Answer<"getPublicUsage">;

// ── settlement statements (docs/settlement.md) ──
/** A signed monthly statement: its canonical body, SHA-256 and the domain key's signature. */
export type Statement = Answer<"getStatement">;
/** A statement as listed (`GET /v1/statements`). */
export type StatementSummary = Item<Answer<"listStatements">["statements"]>;
/** What `POST /v1/statements` takes: a month and a party (an operator, or a holder department). */
export type StatementRequest = Body<"issueStatement">;
/** What `GET /v1/statements` filters by. */
export type StatementQuery = Query<"listStatements">;
/** A verification: each check, and (server-side) the figures that differ from a recomputation. */
export type StatementVerification = Answer<"verifyStatement">;

// ── data quality and registries (docs/data-quality.md, docs/registries.md) ──
/** A data quality issue with its steps (`GET /v1/quality-issues/{id}`). */
export type QualityIssue = Answer<"getQualityIssue">;
export type QualityCategory = QualityIssue["category"];
export type QualityIssueStatus = QualityIssue["status"];
/** What `POST /v1/datasets/{name}/issues` takes: never rows, an example query as SQL text at most. */
export type QualityReport = Body<"reportQualityIssue">;
/** A dataset's completeness per column, freshness and issue counts (`GET /v1/datasets/{name}/quality`). */
export type QualitySummary = Answer<"getQualitySummary">;
/** A data-asset registration as it stands, with every revision (`GET /v1/registrations/{dataset}`). */
export type Registration = Answer<"getRegistration">;
export type RegistrationRevision = Item<Answer<"listRegistrations">["registrations"]>;
export type AssetRight = Item<NonNullable<Body<"registerDataAsset">["rights"]>>;
/** What registering a dataset as a data asset takes. */
export type RegistrationRequest = Body<"registerDataAsset">;
/** What amending a registration takes: the dataset, and a note saying why. */
export type RegistrationAmendment = { dataset: string } & Body<"amendRegistration">;
/** A data product (`GET /v1/products`) and what creating one takes. */
export type DataProduct = Answer<"getProduct">;
export type DataProductRequest = Body<"createProduct">;
export type ProductSubscription = Answer<"subscribeToProduct">;

// ── operator credit and evaluation (docs/credit.md) ──
/** An operator's credit record: score, penalty, violations with objections and decisions. */
export type CreditRecord = Answer<"getOperatorCredit">;
/** One violation on a credit record. */
export type Violation = Answer<"recordViolation">;
/** What `POST /v1/operators/{id}/violations` takes: severity, summary, evidence (text and jobs or log positions). */
export type ViolationRequest = Body<"recordViolation">;
/** An officer's decision on an objection. */
export type ObjectionDecision = Body<"decideObjection">;
/** An operator's evaluation for a period (`GET /v1/operators/{id}/evaluation`). */
export type EvaluationReport = Answer<"getOperatorEvaluation">;
/** What an exit did: the operator after it, what was revoked, the settlement of its open period. */
export type ExitOutcome = Answer<"exitOperator">;
