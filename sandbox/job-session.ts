import { isDomainError } from "../policies/errors.ts";
import { log } from "../telemetry/log.ts";
import { batchBytes, ColumnarBatchSchema } from "./batch.ts";
import type { SandboxLimits } from "./limits.ts";
import { type OutputStats, validateOutputs } from "./outputs.ts";
import { FailureSchema, type JobSpec, type WorkerMessage } from "./protocol.ts";
import type { QueryPort } from "./query-port.ts";
import type {
  LogEntry,
  OutputTypes,
  SandboxEvent,
  SandboxFailure,
  SandboxOutputs,
  SandboxResult,
  SandboxUsage,
} from "./result.ts";
import type { WorkerExit, WorkerProcess } from "./worker-process.ts";

/** How long past its wall limit a worker may stay silent before the parent kills it. */
const WATCHDOG_GRACE_MS = 2_000;

/** What the isolate's `run` answers, once parsed. Validated: it comes from untrusted code. */
const ScriptAnswer = FailureSchema.partial({ code: true });

/**
 * The parent's side of one job on one worker. The parent holds the data, so it enforces again,
 * independently of the worker, everything that decides how much data leaves the policy engine:
 * query count, rows and bytes in, wall time (by killing the worker), log volume; and it validates
 * the outputs itself.
 */
export class JobSession {
  private readonly startedAt = performance.now();
  private readonly logs: LogEntry[] = [];
  private readonly queriesAbort = new AbortController();
  private readonly watchdog: NodeJS.Timeout;
  private parentFailure: SandboxFailure | undefined;
  private finished = false;
  /** True once the worker itself reported the end of the job, i.e. it is idle and clean again. */
  endedByWorker = false;
  private queries = 0;
  private rowsIn = 0;
  private bytesIn = 0;
  private logBytes = 0;
  readonly result: Promise<SandboxResult>;
  private resolveResult: (result: SandboxResult) => void = () => {};

  constructor(
    private readonly spec: JobSpec,
    private readonly worker: WorkerProcess,
    private readonly port: QueryPort,
    private readonly onEvent: (event: SandboxEvent) => void,
  ) {
    this.result = new Promise((resolve) => {
      this.resolveResult = resolve;
    });
    this.watchdog = setTimeout(() => {
      this.parentFailure ??= sandboxFailure(
        "TIMEOUT",
        "Timeout",
        `the job exceeded its wall-clock limit of ${spec.limits.wallMs} ms`,
      );
      worker.kill();
    }, spec.limits.wallMs + WATCHDOG_GRACE_MS);
    worker.run(spec);
  }

  get limits(): SandboxLimits {
    return this.spec.limits;
  }

  get jobId(): string {
    return this.spec.jobId;
  }

  /**
   * Ends the job at once: its worker is killed (a script in a tight loop listens to nothing else)
   * and the pool starts a fresh one. The job fails with CANCELLED.
   */
  cancel(): void {
    if (this.finished) return;
    this.parentFailure ??= sandboxFailure("CANCELLED", "Cancelled", "the job was cancelled");
    this.queriesAbort.abort();
    this.worker.kill();
  }

  /** A message of this job's worker. Messages of another job id are ignored (a stale job's leftovers). */
  handle(message: WorkerMessage): void {
    if (this.finished || !("jobId" in message) || message.jobId !== this.spec.jobId) return;
    switch (message.t) {
      case "query":
        void this.answerQuery(message);
        return;
      case "log":
        this.acceptLog(message.entry);
        return;
      case "progress":
        this.emit({
          type: "progress",
          jobId: this.spec.jobId,
          fraction: message.fraction,
          ...(message.message === undefined ? {} : { message: message.message }),
        });
        return;
      case "done":
        this.finishFromWorker(message);
        return;
    }
  }

  /** The worker died with this job on it. */
  workerExited(exit: WorkerExit): void {
    if (this.finished) return;
    // What the parent saw, never the worker's own words: it may run hostile code.
    log.warn("the sandbox worker running a job died", {
      jobId: this.spec.jobId,
      exitCode: exit.code,
      signal: exit.signal,
      outOfMemory: exit.outOfMemory,
      brokeProtocol: exit.brokeProtocol,
      stoppedByParent: this.parentFailure?.code,
    });
    const failure =
      this.parentFailure ??
      // First: what the parent saw itself; the worker's last words on stderr are its own to choose.
      (exit.brokeProtocol
        ? sandboxFailure(
            "SANDBOX_CRASH",
            "SandboxCrash",
            "the sandbox worker running the job sent an oversized or malformed message and was stopped",
          )
        : exit.outOfMemory
          ? sandboxFailure(
              "MEMORY_LIMIT",
              "MemoryLimit",
              `the job exhausted its heap (limit ${this.limits.heapMb} MB) and its worker was stopped`,
            )
          : sandboxFailure(
              "SANDBOX_CRASH",
              "SandboxCrash",
              "the sandbox worker running the job stopped unexpectedly",
            ));
    this.finish({ status: "failed", error: failure, logs: this.logs, usage: this.usage(0, 0) });
  }

  private async answerQuery(message: Extract<WorkerMessage, { t: "query" }>): Promise<void> {
    // Once the parent has ended the job, queries already in flight from the worker are not run.
    if (this.parentFailure) return;
    const { qid, shape } = message;
    const index = this.queries++;
    const started = performance.now();
    if (this.queries > this.limits.maxQueries) {
      this.failFromParent("LIMIT_EXCEEDED", `the job ran more than ${this.limits.maxQueries} queries`, qid);
      return;
    }
    try {
      const batch = await this.port.execute({
        jobId: this.spec.jobId,
        sql: message.sql,
        params: message.params,
        shape,
        maxRows: Math.max(0, this.limits.maxRowsIn - this.rowsIn),
        signal: this.queriesAbort.signal,
      });
      if (this.finished) return;
      const checked = ColumnarBatchSchema.safeParse(batch);
      if (!checked.success) throw new Error("the query port returned a malformed batch");
      const bytes = batchBytes(batch);
      this.rowsIn += batch.rowCount;
      this.bytesIn += bytes;
      // Checked here, before anything is sent: data past a limit never reaches the worker.
      if (this.rowsIn > this.limits.maxRowsIn) {
        this.failFromParent(
          "LIMIT_EXCEEDED",
          `queries returned more than ${this.limits.maxRowsIn} rows`,
          qid,
        );
        return;
      }
      if (this.bytesIn > this.limits.maxBytesIn) {
        this.failFromParent(
          "LIMIT_EXCEEDED",
          `queries returned more than ${this.limits.maxBytesIn} bytes`,
          qid,
        );
        return;
      }
      this.worker.sendQueryResult(this.spec.jobId, qid, batch);
      this.emitQuery(index, shape, true, batch.rowCount, bytes, started);
    } catch (error) {
      if (this.finished) return;
      // Only a DomainError's detail is meant for the script; anything else may describe internals.
      const code = isDomainError(error) ? error.code : "INTERNAL";
      const text = isDomainError(error) ? error.detail : "the query failed";
      this.worker.send({
        t: "queryResult",
        jobId: this.spec.jobId,
        qid,
        ok: false,
        code,
        message: text,
        terminal: false,
      });
      this.emitQuery(index, shape, false, 0, 0, started);
    }
  }

  private acceptLog(entry: LogEntry): void {
    this.logBytes += Buffer.byteLength(entry.message, "utf8");
    if (this.logs.length >= this.limits.maxLogEntries || this.logBytes > this.limits.maxLogBytes) {
      this.failFromParent("LIMIT_EXCEEDED", "the job exceeded its log volume");
      return;
    }
    this.logs.push(entry);
    this.emit({ type: "log", jobId: this.spec.jobId, entry });
  }

  /** A limit the parent enforces was hit: the worker is told to end the job with it. */
  private failFromParent(code: SandboxFailure["code"], message: string, qid = -1): void {
    this.parentFailure ??= sandboxFailure(code, "LimitExceeded", message);
    this.queriesAbort.abort();
    this.worker.send({
      t: "queryResult",
      jobId: this.spec.jobId,
      qid,
      ok: false,
      code,
      message,
      terminal: true,
    });
  }

  private finishFromWorker(done: Extract<WorkerMessage, { t: "done" }>): void {
    this.endedByWorker = true;
    const usage = this.usage(done.cpuMs, done.heapPeakBytes);
    const outcome = this.outcome(done);
    if ("failure" in outcome) {
      const error = memoryLimitFromScript(outcome.failure, this.limits);
      this.finish({ status: "failed", error, logs: this.logs, usage });
      return;
    }
    usage.outputRows = outcome.stats.rows;
    usage.outputCells = outcome.stats.cells;
    usage.outputBytes = outcome.stats.bytes;
    this.finish({
      status: "completed",
      outputs: outcome.outputs,
      types: outcome.types,
      logs: this.logs,
      usage,
    });
  }

  /** The parent's own failure first, then the worker's, then the script's answer, validated. */
  private outcome(
    done: Extract<WorkerMessage, { t: "done" }>,
  ): { failure: SandboxFailure } | { outputs: SandboxOutputs; types: OutputTypes; stats: OutputStats } {
    if (this.parentFailure) return { failure: this.parentFailure };
    if (done.failure) return { failure: done.failure };
    const answer = parseScriptAnswer(done.scriptResult);
    if ("failure" in answer) return answer;
    const checked = validateOutputs(answer.outputsJson, this.limits, answer.typesJson);
    return checked.ok ? checked : { failure: checked.failure };
  }

  private finish(result: SandboxResult): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.watchdog);
    this.queriesAbort.abort();
    this.resolveResult(result);
  }

  private usage(cpuMs: number, heapPeakBytes: number): SandboxUsage {
    return {
      cpuMs: round(cpuMs),
      wallMs: round(performance.now() - this.startedAt),
      heapPeakBytes,
      queries: this.queries,
      rowsIn: this.rowsIn,
      bytesIn: this.bytesIn,
      outputRows: 0,
      outputCells: 0,
      outputBytes: 0,
      logEntries: this.logs.length,
      logBytes: this.logBytes,
    };
  }

  private emitQuery(
    index: number,
    shape: "rows" | "columns",
    ok: boolean,
    rows: number,
    bytes: number,
    started: number,
  ): void {
    const durationMs = round(performance.now() - started);
    this.emit({ type: "query", jobId: this.spec.jobId, index, shape, ok, rows, bytes, durationMs });
  }

  /** A listener that throws must not break the job or the pool. */
  private emit(event: SandboxEvent): void {
    try {
      this.onEvent(event);
    } catch (error) {
      log.error("a job event listener failed; the job goes on", {
        jobId: this.spec.jobId,
        event: event.type,
        error,
      });
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function sandboxFailure(code: SandboxFailure["code"], cls: string, message: string): SandboxFailure {
  return { code, class: cls, message, source: "sandbox" };
}

/**
 * Splits the isolate's JSON answer into outputs text or a failure. The answer is untrusted: it is
 * parsed here, and a failure's fields are checked against the failure schema.
 */
function parseScriptAnswer(
  text: string | null,
): { outputsJson: string; typesJson: string } | { failure: SandboxFailure } {
  const malformed = {
    failure: sandboxFailure("SANDBOX_CRASH", "SandboxCrash", "the isolate gave a malformed answer"),
  };
  if (text === null) return malformed;
  // The success answer is built as '{"ok":true,"types":' + types + ',"outputs":' + outputs + '}':
  // slicing avoids parsing the outputs twice. Anything else must parse as a failure.
  const prefix = '{"ok":true,"types":';
  if (text.startsWith(prefix) && text.endsWith("}")) {
    const end = jsonObjectEnd(text, prefix.length);
    const joint = ',"outputs":';
    if (end === undefined || !text.startsWith(joint, end)) return malformed;
    return { typesJson: text.slice(prefix.length, end), outputsJson: text.slice(end + joint.length, -1) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return malformed;
  }
  if (typeof parsed !== "object" || parsed === null || !("error" in parsed)) return malformed;
  const failure = ScriptAnswer.safeParse(parsed.error);
  if (!failure.success) return malformed;
  return { failure: { ...failure.data, code: failure.data.code ?? "SCRIPT_ERROR" } };
}

/** Where the JSON object opening at `start` ends (one past its closing brace), or undefined. */
function jsonObjectEnd(text: string, start: number): number | undefined {
  if (text[start] !== "{") return undefined;
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (ch === "{") depth++;
    else if (ch === "}" && --depth === 0) return i + 1;
  }
  return undefined;
}

/**
 * An ArrayBuffer allocation past the heap limit is refused with a RangeError the script may catch;
 * left uncaught it ends the job, and that job ran out of memory, not into a bug.
 */
function memoryLimitFromScript(failure: SandboxFailure, limits: SandboxLimits): SandboxFailure {
  if (failure.class === "RangeError" && failure.message.startsWith("Array buffer allocation failed")) {
    return sandboxFailure(
      "MEMORY_LIMIT",
      "MemoryLimit",
      `the job exceeded its heap limit of ${limits.heapMb} MB`,
    );
  }
  return failure;
}
