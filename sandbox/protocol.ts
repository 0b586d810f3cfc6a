import { constants } from "node:buffer";
import { z } from "zod";
import { ErrorCode } from "../policies/errors.ts";
import type { WireBatch } from "./batch-wire.ts";
import { MAX_SQL_BYTES, MAX_SQL_PARAMS, SandboxLimits } from "./limits.ts";
import { LogEntry } from "./result.ts";

/**
 * Messages between the pool (parent) and a worker child process, sent as frames on the worker's
 * message channel (see `frame-channel.ts`). The typed arrays of a query result do not ride on it:
 * their bytes follow on the worker's bulk channel (see `batch-wire.ts`).
 *
 * The parent treats a worker as possibly compromised (it runs untrusted code next to a native
 * addon): it reads no worker message larger than `maxWorkerMessageBytes` allows, parses every one
 * with the schemas below, and anything over the cap or that does not parse ends the worker.
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

/**
 * Room in the isolate's answer beyond the outputs' JSON: its `{"ok":true,"outputs":…}` wrapping,
 * or a failure instead (an error message is cut at 8 Ki characters; JSON escaping at most sextuples it).
 */
const ANSWER_SLACK_CHARS = 64 * 1024;
/**
 * Room in a message besides its one large string: keys, a job id (≤ 200 characters), numbers, a
 * failure (≤ 16 Ki characters), the serializer's tags and lengths. Far more than they ever take.
 */
const MESSAGE_ENVELOPE_BYTES = 64 * 1024;

/**
 * Longest answer, in UTF-16 units, a worker sends in `done`. A UTF-8 byte count is never below the
 * UTF-16 length, so a longer answer certainly holds outputs over `maxOutputBytes`: the worker ends
 * such a job with LIMIT_EXCEEDED itself instead of sending what the parent's cap would refuse.
 */
export function maxAnswerChars(limits: SandboxLimits): number {
  return limits.maxOutputBytes + ANSWER_SLACK_CHARS;
}

/**
 * The parent's cap on one worker message for a job under these limits: the largest message an
 * honest worker sends, plus room for its envelope. `v8.serialize` writes a string in one byte a
 * character (Latin-1) or two (UTF-16), so a string of n UTF-16 units takes at most 2n bytes. The two
 * largest messages are:
 * - `done`, carrying the answer (at most `maxAnswerChars`, and never beyond V8's longest string);
 * - `query`, carrying SQL of at most MAX_SQL_BYTES and MAX_SQL_PARAMS strings of as many characters.
 * With the default limits both come to about 32 MiB, so the cap is 32 MiB + 192 KiB.
 */
export function maxWorkerMessageBytes(limits: SandboxLimits): number {
  const done = 2 * Math.min(maxAnswerChars(limits), constants.MAX_STRING_LENGTH);
  const query = 2 * MAX_SQL_BYTES * (1 + MAX_SQL_PARAMS);
  return Math.max(done, query) + MESSAGE_ENVELOPE_BYTES;
}
