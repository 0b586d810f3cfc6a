import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { clampExpression, sqlNumber } from "../policies/clamp.ts";
import { DomainError } from "../policies/errors.ts";
import type { TimeBucket } from "../policies/query-plan.ts";
import { log } from "../telemetry/log.ts";
import { attachOptions, openDataFileKey } from "./at-rest/data-file-key.ts";
import type { KeyEncryptionKey } from "./at-rest/key-encryption-key.ts";
import { fileDigest } from "./file-digest.ts";

/**
 * Settings under which data is opened for queries. Read-only, no file or network access, no
 * extension loading, and the configuration locked so no statement can undo any of it. These are
 * the second line of defence: untrusted SQL is allow-listed by the policy engine before DuckDB
 * ever sees it (DuckDB's own lockdown alone is not enough).
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
  /**
   * For a DATE or TIMESTAMP column with values: the least and greatest as seconds since
   * 1970-01-01 UTC (`epoch()`), which bound the calendar periods the column spans. Absent for
   * other types and for columns without values.
   */
  readonly epochRange?: { readonly min: number; readonly max: number };
}

/**
 * Facts about the domain's data that the policy engine may rely on to skip work, each verified
 * by a query on the data itself (never assumed from a manifest). A generation of the domain is
 * read-only, so a fact verified once holds for the life of that generation; a new data version
 * makes a new generation with facts of its own.
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
  /**
   * True when no two rows share a non-null `unit` value and the same values of `keys` (NULL being
   * one value): each unit has at most one row per group of a GROUP BY on `keys`, each a column or
   * a calendar period of one. False when some do, or not known yet.
   */
  unitOncePerKey(table: string, unit: string, keys: readonly UnitKey[]): boolean;
  verifyUnitOncePerKey(table: string, unit: string, keys: readonly UnitKey[]): Promise<boolean>;
  /** How many distinct non-null values the column holds; undefined when not known yet. */
  distinctValues(table: string, column: string): number | undefined;
  verifyDistinctValues(table: string, column: string): Promise<number | undefined>;
  /**
   * The values of a privacy-unit column held by more than `rows` rows of the table, NULL aside
   * (for integer and text columns, and at most `MAX_UNITS_OVER_ROWS` of them); undefined when not
   * known yet, or not kept.
   */
  unitsOverRows(table: string, unit: string, rows: number): UnitsOverRows | undefined;
  verifyUnitsOverRows(table: string, unit: string, rows: number): Promise<UnitsOverRows | undefined>;
  /**
   * The values of a privacy-unit column whose rows' values of `column`, each clamped to `bounds`
   * (`lo` ≥ 0), add up to more than `total` in the table, NULL units aside: a superset (a margin
   * covers rounding; NaN clamps to `hi`, as DuckDB orders it above every number and the rewrite's
   * clamp does the same, and a sum that is still not a number is listed). Every unit's total over a
   * subset of its rows is at most its total here, so a unit not listed stays within `total` in any
   * query that reads each of its rows at most once. Same types and limit as `unitsOverRows`.
   */
  unitsOverTotal(table: string, unit: string, column: ColumnTotal): UnitsOverRows | undefined;
  verifyUnitsOverTotal(table: string, unit: string, column: ColumnTotal): Promise<UnitsOverRows | undefined>;
  /** The column's profile; undefined when the check failed or has not finished yet. */
  columnProfile(table: string, column: string): ColumnProfile | undefined;
  verifyColumnProfile(table: string, column: string): Promise<ColumnProfile | undefined>;
}

/**
 * A group key a unit's rows are checked against: a column, or the calendar period `bucket` puts a
 * column into (`month(d)`, `date_trunc('month', d)`).
 */
export type UnitKey = string | { readonly column: string; readonly bucket: TimeBucket };

/**
 * The SQL that puts a column into a calendar period, by the partition it makes: every function
 * the gate reads as the same bucket (`month`, `date_part('month', …)`; `dayofweek`, `isodow`)
 * groups rows alike, and that is all a check of one row per group reads.
 */
const PART_SQL: Readonly<Record<TimeBucket["unit"], string>> = {
  year: "year",
  quarter: "quarter",
  month: "month",
  week: "week",
  day: "day",
  weekday: "isodow",
  hour: "hour",
};

/** A unit key as it is written in a fact's memo key: the column, or `kind:unit:column`. */
function unitKeyText(key: UnitKey): string {
  return typeof key === "string" ? key : `${key.bucket.kind}:${key.bucket.unit}:${key.column}`;
}

/** The memo key of a one-row-per-unit-and-keys fact: `table.unit.key,key...`. */
function onceKey(table: string, unit: string, keys: readonly UnitKey[]): string {
  return `${table}.${unit}.${keys.map(unitKeyText).join(",")}`;
}

/** The SQL of a unit key's text; null for anything but a plain column name and a known period. */
function unitKeySql(text: string): string | null {
  const [a, b, column, extra] = text.split(":");
  if (b === undefined) return PLAIN_NAME.test(a ?? "") ? `"${a}"` : null;
  if (extra !== undefined || !column || !PLAIN_NAME.test(column) || !Object.hasOwn(PART_SQL, b)) return null;
  const unit = b as TimeBucket["unit"];
  if (a === "part") return `${PART_SQL[unit]}("${column}")`;
  return a === "trunc" && unit !== "weekday" ? `date_trunc('${unit}', "${column}")` : null;
}

/** A column's values clamped to `bounds` and added up per unit, held against `total`. */
export interface ColumnTotal {
  readonly column: string;
  readonly bounds: { readonly lo: number; readonly hi: number };
  readonly total: number;
}

/** Unit values of one column, with the DuckDB type to hold them in. */
export type UnitsOverRows =
  | { readonly type: "BIGINT"; readonly values: readonly bigint[] }
  | { readonly type: "VARCHAR"; readonly values: readonly string[] };

/** More units than this over a count are not kept (the query takes the general path). */
export const MAX_UNITS_OVER_ROWS = 1_000_000;

/** The data version of each dataset a generation serves, by dataset name. */
export type DataVersionStamp = Readonly<Record<string, number>>;

/** One dataset's data version as the control plane records it: its file and that file's SHA-256. */
export interface DataVersionFile {
  readonly dataset: string;
  readonly version: number;
  /** The version's DuckDB file, relative to the datasets folder. */
  readonly file: string;
  readonly sha256: string;
}

/** Where a versioned domain learns which data versions to serve (the control plane). */
export interface DataVersionSource {
  /** The current version of every dataset that has data. */
  current(): Promise<readonly DataVersionFile[]>;
  /** The files of the versions named (a job keeps the versions it started on). */
  resolve(versions: DataVersionStamp): Promise<readonly DataVersionFile[]>;
}

/** Whether this node can serve the data versions the control plane names, and if not, why. */
export type DomainReadiness =
  | { readonly servable: true; readonly versions: DataVersionStamp }
  | {
      readonly servable: false;
      /** What is wrong and what to do, with the file's path (for the node's log and its operators). */
      readonly problem: string;
      /** The same without paths, for unauthenticated readiness probes. */
      readonly summary: string;
    };

/**
 * The data domain: the bureau's datasets, opened read-only and locked down. A versioned domain is
 * generational: each generation is one DuckDB instance over one data version of every dataset;
 * when the control plane names another version the next connection comes from a new generation,
 * while connections already handed out keep theirs (a running job reads one version throughout).
 */
export interface DataDomain {
  /** Facts of the current generation's data. */
  readonly facts: DomainFacts;
  /**
   * A new connection; each job gets its own so no job sees another's temporary state. With
   * `versions`, a connection to exactly those data versions (what a job recorded when it started);
   * without, to the versions the control plane names now.
   */
  connect(versions?: DataVersionStamp): Promise<DuckDBConnection>;
  /** Row counts of the tables of the generation of `versions` (default: current), for usage and the catalog. */
  tableRowCounts(versions?: DataVersionStamp): Promise<Map<string, number>>;
  /** Looks at the control plane, switches generation if it names other versions, and says whether they can be served here. */
  readiness(): Promise<DomainReadiness>;
  close(): void;
}

/** The datasets folder cannot serve a data version: missing, or not the bytes the control plane names. */
export class DataUnavailableError extends DomainError {
  constructor(
    detail: string,
    /** The detail without paths. */
    readonly summary: string = detail,
  ) {
    super("NOT_READY", detail);
  }
}

/** Lower snake case, as manifests name tables and columns; anything else is never checked. */
const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/;

function sqlText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** One read-only DuckDB instance over fixed data, with the connections it handed out. */
class Generation {
  readonly facts: DomainFacts;
  private open = 0;
  private retired = false;
  private closed = false;
  private rowCounts: Promise<Map<string, number>> | undefined;
  /** How to close each connection still open, so that `shut` ends them before the instance. */
  private readonly handedOut = new Set<() => void>();

  constructor(
    readonly key: string,
    private readonly instance: DuckDBInstance,
    /** Set per connection: the attached datasets are found by name (search_path is per session). */
    private readonly searchPath: string | undefined,
    private readonly onClosed: (generation: Generation) => void,
  ) {
    this.facts = domainFacts(() => this.connect());
  }

  async connect(): Promise<DuckDBConnection> {
    if (this.closed) throw new Error("data domain generation is closed");
    this.open++;
    let connection: DuckDBConnection;
    try {
      connection = await this.instance.connect();
      if (this.searchPath) await connection.run(`SET search_path = ${sqlText(this.searchPath)}`);
    } catch (error) {
      this.release();
      throw error;
    }
    let released = false;
    const closeSync = connection.closeSync.bind(connection);
    const close = () => {
      if (released) return;
      released = true;
      this.handedOut.delete(close);
      closeSync();
      this.release();
    };
    this.handedOut.add(close);
    connection.closeSync = close;
    connection.disconnectSync = close;
    factsOfConnection.set(connection, this.facts);
    return connection;
  }

  tableRowCounts(): Promise<Map<string, number>> {
    // estimated_size is exact for tables written once and checkpointed, as the domain's are; and
    // a generation's data never changes, so the counts are read once.
    this.rowCounts ??= (async () => {
      const connection = await this.connect();
      try {
        const reader = await connection.runAndReadAll(
          "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name",
        );
        return new Map(reader.getRows().map(([name, size]) => [String(name), Number(size)]));
      } finally {
        connection.closeSync();
      }
    })();
    this.rowCounts.catch(() => {
      this.rowCounts = undefined;
    });
    return this.rowCounts;
  }

  /** No new connections will be asked of it: it closes when its last one closes. */
  retire(): void {
    this.retired = true;
    if (this.open === 0) this.shut();
  }

  /** Closes the instance now (the domain is closing): connections still open end with it. */
  shut(): void {
    if (this.closed) return;
    this.closed = true;
    for (const close of [...this.handedOut]) close();
    this.instance.closeSync();
    this.onClosed(this);
  }

  private release(): void {
    this.open--;
    if (this.retired && this.open === 0) this.shut();
  }
}

/**
 * Opens one DuckDB file holding every table of the domain, read-only and locked down: a domain of
 * one generation that never switches (dummy domains of local runs, benchmarks, policy tests).
 *
 * @example
 * const domain = await openDataDomain("/tmp/dummy.duckdb");
 * const connection = await domain.connect();
 */
export async function openDataDomain(file: string, options: DataDomainOptions = {}): Promise<DataDomain> {
  const instance = await DuckDBInstance.create(file, { ...LOCKED_DOWN, ...tuning(options) });
  const generation = new Generation(file, instance, undefined, () => undefined);
  return {
    facts: generation.facts,
    connect: () => generation.connect(),
    tableRowCounts: () => generation.tableRowCounts(),
    readiness: async () => ({ servable: true, versions: {} }),
    close: () => generation.shut(),
  };
}

export interface VersionedDataDomainOptions extends DataDomainOptions {
  /** The datasets folder: each version's file is named relative to it. */
  readonly datasetsDir: string;
  readonly source: DataVersionSource;
  /** Opens the data keys of encrypted version files; without it only plain files can be served. */
  readonly kek?: KeyEncryptionKey | undefined;
}

/** The empty DuckDB file each generation opens read-only as its main database; data is attached. */
export const ANCHOR_FILE = "anchor.duckdb";

/**
 * Opens the data domain of a datasets folder: one generation per set of data versions, each an
 * instance of the (empty) anchor file opened read-only with every version file ATTACHed read-only,
 * then external access disabled and the configuration locked. Each dataset's table is found by
 * its plain name through the connection's search path, so the query gate and the policy engine
 * see the same tables as in a one-file domain. Before a version file is first served, its SHA-256
 * is checked against the one the control plane recorded: a node never answers from other data.
 *
 * @example
 * const domain = await openVersionedDataDomain({ datasetsDir: "data/datasets", source });
 * const readiness = await domain.readiness();
 */
export async function openVersionedDataDomain(options: VersionedDataDomainOptions): Promise<DataDomain> {
  const dir = resolve(options.datasetsDir);
  const anchor = join(dir, ANCHOR_FILE);
  if (!existsSync(anchor)) await createAnchor(dir);
  /** Files whose bytes were checked here: a version file is written once, never changed. */
  const verified = new Map<string, string>();
  /** Generations still open, by key: the current one and those whose jobs still run. */
  const live = new Map<string, Generation>();
  const building = new Map<string, Promise<Generation>>();
  let current: Generation | undefined;
  let closed = false;

  const keyOf = (files: readonly DataVersionFile[]) =>
    files
      .map((f) => `${f.dataset}@${f.version}`)
      .sort()
      .join(",");
  const stampKey = (versions: DataVersionStamp) =>
    Object.entries(versions)
      .map(([dataset, version]) => `${dataset}@${version}`)
      .sort()
      .join(",");

  const verify = async (file: DataVersionFile): Promise<string> => {
    if (!PLAIN_NAME.test(file.dataset)) throw new DataUnavailableError(`not a dataset name: ${file.dataset}`);
    const path = resolve(dir, file.file);
    if (!path.startsWith(`${dir}/`))
      throw new DataUnavailableError(
        `data version ${file.version} of ${file.dataset} names a file outside ${dir}`,
      );
    if (verified.get(path) === file.sha256) return path;
    if (!existsSync(path)) {
      throw new DataUnavailableError(
        `data version ${file.version} of ${file.dataset} is not on this node (${path} is missing): copy the datasets folder to this node, or mount the shared one`,
        `data version ${file.version} of ${file.dataset} is not on this node`,
      );
    }
    const { sha256 } = await fileDigest(path);
    if (sha256 !== file.sha256) {
      throw new DataUnavailableError(
        `data version ${file.version} of ${file.dataset} at ${path} is not the file the control plane recorded (SHA-256 ${sha256.slice(0, 16)}…, recorded ${file.sha256.slice(0, 16)}…): copy the datasets folder to this node again`,
        `data version ${file.version} of ${file.dataset} on this node is not the file the control plane recorded`,
      );
    }
    verified.set(path, sha256);
    return path;
  };

  /** The DuckDB key of an encrypted version file (undefined for a plain one). */
  const fileKey = async (file: DataVersionFile, path: string): Promise<string | undefined> => {
    try {
      return await openDataFileKey(options.kek, path);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DataUnavailableError(
        `data version ${file.version} of ${file.dataset} cannot be opened: ${reason}`,
        `data version ${file.version} of ${file.dataset} is encrypted under a key this node does not hold`,
      );
    }
  };

  const build = (files: readonly DataVersionFile[]): Promise<Generation> => {
    const key = keyOf(files);
    const existing = live.get(key);
    if (existing) return Promise.resolve(existing);
    let pending = building.get(key);
    if (!pending) {
      pending = (async () => {
        const paths = [];
        for (const file of files) {
          const path = await verify(file);
          paths.push({ file, path, key: await fileKey(file, path) });
        }
        const instance = await DuckDBInstance.create(anchor, {
          ...LOCKED_DOWN,
          // Lifted only while the version files are attached, then disabled and locked below.
          enable_external_access: "true",
          lock_configuration: "false",
          ...tuning(options),
        });
        try {
          const setup = await instance.connect();
          try {
            for (const { file, path, key } of paths)
              await setup
                .run(`ATTACH ${sqlText(path)} AS "d_${file.dataset}"${attachOptions(true, key)}`)
                .catch((error: unknown) => {
                  throw key === undefined ? error : wrongKey(file);
                });
            await setup.run("SET enable_external_access = false");
            await setup.run("SET lock_configuration = true");
          } finally {
            setup.closeSync();
          }
        } catch (error) {
          instance.closeSync();
          throw error;
        }
        const searchPath = paths.map(({ file }) => `d_${file.dataset}.main`).join(",");
        const generation = new Generation(key, instance, searchPath || undefined, (g) => {
          if (live.get(g.key) === g) live.delete(g.key);
        });
        live.set(key, generation);
        return generation;
      })().finally(() => building.delete(key));
      building.set(key, pending);
    }
    return pending;
  };

  /** Refreshes in the order they read the store: a slow one never puts back what a later one replaced. */
  let reads = 0;
  let applied = 0;
  const refresh = async (): Promise<Generation> => {
    if (closed) throw new Error("data domain is closed");
    const read = ++reads;
    const files = await options.source.current();
    const key = keyOf(files);
    if (current?.key === key) return current;
    const next = await build(files);
    // A later read already switched: it is the current one (this one stays for whoever asked for it).
    if (read < applied && current) return current;
    applied = read;
    if (current !== next) {
      const previous = current;
      current = next;
      // Its running jobs keep it until their connections close.
      previous?.retire();
    }
    return next;
  };

  const generationOf = async (versions: DataVersionStamp | undefined): Promise<Generation> => {
    if (!versions) return refresh();
    const key = stampKey(versions);
    const known = current?.key === key ? current : live.get(key);
    if (known) return known;
    const now = await refresh();
    if (now.key === key) return now;
    // Versions that are no longer (or not yet) current: a generation of their own, closed with
    // its last connection (see `whileUsed`).
    return build(await options.source.resolve(versions));
  };

  /** Runs `use` on a generation; one that is not current is closed once nothing uses it. */
  const whileUsed = async <T>(generation: Generation, use: (g: Generation) => Promise<T>): Promise<T> => {
    try {
      return await use(generation);
    } finally {
      if (generation !== current) generation.retire();
    }
  };

  const facts: DomainFacts = {
    uniqueColumn: (table, column) => current?.facts.uniqueColumn(table, column) ?? false,
    verifyUniqueColumn: async (table, column) => (await refresh()).facts.verifyUniqueColumn(table, column),
    maxRowsPerValue: (table, column) => current?.facts.maxRowsPerValue(table, column),
    verifyMaxRowsPerValue: async (table, column) =>
      (await refresh()).facts.verifyMaxRowsPerValue(table, column),
    unitOncePerKey: (table, unit, keys) => current?.facts.unitOncePerKey(table, unit, keys) ?? false,
    verifyUnitOncePerKey: async (table, unit, keys) =>
      (await refresh()).facts.verifyUnitOncePerKey(table, unit, keys),
    unitsOverRows: (table, unit, rows) => current?.facts.unitsOverRows(table, unit, rows),
    verifyUnitsOverRows: async (table, unit, rows) =>
      (await refresh()).facts.verifyUnitsOverRows(table, unit, rows),
    unitsOverTotal: (table, unit, column) => current?.facts.unitsOverTotal(table, unit, column),
    verifyUnitsOverTotal: async (table, unit, column) =>
      (await refresh()).facts.verifyUnitsOverTotal(table, unit, column),
    distinctValues: (table, column) => current?.facts.distinctValues(table, column),
    verifyDistinctValues: async (table, column) =>
      (await refresh()).facts.verifyDistinctValues(table, column),
    columnProfile: (table, column) => current?.facts.columnProfile(table, column),
    verifyColumnProfile: async (table, column) => (await refresh()).facts.verifyColumnProfile(table, column),
  };

  return {
    facts,
    async connect(versions) {
      return whileUsed(await generationOf(versions), (g) => g.connect());
    },
    async tableRowCounts(versions) {
      return whileUsed(await generationOf(versions), (g) => g.tableRowCounts());
    },
    async readiness() {
      try {
        const generation = await refresh();
        return { servable: true, versions: stampOf(generation.key) };
      } catch (error) {
        if (error instanceof DataUnavailableError)
          return { servable: false, problem: error.detail, summary: error.summary };
        throw error;
      }
    },
    close() {
      if (closed) return;
      closed = true;
      for (const generation of [...live.values()]) generation.shut();
      current = undefined;
    },
  };
}

/** DuckDB refused the data key a version's wrapped key opened to: the key file is not the file's. */
function wrongKey(file: DataVersionFile): DataUnavailableError {
  return new DataUnavailableError(
    `data version ${file.version} of ${file.dataset} does not open with the data key beside it: restore the version file and its .key file together from a backup`,
    `data version ${file.version} of ${file.dataset} does not open with its data key`,
  );
}

function stampOf(key: string): DataVersionStamp {
  if (!key) return {};
  return Object.fromEntries(
    key.split(",").map((part) => {
      const [dataset, version] = part.split("@");
      return [dataset!, Number(version)];
    }),
  );
}

function tuning(options: DataDomainOptions): Record<string, string> {
  const settings: Record<string, string> = {};
  if (options.threads !== undefined) settings.threads = String(options.threads);
  if (options.memoryLimit !== undefined) settings.memory_limit = options.memoryLimit;
  return settings;
}

/** Writes the empty anchor file (once per datasets folder); written beside and renamed, so it appears whole. */
async function createAnchor(dir: string): Promise<void> {
  const { mkdir, rename, rm } = await import("node:fs/promises");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const partial = join(dir, `.${ANCHOR_FILE}.${process.pid}.partial`);
  await rm(partial, { force: true });
  const instance = await DuckDBInstance.create(partial);
  instance.closeSync();
  await rename(partial, join(dir, ANCHOR_FILE));
}

/**
 * The facts of the domain a connection belongs to. The job service builds a query service per job
 * from a bare connection; this lets that service find the facts of its generation. Undefined for a
 * connection this module did not open: the engine then takes the general path.
 */
export function domainFactsOf(connection: object): DomainFacts | undefined {
  return factsOfConnection.get(connection);
}

const factsOfConnection = new WeakMap<object, DomainFacts>();

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
      pending = check(key).catch((error: unknown) => {
        log.warn("a domain fact could not be verified; queries take the general path", { fact: key, error });
        return undefined;
      });
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

const totalKey = (table: string, unit: string, c: ColumnTotal): string =>
  JSON.stringify([table, unit, c.column, c.bounds.lo, c.bounds.hi, c.total]);

/** Integer text from DuckDB (a HUGEINT rendered as VARCHAR); anything else is unknown. */
function integerOf(value: unknown): bigint | null {
  return typeof value === "string" && /^-?\d+$/.test(value) ? BigInt(value) : null;
}

const TIME_TYPE = /^(DATE|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE)$/;

const NUMERIC_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL\(\d+,\d+\))$/;

function domainFacts(connect: () => Promise<DuckDBConnection>): DomainFacts {
  const query = async <T>(sql: string, params: string[], read: (row: unknown[]) => T): Promise<T> => {
    const connection = await connect();
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
  // Key: as `onceKey` writes it.
  const oncePerKey = verifiedOnce<boolean>(async (key) => {
    const [table, unit, list, extra] = key.split(".");
    const keys = (list?.split(",") ?? []).map(unitKeySql);
    if (extra !== undefined || !table || !unit || keys.length === 0) return undefined;
    if (![table, unit].every((name) => PLAIN_NAME.test(name)) || keys.includes(null)) return undefined;
    const grouping = [`"${unit}"`, ...keys].join(", ");
    return query(
      `SELECT coalesce(max(n), 0) <= 1 FROM (SELECT count(*) AS n FROM "${table}" WHERE "${unit}" IS NOT NULL GROUP BY ${grouping})`,
      [],
      (row) => (typeof row[0] === "boolean" ? row[0] : undefined),
    );
  });
  /** The units of `table` (plain names) whose rows meet `having`, up to `MAX_UNITS_OVER_ROWS`. */
  const unitsHaving = async (
    table: string,
    unit: string,
    having: string,
  ): Promise<UnitsOverRows | undefined> => {
    const type = (await profile.verify(`${table}.${unit}`))?.type;
    const integer = type !== undefined && /^(U?(TINYINT|SMALLINT|INTEGER)|BIGINT)$/.test(type);
    if (!integer && type !== "VARCHAR") return undefined;
    const connection = await connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT CAST("${unit}" AS VARCHAR) FROM "${table}" WHERE "${unit}" IS NOT NULL GROUP BY "${unit}" HAVING ${having} LIMIT ${MAX_UNITS_OVER_ROWS + 1}`,
      );
      const values = reader.getColumnsJson()[0] ?? [];
      if (values.length > MAX_UNITS_OVER_ROWS) return undefined;
      return integer
        ? { type: "BIGINT", values: values.map((v) => BigInt(String(v))) }
        : { type: "VARCHAR", values: values.map(String) };
    } finally {
      connection.closeSync();
    }
  };
  // Key: `table.unit.rows`.
  const overRows = verifiedOnce<UnitsOverRows>(async (key) => {
    const [table, unit, rows, extra] = key.split(".");
    if (extra !== undefined || !table || !unit || !PLAIN_NAME.test(table) || !PLAIN_NAME.test(unit))
      return undefined;
    if (!/^\d{1,9}$/.test(rows ?? "")) return undefined;
    return unitsHaving(table, unit, `count(*) > ${rows}`);
  });
  // Key: the JSON of [table, unit, column, lo, hi, total].
  const overTotal = verifiedOnce<UnitsOverRows>(async (key) => {
    const [table, unit, column, lo, hi, total] = JSON.parse(key) as unknown[];
    const names = [table, unit, column];
    const numbers = [lo, hi, total];
    if (!names.every((n): n is string => typeof n === "string" && PLAIN_NAME.test(n))) return undefined;
    if (!numbers.every((n): n is number => typeof n === "number" && Number.isFinite(n))) return undefined;
    if ((lo as number) < 0 || (hi as number) < (lo as number)) return undefined;
    // Clamped by the rewrite's own clamp (no facts given: in DOUBLE); a sum that is not a number
    // is listed (`NOT (… <= …)`). The margin covers the rounding of a DOUBLE sum against the
    // rewrite's own (DECIMAL or DOUBLE), so the list stays a superset.
    const clamped = clampExpression(`"${column}"`, { lo: lo as number, hi: hi as number });
    return unitsHaving(
      table as string,
      unit as string,
      `NOT (sum(${clamped}) <= ${sqlNumber(total as number)} * (1 - 1e-6))`,
    );
  });
  // Asked only of the columns group keys read (a count of distinct values costs a hash table of them).
  const distinct = verifiedOnce<number>(async (key) => {
    const names = split(key);
    if (!names) return undefined;
    const [table, column] = names;
    return query(`SELECT CAST(count(DISTINCT "${column}") AS DOUBLE) FROM "${table}"`, [], (row) =>
      typeof row[0] === "number" ? row[0] : undefined,
    );
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
    // An infinite date or timestamp has no epoch: TRY_CAST leaves the span unknown.
    const span = TIME_TYPE.test(type)
      ? `TRY_CAST(epoch(min("${column}")) AS DOUBLE), TRY_CAST(epoch(max("${column}")) AS DOUBLE)`
      : "NULL, NULL";
    return query(
      `SELECT count(*) > count("${column}"), ${envelope}, ${span} FROM "${table}"`,
      [],
      (row): ColumnProfile => {
        const min = integerOf(row[1]);
        const max = integerOf(row[2]);
        const [from, to] = [row[3], row[4]];
        return {
          type,
          hasNulls: row[0] !== false,
          range: min !== null && max !== null ? { min, max } : null,
          ...(typeof from === "number" &&
          typeof to === "number" &&
          Number.isFinite(from) &&
          Number.isFinite(to)
            ? { epochRange: { min: from, max: to } }
            : {}),
        };
      },
    );
  });
  return {
    uniqueColumn: (table, column) => unique.known(`${table}.${column}`) === true,
    verifyUniqueColumn: async (table, column) => (await unique.verify(`${table}.${column}`)) === true,
    maxRowsPerValue: (table, column) => maxRows.known(`${table}.${column}`),
    verifyMaxRowsPerValue: (table, column) => maxRows.verify(`${table}.${column}`),
    unitOncePerKey: (table, unit, keys) => oncePerKey.known(onceKey(table, unit, keys)) === true,
    verifyUnitOncePerKey: async (table, unit, keys) =>
      (await oncePerKey.verify(onceKey(table, unit, keys))) === true,
    unitsOverRows: (table, unit, rows) => overRows.known(`${table}.${unit}.${rows}`),
    verifyUnitsOverRows: (table, unit, rows) => overRows.verify(`${table}.${unit}.${rows}`),
    unitsOverTotal: (table, unit, c) => overTotal.known(totalKey(table, unit, c)),
    verifyUnitsOverTotal: (table, unit, c) => overTotal.verify(totalKey(table, unit, c)),
    distinctValues: (table, column) => distinct.known(`${table}.${column}`),
    verifyDistinctValues: (table, column) => distinct.verify(`${table}.${column}`),
    columnProfile: (table, column) => profile.known(`${table}.${column}`),
    verifyColumnProfile: (table, column) => profile.verify(`${table}.${column}`),
  };
}
