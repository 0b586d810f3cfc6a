import { createPublicKey, type KeyObject } from "node:crypto";
import { DomainError } from "../policies/errors.ts";
import { log } from "../telemetry/log.ts";
import { type Checkpoint, signCheckpoint } from "./checkpoint.ts";
import { profileOfKey } from "./crypto-profile.ts";
import {
  AuditEntry,
  AuditEvent,
  ENTRY_VERSION,
  GENESIS_HASH,
  LEDGER_EVENT_TYPES,
  sealEntry,
} from "./entry.ts";
import type { LogLine } from "./log-lines.ts";
import {
  type AuditFilter,
  AuditFilter as Filter,
  matchesAuditFilter,
  type ValidAuditFilter,
} from "./query.ts";
import {
  type AuditVerification,
  type BadPosition,
  type TrustedCheckpoint,
  verifyAuditLines,
} from "./verify.ts";

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
  /** A checkpoint follows every this many entries, in the transaction that reaches the count (default 1000). */
  readonly checkpointEvery?: number;
  /** …and at least this often while entries arrive, ms (default 60 000; 0 turns the timer off). */
  readonly checkpointIntervalMs?: number;
  /** Clock, for tests. Entry times never go backwards even if it does. */
  readonly clock?: () => Date;
}

/**
 * Counters for telemetry and tests: this process's view (other nodes append too). `appends` and
 * `checkpoints` count what this process wrote, including entries whose transaction the caller
 * later rolled back.
 */
export interface AuditLedgerStats {
  readonly appends: number;
  readonly checkpoints: number;
  /** Position the next entry gets, as of this process's last read of the head. */
  readonly entries: number;
  /** Hash of the last entry, as of this process's last read of the head. */
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
 *
 * @example
 * const ledger = openStoreAuditLedger(store, { privateKey: key.privateKey });
 * await store.transaction(async (tx) => {
 *   await tx.run("UPDATE jobs SET status = 'released' WHERE id = $1", ["job_1"]);
 *   await ledger.appendIn(tx, [{ type: "output.released", actor: "system", subjects: { job: "job_1" } }]);
 * });
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
  /**
   * `importAuditLines` with this ledger's key: copies an existing, verifying log verbatim into an
   * empty store inside `tx`, after which appends continue its chain.
   */
  importLines(
    tx: AuditStatements,
    lines: AsyncIterable<LogLine> | Iterable<LogLine>,
    options?: { readonly trustedCheckpoint?: TrustedCheckpoint },
  ): Promise<AuditEntry[]>;
  /** Entries matching the filter, oldest first. */
  query(filter?: AuditFilter): AsyncGenerator<AuditEntry>;
  /** The stored lines from position `from` on, for export (offsets count from `from`). */
  lines(from?: number): AsyncGenerator<LogLine>;
  /**
   * Verifies the whole chain as stored (see `verifyAuditLines`), and also that it reaches the head
   * record (so a deleted last entry is caught) and that each row's filter columns agree with its
   * line (so no query can be made to miss an entry).
   */
  verify(trustedCheckpoint?: TrustedCheckpoint): Promise<AuditVerification>;
  stats(): AuditLedgerStats;
  /**
   * Stops the checkpoint timer and writes a final checkpoint; later appends are refused with
   * `DomainError("NOT_READY")`. The store stays open.
   */
  close(): Promise<void>;
}

interface HeadRow {
  next_position: number;
  hash: string;
  time: string;
  last_checkpoint: number;
}

interface EntryRow {
  position: number;
  time: string;
  type: string;
  actor: string;
  job: string | null;
  operator: string | null;
  license: string | null;
  datasets: string | null;
  line: string;
}

const PAGE = 1000;
/** Rows per INSERT when importing (9 parameters each). */
const IMPORT_BATCH = 100;
const COLUMNS = "position, time, type, actor, job, operator, license, datasets, line";

export function openStoreAuditLedger(store: AuditStore, options: StoreAuditLedgerOptions): StoreAuditLedger {
  const every = options.checkpointEvery ?? 1000;
  if (!Number.isInteger(every) || every < 1)
    throw new RangeError("checkpointEvery must be a positive integer");
  const clock = options.clock ?? (() => new Date());
  const publicKey = createPublicKey(options.privateKey);
  const profile = profileOfKey(options.privateKey);
  let appends = 0;
  let checkpoints = 0;
  let seen = { position: 0, hash: GENESIS_HASH };
  let appendedSinceTimer = false;
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new DomainError("NOT_READY", "the audit log is closed");
  };

  const readHead = async (tx: AuditStatements): Promise<HeadRow> => {
    const head = await lockHead(tx);
    seen = { position: head.next_position, hash: head.hash };
    return head;
  };

  const saveHead = async (tx: AuditStatements, head: HeadRow): Promise<void> => {
    await moveHead(tx, head);
    seen = { position: head.next_position, hash: head.hash };
  };

  /** Seals the entry after `head` and inserts it; returns it and the head after it (not yet saved). */
  const insert = async (
    tx: AuditStatements,
    head: HeadRow,
    event: ValidEvent | "checkpoint",
  ): Promise<{ entry: AuditEntry; head: HeadRow }> => {
    const position = head.next_position;
    // Never before the last entry (the head's time), whichever node's clock wrote that.
    const time = new Date(Math.max(clock().getTime(), Date.parse(head.time))).toISOString();
    const isCheckpoint = event === "checkpoint";
    // A checkpoint signs the entry before it: its position and hash, at the checkpoint's own time.
    const {
      type,
      actor,
      subjects = {},
      data = {},
    } = isCheckpoint
      ? {
          type: "checkpoint",
          actor: "system",
          data: signCheckpoint({ position: position - 1, hash: head.hash, time }, options.privateKey),
        }
      : event;
    let sealed: ReturnType<typeof sealEntry>;
    try {
      sealed = sealEntry(
        { v: ENTRY_VERSION, position, time, type, actor, subjects, data, prev: head.hash },
        profile,
      );
    } catch (error) {
      throw new DomainError("INTERNAL", `audit event ${type} is not JSON: ${(error as Error).message}`);
    }
    const text = sealed.line.slice(0, -1);
    await tx.run(
      `INSERT INTO audit_entries (${COLUMNS}) VALUES (${placeholders(0)})`,
      rowOf(sealed.entry, text),
    );
    return {
      entry: sealed.entry,
      head: {
        next_position: position + 1,
        hash: sealed.entry.hash,
        time,
        last_checkpoint: isCheckpoint ? position : head.last_checkpoint,
      },
    };
  };

  const appendValid = async (tx: AuditStatements, events: readonly ValidEvent[]): Promise<AuditEntry[]> => {
    if (events.length === 0) return [];
    let head = await readHead(tx);
    const entries: AuditEntry[] = [];
    for (const event of events) {
      const written = await insert(tx, head, event);
      entries.push(written.entry);
      head = written.head;
      // The checkpoint the count calls for goes in the same transaction: it commits or not with them.
      if (head.next_position - 1 - head.last_checkpoint >= every) {
        head = (await insert(tx, head, "checkpoint")).head;
        checkpoints += 1;
      }
    }
    await saveHead(tx, head);
    appends += events.length;
    appendedSinceTimer = true;
    return entries;
  };

  const writeCheckpoint = (): Promise<Checkpoint | undefined> =>
    store.transaction(async (tx) => {
      const head = await readHead(tx);
      if (head.next_position === 0 || head.last_checkpoint === head.next_position - 1) return undefined;
      const written = await insert(tx, head, "checkpoint");
      await saveHead(tx, written.head);
      checkpoints += 1;
      return written.entry.data as Checkpoint;
    });

  const interval = options.checkpointIntervalMs ?? 60_000;
  const timer =
    interval > 0
      ? setInterval(() => {
          if (!appendedSinceTimer || closed) return;
          appendedSinceTimer = false;
          // A failed timer checkpoint is retried on the next tick that follows an append.
          writeCheckpoint().catch((error: unknown) => {
            log.warn("writing the audit log's checkpoint failed; tried again after the next append", {
              error,
            });
            appendedSinceTimer = true;
          });
        }, interval)
      : undefined;
  timer?.unref();

  const importLines: StoreAuditLedger["importLines"] = async (tx, source, importOptions = {}) => {
    assertOpen();
    const entries = await importAuditLines(tx, source, publicKey, importOptions);
    const last = entries.at(-1);
    if (last !== undefined) seen = { position: last.position + 1, hash: last.hash };
    return entries;
  };

  /** Rows after position `from - 1`, oldest first, a page at a time, narrowed by `where` when given. */
  async function* rows(
    from: number,
    columns: string,
    narrow: { where: string; params: (string | number)[] } = { where: "", params: [] },
  ): AsyncGenerator<EntryRow> {
    let after = from - 1;
    for (;;) {
      const page = await store.query<EntryRow>(
        `SELECT ${columns} FROM audit_entries WHERE position > $1${narrow.where} ORDER BY position LIMIT ${PAGE}`,
        [after, ...narrow.params],
      );
      for (const row of page) {
        yield row;
        after = row.position;
      }
      if (page.length < PAGE) return;
    }
  }

  async function* lines(from = 0): AsyncGenerator<LogLine> {
    let offset = 0;
    for await (const row of rows(from, "position, line")) {
      const bytes = Buffer.byteLength(row.line, "utf8") + 1;
      yield { text: row.line, offset, bytes, complete: true };
      offset += bytes;
    }
  }

  async function* query(filter: AuditFilter = {}): AsyncGenerator<AuditEntry> {
    const valid = Filter.parse(filter);
    let found = 0;
    for await (const row of rows(
      (valid.after ?? -1) + 1,
      "position, line",
      filterSql(valid, store.dialect),
    )) {
      const entry = parseLine(row);
      // The SQL narrows; the filter's own definition decides.
      if (!matchesAuditFilter(entry, valid)) continue;
      yield entry;
      found += 1;
      if (valid.limit !== undefined && found >= valid.limit) return;
    }
  }

  const verify = async (trustedCheckpoint?: TrustedCheckpoint): Promise<AuditVerification> => {
    // Read before the lines: entries committed meanwhile only lengthen what the lines show.
    const [head] = await store.query<HeadRow>(
      "SELECT next_position, hash, time, last_checkpoint FROM audit_head WHERE id = 1",
    );
    if (!head) throw new DomainError("INTERNAL", "the audit log's head record is missing");
    let current: EntryRow | undefined;
    let columnsBad: BadPosition | undefined;
    let hashAtHead: string | undefined;
    let good: Pick<AuditVerification, "head" | "lastCheckpoint" | "verifiedBytes"> = { verifiedBytes: 0 };
    async function* checked(): AsyncGenerator<LogLine> {
      let offset = 0;
      for await (const row of rows(0, COLUMNS)) {
        if (columnsBad !== undefined) return;
        current = row;
        const bytes = Buffer.byteLength(row.line, "utf8") + 1;
        yield { text: row.line, offset, bytes, complete: true };
        offset += bytes;
      }
    }
    const result = await verifyAuditLines(checked(), {
      publicKey,
      ...(trustedCheckpoint === undefined ? {} : { trustedCheckpoint }),
      onEntry(entry, line) {
        if (columnsBad !== undefined) return;
        if (!columnsAgree(current!, entry, line.text)) {
          columnsBad = {
            position: entry.position,
            reason: "the row's filter columns disagree with its line",
          };
          return;
        }
        if (entry.position === head.next_position - 1) hashAtHead = entry.hash;
        good = {
          verifiedBytes: line.offset + line.bytes,
          head: { position: entry.position, hash: entry.hash, time: entry.time },
          lastCheckpoint: entry.type === "checkpoint" ? (entry.data as Checkpoint) : good.lastCheckpoint,
        };
      },
    });
    const fail = (firstBad: BadPosition): AuditVerification => ({
      valid: false,
      entries: firstBad.position,
      firstBad,
      verifiedBytes: good.verifiedBytes,
      ...(good.head === undefined ? {} : { head: good.head }),
      ...(good.lastCheckpoint === undefined ? {} : { lastCheckpoint: good.lastCheckpoint }),
    });
    if (columnsBad !== undefined) return fail(columnsBad);
    if (!result.valid) return result;
    if (result.entries < head.next_position) {
      return fail({
        position: result.entries,
        reason: `log ends before the head record's position ${head.next_position - 1} (truncated)`,
      });
    }
    if (head.next_position > 0 && hashAtHead !== head.hash) {
      return fail({ position: head.next_position - 1, reason: "hash differs from the head record" });
    }
    return result;
  };

  return {
    async appendIn(tx, events) {
      assertOpen();
      return appendValid(tx, events.map(validate));
    },
    // Checked when called, not when the transaction starts: an append made before close still lands.
    async append(event) {
      assertOpen();
      const valid = validate(event);
      return (await store.transaction((tx) => appendValid(tx, [valid])))[0]!;
    },
    async checkpoint() {
      assertOpen();
      return writeCheckpoint();
    },
    importLines,
    query,
    lines,
    verify,
    stats: () => ({ appends, checkpoints, entries: seen.position, head: seen.hash }),
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      await writeCheckpoint();
    },
  };
}

/**
 * Copies an existing log (the lines of a file ledger's `audit.log`) verbatim into the store's empty
 * audit tables inside `tx`, and sets the head from its last entry, so appends continue its chain:
 * positions, hashes and bytes stay as auditors hold them. Each line is verified (with the domain's
 * public key) before it is written, and any failure throws and so rolls `tx` back: a log that fails
 * verification, ends in a torn line or does not reach `trustedCheckpoint` is refused with
 * `DomainError("INTERNAL")`, a store that already holds entries with `DomainError("CONFLICT")`.
 * Resolves with the imported entries, oldest first.
 *
 * @example
 * const entries = await store.transaction((tx) => importAuditLines(tx, readLogLines("audit.log"), publicKey));
 */
export async function importAuditLines(
  tx: AuditStatements,
  lines: AsyncIterable<LogLine> | Iterable<LogLine>,
  publicKey: KeyObject | string,
  options: { readonly trustedCheckpoint?: TrustedCheckpoint } = {},
): Promise<AuditEntry[]> {
  const head = await lockHead(tx);
  const occupied = await tx.query("SELECT position FROM audit_entries LIMIT 1");
  if (head.next_position !== 0 || occupied.length > 0) {
    throw new DomainError(
      "CONFLICT",
      "the store already holds an audit log; a log is imported only into an empty one",
    );
  }
  const entries: AuditEntry[] = [];
  const pending: { entry: AuditEntry; text: string }[] = [];
  const flush = async (atLeast: number) => {
    while (pending.length >= atLeast && pending.length > 0) {
      const batch = pending.splice(0, IMPORT_BATCH);
      await tx.run(
        `INSERT INTO audit_entries (${COLUMNS}) VALUES ${batch.map((_, i) => `(${placeholders(i * 9)})`).join(", ")}`,
        batch.flatMap(({ entry, text }) => rowOf(entry, text)),
      );
    }
  };
  // The verifier accepts a line (onEntry) before the next is pulled, and only then is it written.
  async function* verifiedFirst(): AsyncGenerator<LogLine> {
    for await (const line of lines) {
      await flush(IMPORT_BATCH);
      yield line;
    }
  }
  const result = await verifyAuditLines(verifiedFirst(), {
    publicKey,
    ...(options.trustedCheckpoint === undefined ? {} : { trustedCheckpoint: options.trustedCheckpoint }),
    onEntry(entry, line) {
      entries.push(entry);
      pending.push({ entry, text: line.text });
    },
  });
  if (!result.valid) {
    const bad = result.firstBad!;
    throw new DomainError(
      "INTERNAL",
      `the log to import fails verification at position ${bad.position}: ${bad.reason}`,
      { firstBad: bad },
    );
  }
  if (result.tornTail !== undefined) {
    // The file ledger truncated such a tail on open; the import leaves that decision to an operator.
    throw new DomainError(
      "INTERNAL",
      `the log to import ends in a torn line at byte ${result.tornTail.offset}, to be removed before importing`,
      { tornTail: result.tornTail },
    );
  }
  await flush(1);
  if (result.head !== undefined) {
    await moveHead(tx, {
      next_position: result.entries,
      hash: result.head.hash,
      time: instant(result.head.time),
      // A checkpoint names the entry before it, so the checkpoint entry itself is one further.
      last_checkpoint: result.lastCheckpoint === undefined ? -1 : result.lastCheckpoint.position + 1,
    });
  }
  return entries;
}

/** The chain's head, locked for the rest of the transaction. */
async function lockHead(tx: AuditStatements): Promise<HeadRow> {
  const lock = tx.dialect === "postgres" ? " FOR UPDATE" : "";
  const rows = await tx.query<HeadRow>(
    `SELECT next_position, hash, time, last_checkpoint FROM audit_head WHERE id = 1${lock}`,
  );
  if (!rows[0]) throw new DomainError("INTERNAL", "the audit log's head record is missing");
  return rows[0];
}

async function moveHead(tx: AuditStatements, head: HeadRow): Promise<void> {
  await tx.run(
    "UPDATE audit_head SET next_position = $1, hash = $2, time = $3, last_checkpoint = $4 WHERE id = 1",
    [head.next_position, head.hash, head.time, head.last_checkpoint],
  );
}

type ValidEvent = AuditEvent;

function validate(event: AuditEvent): ValidEvent {
  const parsed = AuditEvent.safeParse(event);
  if (!parsed.success || LEDGER_EVENT_TYPES.has(parsed.data.type)) {
    throw new DomainError("INTERNAL", `audit event ${String(event.type)} is not one the ledger accepts`);
  }
  return parsed.data;
}

/** `$n, …` for one row of the nine columns, numbered after `before` parameters. */
function placeholders(before: number): string {
  return Array.from({ length: 9 }, (_, i) => `$${before + i + 1}`).join(", ");
}

/**
 * An entry's row: its line, and copies of what filters read. `time` is kept as the millisecond
 * instant in one ISO format (an imported line may spell its time differently), so text comparison
 * in SQL agrees with `Date.parse` in `matchesAuditFilter`.
 */
function rowOf(entry: AuditEntry, line: string): (string | number | null)[] {
  const s = entry.subjects;
  return [
    entry.position,
    instant(entry.time),
    entry.type,
    entry.actor,
    s.job ?? null,
    s.operator ?? null,
    s.license ?? null,
    s.datasets ? JSON.stringify(s.datasets) : null,
    line,
  ];
}

function columnsAgree(row: EntryRow, entry: AuditEntry, line: string): boolean {
  const expected = rowOf(entry, line);
  const actual = [
    row.position,
    row.time,
    row.type,
    row.actor,
    row.job,
    row.operator,
    row.license,
    row.datasets,
    row.line,
  ];
  return expected.every((value, i) => value === actual[i]);
}

/** A stored line as an entry; damage stops a query (`verify` explains it) rather than being skipped. */
function parseLine(row: { position: number; line: string }): AuditEntry {
  try {
    return AuditEntry.parse(JSON.parse(row.line));
  } catch {
    throw new DomainError("INTERNAL", `the audit log holds a malformed line at position ${row.position}`);
  }
}

function instant(time: string): string {
  return new Date(time).toISOString();
}

/**
 * SQL that narrows a query to a superset of what `matchesAuditFilter` accepts, on the indexed
 * columns; every row it returns is still checked against the filter. A condition that cannot be
 * narrowed exactly is narrowed loosely: a type family by LIKE (whose `_`, `%` and case folding
 * only widen it), a dataset by the JSON text of its id inside the column's array.
 */
function filterSql(
  filter: ValidAuditFilter,
  dialect: AuditStatements["dialect"],
): { where: string; params: (string | number)[] } {
  const params: (string | number)[] = [];
  const clauses: string[] = [];
  const param = (value: string | number) => {
    params.push(value);
    return `$${params.length + 1}`;
  };
  if (filter.job !== undefined) clauses.push(`job = ${param(filter.job)}`);
  if (filter.operator !== undefined) clauses.push(`operator = ${param(filter.operator)}`);
  if (filter.license !== undefined) clauses.push(`license = ${param(filter.license)}`);
  if (filter.from !== undefined) clauses.push(`time >= ${param(instant(filter.from))}`);
  if (filter.to !== undefined) clauses.push(`time < ${param(instant(filter.to))}`);
  if (filter.dataset !== undefined) {
    const needle = param(JSON.stringify(filter.dataset));
    clauses.push(
      dialect === "postgres" ? `strpos(datasets, ${needle}) > 0` : `instr(datasets, ${needle}) > 0`,
    );
  }
  if (filter.type !== undefined) {
    const types = Array.isArray(filter.type) ? filter.type : [filter.type];
    const any = types.map((type) =>
      type.endsWith(".*") ? `type LIKE ${param(`${type.slice(0, -1)}%`)}` : `type = ${param(type)}`,
    );
    clauses.push(`(${any.join(" OR ")})`);
  }
  return { where: clauses.map((c) => ` AND ${c}`).join(""), params };
}
