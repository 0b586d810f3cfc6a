import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import type { AuditEvent } from "../../audit/entry.ts";
import {
  openStoreAuditLedger,
  type StoreAuditLedger,
  type StoreAuditLedgerOptions,
} from "../../audit/store-ledger.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { openSqliteStore } from "../../storage/sqlite-store.ts";

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
const stores: SqlStore[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A fresh temp dir, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "audit-test-"));
  dirs.push(dir);
  return dir;
}

/** A store ledger and the store it writes to. */
export interface TestLedger extends StoreAuditLedger {
  readonly store: SqlStore;
}

/**
 * A ledger in a SQLite control-plane store in `dir` (closed after the test), without the
 * checkpoint timer unless asked for.
 */
export async function openLedger(
  dir: string,
  key: TestKey,
  options: Partial<StoreAuditLedgerOptions> = {},
): Promise<TestLedger> {
  const store = await openSqliteStore(join(dir, "control.sqlite"));
  stores.push(store);
  const ledger = openStoreAuditLedger(store, {
    privateKey: key.privateKey,
    checkpointIntervalMs: 0,
    ...options,
  });
  return { ...ledger, store };
}

/** The ledger's export: its stored lines, each with "\n". */
export async function exportText(ledger: Pick<StoreAuditLedger, "lines">): Promise<string> {
  let text = "";
  for await (const line of ledger.lines()) text += `${line.text}\n`;
  return text;
}

/** Writes the ledger's export to `file` (what the offline verifier and the CLI read) and returns it. */
export async function exportLog(ledger: Pick<StoreAuditLedger, "lines">, file: string): Promise<string> {
  await writeFile(file, await exportText(ledger));
  return file;
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

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The key's private half as a PEM file in `dir`, for a child process. */
export async function writeKeyFile(dir: string, key: TestKey): Promise<string> {
  const file = join(dir, "domain-key.pem");
  await writeFile(file, key.privateKey.export({ type: "pkcs8", format: "pem" }));
  return file;
}

/** A running `store-crash-writer.ts`, and the appends it has acknowledged so far (position → job). */
export interface WriterProcess {
  readonly acknowledged: ReadonlyMap<number, string>;
  /** Resolves once the writer has opened its store and starts appending. */
  readonly ready: Promise<void>;
  /** Resolves once at least `n` appends are acknowledged. */
  acknowledgedAtLeast(n: number): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

/** Starts a second writer process on a store (killed after the test if still running). */
export function spawnWriter(
  kind: "sqlite" | "postgres",
  location: string,
  keyFile: string,
  count?: number,
): WriterProcess {
  const script = join(import.meta.dirname, "store-crash-writer.ts");
  const args = [script, kind, location, keyFile, ...(count === undefined ? [] : [String(count)])];
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const acknowledged = new Map<number, string>();
  const waiting = new Set<() => void>();
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  let buffered = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line === "ready") {
        markReady();
        continue;
      }
      const [position, job] = line.split(" ");
      acknowledged.set(Number(position), job!);
    }
    for (const check of waiting) check();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    acknowledged,
    ready,
    exited,
    acknowledgedAtLeast(n) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (acknowledged.size < n) return;
          waiting.delete(check);
          resolve();
        };
        waiting.add(check);
        check();
        void exited.then(({ code, signal }) => {
          if (acknowledged.size < n)
            reject(new Error(`the writer exited (${code ?? signal}) after ${acknowledged.size} appends`));
        });
      });
    },
    kill: () => child.kill("SIGKILL"),
  };
}
