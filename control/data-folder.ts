import { join, resolve } from "node:path";
import { controlStoreFile } from "../storage/open-store.ts";

/** Where the embedded default keeps everything, inside one data folder. */
export interface DataFolder {
  readonly dir: string;
  /**
   * The data versions of every dataset, one DuckDB file each (`<dataset>/v<N>-<id>.duckdb`), and
   * the empty anchor file each generation of the domain opens. Nodes may share it (DATASETS_DIR).
   */
  readonly datasetsDir: string;
  /** The one-file data domain of releases before data versions, split into versions on first start. */
  readonly legacyDomainFile: string;
  /** The embedded control plane (SQLite); unused when the node is given a PostgreSQL URL. */
  readonly controlFile: string;
  /** The control plane of releases before the transactional store, migrated on first start (see upgrade.ts). */
  readonly legacyControlFile: string;
  /** The audit log file of those releases, migrated with it. */
  readonly legacyAuditFile: string;
  readonly privateKeyFile: string;
  readonly publicKeyFile: string;
  readonly credentialsFile: string;
}

export function dataFolder(dir: string, datasetsDir?: string): DataFolder {
  const root = resolve(dir);
  return {
    dir: root,
    datasetsDir: datasetsDir ? resolve(datasetsDir) : join(root, "datasets"),
    legacyDomainFile: join(root, "domain.duckdb"),
    controlFile: controlStoreFile(root),
    legacyControlFile: join(root, "control.duckdb"),
    legacyAuditFile: join(root, "audit.log"),
    privateKeyFile: join(root, "domain-key.pem"),
    publicKeyFile: join(root, "domain-key.pub.pem"),
    credentialsFile: join(root, "demo-credentials.json"),
  };
}
