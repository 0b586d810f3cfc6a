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

/**
 * Facts about the domain's data that the policy engine may rely on to skip work, each verified
 * by a query on the data itself (never assumed from a manifest). The domain is read-only, so a
 * fact verified once holds for the life of the instance.
 */
export interface DomainFacts {
  /**
   * True when the column's non-null values are all distinct; false when they are not, or when
   * that is not known yet: the first ask starts the check in the background, so no query waits
   * for it (the caller takes the general path until the answer is in).
   */
  uniqueColumn(table: string, column: string): boolean;
  /** Runs the uniqueness check now (e.g. at start, for the privacy-unit columns of the catalog). */
  verifyUniqueColumn(table: string, column: string): Promise<boolean>;
}

/** The data domain: the DuckDB file holding the bureau's datasets, opened read-only and locked down. */
export interface DataDomain {
  readonly file: string;
  readonly facts: DomainFacts;
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
  const facts = domainFacts(instance);
  return {
    file,
    facts,
    async connect() {
      if (closed) throw new Error("data domain is closed");
      const connection = await instance.connect();
      connections.push(connection);
      factsOfConnection.set(connection, facts);
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

/**
 * The facts of the domain a connection belongs to. The job service builds a query service per job
 * from a bare connection; this lets that service find the facts of its domain. Undefined for a
 * connection this module did not open: the engine then takes the general path.
 */
export function domainFactsOf(connection: object): DomainFacts | undefined {
  return factsOfConnection.get(connection);
}

const factsOfConnection = new WeakMap<object, DomainFacts>();

/** Lower snake case, as manifests name tables and columns; anything else is never checked. */
const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/;

function domainFacts(instance: DuckDBInstance): DomainFacts {
  const unique = new Map<string, Promise<boolean>>();
  const known = new Map<string, boolean>();
  const verifyUniqueColumn = (table: string, column: string): Promise<boolean> => {
    const key = `${table}.${column}`;
    let check = unique.get(key);
    if (!check) {
      check = (async () => {
        if (!PLAIN_NAME.test(table) || !PLAIN_NAME.test(column)) return false;
        const connection = await instance.connect();
        try {
          const reader = await connection.runAndReadAll(
            `SELECT count(DISTINCT "${column}") = count("${column}") AS is_unique FROM "${table}"`,
          );
          return reader.getRowsJson()[0]?.[0] === true;
        } finally {
          connection.closeSync();
        }
      })().catch(() => false);
      check.then((answer) => known.set(key, answer));
      unique.set(key, check);
    }
    return check;
  };
  return {
    uniqueColumn(table, column) {
      const answer = known.get(`${table}.${column}`);
      if (answer === undefined) void verifyUniqueColumn(table, column);
      return answer === true;
    },
    verifyUniqueColumn,
  };
}
