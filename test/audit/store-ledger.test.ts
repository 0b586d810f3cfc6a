import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { canonicalJson } from "../../audit/canonical-json.ts";
import { type Checkpoint, checkpointSignatureValid, signCheckpoint } from "../../audit/checkpoint.ts";
import { AuditEntry, type AuditEvent, entryHash, GENESIS_HASH, sealEntry } from "../../audit/entry.ts";
import { auditJsonLines } from "../../audit/export.ts";
import { readLogLines } from "../../audit/log-lines.ts";
import { AuditFilter, matchesAuditFilter } from "../../audit/query.ts";
import {
  openStoreAuditLedger,
  type StoreAuditLedger,
  type StoreAuditLedgerOptions,
} from "../../audit/store-ledger.ts";
import { verifyAuditLog } from "../../audit/verify.ts";
import type { SqlExecutor, SqlStore } from "../../storage/sql-store.ts";
import { openTestStore, STORE_KINDS, type TestStore } from "../support/stores.ts";
import {
  collect,
  exportText,
  jobEvent,
  newKey,
  spawnWriter,
  type TestKey,
  tempDir,
  writeKeyFile,
} from "./fixtures.ts";

const CLI = join(import.meta.dirname, "../../audit/cli.ts");

function runCli(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", CLI, ...args], (error, stdout) => {
      resolve({ code: error === null ? 0 : Number(error.code), stdout });
    });
  });
}

async function storedEntries(ledger: Pick<StoreAuditLedger, "lines">): Promise<AuditEntry[]> {
  return (await collect(ledger.lines())).map((line) => AuditEntry.parse(JSON.parse(line.text)));
}

function checkpointPositions(entries: readonly AuditEntry[]): number[] {
  return entries.filter((e) => e.type === "checkpoint").map((e) => e.position);
}

/** Every checkpoint names the entry before it and carries the domain key's signature over that claim. */
function expectSignedCheckpoints(entries: readonly AuditEntry[], key: TestKey): void {
  for (const entry of entries.filter((e) => e.type === "checkpoint")) {
    const before = entries[entry.position - 1]!;
    expect(entry.data).toMatchObject({ position: before.position, hash: before.hash, time: entry.time });
    expect(checkpointSignatureValid(entry.data as Checkpoint, key.publicKey)).toBe(true);
  }
}

const insertTariff = (tx: SqlExecutor, version: number) =>
  tx.run(
    "INSERT INTO tariffs (version, tariff, effective_from, author) VALUES ($1, '{}', '2026-01-01T00:00:00.000Z', 'bureau_1')",
    [version],
  );

const tariffEvent = (version: number): AuditEvent => ({
  type: "tariff.set",
  actor: "bureau_1",
  data: { version },
});

/**
 * A log as the file ledger wrote it before the store: times without milliseconds, an
 * `audit.recovered` entry (written only by a ledger), a checkpoint after every 5 entries
 * (positions 5, 11 and 17) and two entries after the last one: 20 lines.
 */
function legacyLog(key: TestKey): string[] {
  const lines: string[] = [];
  let prev = GENESIS_HASH;
  let sinceCheckpoint = 0;
  const add = (fields: Pick<AuditEntry, "type" | "actor" | "subjects" | "data">) => {
    const position = lines.length;
    const time = `2026-03-01T10:${String(position).padStart(2, "0")}:00Z`;
    const sealed = sealEntry({ v: 1, position, time, prev, ...fields });
    lines.push(sealed.line.slice(0, -1));
    prev = sealed.entry.hash;
    return sealed.entry;
  };
  for (let i = 0; lines.length < 20; i++) {
    const event = i === 6 ? { type: "audit.recovered", actor: "system", data: { bytes: 40 } } : jobEvent(i);
    const entry = add({ subjects: {}, data: {}, ...event } as AuditEntry);
    sinceCheckpoint += 1;
    if (sinceCheckpoint === 5 && lines.length < 19) {
      const time = `2026-03-01T10:${String(lines.length).padStart(2, "0")}:00Z`;
      const data = signCheckpoint({ position: entry.position, hash: entry.hash, time }, key.privateKey);
      add({ type: "checkpoint", actor: "system", subjects: {}, data });
      sinceCheckpoint = 0;
    }
  }
  return lines;
}

describe.each(STORE_KINDS)("the audit ledger in the %s store", (kind) => {
  let t: TestStore | undefined;
  const ledgers: StoreAuditLedger[] = [];
  afterEach(async () => {
    for (const ledger of ledgers.splice(0)) await ledger.close().catch(() => undefined);
    await t?.dispose();
    t = undefined;
  });

  function open(store: SqlStore, key: TestKey, options: Partial<StoreAuditLedgerOptions> = {}) {
    const ledger = openStoreAuditLedger(store, {
      privateKey: key.privateKey,
      checkpointIntervalMs: 0,
      ...options,
    });
    ledgers.push(ledger);
    return ledger;
  }

  async function setup(options: Partial<StoreAuditLedgerOptions> = {}) {
    t = await openTestStore(kind);
    const key = newKey();
    return { store: t.store, key, ledger: open(t.store, key, options) };
  }

  describe("appending", () => {
    it("writes canonical, hash-chained entries, and close adds a signed checkpoint of the last one", async () => {
      const { ledger, key } = await setup();
      const first = await ledger.append(jobEvent(1));
      const second = await ledger.append({
        type: "output.released",
        actor: "system",
        subjects: { job: "job_1" },
        data: { hash: first.hash, outputs: [{ name: "t", hash: first.hash, sha256: first.hash }] },
      });
      expect(first).toMatchObject({ position: 0, prev: GENESIS_HASH, type: "job.submitted", actor: "op_1" });
      expect(second).toMatchObject({ position: 1, prev: first.hash });
      expect(entryHash(second)).toBe(second.hash);
      await ledger.close();

      const entries = await storedEntries(ledger);
      expect(entries).toHaveLength(3);
      expect((await collect(ledger.lines()))[0]?.text).toBe(canonicalJson(first));
      expect(entries[2]).toMatchObject({
        position: 2,
        type: "checkpoint",
        actor: "system",
        prev: second.hash,
      });
      expectSignedCheckpoints(entries, key);
      expect(await ledger.verify()).toMatchObject({
        valid: true,
        entries: 3,
        lastCheckpoint: { position: 1 },
      });
      await expect(ledger.append(jobEvent(3))).rejects.toMatchObject({ code: "NOT_READY" });
      await expect(ledger.checkpoint()).rejects.toMatchObject({ code: "NOT_READY" });
    });

    it("commits entries with the change they record; a rollback leaves neither, and the chain goes on", async () => {
      const { store, ledger } = await setup();
      const [set] = await store.transaction(async (tx) => {
        await insertTariff(tx, 1);
        return ledger.appendIn(tx, [tariffEvent(1)]);
      });
      await expect(
        store.transaction(async (tx) => {
          await insertTariff(tx, 2);
          await ledger.appendIn(tx, [tariffEvent(2), jobEvent(2)]);
          throw new Error("changed my mind");
        }),
      ).rejects.toThrow("changed my mind");
      const versions = await store.query<{ version: number }>("SELECT version FROM tariffs ORDER BY version");
      expect(versions.map((r) => r.version)).toEqual([1]);
      expect(await storedEntries(ledger)).toEqual([set]);

      const next = await ledger.append(jobEvent(3));
      expect(next).toMatchObject({ position: 1, prev: set!.hash });
      expect(await ledger.verify()).toMatchObject({ valid: true, entries: 2 });
    });

    it("refuses an unknown type, a ledger-only type and data that is not JSON, and rolls the change back", async () => {
      const { store, ledger } = await setup();
      const refused: AuditEvent[] = [
        { ...jobEvent(1), type: "job.sumbitted" as AuditEvent["type"] },
        { type: "checkpoint", actor: "op_1" },
        { type: "audit.recovered", actor: "op_1" },
        { ...jobEvent(1), data: { epsilon: Number.NaN } },
      ];
      for (const event of refused) {
        await expect(
          store.transaction(async (tx) => {
            await insertTariff(tx, 1);
            // The valid event before it is written first, and rolled back with the rest.
            await ledger.appendIn(tx, [jobEvent(0), event]);
          }),
        ).rejects.toMatchObject({ code: "INTERNAL" });
        await expect(ledger.append(event)).rejects.toMatchObject({ code: "INTERNAL" });
      }
      expect(await store.query("SELECT version FROM tariffs")).toEqual([]);
      expect(await storedEntries(ledger)).toEqual([]);
      expect(await ledger.append(jobEvent(1))).toMatchObject({ position: 0, prev: GENESIS_HASH });
    });

    it("keeps entry times from going backwards, whichever node writes and however its clock steps", async () => {
      t = await openTestStore(kind);
      const key = newKey();
      let clock = new Date("2026-03-01T10:00:00Z");
      const ahead = open(t.store, key, { clock: () => clock });
      const behind = open(await t.reopen(), key, { clock: () => new Date("2026-03-01T09:00:00Z") });
      expect((await ahead.append(jobEvent(1))).time).toBe("2026-03-01T10:00:00.000Z");
      expect((await behind.append(jobEvent(2))).time).toBe("2026-03-01T10:00:00.000Z");
      clock = new Date("2026-03-01T10:05:00Z");
      expect((await ahead.append(jobEvent(3))).time).toBe("2026-03-01T10:05:00.000Z");
      clock = new Date("2026-03-01T08:00:00Z");
      await ahead.close();
      const entries = await storedEntries(behind);
      expect(entries.map((e) => e.time)).toEqual([
        "2026-03-01T10:00:00.000Z",
        "2026-03-01T10:00:00.000Z",
        "2026-03-01T10:05:00.000Z",
        "2026-03-01T10:05:00.000Z",
      ]);
      expect(await behind.verify()).toMatchObject({ valid: true, entries: 4 });
    });

    it("makes one gapless chain of 200 concurrent appends from two nodes", async () => {
      const { ledger, key } = await setup({ checkpointEvery: 50 });
      const append = (target: StoreAuditLedger, job: string) =>
        target.append({ type: "output.released", actor: "system", subjects: { job } });
      let theirs: () => Promise<ReadonlyMap<number, string>>;
      if (kind === "postgres") {
        const other = open(await t!.reopen(), key, { checkpointEvery: 50 });
        theirs = async () => {
          const entries = await Promise.all(
            Array.from({ length: 100 }, (_, i) => append(other, `child_${i}`)),
          );
          return new Map(entries.map((e) => [e.position, e.subjects.job!]));
        };
      } else {
        // Two SQLite connections in one thread cannot wait for each other's write lock (the
        // adapter's busy wait blocks the thread that would release it): the other node is a process.
        const writer = spawnWriter("sqlite", t!.file!, await writeKeyFile(await tempDir(), key), 100);
        await writer.ready;
        theirs = async () => {
          expect(await writer.exited).toEqual({ code: 0, signal: null });
          return writer.acknowledged;
        };
      }
      // Four writers here too, pausing like the other node's, so that each node's waits end.
      const writers = Array.from({ length: 4 }, async (_, w) => {
        const entries: AuditEntry[] = [];
        for (let i = 0; i < 25; i++) {
          entries.push(await append(ledger, `parent_${w * 25 + i}`));
          await sleep(2);
        }
        return entries;
      });
      const [mine, other] = await Promise.all([Promise.all(writers).then((all) => all.flat()), theirs()]);

      const entries = await storedEntries(ledger);
      const byPosition = new Map([...mine.map((e) => [e.position, e.subjects.job!] as const), ...other]);
      expect(byPosition.size).toBe(200);
      for (const [position, job] of byPosition) expect(entries[position]?.subjects.job).toBe(job);
      expect(entries.filter((e) => e.type === "output.released")).toHaveLength(200);
      // Whoever reached each count wrote its checkpoint, in the same transaction.
      expect(checkpointPositions(entries)).toEqual([50, 101, 152, 203]);
      expectSignedCheckpoints(entries, key);
      expect(await ledger.verify()).toMatchObject({ valid: true, entries: 204 });
    });

    it("verifies and queries what is committed while appends continue", async () => {
      const { ledger } = await setup({ checkpointEvery: 50 });
      for (let i = 0; i < 20; i++) await ledger.append(jobEvent(i));
      const inFlight = Promise.all(Array.from({ length: 150 }, (_, i) => ledger.append(jobEvent(20 + i))));
      const [verification, submitted] = await Promise.all([
        ledger.verify(),
        collect(ledger.query({ type: "job.submitted" })),
      ]);
      expect(verification.valid).toBe(true);
      expect(verification.entries).toBeGreaterThanOrEqual(20);
      expect(submitted.length).toBeGreaterThanOrEqual(20);
      await inFlight;
      expect(await ledger.verify()).toMatchObject({ valid: true, entries: 173 });
    });
  });

  describe("checkpoints", () => {
    it("follow every N entries inside the appending transaction, each signed", async () => {
      const { store, ledger, key } = await setup({ checkpointEvery: 4 });
      for (let i = 0; i < 12; i++) await ledger.append(jobEvent(i));
      const batch = await store.transaction((tx) =>
        ledger.appendIn(
          tx,
          Array.from({ length: 10 }, (_, i) => jobEvent(100 + i)),
        ),
      );
      // The entries of one transaction are interleaved with the checkpoints they call for.
      expect(batch.map((e) => e.position)).toEqual([15, 16, 17, 18, 20, 21, 22, 23, 25, 26]);
      // A transaction that reaches the count but rolls back takes its checkpoint with it.
      await expect(
        store.transaction(async (tx) => {
          await ledger.appendIn(tx, [jobEvent(200), jobEvent(201)]);
          throw new Error("no");
        }),
      ).rejects.toThrow("no");
      await store.transaction((tx) => ledger.appendIn(tx, [jobEvent(202), jobEvent(203)]));

      const entries = await storedEntries(ledger);
      expect(checkpointPositions(entries)).toEqual([4, 9, 14, 19, 24, 29]);
      expectSignedCheckpoints(entries, key);
      expect(await ledger.verify()).toMatchObject({
        valid: true,
        entries: 30,
        lastCheckpoint: { position: 28 },
      });
    });

    it("are written by the timer while entries arrive, and not while idle", async () => {
      const { ledger, key } = await setup({ checkpointIntervalMs: 25 });
      await ledger.append(jobEvent(1));
      await vi.waitFor(async () => expect(await storedEntries(ledger)).toHaveLength(2), {
        timeout: 5000,
        interval: 10,
      });
      await sleep(150);
      const entries = await storedEntries(ledger);
      expect(checkpointPositions(entries)).toEqual([1]);
      expectSignedCheckpoints(entries, key);
      expect(ledger.stats()).toMatchObject({ appends: 1, checkpoints: 1, entries: 2 });
    });

    it("are handed out on demand, and none when nothing is new", async () => {
      const { ledger, key } = await setup();
      expect(await ledger.checkpoint()).toBeUndefined();
      const entry = await ledger.append(jobEvent(1));
      const checkpoint = await ledger.checkpoint();
      expect(checkpoint).toMatchObject({ position: 0, hash: entry.hash });
      expect(checkpointSignatureValid(checkpoint!, key.publicKey)).toBe(true);
      expect(await ledger.checkpoint()).toBeUndefined();
      await ledger.close();
      expect(await storedEntries(ledger)).toHaveLength(2);
    });
  });

  describe("verification of the stored rows", () => {
    /** 12 job entries with a checkpoint after every 4: positions 4, 9 and 14 are checkpoints. */
    async function sample() {
      const setUp = await setup({ checkpointEvery: 4 });
      for (let i = 0; i < 12; i++) await setUp.ledger.append(jobEvent(i));
      expect(await setUp.ledger.verify()).toMatchObject({ valid: true, entries: 15 });
      return setUp;
    }

    it("names an edited line", async () => {
      const { store, ledger } = await sample();
      await store.run(
        "UPDATE audit_entries SET line = replace(line, 'district income study', 'district income studies') WHERE position = 6",
      );
      expect(await ledger.verify()).toMatchObject({
        valid: false,
        entries: 6,
        firstBad: { position: 6, reason: expect.stringMatching(/modified/) },
      });
    });

    it("names a deleted row, including the last one", async () => {
      const { store, ledger } = await sample();
      await store.run("DELETE FROM audit_entries WHERE position = 14");
      expect(await ledger.verify()).toMatchObject({
        valid: false,
        firstBad: { position: 14, reason: expect.stringMatching(/truncated/) },
        lastCheckpoint: { position: 8 },
      });
      await store.run("DELETE FROM audit_entries WHERE position = 3");
      expect(await ledger.verify()).toMatchObject({
        valid: false,
        entries: 3,
        firstBad: { position: 3, reason: expect.stringMatching(/inserted, deleted or reordered/) },
      });
    });

    it("names two swapped rows", async () => {
      const { store, ledger } = await sample();
      const rows = await store.query<Record<string, string | number | null>>(
        "SELECT * FROM audit_entries WHERE position IN (7, 8) ORDER BY position",
      );
      const columns = ["time", "type", "actor", "job", "operator", "license", "datasets", "line"];
      await store.transaction(async (tx) => {
        for (const [row, position] of [
          [rows[1]!, 7],
          [rows[0]!, 8],
        ] as const) {
          await tx.run(
            `UPDATE audit_entries SET ${columns.map((c, i) => `${c} = $${i + 1}`).join(", ")} WHERE position = $9`,
            [...columns.map((c) => row[c] ?? null), position],
          );
        }
      });
      expect((await ledger.verify()).firstBad).toMatchObject({
        position: 7,
        reason: expect.stringMatching(/reordered/),
      });
    });

    it("names a row whose filter columns were changed to hide it from queries", async () => {
      const { store, ledger } = await sample();
      expect(await collect(ledger.query({ job: "job_4" }))).toHaveLength(1);
      await store.run("UPDATE audit_entries SET job = 'job_x' WHERE position = 5");
      expect(await collect(ledger.query({ job: "job_4" }))).toHaveLength(0);
      expect(await ledger.verify()).toMatchObject({
        valid: false,
        entries: 5,
        firstBad: { position: 5, reason: expect.stringMatching(/filter columns/) },
        lastCheckpoint: { position: 3 },
      });
    });

    it("catches a log cut behind a trusted checkpoint", async () => {
      const { store, ledger } = await sample();
      const trusted = (await ledger.verify()).lastCheckpoint!;
      await store.transaction(async (tx) => {
        await tx.run("DELETE FROM audit_entries WHERE position >= 10");
        // An attacker who also moves the head back leaves a shorter log that verifies on its own…
        const [row] = await tx.query<{ line: string }>("SELECT line FROM audit_entries WHERE position = 9");
        const last = AuditEntry.parse(JSON.parse(row!.line));
        await tx.run(
          "UPDATE audit_head SET next_position = 10, hash = $1, time = $2, last_checkpoint = 9 WHERE id = 1",
          [last.hash, last.time],
        );
      });
      expect(await ledger.verify()).toMatchObject({ valid: true, entries: 10 });
      // …but not against the checkpoint an auditor kept.
      expect(await ledger.verify(trusted)).toMatchObject({
        valid: false,
        firstBad: { position: 10, reason: expect.stringMatching(/truncated/) },
      });
    });
  });

  describe("export", () => {
    it("is the stored lines, which verify offline as a file and with the CLI", async () => {
      const { store, ledger, key } = await setup({ checkpointEvery: 250 });
      for (let batch = 0; batch < 11; batch++) {
        const events = Array.from({ length: 100 }, (_, i) => jobEvent(batch * 100 + i));
        await store.transaction((tx) => ledger.appendIn(tx, events));
      }
      await ledger.close();
      // 1100 entries, a checkpoint after every 250 and one on close: more than one page of rows.
      const text = await exportText(ledger);
      expect(text.split("\n")).toHaveLength(1106);
      expect((await collect(auditJsonLines(ledger.query()))).join("")).toBe(text);

      const dir = await tempDir();
      const file = join(dir, "audit.log");
      const pub = join(dir, "domain-key.pub.pem");
      await writeFile(file, text);
      await writeFile(pub, key.publicKeyPem);
      const offline = await verifyAuditLog(file, { publicKey: key.publicKeyPem });
      expect(offline).toMatchObject({ valid: true, entries: 1105, lastCheckpoint: { position: 1103 } });
      expect(offline).toEqual(await ledger.verify());
      const cli = await runCli([
        "verify",
        "--log",
        file,
        "--public-key",
        pub,
        "--checkpoint",
        JSON.stringify(offline.lastCheckpoint),
      ]);
      expect(cli).toEqual({ code: 0, stdout: "valid: 1105 entries, last checkpoint at position 1103\n" });
    });
  });

  describe("queries", () => {
    const DATASETS = [
      ["population"],
      ["population_2020"],
      ["medical_visits", "population"],
      ['we"ird'],
      ["a_b"],
      ["a%b", "axb"],
      [],
      undefined,
    ];
    const TYPES: AuditEvent["type"][] = [
      "license.granted",
      "job.submitted",
      "license.updated",
      "job.started",
      "query.checked",
      "output.released",
      "output.downloaded",
      "operator.key_issued",
      "license.suspended",
      "tariff.set",
      "job.finished",
    ];

    /** 1150 varied entries, two per 9 minutes from 2026-03-01 (over 3½ days), checkpoints every 300. */
    async function populated() {
      let tick = 0;
      const start = Date.UTC(2026, 2, 1);
      const setUp = await setup({
        checkpointEvery: 300,
        clock: () => new Date(start + Math.floor(tick++ / 2) * 9 * 60_000),
      });
      for (let batch = 0; batch < 23; batch++) {
        const events = Array.from({ length: 50 }, (_, k): AuditEvent => {
          const i = batch * 50 + k;
          const datasets = DATASETS[i % DATASETS.length];
          return {
            type: TYPES[i % TYPES.length]!,
            actor: `op_${i % 5}`,
            subjects: {
              ...(i % 6 === 0 ? {} : { job: `job_${i % 37}` }),
              ...(i % 7 === 0 ? {} : { operator: `op_${i % 5}` }),
              license: `lic_${i % 4}`,
              ...(datasets === undefined ? {} : { datasets }),
            },
            data: { n: i },
          };
        });
        await setUp.store.transaction((tx) => setUp.ledger.appendIn(tx, events));
      }
      const all = await storedEntries(setUp.ledger);
      expect(all).toHaveLength(1153);
      return { ...setUp, all };
    }

    it("return exactly the entries matchesAuditFilter accepts, oldest first", async () => {
      const { ledger, all } = await populated();
      const at = (position: number) => all[position]!.time;
      const filters: AuditFilter[] = [
        {},
        { job: "job_3" },
        { operator: "op_2" },
        { license: "lic_1" },
        { dataset: "population" },
        { dataset: 'we"ird' },
        { dataset: "a_b" },
        { dataset: "a%b" },
        { dataset: "a" },
        { type: "job.started" },
        { type: "license.*" },
        { type: "output.*" },
        { type: "Job.*" },
        { type: "operator.key_*" },
        { type: ["license.*", "job.submitted"] },
        { type: "checkpoint" },
        { from: "2026-03-02" },
        { to: "2026-03-02" },
        { from: "2026-03-02", to: "2026-03-03" },
        { from: "2026-03-02T05:00:00+02:00", to: "2026-03-02T12:00:00.0005Z" },
        { from: at(500), to: at(700) },
        { after: 100, limit: 5 },
        { job: "job_3", after: 400, limit: 3 },
        { operator: "op_1", dataset: "population", type: "output.*", from: "2026-03-01T12:00:00Z" },
        { license: "lic_2", limit: 1 },
        { after: 5000 },
      ];
      for (const filter of filters) {
        const valid = AuditFilter.parse(filter);
        const expected = all.filter((entry) => matchesAuditFilter(entry, valid)).slice(0, valid.limit);
        const found = await collect(ledger.query(filter));
        expect(
          found.map((e) => e.position),
          JSON.stringify(filter),
        ).toEqual(expected.map((e) => e.position));
        expect(found).toEqual(expected);
      }
      // The time bounds: `from` inclusive, `to` exclusive.
      const window = await collect(ledger.query({ from: at(500), to: at(700) }));
      expect(window[0]?.time).toBe(at(500));
      expect(window.at(-1)!.time < at(700)).toBe(true);
    });

    it("page by position with after and limit", async () => {
      const { ledger, all } = await populated();
      const filter: AuditFilter = { license: "lic_1", type: ["output.*", "checkpoint", "job.started"] };
      const valid = AuditFilter.parse(filter);
      const pages: number[][] = [];
      for (let after = -1; ; ) {
        const page = (await collect(ledger.query({ ...filter, after, limit: 7 }))).map((e) => e.position);
        if (page.length === 0) break;
        pages.push(page);
        after = page.at(-1)!;
      }
      expect(pages.slice(0, -1).every((page) => page.length === 7)).toBe(true);
      expect(pages.flat()).toEqual(all.filter((e) => matchesAuditFilter(e, valid)).map((e) => e.position));
    });

    it("reject a malformed filter", async () => {
      const { ledger } = await setup();
      await expect(collect(ledger.query({ from: "yesterday" }))).rejects.toThrow();
    });
  });

  describe("importing a file log", () => {
    it("copies its lines byte for byte, and appends continue its chain and checkpoint count", async () => {
      const { store, ledger, key } = await setup({
        checkpointEvery: 5,
        clock: () => new Date("2026-03-01T09:00:00Z"),
      });
      const dir = await tempDir();
      const file = join(dir, "audit.log");
      const lines = legacyLog(key);
      await writeFile(file, lines.map((line) => `${line}\n`).join(""));
      const before = await verifyAuditLog(file, { publicKey: key.publicKey });
      expect(before).toMatchObject({ valid: true, entries: 20, lastCheckpoint: { position: 16 } });

      const imported = await store.transaction((tx) => ledger.importLines(tx, readLogLines(file)));
      expect(imported.map((e) => e.position)).toEqual(lines.map((_, i) => i));
      expect(await exportText(ledger)).toBe(lines.map((line) => `${line}\n`).join(""));
      expect(await ledger.verify()).toEqual(before);
      expect(ledger.stats()).toMatchObject({ entries: 20, head: before.head!.hash });

      // Times written without milliseconds ("10:04:00Z" sorts after "10:04:00.500Z" as text) are
      // found by time as `matchesAuditFilter` finds them.
      const window = { from: "2026-03-01T10:03:00Z", to: "2026-03-01T10:04:00.500Z" };
      expect((await collect(ledger.query(window))).map((e) => e.position)).toEqual([3, 4]);

      const next: AuditEntry[] = [];
      for (let i = 0; i < 3; i++) next.push(await ledger.append(jobEvent(50 + i)));
      // Never before the imported head's time, though this clock is an hour behind.
      expect(next[0]).toMatchObject({
        position: 20,
        prev: before.head!.hash,
        time: "2026-03-01T10:19:00.000Z",
      });
      const entries = await storedEntries(ledger);
      // Two entries followed the last imported checkpoint (17), so the third append reaches 5.
      expect(checkpointPositions(entries)).toEqual([5, 11, 17, 23]);
      expectSignedCheckpoints(entries, key);
      await writeFile(file, await exportText(ledger));
      expect(await verifyAuditLog(file, { publicKey: key.publicKey })).toMatchObject({
        valid: true,
        entries: 24,
      });
      // A store that holds a log takes no second one.
      await expect(
        store.transaction((tx) => ledger.importLines(tx, readLogLines(file))),
      ).rejects.toMatchObject({ code: "CONFLICT" });
    });

    it("refuses a log that does not verify, and writes none of it", async () => {
      const { store, ledger, key } = await setup();
      const lines = legacyLog(key);
      const tampered = [...lines];
      tampered[7] = tampered[7]!.replace('"bytes":40', '"bytes":41');
      const located = (text: readonly string[], last = "\n") => {
        let offset = 0;
        return text.map((line, i) => {
          const complete = i < text.length - 1 || last === "\n";
          const bytes = Buffer.byteLength(line) + (complete ? 1 : 0);
          const located = { text: line, offset, bytes, complete };
          offset += bytes;
          return located;
        });
      };
      const importing = (source: ReturnType<typeof located>, trustedCheckpoint?: Checkpoint) =>
        store.transaction((tx) =>
          ledger.importLines(tx, source, trustedCheckpoint === undefined ? {} : { trustedCheckpoint }),
        );
      await expect(importing(located(tampered))).rejects.toMatchObject({
        code: "INTERNAL",
        extra: { firstBad: { position: 7 } },
      });
      await expect(importing(located(lines, ""))).rejects.toMatchObject({
        code: "INTERNAL",
        detail: expect.stringMatching(/torn/),
      });
      const beyond = signCheckpoint(
        { position: 25, hash: "a".repeat(64), time: "2026-03-01T11:00:00.000Z" },
        key.privateKey,
      );
      await expect(importing(located(lines), beyond)).rejects.toMatchObject({
        code: "INTERNAL",
        extra: { firstBad: { position: 20 } },
      });
      const other = newKey();
      await expect(
        store.transaction((tx) => open(store, other).importLines(tx, located(lines))),
      ).rejects.toMatchObject({ code: "INTERNAL", extra: { firstBad: { position: 5 } } });
      expect(await storedEntries(ledger)).toEqual([]);
      // …and the empty store still takes the genuine log.
      expect(await importing(located(lines))).toHaveLength(20);
    });
  });
});
