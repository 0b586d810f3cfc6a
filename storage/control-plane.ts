import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import { MIGRATIONS, type Migration } from "./migrations.ts";

/**
 * The control plane's own DuckDB file (operators, keys, licenses, policy versions, ...), kept
 * apart from the data domain: no connection a job's query runs on can reach it.
 *
 * One connection serves the process; statements are serialised through a queue so that a
 * transaction is never interleaved with another caller's statements.
 */
export interface ControlPlane {
  readonly file: string;
  /** Rows of a read as plain objects (JSON-friendly values: BIGINT as string, timestamps as ISO strings). */
  query<T = Record<string, unknown>>(sql: string, params?: readonly DuckDBValue[]): Promise<T[]>;
  run(sql: string, params?: readonly DuckDBValue[]): Promise<void>;
  /** Runs `work` inside one transaction; rolls back if it throws. */
  transaction<T>(work: (tx: Pick<ControlPlane, "query" | "run">) => Promise<T>): Promise<T>;
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
  let tail: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = tail.then(work, work);
    tail = next.catch(() => undefined);
    return next;
  };
  const direct = directOps(connection);
  const store: ControlPlane = {
    file,
    query: (sql, params) => serialised(() => direct.query(sql, params)),
    run: (sql, params) => serialised(() => direct.run(sql, params)),
    transaction: (work) =>
      serialised(async () => {
        await connection.run("BEGIN TRANSACTION");
        try {
          const result = await work(direct);
          await connection.run("COMMIT");
          return result;
        } catch (error) {
          await connection.run("ROLLBACK");
          throw error;
        }
      }),
    async schemaVersion() {
      const rows = await store.query<{ version: number }>(
        "SELECT coalesce(max(version), 0)::INTEGER AS version FROM schema_migrations",
      );
      return rows[0]?.version ?? 0;
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
  await migrate(store, migrations);
  return store;
}

function directOps(connection: DuckDBConnection): Pick<ControlPlane, "query" | "run"> {
  return {
    async query<T>(sql: string, params: readonly DuckDBValue[] = []) {
      const reader = await connection.runAndReadAll(sql, params.length ? [...params] : undefined);
      return reader.getRowObjectsJson() as T[];
    },
    async run(sql, params = []) {
      await connection.run(sql, params.length ? [...params] : undefined);
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
