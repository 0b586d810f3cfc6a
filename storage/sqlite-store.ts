import { resolve } from "node:path";
import Database, { type Database as SqliteDatabase, type Statement } from "better-sqlite3";
import { applyMigrations } from "./schema.ts";
import type { SqlExecutor, SqlStore, SqlValue } from "./sql-store.ts";

export interface SqliteStoreOptions {
  /** How long a statement waits for another process's write lock before failing, ms. */
  readonly busyTimeoutMs?: number;
}

/**
 * The embedded control plane: one SQLite file in WAL mode with `synchronous = FULL`, so a commit
 * is on disk (the WAL is fsync'd) before the transaction resolves.
 *
 * better-sqlite3 is synchronous, and a transaction's work is async (it may sign, hash, await other
 * ports), so transactions take turns through an in-process queue (shared by every store this
 * process has on the file) on the one writing connection; `BEGIN IMMEDIATE` takes SQLite's write
 * lock, which also serialises them against other processes (a backup, the CLI). Reads outside a
 * transaction go to a second connection, which sees only committed data.
 *
 * Group commit: each transaction runs inside a savepoint of a batch. A transaction that throws is
 * rolled back to its savepoint alone; one that succeeds waits for the batch's COMMIT, which comes
 * when no other transaction is waiting for its turn (or the batch is large). Concurrent writers
 * thus share one fsync, and each still resolves only once its writes are durable. The outcome is
 * that of running the transactions one after another; if the COMMIT fails, every transaction of
 * the batch fails and none of it is on disk.
 */
export function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Promise<SqlStore> {
  const busy = options.busyTimeoutMs ?? 5_000;
  const writer = new Database(file);
  writer.pragma("journal_mode = WAL");
  writer.pragma("synchronous = FULL");
  writer.pragma(`busy_timeout = ${busy}`);
  writer.pragma("foreign_keys = ON");
  const writes = statements(writer);
  const turns = turnsOf(file);
  let closed = false;

  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    turns.waiting++;
    const mine = turns.last.then(() => {
      turns.waiting--;
      return work();
    });
    // The queue goes on past a failed turn; its failure reaches its own caller through `mine`.
    turns.last = mine.catch(() => undefined);
    return mine;
  };

  const transaction = async <T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> => {
    const { durable, result } = await exclusive(async (): Promise<{ durable: Promise<void>; result: T }> => {
      if (closed) throw new Error("the control-plane store is closed");
      // A batch of another connection on this file is committed first: its lock would block ours.
      if (turns.batch && turns.batch.db !== writer) commitBatch(turns);
      if (!turns.batch) {
        writer.exec("BEGIN IMMEDIATE");
        turns.batch = { db: writer, size: 0, waiters: [] };
      }
      const batch = turns.batch;
      const savepoint = `t${batch.size}`;
      writer.exec(`SAVEPOINT ${savepoint}`);
      let open = true;
      const tx: SqlExecutor = {
        dialect: "sqlite",
        async query<R>(sql: string, params: readonly SqlValue[] = []) {
          if (!open) throw new Error("statement after the end of its transaction");
          return writes.all(sql, params) as R[];
        },
        async run(sql, params = []) {
          if (!open) throw new Error("statement after the end of its transaction");
          return writes.run(sql, params);
        },
      };
      let result: T;
      try {
        result = await work(tx);
        writer.exec(`RELEASE ${savepoint}`);
      } catch (error) {
        if (writer.inTransaction) {
          writer.exec(`ROLLBACK TO ${savepoint}`);
          writer.exec(`RELEASE ${savepoint}`);
        }
        // Its error is told once the batch is settled: it may come from a write of an earlier
        // transaction of the batch, which the caller must be able to read when it hears of it.
        const settled = new Promise<void>((resolve) =>
          batch.waiters.push({ resolve, reject: () => resolve() }),
        );
        if (turns.waiting === 0) commitBatch(turns);
        return {
          durable: settled.then(() => {
            throw error;
          }),
          result: undefined as T,
        };
      } finally {
        open = false;
      }
      batch.size++;
      const durable = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
      if (turns.waiting === 0 || batch.size >= MAX_BATCH) commitBatch(turns);
      // The turn ends here (the next transaction may join the batch); the caller hears of it once durable.
      return { durable, result };
    });
    await durable;
    return result;
  };

  return (async () => {
    // Migrations may rebuild a table that others reference (SQLite cannot alter constraints):
    // enforcement is off while they run, which SQLite allows only outside a transaction.
    writer.pragma("foreign_keys = OFF");
    await applyMigrations({ dialect: "sqlite", transaction, location: file });
    writer.pragma("foreign_keys = ON");
    // Opened after the migrations, so that it never sees a schema older than the writer's.
    const reader = new Database(file, { readonly: true, fileMustExist: true });
    reader.pragma(`busy_timeout = ${busy}`);
    const reads = statements(reader);
    const store: SqlStore = {
      dialect: "sqlite",
      location: file,
      async query<R>(sql: string, params: readonly SqlValue[] = []) {
        if (closed) throw new Error("the control-plane store is closed");
        return reads.all(sql, params) as R[];
      },
      run: (sql, params) => transaction((tx) => tx.run(sql, params)),
      transaction,
      async close() {
        if (closed) return;
        await exclusive(async () => {
          commitBatch(turns);
          closed = true;
          reader.close();
          writer.close();
        });
      },
    };
    return store;
  })().catch((error: unknown) => {
    writer.close();
    throw error;
  });
}

/**
 * A control-plane file opened read-only on a connection of its own (a backup's snapshot, a tool):
 * the store's statements, with the same `$n` parameters, and no writes.
 */
export function openSqliteReader(file: string): Pick<SqlExecutor, "dialect" | "query"> & { close(): void } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const reads = statements(db);
  return {
    dialect: "sqlite",
    async query<R>(sql: string, params: readonly SqlValue[] = []) {
      return reads.all(sql, params) as R[];
    },
    close: () => db.close(),
  };
}

/** Transactions of one batch at most: a steady stream of writers still gets durable regularly. */
const MAX_BATCH = 256;

interface Batch {
  readonly db: SqliteDatabase;
  size: number;
  readonly waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

interface FileTurns {
  last: Promise<unknown>;
  /** Transactions queued for their turn. */
  waiting: number;
  /** The batch open on the file, if any. */
  batch: Batch | undefined;
}

/** Commits the open batch and tells its transactions; on failure none of it is on disk. */
function commitBatch(turns: FileTurns): void {
  const batch = turns.batch;
  if (!batch) return;
  turns.batch = undefined;
  try {
    batch.db.exec("COMMIT");
  } catch (error) {
    if (batch.db.inTransaction) batch.db.exec("ROLLBACK");
    for (const waiter of batch.waiters) waiter.reject(error);
    return;
  }
  for (const waiter of batch.waiters) waiter.resolve();
}

/**
 * Write turns per database file, shared by every store this process opens on it. A connection
 * waiting for SQLite's write lock blocks the thread (better-sqlite3 is synchronous), so two stores
 * of one process on one file must never wait for each other there: the holder could not go on.
 */
const writeTurns = new Map<string, FileTurns>();

function turnsOf(file: string): FileTurns {
  const key = resolve(file);
  let turns = writeTurns.get(key);
  if (!turns) {
    turns = { last: Promise.resolve(), waiting: 0, batch: undefined };
    writeTurns.set(key, turns);
  }
  return turns;
}

/** Prepared statements of one connection, by text; `$n` parameters bound as `@pn`. */
function statements(db: SqliteDatabase) {
  const cache = new Map<string, Statement>();
  const prepare = (sql: string): Statement => {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= 500) cache.clear();
      statement = db.prepare(sql.replace(/\$(\d+)/g, "@p$1"));
      cache.set(sql, statement);
    }
    return statement;
  };
  const bind = (params: readonly SqlValue[]) => {
    const named: Record<string, SqlValue> = {};
    params.forEach((value, i) => {
      named[`p${i + 1}`] = value;
    });
    return named;
  };
  return {
    all(sql: string, params: readonly SqlValue[]): unknown[] {
      const statement = prepare(sql);
      if (!statement.reader) {
        statement.run(bind(params));
        return [];
      }
      return statement.all(bind(params));
    },
    run(sql: string, params: readonly SqlValue[]): number {
      const statement = prepare(sql);
      if (statement.reader) return statement.all(bind(params)).length;
      return statement.run(bind(params)).changes;
    },
  };
}
