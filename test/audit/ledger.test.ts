import { appendFile, open, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { canonicalJson } from "../../audit/canonical-json.ts";
import { checkpointSignatureValid } from "../../audit/checkpoint.ts";
import { AuditEntry, entryHash, GENESIS_HASH } from "../../audit/entry.ts";
import { verifyAuditLog } from "../../audit/verify.ts";
import { jobEvent, newKey, openLedger, readLines, tempDir } from "./fixtures.ts";

describe("audit ledger", () => {
  it("appends canonical, hash-chained entries that verify", async () => {
    const dir = await tempDir();
    const key = newKey();
    const ledger = await openLedger(dir, key);
    const first = await ledger.append(jobEvent(1));
    const second = await ledger.append(jobEvent(2, "job.started"));
    await ledger.close();

    expect(first).toMatchObject({ position: 0, prev: GENESIS_HASH, type: "job.submitted", actor: "op_1" });
    expect(second).toMatchObject({ position: 1, prev: first.hash });
    expect(entryHash(second)).toBe(second.hash);
    const lines = await readLines(join(dir, "audit.log"));
    // two entries and the checkpoint written on close
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(canonicalJson(first));
    const checkpoint = AuditEntry.parse(JSON.parse(lines[2]!));
    expect(checkpoint).toMatchObject({ position: 2, type: "checkpoint", actor: "system", prev: second.hash });
    expect(checkpoint.data).toMatchObject({ position: 1, hash: second.hash });
    expect(checkpointSignatureValid(checkpoint.data as never, key.publicKey)).toBe(true);
    expect(await verifyAuditLog(join(dir, "audit.log"), { publicKey: key.publicKeyPem })).toMatchObject({
      valid: true,
      entries: 3,
      lastCheckpoint: { position: 1 },
    });
  });

  it("verifies entries whose data holds its own hash-named fields", async () => {
    const dir = await tempDir();
    const key = newKey();
    const ledger = await openLedger(dir, key);
    const first = await ledger.append(jobEvent(1));
    await ledger.append({
      type: "output.released",
      actor: "system",
      data: { hash: first.hash, outputs: [{ name: "t", hash: first.hash, sha256: first.hash }] },
    });
    expect(await ledger.verify()).toMatchObject({ valid: true, entries: 2 });
    await ledger.close();
  });

  it("resolves an append only after its entry is on disk", async () => {
    const dir = await tempDir();
    const ledger = await openLedger(dir, newKey());
    const entry = await ledger.append(jobEvent(1));
    // Read by another path, before close: the line is in the file, and counted as synced.
    const text = await readFile(join(dir, "audit.log"), "utf8");
    expect(text).toBe(`${canonicalJson(entry)}\n`);
    expect(ledger.stats()).toMatchObject({ appends: 1, syncs: 1, entries: 1, committedBytes: text.length });
    await ledger.close();
  });

  it("lands hundreds of concurrent appends exactly once, in one valid chain, with few fsyncs", async () => {
    const dir = await tempDir();
    const key = newKey();
    const ledger = await openLedger(dir, key, { checkpointEvery: 100 });
    const n = 500;
    const entries = await Promise.all(Array.from({ length: n }, (_, i) => ledger.append(jobEvent(i))));
    const stats = ledger.stats();
    await ledger.close();

    // Each append got its own position; the returned entries are exactly the ones in the file.
    const jobs = entries.map((e) => e.subjects.job);
    expect(new Set(jobs).size).toBe(n);
    expect(new Set(entries.map((e) => e.position)).size).toBe(n);
    const stored = (await readLines(join(dir, "audit.log"))).map((l) => AuditEntry.parse(JSON.parse(l)));
    const storedJobs = stored.filter((e) => e.type === "job.submitted").map((e) => e.subjects.job);
    expect(storedJobs.sort()).toEqual([...jobs].sort());
    // every 100 entries; the 500th was just checkpointed, so close adds none
    expect(stored.filter((e) => e.type === "checkpoint").map((e) => e.position)).toEqual([
      100, 201, 302, 403, 504,
    ]);
    // Group commit: one write + fdatasync per batch, far fewer than appends.
    expect(stats.appends).toBe(n);
    expect(stats.syncs).toBeLessThanOrEqual(5);
    const result = await verifyAuditLog(join(dir, "audit.log"), { publicKey: key.publicKey });
    expect(result).toMatchObject({ valid: true, entries: n + 5 });
  });

  it("batches appends that arrive while a sync is in flight", async () => {
    const dir = await tempDir();
    const ledger = await openLedger(dir, newKey());
    // 20 writers, each appending 25 times in sequence: arrivals interleave with syncs.
    await Promise.all(
      Array.from({ length: 20 }, async (_, w) => {
        for (let i = 0; i < 25; i++) await ledger.append(jobEvent(w * 100 + i));
      }),
    );
    const { appends, syncs } = ledger.stats();
    expect(await ledger.verify()).toMatchObject({ valid: true, entries: 500 });
    await ledger.close();
    expect(appends).toBe(500);
    expect(syncs).toBeLessThan(appends / 5);
  });

  it("verifies and queries its durable part while appends continue", async () => {
    const dir = await tempDir();
    const ledger = await openLedger(dir, newKey(), { checkpointEvery: 50 });
    for (let i = 0; i < 100; i++) await ledger.append(jobEvent(i));
    const inFlight = Promise.all(Array.from({ length: 300 }, (_, i) => ledger.append(jobEvent(100 + i))));
    const [verification, seen] = await Promise.all([
      ledger.verify(),
      ledger.query({ type: "job.submitted" }),
    ]);
    expect(verification.valid).toBe(true);
    expect(verification.entries).toBeGreaterThanOrEqual(102);
    expect(verification.tornTail).toBeUndefined();
    let count = 0;
    for await (const _ of seen) count += 1;
    expect(count).toBeGreaterThanOrEqual(100);
    await inFlight;
    expect(await ledger.verify()).toMatchObject({ valid: true, entries: 408 });
    await ledger.close();
  });

  it("reopens where it left off: position, prev hash and time order", async () => {
    const dir = await tempDir();
    const key = newKey();
    let clock = new Date("2026-03-01T10:00:00Z");
    const first = await openLedger(dir, key, { clock: () => clock });
    await first.append(jobEvent(1));
    await first.close(); // adds a checkpoint at position 1
    clock = new Date("2026-03-01T09:00:00Z"); // the clock stepped back across the restart
    const second = await openLedger(dir, key, { clock: () => clock });
    expect(second.recovery).toBeUndefined();
    const entry = await second.append(jobEvent(2));
    await second.close();
    expect(entry.position).toBe(2);
    expect(entry.time).toBe("2026-03-01T10:00:00.000Z");
    const result = await verifyAuditLog(join(dir, "audit.log"), { publicKey: key.publicKey });
    expect(result).toMatchObject({ valid: true, entries: 4 });
  });

  it("writes a checkpoint on the timer while entries arrive", async () => {
    const dir = await tempDir();
    const ledger = await openLedger(dir, newKey(), { checkpointIntervalMs: 20 });
    await ledger.append(jobEvent(1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const checkpoints = ledger.stats().checkpoints;
    await ledger.close();
    // One for the one entry; none while idle afterwards.
    expect(checkpoints).toBe(1);
  });

  it("hands out a checkpoint on demand, and none when nothing is new", async () => {
    const dir = await tempDir();
    const key = newKey();
    const ledger = await openLedger(dir, key);
    const entry = await ledger.append(jobEvent(1));
    const checkpoint = await ledger.checkpoint();
    expect(checkpoint).toMatchObject({ position: 0, hash: entry.hash });
    expect(checkpointSignatureValid(checkpoint!, key.publicKey)).toBe(true);
    expect(await ledger.checkpoint()).toBeUndefined();
    await ledger.close();
  });

  it("refuses invalid events and ledger-only types, and writes nothing for them", async () => {
    const dir = await tempDir();
    const ledger = await openLedger(dir, newKey());
    await expect(ledger.append({ ...jobEvent(1), type: "job.sumbitted" as never })).rejects.toMatchObject({
      code: "INTERNAL",
    });
    await expect(ledger.append({ type: "checkpoint", actor: "op_1" })).rejects.toMatchObject({
      code: "INTERNAL",
    });
    await expect(ledger.append({ ...jobEvent(1), data: { epsilon: Number.NaN } })).rejects.toMatchObject({
      code: "INTERNAL",
    });
    expect(ledger.stats().entries).toBe(0);
    await ledger.close();
    expect(await readFile(join(dir, "audit.log"), "utf8")).toBe("");
  });

  it("fails closed when a sync fails: the batch's appends reject, and so does every later one", async () => {
    const dir = await tempDir();
    const key = newKey();
    const ledger = await openLedger(dir, key);
    await ledger.append(jobEvent(0));
    // Simulate the disk failing an fdatasync (EIO), as a dying device or full thin pool would.
    const probe = await open(join(dir, "probe"), "w");
    const fileHandle = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
    await probe.close();
    const failing = vi
      .spyOn(fileHandle, "datasync")
      .mockRejectedValueOnce(Object.assign(new Error("EIO"), { code: "EIO" }));
    const batch = await Promise.allSettled([ledger.append(jobEvent(1)), ledger.append(jobEvent(2))]);
    failing.mockRestore();
    expect(batch.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect((batch[0] as PromiseRejectedResult).reason).toMatchObject({ code: "NOT_READY" });
    await expect(ledger.append(jobEvent(3))).rejects.toMatchObject({ code: "NOT_READY" });
    await ledger.close();
    // Reopening recovers: the log verifies, and what was written but never acknowledged may be
    // there (logged but not acted on is the safe direction).
    const reopened = await openLedger(dir, key);
    expect(reopened.stats().entries).toBeGreaterThanOrEqual(1);
    await reopened.close();
    expect(await verifyAuditLog(join(dir, "audit.log"), { publicKey: key.publicKey })).toMatchObject({
      valid: true,
    });
  });

  it("refuses appends after close", async () => {
    const dir = await tempDir();
    const ledger = await openLedger(dir, newKey());
    await ledger.close();
    await expect(ledger.append(jobEvent(1))).rejects.toMatchObject({ code: "NOT_READY" });
  });

  it("takes an exclusive writer lock, releases it on close, and takes over a dead writer's lock", async () => {
    const dir = await tempDir();
    const key = newKey();
    const ledger = await openLedger(dir, key);
    await expect(openLedger(dir, key)).rejects.toMatchObject({ code: "CONFLICT" });
    await ledger.close();
    const again = await openLedger(dir, key);
    await again.close();

    // A lock left by a process that no longer exists (pid far above pid_max).
    const { hostname } = await import("node:os");
    await writeFile(join(dir, "audit.log.lock"), `99999999@${hostname()}\n`);
    const afterCrash = await openLedger(dir, key);
    await afterCrash.close();
    // A lock held by a live process (ours, through another path) is respected.
    await writeFile(join(dir, "audit.log.lock"), `${process.ppid}@${hostname()}\n`);
    await expect(openLedger(dir, key)).rejects.toMatchObject({ code: "CONFLICT" });
  });
});

describe("crash safety", () => {
  it("truncates a torn last line on open, reports it and records the recovery", async () => {
    const dir = await tempDir();
    const key = newKey();
    const file = join(dir, "audit.log");
    const ledger = await openLedger(dir, key);
    for (let i = 0; i < 5; i++) await ledger.append(jobEvent(i));
    await ledger.close();
    const intact = (await stat(file)).size;
    const half = canonicalJson({
      v: 1,
      position: 6,
      time: "2026-03-01T00:00:00.000Z",
      type: "job.started",
    }).slice(0, 40);
    await appendFile(file, half);

    // Before reopening, the verifier already accepts the complete part and reports the torn tail.
    expect(await verifyAuditLog(file, { publicKey: key.publicKey })).toMatchObject({
      valid: true,
      entries: 6,
      tornTail: { offset: intact, bytes: 40 },
    });
    const reopened = await openLedger(dir, key);
    expect(reopened.recovery).toMatchObject({ offset: intact, bytes: 40, position: 6 });
    const next = await reopened.append(jobEvent(9));
    await reopened.close();
    expect(next.position).toBe(7);
    const entries = (await readLines(file)).map((l) => AuditEntry.parse(JSON.parse(l)));
    expect(entries[6]).toMatchObject({ type: "audit.recovered", data: { offset: intact, bytes: 40 } });
    expect(await verifyAuditLog(file, { publicKey: key.publicKey })).toMatchObject({
      valid: true,
      entries: 9,
    });
  });

  it("treats zero-filled blocks at the end as debris", async () => {
    const dir = await tempDir();
    const key = newKey();
    const file = join(dir, "audit.log");
    const ledger = await openLedger(dir, key);
    await ledger.append(jobEvent(1));
    await ledger.close();
    await appendFile(file, Buffer.concat([Buffer.alloc(100), Buffer.from("\n"), Buffer.alloc(30)]));
    const reopened = await openLedger(dir, key);
    expect(reopened.recovery).toMatchObject({ bytes: 131, position: 2 });
    await reopened.close();
    expect(await verifyAuditLog(file, { publicKey: key.publicKey })).toMatchObject({
      valid: true,
      entries: 4,
    });
  });

  it("refuses to open a log that is damaged before its tail", async () => {
    const dir = await tempDir();
    const key = newKey();
    const file = join(dir, "audit.log");
    const ledger = await openLedger(dir, key);
    for (let i = 0; i < 3; i++) await ledger.append(jobEvent(i));
    await ledger.close();
    const lines = await readLines(file);
    lines[1] = lines[1]!.replace('"n":1', '"n":7');
    await writeFile(file, `${lines.join("\n")}\n`);
    await expect(openLedger(dir, key)).rejects.toMatchObject({
      code: "INTERNAL",
      extra: { firstBad: { position: 1 } },
    });
    // and did not leave its lock behind
    await expect(readFile(join(dir, "audit.log.lock"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
