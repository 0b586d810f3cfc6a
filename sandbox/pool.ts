import { DomainError } from "../policies/errors.ts";
import { type ContainmentReport, type WorkerContainment, workerContainment } from "./containment.ts";
import { JobSession } from "./job-session.ts";
import { SandboxLimits, type SandboxLimitsInput } from "./limits.ts";
import type { ScriptLanguage, WorkerMessage } from "./protocol.ts";
import type { QueryPort } from "./query-port.ts";
import type { SandboxEvent, SandboxResult } from "./result.ts";
import { type WorkerExit, WorkerProcess } from "./worker-process.ts";

/** A job as the gateway hands it to the sandbox. */
export interface SandboxJob {
  jobId: string;
  script: string;
  language: ScriptLanguage;
  /** Omitted fields take the defaults of `SandboxLimits`. */
  limits?: SandboxLimitsInput;
}

export interface SandboxPoolOptions {
  /** Worker processes kept warm; also the number of jobs that run at once. Default 2. */
  size?: number;
  /** A worker is replaced after this many jobs, so nothing a long-lived process accumulates lasts. Default 200. */
  jobsPerWorker?: number;
  /** The worker program, a module path. Default: `worker-main.ts`; tests start hostile workers. */
  workerEntry?: string;
  /** How the OS contains the workers. Default: `workerContainment("best-effort")`, what the host offers. */
  containment?: WorkerContainment;
}

const EMPTY_USAGE = {
  cpuMs: 0,
  wallMs: 0,
  heapPeakBytes: 0,
  queries: 0,
  rowsIn: 0,
  bytesIn: 0,
  outputRows: 0,
  outputCells: 0,
  outputBytes: 0,
  logEntries: 0,
  logBytes: 0,
};

/** Consecutive worker start failures after which waiting jobs fail instead of waiting forever. */
const MAX_START_FAILURES = 3;

interface Slot {
  worker: WorkerProcess;
  session: JobSession | undefined;
  jobsRun: number;
}

interface WaitingJob {
  job: SandboxJob;
  port: QueryPort;
  onEvent: (event: SandboxEvent) => void;
  resolve: (result: SandboxResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs operator scripts in isolates inside worker child processes. Each job gets a fresh isolate;
 * a worker that dies (a heap exhausted past what isolated-vm can stop, a V8 abort) costs only the
 * job it was running: that job fails with `MEMORY_LIMIT` or `SANDBOX_CRASH` and a new worker
 * takes its place, while jobs on other workers go on.
 *
 * @example
 * const pool = new SandboxPool({ size: 2 });
 * const result = await pool.run(
 *   { jobId: "job_1", script: "export default async (ctx) => ({ t: await ctx.sql('SELECT 1 AS x') })", language: "javascript" },
 *   queryPort,
 *   (event) => console.log(event.type),
 * );
 * if (result.status === "completed") console.log(result.outputs.t);
 * await pool.close();
 */
export class SandboxPool {
  private readonly size: number;
  private readonly jobsPerWorker: number;
  private readonly workerEntry: string | undefined;
  private readonly containment: WorkerContainment;
  /** In the order they get jobs: a slot moves to the end when its job ends. */
  private readonly slots = new Set<Slot>();
  private readonly waiting: WaitingJob[] = [];
  private startFailures = 0;
  private closed = false;

  constructor(options: SandboxPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? 2));
    this.jobsPerWorker = Math.max(1, Math.floor(options.jobsPerWorker ?? 200));
    this.workerEntry = options.workerEntry;
    this.containment = options.containment ?? workerContainment("best-effort");
    for (let i = 0; i < this.size; i++) this.startWorker();
  }

  /**
   * Runs one job and resolves with its result; a failed job resolves too (`status: "failed"`).
   * Rejects only for a caller error: invalid limits (`BAD_REQUEST`) or a closed pool (`NOT_READY`).
   */
  run(
    job: SandboxJob,
    port: QueryPort,
    onEvent: (event: SandboxEvent) => void = () => {},
  ): Promise<SandboxResult> {
    if (this.closed) return Promise.reject(new DomainError("NOT_READY", "the sandbox pool is closed"));
    const limits = SandboxLimits.safeParse(job.limits ?? {});
    if (!limits.success) return Promise.reject(new DomainError("BAD_REQUEST", "invalid sandbox limits"));
    return new Promise((resolve, reject) => {
      this.waiting.push({ job: { ...job, limits: limits.data }, port, onEvent, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Cancels a job: a waiting one resolves as failed with CANCELLED without starting, a running one
   * has its worker stopped (see `JobSession.cancel`). Returns false when the pool has no such job.
   */
  cancel(jobId: string): boolean {
    const index = this.waiting.findIndex((w) => w.job.jobId === jobId);
    if (index >= 0) {
      const [waiting] = this.waiting.splice(index, 1);
      waiting!.resolve({
        status: "failed",
        error: { code: "CANCELLED", class: "Cancelled", message: "the job was cancelled", source: "sandbox" },
        logs: [],
        usage: EMPTY_USAGE,
      });
      return true;
    }
    for (const slot of this.slots) {
      if (slot.session?.jobId === jobId) {
        slot.session.cancel();
        return true;
      }
    }
    return false;
  }

  /** The OS containment its workers run in, for `/readyz`: layer names and booleans only. */
  get containmentReport(): ContainmentReport {
    return this.containment.report;
  }

  /** Process ids of the live workers, for operations and tests. */
  get workerPids(): number[] {
    return [...this.slots].flatMap((slot) => (slot.worker.pid === undefined ? [] : [slot.worker.pid]));
  }

  /** Stops accepting jobs, waits for running ones, then stops the workers. Waiting jobs are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.waiting.splice(0)) {
      waiting.reject(new DomainError("NOT_READY", "the sandbox pool closed before the job started"));
    }
    const running = [...this.slots].flatMap((slot) => (slot.session ? [slot.session.result] : []));
    await Promise.allSettled(running);
    const workers = [...this.slots].map((slot) => slot.worker);
    for (const worker of workers) worker.kill();
    await Promise.all(workers.map((worker) => worker.gone));
  }

  private startWorker(): void {
    const slot: Slot = {
      worker: new WorkerProcess(
        (message) => this.onMessage(slot, message),
        (exit) => this.onExit(slot, exit),
        this.workerEntry,
        this.containment,
      ),
      session: undefined,
      jobsRun: 0,
    };
    this.slots.add(slot);
    slot.worker.ready.then(
      () => {
        this.startFailures = 0;
        this.dispatch();
      },
      () => {},
    );
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    const session = slot.session;
    if (!session) return;
    session.handle(message);
  }

  private onExit(slot: Slot, exit: WorkerExit): void {
    this.slots.delete(slot);
    const session = slot.session;
    slot.session = undefined;
    if (session) session.workerExited(exit);
    else if (slot.jobsRun === 0) this.startFailures++;
    if (this.closed) return;
    if (this.startFailures >= MAX_START_FAILURES) {
      for (const waiting of this.waiting.splice(0)) {
        waiting.reject(new DomainError("SANDBOX_CRASH", "no sandbox worker could be started"));
      }
      this.startFailures = 0;
    }
    this.startWorker();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (slot.session || !slot.worker.isReady) continue;
      const next = this.waiting.shift()!;
      this.startJob(slot, next);
    }
  }

  private startJob(slot: Slot, waiting: WaitingJob): void {
    const { job } = waiting;
    const spec = {
      jobId: job.jobId,
      source: job.script,
      language: job.language,
      limits: SandboxLimits.parse(job.limits),
    };
    const session = new JobSession(spec, slot.worker, waiting.port, waiting.onEvent);
    slot.session = session;
    slot.jobsRun++;
    session.result.then((result) => {
      if (slot.session === session) slot.session = undefined;
      // The worker idle longest gets the next job: it has had the most time to prepare its isolate.
      if (this.slots.delete(slot)) this.slots.add(slot);
      waiting.resolve(result);
      // A worker that served its share, that did not end the job itself (the watchdog gave up on
      // it), or that left results unread on its bulk channel is replaced rather than reused: a
      // worker that stopped reading would otherwise have the parent hold every result it is sent.
      if (slot.jobsRun >= this.jobsPerWorker || !session.endedByWorker || slot.worker.bulkBacklog > 0) {
        slot.worker.kill();
      } else this.dispatch();
    });
  }
}
