/** API shapes of the settlement statements (see gateway/routes/statements.ts and docs/settlement.md). */

export type PartyKind = "operator" | "holder";

export interface StatementParty {
  kind: PartyKind;
  /** An operator's principal id, or a holder department's name as the catalog gives it. */
  id: string;
}

/** A statement's digest, named by its algorithm: SHA-256, or SM3 in a domain of the `sm` crypto profile. */
export type StatementDigest = { sha256: string } | { sm3: string };

export type ContributionBasis = "rows_scanned" | "even";

/** What an operator owes under one license for one dataset (dataset null: jobs that read none). */
export interface OperatorStatementLine {
  license: string;
  dataset: string | null;
  holder: string | null;
  basis: ContributionBasis;
  jobs: number;
  rowsScanned: number;
  chargeFen: number;
  charge: string;
}

/** What one dataset of a holder department earned from one operator. */
export interface HolderStatementLine {
  dataset: string;
  operator: string;
  basis: ContributionBasis;
  jobs: number;
  rowsScanned: number;
  chargeFen: number;
  charge: string;
}

export interface StatementTotals {
  jobs: number;
  rowsScanned: number;
  chargeFen: number;
  charge: string;
}

interface StatementBodyFields {
  type: "aos.settlement-statement";
  version: 1;
  period: string;
  from: string;
  to: string;
  currency: "CNY";
  tariffVersions: number[];
  /** How many jobs it covers and the digest of their ids. */
  jobs: { count: number } & StatementDigest;
  totals: StatementTotals;
  /** The signing key's fingerprint, `sha256:…` or `sm3:…`. */
  key: string;
}

/** The signed body: an operator's lines or a holder department's. */
export type StatementBody =
  | (StatementBodyFields & { party: { kind: "operator"; id: string }; lines: OperatorStatementLine[] })
  | (StatementBodyFields & { party: { kind: "holder"; id: string }; lines: HolderStatementLine[] });

/** `GET /v1/statements/{id}`: the signed original. */
export type StatementDocument = {
  id: string;
  statement: StatementBody;
  signature: string;
  issuedAt: string;
  issuedBy: string;
} & StatementDigest;

/** A statement in `GET /v1/statements`. */
export type StatementSummary = {
  id: string;
  period: string;
  party: StatementParty;
  chargeFen: number;
  charge: string;
  issuedAt: string;
  issuedBy: string;
} & StatementDigest;

export type StatementCheckName = "shape" | "hash" | "signature" | "key" | "totals" | "recompute" | "log";

/** `POST /v1/statements/{id}/verify`. */
export interface StatementVerification {
  valid: boolean;
  reason?: string;
  checks: { check: StatementCheckName; ok: boolean; detail: string }[];
  differences?: { path: string; issued?: unknown; recomputed?: unknown }[];
}
