import { createPublicKey, type KeyObject } from "node:crypto";
import { DomainError } from "../policies/errors.ts";
import { type Checkpoint, signCheckpoint } from "./checkpoint.ts";
import { type AuditEntry, AuditEvent, ENTRY_VERSION, LEDGER_EVENT_TYPES, sealEntry } from "./entry.ts";
import type { LogLine } from "./log-lines.ts";
import {
  type AuditFilter,
  AuditFilter as Filter,
  matchesAuditFilter,
  type ValidAuditFilter,
} from "./query.ts";
import { type AuditVerification, type TrustedCheckpoint, verifyAuditLines } from "./verify.ts";

/**
 * The statements the ledger needs of the control-plane store (structurally the store's own
 * executor: audit/ does not depend on storage/). `$n` parameters; `dialect` picks row locking.
 */
export interface AuditStatements {
  readonly dialect: "sqlite" | "postgres";
  query<T = Record<string, unknown>>(sql: string, params?: readonly (string | number | null)[]): Promise<T[]>;
  run(sql: string, params?: readonly (string | number | null)[]): Promise<number>;
}

export interface AuditStore extends AuditStatements {
  transaction<T>(work: (tx: AuditStatements) => Promise<T>): Promise<T>;
}

export interface StoreAuditLedgerOptions {
  /** The domain's private key: signs checkpoints. */
  readonly privateKey: KeyObject;
  /** A checkpoint follows after this many entries, in the transaction that reaches the count (default 1000). */
  readonly checkpointEvery?: number;
  /** …and at least this often while entries arrive, ms (default 60 000; 0 turns the timer off). */
  readonly checkpointIntervalMs?: number;
  /** Clock, for tests. Entry times never go backwards even if it does. */
  readonly clock?: () => Date;
}

/** Counters for telemetry and tests (this process's view; other nodes append too). */
export interface AuditLedgerStats {
  readonly appends: number;
  readonly checkpoints: number;
  /** Position the next entry gets, as last seen by this process. */
  readonly entries: number;
  /** Hash of the last entry this process saw appended. */
  readonly head: string;
}

/**
 * The hash-chained audit log, kept in the control-plane store so that a state change and the
 * entries recording it commit in one transaction: no released output without its entry, no entry
 * for a change that did not happen. Each entry's line is the canonical JSON an export writes, so
 * the offline verifier (`audit/cli.ts`) checks exports exactly as before.
 *
 * The chain's head is one row that every append locks and moves inside the appending transaction
 * (`FOR UPDATE` on PostgreSQL; SQLite's write lock already serialises writers), which makes the
 * chain one history whichever node writes.
 */
export interface StoreAuditLedger {
  /**
   * Appends `events`, in order, inside the caller's transaction, and returns their entries
   * (positions and hashes final once the transaction commits). Throws `DomainError("INTERNAL")` for
   * an event the ledger does not accept, which rolls the change back: nothing unrecorded happens.
   * Call it last in a transaction: the head's lock is then held only for the commit.
   */
  appendIn(tx: AuditStatements, events: readonly AuditEvent[]): Promise<AuditEntry[]>;
  /** Appends one event in a transaction of its own (an audited read, a failed sign-in). */
  append(event: AuditEvent): Promise<AuditEntry>;
  /** Writes a signed checkpoint now if any entry follows the last one. */
  checkpoint(): Promise<Checkpoint | undefined>;
  /** Entries matching the filter, oldest first. */
  query(filter?: AuditFilter): AsyncGenerator<AuditEntry>;
  /** The stored lines from position `from` on, for export and verification. */
  lines(from?: number): AsyncGenerator<LogLine>;
  /** Verifies the whole chain as stored. */
  verify(trustedCheckpoint?: TrustedCheckpoint): Promise<AuditVerification>;
  stats(): AuditLedgerStats;
  /** Stops the checkpoint timer and writes a final checkpoint. The store stays open. */
  close(): Promise<void>;
}

interface HeadRow {
  next_position: number;
  hash: string;
  time: string;
  last_checkpoint: number;
}

const PAGE = 1000;

export function openStoreAuditLedger(store: AuditStore, options: StoreAuditLedgerOptions): StoreAuditLedger {
  const every = options.checkpointEvery ?? 1000;
  const clock = options.clock ?? (() => new Date());
  const publicKey = createPublicKey(options.privateKey);
  let appends = 0;
  let checkpoints = 0;
  let seen = { position: 0, hash: "0".repeat(64) };
  let appendedSinceTimer = false;
  let closed = false;

  const readHead = async (tx: AuditStatements): Promise<HeadRow> => {
    const lock = tx.dialect === "postgres" ? " FOR UPDATE" : "";
    const rows = await tx.query<HeadRow>(
      `SELECT next_position, hash, time, last_checkpoint FROM audit_head WHERE id = 1${lock}`,
    );
    if (!rows[0]) throw new DomainError("INTERNAL", "the audit log's head record is missing");
    return rows[0];
  };

  /** Seals and inserts entries after `head`, returning the head after them. */
  const write = async (
    tx: AuditStatements,
    head: HeadRow,
    items: readonly { event: ValidEvent; checkpoint?: boolean }[],
  ): Promise<{ entries: AuditEntry[]; head: HeadRow }> => {
    const entries: AuditEntry[] = [];
    let { next_position: position, hash: prev, time: prevTime, last_checkpoint: lastCheckpoint } = head;
    for (const item of items) {
      const now = clock().toISOString();
      const time = now < prevTime ? prevTime : now;
      const data = item.checkpoint
        ? signCheckpoint({ position: position - 1, hash: prev, time }, options.privateKey)
        : (item.event.data ?? {});
      const { entry, line } = sealEntry({
        v: ENTRY_VERSION,
        position,
        time,
        type: item.event.type,
        actor: item.event.actor,
        subjects: item.event.subjects ?? {},
        data: data as Record<string, unknown>,
        prev,
      });
      const s = entry.subjects;
      await tx.run(
        `INSERT INTO audit_entries (position, time, type, actor, job, operator, license, datasets, line)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          position,
          time,
          entry.type,
          entry.actor,
          s.job ?? null,
          s.operator ?? null,
          s.license ?? null,
          s.datasets ? JSON.stringify(s.datasets) : null,
          line.slice(0, -1),
        ],
      );
      if (item.checkpoint) lastCheckpoint = position;
      entries.push(entry);
      position += 1;
      prev = entry.hash;
      prevTime = time;
    }
    const next: HeadRow = {
      next_position: position,
      hash: prev,
      time: prevTime,
      last_checkpoint: lastCheckpoint,
    };
    await tx.run(
      "UPDATE audit_head SET next_position = $1, hash = $2, time = $3, last_checkpoint = $4 WHERE id = 1",
      [next.next_position, next.hash, next.time, next.last_checkpoint],
    );
    return { entries, head: next };
  };

  const appendIn = async (tx: AuditStatements, events: readonly AuditEvent[]): Promise<AuditEntry[]> => {
    if (closed) throw new DomainError("NOT_READY", "the audit log is closed");
    const valid = events.map(validate);
    if (valid.length === 0) return [];
    const head = await readHead(tx);
    const written = await write(
      tx,
      head,
      valid.map((event) => ({ event })),
    );
    let after = written.head;
    // The checkpoint that the count calls for goes in the same transaction: it commits or not with them.
    if (after.next_position - 1 - after.last_checkpoint > every) {
      after = (await write(tx, after, [{ event: CHECKPOINT_EVENT, checkpoint: true }])).head;
      checkpoints += 1;
    }
    appends += valid.length;
    appendedSinceTimer = true;
    seen = { position: after.next_position, hash: after.hash };
    return written.entries;
  };

  const checkpoint = (): Promise<Checkpoint | undefined> =>
    store.transaction(async (tx) => {
      const head = await readHead(tx);
      if (head.next_position === 0 || head.last_checkpoint === head.next_position - 1) return undefined;
      const { entries, head: after } = await write(tx, head, [{ event: CHECKPOINT_EVENT, checkpoint: true }]);
      checkpoints += 1;
      seen = { position: after.next_position, hash: after.hash };
      return entries[0]!.data as Checkpoint;
    });

  const interval = options.checkpointIntervalMs ?? 60_000;
  const timer =
    interval > 0
      ? setInterval(() => {
          if (!appendedSinceTimer) return;
          appendedSinceTimer = false;
          checkpoint().catch(() => undefined);
        }, interval)
      : undefined;
  timer?.unref();

  async function* lines(from = 0): AsyncGenerator<LogLine> {
    let after = from - 1;
    let offset = 0;
    for (;;) {
      const rows = await store.query<{ position: number; line: string }>(
        "SELECT position, line FROM audit_entries WHERE position > $1 ORDER BY position LIMIT $2",
        [after, PAGE],
      );
      for (const row of rows) {
        const bytes = Buffer.byteLength(row.line, "utf8") + 1;
        yield { text: row.line, offset, bytes, complete: true };
        offset += bytes;
        after = row.position;
      }
      if (rows.length < PAGE) return;
    }
  }

  async function* query(filter: AuditFilter = {}): AsyncGenerator<AuditEntry> {
    const valid = Filter.parse(filter);
    const { where, params } = filterSql(valid);
    let after = valid.after ?? -1;
    let found = 0;
    for (;;) {
      const rows = await store.query<{ position: number; line: string }>(
        `SELECT position, line FROM audit_entries WHERE position > $1${where} ORDER BY position LIMIT ${PAGE}`,
        [after, ...params],
      );
      for (const row of rows) {
        after = row.position;
        const entry = JSON.parse(row.line) as AuditEntry;
        if (!matchesAuditFilter(entry, valid)) continue;
        yield entry;
        found += 1;
        if (valid.limit !== undefined && found >= valid.limit) return;
      }
      if (rows.length < PAGE) return;
    }
  }

  return {
    appendIn,
    append: (event) => store.transaction(async (tx) => (await appendIn(tx, [event]))[0]!),
    checkpoint,
    query,
    lines,
    verify: (trustedCheckpoint) =>
      verifyAuditLines(lines(), {
        publicKey,
        ...(trustedCheckpoint === undefined ? {} : { trustedCheckpoint }),
      }),
    stats: () => ({ appends, checkpoints, entries: seen.position, head: seen.hash }),
    async close() {
      if (closed) return;
      if (timer) clearInterval(timer);
      await checkpoint();
      closed = true;
    },
  };
}

type ValidEvent = AuditEvent;

const CHECKPOINT_EVENT: ValidEvent = { type: "checkpoint", actor: "system" };

function validate(event: AuditEvent): ValidEvent {
  const parsed = AuditEvent.safeParse(event);
  if (!parsed.success || LEDGER_EVENT_TYPES.has(parsed.data.type)) {
    throw new DomainError("INTERNAL", `audit event ${String(event.type)} is not one the ledger accepts`);
  }
  return parsed.data;
}

/** The filter's conditions the indexed columns can answer; the rest is checked on each entry. */
function filterSql(filter: ValidAuditFilter): { where: string; params: (string | number)[] } {
  const params: (string | number)[] = [];
  const clauses: string[] = [];
  const add = (clause: (n: number) => string, value: string | number) => {
    params.push(value);
    clauses.push(clause(params.length + 1));
  };
  if (filter.job !== undefined) add((n) => `job = $${n}`, filter.job);
  if (filter.operator !== undefined) add((n) => `operator = $${n}`, filter.operator);
  if (filter.license !== undefined) add((n) => `license = $${n}`, filter.license);
  if (filter.from !== undefined) add((n) => `time >= $${n}`, new Date(filter.from).toISOString());
  if (filter.to !== undefined) add((n) => `time < $${n}`, new Date(filter.to).toISOString());
  if (typeof filter.type === "string" && !filter.type.endsWith(".*")) add((n) => `type = $${n}`, filter.type);
  return { where: clauses.map((c) => ` AND ${c}`).join(""), params };
}
