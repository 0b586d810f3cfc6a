import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditEntry } from "../../audit/entry.ts";
import { verifyAuditLog } from "../../audit/verify.ts";
import { newKey, openLedger, readLines, tempDir } from "./fixtures.ts";

describe("a writer killed mid-burst (SIGKILL)", () => {
  it("leaves a log that verifies and holds every acknowledged entry", async () => {
    const dir = await tempDir();
    const key = newKey();
    const file = join(dir, "audit.log");
    const keyFile = join(dir, "key.pem");
    await writeFile(keyFile, key.privateKey.export({ type: "pkcs8", format: "pem" }));

    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "crash-writer.ts"), file, keyFile],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const acknowledged = new Map<number, string>();
    let buffered = "";
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) {
          const [position, job] = line.split(" ");
          acknowledged.set(Number(position), job!);
        }
        if (acknowledged.size >= 2000) {
          child.kill("SIGKILL");
          resolve();
        }
      });
    });
    expect(await exited).toBe("SIGKILL");

    const verification = await verifyAuditLog(file, { publicKey: key.publicKey });
    expect(verification.valid).toBe(true);
    const entries = (await readLines(file)).map((line) => AuditEntry.parse(JSON.parse(line)));
    for (const [position, job] of acknowledged) expect(entries[position]?.subjects.job).toBe(job);

    // The dead writer's lock is taken over, and appending continues the same chain.
    const ledger = await openLedger(dir, key);
    const next = await ledger.append({ type: "job.started", actor: "system" });
    await ledger.close();
    expect(next.position).toBeGreaterThanOrEqual(entries.length);
    expect(await verifyAuditLog(file, { publicKey: key.publicKey })).toMatchObject({ valid: true });
  });
});
