import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../../audit/entry.ts";
import { auditCsv, auditJsonLines, csvCell } from "../../audit/export.ts";
import type { AuditLedger } from "../../audit/ledger.ts";
import { AuditFilter, queryAuditLog } from "../../audit/query.ts";
import { AuditSeekIndex } from "../../audit/seek-index.ts";
import { verifyAuditLines } from "../../audit/verify.ts";
import { jobEvent, newKey, openLedger, tempDir } from "./fixtures.ts";

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** One job's life plus a license change, at one entry per minute from 10:00. */
async function populated(): Promise<{ ledger: AuditLedger; dir: string; key: ReturnType<typeof newKey> }> {
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

  it("reads a closed log from its file, checkpoint included", async () => {
    const { ledger, dir } = await populated();
    await ledger.close();
    const all = await collect(queryAuditLog(join(dir, "audit.log")));
    expect(all.at(-1)?.type).toBe("checkpoint");
    expect(types(await collect(queryAuditLog(join(dir, "audit.log"), { type: "checkpoint" })))).toEqual([
      "checkpoint",
    ]);
  });
});

describe("audit export", () => {
  it("exports JSON lines byte-identical to the log, which verify", async () => {
    const { ledger, dir, key } = await populated();
    await ledger.close();
    const file = join(dir, "audit.log");
    const exported = (await collect(auditJsonLines(queryAuditLog(file)))).join("");
    expect(exported).toBe(await readFile(file, "utf8"));
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

describe("the ledger's sparse index", () => {
  it("gives the same answers as a full scan, before and after reopening", async () => {
    const dir = await tempDir();
    const key = newKey();
    let second = 0;
    const options = { clock: () => new Date(Date.UTC(2026, 2, 1, 0, 0, Math.floor(second++ / 2))) };
    const first = await openLedger(dir, key, options);
    for (let i = 0; i < 700; i++) await first.append(jobEvent(i));
    await first.close();
    const ledger = await openLedger(dir, key, options);
    await Promise.all(Array.from({ length: 600 }, (_, i) => ledger.append(jobEvent(700 + i))));
    const file = join(dir, "audit.log");
    const filters: AuditFilter[] = [
      { from: "2026-03-01T00:00:00Z" },
      { from: "2026-03-01T00:02:08Z" },
      { from: "2026-03-01T00:02:08.001Z", limit: 3 },
      { from: "2026-03-01T00:07:00Z", to: "2026-03-01T00:07:10Z" },
      { after: 255 },
      { after: 256, limit: 2 },
      { after: 767, from: "2026-03-01T00:01:00Z", job: "job_900" },
      { after: 5000 },
    ];
    for (const filter of filters) {
      const indexed = (await collect(ledger.query(filter))).map((e) => e.position);
      const scanned = (await collect(queryAuditLog(file, filter))).map((e) => e.position);
      expect(indexed, JSON.stringify(filter)).toEqual(scanned);
    }
    expect((await collect(ledger.query({ after: 256, limit: 2 }))).map((e) => e.position)).toEqual([
      257, 258,
    ]);
    expect(
      (await collect(ledger.query({ from: "2026-03-01T00:02:08Z", limit: 2 }))).map((e) => e.time),
    ).toEqual(["2026-03-01T00:02:08.000Z", "2026-03-01T00:02:08.000Z"]);
    await ledger.close();
  });
});

describe("AuditSeekIndex", () => {
  it("starts a scan at the last point wholly before the range", () => {
    const index = new AuditSeekIndex(10);
    // entries 0..99, 100 bytes each, one per second
    for (let position = 0; position < 100; position++)
      index.record(position, position * 1000, position * 100);
    const at = (filter: AuditFilter) => index.offsetFor(AuditFilter.parse(filter));
    expect(at({})).toBe(0);
    expect(at({ job: "job_1" })).toBe(0);
    expect(at({ after: 55 })).toBe(5000);
    expect(at({ after: 59 })).toBe(6000);
    expect(at({ from: new Date(50_000).toISOString() })).toBe(4000);
    expect(at({ from: new Date(50_001).toISOString() })).toBe(5000);
    expect(at({ from: new Date(90_000).toISOString(), after: 30 })).toBe(3000);
  });
});
