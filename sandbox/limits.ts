import { z } from "zod";

const MIB = 1024 * 1024;

/**
 * Per-job limits of a sandbox run. Every field has a safe default, so `SandboxLimits.parse({})`
 * is a valid configuration; a license narrows or widens them within the bounds below.
 *
 * @example
 * const limits = SandboxLimits.parse({ cpuMs: 2_000, maxQueries: 10 });
 */
export const SandboxLimits = z
  .object({
    /** Isolate heap limit in MiB (isolated-vm's `memoryLimit`; ArrayBuffers count against it). */
    heapMb: z.number().int().min(8).max(4096).default(128),
    /** CPU time the isolate may spend on the whole job. */
    cpuMs: z.number().int().min(10).max(3_600_000).default(10_000),
    /** Wall-clock time of the whole job, including time spent awaiting queries. */
    wallMs: z
      .number()
      .int()
      .min(50)
      .max(6 * 3_600_000)
      .default(30_000),
    /** Size of the operator's source in UTF-8 bytes. */
    scriptBytes: z
      .number()
      .int()
      .min(1)
      .max(16 * MIB)
      .default(256 * 1024),
    maxQueries: z.number().int().min(0).max(100_000).default(100),
    /** Rows returned into the isolate, summed over all queries. */
    maxRowsIn: z.number().int().min(0).max(1e9).default(1_000_000),
    /** Bytes returned into the isolate (see `batchBytes`), summed over all queries. */
    maxBytesIn: z
      .number()
      .int()
      .min(0)
      .max(64 * 1024 * MIB)
      .default(64 * MIB),
    maxOutputRows: z.number().int().min(0).max(1e9).default(100_000),
    maxOutputCells: z.number().int().min(0).max(1e10).default(1_000_000),
    /** Size of the outputs serialized as JSON, in UTF-8 bytes. */
    maxOutputBytes: z
      .number()
      .int()
      .min(2)
      .max(4096 * MIB)
      .default(16 * MIB),
    maxLogEntries: z.number().int().min(0).max(1e7).default(1_000),
    /** Sum of the UTF-8 sizes of all log messages. */
    maxLogBytes: z
      .number()
      .int()
      .min(0)
      .max(1024 * MIB)
      .default(64 * 1024),
  })
  .strict();
export type SandboxLimits = z.infer<typeof SandboxLimits>;
/** Limits as a caller may give them: any subset, the rest defaulted. */
export type SandboxLimitsInput = z.input<typeof SandboxLimits>;

/** Longest SQL text a script may send in one call. */
export const MAX_SQL_BYTES = 64 * 1024;
/** Most parameters one query may bind. */
export const MAX_SQL_PARAMS = 256;
/** Longest single log entry; longer entries are cut here (the cut still counts as bytes logged). */
export const MAX_LOG_ENTRY_CHARS = 8 * 1024;
/** Longest progress message. */
export const MAX_PROGRESS_MESSAGE_CHARS = 200;
