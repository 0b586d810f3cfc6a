import { z } from "zod";
import { ErrorCode } from "../policies/errors.ts";
import type { WireBatch } from "./batch-wire.ts";
import { SandboxLimits } from "./limits.ts";
import { LogEntry } from "./result.ts";

/**
 * Messages between the pool (parent) and a worker child process, sent over Node IPC with
 * `serialization: "advanced"`. The typed arrays of a query result do not ride on IPC: their bytes
 * follow on the worker's bulk channel (see `batch-wire.ts`).
 *
 * The parent treats a worker as possibly compromised (it runs untrusted code next to a native
 * addon): every message from a worker is parsed with the schemas below, and anything that does not
 * parse ends the worker.
 */

export const ScriptLanguage = z.enum(["javascript", "typescript"]);
export type ScriptLanguage = z.infer<typeof ScriptLanguage>;

export const JobSpec = z.object({
  jobId: z.string().min(1).max(200),
  source: z.string(),
  language: ScriptLanguage,
  limits: SandboxLimits,
});
export type JobSpec = z.infer<typeof JobSpec>;

const SqlParam = z.union([z.string(), z.number().finite(), z.boolean(), z.null()]);

export const FailureSchema = z.object({
  code: ErrorCode,
  class: z.string().max(200),
  message: z.string().max(16_384),
  source: z.enum(["script", "sandbox"]),
  line: z.number().int().positive().optional(),
  column: z.number().int().positive().optional(),
});

/** Worker → parent. */
export const WorkerMessage = z.discriminatedUnion("t", [
  z.object({ t: z.literal("ready") }),
  z.object({
    t: z.literal("query"),
    jobId: z.string(),
    qid: z.number().int().min(0),
    sql: z.string(),
    params: z.array(SqlParam),
    shape: z.enum(["rows", "columns"]),
  }),
  z.object({ t: z.literal("log"), jobId: z.string(), entry: LogEntry }),
  z.object({
    t: z.literal("progress"),
    jobId: z.string(),
    fraction: z.number().min(0).max(1),
    message: z.string().optional(),
  }),
  z.object({
    t: z.literal("done"),
    jobId: z.string(),
    /** The isolate's answer as JSON text, parsed and validated by the parent; null after a failure. */
    scriptResult: z.string().nullable(),
    failure: FailureSchema.nullable(),
    cpuMs: z.number().min(0),
    heapPeakBytes: z.number().min(0),
  }),
]);
export type WorkerMessage = z.infer<typeof WorkerMessage>;
export type DoneMessage = Extract<WorkerMessage, { t: "done" }>;

/** Parent → worker. The worker trusts its parent but still parses `run` (cheap, and catches drift). */
export type ParentMessage =
  | { t: "run"; job: JobSpec }
  | { t: "queryResult"; jobId: string; qid: number; ok: true; batch: WireBatch }
  | {
      t: "queryResult";
      jobId: string;
      qid: number;
      ok: false;
      code: ErrorCode;
      message: string;
      /** The job must end with this error (a limit the parent enforces), not just the query. */
      terminal: boolean;
    };
