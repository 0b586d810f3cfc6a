import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openControlPlane } from "../../storage/control-plane.ts";
import { MIGRATIONS } from "../../storage/migrations.ts";
import { tempDir } from "../support/duckdb.ts";

let folder: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  folder = await tempDir();
});

afterAll(async () => {
  await folder?.remove();
});

describe("control-plane migrations", () => {
  it("bring a data folder of an older version up to date and keep its rows", async () => {
    const file = join(folder.dir, "control.duckdb");
    const old = await openControlPlane(file, MIGRATIONS.slice(0, 1));
    expect(await old.schemaVersion()).toBe(1);
    await old.run(
      "INSERT INTO principals (id, role, name, organization, status, created_at) VALUES ('p1', 'operator', 'n', 'o', 'active', now())",
    );
    old.close();

    const current = await openControlPlane(file);
    expect(await current.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version);
    expect(await current.query("SELECT id, qualification FROM principals")).toEqual([
      { id: "p1", qualification: null },
    ]);
    const applied = await current.query<{ version: number }>(
      "SELECT version FROM schema_migrations ORDER BY version",
    );
    expect(applied.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
    current.close();

    // A second open applies nothing twice.
    const again = await openControlPlane(file);
    expect(await again.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version);
    again.close();
  });

  it("rolls a failed transaction back", async () => {
    const store = await openControlPlane(join(folder.dir, "tx.duckdb"));
    await expect(
      store.transaction(async (tx) => {
        await tx.run(
          "INSERT INTO principals (id, role, name, organization, status, created_at) VALUES ('p2', 'auditor', 'n', 'o', 'active', now())",
        );
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await store.query("SELECT id FROM principals WHERE id = 'p2'")).toEqual([]);
    store.close();
  });
});

describe("control-plane read cache", () => {
  const principal = (id: string) =>
    `INSERT INTO principals (id, role, name, organization, status, created_at) VALUES ('${id}', 'operator', 'n', 'o', 'active', now())`;

  it("keeps a read until a statement writes one of its tables, and only then", async () => {
    const store = await openControlPlane(join(folder.dir, "memo.duckdb"));
    let loads = 0;
    const read = () =>
      store.memo("names", ["principals"], async () => {
        loads++;
        return (await store.query<{ id: string }>("SELECT id FROM principals ORDER BY id")).map((r) => r.id);
      });
    expect(await read()).toEqual([]);
    expect(await read()).toEqual([]);
    expect(loads).toBe(1);

    // A write to another table leaves it.
    await store.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'probe', now())");
    expect(await read()).toEqual([]);
    expect(loads).toBe(1);
    // A statement of a form it does not recognise as a write to named tables ends every read.
    await store.run("CREATE TABLE probe (x INTEGER)");
    expect(await read()).toEqual([]);
    expect(loads).toBe(2);
    // A write to its table, issued but not yet awaited, is seen by the next read.
    const written = store.run(principal("p1"));
    expect(await read()).toEqual(["p1"]);
    await written;
    expect(loads).toBe(3);
    const before = loads;

    // A transaction's writes, committed or rolled back, end the reads of the tables they name.
    await store.transaction(async (tx) => {
      await tx.run("UPDATE principals SET status = 'suspended' WHERE id = 'p1'");
    });
    await read();
    // A transaction that writes only other tables leaves the read.
    await store.transaction(async (tx) => {
      await tx.query("SELECT count(*) FROM principals");
      await tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (998, 'probe', now())");
    });
    await read();
    await expect(
      store.transaction(async (tx) => {
        await tx.run(principal("p2"));
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await read()).toEqual(["p1"]);
    expect(loads).toBe(before + 2);
    // One that runs a statement it does not recognise ends every read.
    await store.transaction(async (tx) => {
      await tx.run("CREATE TABLE probe_in_transaction (x INTEGER)");
    });
    await read();
    expect(loads).toBe(before + 3);
    store.close();
  });

  it("does not keep a read that failed", async () => {
    const store = await openControlPlane(join(folder.dir, "memo-fail.duckdb"));
    let attempts = 0;
    const read = () =>
      store.memo("bad", ["principals"], async () => {
        attempts++;
        if (attempts === 1) throw new Error("transient");
        return "ok";
      });
    await expect(read()).rejects.toThrow("transient");
    expect(await read()).toBe("ok");
    expect(await read()).toBe("ok");
    expect(attempts).toBe(2);
    store.close();
  });
});
