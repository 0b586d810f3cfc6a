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
 * ports), so transactions take turns through an in-process queue and run `BEGIN IMMEDIATE` on the
 * one writing connection (in the order of every store this process has on the file): SQLite's write
 * lock then also serialises them against other processes (a backup, the CLI). Reads outside a transaction go to a second connection, which sees only
 * committed data — never the half of a transaction that is waiting on an await.
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
    const mine = turns.last.then(work);
    turns.last = mine.catch(() => undefined);
    return mine;
  };

  const transaction = <T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> =>
    exclusive(async () => {
      if (closed) throw new Error("the control-plane store is closed");
      writer.exec("BEGIN IMMEDIATE");
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
      try {
        const result = await work(tx);
        writer.exec("COMMIT");
        return result;
      } catch (error) {
        if (writer.inTransaction) writer.exec("ROLLBACK");
        throw error;
      } finally {
        open = false;
      }
    });

  return (async () => {
    await applyMigrations({ dialect: "sqlite", transaction, location: file });
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
 * Write turns per database file, shared by every store this process opens on it. A connection
 * waiting for SQLite's write lock blocks the thread (better-sqlite3 is synchronous), so two stores
 * of one process on one file must never wait for each other there: the holder could not go on.
 */
const writeTurns = new Map<string, { last: Promise<unknown> }>();

function turnsOf(file: string): { last: Promise<unknown> } {
  const key = resolve(file);
  let turns = writeTurns.get(key);
  if (!turns) {
    turns = { last: Promise.resolve() };
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
