/**
 * Child process for the crash test: appends from 16 concurrent writers until killed, printing
 * "position job" for each append once it is acknowledged (durable).
 * Usage: node --import tsx test/audit/crash-writer.ts LOGFILE PRIVATE_KEY_PEM_FILE
 */
import { createPrivateKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { openAuditLedger } from "../../audit/ledger.ts";

const [file, keyFile] = process.argv.slice(2);
const ledger = await openAuditLedger({
  file: file!,
  privateKey: createPrivateKey(await readFile(keyFile!, "utf8")),
  checkpointEvery: 50,
  checkpointIntervalMs: 0,
});
let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    for (;;) {
      const job = `job_${next++}`;
      const entry = await ledger.append({
        type: "output.released",
        actor: "system",
        subjects: { job },
        data: {},
      });
      process.stdout.write(`${entry.position} ${job}\n`);
    }
  }),
);
