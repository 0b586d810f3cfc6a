import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { openPostgresStore } from "../../storage/postgres-store.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { openSqliteStore } from "../../storage/sqlite-store.ts";
import { tempDir } from "./duckdb.ts";

/** A fresh, empty control-plane store of one kind, and how to throw it away. */
export interface TestStore {
  readonly store: SqlStore;
  /** For a PostgreSQL store, the URL of its database (a second node opens it again). */
  readonly url?: string;
  /** For a SQLite store, its file. */
  readonly file?: string;
  reopen(): Promise<SqlStore>;
  dispose(): Promise<void>;
}

export type StoreKind = "sqlite" | "postgres";

/** Both adapters, for contract suites: `describe.each(STORE_KINDS)`. */
export const STORE_KINDS: readonly StoreKind[] = ["sqlite", "postgres"];

/** A new database on the test PostgreSQL server (see `postgres-server.ts`). */
export async function newPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = inject("postgresUrl");
  const name = `aos_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  if (kind === "postgres") {
    const db = await newPostgresDatabase();
    const stores: SqlStore[] = [await openPostgresStore(db.url)];
    return {
      store: stores[0]!,
      url: db.url,
      async reopen() {
        const store = await openPostgresStore(db.url);
        stores.push(store);
        return store;
      },
      async dispose() {
        for (const store of stores) await store.close();
        await db.drop();
      },
    };
  }
  const dir = await tempDir("aos-store-");
  const file = `${dir.dir}/control.sqlite`;
  const stores: SqlStore[] = [await openSqliteStore(file)];
  return {
    store: stores[0]!,
    file,
    async reopen() {
      const store = await openSqliteStore(file);
      stores.push(store);
      return store;
    },
    async dispose() {
      for (const store of stores) await store.close();
      await dir.remove();
    },
  };
}
