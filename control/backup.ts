import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import Database from "better-sqlite3";
import pg from "pg";
import { z } from "zod";
import { type AuditStore, openStoreAuditLedger } from "../audit/store-ledger.ts";
import { verifyAuditLog } from "../audit/verify.ts";
import { dataFileKeyFile, isEncryptedDataFile } from "../storage/at-rest/data-file-key.ts";
import type { KeyEncryptionKey } from "../storage/at-rest/key-encryption-key.ts";
import { isSealed, sealedUnder } from "../storage/at-rest/sealed-file.ts";
import { syncFile, writeFileDurably } from "../storage/durable-file.ts";
import { fileDigest } from "../storage/file-digest.ts";
import { acquireWriterLock, type WriterLock } from "../storage/node-lock.ts";
import { POSTGRES_TYPES, redact } from "../storage/postgres-store.ts";
import { MIGRATIONS, schemaVersion } from "../storage/schema.ts";
import type { SqlValue } from "../storage/sql-store.ts";
import { openSqliteReader } from "../storage/sqlite-store.ts";
import { loadDomainKey } from "./at-rest.ts";
import { type DataFolder, dataFolder } from "./data-folder.ts";

/**
 * Backup and restore of a node's data folder: the control plane (which holds the audit log), the
 * data versions of every dataset, the key pair and the demo credentials, with a manifest
 * (`backup.json`) that names each file's SHA-256, the schema version, the audit log's head and
 * every data version with its current one.
 *
 * A backup is taken while the node runs. The SQLite control plane is copied with `VACUUM INTO`
 * from a connection of its own: one read transaction, so the copy is the database as of one commit
 * (state changes and their audit entries together), never a half-checkpointed WAL as a file copy
 * would give. Data version files are written once and never changed, so plain copies are
 * consistent; every version the copied control plane records is copied (a restore may switch back
 * to any of them), each checked against its recorded SHA-256. With PostgreSQL the database is
 * backed up with its own tools (`pg_dump`); the folder parts and an export of the audit log are
 * taken here.
 */

/** The backup's manifest file. */
export const BACKUP_MANIFEST = "backup.json";
/** The audit log as JSON lines (what `GET /v1/audit/export` gives), up to the head the manifest names. */
export const AUDIT_EXPORT = "audit.jsonl";
/** Where the documented `pg_dump` writes the PostgreSQL control plane, beside the folder parts. */
export const POSTGRES_DUMP = "control.dump";

const FORMAT = "aos-backup/2";
/** Backups of the release before data versions: one domain file, which a start splits into versions. */
const FORMAT_V1 = "aos-backup/1";

/** A data version's file, as the control plane names it relative to the datasets folder. */
// A version file, or the wrapped data key beside an encrypted one (`….duckdb.key`).
const VERSION_FILE = /^[a-z][a-z0-9_]{0,62}\/v\d+-[0-9a-f]{8}\.duckdb(\.key)?$/;
/** Where data version files sit in a backup (and in a data folder by default). */
const DATASETS = "datasets";

/**
 * The files a backup may hold: a data folder's own, the data version files, and the audit export.
 * Nothing else is ever restored (the names are checked, so none can point outside the folder).
 */
const BackupFile = z.union([
  z.enum([
    "control.sqlite",
    "domain.duckdb",
    "domain.duckdb.wal",
    "domain-key.pem",
    "domain-key.pub.pem",
    "demo-credentials.json",
    AUDIT_EXPORT,
  ]),
  z
    .string()
    .refine((name) => name.startsWith(`${DATASETS}/`) && VERSION_FILE.test(name.slice(DATASETS.length + 1))),
]);
type BackupFile = z.infer<typeof BackupFile>;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const FileDigest = z.object({ sha256: Sha256, bytes: z.number().int().nonnegative() });
type FileDigest = z.infer<typeof FileDigest>;

/** `backup.json`: what a backup holds and the state it was taken at. */
export const BackupManifest = z.object({
  format: z.literal(FORMAT),
  createdAt: z.string(),
  /** The data folder backed up (absolute). */
  source: z.string(),
  controlPlane: z.discriminatedUnion("kind", [
    z.object({
      kind: z.literal("sqlite"),
      file: z.literal("control.sqlite"),
      schemaVersion: z.number().int(),
    }),
    z.object({
      kind: z.literal("postgres"),
      /** The database's URL without its password. */
      location: z.string(),
      schemaVersion: z.number().int(),
      /** Where the documented pg_dump writes the database (not written, nor hashed, by the backup). */
      dump: z.literal(POSTGRES_DUMP),
    }),
  ]),
  audit: z.object({
    export: z.literal(AUDIT_EXPORT),
    /** Entries in the log at backup time (positions 0 … entries − 1). */
    entries: z.number().int().nonnegative(),
    /** The last of them: position and hash. Absent for an empty log. */
    head: z.object({ position: z.number().int().nonnegative(), hash: Sha256 }).optional(),
  }),
  /** Every data version the control plane records, and which is current; their files are in `datasets/`. */
  dataVersions: z.object({
    versions: z.array(
      z.object({
        dataset: z.string(),
        version: z.number().int().positive(),
        file: z.string().regex(VERSION_FILE),
        fileSha256: Sha256,
      }),
    ),
    current: z.record(z.string(), z.number().int().positive()),
  }),
  files: z.record(BackupFile, FileDigest),
});
export type BackupManifest = z.infer<typeof BackupManifest>;

/** The manifest of a backup of the release before data versions (verified and restored as it is). */
const BackupManifestV1 = BackupManifest.omit({ format: true, dataVersions: true }).extend({
  format: z.literal(FORMAT_V1),
  domain: z.object({
    file: z.literal("domain.duckdb"),
    sha256: Sha256,
    bytes: z.number().int().nonnegative(),
    version: z.number().int().positive().optional(),
  }),
});
export type AnyBackupManifest = BackupManifest | z.infer<typeof BackupManifestV1>;

/** Why a backup or a restore was refused; the message names the file or folder and what to do. */
export class BackupError extends Error {
  override readonly name = "BackupError";
  constructor(
    readonly code:
      | "NOT_A_DATA_FOLDER"
      | "SOURCE_UNREACHABLE"
      | "TARGET_NOT_EMPTY"
      | "SOURCE_CHANGED"
      | "SOURCE_INCONSISTENT"
      | "INVALID_BACKUP"
      | "TARGET_OCCUPIED"
      | "TARGET_IN_USE"
      | "KEK_REQUIRED",
    message: string,
    /** The backup file at fault, when one is. */
    readonly file?: string,
  ) {
    super(message);
  }
}

/** What a backup or restore is doing, for progress lines. */
export type BackupProgress =
  | { readonly kind: "snapshot"; readonly file: string; readonly bytes: number }
  | { readonly kind: "exported"; readonly file: string; readonly entries: number }
  | { readonly kind: "copied"; readonly file: string; readonly bytes: number }
  /** The audit log (backup), or the whole backup (restore), verified. */
  | { readonly kind: "verified"; readonly what: "audit-log" | "backup"; readonly entries: number }
  | { readonly kind: "moved-aside"; readonly to: string };

export interface BackupOptions {
  /** The node's PostgreSQL control plane (DATABASE_URL); unset: the SQLite file in the folder. */
  readonly databaseUrl?: string | undefined;
  /** The node's datasets folder when it is not DIR/datasets (DATASETS_DIR). */
  readonly datasetsDir?: string | undefined;
  /** The node's key-encryption key (KEK_FILE or KEK), needed when its signing key is sealed. */
  readonly kek?: KeyEncryptionKey | undefined;
  readonly onProgress?: (event: BackupProgress) => void;
}

export interface BackupReport {
  /** The backup folder (absolute). */
  readonly dir: string;
  readonly manifest: BackupManifest;
  /** With PostgreSQL: the command that backs up the database, to run next (the URL from the environment). */
  readonly pgDump?: string;
}

/**
 * Backs up the data folder `dataDir` into the new folder `target` (which must not exist, or be
 * empty), while a node may be running on it. The folder appears complete or not at all: it is
 * written beside `target` and renamed into place once its manifest is written. The copied audit
 * log is verified with the domain's public key before the backup is accepted.
 *
 * @example
 * const { manifest } = await backupDataFolder("./data", "/backups/aos-2026-12-04");
 * console.log(`${manifest.audit.entries} audit entries, ${manifest.dataVersions.versions.length} data versions`);
 */
export async function backupDataFolder(
  dataDir: string,
  target: string,
  options: BackupOptions = {},
): Promise<BackupReport> {
  const folder = dataFolder(dataDir, options.datasetsDir);
  const out = resolve(target);
  const progress = options.onProgress ?? (() => undefined);
  await assertBackupSource(folder, options.databaseUrl);
  if (within(out, folder.dir))
    throw new BackupError("TARGET_NOT_EMPTY", `${out} is inside the data folder: a backup goes elsewhere`);
  await assertEmptyTarget(out);
  // Checked first: a mismatched pair would make every later check of the backup meaningless.
  const signingKey = await openDomainKey(folder, options.kek, "back this folder up");
  await mkdir(dirname(out), { recursive: true, mode: 0o700 });
  const work = await mkdtemp(join(dirname(out), `.${basename(out)}.partial-`));
  try {
    const files: Record<BackupFile, FileDigest> = {};
    let control: ControlSource;
    if (options.databaseUrl) {
      control = await readOnlyPostgres(options.databaseUrl);
    } else {
      const snapshot = join(work, "control.sqlite");
      await snapshotSqlite(folder.controlFile, snapshot);
      files["control.sqlite"] = await fileDigest(snapshot);
      progress({ kind: "snapshot", file: "control.sqlite", bytes: files["control.sqlite"].bytes });
      control = readOnlyStore(snapshot);
    }
    let state: ControlState;
    try {
      state = await readControlState(control);
      const ledger = openStoreAuditLedger(control, {
        privateKey: signingKey.privateKey,
        checkpointIntervalMs: 0,
      });
      if (!options.databaseUrl) {
        // The whole stored log, as the node's own verification checks it (head record, filter columns).
        const verified = await ledger.verify();
        if (!verified.valid) {
          throw new BackupError(
            "SOURCE_INCONSISTENT",
            `the audit log in ${folder.controlFile} does not verify at position ${verified.firstBad?.position}: ${verified.firstBad?.reason}`,
          );
        }
      }
      const exportFile = join(work, AUDIT_EXPORT);
      await exportAuditLines(ledger.lines(), state.audit.entries, exportFile);
      files[AUDIT_EXPORT] = await fileDigest(exportFile);
      progress({ kind: "exported", file: AUDIT_EXPORT, entries: state.audit.entries });
    } finally {
      await control.close();
    }
    await checkAuditExport(join(work, AUDIT_EXPORT), signingKey.publicKey, state.audit, AUDIT_EXPORT);
    progress({ kind: "verified", what: "audit-log", entries: state.audit.entries });

    // Every data version the snapshot records: written once, so a copy taken now is that version.
    for (const version of state.dataVersions.versions) {
      const name: BackupFile = `${DATASETS}/${version.file}`;
      const source = resolve(folder.datasetsDir, version.file);
      if (!existsSync(source))
        throw new BackupError(
          "SOURCE_INCONSISTENT",
          `${source} (data version ${version.version} of ${version.dataset}) is missing: the folder lacks data its control plane records`,
        );
      await mkdir(dirname(join(work, name)), { recursive: true, mode: 0o700 });
      files[name] = await copyHashed(source, join(work, name));
      // An encrypted version is unreadable without its wrapped data key (which only the KEK opens).
      if (isEncryptedDataFile(source)) {
        const keyName: BackupFile = `${name}.key`;
        files[keyName] = await copyHashed(dataFileKeyFile(source), join(work, keyName));
      }
      if (files[name].sha256 !== version.fileSha256) {
        throw new BackupError(
          "SOURCE_INCONSISTENT",
          `${source} is not data version ${version.version} of ${version.dataset} that the control plane records (SHA-256 ${version.fileSha256.slice(0, 16)}…): the folder holds other data than its nodes answer from`,
        );
      }
      progress({ kind: "copied", file: name, bytes: files[name].bytes });
    }
    // The keys are there (checked above); the others only when the folder has them.
    const rest: [BackupFile, string][] = [
      ["domain-key.pem", folder.privateKeyFile],
      ["domain-key.pub.pem", folder.publicKeyFile],
      ["demo-credentials.json", folder.credentialsFile],
    ];
    for (const [name, file] of rest) {
      if (!existsSync(file)) continue;
      files[name] = await copyHashed(file, join(work, name));
      progress({ kind: "copied", file: name, bytes: files[name].bytes });
    }

    const manifest: BackupManifest = {
      format: FORMAT,
      createdAt: new Date().toISOString(),
      source: folder.dir,
      controlPlane: options.databaseUrl
        ? {
            kind: "postgres",
            location: control.location,
            schemaVersion: state.schemaVersion,
            dump: POSTGRES_DUMP,
          }
        : { kind: "sqlite", file: "control.sqlite", schemaVersion: state.schemaVersion },
      audit: { export: AUDIT_EXPORT, ...state.audit },
      dataVersions: state.dataVersions,
      files,
    };
    await writeFileDurably(join(work, BACKUP_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, {
      mode: 0o600,
      exclusive: true,
    });
    await syncFile(work);
    await rename(work, out);
    await syncFile(dirname(out));
    return {
      dir: out,
      manifest,
      ...(options.databaseUrl
        ? { pgDump: `pg_dump --format=custom --file=${shellQuote(join(out, POSTGRES_DUMP))} "$DATABASE_URL"` }
        : {}),
    };
  } catch (error) {
    // Only the partial folder this call created goes; the source is never written.
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Checks a backup without restoring it: every file against its SHA-256 in `backup.json`, the key
 * pair, the audit export against the public key and the head the manifest names, and (SQLite) the
 * control plane's schema version, its audit log (as a node verifies it) and its data-domain version.
 * Throws `BackupError("INVALID_BACKUP")` naming the first file at fault; resolves with the manifest.
 *
 * @example
 * const manifest = await verifyBackup("/backups/aos-2026-12-04");
 */
export async function verifyBackup(
  backupDir: string,
  options: { readonly kek?: KeyEncryptionKey | undefined } = {},
): Promise<AnyBackupManifest> {
  const dir = resolve(backupDir);
  const manifestFile = join(dir, BACKUP_MANIFEST);
  let manifest: AnyBackupManifest;
  try {
    const text = JSON.parse(await readFile(manifestFile, "utf8")) as { format?: unknown };
    manifest = text.format === FORMAT_V1 ? BackupManifestV1.parse(text) : BackupManifest.parse(text);
  } catch (error) {
    throw new BackupError(
      "INVALID_BACKUP",
      `${manifestFile} is not a backup manifest (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`,
      BACKUP_MANIFEST,
    );
  }
  const invalid = (file: string, why: string) =>
    new BackupError("INVALID_BACKUP", `backup file ${file} ${why}`, file);
  const required: BackupFile[] = ["domain-key.pem", "domain-key.pub.pem", AUDIT_EXPORT];
  if (manifest.format === FORMAT_V1) required.push("domain.duckdb");
  else for (const version of manifest.dataVersions.versions) required.push(`${DATASETS}/${version.file}`);
  if (manifest.controlPlane.kind === "sqlite") required.push("control.sqlite");
  for (const name of required) {
    if (!manifest.files[name]) throw invalid(name, `is not listed in ${BACKUP_MANIFEST}`);
  }
  for (const [name, expected] of Object.entries(manifest.files) as [BackupFile, FileDigest][]) {
    const file = join(dir, name);
    if (!existsSync(file)) throw invalid(name, `is missing from ${dir}`);
    const actual = await fileDigest(file);
    if (actual.sha256 !== expected.sha256 || actual.bytes !== expected.bytes) {
      throw invalid(
        name,
        `does not match ${BACKUP_MANIFEST} (SHA-256 ${actual.sha256}, ${actual.bytes} bytes; expected ${expected.sha256}, ${expected.bytes} bytes): the backup is damaged or was altered`,
      );
    }
  }
  if (manifest.format === FORMAT_V1) {
    if (manifest.files["domain.duckdb"]?.sha256 !== manifest.domain.sha256)
      throw invalid("domain.duckdb", `is not the domain version ${BACKUP_MANIFEST} names`);
  } else {
    for (const version of manifest.dataVersions.versions) {
      const name = `${DATASETS}/${version.file}`;
      if (manifest.files[name]?.sha256 !== version.fileSha256)
        throw invalid(
          name,
          `is not data version ${version.version} of ${version.dataset} that ${BACKUP_MANIFEST} names`,
        );
    }
  }
  let key: Awaited<ReturnType<typeof loadDomainKey>>;
  try {
    key = await openDomainKey(
      { privateKeyFile: join(dir, "domain-key.pem"), publicKeyFile: join(dir, "domain-key.pub.pem") },
      options.kek,
      "verify this backup",
    );
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw invalid(
      "domain-key.pem",
      `is not a usable key pair with domain-key.pub.pem (${(error as Error).message})`,
    );
  }
  await checkAuditExport(join(dir, AUDIT_EXPORT), key.publicKey, manifest.audit, AUDIT_EXPORT);

  if (manifest.controlPlane.kind === "sqlite") {
    const { schemaVersion: version } = manifest.controlPlane;
    const newest = Math.max(...MIGRATIONS.map((m) => m.version));
    if (version > newest) {
      throw invalid(
        "control.sqlite",
        `has schema version ${version}, newer than this release's ${newest}: restore it with the newer release`,
      );
    }
    let store: ControlSource | undefined;
    try {
      store = readOnlyStore(join(dir, "control.sqlite"));
      const state = await readControlState(store);
      if (state.schemaVersion !== version)
        throw invalid("control.sqlite", `has schema version ${state.schemaVersion}, not the manifest's`);
      if (
        state.audit.entries !== manifest.audit.entries ||
        state.audit.head?.hash !== manifest.audit.head?.hash
      )
        throw invalid("control.sqlite", `holds another audit head than ${BACKUP_MANIFEST} names`);
      if (
        manifest.format === FORMAT &&
        JSON.stringify(state.dataVersions) !== JSON.stringify(manifest.dataVersions)
      )
        throw invalid("control.sqlite", `records other data versions than ${BACKUP_MANIFEST} names`);
      // Verification only reads; the private key would only sign checkpoints.
      const ledger = openStoreAuditLedger(store, { privateKey: key.privateKey, checkpointIntervalMs: 0 });
      const verified = await ledger.verify();
      if (!verified.valid)
        throw invalid(
          "control.sqlite",
          `holds an audit log that does not verify at position ${verified.firstBad?.position}: ${verified.firstBad?.reason}`,
        );
    } catch (error) {
      if (error instanceof BackupError) throw error;
      throw invalid("control.sqlite", `is not a readable control plane (${(error as Error).message})`);
    } finally {
      await store?.close();
    }
  }
  return manifest;
}

export interface RestoreOptions {
  /** Move a data folder already at the target aside (renamed, never deleted) instead of refusing. */
  readonly force?: boolean;
  /** The key-encryption key the backup's signing key is sealed under, when it is. */
  readonly kek?: KeyEncryptionKey | undefined;
  readonly onProgress?: (event: BackupProgress) => void;
}

export interface RestoreReport {
  /** The restored data folder (absolute). */
  readonly dataDir: string;
  readonly manifest: AnyBackupManifest;
  /** Where the folder that was at the target went (with `force`). */
  readonly keptAs?: string;
  /** With a PostgreSQL backup: the command that restores the database from the dump, to run next. */
  readonly pgRestore?: string;
}

/**
 * Restores a backup into the data folder `dataDir`. Nothing is touched before the whole backup
 * verifies (`verifyBackup`). A target that already holds a data folder is refused — or, with
 * `force`, renamed to `DIR.before-restore-TIME` — and a target a running node holds is always
 * refused. Files are written under temporary names, checked against the manifest again, and
 * renamed into place with the control plane last, so an interrupted restore never looks complete.
 *
 * @example
 * await restoreDataFolder("/backups/aos-2026-12-04", "./data");
 */
export async function restoreDataFolder(
  backupDir: string,
  dataDir: string,
  options: RestoreOptions = {},
): Promise<RestoreReport> {
  const from = resolve(backupDir);
  const folder = dataFolder(dataDir);
  const progress = options.onProgress ?? (() => undefined);
  if (within(from, folder.dir))
    throw new BackupError(
      "TARGET_OCCUPIED",
      `the backup ${from} is inside ${folder.dir}: restore into another folder`,
    );
  const manifest = await verifyBackup(from, { kek: options.kek });
  progress({ kind: "verified", what: "backup", entries: manifest.audit.entries });

  let lock: WriterLock | undefined;
  let keptAs: string | undefined;
  const names = (Object.keys(manifest.files) as BackupFile[]).filter((name) => name !== AUDIT_EXPORT);
  // The control plane goes last: its presence is what makes a folder a node's.
  names.sort((a, b) => Number(a === "control.sqlite") - Number(b === "control.sqlite"));
  const partial = (name: string) => join(folder.dir, `${name}.restoring`);
  let writing = false;
  try {
    if (existsSync(folder.dir)) {
      if (!(await stat(folder.dir)).isDirectory())
        throw new BackupError("TARGET_OCCUPIED", `${folder.dir} exists and is not a folder`);
      lock = await lockFolder(folder.dir);
      const present = occupants(folder).filter((file) => existsSync(file));
      if (present.length > 0) {
        const aside = `${folder.dir}.before-restore-${new Date().toISOString().replace(/[:.]/g, "-")}`;
        if (!options.force) {
          throw new BackupError(
            "TARGET_OCCUPIED",
            `${folder.dir} already holds a data folder (${present.map((f) => basename(f)).join(", ")}): restore into an empty folder, or add --force to move it aside to ${basename(aside)}`,
          );
        }
        await rename(folder.dir, aside);
        // The lock file went with the folder; it was ours. Left behind, it would only mark a folder
        // nothing serves, so a failure to remove it is not worth stopping the restore for.
        await unlink(join(aside, "node.lock")).catch(() => undefined);
        lock = undefined;
        keptAs = aside;
        progress({ kind: "moved-aside", to: aside });
      }
    }
    await mkdir(folder.dir, { recursive: true, mode: 0o700 });
    await chmod(folder.dir, 0o700);
    lock ??= await lockFolder(folder.dir);
    writing = true;
    for (const name of names) {
      await mkdir(dirname(partial(name)), { recursive: true, mode: 0o700 });
      const copied = await copyHashed(join(from, name), partial(name), "w");
      const expected = manifest.files[name]!;
      if (copied.sha256 !== expected.sha256 || copied.bytes !== expected.bytes) {
        throw new BackupError(
          "INVALID_BACKUP",
          `backup file ${name} changed while it was restored (now SHA-256 ${copied.sha256}); the restore stopped before using it`,
          name,
        );
      }
      progress({ kind: "copied", file: name, bytes: copied.bytes });
    }
    for (const name of names) await rename(partial(name), join(folder.dir, name));
    for (const dir of new Set(names.map((name) => dirname(join(folder.dir, name))))) await syncFile(dir);
  } catch (error) {
    // Only this restore's own temporary files go; nothing that was in the folder before.
    if (writing) for (const name of names) await rm(partial(name), { force: true });
    throw error;
  } finally {
    await lock?.release();
  }
  return {
    dataDir: folder.dir,
    manifest,
    ...(keptAs ? { keptAs } : {}),
    ...(manifest.controlPlane.kind === "postgres"
      ? {
          pgRestore: `pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" ${shellQuote(join(from, POSTGRES_DUMP))}`,
        }
      : {}),
  };
}

/**
 * The domain key pair, sealed or not. A sealed key without its KEK is refused with what to set:
 * checking the pair (and the log with it) needs the private half.
 */
async function openDomainKey(
  files: Pick<DataFolder, "privateKeyFile" | "publicKeyFile">,
  kek: KeyEncryptionKey | undefined,
  purpose: string,
) {
  const text = await readFile(files.privateKeyFile, "utf8");
  if (isSealed(text) && !kek)
    throw new BackupError(
      "KEK_REQUIRED",
      `${basename(files.privateKeyFile)} is sealed under the key-encryption key ${sealedUnder(text)}: set KEK_FILE (or KEK) as the node has it to ${purpose}`,
      basename(files.privateKeyFile),
    );
  return loadDomainKey(files, kek);
}

/** Whether `path` is `dir` or inside it. */
function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}${sep}`);
}

/** Files whose presence makes a folder a node's data folder, which a restore must not overwrite. */
function occupants(folder: DataFolder): string[] {
  return [
    folder.controlFile,
    folder.legacyControlFile,
    folder.legacyAuditFile,
    folder.legacyDomainFile,
    folder.datasetsDir,
    folder.privateKeyFile,
  ];
}

async function lockFolder(dir: string): Promise<WriterLock> {
  const file = join(dir, "node.lock");
  try {
    return await acquireWriterLock(file);
  } catch (error) {
    const holder = (await readFile(file, "utf8").catch(() => "")).trim();
    throw new BackupError(
      "TARGET_IN_USE",
      `${dir} is in use by a running node (${holder ? `node.lock held by ${holder}` : error instanceof Error ? error.message : String(error)}): stop it before restoring`,
    );
  }
}

async function assertBackupSource(folder: DataFolder, databaseUrl: string | undefined): Promise<void> {
  const missing = [folder.privateKeyFile, folder.publicKeyFile];
  if (!databaseUrl) missing.push(folder.controlFile);
  const absent = missing.filter((file) => !existsSync(file));
  if (absent.length > 0) {
    throw new BackupError(
      "NOT_A_DATA_FOLDER",
      `${folder.dir} is not a node's data folder: ${absent.map((f) => basename(f)).join(", ")} missing${
        databaseUrl ? "" : " (with a PostgreSQL control plane, set DATABASE_URL)"
      }`,
    );
  }
  if (existsSync(folder.legacyDomainFile)) {
    throw new BackupError(
      "NOT_A_DATA_FOLDER",
      `${folder.legacyDomainFile} is an older release's data domain, not yet split into data versions: start the node once (it splits the file), then back it up`,
    );
  }
  if (existsSync(folder.legacyControlFile)) {
    throw new BackupError(
      "NOT_A_DATA_FOLDER",
      `${folder.legacyControlFile} is an older release's control plane, not yet moved into the store: start the node once (it upgrades the folder), then back it up`,
    );
  }
}

async function assertEmptyTarget(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const entries = await readdir(dir).catch(() => {
    throw new BackupError("TARGET_NOT_EMPTY", `${dir} exists and is not a folder`);
  });
  if (entries.length > 0)
    throw new BackupError("TARGET_NOT_EMPTY", `${dir} is not empty: a backup goes into a new folder`);
}

/**
 * A consistent copy of the SQLite control plane, taken from a connection of its own while the node
 * may be writing: `VACUUM INTO` reads in one transaction, so the copy is the database as of one
 * commit. The copy is a single file (rollback journal, no WAL beside it).
 */
async function snapshotSqlite(source: string, destination: string): Promise<void> {
  // Created empty first (VACUUM INTO accepts an empty file), so the copy is never readable by others.
  await (await open(destination, "wx", 0o600)).close();
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 10000");
    db.prepare("VACUUM INTO ?").run(destination);
  } finally {
    db.close();
  }
}

/** The statements the backup needs of a control plane, and how to let go of it. */
type ControlSource = AuditStore & { readonly location: string; close(): Promise<void> };

/**
 * A SQLite control-plane file opened read-only, as a store that answers reads and refuses writes
 * (the ledger's verification and export read only).
 */
function readOnlyStore(file: string): ControlSource {
  const reader = openSqliteReader(file);
  const refuse = async (): Promise<never> => {
    throw new Error("a backup's control plane is read-only");
  };
  return { ...reader, location: file, run: refuse, transaction: refuse, close: async () => reader.close() };
}

/**
 * The PostgreSQL control plane, read in one REPEATABLE READ, READ ONLY transaction: everything the
 * backup reads (head, lines, versions) is one snapshot, and the session cannot write — a backup
 * never migrates or changes the database, whichever release runs it.
 */
async function readOnlyPostgres(url: string): Promise<ControlSource> {
  const location = redact(url);
  // Counts and positions (BIGINT, NUMERIC) as numbers, as the store's adapter reads them.
  const client = new pg.Client({ connectionString: url, types: POSTGRES_TYPES });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  } catch (error) {
    // The connection failed already: that failure is the one reported; ending it can only fail too.
    await client.end().catch(() => undefined);
    throw new BackupError(
      "SOURCE_UNREACHABLE",
      `cannot read the PostgreSQL control plane at ${location} (DATABASE_URL): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const refuse = async (): Promise<never> => {
    throw new Error("the backup reads the control plane only");
  };
  return {
    dialect: "postgres",
    location,
    async query<T>(sql: string, params: readonly SqlValue[] = []) {
      return (await client.query(sql, params as SqlValue[])).rows as T[];
    },
    run: refuse,
    transaction: refuse,
    async close() {
      // A read-only transaction has nothing to commit: a failed COMMIT loses nothing, and end() follows.
      await client.query("COMMIT").catch(() => undefined);
      await client.end();
    },
  };
}

interface ControlState {
  readonly schemaVersion: number;
  readonly audit: { readonly entries: number; readonly head?: { position: number; hash: string } };
  readonly dataVersions: BackupManifest["dataVersions"];
}

/** What the manifest records of a control plane: read from the snapshot itself, so they agree. */
async function readControlState(store: Pick<AuditStore, "query">): Promise<ControlState> {
  const [head] = await store.query<{ next_position: number; hash: string }>(
    "SELECT next_position, hash FROM audit_head WHERE id = 1",
  );
  if (!head) throw new BackupError("SOURCE_INCONSISTENT", "the control plane has no audit head record");
  const version = await schemaVersion(store);
  // Data versions came with schema version 2; a store of the release before has none.
  const versions =
    version >= 2
      ? await store.query<{ dataset: string; version: number; file: string; file_sha256: string }>(
          "SELECT dataset, version, file, file_sha256 FROM data_versions",
        )
      : [];
  const current =
    version >= 2
      ? await store.query<{ dataset: string; version: number }>("SELECT dataset, version FROM data_current")
      : [];
  const byName = (a: { dataset: string }, b: { dataset: string }) =>
    a.dataset < b.dataset ? -1 : a.dataset > b.dataset ? 1 : 0;
  const entries = Number(head.next_position);
  return {
    schemaVersion: version,
    audit: { entries, ...(entries > 0 ? { head: { position: entries - 1, hash: head.hash } } : {}) },
    dataVersions: {
      versions: versions
        .map((v) => ({
          dataset: v.dataset,
          version: Number(v.version),
          file: v.file,
          fileSha256: v.file_sha256,
        }))
        .sort((a, b) => byName(a, b) || a.version - b.version),
      current: Object.fromEntries(current.sort(byName).map((c) => [c.dataset, Number(c.version)])),
    },
  };
}

/** Writes the first `entries` lines of the log: those the head read before covers, and no more. */
async function exportAuditLines(
  lines: AsyncIterable<{ readonly text: string }>,
  entries: number,
  file: string,
): Promise<void> {
  let written = 0;
  async function* upToHead() {
    if (entries === 0) return;
    for await (const line of lines) {
      yield `${line.text}\n`;
      written += 1;
      if (written === entries) return;
    }
  }
  await pipeline(upToHead(), createWriteStream(file, { flags: "wx", mode: 0o600 }));
  if (written !== entries)
    throw new BackupError(
      "SOURCE_INCONSISTENT",
      `the audit log holds ${written} entries, its head names ${entries}`,
    );
  await syncFile(file);
}

/** An export verifies with the public key, and ends exactly at the head the manifest names. */
async function checkAuditExport(
  file: string,
  publicKey: Parameters<typeof verifyAuditLog>[1]["publicKey"],
  audit: ControlState["audit"],
  name: string,
): Promise<void> {
  const result = await verifyAuditLog(file, { publicKey });
  const why = !result.valid
    ? `does not verify at position ${result.firstBad?.position}: ${result.firstBad?.reason}`
    : result.tornTail
      ? "ends in an unfinished line"
      : result.entries !== audit.entries || result.head?.hash !== audit.head?.hash
        ? `ends at ${result.entries} entries (head ${result.head?.hash ?? "none"}), not at the head ${BACKUP_MANIFEST} names (${audit.entries} entries)`
        : undefined;
  if (why) throw new BackupError("INVALID_BACKUP", `backup file ${name} ${why}`, name);
}

/** Copies a file to a new file of mode 0600, fsync'd, and answers the digest of the bytes written. */
async function copyHashed(from: string, to: string, flags: "wx" | "w" = "wx"): Promise<FileDigest> {
  const hash = createHash("sha256");
  let bytes = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(from), hashing, createWriteStream(to, { flags, mode: 0o600 }));
  await chmod(to, 0o600);
  await syncFile(to);
  return { sha256: hash.digest("hex"), bytes };
}

/** A path as one POSIX shell word, for the commands a backup prints. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
