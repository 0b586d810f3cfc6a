import { DomainError } from "../policies/errors.ts";
import { fileDigest } from "../storage/file-digest.ts";
import { sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlStore } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";

/** A version of the data domain's content, as the control plane records it. */
export interface DomainVersion {
  readonly version: number;
  readonly sha256: string;
  readonly bytes: number;
  readonly recordedAt: string;
  readonly recordedBy: string;
}

/**
 * Checks that this node's copy of the data domain is the one the control plane names, before the
 * node runs any job on it. The first node of a domain records its copy as version 1 (audited);
 * a node whose copy differs is refused, with what to do — it would otherwise answer operators
 * from other data than the rest of the domain, and its receipts would name policies that were
 * never applied to that data.
 *
 * Call it before the process opens the domain with DuckDB: reading the file closes a descriptor
 * of it, which drops every POSIX lock the process holds on it — DuckDB's included.
 */
export async function checkDomainVersion(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  file: string,
  node: string,
): Promise<DomainVersion> {
  const { sha256, bytes: size } = await fileDigest(file);
  return store.transaction(async (tx) => {
    await sqlDialect.turn(tx, "domainVersion");
    const rows = await tx.query<{
      version: number;
      sha256: string;
      bytes: number;
      recorded_at: string;
      recorded_by: string;
    }>(
      "SELECT version, sha256, bytes, recorded_at, recorded_by FROM domain_versions ORDER BY version DESC LIMIT 1",
    );
    const current = rows[0];
    if (current) {
      if (current.sha256 !== sha256) {
        throw new DomainError(
          "INTERNAL",
          `the data domain at ${file} (SHA-256 ${sha256.slice(0, 16)}…) is not version ${current.version} that the control plane names (${current.sha256.slice(0, 16)}…, recorded by ${current.recorded_by}): copy the current domain file to this node before starting it`,
        );
      }
      return {
        version: current.version,
        sha256,
        bytes: current.bytes,
        recordedAt: current.recorded_at,
        recordedBy: current.recorded_by,
      };
    }
    const recordedAt = new Date().toISOString();
    await tx.run(
      "INSERT INTO domain_versions (version, sha256, bytes, recorded_at, recorded_by) VALUES (1, $1, $2, $3, $4)",
      [sha256, size, recordedAt, node],
    );
    await audit.appendIn(tx, [
      {
        type: "domain.recorded",
        actor: "system",
        subject: {},
        data: { version: 1, sha256, bytes: size, node },
      },
    ]);
    return { version: 1, sha256, bytes: size, recordedAt, recordedBy: node };
  });
}
