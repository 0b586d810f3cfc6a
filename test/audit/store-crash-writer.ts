/**
 * Child process for the store ledger's crash and two-node tests: opens the control-plane store,
 * prints "ready", then appends and prints "position job" for each append once its transaction has
 * committed. Without COUNT, 16 concurrent writers append until killed; with it, 4 writers append
 * COUNT entries in all, pausing 2 ms after each so that another process's writers get the lock too.
 * Usage: node --import tsx test/audit/store-crash-writer.ts sqlite|postgres FILE|URL PRIVATE_KEY_PEM_FILE [COUNT]
 */
import { createPrivateKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { openStoreAuditLedger } from "../../audit/store-ledger.ts";
import { openPostgresStore } from "../../storage/postgres-store.ts";
import { openSqliteStore } from "../../storage/sqlite-store.ts";

const [kind, location, keyFile, count] = process.argv.slice(2);
const store = kind === "postgres" ? await openPostgresStore(location!) : await openSqliteStore(location!);
const ledger = openStoreAuditLedger(store, {
  privateKey: createPrivateKey(await readFile(keyFile!, "utf8")),
  checkpointEvery: 50,
  checkpointIntervalMs: 0,
});
const total = count === undefined ? Number.POSITIVE_INFINITY : Number(count);
process.stdout.write("ready\n");
let next = 0;
await Promise.all(
  Array.from({ length: count === undefined ? 16 : 4 }, async () => {
    while (next < total) {
      const job = `child_${next++}`;
      const entry = await ledger.append({ type: "output.released", actor: "system", subjects: { job } });
      process.stdout.write(`${entry.position} ${job}\n`);
      if (count !== undefined) await sleep(2);
    }
  }),
);
await store.close();
