import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/**
 * The DuckDB the policy engine parses and renders SQL with: empty, in memory, with no file or
 * network access and its configuration locked — untrusted SQL is only ever parsed here, never run.
 */
export async function openSqlParser(): Promise<{ readonly connection: DuckDBConnection; close(): void }> {
  const instance = await DuckDBInstance.create(":memory:", {
    enable_external_access: "false",
    autoload_known_extensions: "false",
    autoinstall_known_extensions: "false",
    lock_configuration: "true",
    threads: "1",
  });
  const connection = await instance.connect();
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
