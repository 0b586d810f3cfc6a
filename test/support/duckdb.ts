import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/** A temp folder removed after the suite. */
export async function tempDir(prefix = "aos-test-"): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Opens a DuckDB file read-only and returns a query function of JSON-friendly row objects. */
export async function readOnlyQuery(file: string) {
  const instance = await DuckDBInstance.create(file, { access_mode: "READ_ONLY" });
  const connection = await instance.connect();
  return queryFunctions(instance, connection);
}

function queryFunctions(instance: DuckDBInstance, connection: DuckDBConnection) {
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

/**
 * The current data version of every dataset of a data folder, attached read-only in one DuckDB
 * instance with each table found by its plain name (as jobs see them): ground truth for tests.
 */
export async function readOnlyDomainQuery(
  datasetsDir: string,
  versions: readonly { readonly dataset: string; readonly file: string }[],
) {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  for (const { dataset, file } of versions)
    await connection.run(`ATTACH '${join(datasetsDir, file)}' AS "d_${dataset}" (READ_ONLY)`);
  await connection.run(`SET search_path = '${versions.map((v) => `d_${v.dataset}.main`).join(",")}'`);
  return queryFunctions(instance, connection);
}
