import type {
  DuckDBConnection,
  DuckDBPreparedStatement,
  DuckDBResultReader,
  DuckDBValue,
} from "@duckdb/node-api";

/** Statements kept prepared at most; the control plane's own SQL is a few dozen texts. */
const MAX_PREPARED = 256;

/**
 * The control plane's statements, prepared once per text and bound anew per call. A statement
 * with parameters otherwise costs DuckDB's Node binding an extract, a prepare and a destroy on
 * every call, about a millisecond of the gateway's main thread, several times per job.
 *
 * Callers run one statement at a time on the connection (the statement queue), so a prepared
 * statement is never bound by two callers at once. One whose execution fails is dropped, so no
 * statement is reused in a state its failure left behind.
 */
export class PreparedStatements {
  private readonly prepared = new Map<string, DuckDBPreparedStatement>();

  constructor(private readonly connection: DuckDBConnection) {}

  /** Runs `sql` and reads all of its rows. */
  async read(sql: string, params: readonly DuckDBValue[] = []): Promise<DuckDBResultReader> {
    if (params.length === 0) return this.connection.runAndReadAll(sql);
    return this.withStatement(sql, params, (statement) => statement.runAndReadAll());
  }

  /** Runs `sql` for its effect. */
  async run(sql: string, params: readonly DuckDBValue[] = []): Promise<void> {
    if (params.length === 0) {
      await this.connection.run(sql);
      return;
    }
    await this.withStatement(sql, params, (statement) => statement.run());
  }

  /** Drops every prepared statement (before the connection closes). */
  clear(): void {
    for (const statement of this.prepared.values()) statement.destroySync();
    this.prepared.clear();
  }

  private async withStatement<T>(
    sql: string,
    params: readonly DuckDBValue[],
    execute: (statement: DuckDBPreparedStatement) => Promise<T>,
  ): Promise<T> {
    let statement = this.prepared.get(sql);
    if (!statement) {
      statement = await this.connection.prepare(sql);
      if (this.prepared.size >= MAX_PREPARED) this.clear();
      this.prepared.set(sql, statement);
    }
    try {
      statement.bind([...params]);
      return await execute(statement);
    } catch (error) {
      this.prepared.delete(sql);
      statement.destroySync();
      throw error;
    }
  }
}
