import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { existsSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DomainError } from "../policies/errors.ts";
import { type Checkpoint, signCheckpoint } from "./checkpoint.ts";
import {
  type AuditEntry,
  AuditEvent,
  ENTRY_VERSION,
  GENESIS_HASH,
  LEDGER_EVENT_TYPES,
  sealEntry,
} from "./entry.ts";
import { acquireWriterLock, type WriterLock } from "./lock.ts";
import { readLogLines } from "./log-lines.ts";
import { type AuditFilter, queryAuditLog } from "./query.ts";
import { AuditSeekIndex } from "./seek-index.ts";
import { type AuditVerification, type TrustedCheckpoint, verifyAuditLog } from "./verify.ts";

/** The audit log's place in the data folder. */
export function auditLogFile(dataDir: string): string {
  return join(dataDir, "audit.log");
}

export interface AuditLedgerOptions {
  /** The log file, e.g. `auditLogFile(DATA_DIR)`; created (mode 0600) if missing. */
  readonly file: string;
  /** The domain's private key (`loadDomainSigningKey(...).privateKey`): signs checkpoints. */
  readonly privateKey: KeyObject;
  /** A checkpoint is written after this many entries (default 1000). */
  readonly checkpointEvery?: number;
  /** …and at least this often while entries arrive, in ms (default 60 000; 0 turns the timer off). */
  readonly checkpointIntervalMs?: number;
  /** Clock, for tests. Entry times never go backwards even if it does. */
  readonly clock?: () => Date;
}

/**
 * What `openAuditLedger` removed from the end of the log: the bytes of an append a crash cut short
 * (never acknowledged, so no caller acted on them). The ledger records this itself, as the
 * `audit.recovered` entry at `position`, with the hash of the removed bytes.
 */
export interface TailRecovery {
  /** Byte offset where the removed bytes began. */
  readonly offset: number;
  readonly bytes: number;
  readonly sha256: string;
  /** Position of the first entry written after the recovery. */
  readonly position: number;
}

/** Counters for telemetry and for tests of group commit. */
export interface AuditLedgerStats {
  /** Entries appended by callers since open (checkpoints not included). */
  readonly appends: number;
  readonly checkpoints: number;
  /** Batches written: one write and one fdatasync each. */
  readonly syncs: number;
  /** Entries in the log, i.e. the position the next entry gets. */
  readonly entries: number;
  /** Bytes of the log known to be durable. */
  readonly committedBytes: number;
  /** Hash of the last entry (GENESIS_HASH when empty). */
  readonly head: string;
}

/**
 * The append-only, hash-chained audit log of the domain, with one writer per file.
 *
 * Fail-closed: `append` resolves only once its entry is written and fdatasync'd, so a caller that
 * awaits it before releasing an output or applying a change never acts without a durable record.
 * If a write or sync fails, the ledger refuses every later append (the file's state is then
 * unknown, and a failed fsync cannot be retried safely); reopening recovers.
 */
export interface AuditLedger {
  readonly file: string;
  /** Set when open removed a torn last line. */
  readonly recovery: TailRecovery | undefined;
  /**
   * Appends an event and resolves with its entry once durable. Concurrent calls share one write
   * and one fdatasync (group commit). Throws `DomainError("INTERNAL")` for an invalid event (a
   * bug in the caller: the action must not proceed) and `DomainError("NOT_READY")` once closed or
   * after a failed write.
   */
  append(event: AuditEvent): Promise<AuditEntry>;
  /** Writes a signed checkpoint now if any entry follows the last one; resolves once durable. */
  checkpoint(): Promise<Checkpoint | undefined>;
  /** Entries matching the filter, oldest first, from the durable part of the log. */
  query(filter?: AuditFilter): AsyncGenerator<AuditEntry>;
  /** Verifies the durable part of the log (safe while appends continue). */
  verify(trustedCheckpoint?: TrustedCheckpoint): Promise<AuditVerification>;
  stats(): AuditLedgerStats;
  /** Writes a final checkpoint, waits for pending appends, closes the file and releases the lock. */
  close(): Promise<void>;
}

/**
 * Opens (or creates) the audit log for appending. Takes the writer lock, re-reads and verifies the
 * chain to restore the next position and previous hash, and removes a torn last line left by a
 * crash. Refuses to open a log that fails verification anywhere but its tail: appending to it
 * would bury the damage, so an operator must look first.
 *
 * @example
 * const key = await loadDomainSigningKey(dataFolder(dataDir));
 * const ledger = await openAuditLedger({ file: auditLogFile(dataDir), privateKey: key.privateKey });
 * const entry = await ledger.append({ type: "job.submitted", actor: "op_1", subjects: { job: "job_1" }, data: {} });
 * // entry.position is durable now; go ahead.
 * await ledger.close();
 */
export async function openAuditLedger(options: AuditLedgerOptions): Promise<AuditLedger> {
  const lock = await acquireWriterLock(`${options.file}.lock`);
  try {
    const created = !existsSync(options.file);
    const handle = await open(options.file, "a", 0o600);
    try {
      // A new file's directory entry must be durable too, or a crash could lose the whole log.
      if (created) await syncDirectory(dirname(options.file));
      const publicKey = createPublicKey(options.privateKey);
      const state = await restoreState(options.file, handle, publicKey);
      const ledger = new FileAuditLedger(options, handle, lock, state);
      if (state.recovery !== undefined) await ledger.appendInternal("audit.recovered", { ...state.recovery });
      return ledger;
    } catch (error) {
      await handle.close();
      throw error;
    }
  } catch (error) {
    await lock.release();
    throw error;
  }
}

interface RestoredState {
  readonly entries: number;
  readonly head: string;
  readonly lastTime: number;
  readonly sinceCheckpoint: number;
  readonly committedBytes: number;
  readonly index: AuditSeekIndex;
  readonly recovery?: TailRecovery;
}

async function restoreState(file: string, handle: FileHandle, publicKey: KeyObject): Promise<RestoredState> {
  const index = new AuditSeekIndex();
  const result = await verifyAuditLog(file, {
    publicKey,
    onEntry: (entry, line) => index.record(entry.position, Date.parse(entry.time), line.offset),
  });
  const size = (await handle.stat()).size;
  if (!result.valid && !(await onlyDebrisFrom(file, result.verifiedBytes))) {
    const bad = result.firstBad!;
    throw new DomainError(
      "INTERNAL",
      `the audit log fails verification at position ${bad.position}: ${bad.reason}`,
      {
        file,
        firstBad: bad,
      },
    );
  }
  let recovery: TailRecovery | undefined;
  if (result.verifiedBytes < size) {
    const removed = Buffer.alloc(size - result.verifiedBytes);
    await readExactly(file, removed, result.verifiedBytes);
    await handle.truncate(result.verifiedBytes);
    await handle.sync();
    recovery = {
      offset: result.verifiedBytes,
      bytes: removed.length,
      sha256: createHash("sha256").update(removed).digest("hex"),
      position: result.entries,
    };
  }
  const checkpointed = result.lastCheckpoint === undefined ? 0 : result.lastCheckpoint.position + 2;
  return {
    entries: result.entries,
    head: result.head?.hash ?? GENESIS_HASH,
    lastTime: result.head === undefined ? 0 : Date.parse(result.head.time),
    sinceCheckpoint: result.entries - checkpointed,
    committedBytes: result.verifiedBytes,
    index,
    ...(recovery === undefined ? {} : { recovery }),
  };
}

/**
 * True when nothing from `offset` on could be an entry: no complete line that parses as JSON.
 * That is what a crash leaves (a cut line, or zero-filled blocks); a parseable but wrong entry is
 * not debris but damage or tampering.
 */
async function onlyDebrisFrom(file: string, offset: number): Promise<boolean> {
  let seen = 0;
  for await (const line of readLogLines(file)) {
    seen += line.bytes;
    if (seen <= offset || !line.complete) continue;
    try {
      JSON.parse(line.text);
      return false;
    } catch {
      // debris: keep looking
    }
  }
  return true;
}

/** Reads `buffer.length` bytes at `position` (the ledger's own handle is append-only). */
async function readExactly(file: string, buffer: Buffer, position: number): Promise<void> {
  const reader = await open(file, "r");
  try {
    let done = 0;
    while (done < buffer.length) {
      const { bytesRead } = await reader.read(buffer, done, buffer.length - done, position + done);
      if (bytesRead === 0) throw new Error("the audit log shrank while being recovered");
      done += bytesRead;
    }
  } finally {
    await reader.close();
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Appends that share one write and one fdatasync. */
interface Batch {
  readonly lines: string[];
  readonly durable: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const durable = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch holding only a timer's checkpoint has no awaiting caller; its failure is kept in the
  // ledger's state and surfaces on the next append, so it must not crash the process as unhandled.
  durable.catch(() => undefined);
  return { lines: [], durable, resolve, reject };
}

class FileAuditLedger implements AuditLedger {
  readonly file: string;
  readonly recovery: TailRecovery | undefined;
  private readonly privateKey: KeyObject;
  private readonly checkpointEvery: number;
  private readonly clock: () => Date;
  private readonly timer: NodeJS.Timeout | undefined;
  private entries: number;
  private head: string;
  private lastTime: number;
  private sinceCheckpoint: number;
  private committedBytes: number;
  /** Byte length of the log once every enqueued line is written. */
  private endBytes: number;
  private readonly index: AuditSeekIndex;
  private appends = 0;
  private checkpoints = 0;
  private syncs = 0;
  private batch: Batch = newBatch();
  private flushing: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;

  constructor(
    options: AuditLedgerOptions,
    private readonly handle: FileHandle,
    private readonly lock: WriterLock,
    state: RestoredState,
  ) {
    this.file = options.file;
    this.recovery = state.recovery;
    this.privateKey = options.privateKey;
    this.checkpointEvery = options.checkpointEvery ?? 1000;
    this.clock = options.clock ?? (() => new Date());
    this.entries = state.entries;
    this.head = state.head;
    this.lastTime = state.lastTime;
    this.sinceCheckpoint = state.sinceCheckpoint;
    this.committedBytes = state.committedBytes;
    this.endBytes = state.committedBytes;
    this.index = state.index;
    const interval = options.checkpointIntervalMs ?? 60_000;
    if (interval > 0) {
      this.timer = setInterval(() => {
        if (this.writable() && this.sinceCheckpoint > 0) this.enqueueCheckpoint();
      }, interval);
      this.timer.unref();
    }
  }

  async append(event: AuditEvent): Promise<AuditEntry> {
    const parsed = AuditEvent.safeParse(event);
    if (!parsed.success)
      throw new DomainError("INTERNAL", `invalid audit event: ${parsed.error.issues[0]?.message}`);
    if (LEDGER_EVENT_TYPES.has(parsed.data.type)) {
      throw new DomainError("INTERNAL", `audit event type ${parsed.data.type} is written by the ledger only`);
    }
    const { type, actor, subjects = {}, data = {} } = parsed.data;
    const entry = this.enqueue(type, actor, subjects, data);
    this.appends += 1;
    return this.whenDurable(entry);
  }

  /** For the ledger's own bookkeeping entries (recovery). */
  async appendInternal(type: "audit.recovered", data: Record<string, unknown>): Promise<AuditEntry> {
    return this.whenDurable(this.enqueue(type, "system", {}, data));
  }

  async checkpoint(): Promise<Checkpoint | undefined> {
    this.assertWritable();
    if (this.sinceCheckpoint === 0) return undefined;
    const entry = this.enqueueCheckpoint();
    await this.whenDurable(entry);
    return entry.data as Checkpoint;
  }

  query(filter: AuditFilter = {}): AsyncGenerator<AuditEntry> {
    return queryAuditLog(this.file, filter, {
      end: this.committedBytes,
      seek: (valid) => this.index.offsetFor(valid),
    });
  }

  verify(trustedCheckpoint?: TrustedCheckpoint): Promise<AuditVerification> {
    return verifyAuditLog(this.file, {
      publicKey: createPublicKey(this.privateKey),
      end: this.committedBytes,
      ...(trustedCheckpoint === undefined ? {} : { trustedCheckpoint }),
    });
  }

  stats(): AuditLedgerStats {
    return {
      appends: this.appends,
      checkpoints: this.checkpoints,
      syncs: this.syncs,
      entries: this.entries,
      committedBytes: this.committedBytes,
      head: this.head,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.writable() && this.sinceCheckpoint > 0) this.enqueueCheckpoint();
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    try {
      // flushAll never rejects: a failed write is reported to its batch's appends.
      while (this.flushing !== undefined) await this.flushing;
    } finally {
      await this.handle.close();
      await this.lock.release();
    }
  }

  private writable(): boolean {
    return !this.closed && this.failure === undefined;
  }

  private assertWritable(): void {
    if (this.closed) throw new DomainError("NOT_READY", "the audit log is closed");
    if (this.failure !== undefined) {
      throw new DomainError(
        "NOT_READY",
        "the audit log failed a durable write; nothing can be recorded until it is reopened",
      );
    }
  }

  /**
   * Seals the next entry and adds it to the open batch. Synchronous, so position, prev and hash are
   * assigned in call order with no interleaving: the chain is built in memory, and only its
   * durability is asynchronous.
   */
  private enqueue(
    type: string,
    actor: string,
    subjects: AuditEntry["subjects"],
    data: Record<string, unknown>,
    time = this.nextTime(),
  ): AuditEntry {
    this.assertWritable();
    let sealed: ReturnType<typeof sealEntry>;
    try {
      sealed = sealEntry({
        v: ENTRY_VERSION,
        position: this.entries,
        time,
        type,
        actor,
        subjects,
        data,
        prev: this.head,
      });
    } catch (error) {
      throw new DomainError("INTERNAL", `invalid audit event: ${(error as Error).message}`);
    }
    this.batch.lines.push(sealed.line);
    this.index.record(sealed.entry.position, Date.parse(time), this.endBytes);
    this.endBytes += Buffer.byteLength(sealed.line, "utf8");
    this.entries += 1;
    this.head = sealed.entry.hash;
    if (type === "checkpoint") {
      this.sinceCheckpoint = 0;
      this.checkpoints += 1;
    } else {
      this.sinceCheckpoint += 1;
    }
    this.scheduleFlush();
    if (this.sinceCheckpoint >= this.checkpointEvery) this.enqueueCheckpoint();
    return sealed.entry;
  }

  private enqueueCheckpoint(): AuditEntry {
    const time = this.nextTime();
    const checkpoint = signCheckpoint({ position: this.entries - 1, hash: this.head, time }, this.privateKey);
    return this.enqueue("checkpoint", "system", {}, checkpoint, time);
  }

  private nextTime(): string {
    // Entry times never go backwards (a clock step after restart), so time ranges are contiguous.
    this.lastTime = Math.max(this.lastTime, this.clock().getTime());
    return new Date(this.lastTime).toISOString();
  }

  private async whenDurable(entry: AuditEntry): Promise<AuditEntry> {
    await this.batch.durable;
    return entry;
  }

  private scheduleFlush(): void {
    if (this.flushing !== undefined) return;
    // Start after the current synchronous burst of appends, so they share the first write too.
    this.flushing = new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => this.flushAll());
  }

  /** Writes batches one after another until none is waiting: each is one write and one fdatasync. */
  private async flushAll(): Promise<void> {
    try {
      while (this.batch.lines.length > 0) {
        const batch = this.batch;
        this.batch = newBatch();
        try {
          const bytes = await this.writeDurably(Buffer.from(batch.lines.join(""), "utf8"));
          this.committedBytes += bytes;
          this.syncs += 1;
          batch.resolve();
        } catch (error) {
          this.failure = error;
          const wrapped = new DomainError("NOT_READY", "the audit log could not be written durably", {
            cause: (error as Error).message,
          });
          batch.reject(wrapped);
          this.batch.reject(wrapped);
          return;
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async writeDurably(buffer: Buffer): Promise<number> {
    let written = 0;
    while (written < buffer.length) {
      const { bytesWritten } = await this.handle.write(buffer, written, buffer.length - written);
      written += bytesWritten;
    }
    await this.handle.datasync();
    return written;
  }
}
