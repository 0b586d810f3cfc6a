import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

/** A temp folder removed after the suite. */
export async function tempDir(prefix = "aos-test-"): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Opens a DuckDB file read-only and returns a query function of JSON-friendly row objects. */
export async function readOnlyQuery(file: string) {
  const instance = await DuckDBInstance.create(file, { access_mode: "READ_ONLY" });
  const connection = await instance.connect();
  return {
    async all<T = Record<string, unknown>>(sql: string): Promise<T[]> {
      return (await connection.runAndReadAll(sql)).getRowObjectsJson() as T[];
    },
    async one<T = Record<string, unknown>>(sql: string): Promise<T> {
      const rows = (await connection.runAndReadAll(sql)).getRowObjectsJson() as T[];
      if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
      return rows[0]!;
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
