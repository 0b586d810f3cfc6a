import ivm from "isolated-vm";
import { batchBytes, type ColumnarBatch } from "./batch.ts";
import {
  MAX_LOG_ENTRY_CHARS,
  MAX_PROGRESS_MESSAGE_CHARS,
  MAX_SQL_BYTES,
  MAX_SQL_PARAMS,
  type SandboxLimits,
} from "./limits.ts";
import type { IsolateReserve } from "./prepared-isolate.ts";
import {
  type DoneMessage,
  type JobSpec,
  maxAnswerChars,
  type ParentMessage,
  type WorkerMessage,
} from "./protocol.ts";
import type { SqlParam } from "./query-port.ts";
import type { SandboxFailure } from "./result.ts";
import { firstImportPosition, prepareScript } from "./script-source.ts";

/** How often CPU time is compared with the limit. An isolate cannot be asked mid-run for more. */
const CPU_CHECK_INTERVAL_MS = 5;
/** Progress notices are coalesced to at most one per interval, so a loop of calls cannot flood the parent. */
const PROGRESS_INTERVAL_MS = 100;

/** The parent's answer to one query, a result's batch rebuilt from its bulk-channel payload. */
export type QueryAnswer =
  | Extract<ParentMessage, { t: "queryResult"; ok: false }>
  | { t: "queryResult"; jobId: string; qid: number; ok: true; batch: ColumnarBatch };

/**
 * One job in one fresh isolate, inside a worker process. It owns the isolate from creation to
 * disposal, enforces the limits it can see (CPU, wall, heap, queries, rows and bytes in, logs),
 * and answers with a `done` message. Data only arrives through `acceptQueryResult`.
 */
export class IsolateJob {
  readonly jobId: string;
  private readonly limits: SandboxLimits;
  private readonly startedAt = performance.now();
  private isolate: ivm.Isolate | undefined;
  /** The isolate's CPU time when the job got it (its preparation is not the job's). */
  private cpuBaseline = 0n;
  private deliverRef: ivm.Reference | undefined;
  private stopFailure: SandboxFailure | undefined;
  /** isolated-vm disposed the isolate for its heap limit during some call (not necessarily `run`'s). */
  private hitMemoryLimit = false;
  private finished = false;
  private cpuMs = 0;
  private heapPeakBytes = 0;
  private queries = 0;
  private rowsIn = 0;
  private bytesIn = 0;
  private logEntries = 0;
  private logBytes = 0;
  private readonly awaitingQueries = new Set<number>();
  private progressTimer: NodeJS.Timeout | undefined;
  private pendingProgress: { fraction: number; message?: string } | undefined;
  private lastProgressAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly spec: JobSpec,
    private readonly send: (message: WorkerMessage) => void,
    private readonly isolates: Pick<IsolateReserve, "take">,
  ) {
    this.jobId = spec.jobId;
    this.limits = spec.limits;
  }

  /** Runs the job to its end; never rejects. Call `dispose` afterwards. */
  async run(): Promise<DoneMessage> {
    try {
      return await this.runInIsolate();
    } catch {
      this.dispose();
      return this.done(null, sandboxCrash("the sandbox failed while running the job"));
    }
  }

  private async runInIsolate(): Promise<DoneMessage> {
    const source = prepareScript(this.spec.source, this.spec.language, this.limits.scriptBytes);
    if (!source.ok) return this.done(null, source.failure);
    const { code, filename } = source.script;

    const fresh = await this.isolates.take(this.limits.heapMb);
    fresh.bind({ query: this.hostQuery, log: this.hostLog, progress: this.hostProgress });
    const { isolate, context } = fresh;
    this.isolate = isolate;
    this.cpuBaseline = isolate.cpuTime;
    this.deliverRef = fresh.deliver;
    const cpuCheck = setInterval(() => this.checkCpu(), CPU_CHECK_INTERVAL_MS);
    const wallCheck = setTimeout(
      () => this.stop("TIMEOUT", `the job exceeded its wall-clock limit of ${this.limits.wallMs} ms`),
      this.limits.wallMs,
    );
    let scriptResult: string | null = null;
    let failure: SandboxFailure | undefined;
    try {
      const module = await isolate.compileModule(code, { filename });
      if (module.dependencySpecifiers.length > 0) {
        failure = {
          code: "SCRIPT_ERROR",
          class: "SyntaxError",
          message: "imports are not allowed: the script gets everything it may use through ctx",
          source: "sandbox",
          ...firstImportPosition(code),
        };
      } else {
        await module.instantiate(context, () => {
          throw new Error("imports are not allowed");
        });
        await module.evaluate();
        const outputLimits = new ivm.ExternalCopy({
          rows: this.limits.maxOutputRows,
          cells: this.limits.maxOutputCells,
          bytes: this.limits.maxOutputBytes,
        });
        const answer = await fresh.run.apply(
          undefined,
          [module.namespace.derefInto(), outputLimits.copyInto({ release: true }), filename],
          { result: { promise: true } },
        );
        if (typeof answer !== "string") {
          failure = sandboxCrash("the isolate answered with something other than text");
        } else if (answer.length > maxAnswerChars(this.limits)) {
          // The isolate checks the size after each row only (many empty tables slip past); an
          // answer this long cannot be within the limit, and the parent would refuse the message.
          failure = {
            code: "LIMIT_EXCEEDED",
            class: "LimitExceeded",
            message: `outputs exceed ${this.limits.maxOutputBytes} bytes`,
            source: "script",
          };
        } else scriptResult = answer;
      }
    } catch (error) {
      this.noteIsolateError(error);
      failure =
        this.stopFailure ?? failureFromIsolateError(error, filename, this.limits, this.hitMemoryLimit);
    } finally {
      clearInterval(cpuCheck);
      clearTimeout(wallCheck);
    }
    await this.measure();
    // A limit hit while the script was finishing still fails the job: its outputs may be incomplete.
    return this.done(scriptResult, this.stopFailure ?? failure);
  }

  /** Feeds the parent's answer to one query into the isolate. */
  acceptQueryResult(message: QueryAnswer): void {
    if (this.finished || this.stopFailure) return;
    if (!message.ok && message.terminal) {
      this.stop(message.code, message.message);
      return;
    }
    if (!this.awaitingQueries.delete(message.qid)) return;
    if (!message.ok) {
      this.deliver(
        message.qid,
        false,
        new ivm.ExternalCopy({ code: message.code, message: message.message }),
      );
      return;
    }
    const { batch } = message;
    this.rowsIn += batch.rowCount;
    this.bytesIn += batchBytes(batch);
    if (this.rowsIn > this.limits.maxRowsIn) {
      this.stop("LIMIT_EXCEEDED", `queries returned more than ${this.limits.maxRowsIn} rows`);
      return;
    }
    if (this.bytesIn > this.limits.maxBytesIn) {
      this.stop("LIMIT_EXCEEDED", `queries returned more than ${this.limits.maxBytesIn} bytes`);
      return;
    }
    let payload: ivm.ExternalCopy;
    try {
      payload = transferableBatch(batch);
    } catch {
      this.stop("SANDBOX_CRASH", "a query result could not be moved into the isolate");
      return;
    }
    this.deliver(message.qid, true, payload);
  }

  /** Ends the job with a failure from outside the script (the parent shutting it down). */
  abort(code: SandboxFailure["code"], message: string): void {
    this.stop(code, message);
  }

  private deliver(qid: number, ok: boolean, payload: ivm.ExternalCopy): void {
    const deliverRef = this.deliverRef;
    if (!deliverRef) return;
    deliverRef.apply(undefined, [qid, ok, payload.copyInto({ release: true, transferIn: true })]).then(
      () => this.sampleHeap(),
      // The isolate was disposed meanwhile, or the script left a promise rejection unhandled in
      // this turn; neither is an error of the host, and the job's outcome reports the first.
      (error: unknown) => this.noteIsolateError(error),
    );
  }

  private noteIsolateError(error: unknown): void {
    if (error instanceof Error && isMemoryLimitDisposal(error.message)) this.hitMemoryLimit = true;
  }

  // Host callbacks: called synchronously from the isolate. They check every argument, never
  // throw (a problem is returned as text and becomes a rejection or TypeError inside the
  // isolate), and never dispose the isolate while it waits on them (`stop` defers that).

  private readonly hostQuery = (qid: unknown, sql: unknown, params: unknown, shape: unknown): string => {
    if (this.stopFailure) return "the job is ending";
    if (typeof qid !== "number" || !Number.isSafeInteger(qid) || qid < 0) return "bad query id";
    if (shape !== "rows" && shape !== "columns") return "bad query shape";
    if (typeof sql !== "string" || Buffer.byteLength(sql, "utf8") > MAX_SQL_BYTES) {
      return `the query must be a string of at most ${MAX_SQL_BYTES} bytes`;
    }
    const checked = checkParams(params);
    if (typeof checked === "string") return checked;
    if (this.queries >= this.limits.maxQueries) {
      this.stop("LIMIT_EXCEEDED", `the job ran more than ${this.limits.maxQueries} queries`);
      return "query limit reached";
    }
    this.queries++;
    this.awaitingQueries.add(qid);
    this.send({ t: "query", jobId: this.jobId, qid, sql, params: checked, shape });
    return "";
  };

  private readonly hostLog = (text: unknown): void => {
    if (this.stopFailure || typeof text !== "string") return;
    const message = text.slice(0, MAX_LOG_ENTRY_CHARS);
    this.logEntries++;
    this.logBytes += Buffer.byteLength(message, "utf8");
    if (this.logEntries > this.limits.maxLogEntries) {
      this.stop("LIMIT_EXCEEDED", `the job wrote more than ${this.limits.maxLogEntries} log entries`);
      return;
    }
    if (this.logBytes > this.limits.maxLogBytes) {
      this.stop("LIMIT_EXCEEDED", `the job logged more than ${this.limits.maxLogBytes} bytes`);
      return;
    }
    const entry = { seq: this.logEntries - 1, atMs: this.elapsedMs(), message };
    this.send({ t: "log", jobId: this.jobId, entry });
  };

  private readonly hostProgress = (fraction: unknown, message: unknown): string => {
    if (typeof fraction !== "number" || !(fraction >= 0 && fraction <= 1)) {
      return "progress must be a number from 0 to 1";
    }
    if (message !== null && (typeof message !== "string" || message.length > MAX_PROGRESS_MESSAGE_CHARS)) {
      return `a progress message must be a string of at most ${MAX_PROGRESS_MESSAGE_CHARS} characters`;
    }
    if (this.stopFailure) return "";
    this.pendingProgress = message === null ? { fraction } : { fraction, message };
    const wait = this.lastProgressAt + PROGRESS_INTERVAL_MS - performance.now();
    if (wait <= 0) this.flushProgress();
    else this.progressTimer ??= setTimeout(() => this.flushProgress(), wait);
    return "";
  };

  private flushProgress(): void {
    this.progressTimer = undefined;
    const progress = this.pendingProgress;
    if (!progress || this.finished) return;
    this.pendingProgress = undefined;
    this.lastProgressAt = performance.now();
    this.send({ t: "progress", jobId: this.jobId, ...progress });
  }

  private checkCpu(): void {
    const isolate = this.isolate;
    if (!isolate || isolate.isDisposed) return;
    this.cpuMs = Number(isolate.cpuTime - this.cpuBaseline) / 1e6;
    if (this.cpuMs > this.limits.cpuMs) {
      this.stop("TIMEOUT", `the job exceeded its CPU time limit of ${this.limits.cpuMs} ms`);
    }
  }

  /**
   * Ends the job with a failure. Disposing the isolate terminates whatever runs in it (a loop, a
   * microtask chain, a pending await); it is deferred one turn so a host callback the isolate is
   * waiting on returns first.
   */
  private stop(code: SandboxFailure["code"], message: string): void {
    if (this.stopFailure || this.finished) return;
    const cls = code === "TIMEOUT" ? "Timeout" : code === "SANDBOX_CRASH" ? "SandboxCrash" : "LimitExceeded";
    this.stopFailure = { code, class: cls, message, source: "sandbox" };
    this.checkCpu();
    setImmediate(() => {
      if (this.isolate && !this.isolate.isDisposed) this.isolate.dispose();
    });
  }

  /** Heap is sampled when the isolate is idle or about to be: a synchronous read would wait for a running script. */
  private sampleHeap(): Promise<void> {
    const isolate = this.isolate;
    if (!isolate || isolate.isDisposed) return Promise.resolve();
    return isolate.getHeapStatistics().then(
      (heap) => {
        const used = Math.max(heap.used_heap_size, heap.total_heap_size) + heap.externally_allocated_size;
        this.heapPeakBytes = Math.max(this.heapPeakBytes, used);
      },
      () => {},
    );
  }

  private async measure(): Promise<void> {
    this.checkCpu();
    await this.sampleHeap();
  }

  /**
   * Frees the isolate once the job's answer is built. The caller does it after sending the answer:
   * nothing of the job runs any more (`run` has returned), and the parent need not wait for it.
   */
  dispose(): void {
    if (this.isolate && !this.isolate.isDisposed) this.isolate.dispose();
    this.deliverRef = undefined;
  }

  private done(scriptResult: string | null, failure: SandboxFailure | undefined): DoneMessage {
    clearTimeout(this.progressTimer);
    // The last progress of a job is its most useful one: it is sent, not dropped by the coalescing.
    this.flushProgress();
    this.finished = true;
    return {
      t: "done",
      jobId: this.jobId,
      scriptResult: failure ? null : scriptResult,
      failure: failure ?? null,
      cpuMs: this.cpuMs,
      heapPeakBytes: this.heapPeakBytes,
    };
  }

  private elapsedMs(): number {
    return Math.round((performance.now() - this.startedAt) * 1000) / 1000;
  }
}

function checkParams(params: unknown): SqlParam[] | string {
  if (!Array.isArray(params) || params.length > MAX_SQL_PARAMS) {
    return `query parameters must be an array of at most ${MAX_SQL_PARAMS} values`;
  }
  const checked: SqlParam[] = [];
  for (const value of params) {
    const ok =
      value === null ||
      typeof value === "boolean" ||
      (typeof value === "number" && Number.isFinite(value)) ||
      (typeof value === "string" && value.length <= MAX_SQL_BYTES);
    if (!ok) return "query parameters must be strings, finite numbers, booleans or null";
    checked.push(value as SqlParam);
  }
  return checked;
}

/**
 * The batch as one ExternalCopy whose buffers are transferred, not copied: numeric columns move
 * into the isolate in constant time, strings as one string per column.
 */
function transferableBatch(batch: ColumnarBatch): ivm.ExternalCopy {
  const buffers: ArrayBuffer[] = [];
  const owned = <T extends Float64Array | BigInt64Array | Uint8Array | Uint32Array>(view: T): T => {
    const alone = viewAloneOnItsBuffer(view);
    buffers.push(alone.buffer as ArrayBuffer);
    return alone;
  };
  // The SQL type goes in too: an output column a script passes through keeps its type.
  const columns = batch.columns.map(({ name, sqlType, data }) => {
    const valid = data.valid ? owned(data.valid) : null;
    if ("offsets" in data)
      return { name, sqlType, kind: data.kind, chars: data.chars, offsets: owned(data.offsets), valid };
    return { name, sqlType, kind: data.kind, values: owned(data.values), valid };
  });
  return new ivm.ExternalCopy({ rowCount: batch.rowCount, columns }, { transferList: buffers });
}

/**
 * A view that is alone on its buffer. Views deserialized from a message can sit in Node's shared buffer
 * pool; transferring such a buffer would detach memory the process still uses, so those are copied.
 */
function viewAloneOnItsBuffer<T extends Float64Array | BigInt64Array | Uint8Array | Uint32Array>(view: T): T {
  if (
    view.byteOffset === 0 &&
    view.buffer.byteLength === view.byteLength &&
    !(view.buffer instanceof SharedArrayBuffer)
  ) {
    return view;
  }
  return view.slice() as T;
}

function sandboxCrash(message: string): SandboxFailure {
  return { code: "SANDBOX_CRASH", class: "SandboxCrash", message, source: "sandbox" };
}

function isMemoryLimitDisposal(message: string): boolean {
  return message.startsWith("Isolate was disposed") && message.includes("memory limit");
}
const POSITION_SUFFIX = /\s*\[(file:\/\/\/script\.(?:js|ts)):(\d+):(\d+)\]$/;

/**
 * Maps an error that isolated-vm raised on the host side (compile error, top-level throw, disposal)
 * to a failure. Only `Error` fields are read: isolated-vm hands the host a copy, not the script's object.
 */
function failureFromIsolateError(
  error: unknown,
  filename: string,
  limits: SandboxLimits,
  hitMemoryLimit: boolean,
): SandboxFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (hitMemoryLimit || isMemoryLimitDisposal(message)) {
    return {
      code: "MEMORY_LIMIT",
      class: "MemoryLimit",
      message: `the job exceeded its heap limit of ${limits.heapMb} MB`,
      source: "sandbox",
    };
  }
  if (message.startsWith("Isolate was disposed"))
    return sandboxCrash("the isolate was disposed during execution");
  const failure: SandboxFailure = {
    code: "SCRIPT_ERROR",
    class: error instanceof Error ? error.name : "Error",
    message,
    source: "script",
  };
  const suffix = POSITION_SUFFIX.exec(message);
  if (suffix) {
    failure.message = message.slice(0, suffix.index);
    failure.line = Number(suffix[2]);
    failure.column = Number(suffix[3]);
    return failure;
  }
  const stack = error instanceof Error && typeof error.stack === "string" ? error.stack : "";
  for (const line of stack.split("\n")) {
    if (!line.includes(`${filename}:`)) continue;
    const position = /:(\d+):(\d+)\)?$/.exec(line);
    if (position) {
      failure.line = Number(position[1]);
      failure.column = Number(position[2]);
      break;
    }
  }
  return failure;
}
