import { open, readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { basename } from "node:path";
import { DomainError } from "../policies/errors.ts";

/** A held single-writer lock; `release` removes the lock file. */
export interface WriterLock {
  readonly file: string;
  release(): Promise<void>;
}

/**
 * Takes the exclusive writer lock of a log: a lock file created with O_EXCL ("wx") holding the
 * owner's pid and host. Two writers interleaving appends would fork the hash chain, so a second
 * writer (another process, or this process opening the log twice) is refused.
 *
 * A lock left by a dead process on this host is taken over: its pid no longer exists. A lock from
 * another host, or one we cannot read, is never taken over automatically; an operator removes it.
 * Take-over re-reads the file just before unlinking it, which narrows (but on a filesystem
 * without flock cannot close) the window in which two starting processes both take over the same
 * stale lock.
 *
 * @example
 * const lock = await acquireWriterLock("data/node.lock");
 * try { ... } finally { await lock.release(); }
 */
export async function acquireWriterLock(file: string): Promise<WriterLock> {
  const owner = `${process.pid}@${hostname()}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, "wx", 0o600);
      try {
        await handle.writeFile(`${owner}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return {
        file,
        release: async () => {
          // Only remove the lock if it is still ours.
          if ((await readOwner(file)) === owner) await unlink(file);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = await readOwner(file);
    if (holder === undefined) continue; // removed meanwhile: try again
    if (!isStale(holder)) {
      throw new DomainError("CONFLICT", `${basename(file)} is held by process ${holder}`, {
        lockFile: file,
      });
    }
    if ((await readOwner(file)) === holder) await unlink(file).catch(ignoreMissing);
  }
  throw new DomainError("CONFLICT", `could not take ${basename(file)}: another process keeps taking it`, {
    lockFile: file,
  });
}

async function readOwner(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (error) {
    ignoreMissing(error);
    return undefined;
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}

/** A lock is stale only when it names a process on this host that no longer exists. */
function isStale(holder: string): boolean {
  const match = /^(\d+)@(.*)$/.exec(holder);
  if (match === null || match[2] !== hostname()) return false;
  const pid = Number(match[1]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else, so the lock is live.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
