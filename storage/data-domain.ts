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
 * What the domain verified about one column's values. Facts of the data only, never of a
 * manifest: whoever compares them with declared bounds does so at each use, so a policy change
 * (bounds moved) can never reuse a stale conclusion.
 */
export interface ColumnProfile {
  /** The column's DuckDB type as the catalog spells it, e.g. INTEGER or DECIMAL(10,2). */
  readonly type: string;
  /** Some row holds NULL. */
  readonly hasNulls: boolean;
  /**
   * Integers enclosing every non-null value: the floor of the least and the ceiling of the
   * greatest. Null for non-numeric columns, for columns without values, and when a value is not
   * finite (NaN, ±inf): nothing is then known about the range.
   */
  readonly range: { readonly min: bigint; readonly max: bigint } | null;
}

/**
 * Facts about the domain's data that the policy engine may rely on to skip work, each verified
 * by a query on the data itself (never assumed from a manifest). The domain is read-only, so a
 * fact verified once holds for the life of the instance.
 *
 * Each fact has two accessors. The plain one never waits: while a fact is not known yet it
 * answers "unknown" (false, undefined) and starts the check in the background, so no query waits
 * for it (the caller takes the general path until the answer is in). `verify...` runs the check
 * now (e.g. at start, for the columns the catalog's policies name).
 */
export interface DomainFacts {
  /** True when the column's non-null values are all distinct; false when not, or not known yet. */
  uniqueColumn(table: string, column: string): boolean;
  verifyUniqueColumn(table: string, column: string): Promise<boolean>;
  /**
   * The greatest number of rows sharing one non-null value of the column (0 when it has none);
   * undefined when not known yet. For a privacy-unit column: the most rows any unit has.
   */
  maxRowsPerValue(table: string, column: string): number | undefined;
  verifyMaxRowsPerValue(table: string, column: string): Promise<number | undefined>;
  /** The column's profile; undefined when the check failed or has not finished yet. */
  columnProfile(table: string, column: string): ColumnProfile | undefined;
  verifyColumnProfile(table: string, column: string): Promise<ColumnProfile | undefined>;
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
  /** Connections not yet closed, so `close` can end them; a closed one is dropped from the set. */
  const connections = new Set<DuckDBConnection>();
  let closed = false;
  const facts = domainFacts(instance);
  return {
    file,
    facts,
    async connect() {
      if (closed) throw new Error("data domain is closed");
      const connection = await instance.connect();
      connections.add(connection);
      // Every job opens its own connection: without this, each one closed would stay referenced
      // here for the life of the process.
      const closeSync = connection.closeSync.bind(connection);
      connection.closeSync = () => {
        connections.delete(connection);
        closeSync();
      };
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

/**
 * A fact per key, checked at most once: `known` never waits (undefined until the check is done,
 * and the first ask starts it), `verify` waits. A failing check is an unknown fact, never a yes.
 */
function verifiedOnce<T>(check: (key: string) => Promise<T | undefined>) {
  const checks = new Map<string, Promise<T | undefined>>();
  const answers = new Map<string, T | undefined>();
  const verify = (key: string): Promise<T | undefined> => {
    let pending = checks.get(key);
    if (!pending) {
      pending = check(key).catch(() => undefined);
      void pending.then((answer) => answers.set(key, answer));
      checks.set(key, pending);
    }
    return pending;
  };
  return {
    verify,
    known(key: string): T | undefined {
      if (!answers.has(key)) void verify(key);
      return answers.get(key);
    },
  };
}

/** Integer text from DuckDB (a HUGEINT rendered as VARCHAR); anything else is unknown. */
function integerOf(value: unknown): bigint | null {
  return typeof value === "string" && /^-?\d+$/.test(value) ? BigInt(value) : null;
}

const NUMERIC_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL\(\d+,\d+\))$/;

function domainFacts(instance: DuckDBInstance): DomainFacts {
  const query = async <T>(sql: string, params: string[], read: (row: unknown[]) => T): Promise<T> => {
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(sql, params);
      return read(reader.getRowsJson()[0] ?? []);
    } finally {
      connection.closeSync();
    }
  };
  const split = (key: string): [string, string] | null => {
    const [table, column, extra] = key.split(".");
    if (extra !== undefined || !table || !column) return null;
    return PLAIN_NAME.test(table) && PLAIN_NAME.test(column) ? [table, column] : null;
  };
  const maxRows = verifiedOnce<number>(async (key) => {
    const names = split(key);
    if (!names) return undefined;
    const [table, column] = names;
    return query(
      `SELECT CAST(coalesce(max(n), 0) AS DOUBLE) FROM (SELECT count(*) AS n FROM "${table}" WHERE "${column}" IS NOT NULL GROUP BY "${column}")`,
      [],
      (row) => (typeof row[0] === "number" ? row[0] : undefined),
    );
  });
  // Unique is at most one row per value: one scan answers both.
  const unique = verifiedOnce<boolean>(async (key) => {
    const most = await maxRows.verify(key);
    return most !== undefined && most <= 1;
  });
  const profile = verifiedOnce<ColumnProfile>(async (key) => {
    const names = split(key);
    if (!names) return undefined;
    const [table, column] = names;
    const type = await query(
      "SELECT data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = $1 AND column_name = $2",
      [table, column],
      (row) => row[0],
    );
    if (typeof type !== "string") return undefined;
    // TRY_CAST: a NaN or infinite value has no integer envelope, and leaves the range unknown.
    const envelope = NUMERIC_TYPE.test(type)
      ? `CAST(TRY_CAST(floor(min("${column}")) AS HUGEINT) AS VARCHAR), CAST(TRY_CAST(ceil(max("${column}")) AS HUGEINT) AS VARCHAR)`
      : "NULL, NULL";
    return query(
      `SELECT count(*) > count("${column}"), ${envelope} FROM "${table}"`,
      [],
      (row): ColumnProfile => {
        const min = integerOf(row[1]);
        const max = integerOf(row[2]);
        return {
          type,
          hasNulls: row[0] !== false,
          range: min !== null && max !== null ? { min, max } : null,
        };
      },
    );
  });
  return {
    uniqueColumn: (table, column) => unique.known(`${table}.${column}`) === true,
    verifyUniqueColumn: async (table, column) => (await unique.verify(`${table}.${column}`)) === true,
    maxRowsPerValue: (table, column) => maxRows.known(`${table}.${column}`),
    verifyMaxRowsPerValue: (table, column) => maxRows.verify(`${table}.${column}`),
    columnProfile: (table, column) => profile.known(`${table}.${column}`),
    verifyColumnProfile: (table, column) => profile.verify(`${table}.${column}`),
  };
}
