import { z } from "zod";
import type { ErrorCode } from "../policies/errors.ts";
import type { OutputValue, ValueType } from "../policies/typed-values.ts";

/** A scalar cell of an output row. */
export const OutputScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type OutputScalar = z.infer<typeof OutputScalar>;
/** A cell: a scalar or a list (policies/typed-values.ts `OutputValue`). */
export type OutputRow = Record<string, OutputValue>;
/** The candidate outputs of a job: output name → rows. What the release gate decides on. */
export type SandboxOutputs = Record<string, OutputRow[]>;
/** Per output, the type of each column (what JSON, CSV and Arrow render from). */
export type OutputTypes = Record<string, Record<string, ValueType>>;

/** One `ctx.log` call. `message` is script-produced and may carry data: it is gated like outputs. */
export const LogEntry = z.object({
  seq: z.number().int().min(0),
  /** Milliseconds since the job started. */
  atMs: z.number().min(0),
  message: z.string(),
});
export type LogEntry = z.infer<typeof LogEntry>;

/** What a job consumed; attributed to the license, operator and dataset holders by metering. */
export interface SandboxUsage {
  cpuMs: number;
  wallMs: number;
  /**
   * Highest isolate heap plus external (ArrayBuffer) memory observed. Sampled whenever the script
   * yields to the host and at the end, and at least the committed heap size, so it is a floor on
   * the true peak rather than an exact figure.
   */
  heapPeakBytes: number;
  queries: number;
  rowsIn: number;
  bytesIn: number;
  outputRows: number;
  outputCells: number;
  outputBytes: number;
  logEntries: number;
  logBytes: number;
}

/**
 * Why a job failed. `message` is kept apart from `code` because it may carry data (a script's own
 * error text, a column name it chose): the release gate decides whether the operator sees it.
 * `source` says who wrote the message: `sandbox` messages name limits and constructs only;
 * `script` messages are the operator's code speaking and are treated as data.
 */
export interface SandboxFailure {
  code: ErrorCode;
  /** Error class, e.g. `TypeError`, `QueryError`, `OutputError`, `LimitExceeded`. */
  class: string;
  message: string;
  source: "script" | "sandbox";
  /** 1-based position in the operator's own source (TypeScript included), when known. */
  line?: number;
  column?: number;
}

export type SandboxResult =
  | {
      status: "completed";
      outputs: SandboxOutputs;
      /** Absent from results of runs before outputs were typed. */
      types?: OutputTypes;
      logs: LogEntry[];
      usage: SandboxUsage;
    }
  | { status: "failed"; error: SandboxFailure; logs: LogEntry[]; usage: SandboxUsage };

/** Progress, log and query notices of a running job, for the job's event stream. */
export type SandboxEvent =
  | { type: "progress"; jobId: string; fraction: number; message?: string }
  | { type: "log"; jobId: string; entry: LogEntry }
  | {
      type: "query";
      jobId: string;
      index: number;
      shape: "rows" | "columns";
      ok: boolean;
      rows: number;
      bytes: number;
      durationMs: number;
    };
