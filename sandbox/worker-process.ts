import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { Duplex, type Writable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ColumnarBatch } from "./batch.ts";
import { encodeBatch } from "./batch-wire.ts";
import { decodeFrame, FrameReader, MESSAGE_CHANNEL_FD, writeFrame } from "./frame-channel.ts";
import { SandboxLimits } from "./limits.ts";
import type { JobSpec, ParentMessage, WorkerMessage } from "./protocol.ts";
import { maxWorkerMessageBytes, WorkerMessage as WorkerMessageSchema } from "./protocol.ts";

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
  /** The parent killed it for a message over the cap or malformed: it is presumed compromised. */
  brokeProtocol: boolean;
}

/**
 * One sandbox worker child process, seen from the parent. It forwards parsed messages and reports
 * its exit once; a message over the cap, or one that does not parse, is treated as coming from a
 * compromised worker and kills it.
 *
 * Messages go both ways as frames on the message channel, a socket on the child's fd 3 (see
 * `frame-channel.ts`). There is no Node IPC channel at all, though only the worker's direction
 * needed a cap: while an IPC channel is open, Node reads whatever the worker writes to it, in full,
 * so it cannot be kept for the parent's messages alone. The worker's stdout stays unused: anything
 * in the worker that printed to it would corrupt a framed stream.
 *
 * The child's stdin is the bulk channel: a socket that carries the raw bytes of query results'
 * typed arrays, one copy into the kernel and one out, where serialization would copy them several
 * times. It runs one way: the parent never reads it, so nothing the worker writes there is ever
 * parsed or buffered here beyond the kernel's socket buffer.
 */
export class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly channel: Duplex;
  /** Until the first job: the cap of a job under the default limits (only `ready` is expected). */
  private readonly reader = new FrameReader(maxWorkerMessageBytes(SandboxLimits.parse({})));
  private readonly bulk: Writable;
  private stderrTail = "";
  private exited = false;
  /** Killed, perhaps not yet gone: it gets no more messages and no more jobs. */
  private killed = false;
  private brokeProtocol = false;
  private isReadyFlag = false;
  readonly ready: Promise<void>;
  /** Settles once the process is gone (after stderr is drained). */
  readonly gone: Promise<void>;
  private markGone: () => void = () => {};

  /** @param entry the worker program; tests start hostile ones. */
  constructor(
    onMessage: (message: WorkerMessage) => void,
    onExit: (exit: WorkerExit) => void,
    entry: string = WORKER_ENTRY,
  ) {
    this.child = spawn(process.execPath, ["--no-node-snapshot", "--import", TSX_LOADER, entry], {
      // No environment: nothing the gateway knows (keys, paths, DSNs) is visible to the worker.
      env: {},
      stdio: ["pipe", "ignore", "pipe", "pipe"],
    });
    const channel = this.child.stdio[MESSAGE_CHANNEL_FD];
    if (!this.child.stdin || !(channel instanceof Duplex))
      throw new Error("the sandbox worker has no channels");
    this.channel = channel;
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
    this.channel.on("data", (chunk: Buffer) => {
      if (!this.alive) return;
      let frames: Buffer[];
      try {
        frames = this.reader.push(chunk);
      } catch {
        this.killForBrokenProtocol();
        return;
      }
      for (const frame of frames) {
        let raw: unknown;
        try {
          raw = decodeFrame(frame);
        } catch {
          this.killForBrokenProtocol();
          return;
        }
        const parsed = WorkerMessageSchema.safeParse(raw);
        if (!parsed.success) {
          this.killForBrokenProtocol();
          return;
        }
        if (parsed.data.t === "ready") markReady();
        else onMessage(parsed.data);
        // Its job may have ended it meanwhile: nothing more it sent is looked at.
        if (!this.alive) return;
      }
    });
    // A write fails once the worker is gone (EPIPE); the exit handler ends its job.
    this.channel.on("error", () => this.kill());
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
        brokeProtocol: this.brokeProtocol,
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

  /** Starts a job; until the next, the worker's messages may be as large as this job's limits allow. */
  run(job: JobSpec): void {
    this.reader.maxFrameBytes = maxWorkerMessageBytes(job.limits);
    this.send({ t: "run", job });
  }

  send(message: ParentMessage): void {
    if (!this.alive || !this.channel.writable) return;
    writeFrame(this.channel, message);
  }

  /**
   * A query's result: the message on the message channel, then the bytes of its typed arrays on the bulk channel,
   * so the worker pairs them by order. The views are written as they are, without a copy; the
   * socket holds them until the kernel took them, or until the worker is gone.
   */
  sendQueryResult(jobId: string, qid: number, batch: ColumnarBatch): void {
    if (!this.alive || !this.channel.writable) return;
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
    // Nothing more it sent is read, nor held: its channel is closed from this side at once.
    this.channel.destroy();
  }

  private killForBrokenProtocol(): void {
    this.brokeProtocol = true;
    this.kill();
  }
}
