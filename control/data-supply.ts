import { createHash, randomBytes } from "node:crypto";
import { link, mkdir, open, rm, unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { DomainError, type ErrorCode } from "../policies/errors.ts";
import { ColumnType, type DatasetManifest } from "../policies/manifest.ts";
import {
  allowEncryptedWrites,
  attachOptions,
  createDataFileKey,
  type DataFileEncryption,
  dataFileKeyFile,
} from "../storage/at-rest/data-file-key.ts";
import { syncFile } from "../storage/durable-file.ts";
import { fileDigest } from "../storage/file-digest.ts";
import { sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlStore } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import { type Actor, requireActor } from "./authority.ts";
import {
  type DataFormat,
  type DataVersionInfo,
  datasetVisibleTo,
  findDataVersion,
  switchCurrent,
} from "./data-versions.ts";
import { notify } from "./inbox.ts";

/**
 * Supply of a new data version of a dataset: the upload is streamed to a file (hashed as it
 * arrives, cut off at the size limit), loaded by DuckDB into the version's own DuckDB file with
 * exactly the manifest's columns and types, counted, synced and hashed; then one audited
 * transaction records the version and makes it current. A version that fails any check changes
 * nothing: its files are removed, the refusal is logged with the reason, and the caller is told
 * exactly what is wrong (which column, which type — never a value of the data).
 *
 * Files: `DATASETS_DIR/<dataset>/v<N>-<8 hex>.duckdb`, one table named like the dataset, written
 * once and then only read. The random part keeps two gateways sharing the folder (or a crash
 * between writing a file and committing its row) from ever giving two versions one name.
 */

export interface DataSupplyDeps {
  readonly store: Pick<SqlStore, "transaction" | "query">;
  readonly audit: AuditSink;
  /** The datasets folder every node reads versions from. */
  readonly datasetsDir: string;
  /** The largest upload accepted, in bytes (DATA_UPLOAD_MAX_BYTES). */
  readonly maxBytes: number;
  /** With a KEK, each version file is written encrypted under a data key of its own. */
  readonly encryption?: DataFileEncryption | undefined;
}

/** Formats a holder or the bureau may upload (what the domain stores is always DuckDB). */
export type UploadFormat = Extract<DataFormat, "parquet" | "csv">;

/** What a version is loaded from: an uploaded file, or a table of an older release's domain file. */
export type VersionSource =
  | { readonly format: UploadFormat; readonly path: string }
  | { readonly format: "duckdb"; readonly path: string; readonly table: string };

export interface SupplyRequest {
  readonly dataset: string;
  readonly format: UploadFormat;
  /** The upload, streamed: never held in memory whole. */
  readonly body: AsyncIterable<Uint8Array>;
  readonly note?: string;
  /** Told how many bytes have arrived so far (progress of big uploads). */
  readonly onBytes?: (bytes: number) => void;
}

/**
 * Supplies a new data version of `dataset` as `actor` (the bureau, or a member of the dataset's
 * holder department; another department's holder is told the dataset does not exist).
 *
 * @example
 * const version = await supplyDataVersion(deps, actor, {
 *   dataset: "air_quality", format: "csv", body: createReadStream("air.csv"),
 * });
 */
export async function supplyDataVersion(
  deps: DataSupplyDeps,
  actor: Actor,
  request: SupplyRequest,
): Promise<DataVersionInfo> {
  requireActor(actor, ["bureau", "holder"], "supply a data version");
  // The bureau may supply the data of a dataset it has not registered yet: its policy, published
  // next, must then describe the table exactly (the policy check). Holders supply registered ones.
  const manifest = (await datasetVisibleTo(deps.store, actor, request.dataset, true))?.manifest;
  const refusal = refuser(deps.audit, actor.id, request.dataset, request.format);
  const incoming = join(resolve(deps.datasetsDir), ".incoming");
  await mkdir(incoming, { recursive: true, mode: 0o700 });
  const upload = join(incoming, `upload-${randomBytes(8).toString("hex")}.${request.format}`);
  try {
    const received = await receive(request.body, upload, deps.maxBytes, request.onBytes);
    if (received.kind === "too-large") {
      return await refusal(
        "PAYLOAD_TOO_LARGE",
        `the upload exceeds the limit of ${deps.maxBytes} bytes (DATA_UPLOAD_MAX_BYTES): split the data, or ask the domain's administrator to raise the limit`,
        { bytes: received.bytes },
      );
    }
    if (received.bytes === 0) return await refusal("BAD_REQUEST", "the upload is empty", { bytes: 0 });
    return await storeDataVersion(deps, {
      dataset: request.dataset,
      ...(manifest ? { manifest } : {}),
      source: { format: request.format, path: upload },
      sha256: received.sha256,
      bytes: received.bytes,
      actor: actor.id,
      ...(request.note === undefined ? {} : { note: request.note }),
      refusal,
    });
  } finally {
    await rm(upload, { force: true });
  }
}

export interface StoreVersionRequest {
  readonly dataset: string;
  /** The policy the data must fit; absent for a dataset not registered yet (columns as supplied). */
  readonly manifest?: DatasetManifest;
  readonly source: VersionSource;
  /** SHA-256 and size of what was supplied. */
  readonly sha256: string;
  readonly bytes: number;
  /** Principal id, or `seed` / `upgrade`. */
  readonly actor: string;
  readonly note?: string;
  /**
   * Record the version only if the dataset has none yet (demo data and upgrades, which several
   * nodes starting together may each attempt): otherwise nothing is recorded and the existing
   * current version is answered.
   */
  readonly onlyFirst?: boolean;
  /** How refusals are recorded; default: logged as `dataset.supply_refused` by `actor`. */
  readonly refusal?: Refusal;
}

type Refusal = (code: ErrorCode, reason: string, data?: Record<string, unknown>) => Promise<never>;

/**
 * Loads `source` into a new version file of the manifest's dataset and records it as the current
 * version, in one audited transaction. The path every supply takes: uploads, the demo data at
 * first start, and the split of an older release's domain file.
 */
export async function storeDataVersion(
  deps: Pick<DataSupplyDeps, "store" | "audit" | "datasetsDir" | "encryption">,
  request: StoreVersionRequest,
): Promise<DataVersionInfo> {
  const { manifest, dataset } = request;
  if (!PLAIN_NAME.test(dataset)) throw new DomainError("BAD_REQUEST", `not a dataset name: ${dataset}`);
  if (manifest && manifest.name !== dataset)
    throw new DomainError("BAD_REQUEST", `the manifest describes ${manifest.name}, not ${dataset}`);
  const refusal = request.refusal ?? refuser(deps.audit, request.actor, dataset, request.source.format);
  const latest = await latestVersion(deps.store, dataset);
  if (request.onlyFirst && latest > 0) return currentInfo(deps.store, dataset);
  const version = latest + 1;
  const folder = join(resolve(deps.datasetsDir), dataset);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const name = `v${version}-${randomBytes(4).toString("hex")}.duckdb`;
  const partial = join(folder, `.${name}.partial`);
  const final = join(folder, name);
  let linked = false;
  try {
    // The wrapped key goes beside the final name first: a version file never exists without it.
    const encryption = deps.encryption
      ? { key: await createDataFileKey(deps.encryption.kek, final), writer: deps.encryption.writer }
      : undefined;
    const loaded = await loadVersionFile(dataset, manifest, request.source, partial, encryption);
    if (loaded.kind === "refused") return await refusal("BAD_REQUEST", loaded.reason);
    await syncFile(partial);
    const stored = await fileDigest(partial);
    // link, not rename: it never replaces a file already there.
    await link(partial, final);
    linked = true;
    await unlink(partial);
    await syncFile(folder);
    const relative = `${dataset}/${name}`;
    const info = await deps.store.transaction(async (tx) => {
      await sqlDialect.turn(tx, "domainVersion");
      const now = await latestVersion(tx, dataset);
      if (request.onlyFirst && now > 0) return undefined;
      if (now !== latest) {
        throw new DomainError(
          "CONFLICT",
          `another data version of ${dataset} (version ${now}) was supplied meanwhile: supply again to make yours version ${now + 1}`,
        );
      }
      const previous = await tx.query<{ version: number }>(
        "SELECT version FROM data_current WHERE dataset = $1",
        [dataset],
      );
      await tx.run(
        `INSERT INTO data_versions (dataset, version, format, sha256, file, file_sha256, rows, bytes, supplied_by, supplied_at, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          dataset,
          version,
          request.source.format,
          request.sha256,
          relative,
          stored.sha256,
          loaded.rows,
          request.bytes,
          request.actor,
          new Date().toISOString(),
          request.note ?? null,
        ],
      );
      await switchCurrent(tx, dataset, version, request.actor);
      const before = previous[0] ? Number(previous[0].version) : null;
      await deps.audit.appendIn(tx, [
        {
          type: "dataset.version_supplied",
          actor: request.actor,
          subject: { datasets: [dataset] },
          data: {
            dataset,
            version,
            previousVersion: before,
            rows: loaded.rows,
            sha256: request.sha256,
            bytes: request.bytes,
            format: request.source.format,
            fileSha256: stored.sha256,
            ...(request.note === undefined ? {} : { note: request.note }),
          },
        },
      ]);
      await notify(
        tx,
        { roles: ["bureau"], holdersOf: [dataset], except: request.actor },
        {
          kind: "dataset.version_supplied",
          subject: { dataset },
          message: `data version ${version} of ${dataset} is current (${loaded.rows} rows, SHA-256 ${request.sha256.slice(0, 16)}…), supplied by ${request.actor}`,
        },
      );
      const { file: _file, ...recorded } = (await findDataVersion(tx, dataset, version))!;
      return recorded;
    });
    if (!info) {
      await rm(final, { force: true });
      await rm(dataFileKeyFile(final), { force: true });
      return currentInfo(deps.store, dataset);
    }
    return info;
  } catch (error) {
    // Nothing was recorded: the files this call wrote go (a committed version is never removed).
    await rm(partial, { force: true });
    await rm(`${partial}.wal`, { force: true });
    if (linked) await rm(final, { force: true });
    await rm(dataFileKeyFile(final), { force: true });
    throw error;
  }
}

async function latestVersion(store: Pick<SqlStore, "query">, dataset: string): Promise<number> {
  const rows = await store.query<{ version: number | null }>(
    "SELECT max(version) AS version FROM data_versions WHERE dataset = $1",
    [dataset],
  );
  return Number(rows[0]?.version ?? 0);
}

async function currentInfo(store: Pick<SqlStore, "query">, dataset: string): Promise<DataVersionInfo> {
  const rows = await store.query<{ version: number }>("SELECT version FROM data_current WHERE dataset = $1", [
    dataset,
  ]);
  const found = rows[0] ? await findDataVersion(store, dataset, Number(rows[0].version)) : undefined;
  if (!found) throw new DomainError("NOT_FOUND", `dataset ${dataset} has no current data version`);
  const { file: _file, ...info } = found;
  return info;
}

/** Logs a refused supply (with the reason) and throws the refusal to the caller. */
function refuser(audit: AuditSink, actor: string, dataset: string, format: DataFormat): Refusal {
  return async (code, reason, data = {}) => {
    await audit.append({
      type: "dataset.supply_refused",
      actor,
      subject: { datasets: [dataset] },
      data: { dataset, format, reason, ...data },
    });
    throw new DomainError(code, `data version of ${dataset} refused: ${reason}`);
  };
}

type Received =
  | { readonly kind: "file"; readonly sha256: string; readonly bytes: number }
  | { readonly kind: "too-large"; readonly bytes: number };

/** Writes the upload to `file` chunk by chunk, hashing as it goes; stops at `maxBytes`. */
async function receive(
  body: AsyncIterable<Uint8Array>,
  file: string,
  maxBytes: number,
  onBytes?: (bytes: number) => void,
): Promise<Received> {
  const hash = createHash("sha256");
  let bytes = 0;
  const handle = await open(file, "wx", 0o600);
  try {
    for await (const chunk of body) {
      bytes += chunk.byteLength;
      // Refused before writing: an oversized upload never fills the disk beyond the limit.
      if (bytes > maxBytes) return { kind: "too-large", bytes };
      hash.update(chunk);
      await handle.write(chunk);
      onBytes?.(bytes);
    }
  } finally {
    await handle.close();
  }
  return { kind: "file", sha256: hash.digest("hex"), bytes };
}

type Loaded =
  | { readonly kind: "loaded"; readonly rows: number }
  | { readonly kind: "refused"; readonly reason: string };

const PLAIN_NAME = /^[a-z][a-z0-9_]{0,62}$/;
/** Types a number in text can be rounded into. */
const EXACT_NUMBER = /^(SMALLINT|INTEGER|BIGINT|DECIMAL\(\d+,\d+\))$/;
const quoteText = (text: string) => `'${text.replaceAll("'", "''")}'`;
const quoteName = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Writes `target`, a new DuckDB file holding one table named `dataset` with exactly the manifest's
 * columns (in its order) and types, from `source`. Each column of the manifest must be present by
 * name, no other column may be, and every non-null value must convert to the declared type without
 * loss (a value whose conversion back differs, e.g. 2.5 to INTEGER, is refused). Without a
 * manifest (a dataset not registered yet) the columns are taken as the file gives them, and each
 * type must be one a manifest can declare. Refusals name columns, types and counts, never values:
 * DuckDB's own messages can quote data, so they are never passed on.
 */
export async function loadVersionFile(
  dataset: string,
  manifest: DatasetManifest | undefined,
  source: VersionSource,
  target: string,
  /** The file's DuckDB encryption key and how to write it; absent: a plain file. */
  encryption?: { readonly key: string; readonly writer: DataFileEncryption["writer"] },
): Promise<Loaded> {
  await rm(target, { force: true });
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  // The version is written into an attached file: DuckDB encrypts only attached databases.
  const instance = await DuckDBInstance.create(":memory:", {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
    allow_community_extensions: "false",
    allow_unsigned_extensions: "false",
  });
  const connection = await instance.connect();
  try {
    if (encryption) await allowEncryptedWrites(connection, encryption.writer);
    await connection.run(`ATTACH ${quoteText(target)} AS version${attachOptions(false, encryption?.key)}`);
    await connection.run("USE version");
    let reader: string;
    let what: string;
    if (source.format === "duckdb") {
      await connection.run(`ATTACH ${quoteText(source.path)} AS source (READ_ONLY)`);
      reader = `source.main.${quoteName(source.table)}`;
      what = `a DuckDB file with a table ${source.table}`;
    } else if (source.format === "csv") {
      // Against a manifest every field is read as text and converted to its declared type below.
      reader = `read_csv(${quoteText(source.path)}, header = true${manifest ? ", all_varchar = true" : ""})`;
      what = "CSV with a header row";
    } else {
      reader = `read_parquet(${quoteText(source.path)})`;
      what = "a Parquet file";
    }
    let present: Map<string, string>;
    try {
      const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${reader}`);
      present = new Map(described.getRows().map(([name, type]) => [String(name), String(type)]));
    } catch (error) {
      return { kind: "refused", reason: `the file cannot be read as ${what}${readerPosition(error)}` };
    }
    if (!manifest) {
      const undeclarable = [...present].filter(([, type]) => !ColumnType.safeParse(type).success);
      if (undeclarable.length > 0) {
        return {
          kind: "refused",
          reason: `${undeclarable.map(([name, type]) => `column ${name} is ${type}`).join("; ")}, which a manifest cannot declare (${COLUMN_TYPES}): convert it before supplying`,
        };
      }
    }
    const columns = manifest?.columns ?? [...present].map(([name, type]) => ({ name, type }));
    const problems = manifest ? columnMismatches(manifest, present) : [];
    if (problems.length > 0) return { kind: "refused", reason: problems.join("; ") };

    const converted = columns.filter((c) => present.get(c.name) !== c.type);
    const checks = converted.map(({ name, type }) => {
      const column = quoteName(name);
      const from = present.get(name)!;
      const cast = `TRY_CAST(${column} AS ${type})`;
      // Text converts when DuckDB parses it, and a number in text must keep its value (DuckDB
      // rounds "41.5" to INTEGER 42); a typed value must come back unchanged from the conversion.
      const lossy =
        from !== "VARCHAR"
          ? ` OR CAST(${cast} AS ${from}) IS DISTINCT FROM ${column}`
          : EXACT_NUMBER.test(type)
            ? ` OR TRY_CAST(${column} AS DOUBLE) IS DISTINCT FROM CAST(${cast} AS DOUBLE)`
            : "";
      return `count_if(${column} IS NOT NULL AND (${cast} IS NULL${lossy}))`;
    });
    let counts: unknown[];
    try {
      const reader_ = await connection.runAndReadAll(
        `SELECT count(*)::BIGINT${checks.map((c) => `, ${c}::BIGINT`).join("")} FROM ${reader}`,
      );
      counts = reader_.getRowsJson()[0] ?? [];
    } catch (error) {
      return { kind: "refused", reason: `the file could not be read to the end${readerPosition(error)}` };
    }
    const rows = Number(counts[0]);
    const unconvertible = converted.flatMap((column, i) => {
      const bad = Number(counts[i + 1]);
      return bad > 0
        ? [
            `column ${column.name}: ${bad} value${bad === 1 ? "" : "s"} of type ${present.get(column.name)} cannot be stored as ${column.type}`,
          ]
        : [];
    });
    if (unconvertible.length > 0) return { kind: "refused", reason: unconvertible.join("; ") };
    const select = columns
      .map(({ name, type }) =>
        present.get(name) === type
          ? quoteName(name)
          : `CAST(${quoteName(name)} AS ${type}) AS ${quoteName(name)}`,
      )
      .join(", ");
    try {
      await connection.run(`CREATE TABLE ${quoteName(dataset)} AS SELECT ${select} FROM ${reader}`);
    } catch (error) {
      return { kind: "refused", reason: `the file could not be stored${readerPosition(error)}` };
    }
    if (source.format === "duckdb") await connection.run("DETACH source");
    await connection.run("CHECKPOINT version");
    await connection.run("USE memory");
    await connection.run("DETACH version");
    return { kind: "loaded", rows };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * What a manifest and a table's (or file's) columns disagree on, one phrase each, or nothing: the
 * same columns by name with the same types. `actual` maps column names to DuckDB types; types are
 * compared only when `compareTypes` (an upload converts to the declared types instead).
 */
export function columnMismatches(
  manifest: Pick<DatasetManifest, "columns">,
  actual: ReadonlyMap<string, string>,
  compareTypes = false,
): string[] {
  const declared = new Map(manifest.columns.map((c) => [c.name, c.type]));
  const problems: string[] = [];
  for (const [name, type] of declared) {
    const real = actual.get(name);
    if (real === undefined) problems.push(`column ${name} (${type}) is missing`);
    else if (compareTypes && real !== type) problems.push(`column ${name} is ${real}, declared ${type}`);
  }
  for (const name of actual.keys())
    if (!declared.has(name)) problems.push(`column ${name} is not declared in the manifest`);
  return problems;
}

/** The line a reader stopped at, when DuckDB's message names one (the message itself may quote data). */
function readerPosition(error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  const line = /line:?\s*(\d+)/i.exec(message)?.[1];
  return line ? ` (the reader stopped at line ${line})` : "";
}

const COLUMN_TYPES = "BOOLEAN, SMALLINT, INTEGER, BIGINT, DOUBLE, DECIMAL(p,s), DATE, TIMESTAMP, VARCHAR";
