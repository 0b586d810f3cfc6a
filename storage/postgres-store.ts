import { readFile } from "node:fs/promises";
import type { ConnectionOptions } from "node:tls";
import pg from "pg";
import { applyMigrations } from "./schema.ts";
import type { SqlExecutor, SqlStore, SqlValue } from "./sql-store.ts";

/** The files of TLS to PostgreSQL (DATABASE_CA_FILE, DATABASE_CERT_FILE, DATABASE_KEY_FILE). */
export interface PostgresTlsFiles {
  readonly caFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
}

/**
 * How node-postgres reaches the control plane: the URL without its ssl parameters, and the TLS
 * options made from them and the files. A URL alone (`string`) is taken as it is, with no files.
 */
export interface PostgresConnection {
  readonly connectionString: string;
  readonly ssl: false | ConnectionOptions;
}

export type PostgresTarget = string | PostgresConnection;

/** The URL parameters node-postgres would otherwise read itself (files included, synchronously). */
const SSL_PARAMETERS = ["ssl", "sslmode", "sslrootcert", "sslcert", "sslkey", "uselibpqcompat"];

/**
 * Maps DATABASE_URL's `sslmode` (libpq's meanings) and the TLS files to node-postgres' `ssl`:
 * - `disable`, `allow`, `prefer`, or no sslmode and no files: plain (node-postgres cannot fall
 *   back from TLS, so `prefer` is plain; the configuration refuses plain off this machine);
 * - `require`: encrypted; the server is verified against DATABASE_CA_FILE when one is given
 *   (as libpq does), its host name not;
 * - `verify-ca`: encrypted, the chain verified against DATABASE_CA_FILE (required), not the host;
 * - `verify-full`, or no sslmode with a CA or client certificate file: encrypted, chain and host
 *   name verified (against DATABASE_CA_FILE, else the system's roots).
 * Throws an Error naming the setting when a file cannot be read or the combination is wrong.
 */
export async function postgresConnection(
  url: string,
  files: PostgresTlsFiles = {},
): Promise<PostgresConnection> {
  const parsed = new URL(url);
  const mode = parsed.searchParams.get("sslmode");
  for (const name of ["sslrootcert", "sslcert", "sslkey"])
    if (parsed.searchParams.has(name))
      throw new Error(
        `DATABASE_URL: ${name} in the URL is not read; give the file in DATABASE_CA_FILE, DATABASE_CERT_FILE or DATABASE_KEY_FILE`,
      );
  if (parsed.searchParams.has("ssl"))
    throw new Error("DATABASE_URL: say sslmode=require|verify-ca|verify-full rather than ssl=");
  for (const name of SSL_PARAMETERS) parsed.searchParams.delete(name);
  const connectionString = parsed.toString();
  const [ca, cert, key] = await Promise.all([
    readTlsFile("DATABASE_CA_FILE", files.caFile),
    readTlsFile("DATABASE_CERT_FILE", files.certFile),
    readTlsFile("DATABASE_KEY_FILE", files.keyFile),
  ]);
  const client = cert && key ? { cert, key } : {};
  switch (mode) {
    case "disable":
      if (ca || cert)
        throw new Error("DATABASE_URL has sslmode=disable while TLS files are set: drop one of them");
      return { connectionString, ssl: false };
    case "allow":
    case "prefer":
      return { connectionString, ssl: false };
    case "require":
      return {
        connectionString,
        ssl: ca
          ? { ca, ...client, checkServerIdentity: () => undefined }
          : { rejectUnauthorized: false, ...client },
      };
    case "verify-ca":
      if (!ca)
        throw new Error(
          "DATABASE_URL has sslmode=verify-ca: set DATABASE_CA_FILE to the CA that issued the server's certificate",
        );
      return { connectionString, ssl: { ca, ...client, checkServerIdentity: () => undefined } };
    case "verify-full":
      return { connectionString, ssl: { ...(ca ? { ca } : {}), ...client } };
    case null:
      return ca || cert
        ? { connectionString, ssl: { ...(ca ? { ca } : {}), ...client } }
        : { connectionString, ssl: false };
    default:
      throw new Error(
        `DATABASE_URL: sslmode=${mode} is not one of disable, prefer, require, verify-ca, verify-full`,
      );
  }
}

async function readTlsFile(name: string, path: string | undefined): Promise<string | undefined> {
  if (!path) return undefined;
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new Error(
      `${name} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}): check the path and that this user may read it`,
    );
  }
}

/** node-postgres' settings for a target. */
export async function postgresClientConfig(target: PostgresTarget): Promise<PostgresConnection> {
  return typeof target === "string" ? postgresConnection(target) : target;
}

export interface PostgresStoreOptions {
  /** Connections kept open at most (default 10). */
  readonly maxConnections?: number;
}

/** PostgreSQL's `timestamp` and `timestamptz` type ids. */
const TIMESTAMP_OIDS = new Set([1114, 1184]);

/**
 * A timestamp as PostgreSQL writes it (`2026-12-04 15:39:20.574127+00`, or without a zone for
 * `timestamp`, which the control plane only ever means as UTC) in the RFC 3339 form the rest of
 * the control plane writes: `2026-12-04T15:39:20.574Z`.
 */
export function rfc3339FromPostgres(text: string): string {
  const zoned = /(Z|[+-]\d\d(:?\d\d)?)$/.test(text) ? text : `${text}Z`;
  const iso = zoned.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00");
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? text : time.toISOString();
}

// Counts and sums (BIGINT, NUMERIC) come back as numbers, as SQLite gives them: every figure the
// control plane keeps (micro-ε, positions, counts) is far below 2^53. Timestamps come back as the
// RFC 3339 text every column holds (instants are stored as text; this covers any the SQL computes,
// e.g. `now()`), so no record reaches the API in PostgreSQL's own timestamp form.
export const POSTGRES_TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20 || oid === 1700) return (text: string) => Number(text);
    if (TIMESTAMP_OIDS.has(oid)) return rfc3339FromPostgres;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/**
 * The control plane on PostgreSQL, for several nodes sharing one store (`DATABASE_URL`).
 * Transactions run at READ COMMITTED on a pooled connection; the statements that must serialise
 * (the audit chain's head, a license's budget) take row locks or are conditional updates, so two
 * nodes never interleave where it matters.
 */
export async function openPostgresStore(
  target: PostgresTarget,
  options: PostgresStoreOptions = {},
): Promise<SqlStore> {
  const connection = await postgresClientConfig(target);
  const url = connection.connectionString;
  const pool = new pg.Pool({
    ...connection,
    max: options.maxConnections ?? 10,
    types: POSTGRES_TYPES,
  });
  // An idle connection the server closed must not take the process down.
  pool.on("error", () => undefined);
  const location = redact(url);
  const executor = (client: pg.Pool | pg.PoolClient): SqlExecutor => ({
    dialect: "postgres",
    async query<T>(sql: string, params: readonly SqlValue[] = []) {
      return (await client.query(sql, params as SqlValue[])).rows as T[];
    },
    async run(sql, params = []) {
      return (await client.query(sql, params as SqlValue[])).rowCount ?? 0;
    },
  });
  const transaction = async <T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      try {
        const result = await work(executor(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        // A connection that cannot roll back is broken: PostgreSQL drops the transaction with it,
        // and the work's own error is the one to report.
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    } finally {
      client.release();
    }
  };
  try {
    await applyMigrations({ dialect: "postgres", transaction, location });
  } catch (error) {
    await pool.end();
    throw error;
  }
  const direct = executor(pool);
  return {
    dialect: "postgres",
    location,
    query: direct.query,
    run: direct.run,
    transaction,
    close: () => pool.end(),
  };
}

/** The URL without its password, for logs and messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres (unparsable URL)";
  }
}
