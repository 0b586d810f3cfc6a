import { readdir } from "node:fs/promises";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { isOutOfSpace, probeFolders, probeStore, StorageSpace, watchingSpace } from "../../storage/space.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { openSqliteStore } from "../../storage/sqlite-store.ts";
import { type Logger, silentLogger } from "../../telemetry/log.ts";
import { tempDir } from "../support/duckdb.ts";
import { openTestStore } from "../support/stores.ts";

/** SQLite's own "database or disk is full", from a database allowed only a few pages. */
function sqliteFull(): unknown {
  const db = new Database(":memory:");
  db.pragma("max_page_count = 8");
  db.exec("CREATE TABLE t (x TEXT)");
  try {
    for (let i = 0; i < 100; i++) db.prepare("INSERT INTO t VALUES (?)").run("x".repeat(4000));
  } catch (error) {
    return error;
  } finally {
    db.close();
  }
  throw new Error("SQLite never ran out of pages");
}

const withCode = (code: string) => Object.assign(new Error("write failed"), { code });

describe("isOutOfSpace", () => {
  it("knows each store's way of saying it, also wrapped as a cause", () => {
    expect(isOutOfSpace(sqliteFull())).toBe(true);
    expect(isOutOfSpace(withCode("ENOSPC"))).toBe(true);
    expect(isOutOfSpace(withCode("EDQUOT"))).toBe(true);
    // PostgreSQL's disk_full, as node-postgres gives it.
    expect(isOutOfSpace(withCode("53100"))).toBe(true);
    expect(isOutOfSpace(new Error("commit failed", { cause: withCode("ENOSPC") }))).toBe(true);
  });

  it("takes no other failure for it", () => {
    for (const code of [
      "SQLITE_BUSY",
      "SQLITE_CONSTRAINT_UNIQUE",
      "23505",
      "40001",
      "EACCES",
      "ECONNREFUSED",
    ])
      expect(isOutOfSpace(withCode(code)), code).toBe(false);
    expect(isOutOfSpace(new Error("ENOSPC in the message only"))).toBe(false);
    expect(isOutOfSpace(undefined)).toBe(false);
    expect(isOutOfSpace("ENOSPC")).toBe(false);
  });
});

function capturingLogger(lines: string[]): Logger {
  const logger: Logger = {
    ...silentLogger,
    error: (message) => lines.push(`error ${message}`),
    info: (message) => lines.push(`info ${message}`),
    child: () => logger,
  };
  return logger;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("StorageSpace", () => {
  it("is short from the first failed write to the first probe that writes, logging each episode once", async () => {
    const lines: string[] = [];
    let full = true;
    const space = new StorageSpace({
      logger: capturingLogger(lines),
      probeIntervalMs: 10,
      probe: async () => {
        if (full) throw withCode("ENOSPC");
      },
    });
    try {
      expect(space.failed(withCode("SQLITE_BUSY"), "control plane")).toBe(false);
      expect(space.shortage).toBeUndefined();
      expect(space.failed(sqliteFull(), "control plane")).toBe(true);
      expect(space.failed(withCode("ENOSPC"), "data versions")).toBe(true);
      expect(space.shortage).toMatchObject({ area: "control plane" });
      // Probes that still find no space change nothing.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(space.shortage).toBeDefined();
      full = false;
      await until(() => space.shortage === undefined);
      expect(space.shortage).toBeUndefined();
      // A second episode is a second line.
      full = true;
      space.failed(withCode("53100"), "control plane");
      full = false;
      await until(() => space.shortage === undefined);
      expect(lines.map((l) => l.split(":")[0])).toEqual([
        "error storage full",
        "info storage has space again",
        "error storage full",
        "info storage has space again",
      ]);
    } finally {
      space.close();
    }
  });

  it("hears of every control-plane write that fails for lack of space, through the store", async () => {
    const folder = await tempDir("aos-space-");
    const sqlite = await openSqliteStore(`${folder.dir}/control.sqlite`);
    const space = new StorageSpace({ logger: silentLogger, probe: async () => undefined });
    const store: SqlStore = watchingSpace(sqlite, space);
    try {
      await store.run("CREATE TABLE filler (x TEXT)");
      // The file may not grow past its pages: the next large write fails as on a full disk.
      const pages = (await store.query<{ n: number }>("SELECT page_count AS n FROM pragma_page_count()"))[0]!
        .n;
      await store.transaction((tx) => tx.run(`PRAGMA max_page_count = ${pages}`));
      await expect(
        store.transaction((tx) => tx.run("INSERT INTO filler VALUES ($1)", ["x".repeat(1 << 20)])),
      ).rejects.toMatchObject({ code: "SQLITE_FULL" });
      expect(space.shortage).toMatchObject({ area: "control plane" });
      // Reads go on.
      expect(await store.query("SELECT count(*) AS n FROM filler")).toEqual([{ n: 0 }]);
    } finally {
      await store.close();
      await folder.remove();
    }
  });
});

describe("space probes", () => {
  it("write to each folder and leave nothing behind", async () => {
    const folder = await tempDir("aos-space-probe-");
    try {
      await probeFolders([folder.dir])();
      expect(await readdir(folder.dir)).toEqual([]);
      await expect(probeFolders([`${folder.dir}/missing`])()).rejects.toMatchObject({ code: "ENOENT" });
    } finally {
      await folder.remove();
    }
  });

  it("make PostgreSQL write a temporary file of its own, and pass over SQLite", async () => {
    const postgres = await openTestStore("postgres");
    try {
      await probeStore(postgres.store)();
      const sqlite = {
        dialect: "sqlite" as const,
        transaction: () => Promise.reject(new Error("not called")),
      };
      await probeStore(sqlite)();
    } finally {
      await postgres.dispose();
    }
  });
});
