/**
 * The sandbox runtime: operator scripts in fresh isolates inside worker child processes. The
 * gateway's job runner uses `SandboxPool` and implements `QueryPort` (through the policy engine).
 */
export type { BatchColumn, ColumnarBatch, ColumnData } from "./batch.ts";
export { batchBytes, ColumnarBatchSchema } from "./batch.ts";
export { SandboxLimits, type SandboxLimitsInput } from "./limits.ts";
export { OutputColumnName, OutputName, SandboxOutputsSchema } from "./outputs.ts";
export { type SandboxJob, SandboxPool, type SandboxPoolOptions } from "./pool.ts";
export { ScriptLanguage } from "./protocol.ts";
export type { QueryPort, QueryRequest, SqlParam } from "./query-port.ts";
export type {
  LogEntry,
  OutputRow,
  OutputScalar,
  SandboxEvent,
  SandboxFailure,
  SandboxOutputs,
  SandboxResult,
  SandboxUsage,
} from "./result.ts";
