import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditEntry } from "../../audit/entry.ts";
import { openStoreAuditLedger } from "../../audit/store-ledger.ts";
import { openPostgresStore } from "../../storage/postgres-store.ts";
import { openSqliteStore } from "../../storage/sqlite-store.ts";
import { newPostgresDatabase, STORE_KINDS } from "../support/stores.ts";
import { collect, newKey, spawnWriter, tempDir, writeKeyFile } from "./fixtures.ts";

describe.each(STORE_KINDS)("a store ledger's writer killed mid-run (SIGKILL), on %s", (kind) => {
  it("leaves a chain that verifies, holds every acknowledged entry, and goes on", async () => {
    const dir = await tempDir();
    const key = newKey();
    const database = kind === "postgres" ? await newPostgresDatabase() : undefined;
    try {
      const location = database?.url ?? join(dir, "control.sqlite");
      // The writer creates the store; this process opens it only after the kill, as a restart would.
      const writer = spawnWriter(kind, location, await writeKeyFile(dir, key));
      await writer.acknowledgedAtLeast(300);
      writer.kill();
      expect((await writer.exited).signal).toBe("SIGKILL");

      const store = kind === "postgres" ? await openPostgresStore(location) : await openSqliteStore(location);
      try {
        const ledger = openStoreAuditLedger(store, { privateKey: key.privateKey, checkpointIntervalMs: 0 });
        const verification = await ledger.verify();
        expect(verification).toMatchObject({ valid: true });
        const entries = (await collect(ledger.lines())).map((line) =>
          AuditEntry.parse(JSON.parse(line.text)),
        );
        expect(entries.length).toBe(verification.entries);
        for (const [position, job] of writer.acknowledged) {
          expect(entries[position]?.subjects.job, `position ${position}`).toBe(job);
        }
        // The writer checkpointed every 50 entries inside its transactions: none was lost either.
        const checkpoints = entries.filter((e) => e.type === "checkpoint").map((e) => e.position);
        expect(checkpoints.length).toBe(Math.floor(entries.length / 51));
        expect(checkpoints.every((position, i) => position === 50 + i * 51)).toBe(true);

        const next = await ledger.append({
          type: "job.started",
          actor: "system",
          subjects: { job: "after" },
        });
        expect(next).toMatchObject({ position: entries.length, prev: entries.at(-1)!.hash });
        await ledger.close();
        expect(await ledger.verify()).toMatchObject({ valid: true, entries: entries.length + 2 });
      } finally {
        await store.close();
      }
    } finally {
      await database?.drop();
    }
  });
});
