import { z } from "zod";
import { Timestamp } from "./timestamp.ts";

/**
 * The shape of a settlement statement (docs/settlement.md) and the checks of its figures that need
 * nothing but the document: the server issues statements (control/settlement.ts), and anyone, the
 * installed CLI included, verifies one offline (audit/statement-signature.ts).
 */

/**
 * How a job's use was divided between the datasets it read: by the rows of each it scanned, or
 * evenly when it scanned nothing attributable (or ran before rows were recorded per dataset).
 */
export const ContributionBasis = z.enum(["rows_scanned", "even"]);
export type ContributionBasis = z.infer<typeof ContributionBasis>;

/** Fen as CNY text: `formatFen(1234)` is "12.34", `formatFen(-5)` is "-0.05". */
export function formatFen(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError("an amount in fen is a whole number");
  const abs = Math.abs(fen);
  return `${fen < 0 ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** A calendar month, `YYYY-MM`. */
export const StatementPeriod = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "a calendar month as YYYY-MM");
export const PartyKind = z.enum(["operator", "holder"]);
export type PartyKind = z.infer<typeof PartyKind>;
/** Who a statement is for: an operator by principal id, a holder department by its name in the catalog. */
export const StatementParty = z.strictObject({ kind: PartyKind, id: z.string().trim().min(1).max(300) });
export type StatementParty = z.infer<typeof StatementParty>;

export const StatementRequest = z.strictObject({ period: StatementPeriod, party: StatementParty });
export type StatementRequest = z.infer<typeof StatementRequest>;

const Count = z.number().int().nonnegative();
const Fen = z.number().int();
const Cny = z.string().regex(/^-?\d+\.\d{2}$/);
/** A 256-bit digest in lowercase hex: SHA-256 or SM3, as the field's name says. */
const Digest = z.string().regex(/^[0-9a-f]{64}$/);
const Base64Url = z.string().regex(/^[A-Za-z0-9_-]+$/);

/** What an operator owes under one license for one dataset (null: jobs that read no dataset). */
export const OperatorStatementLine = z.strictObject({
  license: z.string(),
  dataset: z.string().nullable(),
  holder: z.string().nullable(),
  basis: ContributionBasis,
  jobs: Count,
  rowsScanned: Count,
  chargeFen: Fen,
  charge: Cny,
});
export type OperatorStatementLine = z.infer<typeof OperatorStatementLine>;

/** What one dataset of a holder department earned from one operator. */
export const HolderStatementLine = z.strictObject({
  dataset: z.string(),
  operator: z.string(),
  basis: ContributionBasis,
  jobs: Count,
  rowsScanned: Count,
  chargeFen: Fen,
  charge: Cny,
});
export type HolderStatementLine = z.infer<typeof HolderStatementLine>;

const StatementTotals = z.strictObject({ jobs: Count, rowsScanned: Count, chargeFen: Fen, charge: Cny });

/** What a statement body says it is. */
export const STATEMENT_BODY_TYPE = "aos.settlement-statement";
const bodyFields = {
  type: z.literal(STATEMENT_BODY_TYPE),
  version: z.literal(1),
  period: StatementPeriod,
  /** The month's bounds, RFC 3339 UTC: jobs submitted in [from, to). */
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  currency: z.literal("CNY"),
  /** How the figures were made (docs/settlement.md). */
  method: z.strictObject({
    contribution: z.literal("rows_scanned"),
    fallback: z.literal("even"),
    rounding: z.literal("largest_remainder"),
    unit: z.literal("fen"),
  }),
  /** The tariff versions that priced the jobs. */
  tariffVersions: z.array(z.number().int()),
  /**
   * How many jobs the statement covers, and the digest of their ids (sorted, one per line): `sha256`,
   * or `sm3` in a domain of the `sm` crypto profile.
   */
  jobs: z.union([
    z.strictObject({ count: Count, sha256: Digest }),
    z.strictObject({ count: Count, sm3: Digest }),
  ]),
  totals: StatementTotals,
  /** Fingerprint of the signing key (`sha256:` or `sm3:` of its SPKI DER), as receipts carry it. */
  key: z.string().regex(/^(sha256|sm3):[0-9a-f]{64}$/),
};
export const StatementBody = z.union([
  z.strictObject({
    ...bodyFields,
    party: z.strictObject({ kind: z.literal("operator"), id: z.string() }),
    lines: z.array(OperatorStatementLine),
  }),
  z.strictObject({
    ...bodyFields,
    party: z.strictObject({ kind: z.literal("holder"), id: z.string() }),
    lines: z.array(HolderStatementLine),
  }),
]);
export type StatementBody = z.infer<typeof StatementBody>;

/**
 * The algorithms a statement's digests are made with, named as receipts name theirs: `sha256` where
 * the domain key is Ed25519 (the `international` crypto profile), `sm3` where it is SM2 (`sm`).
 */
export const StatementDigestAlgorithm = z.enum(["sha256", "sm3"]);
export type StatementDigestAlgorithm = z.infer<typeof StatementDigestAlgorithm>;

/** A statement's digest under the member that names its algorithm. */
export type StatementDigest = { readonly sha256: string } | { readonly sm3: string };

/** The digest a statement (document, summary or a body's `jobs`) carries, and its algorithm. */
export function statementDigestOf(value: StatementDigest): {
  algorithm: StatementDigestAlgorithm;
  hex: string;
} {
  const { sm3 } = value as { sm3?: string };
  return sm3 !== undefined
    ? { algorithm: "sm3", hex: sm3 }
    : { algorithm: "sha256", hex: (value as { sha256: string }).sha256 };
}

/** `{ sha256: hex }` or `{ sm3: hex }`. */
export function statementDigest(algorithm: StatementDigestAlgorithm, hex: string): StatementDigest {
  return algorithm === "sm3" ? { sm3: hex } : { sha256: hex };
}

const documentFields = {
  id: z.string(),
  statement: StatementBody,
  signature: Base64Url,
  issuedAt: Timestamp,
  issuedBy: z.string(),
};
/**
 * A statement as handed out: the signed `statement` body, the digest of the body's canonical JSON
 * (`sha256`, or `sm3` in the `sm` profile) and the domain key's signature over it (Ed25519 or SM2),
 * and when and by whom it was issued (not signed: re-issuing gives the same body).
 */
export const StatementDocument = z.union([
  z.strictObject({ ...documentFields, sha256: Digest }),
  z.strictObject({ ...documentFields, sm3: Digest }),
]);
export type StatementDocument = z.infer<typeof StatementDocument>;

const summaryFields = {
  id: z.string(),
  period: z.string(),
  party: StatementParty,
  chargeFen: Fen,
  charge: Cny,
  issuedAt: Timestamp,
  issuedBy: z.string(),
};
/** A statement in a list: who, when, how much, and its digest (`sha256` or `sm3`). */
export const StatementSummary = z.union([
  z.object({ ...summaryFields, sha256: Digest }),
  z.object({ ...summaryFields, sm3: Digest }),
]);
export type StatementSummary = z.infer<typeof StatementSummary>;

/** One check of a verification, named so a failure says which one failed. */
export const VerificationCheck = z.object({
  check: z.enum(["shape", "hash", "signature", "key", "totals", "recompute", "log"]),
  ok: z.boolean(),
  detail: z.string(),
});
export type VerificationCheck = z.infer<typeof VerificationCheck>;

/** A figure whose issued value differs from the one recomputed from the jobs and tariffs. */
export const FigureDifference = z.object({
  path: z.string(),
  issued: z.unknown(),
  recomputed: z.unknown(),
});

export const StatementVerification = z.object({
  valid: z.boolean(),
  /** The failed checks' details, joined; absent when valid. */
  reason: z.string().optional(),
  checks: z.array(VerificationCheck),
  /** Server-side verification only: figures that differ from a recomputation. */
  differences: z.array(FigureDifference).optional(),
});
export type StatementVerification = z.infer<typeof StatementVerification>;

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** Whether a body's lines add up to its totals, and each amount's CNY text matches its fen. */
export function statementTotalsCheck(body: StatementBody): VerificationCheck {
  const problems: string[] = [];
  const lines = body.lines as readonly { chargeFen: number; charge: string; rowsScanned: number }[];
  lines.forEach((line, i) => {
    if (line.charge !== formatFen(line.chargeFen))
      problems.push(`lines[${i}].charge ${line.charge} is not its chargeFen ${line.chargeFen}`);
  });
  const fen = sum(lines.map((l) => l.chargeFen));
  if (fen !== body.totals.chargeFen)
    problems.push(`the lines add up to ${fen} fen, totals.chargeFen says ${body.totals.chargeFen}`);
  const rows = sum(lines.map((l) => l.rowsScanned));
  if (rows !== body.totals.rowsScanned)
    problems.push(
      `the lines add up to ${rows} rows scanned, totals.rowsScanned says ${body.totals.rowsScanned}`,
    );
  if (body.totals.charge !== formatFen(body.totals.chargeFen))
    problems.push(`totals.charge ${body.totals.charge} is not totals.chargeFen ${body.totals.chargeFen}`);
  if (body.jobs.count !== body.totals.jobs)
    problems.push(`jobs.count ${body.jobs.count} is not totals.jobs ${body.totals.jobs}`);
  return problems.length
    ? { check: "totals", ok: false, detail: problems.join("; ") }
    : { check: "totals", ok: true, detail: "the lines add up to the totals" };
}

/** A verification from its checks: valid when every one passed, the failures joined as the reason. */
export function verificationOf(
  checks: VerificationCheck[],
  differences?: StatementVerification["differences"],
): StatementVerification {
  const failed = checks.filter((c) => !c.ok);
  return {
    valid: failed.length === 0,
    ...(failed.length
      ? { reason: failed.map((c) => `${c.check} check failed: ${c.detail}`).join("; ") }
      : {}),
    checks,
    ...(differences ? { differences } : {}),
  };
}
