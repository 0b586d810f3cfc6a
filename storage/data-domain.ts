import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/**
 * Settings under which the data domain is opened for everything after generation. Read-only, no
 * file or network access, no extension loading, and the configuration locked so no statement can
 * undo any of it. These are the second line of defence: untrusted SQL is allow-listed by the
 * policy engine before DuckDB ever sees it (DuckDB's own lockdown alone is not enough).
 */
const LOCKED_DOWN: Readonly<Record<string, string>> = {
  access_mode: "READ_ONLY",
  enable_external_access: "false",
  autoinstall_known_extensions: "false",
  autoload_known_extensions: "false",
  allow_community_extensions: "false",
  allow_unsigned_extensions: "false",
  lock_configuration: "true",
};

export interface DataDomainOptions {
  /** DuckDB worker threads for queries (default: DuckDB's choice, all cores). */
  readonly threads?: number;
  /** DuckDB memory limit, e.g. "4GB". */
  readonly memoryLimit?: string;
}

/** The data domain: the DuckDB file holding the bureau's datasets, opened read-only and locked down. */
export interface DataDomain {
  readonly file: string;
  /** A new connection; each job gets its own so no job sees another's temporary state. */
  connect(): Promise<DuckDBConnection>;
  /** Row counts of the domain's tables, for readiness and the catalog. */
  tableRowCounts(): Promise<Map<string, number>>;
  close(): void;
}

/**
 * Opens the data-domain file read-only and locked down.
 *
 * @example
 * const domain = await openDataDomain("data/domain.duckdb");
 * const connection = await domain.connect();
 */
export async function openDataDomain(file: string, options: DataDomainOptions = {}): Promise<DataDomain> {
  const settings: Record<string, string> = { ...LOCKED_DOWN };
  if (options.threads !== undefined) settings.threads = String(options.threads);
  if (options.memoryLimit !== undefined) settings.memory_limit = options.memoryLimit;
  const instance = await DuckDBInstance.create(file, settings);
  const connections: DuckDBConnection[] = [];
  let closed = false;
  return {
    file,
    async connect() {
      if (closed) throw new Error("data domain is closed");
      const connection = await instance.connect();
      connections.push(connection);
      return connection;
    },
    async tableRowCounts() {
      const connection = await instance.connect();
      try {
        // estimated_size is exact for tables written once and checkpointed, as the domain's are.
        const reader = await connection.runAndReadAll(
          "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name",
        );
        return new Map(reader.getRows().map(([name, size]) => [String(name), Number(size)]));
      } finally {
        connection.closeSync();
      }
    },
    close() {
      if (closed) return;
      closed = true;
      for (const connection of connections) connection.closeSync();
      instance.closeSync();
    },
  };
}
