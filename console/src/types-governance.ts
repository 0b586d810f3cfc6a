/** API shapes read by the bureau, holder and auditor pages of the governance area (see gateway/routes/*.ts). */
import type { Application, LicenseView } from "./types.ts";

export type PrincipalStatus = "active" | "suspended" | "revoked";

export interface Operator {
  id: string;
  name: string;
  organization: string;
  status: PrincipalStatus;
  statusReason: string | null;
  statusChangedAt: string | null;
  createdAt: string;
  qualification: {
    organization?: string;
    uscc: string;
    certificate: string;
    certificateValidTo?: string;
    approvedPurposes: string[];
    contact: { name: string; phone?: string; email?: string };
  } | null;
}

/** What the bureau sends to admit an operator (`POST /v1/operators`, RegisterOperator). */
export interface RegisterOperator {
  name: string;
  qualification: {
    organization: string;
    uscc: string;
    address?: string;
    contact: { name: string; phone?: string; email?: string };
    certificate: string;
    certificateValidTo?: string;
    approvedPurposes: string[];
  };
}

/** The answer to an admission: the operator and its first API key, whose `key` is shown once. */
export interface RegisteredOperator {
  operator: Operator;
  apiKey: { key: string; prefix: string };
}

export interface BureauLicenseView extends LicenseView {
  license: LicenseView["license"] & { operator: string };
  statusReason: string | null;
  createdAt: string;
  updatedAt: string | null;
}

export interface ApplicationDecision {
  step: "consent" | "approval";
  dataset: string | null;
  decider: string;
  decision: "consent" | "approve" | "refuse";
  reason: string | null;
  decidedAt: string;
}

export interface ApplicationDetail extends Application {
  decisions: ApplicationDecision[];
  licenseId: string | null;
  statusReason: string | null;
}

export type FreezeScope = "domain" | "dataset" | "operator" | "license";

export interface Freeze {
  id: string;
  scope: FreezeScope;
  target: string | null;
  reason: string;
  frozenBy: string;
  frozenAt: string;
  liftedAt: string | null;
  liftedBy: string | null;
  liftProposal: string | null;
  live: boolean;
}

export interface Tariff {
  currency: "CNY";
  perJob: number;
  perCpuSecond: number;
  perQuery: number;
  perEpsilon: number;
  perOutputCell: number;
  perThousandRowsScanned: number;
  datasetMultipliers: Record<string, number>;
  note?: string;
}

export interface TariffVersion {
  version: number;
  tariff: Tariff;
  effectiveFrom: string;
  author: string;
}

export interface UsageLine {
  period: string;
  operator: string;
  license: string;
  dataset: string | null;
  holder: string | null;
  jobs: number;
  sharePpm: number;
  rowsScanned: number;
  queries: number;
  epsilon: number;
  chargeFen: number;
  charge: string;
}

/** One period over all its lines: each job counted once. */
export type PeriodUsage = Omit<UsageLine, "operator" | "license" | "dataset" | "holder">;

export interface UsageReport {
  lines: UsageLine[];
  periods: PeriodUsage[];
  totals: Omit<UsageLine, "period" | "operator" | "license" | "dataset" | "holder">;
}

export interface PolicyVersionInfo {
  dataset: string;
  version: number;
  effectiveFrom: string;
  author: string;
  note: string | null;
}

export interface PolicyChange {
  kind: "added" | "removed" | "changed";
  path: string;
  column?: string;
  before?: unknown;
  after?: unknown;
}

export interface PolicyDiff {
  dataset: string;
  from: number;
  to: number;
  changes: PolicyChange[];
}

export interface Checkpoint {
  position: number;
  hash: string;
  time: string;
  signature: string;
}
