import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import type { Writable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ColumnarBatch } from "./batch.ts";
import { encodeBatch } from "./batch-wire.ts";
import type { ParentMessage, WorkerMessage } from "./protocol.ts";
import { WorkerMessage as WorkerMessageSchema } from "./protocol.ts";

const WORKER_ENTRY = fileURLToPath(new URL("./worker-main.ts", import.meta.url));
/** Resolved from this package, so workers start the same way under vitest, `npm start` or any cwd. */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
/** Enough of the worker's stderr to recognise how it died; the rest is dropped. */
const STDERR_TAIL_CHARS = 4096;

/** How a worker process ended. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The worker (or V8 inside it) reported running out of memory before it died. */
  outOfMemory: boolean;
}

/**
 * One sandbox worker child process, seen from the parent. It forwards parsed messages and reports
 * its exit once; a message that does not parse is treated as a compromised worker and kills it.
 *
 * Besides IPC it has a bulk channel, the child's stdin: a socket that carries the raw bytes of
 * query results' typed arrays, one copy into the kernel and one out, where IPC serialization would
 * copy them several times. It runs one way: the parent never reads it, so nothing the worker
 * writes there is ever parsed or buffered here beyond the kernel's socket buffer.
 */
export class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly bulk: Writable;
  private stderrTail = "";
  private exited = false;
  /** Killed, perhaps not yet gone: it gets no more messages and no more jobs. */
  private killed = false;
  private isReadyFlag = false;
  readonly ready: Promise<void>;
  /** Settles once the process is gone (after stderr is drained). */
  readonly gone: Promise<void>;
  private markGone: () => void = () => {};

  constructor(onMessage: (message: WorkerMessage) => void, onExit: (exit: WorkerExit) => void) {
    this.child = fork(WORKER_ENTRY, [], {
      execPath: process.execPath,
      execArgv: ["--no-node-snapshot", "--import", TSX_LOADER],
      serialization: "advanced",
      // No environment: nothing the gateway knows (keys, paths, DSNs) is visible to the worker.
      env: {},
      stdio: ["pipe", "ignore", "pipe", "ipc"],
    });
    if (!this.child.stdin) throw new Error("the sandbox worker has no bulk channel");
    this.bulk = this.child.stdin;
    // A write fails once the worker is gone (EPIPE); the exit handler ends its job.
    this.bulk.on("error", () => this.kill());
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    let markReady: () => void = () => {};
    let markFailed: (error: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = () => {
        this.isReadyFlag = true;
        resolve();
      };
      markFailed = reject;
    });
    this.gone = new Promise<void>((resolve) => {
      this.markGone = resolve;
    });
    // A rejected `ready` nobody awaits must not become an unhandled rejection.
    this.ready.catch(() => {});
    this.child.on("message", (raw: unknown) => {
      const parsed = WorkerMessageSchema.safeParse(raw);
      if (!parsed.success) {
        this.kill();
        return;
      }
      if (parsed.data.t === "ready") markReady();
      else onMessage(parsed.data);
    });
    this.child.on("error", () => this.kill());
    // "close" comes after stderr is drained, so the tail holds the worker's last words.
    this.child.on("close", (code, signal) => {
      if (this.exited) return;
      this.exited = true;
      markFailed(new Error("sandbox worker exited before it was ready"));
      onExit({
        code,
        signal,
        outOfMemory: /out.of.memory|heap limit|Allocation failed/i.test(this.stderrTail),
      });
      this.markGone();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Started and idle-capable: it said "ready" and has not exited. */
  get isReady(): boolean {
    return this.isReadyFlag && this.alive;
  }

  get alive(): boolean {
    return !this.killed && !this.exited && this.child.exitCode === null && this.child.signalCode === null;
  }

  send(message: ParentMessage): void {
    if (!this.alive || !this.child.connected) return;
    // A failed send means the channel is gone; the exit handler then ends the job.
    this.child.send(message, (error) => {
      if (error) this.kill();
    });
  }

  /**
   * A query's result: the message over IPC, then the bytes of its typed arrays on the bulk channel,
   * so the worker pairs them by order. The views are written as they are, without a copy; the
   * socket holds them until the kernel took them, or until the worker is gone.
   */
  sendQueryResult(jobId: string, qid: number, batch: ColumnarBatch): void {
    if (!this.alive || !this.child.connected) return;
    const { wire, payload } = encodeBatch(batch);
    this.send({ t: "queryResult", jobId, qid, ok: true, batch: wire });
    this.bulk.cork();
    for (const bytes of payload) if (bytes.byteLength > 0) this.bulk.write(bytes);
    this.bulk.uncork();
  }

  /**
   * Result bytes written to the bulk channel that the worker has not taken yet, beyond what the
   * kernel buffers. Zero when a job ends normally: results reach a script in order, so it has read
   * them all unless it ended while one was still arriving.
   */
  get bulkBacklog(): number {
    return this.bulk.writableLength;
  }

  /** SIGKILL: a worker being stopped may be running hostile code; it gets no chance to react. */
  kill(): void {
    if (!this.alive) return;
    this.killed = true;
    this.child.kill("SIGKILL");
  }
}
