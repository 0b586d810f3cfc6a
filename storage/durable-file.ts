import { open, rename } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Writes that survive a power cut. A key file lost after its data was written makes that data
 * unreadable for good, so keys and version files are fsync'd, and so is the folder that names them.
 */

/** Flushes a file's bytes (or a folder's names) to disk. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a new file, fsync'd with its folder; `exclusive` fails if the file exists (EEXIST). */
export async function writeFileDurably(
  file: string,
  data: string | Uint8Array,
  options: { readonly mode: number; readonly exclusive?: boolean },
): Promise<void> {
  const handle = await open(file, options.exclusive ? "wx" : "w", options.mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await syncFile(dirname(file));
}

/** Replaces a file whole: a reader, or the disk after a crash, holds the old bytes or the new, never a part. */
export async function replaceFileDurably(
  file: string,
  data: string | Uint8Array,
  mode = 0o600,
): Promise<void> {
  const partial = `${file}.${process.pid}.partial`;
  const handle = await open(partial, "w", mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(partial, file);
  await syncFile(dirname(file));
}
