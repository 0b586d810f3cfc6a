import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../audit/canonical-json.ts";
import { signCheckpoint } from "../../audit/checkpoint.ts";
import { AuditEntry, GENESIS_HASH, sealEntry } from "../../audit/entry.ts";
import { verifyAuditLog } from "../../audit/verify.ts";
import {
  exportLog,
  jobEvent,
  newKey,
  openLedger,
  readLines,
  type TestKey,
  tempDir,
  writeLines,
} from "./fixtures.ts";

/**
 * The export of a log of 12 job entries with a checkpoint after every 4: positions 4, 9 and 14 are
 * checkpoints.
 */
async function sampleLog(): Promise<{ file: string; key: TestKey; lines: string[] }> {
  const dir = await tempDir();
  const key = newKey();
  const ledger = await openLedger(dir, key, { checkpointEvery: 4 });
  for (let i = 0; i < 12; i++) await ledger.append(jobEvent(i));
  await ledger.close();
  const file = await exportLog(ledger, join(dir, "audit.log"));
  return { file, key, lines: await readLines(file) };
}

/** What an attacker without the key can do: re-number, re-link and re-hash every entry. */
function rechain(lines: readonly string[]): string[] {
  let prev = GENESIS_HASH;
  return lines.map((line, position) => {
    const { hash: _old, ...entry } = AuditEntry.parse(JSON.parse(line));
    const sealed = sealEntry({ ...entry, position, prev });
    prev = sealed.entry.hash;
    return sealed.line.trimEnd();
  });
}

function edit(line: string, change: (entry: AuditEntry) => void): string {
  const entry = AuditEntry.parse(JSON.parse(line));
  change(entry);
  return canonicalJson(entry);
}

async function verifyLines(file: string, key: TestKey, lines: readonly string[], trusted?: object) {
  await writeLines(file, lines);
  return verifyAuditLog(file, {
    publicKey: key.publicKeyPem,
    ...(trusted === undefined ? {} : { trustedCheckpoint: trusted as never }),
  });
}

describe("audit log verification (of an export)", () => {
  it("accepts an untouched log and reports its last checkpoint", async () => {
    const { file, key } = await sampleLog();
    const result = await verifyAuditLog(file, { publicKey: key.publicKeyPem });
    expect(result).toMatchObject({ valid: true, entries: 15, lastCheckpoint: { position: 13 } });
    expect(result.firstBad).toBeUndefined();
  });

  it("names a modified entry", async () => {
    const { file, key, lines } = await sampleLog();
    lines[6] = edit(lines[6]!, (e) => {
      e.actor = "someone_else";
    });
    expect(await verifyLines(file, key, lines)).toMatchObject({
      valid: false,
      entries: 6,
      firstBad: { position: 6, reason: expect.stringMatching(/modified/) },
    });
  });

  it("names a single edited byte", async () => {
    const { file, key, lines } = await sampleLog();
    lines[2] = lines[2]!.replace("op_2", "op_3");
    expect((await verifyLines(file, key, lines)).firstBad?.position).toBe(2);
  });

  it("catches a modified entry whose own hash was recomputed, at the next link", async () => {
    const { file, key, lines } = await sampleLog();
    const entry = AuditEntry.parse(JSON.parse(lines[6]!));
    const { hash: _old, ...rest } = entry;
    lines[6] = sealEntry({ ...rest, data: { ...rest.data, n: 999 } }).line.trimEnd();
    expect(await verifyLines(file, key, lines)).toMatchObject({
      valid: false,
      firstBad: { position: 7, reason: expect.stringMatching(/chain broken/) },
    });
  });

  it("names a deleted entry's position", async () => {
    const { file, key, lines } = await sampleLog();
    lines.splice(3, 1);
    expect((await verifyLines(file, key, lines)).firstBad).toMatchObject({
      position: 3,
      reason: expect.stringMatching(/inserted, deleted or reordered/),
    });
  });

  it("names an inserted entry", async () => {
    const { file, key, lines } = await sampleLog();
    lines.splice(3, 0, lines[2]!);
    expect((await verifyLines(file, key, lines)).firstBad?.position).toBe(3);
  });

  it("names two swapped entries", async () => {
    const { file, key, lines } = await sampleLog();
    [lines[7], lines[8]] = [lines[8]!, lines[7]!];
    expect((await verifyLines(file, key, lines)).firstBad?.position).toBe(7);
  });

  it("catches a re-chained rewrite at the first checkpoint after it", async () => {
    const { file, key, lines } = await sampleLog();
    lines[1] = edit(lines[1]!, (e) => {
      e.subjects.license = "lic_forged";
    });
    expect(await verifyLines(file, key, rechain(lines))).toMatchObject({
      valid: false,
      entries: 4,
      firstBad: { position: 4, reason: expect.stringMatching(/checkpoint does not name|signature/) },
    });
  });

  it("catches a forged checkpoint signature", async () => {
    const { file, key, lines } = await sampleLog();
    const forger = newKey();
    lines[9] = edit(lines[9]!, (e) => {
      const claim = e.data as { position: number; hash: string; time: string };
      e.data = signCheckpoint(claim, forger.privateKey);
    });
    expect(await verifyLines(file, key, rechain(lines))).toMatchObject({
      valid: false,
      firstBad: { position: 9, reason: "checkpoint signature does not verify" },
      lastCheckpoint: { position: 3 },
    });
  });

  it("fails every checkpoint under the wrong public key", async () => {
    const { file } = await sampleLog();
    const result = await verifyAuditLog(file, { publicKey: newKey().publicKey });
    expect(result).toMatchObject({
      valid: false,
      firstBad: { position: 4, reason: "checkpoint signature does not verify" },
    });
  });

  it("catches truncation behind a trusted checkpoint", async () => {
    const { file, key, lines } = await sampleLog();
    const trusted = (await verifyAuditLog(file, { publicKey: key.publicKey })).lastCheckpoint!;
    expect(trusted.position).toBe(13);
    // Without the trusted checkpoint a clean truncation looks like a shorter log…
    expect(await verifyLines(file, key, lines.slice(0, 11))).toMatchObject({ valid: true, entries: 11 });
    // …with it, it is caught, and the first missing position is named.
    expect(await verifyLines(file, key, lines.slice(0, 11), trusted)).toMatchObject({
      valid: false,
      entries: 11,
      firstBad: { position: 11, reason: expect.stringMatching(/truncated/) },
    });
    expect(await verifyLines(file, key, lines, trusted)).toMatchObject({ valid: true, entries: 15 });
  });

  it("catches a rewritten log without checkpoints against a trusted checkpoint", async () => {
    const { file, key, lines } = await sampleLog();
    const trusted = (await verifyAuditLog(file, { publicKey: key.publicKey })).lastCheckpoint!;
    // The attacker cannot sign, so turns the checkpoints into ordinary entries and re-chains.
    const rewritten = rechain(
      lines.map((l) =>
        edit(l, (e) => {
          if (e.type === "checkpoint") Object.assign(e, { type: "job.started", data: {} });
          if (e.subjects.job === "job_0") e.actor = "nobody";
        }),
      ),
    );
    expect(await verifyLines(file, key, rewritten)).toMatchObject({ valid: true });
    expect(await verifyLines(file, key, rewritten, trusted)).toMatchObject({
      valid: false,
      firstBad: { position: 13, reason: "hash differs from the trusted checkpoint" },
    });
  });

  it("accepts an unsigned trusted checkpoint but rejects one with a forged signature", async () => {
    const { file, key, lines } = await sampleLog();
    const trusted = (await verifyAuditLog(file, { publicKey: key.publicKey })).lastCheckpoint!;
    const { signature: _s, time: _t, ...bare } = trusted;
    expect(await verifyLines(file, key, lines, bare)).toMatchObject({ valid: true });
    const forged = signCheckpoint({ ...trusted, position: 14 }, newKey().privateKey);
    expect(await verifyLines(file, key, lines, forged)).toMatchObject({
      valid: false,
      firstBad: { position: 14, reason: expect.stringMatching(/trusted checkpoint's signature/) },
    });
  });

  it("refuses non-canonical and malformed lines", async () => {
    const { file, key, lines } = await sampleLog();
    const spaced = [...lines];
    spaced[5] = JSON.stringify(JSON.parse(spaced[5]!), null, 1).replaceAll("\n", "");
    expect((await verifyLines(file, key, spaced)).firstBad).toMatchObject({
      position: 5,
      reason: "entry is not in canonical form",
    });
    const broken = [...lines];
    broken[5] = "{not json";
    expect((await verifyLines(file, key, broken)).firstBad).toEqual({
      position: 5,
      reason: "not a JSON line",
    });
  });

  it("accepts an empty log", async () => {
    const dir = await tempDir();
    const file = join(dir, "empty.log");
    const key = newKey();
    expect(await verifyLines(file, key, [])).toMatchObject({ valid: true, entries: 0 });
  });
});
