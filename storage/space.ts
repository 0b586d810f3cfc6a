/**
 * Running out of storage space: how each store says it, and the node's state while it lasts. A
 * node whose writes fail for lack of space answers those writes 503, says so on /readyz (so a
 * load balancer sends work elsewhere), logs the episode once, and becomes ready again by itself:
 * while short it probes every few seconds whether a write of its own succeeds.
 */
import { randomUUID } from "node:crypto";
import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import { type Logger, log } from "../telemetry/log.ts";
import type { SqlExecutor, SqlStore } from "./sql-store.ts";

/** Error codes meaning "no space": Node's (and SQLite's VFS's) ENOSPC and EDQUOT, SQLite's SQLITE_FULL, PostgreSQL's 53100 disk_full. */
const OUT_OF_SPACE = new Set(["ENOSPC", "EDQUOT", "SQLITE_FULL", "53100"]);

/** Whether `error` (or an error it wraps) says a write failed for lack of space. */
export function isOutOfSpace(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === "object" && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && OUT_OF_SPACE.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** What ran out of space, in words that name no path (readiness needs no key). */
export type StorageArea = "control plane" | "data versions" | "storage";

export interface SpaceShortage {
  readonly area: StorageArea;
  /** RFC 3339. */
  readonly since: string;
}

export interface StorageSpaceOptions {
  /** Resolves when a write of the node's own succeeds again (see `probeFolders`, `probeStore`). */
  readonly probe: () => Promise<void>;
  /** How often a short node probes; default 5 s. */
  readonly probeIntervalMs?: number;
  readonly logger?: Logger;
}

/**
 * The node's storage space: fine, or short since a write failed for lack of it. Short ends when a
 * probe's write succeeds (any other write succeeding may have needed no new space).
 */
export class StorageSpace {
  private current: SpaceShortage | undefined;
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private readonly logger: Logger;

  constructor(private readonly options: StorageSpaceOptions) {
    this.logger = options.logger ?? log;
  }

  /** Undefined while writes have space. */
  get shortage(): SpaceShortage | undefined {
    return this.current;
  }

  /**
   * Looks at a failed write: true when it failed for lack of space (the node is then short, and
   * the first failure of an episode is logged), false for any other failure.
   */
  failed(error: unknown, area: StorageArea): boolean {
    if (!isOutOfSpace(error)) return false;
    if (this.current) return true;
    this.current = { area, since: new Date().toISOString() };
    this.logger.error(
      "storage full: writes are refused and /readyz answers 503 until space is freed; the node checks every few seconds and resumes by itself",
      { area, error },
    );
    this.timer = setInterval(() => void this.probe(), this.options.probeIntervalMs ?? 5_000);
    this.timer.unref();
    return true;
  }

  /** Stops probing (the node is closing). */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async probe(): Promise<void> {
    if (this.probing || !this.current) return;
    this.probing = true;
    try {
      await this.options.probe();
      const { area, since } = this.current;
      this.current = undefined;
      this.close();
      this.logger.info("storage has space again: writes resume and /readyz answers 200", {
        area,
        shortSeconds: Math.round((Date.now() - Date.parse(since)) / 1000),
      });
    } catch (error) {
      // Still short (or failing otherwise): the episode goes on, already logged.
      if (!isOutOfSpace(error)) this.logger.debug("storage space probe failed", { error });
    } finally {
      this.probing = false;
    }
  }
}

/** Bytes a probe writes: enough that a write a store makes next has room too. */
const PROBE_BYTES = 1 << 20;

/**
 * A probe of local folders: writes PROBE_BYTES to a file of its own in each, flushes it to disk,
 * and removes it. Rejects (ENOSPC) while any folder's file system is full.
 */
export function probeFolders(dirs: readonly string[]): () => Promise<void> {
  return async () => {
    for (const dir of dirs) {
      const file = join(dir, `.space-probe-${randomUUID()}`);
      try {
        const handle = await open(file, "wx", 0o600);
        try {
          await handle.write(Buffer.alloc(PROBE_BYTES));
          await handle.sync();
        } finally {
          await handle.close();
        }
      } finally {
        await rm(file, { force: true });
      }
    }
  };
}

/**
 * A probe of a PostgreSQL control plane's space: a sort too large for its memory spills to a
 * temporary file in the database's own storage, which fails with 53100 while that is full.
 * SQLite needs none (its file is in a folder `probeFolders` probes).
 */
export function probeStore(store: Pick<SqlStore, "dialect" | "transaction">): () => Promise<void> {
  return async () => {
    if (store.dialect !== "postgres") return;
    await store.transaction(async (tx) => {
      await tx.run("SET LOCAL work_mem = '64kB'");
      await tx.query(
        "SELECT count(*) AS n FROM (SELECT g FROM generate_series(1, 100000) g ORDER BY g DESC) s",
      );
    });
  };
}

/**
 * The store, telling `space` of every write that fails for lack of space (reads never need it).
 * Every control-plane write of the node — changes, audit entries, jobs and their outputs — passes here.
 */
export function watchingSpace(store: SqlStore, space: StorageSpace): SqlStore {
  const noticed = <T>(work: Promise<T>): Promise<T> =>
    work.catch((error: unknown) => {
      space.failed(error, "control plane");
      throw error;
    });
  return {
    dialect: store.dialect,
    location: store.location,
    query: store.query.bind(store),
    run: (sql, params) => noticed(store.run(sql, params)),
    transaction: <T>(work: (tx: SqlExecutor) => Promise<T>) => noticed(store.transaction(work)),
    close: () => {
      space.close();
      return store.close();
    },
  };
}
