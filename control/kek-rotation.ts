import { openStoreAuditLedger } from "../audit/store-ledger.ts";
import type { KeyEncryptionKey } from "../storage/at-rest/key-encryption-key.ts";
import { acquireWriterLock, type WriterLock } from "../storage/node-lock.ts";
import { openControlStore } from "../storage/open-store.ts";
import { loadDomainKey, type RotationReport, rotateKeyEncryptionKey } from "./at-rest.ts";
import { rewrapControlSecrets } from "./control-secrets.ts";
import { dataFolder } from "./data-folder.ts";
import { ledgerAuditSink } from "./ledger-sink.ts";

/**
 * Rotating the key-encryption key of a stopped node's data folder (`aos kek rotate`): every key
 * the old KEK wraps is re-wrapped under the new one (no data is rewritten), then the log records
 * the rotation, signed with the domain key opened under the new KEK. The log itself is never
 * encrypted, so it verifies with the public key alone before and after.
 */

export interface KekRotationOptions {
  readonly dir: string;
  readonly datasetsDir?: string | undefined;
  /** A shared PostgreSQL control plane: then every node on it must be stopped, which no lock here sees. */
  readonly databaseUrl?: string | undefined;
  readonly from: KeyEncryptionKey;
  readonly to: KeyEncryptionKey;
  /** Who ran it, for the log. */
  readonly actor: string;
}

export class KekRotationError extends Error {
  readonly code = "NODE_RUNNING";
}

/**
 * Rotates the folder's KEK from `from` to `to`. Cut short (a crash, a wrong key part-way), it is
 * finished by running it again with the same two keys: files already under `to` are left alone.
 *
 * @example
 * const report = await rotateDataFolderKek({ dir: "./data", from: oldKek, to: newKek, actor: "ops" });
 */
export async function rotateDataFolderKek(options: KekRotationOptions): Promise<RotationReport> {
  const folder = dataFolder(options.dir, options.datasetsDir);
  if (options.from.id === options.to.id)
    throw new KekRotationError(
      `the new key-encryption key is the current one (${options.to.id}): generate a new one, e.g. \`openssl rand -base64 32\``,
    );
  let lock: WriterLock | undefined;
  if (!options.databaseUrl) {
    lock = await acquireWriterLock(`${folder.dir}/node.lock`).catch((error: Error) => {
      throw new KekRotationError(
        `${folder.dir} is in use by a running node (${error.message}): stop it, rotate, then start it with the new KEK`,
      );
    });
  }
  try {
    const report = await rotateKeyEncryptionKey(folder, options.from, options.to);
    const signingKey = await loadDomainKey(folder, options.to);
    const store = await openControlStore({ dataDir: folder.dir, databaseUrl: options.databaseUrl });
    try {
      const ledger = openStoreAuditLedger(store, {
        privateKey: signingKey.privateKey,
        checkpointIntervalMs: 0,
      });
      try {
        const secrets = await rewrapControlSecrets(store, options.from, options.to);
        const audit = ledgerAuditSink(ledger);
        await store.transaction((tx) =>
          audit.appendIn(tx, [
            {
              type: "domain.kek_rotated",
              actor: options.actor,
              subject: {},
              data: { from: report.from, to: report.to, files: report.rewrapped.length, secrets },
            },
          ]),
        );
      } finally {
        await ledger.close();
      }
    } finally {
      await store.close();
    }
    return report;
  } finally {
    await lock?.release();
  }
}
