/** The API shapes the console reads (see gateway/routes/*.ts; the OpenAPI document is the reference). */
export type Grade = 1 | 2 | 3 | 4;
export type ColumnRule = "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
export type JobStatus = "queued" | "running" | "released" | "held" | "rejected" | "failed" | "cancelled";
export type Cell = string | number | boolean | null;
export type OutputTable = Record<string, Cell>[];

/**
 * How precise a noisy figure is: the noise's scale (null for a mean), the 95% half-width, and the
 * bounds it was computed under (which can move it beyond the noise: policies/accuracy.ts).
 */
export interface FigureAccuracy {
  scale: number | null;
  ci95: number;
  bounded?: {
    values?: [number, number];
    rowsPerUnit?: number;
    unitTotal?: number;
    oneGroupPerUnit?: true;
  };
}
/** Per column of an output, one entry per row; null where a cell is exact or computed by the script. */
export type OutputAccuracy = Record<string, (FigureAccuracy | null)[]>;

export interface DatasetSummary {
  name: string;
  title: string;
  description: string;
  holder: { department: string };
  grade: Grade;
  updateFrequency: string;
  policyVersion: number;
  columns: number;
  openQualityIssues: number;
}

export interface ColumnManifest {
  name: string;
  type: string;
  meaning: string;
  rule: ColumnRule;
  unit?: string;
  identifier?: string;
}

export interface DatasetDetail {
  manifest: {
    name: string;
    title: string;
    description: string;
    holder: { department: string };
    grade: Grade;
    updateFrequency: string;
    privacyUnit: string | null;
    minGroupSize?: number;
    columns: ColumnManifest[];
  };
  policyVersion: number;
  effectiveFrom: string;
  rows: number | null;
}

export interface GateReason {
  code: string;
  detail: string;
  output?: string;
  row?: number;
  column?: string;
}

export interface Job {
  id: string;
  status: JobStatus;
  license: string;
  purpose: string;
  language: string;
  scriptSha256: string;
  /** Not part of the job view today; shown when the API provides it. */
  script?: string;
  submittedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  decision: { outcome: string; reasons: GateReason[]; tainted: boolean; reviewsRequired: number } | null;
  outputs?: Record<string, OutputTable>;
  accuracy?: Record<string, OutputAccuracy>;
  logs?: string[];
  error?: { code: string; class: string; message: string | null; line?: number };
  usage: { queries: number; rowsScanned: number; wallMs: number; outputCells: number } | null;
  receipt?: { payload: string; signature: string };
}

export interface LicenseView {
  license: {
    id: string;
    purpose: string;
    validFrom: string;
    validTo: string;
    datasets: { name: string; epsilon?: { perQuery: number; total: number; period: string } }[];
    releaseMode: string;
  };
  status: string;
  budget: { dataset: string; period: string; total: number; spent: number; left: number }[];
}

export interface Review {
  reviewer: string;
  decision: "approve" | "reject";
  comment: string;
  decidedAt: string;
}

export interface PendingReview {
  job: Job;
  operator: { id: string; organization: string };
  reviewsRequired: number;
  reviews: Review[];
  /** The script whose outputs are held, and the queries it made as the log recorded them. */
  script?: string;
  language?: string;
  queries?: ReviewedQuery[];
}

/** A held job's query with the engine's verdict (`query.checked` in the log). */
export interface ReviewedQuery {
  index: number;
  sql: string;
  verdict: {
    kind: string;
    datasets: string[];
    rewrites: string[];
    epsilonCharged: number;
    rowsReturned: number;
  } | null;
  error: { code: string; message?: string | null } | null;
}

export interface QueryEvent {
  index: number;
  ok: boolean;
  /** The query's SQL, where the log's record of it is shown. */
  sql?: string;
  code?: string;
  detail?: string;
  kind?: string;
  datasets?: string[];
  rewrites?: string[];
  epsilonCharged?: number;
  rows?: number;
}

export interface Proposal {
  id: string;
  kind: string;
  subject: string;
  status: string;
  proposer: string;
  reason: string;
  effectiveAt: string | null;
  createdAt: string;
  diff: {
    loosens: boolean;
    changes: { kind: string; path: string; effect: "tightens" | "neutral" | "loosens"; line: string }[];
  };
}

export interface DataVersion {
  version: number;
  format: string;
  sha256: string;
  rows: number;
  bytes: number;
  suppliedBy: string;
  suppliedAt: string;
  note: string | null;
  current: boolean;
}

export interface Application {
  id: string;
  operator: string;
  status: string;
  document: { datasets: { name: string }[]; purpose: string; scenario: string };
  submittedAt: string;
  expiresAt: string;
  awaiting: { consents: string[]; approvals: number };
}

export interface AuditEntry {
  position: number;
  time: string;
  type: string;
  actor: string;
  subjects: Record<string, unknown>;
  data: Record<string, unknown>;
  hash: string;
}

export interface AuditVerification {
  valid: boolean;
  entries: number;
  firstBad?: number;
  lastCheckpoint?: { position: number; hash: string; time: string } | null;
  head?: { position: number; hash: string; time: string } | null;
}

/* Operator area: the dry run (POST /v1/jobs/explain, gateway/routes/explain.ts). */
export interface DryRunQuery {
  index: number;
  sql: string;
  verdict: "allowed" | "refused";
  code?: string;
  message?: string;
  kind: "open" | "row" | "aggregate" | null;
  datasets: string[];
  rules: { dataset: string; column: string; rule: string; clause: string }[];
  rewrites: string[];
  rewrittenSql: string | null;
  epsilon: number;
  epsilonCost: number;
  answeredFromRecord: boolean;
  tainted: boolean;
  requiresReview: boolean;
  rows: number;
}

export interface DryRun {
  license: string;
  scriptSha256: string;
  dummyRows: number;
  status: "released" | "held" | "rejected" | "failed";
  queries: DryRunQuery[];
  release: {
    outcome: "released" | "held" | "rejected";
    reasons: GateReason[];
    tainted: boolean;
    reviewsRequired: number;
    outputs: { name: string; rows: number }[];
  };
  dummyOutputs: Record<string, OutputTable>;
  logs: string[];
  error?: { code: string; class: string; message: string; line?: number };
  epsilon: Record<string, number>;
  budget: { dataset: string; period: string; total: number; spent: number; left: number }[];
}
