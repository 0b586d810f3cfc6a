import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** A file's SHA-256 (hex) and size. */
export interface FileDigest {
  readonly sha256: string;
  readonly bytes: number;
}

/** Digest of a file, streamed (a data-domain file can be gigabytes). */
export async function fileDigest(file: string): Promise<FileDigest> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest("hex"), bytes };
}
