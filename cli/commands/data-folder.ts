import type { BackupProgress } from "../../control/backup.ts";
import { type Command, type CommandContext, flag } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { fromServerPackage } from "../server-package.ts";

/**
 * Commands run on a node's machine against its data folder, not through the API: backup (while
 * the node runs), verifying a backup, and restore (with the node stopped).
 */

function progressLine(ctx: CommandContext) {
  return (event: BackupProgress) => {
    const size = (bytes: number) =>
      bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
    switch (event.kind) {
      case "snapshot":
        ctx.term.err(`control plane: consistent snapshot ${event.file} (${size(event.bytes)})`);
        break;
      case "exported":
        ctx.term.err(`audit log: ${event.entries} entries exported to ${event.file}`);
        break;
      case "copied":
        ctx.term.err(`copied ${event.file} (${size(event.bytes)})`);
        break;
      case "verified":
        ctx.term.err(
          event.what === "backup"
            ? `backup verified: every file's SHA-256, the key pair, the audit log (${event.entries} entries)`
            : `audit log verified with the domain's public key (${event.entries} entries)`,
        );
        break;
      case "moved-aside":
        ctx.term.err(`moved the folder that was there aside to ${event.to}`);
        break;
    }
  };
}

function dataDirOf(ctx: CommandContext, values: Parameters<Command["run"]>[1], what: string): string {
  const dataDir = flag(values, "data-dir") ?? ctx.env.DATA_DIR;
  if (!dataDir) throw new UsageError(`--data-dir (or DATA_DIR) names ${what}`);
  return dataDir;
}

/** The node's key-encryption key from KEK_FILE or KEK, as the node itself reads it; none: undefined. */
async function nodeKeyEncryptionKey(ctx: CommandContext, command: string) {
  const { loadKeyEncryptionKey } = await fromServerPackage(
    command,
    () => import("../../storage/at-rest/key-encryption-key.ts"),
  );
  return loadKeyEncryptionKey({ file: ctx.env.KEK_FILE, base64: ctx.env.KEK });
}

const backupCommand: Command = {
  name: "backup",
  role: "bureau",
  summary:
    "Back up a data folder, node running or not: control plane, audit log, keys, every data version (on the node's machine)",
  usage:
    "aos backup --data-dir DIR --out DIR   (DATABASE_URL set: the folder parts and the log; pg_dump the rest)",
  options: { "data-dir": { type: "string" }, out: { type: "string" } },
  async run(ctx, values) {
    const dataDir = dataDirOf(ctx, values, "the node's data folder");
    const out = flag(values, "out");
    if (!out) throw new UsageError("--out names the new backup folder");
    const { backupDataFolder } = await fromServerPackage(
      "aos backup",
      () => import("../../control/backup.ts"),
    );
    const report = await backupDataFolder(dataDir, out, {
      databaseUrl: ctx.env.DATABASE_URL,
      datasetsDir: ctx.env.DATASETS_DIR,
      kek: await nodeKeyEncryptionKey(ctx, "aos backup"),
      onProgress: progressLine(ctx),
    });
    const { manifest } = report;
    if (ctx.json) ctx.printJson(report);
    else {
      ctx.term.err(
        `backup in ${report.dir}: audit log at ${manifest.audit.entries} entries${
          manifest.audit.head ? ` (head ${manifest.audit.head.hash.slice(0, 16)}…)` : ""
        }, ${manifest.dataVersions.versions.length} data versions of ${Object.keys(manifest.dataVersions.current).length} datasets`,
      );
    }
    if (report.pgDump) {
      ctx.term.err("the control plane is in PostgreSQL: back the database up with its own tool, now:");
      ctx.term.err(`  ${report.pgDump}`);
    }
    ctx.term.err(
      "the backup holds the domain's private key and the data: keep it encrypted, readable only by the node's user",
    );
    return EXIT.ok;
  },
};

const backupVerifyCommand: Command = {
  name: "backup verify",
  role: "bureau",
  summary: "Check a backup without restoring it: every file's SHA-256, the key pair, the audit log",
  usage: "aos backup verify --from DIR",
  options: { from: { type: "string" } },
  async run(ctx, values) {
    const from = flag(values, "from");
    if (!from) throw new UsageError("--from names the backup folder");
    const { verifyBackup } = await fromServerPackage(
      "aos backup verify",
      () => import("../../control/backup.ts"),
    );
    const manifest = await verifyBackup(from, { kek: await nodeKeyEncryptionKey(ctx, "aos backup verify") });
    if (ctx.json) ctx.printJson({ valid: true, manifest });
    else
      ctx.term.err(
        `valid: backup of ${manifest.source} taken ${manifest.createdAt}, ${manifest.audit.entries} audit entries, ${manifest.controlPlane.kind} control plane at schema version ${manifest.controlPlane.schemaVersion}`,
      );
    return EXIT.ok;
  },
};

const restoreCommand: Command = {
  name: "restore",
  role: "bureau",
  summary: "Restore a backup into a data folder (node stopped); refuses an occupied folder unless --force",
  usage: "aos restore --from DIR --data-dir DIR [--force]",
  options: {
    from: { type: "string" },
    "data-dir": { type: "string" },
    force: { type: "boolean", default: false },
  },
  async run(ctx, values) {
    const from = flag(values, "from");
    if (!from) throw new UsageError("--from names the backup folder");
    const dataDir = dataDirOf(ctx, values, "the folder to restore into");
    const { restoreDataFolder } = await fromServerPackage(
      "aos restore",
      () => import("../../control/backup.ts"),
    );
    const report = await restoreDataFolder(from, dataDir, {
      force: values.force === true,
      kek: await nodeKeyEncryptionKey(ctx, "aos restore"),
      onProgress: progressLine(ctx),
    });
    if (ctx.json) ctx.printJson(report);
    else ctx.term.err(`restored into ${report.dataDir}`);
    if (report.pgRestore) {
      ctx.term.err(
        "the control plane is in PostgreSQL: restore the database from its dump, then start the nodes:",
      );
      ctx.term.err(`  ${report.pgRestore}`);
    } else {
      ctx.term.err(
        `next: start the node on it (DATA_DIR=${report.dataDir}) and check: aos audit verify --server`,
      );
    }
    return EXIT.ok;
  },
};

const kekRotateCommand: Command = {
  name: "kek rotate",
  role: "bureau",
  summary:
    "Re-wrap a stopped node's keys under a new key-encryption key (the old one from KEK_FILE or KEK); no data is rewritten",
  usage: "aos kek rotate --data-dir DIR --new-kek-file FILE",
  options: { "data-dir": { type: "string" }, "new-kek-file": { type: "string" } },
  async run(ctx, values) {
    const dataDir = dataDirOf(ctx, values, "the stopped node's data folder");
    const newFile = flag(values, "new-kek-file");
    if (!newFile)
      throw new UsageError(
        "--new-kek-file names a file holding the new key (32 random bytes, base64: `openssl rand -base64 32`)",
      );
    const from = await nodeKeyEncryptionKey(ctx, "aos kek rotate");
    if (!from)
      throw new UsageError(
        "set KEK_FILE (or KEK) to the current key-encryption key: it opens the keys to re-wrap",
      );
    const [{ loadKeyEncryptionKey }, { rotateDataFolderKek }] = await Promise.all([
      fromServerPackage("aos kek rotate", () => import("../../storage/at-rest/key-encryption-key.ts")),
      fromServerPackage("aos kek rotate", () => import("../../control/kek-rotation.ts")),
    ]);
    const to = await loadKeyEncryptionKey({ file: newFile });
    if (!to) throw new UsageError(`--new-kek-file ${newFile} holds no key`);
    const report = await rotateDataFolderKek({
      dir: dataDir,
      datasetsDir: ctx.env.DATASETS_DIR,
      databaseUrl: ctx.env.DATABASE_URL,
      from,
      to,
      actor: "kek-rotation",
    });
    if (ctx.json) ctx.printJson(report);
    else {
      ctx.term.err(`re-wrapped ${report.rewrapped.length} keys from ${report.from} to ${report.to}`);
      ctx.term.err(
        `next: start the node with KEK_FILE=${newFile}, then destroy the old key once every backup you keep has been taken again (backups taken before hold keys only the old KEK opens)`,
      );
    }
    return EXIT.ok;
  },
};

export const DATA_FOLDER_COMMANDS: readonly Command[] = [
  backupCommand,
  backupVerifyCommand,
  restoreCommand,
  kekRotateCommand,
];
