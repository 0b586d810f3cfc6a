import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../../audit/entry.ts";
import { auditCsv, auditJsonLines, csvCell } from "../../audit/export.ts";
import { type AuditFilter, queryAuditLog } from "../../audit/query.ts";
import { verifyAuditLines } from "../../audit/verify.ts";
import {
  collect,
  exportLog,
  exportText,
  jobEvent,
  newKey,
  openLedger,
  type TestLedger,
  tempDir,
} from "./fixtures.ts";

/** One job's life plus a license change, at one entry per minute from 10:00. */
async function populated(): Promise<{ ledger: TestLedger; dir: string; key: ReturnType<typeof newKey> }> {
  const dir = await tempDir();
  const key = newKey();
  let minute = 0;
  const ledger = await openLedger(dir, key, {
    clock: () => new Date(Date.UTC(2026, 2, 1, 10, minute++)),
  });
  const job = {
    job: "job_1",
    operator: "op_1",
    license: "lic_1",
    datasets: ["population", "medical_visits"],
  };
  await ledger.append({
    type: "license.granted",
    actor: "bureau_1",
    subjects: { operator: "op_1", license: "lic_1" },
  });
  await ledger.append({
    type: "job.submitted",
    actor: "op_1",
    subjects: job,
    data: { scriptSha256: "a".repeat(64) },
  });
  await ledger.append({
    type: "query.checked",
    actor: "system",
    subjects: { ...job, datasets: ["population"] },
  });
  await ledger.append({ type: "output.released", actor: "system", subjects: job, data: { outputs: [] } });
  await ledger.append({ type: "output.downloaded", actor: "op_1", subjects: job });
  await ledger.append({
    type: "job.submitted",
    actor: "op_2",
    subjects: { job: "job_2", operator: "op_2", license: "lic_2" },
  });
  return { ledger, dir, key };
}

const types = (entries: AuditEntry[]) => entries.map((e) => e.type);

describe("audit queries", () => {
  it("filters by job, operator, license, dataset, type and type family", async () => {
    const { ledger } = await populated();
    const find = (filter: AuditFilter) => collect(ledger.query(filter));
    expect((await find({ job: "job_1" })).map((e) => e.position)).toEqual([1, 2, 3, 4]);
    expect(types(await find({ operator: "op_2" }))).toEqual(["job.submitted"]);
    expect(await find({ license: "lic_1" })).toHaveLength(5);
    expect(types(await find({ dataset: "medical_visits" }))).toEqual([
      "job.submitted",
      "output.released",
      "output.downloaded",
    ]);
    expect(types(await find({ type: "output.*" }))).toEqual(["output.released", "output.downloaded"]);
    expect(await find({ type: ["license.granted", "job.submitted"], operator: "op_1" })).toHaveLength(2);
    await ledger.close();
  });

  it("filters by time range, from inclusive and to exclusive, and pages by position", async () => {
    const { ledger } = await populated();
    const window = await collect(ledger.query({ from: "2026-03-01T10:01:00Z", to: "2026-03-01T10:03:00Z" }));
    expect(window.map((e) => e.position)).toEqual([1, 2]);
    expect(await collect(ledger.query({ from: "2026-03-02" }))).toEqual([]);
    const page = await collect(ledger.query({ after: 1, limit: 2 }));
    expect(page.map((e) => e.position)).toEqual([2, 3]);
    await ledger.close();
  });

  it("rejects a malformed filter", async () => {
    const { ledger } = await populated();
    await expect(collect(ledger.query({ from: "yesterday" }))).rejects.toThrow();
    await ledger.close();
  });

  it("reads a closed log's export from its file, checkpoint included", async () => {
    const { ledger, dir } = await populated();
    await ledger.close();
    const file = await exportLog(ledger, join(dir, "audit.log"));
    const all = await collect(queryAuditLog(file));
    expect(all.at(-1)?.type).toBe("checkpoint");
    expect(all).toEqual(await collect(ledger.query()));
    expect(types(await collect(queryAuditLog(file, { type: "checkpoint" })))).toEqual(["checkpoint"]);
  });
});

describe("audit export", () => {
  it("exports JSON lines byte-identical to the stored lines, which verify", async () => {
    const { ledger, key } = await populated();
    await ledger.close();
    const exported = (await collect(auditJsonLines(ledger.query()))).join("");
    expect(exported).toBe(await exportText(ledger));
    const lines = exported.split("\n").slice(0, -1);
    let offset = 0;
    const located = lines.map((text) => {
      const line = { text, offset, bytes: Buffer.byteLength(text) + 1, complete: true };
      offset += line.bytes;
      return line;
    });
    expect(await verifyAuditLines(located, { publicKey: key.publicKey })).toMatchObject({
      valid: true,
      entries: 7,
    });
  });

  it("exports CSV with a header, quoting and injection-safe cells", async () => {
    const dir = await tempDir();
    const ledger = await openLedger(dir, newKey(), { clock: () => new Date("2026-03-01T10:00:00Z") });
    await ledger.append({
      type: "query.checked",
      actor: "=cmd|' /C calc'!A0",
      subjects: { job: "job,1", datasets: ["population", "enterprises"] },
      data: { sql: 'SELECT "x"\nFROM t' },
    });
    const csv = (await collect(auditCsv(ledger.query()))).join("");
    await ledger.close();
    const [header, row, end] = csv.split("\r\n");
    expect(header).toBe("position,time,type,actor,job,operator,license,datasets,data,prev,hash");
    expect(end).toBe("");
    expect(row).toMatch(
      /^0,2026-03-01T10:00:00\.000Z,query\.checked,'=cmd\|' \/C calc'!A0,"job,1",,,population;enterprises,"\{""sql"":""SELECT \\""x\\""\\nFROM t""\}",0{64},[0-9a-f]{64}$/,
    );
  });

  it("neutralises every formula trigger in a cell", () => {
    expect(csvCell("=1+1")).toBe("'=1+1");
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("-1")).toBe("'-1");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tx")).toBe("'\tx");
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("a\nb")).toBe('"a\nb"');
  });
});

describe("store queries and file queries", () => {
  it("give the same answers over the same log, across pages of the store", async () => {
    const dir = await tempDir();
    let second = 0;
    const ledger = await openLedger(dir, newKey(), {
      checkpointEvery: 500,
      clock: () => new Date(Date.UTC(2026, 2, 1, 0, 0, Math.floor(second++ / 2))),
    });
    for (let batch = 0; batch < 13; batch++) {
      const events = Array.from({ length: 100 }, (_, i) => jobEvent(batch * 100 + i));
      await ledger.store.transaction((tx) => ledger.appendIn(tx, events));
    }
    const file = await exportLog(ledger, join(dir, "audit.log"));
    const filters: AuditFilter[] = [
      {},
      { from: "2026-03-01T00:00:00Z" },
      { from: "2026-03-01T00:02:08Z" },
      { from: "2026-03-01T00:02:08.001Z", limit: 3 },
      { from: "2026-03-01T00:07:00Z", to: "2026-03-01T00:07:10Z" },
      { after: 255 },
      { after: 256, limit: 2 },
      { after: 767, from: "2026-03-01T00:01:00Z", job: "job_900" },
      { type: "checkpoint" },
      { operator: "op_1", license: "lic_0", after: 990 },
      { after: 5000 },
    ];
    for (const filter of filters) {
      const stored = (await collect(ledger.query(filter))).map((e) => e.position);
      const scanned = (await collect(queryAuditLog(file, filter))).map((e) => e.position);
      expect(stored, JSON.stringify(filter)).toEqual(scanned);
    }
    expect(await collect(ledger.query())).toHaveLength(1302);
    expect((await collect(ledger.query({ after: 256, limit: 2 }))).map((e) => e.position)).toEqual([
      257, 258,
    ]);
    expect(
      (await collect(ledger.query({ from: "2026-03-01T00:02:08Z", limit: 2 }))).map((e) => e.time),
    ).toEqual(["2026-03-01T00:02:08.000Z", "2026-03-01T00:02:08.000Z"]);
    await ledger.close();
  });
});
