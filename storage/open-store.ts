import { join } from "node:path";
import { openPostgresStore, type PostgresTarget } from "./postgres-store.ts";
import type { SqlStore } from "./sql-store.ts";
import { openSqliteStore } from "./sqlite-store.ts";

/** The embedded control plane's file in a data folder. */
export function controlStoreFile(dataDir: string): string {
  return join(dataDir, "control.sqlite");
}

/**
 * The control-plane store a node uses: PostgreSQL when `databaseUrl` is set (several nodes share
 * it), else the SQLite file in the data folder (one node). Migrated to the current schema.
 */
export function openControlStore(options: {
  dataDir: string;
  /** DATABASE_URL, or the connection made from it and the TLS files. */
  databaseUrl?: PostgresTarget | undefined;
}): Promise<SqlStore> {
  return options.databaseUrl
    ? openPostgresStore(options.databaseUrl)
    : openSqliteStore(controlStoreFile(options.dataDir));
}
