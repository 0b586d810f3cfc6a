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
