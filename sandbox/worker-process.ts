import { type ChildProcess, spawn } from "node:child_process";
import { Duplex, type Readable, type Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { log } from "../telemetry/log.ts";
import type { ColumnarBatch } from "./batch.ts";
import { encodeBatch } from "./batch-wire.ts";
import { WorkerCgroup } from "./cgroups.ts";
import { containedCommand, SECCOMP_FD, type WorkerContainment, workerContainment } from "./containment.ts";
import { decodeFrame, FrameReader, MESSAGE_CHANNEL_FD, writeFrame } from "./frame-channel.ts";
import { SandboxLimits } from "./limits.ts";
import type { JobSpec, ParentMessage, WorkerMessage } from "./protocol.ts";
import { maxWorkerMessageBytes, WorkerMessage as WorkerMessageSchema } from "./protocol.ts";

/** This module's own form: `.js` when the sandbox runs compiled (`npm run build`), `.ts` otherwise. */
const COMPILED = import.meta.url.endsWith(".js");
const WORKER_ENTRY = fileURLToPath(
  new URL(COMPILED ? "./worker-main.js" : "./worker-main.ts", import.meta.url),
);
/** Beside this module, so workers start the same way under vitest, `npm run dev` or any cwd. */
const TS_LOADER = new URL("./worker-loader.mjs", import.meta.url).href;
/** A TypeScript worker program runs through the loader; a compiled one as plain JavaScript (less memory). */
const loaderFor = (entry: string) => (entry.endsWith(".ts") ? ["--import", TS_LOADER] : []);
/** Enough of the worker's stderr to recognise how it died; the rest is dropped. */
const STDERR_TAIL_CHARS = 4096;
/**
 * How long the worker's stderr may stay open once the worker has exited. An honest worker's ends
 * with it; only a process it started and that escaped its process group can hold it longer.
 */
const STDERR_GRACE_MS = 250;

/** Workers whose process may still run: should this process exit first, they are killed with their groups. */
const running = new Set<WorkerProcess>();
// Synchronous, so it runs on process.exit() and on an uncaught exception too; a worker leaves by
// itself when its message channel closes, but what a compromised one started would not.
process.on("exit", () => {
  for (const worker of running) worker.kill();
});

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
 *
 * A compromised worker can start processes of its own and hand them its pipes. So the worker is
 * the leader of a process group, and it is killed with its whole group; and its end is its exit,
 * not its pipes closing, which a process it left behind could put off forever.
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
  /** Settles once the process is gone and its stderr ended (or its grace ran out), after `onExit`. */
  readonly gone: Promise<void>;
  private markGone: () => void = () => {};
  /** Its memory limit and CPU quota, when the host offers cgroups; removed once it is gone. */
  private readonly cgroup: WorkerCgroup | undefined;

  /**
   * @param entry the worker program; tests start hostile ones.
   * @param containment how the OS contains it (`containment.ts`); by default what the host offers.
   */
  constructor(
    onMessage: (message: WorkerMessage) => void,
    onExit: (exit: WorkerExit) => void,
    entry: string = WORKER_ENTRY,
    containment: WorkerContainment = workerContainment("best-effort"),
  ) {
    const contained = containedCommand(containment, ["--no-node-snapshot", ...loaderFor(entry), entry]);
    this.cgroup = workerCgroup(containment);
    const [command, args] = this.cgroup ? this.cgroup.wrap(...contained) : contained;
    this.child = spawn(command, args, {
      // No environment: nothing the gateway knows (keys, paths, DSNs) is visible to the worker.
      env: {},
      // fd 4, when there is one, carries the seccomp program to bwrap, which closes it once read.
      stdio: ["pipe", "ignore", "pipe", "pipe", ...(containment.seccomp ? (["pipe"] as const) : [])],
      // Its own process group (and session), so that one kill reaches whatever it started as well.
      // Still a child the gateway waits on: not unref'd.
      detached: true,
      ...containment.user,
    });
    const seccompChannel = this.child.stdio[SECCOMP_FD];
    if (containment.seccomp && seccompChannel instanceof Duplex) {
      seccompChannel.on("error", () => {});
      seccompChannel.end(containment.seccomp);
    }
    const channel = this.child.stdio[MESSAGE_CHANNEL_FD];
    if (!this.child.stdin || !(channel instanceof Duplex))
      throw new Error("the sandbox worker has no channels");
    this.channel = channel;
    this.bulk = this.child.stdin;
    running.add(this);
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
    const ended = (code: number | null, signal: NodeJS.Signals | null) => {
      if (this.exited) return;
      this.exited = true;
      running.delete(this);
      // What it started may live on in its group, holding its pipes open. A worker the parent killed
      // had its group killed then, while it still held the group's id.
      if (!this.killed) this.killGroup();
      this.channel.destroy();
      markFailed(new Error("sandbox worker exited before it was ready"));
      // Its last words on stderr tell how it died: they are read up to its end, or for a grace.
      afterEnd(this.child.stderr, STDERR_GRACE_MS, () => {
        onExit({
          code,
          signal,
          outOfMemory:
            /out.of.memory|heap limit|Allocation failed/i.test(this.stderrTail) ||
            this.cgroup?.outOfMemory === true,
          brokeProtocol: this.brokeProtocol,
        });
        // Gone once its cgroup is: a pool closing waits for that before its process exits.
        void (this.cgroup?.remove() ?? Promise.resolve()).then(() => this.markGone());
      });
    };
    this.child.on("exit", ended);
    // A spawn that failed has no "exit", only "error" then "close".
    this.child.on("close", ended);
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

  /**
   * SIGKILL to the worker and its process group: a worker being stopped may be running hostile
   * code; neither it nor what it started gets a chance to react.
   */
  kill(): void {
    if (!this.alive) return;
    this.killed = true;
    this.killGroup();
    // Nothing more it sent is read, nor held: its channel is closed from this side at once.
    this.channel.destroy();
  }

  /**
   * The worker leads its group and, as a session leader, cannot leave it; what it started stays in
   * it unless it left on purpose (setsid), which this cannot reach.
   */
  private killGroup(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // ESRCH: nothing is left in the group. EPERM: all that is left gained privileges (a setuid
      // program) and is beyond the gateway's signals.
    }
  }

  private killForBrokenProtocol(): void {
    this.brokeProtocol = true;
    this.kill();
  }
}

/**
 * A new cgroup for one worker. Made at start, so a host that stops allowing it (a full cgroup
 * tree, a changed delegation) costs the limits, loudly, not the worker.
 */
function workerCgroup(containment: WorkerContainment): WorkerCgroup | undefined {
  if (!containment.cgroups || !containment.resources) return undefined;
  try {
    return new WorkerCgroup(containment.cgroups, containment.resources, containment.user);
  } catch (error) {
    log.warn("SANDBOX WORKER STARTED WITHOUT ITS CGROUP: no memory limit or CPU quota beyond the isolate's", {
      code: (error as NodeJS.ErrnoException).code,
    });
    return undefined;
  }
}

/**
 * Calls `then` once `stream` has ended, or after `graceMs`, and destroys it. A worker's pipe may
 * be held open by a process it started: the gateway lets go of it rather than wait.
 */
function afterEnd(stream: Readable | null, graceMs: number, then: () => void): void {
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    stream?.destroy();
    then();
  };
  // Past the grace, one more turn of the event loop: a loop that was busy runs due timers before
  // it reads the pipes, and the stream may have ended meanwhile.
  const timer = setTimeout(() => setImmediate(finish), graceMs);
  if (!stream || stream.readableEnded || stream.destroyed) finish();
  else {
    stream.once("end", finish);
    stream.once("close", finish);
  }
}
