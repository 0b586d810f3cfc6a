import { DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import { MIGRATIONS, type Migration } from "./migrations.ts";
import { PreparedStatements } from "./prepared-statements.ts";
import { StatementQueue } from "./statement-queue.ts";

/**
 * The control plane's own DuckDB file (operators, keys, licenses, policy versions, ...), kept
 * apart from the data domain: no connection a job's query runs on can reach it.
 *
 * One connection serves the process; statements are serialised through a queue (see
 * statement-queue.ts) so that a transaction is never interleaved with another caller's
 * statements, and writes that queue up commit together.
 */
export interface ControlPlane {
  readonly file: string;
  /** Rows of a read as plain objects (JSON-friendly values: BIGINT as string, timestamps as ISO strings). */
  query<T = Record<string, unknown>>(sql: string, params?: readonly DuckDBValue[]): Promise<T[]>;
  run(sql: string, params?: readonly DuckDBValue[]): Promise<void>;
  /** Runs `work` inside one transaction; rolls back if it throws. */
  transaction<T>(work: (tx: Pick<ControlPlane, "query" | "run">) => Promise<T>): Promise<T>;
  /**
   * The result of `load`, kept in memory until a statement writes one of `tables`. For the reads
   * every request makes (API keys, operator status, licenses, the catalog): this process is the
   * only writer of the file, so it knows exactly when a cached read goes stale. Callers must not
   * mutate the value.
   */
  memo<T>(key: string, tables: readonly string[], load: () => Promise<T>): Promise<T>;
  /** Changes whenever a statement that may write one of `tables` is issued (see `memo`). */
  writeStamp(tables: readonly string[]): string;
  schemaVersion(): Promise<number>;
  close(): void;
}

/** Opens (creating if needed) the control-plane file and brings its schema to the latest version. */
export async function openControlPlane(
  file: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<ControlPlane> {
  const instance = await DuckDBInstance.create(file, {
    enable_external_access: "false",
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  const connection = await instance.connect();
  const prepared = new PreparedStatements(connection);
  const statements = new StatementQueue(connection, prepared);
  const serialised = <T>(work: () => Promise<T>): Promise<T> => statements.exclusive(work);
  const writes = new WriteGenerations();
  // Calls through `store` note their statement when issued (see `memo`); a transaction's, as they run.
  const direct = directOps(prepared);
  const memos = new Map<string, { stamp: string; value: Promise<unknown> }>();
  const store: ControlPlane = {
    file,
    query: (sql, params) => {
      writes.noteStatement(sql, { readsAllowed: true });
      return serialised(() => direct.query(sql, params));
    },
    run: (sql, params) => {
      writes.noteStatement(sql);
      return statements.write(sql, params);
    },
    transaction: (work) =>
      serialised(async () => {
        await connection.run("BEGIN TRANSACTION");
        const written = new Set<string>();
        try {
          const result = await work(directOps(prepared, writes, written));
          await connection.run("COMMIT");
          return result;
        } catch (error) {
          await connection.run("ROLLBACK");
          throw error;
        } finally {
          // Statements inside already marked their tables; marking them again at the end keeps a
          // read that was cached while the transaction ran from outliving it. Only those tables:
          // a budget charge must not drop the cached keys, licenses and job records.
          writes.bump(written);
        }
      }),
    writeStamp: (tables) => writes.stamp(tables),
    memo<T>(key: string, tables: readonly string[], load: () => Promise<T>): Promise<T> {
      // The stamp is taken before the read is queued: a write queued earlier has already
      // marked its tables (so the read sees it), and one queued later changes the stamp.
      const stamp = writes.stamp(tables);
      const hit = memos.get(key);
      if (hit && hit.stamp === stamp) return hit.value as Promise<T>;
      if (memos.size >= MAX_MEMOS) memos.clear();
      const value = load();
      memos.set(key, { stamp, value });
      value.catch(() => {
        if (memos.get(key)?.value === value) memos.delete(key);
      });
      return value;
    },
    async schemaVersion() {
      const rows = await store.query<{ version: number }>(
        "SELECT coalesce(max(version), 0)::INTEGER AS version FROM schema_migrations",
      );
      return rows[0]?.version ?? 0;
    },
    close() {
      prepared.clear();
      connection.closeSync();
      instance.closeSync();
    },
  };
  await migrate(store, migrations);
  return store;
}

/** Cached reads kept at most; more distinct keys than this (many keys, many licenses) start over. */
const MAX_MEMOS = 10_000;

/**
 * A counter per table, bumped by every statement that may write it. Statements are our own SQL,
 * never an operator's: `INSERT INTO t`, `UPDATE t` and `DELETE FROM t` name their table; anything
 * else that is not a plain read (DDL, a migration, an unforeseen form) bumps every table.
 */
class WriteGenerations {
  private readonly tables = new Map<string, number>();
  private all = 0;

  /** Marks what `sql` may write; the tables it names are added to `written` when given. */
  noteStatement(sql: string, options: { readsAllowed?: boolean; written?: Set<string> } = {}): void {
    if (options.readsAllowed && /^\s*SELECT\b/i.test(sql) && !/\b(INSERT|UPDATE|DELETE)\b/i.test(sql)) return;
    const match = /^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?/i.exec(sql);
    if (!match) {
      this.bumpAll();
      return;
    }
    const table = match[1]!.toLowerCase();
    options.written?.add(table);
    this.bump([table]);
  }

  bump(tables: Iterable<string>): void {
    for (const table of tables) this.tables.set(table, (this.tables.get(table) ?? 0) + 1);
  }

  bumpAll(): void {
    this.all++;
  }

  stamp(tables: readonly string[]): string {
    return `${this.all}:${tables.map((t) => this.tables.get(t.toLowerCase()) ?? 0).join(",")}`;
  }
}

function directOps(
  statements: PreparedStatements,
  writes?: WriteGenerations,
  written?: Set<string>,
): Pick<ControlPlane, "query" | "run"> {
  return {
    async query<T>(sql: string, params: readonly DuckDBValue[] = []) {
      writes?.noteStatement(sql, { readsAllowed: true, ...(written ? { written } : {}) });
      const reader = await statements.read(sql, params);
      return reader.getRowObjectsJson() as T[];
    },
    async run(sql, params = []) {
      writes?.noteStatement(sql, written ? { written } : {});
      await statements.run(sql, params);
    },
  };
}

async function migrate(store: ControlPlane, migrations: readonly Migration[]): Promise<void> {
  await store.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`);
  const current = await store.schemaVersion();
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (migration.version <= current) continue;
    await store.transaction(async (tx) => {
      for (const statement of migration.statements) await tx.run(statement);
      await tx.run("INSERT INTO schema_migrations VALUES ($1, $2, now())", [
        migration.version,
        migration.name,
      ]);
    });
  }
}

/**
 * `store.memo` when `store` is the control plane itself; a plain `load()` when it is a
 * transaction's handle (whose reads must see its own uncommitted writes) or a stand-in.
 */
export function memoised<T>(
  store: Pick<ControlPlane, "query">,
  key: string,
  tables: readonly string[],
  load: () => Promise<T>,
): Promise<T> {
  const memo = (store as Partial<Pick<ControlPlane, "memo">>).memo;
  return typeof memo === "function" ? (memo.call(store, key, tables, load) as Promise<T>) : load();
}

/**
 * `value` frozen to the bottom, for a cached read handed to every caller: a caller that tried to
 * change it would change it for all of them, so that throws instead (modules are strict). Cheaper
 * than a copy per caller, which the job path paid on every license and catalog read.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
