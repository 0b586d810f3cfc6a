import { join } from "node:path";
import type { KeyEncryptionKey } from "../../storage/at-rest/key-encryption-key.ts";
import { type DataDomain, openVersionedDataDomain as open } from "../../storage/data-domain.ts";
import { fileDigest } from "../../storage/file-digest.ts";

export interface DataFileVersion {
  readonly dataset: string;
  readonly version: number;
  /** Relative to the datasets folder. */
  readonly file: string;
}

/** A versioned data domain over one version file of `datasetsDir`, as a node with `kek` opens it. */
export async function openVersionedDataDomain(
  datasetsDir: string,
  version: DataFileVersion,
  kek: KeyEncryptionKey | undefined,
) {
  const { sha256 } = await fileDigest(join(datasetsDir, version.file));
  const files = [{ ...version, sha256 }];
  const domain: DataDomain = await open({
    datasetsDir,
    kek,
    threads: 1,
    source: { current: async () => files, resolve: async () => files },
  });
  return {
    domain,
    async rows(sql: string, value: string): Promise<number> {
      const connection = await domain.connect();
      try {
        const reader = await connection.runAndReadAll(sql, [value]);
        return Number(reader.getRows()[0]?.[0]);
      } finally {
        connection.closeSync();
      }
    },
    close: () => domain.close(),
  };
}
