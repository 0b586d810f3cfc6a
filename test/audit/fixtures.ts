import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import type { AuditEvent } from "../../audit/entry.ts";
import { type AuditLedger, type AuditLedgerOptions, openAuditLedger } from "../../audit/ledger.ts";

export interface TestKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
}

export function newKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A fresh temp dir, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "audit-test-"));
  dirs.push(dir);
  return dir;
}

export async function openLedger(
  dir: string,
  key: TestKey,
  options: Partial<AuditLedgerOptions> = {},
): Promise<AuditLedger> {
  return openAuditLedger({
    file: join(dir, "audit.log"),
    privateKey: key.privateKey,
    checkpointIntervalMs: 0,
    ...options,
  });
}

/** A small, realistic event. */
export function jobEvent(i: number, type: AuditEvent["type"] = "job.submitted"): AuditEvent {
  return {
    type,
    actor: `op_${i % 3}`,
    subjects: { job: `job_${i}`, operator: `op_${i % 3}`, license: `lic_${i % 2}`, datasets: ["population"] },
    data: { scriptSha256: "ab".repeat(32), purpose: "district income study", n: i },
  };
}

export async function readLines(file: string): Promise<string[]> {
  const text = await readFile(file, "utf8");
  return text.split("\n").slice(0, -1);
}

export async function writeLines(file: string, lines: readonly string[]): Promise<void> {
  await writeFile(file, lines.map((line) => `${line}\n`).join(""));
}
