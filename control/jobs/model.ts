import { z } from "zod";
import { ErrorCode } from "../../policies/errors.ts";
import { ObjectId } from "../../policies/ids.ts";
import type { OutputValue, ValueType } from "../../policies/typed-values.ts";

export const JobStatus = z.enum(["queued", "running", "released", "held", "rejected", "failed", "cancelled"]);
export type JobStatus = z.infer<typeof JobStatus>;

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  "released",
  "rejected",
  "failed",
  "cancelled",
]);
/** Statuses after which nothing runs any more (held waits for a person, not for the runner). */
export const SETTLED_STATUSES: ReadonlySet<JobStatus> = new Set([...TERMINAL_STATUSES, "held"]);

export const ScriptLanguage = z.enum(["javascript", "typescript"]);

/** What an operator submits. */
export const JobSubmission = z
  .object({
    script: z.string().min(1),
    license: ObjectId,
    purpose: z.string().min(1).max(500).optional(),
    language: ScriptLanguage.default("javascript"),
  })
  .strict();
export type JobSubmission = z.infer<typeof JobSubmission>;

/**
 * Why a job failed, as the operator may see it. For a tainted job the message is withheld
 * (class and line only) until review: it could carry row-level data.
 */
export const JobError = z.object({
  code: ErrorCode,
  class: z.string(),
  message: z.string().nullable(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
});
export type JobError = z.infer<typeof JobError>;

/** A machine-readable reason of the release gate: located by output, row and column, never a value. */
export const GateReason = z.object({
  code: z.string(),
  detail: z.string(),
  output: z.string().optional(),
  row: z.number().int().optional(),
  column: z.string().optional(),
});

export const GateDecision = z.object({
  outcome: z.enum(["released", "held", "rejected"]),
  reasons: z.array(GateReason),
  tainted: z.boolean(),
  reviewsRequired: z.number().int().min(0),
});
export type GateDecision = z.infer<typeof GateDecision>;

export const JobUsage = z.object({
  cpuMs: z.number(),
  wallMs: z.number(),
  heapPeakBytes: z.number(),
  queries: z.number().int(),
  rowsIn: z.number().int(),
  bytesIn: z.number().int(),
  outputRows: z.number().int(),
  outputCells: z.number().int(),
  /**
   * Rows of the tables each query read, summed over queries: DuckDB scans whole tables for the
   * aggregates the engine runs, so this is the volume of data a job used.
   */
  rowsScanned: z.number().int(),
  /**
   * `rowsScanned` split by dataset: the rows of each dataset's table its queries read (a join counts
   * each table it reads). A dataset's contribution to the job, by which settlement shares the
   * job's charge (docs/settlement.md). Absent on jobs run before it was recorded: those split evenly.
   */
  rowsScannedByDataset: z.record(z.string(), z.number().int().nonnegative()).optional(),
  /** Datasets the job's queries touched: the holders its charges are attributed to. */
  datasets: z.array(z.string()),
  epsilon: z.record(z.string(), z.number()),
});
export type JobUsage = z.infer<typeof JobUsage>;

/** A release receipt: base64url canonical claims and the domain key's signature (Ed25519 or SM2) over them. */
export const Receipt = z.object({ payload: z.string(), signature: z.string() });
export type Receipt = z.infer<typeof Receipt>;

/** A released cell in its JSON form (policies/typed-values.ts `OutputValue`: lists are arrays). */
export type OutputCell = OutputValue;
export type OutputTable = Record<string, OutputCell>[];
/** Per column of an output, its type: what JSON, CSV and Arrow render from. */
export type OutputColumnTypes = Record<string, ValueType>;

/** How precise a released noisy figure is (policies/accuracy.ts; docs/accuracy.md). */
export const FigureAccuracy = z.object({
  /** Scale of the discrete Laplace noise added; null for a mean (a ratio of two noisy figures). */
  scale: z.number().nullable(),
  /** Half-width of the 95% interval around the figure. */
  ci95: z.number(),
  /**
   * The bounds the figure was computed under (policies/accuracy.ts `FigureBounds`), which move it
   * off the true value beyond the noise where the data exceed them: values clamped into
   * `values`, at most `rowsPerUnit` rows of a unit, at most `unitTotal` of a unit over the query,
   * a unit in one group only. Absent where none applies.
   */
  bounded: z
    .object({
      values: z.tuple([z.number(), z.number()]).optional(),
      rowsPerUnit: z.number().optional(),
      unitTotal: z.number().optional(),
      oneGroupPerUnit: z.literal(true).optional(),
    })
    .optional(),
});
/** Per column of an output that holds noisy figures: one entry per row, null where a cell is not one. */
export const OutputAccuracy = z.record(z.string(), z.array(FigureAccuracy.nullable()));
export type OutputAccuracy = z.infer<typeof OutputAccuracy>;

/** What the job produced, kept in the control plane until (and after) release. */
export interface JobProducts {
  readonly outputs: Record<string, OutputTable>;
  /** Per output, the accuracy of the noisy figures it passes on (absent when it holds none). */
  readonly accuracy?: Record<string, OutputAccuracy>;
  /** Per output, its column types; absent on jobs released before outputs were typed (inferred then). */
  readonly types?: Record<string, OutputColumnTypes>;
  readonly logs: readonly string[];
  /** The unredacted error, for reviewers of a tainted job. */
  readonly error?: JobError & { message: string | null };
}

/** A job as stored. */
export interface JobRecord {
  readonly id: string;
  readonly operatorId: string;
  readonly licenseId: string;
  readonly purpose: string;
  readonly language: "javascript" | "typescript";
  readonly script: string;
  readonly scriptSha256: string;
  readonly idempotencyKey: string | null;
  readonly status: JobStatus;
  readonly submittedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly policyVersions: Record<string, number> | null;
  readonly decision: GateDecision | null;
  readonly products: JobProducts | null;
  readonly error: JobError | null;
  readonly usage: JobUsage | null;
  readonly receipt: Receipt | null;
}
