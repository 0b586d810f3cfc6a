import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { canonicalJsonBytes } from "../../audit/canonical-json.ts";
import { SM } from "../../audit/crypto-profile.ts";
import type { AuditEntry } from "../../audit/entry.ts";
import { keyFingerprint } from "../../audit/signing-key.ts";
import { verifyStatementDocument } from "../../audit/statement-signature.ts";
import { openStoreAuditLedger, type StoreAuditLedger } from "../../audit/store-ledger.ts";
import type { AuditSink } from "../../control/audit-sink.ts";
import type { Actor } from "../../control/authority.ts";
import { publishManifest } from "../../control/catalog.ts";
import { createPrincipal } from "../../control/identity.ts";
import type { JobUsage } from "../../control/jobs/model.ts";
import { ledgerAuditSink } from "../../control/ledger-sink.ts";
import { largestRemainder, meterJob, usageReport } from "../../control/metering.ts";
import { registerOperator } from "../../control/operators.ts";
import {
  computeStatement,
  getStatement,
  issueStatement,
  listStatements,
  type StatementDeps,
  statementHash,
  statementRows,
  verifyIssuedStatement,
} from "../../control/settlement.ts";
import { statementPdf } from "../../control/statement-pdf.ts";
import type { TariffVersion } from "../../control/tariffs.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { formatFen, statementDigestOf } from "../../policies/statement.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import { MIGRATIONS } from "../../storage/schema.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { operatorRegistration } from "../support/operators.ts";
import { openTestStore, STORE_KINDS, type TestStore } from "../support/stores.ts";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
const demo = (name: string): DatasetManifest => structuredClone(DEMO_MANIFESTS.find((m) => m.name === name)!);
const department = (name: string) => demo(name).holder.department;

/** One job's recorded usage: 1 s CPU, two queries, rows scanned per dataset as given. */
const usage = (rows: Record<string, number>, extra: Partial<JobUsage> = {}): JobUsage => ({
  cpuMs: 1000,
  wallMs: 1500,
  heapPeakBytes: 1,
  queries: 2,
  rowsIn: 10,
  bytesIn: 100,
  outputRows: 1,
  outputCells: 4,
  rowsScanned: Object.values(rows).reduce((a, b) => a + b, 0),
  rowsScannedByDataset: rows,
  datasets: Object.keys(rows).sort(),
  epsilon: {},
  ...extra,
});

/** 1 CNY a job, 0.013 CNY per CPU second, 0.01 CNY per thousand rows scanned. */
const TARIFF = {
  currency: "CNY",
  perJob: 1,
  perCpuSecond: 0.013,
  perQuery: 0,
  perEpsilon: 0,
  perOutputCell: 0,
  perThousandRowsScanned: 0.01,
  datasetMultipliers: {},
} as const;

describe("metering in whole numbers", () => {
  it("divides by the largest remainder: parts sum exactly to the whole, ties to the earlier", () => {
    expect(largestRemainder(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(largestRemainder(7, [990, 10])).toEqual([7, 0]);
    expect(largestRemainder(161, [2000, 58_000])).toEqual([5, 156]);
    // Quantities whose products pass 2^53 stay exact.
    const parts = largestRemainder(9_007_199_254_740, [3_000_000_001, 7, 5_999_999_992]);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(9_007_199_254_740);
    for (let whole = 0; whole < 300; whole += 7) {
      const weights = [whole % 5, 3, (whole * 13) % 11, 1];
      expect(largestRemainder(whole, weights).reduce((a, b) => a + b, 0)).toBe(whole);
    }
    expect(() => largestRemainder(10, [0, 0])).toThrow(RangeError);
    expect(formatFen(161)).toBe("1.61");
    expect(formatFen(5)).toBe("0.05");
    expect(formatFen(-1234)).toBe("-12.34");
  });

  it("charges two datasets of very different contribution in proportion to the rows each gave", () => {
    const tariff: TariffVersion = {
      version: 1,
      tariff: TARIFF,
      effectiveFrom: "2026-01-01T00:00:00.000Z",
      author: "t",
    };
    // 2,000 rows of population joined with 58,000 of medical visits: 1 + 0.013 + 0.6 = 1.613 → 161 fen.
    const metered = meterJob(
      usage({ population: 2000, medical_visits: 58_000 }),
      tariff,
      (d) => `holder of ${d}`,
    );
    expect(metered.chargeFen).toBe(161);
    expect(
      metered.parts.map((p) => [p.dataset, p.holder, p.basis, p.rowsScanned, p.sharePpm, p.chargeFen]),
    ).toEqual([
      ["medical_visits", "holder of medical_visits", "rows_scanned", 58_000, 966_667, 156],
      ["population", "holder of population", "rows_scanned", 2000, 33_333, 5],
    ]);
    const recorded = usage({ population: 2000, medical_visits: 58_000 });
    for (const key of ["cpuMs", "wallMs", "queries", "rowsIn", "bytesIn", "outputCells"] as const)
      expect(
        metered.parts.reduce((a, p) => a + p[key], 0),
        key,
      ).toBe(recorded[key]);
    expect(metered.parts.reduce((a, p) => a + p.chargeFen, 0)).toBe(161);

    // Nothing attributable, or a job recorded before rows were kept per dataset: an even split.
    const empty = meterJob(usage({ population: 0, air_quality: 0 }), tariff);
    expect(empty.parts.map((p) => [p.basis, p.sharePpm, p.chargeFen])).toEqual([
      ["even", 500_000, 51],
      ["even", 500_000, 50],
    ]);
    const { rowsScannedByDataset: _, ...old } = usage({ population: 300, air_quality: 1 });
    expect(meterJob(old, tariff).parts.map((p) => [p.basis, p.rowsScanned])).toEqual([
      ["even", 151],
      ["even", 150],
    ]);
    // No tariff in force: charged nothing.
    expect(meterJob(usage({ population: 10 }), null).chargeFen).toBe(0);
  });
});

describe.each(STORE_KINDS)("settlement statements on %s", (kind) => {
  let t: TestStore;
  let store: SqlStore;
  let ledger: StoreAuditLedger;
  let audit: AuditSink;
  let deps: StatementDeps;
  let bureau: Actor;
  let auditor: Actor;
  let opA: Actor;
  let opB: Actor;
  let popHolder: Actor;
  let medHolder: Actor;
  const now = () => new Date("2026-12-05T08:00:00.000Z");

  const actor = async (role: Actor["role"], organization: string): Promise<Actor> => {
    const p = await store.transaction((tx) =>
      createPrincipal(tx, { role, name: `Test ${role}`, organization }),
    );
    return { id: p.id, role: p.role, organization: p.organization };
  };
  /** A finished job as the runner leaves it: its row, and its `job.finished` entry with the same usage. */
  const insertJob = async (
    id: string,
    operator: string,
    submittedAt: string,
    used: JobUsage | null,
    status = "released",
  ) => {
    await store.run(
      `INSERT INTO jobs (id, operator_id, license_id, purpose, language, script, script_sha256, status, submitted_at, usage)
       VALUES ($1, $2, $3, 'urban-analytics', 'javascript', 'export default () => ({})', 'x', $4, $5, $6)`,
      [id, operator, `lic_${operator}`, status, submittedAt, used === null ? null : JSON.stringify(used)],
    );
    await audit.append({
      type: "job.finished",
      actor: "system",
      subject: { job: id, operator, license: `lic_${operator}` },
      data: { status, reason: null, usage: used },
    });
  };
  async function logged(type: string): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    for await (const entry of ledger.query({ type })) entries.push(entry);
    return entries;
  }

  beforeEach(async () => {
    t = await openTestStore(kind);
    store = t.store;
    ledger = openStoreAuditLedger(store, { privateKey, checkpointIntervalMs: 0 });
    audit = ledgerAuditSink(ledger);
    deps = { store, audit, signingKey: privateKey, now };
    await store.transaction(async (tx) => {
      for (const name of ["population", "medical_visits", "air_quality"])
        await publishManifest(tx, demo(name), "seed");
    });
    // Policies as of October, so November's jobs find their holders in force.
    await store.run("UPDATE dataset_versions SET effective_from = '2026-10-01T00:00:00.000Z'");
    await store.run(
      "INSERT INTO tariffs (version, tariff, effective_from, author) VALUES (1, $1, $2, 'seed')",
      [JSON.stringify(TARIFF), "2026-10-01T00:00:00.000Z"],
    );
    await store.run(
      "INSERT INTO tariffs (version, tariff, effective_from, author) VALUES (2, $1, $2, 'seed')",
      [JSON.stringify({ ...TARIFF, perJob: 2 }), "2026-11-20T00:00:00.000Z"],
    );
    bureau = await actor("bureau", "Data Bureau");
    auditor = await actor("auditor", "Audit Bureau");
    popHolder = await actor("holder", department("population"));
    medHolder = await actor("holder", department("medical_visits"));
    const register = async (n: number): Promise<Actor> => {
      const { operator: o } = await registerOperator(store, audit, bureau.id, operatorRegistration(n));
      return { id: o.id, role: "operator", organization: o.qualification?.organization ?? "" };
    };
    opA = await register(1);
    opB = await register(2);
    // November: A joins population with medical visits (tariff 1), reads air quality alone
    // (tariff 2), and runs a job that reads nothing; B reads population. One October job of A.
    await insertJob(
      "job_1",
      opA.id,
      "2026-11-03T10:00:00.000Z",
      usage({ population: 2000, medical_visits: 58_000 }),
    );
    await insertJob("job_2", opA.id, "2026-11-21T10:00:00.000Z", usage({ air_quality: 500 }));
    await insertJob("job_3", opA.id, "2026-11-22T10:00:00.000Z", usage({}));
    await insertJob("job_4", opB.id, "2026-11-30T23:59:59.999Z", usage({ population: 2000 }));
    await insertJob("job_5", opA.id, "2026-10-31T23:59:59.999Z", usage({ population: 2000 }));
    await insertJob("job_6", opA.id, "2026-11-04T10:00:00.000Z", null, "failed");
  });
  afterEach(async () => {
    await ledger.close();
    await t.dispose();
  });

  const request = (party: Actor, k: "operator" | "holder" = "operator") => ({
    period: "2026-11",
    party: { kind: k, id: k === "operator" ? party.id : party.organization },
  });

  it("issues an operator's statement per license × dataset, signed, audited and reproducible", async () => {
    const issued = await issueStatement(deps, bureau, request(opA));
    expect(issued.reissued).toBe(false);
    const body = issued.statement.statement;
    expect(body).toMatchObject({
      period: "2026-11",
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-12-01T00:00:00.000Z",
      party: { kind: "operator", id: opA.id },
      tariffVersions: [1, 2],
      jobs: { count: 3 },
    });
    // job_1 (tariff 1): 161 fen divided 156/5 by rows; job_2 (tariff 2, 2 CNY a job):
    // 2 + 0.013 + 0.005 → 202 fen; job_3 reads nothing: 2 + 0.013 → 201 fen.
    expect(body.lines).toEqual([
      {
        license: `lic_${opA.id}`,
        dataset: "air_quality",
        holder: department("air_quality"),
        basis: "rows_scanned",
        jobs: 1,
        rowsScanned: 500,
        chargeFen: 202,
        charge: "2.02",
      },
      {
        license: `lic_${opA.id}`,
        dataset: "medical_visits",
        holder: department("medical_visits"),
        basis: "rows_scanned",
        jobs: 1,
        rowsScanned: 58_000,
        chargeFen: 156,
        charge: "1.56",
      },
      {
        license: `lic_${opA.id}`,
        dataset: "population",
        holder: department("population"),
        basis: "rows_scanned",
        jobs: 1,
        rowsScanned: 2000,
        chargeFen: 5,
        charge: "0.05",
      },
      {
        license: `lic_${opA.id}`,
        dataset: null,
        holder: null,
        basis: "even",
        jobs: 1,
        rowsScanned: 0,
        chargeFen: 201,
        charge: "2.01",
      },
    ]);
    expect(body.totals).toEqual({ jobs: 3, rowsScanned: 60_500, chargeFen: 564, charge: "5.64" });
    // The same figures as metering reports for the month.
    const report = await usageReport(store, {
      groupBy: "month",
      from: "2026-11-01",
      to: "2026-12-01",
      operator: opA.id,
    });
    expect(report.totals.chargeFen).toBe(body.totals.chargeFen);

    expect(verifyStatementDocument(issued.statement, publicPem)).toMatchObject({ valid: true });
    const [entry] = await logged("statement.issued");
    expect(entry).toMatchObject({
      actor: bureau.id,
      subjects: { operator: opA.id },
      data: {
        statement: issued.statement.id,
        period: "2026-11",
        sha256: statementDigestOf(issued.statement).hex,
        chargeFen: 564,
      },
    });

    // Issuing again — and again after the store is reopened, as after a restart — gives the same body.
    const again = await issueStatement(deps, bureau, request(opA));
    expect(again).toMatchObject({
      reissued: true,
      statement: { id: issued.statement.id, sha256: statementDigestOf(issued.statement).hex },
    });
    const reopened = await t.reopen();
    const afterRestart = await issueStatement({ ...deps, store: reopened }, bureau, request(opA));
    expect(afterRestart.statement).toEqual(issued.statement);
    expect(await verifyIssuedStatement(reopened, auditor, issued.statement.id, publicPem)).toMatchObject({
      valid: true,
      differences: [],
    });

    // A job row edited after the fact (its usage halved) no longer matches the log: both the
    // recomputation and the log check say so, naming the job.
    const edited = usage({ population: 1000, medical_visits: 29_000 });
    await reopened.run("UPDATE jobs SET usage = $1 WHERE id = 'job_1'", [JSON.stringify(edited)]);
    const tampered = await verifyIssuedStatement(reopened, auditor, issued.statement.id, publicPem);
    expect(tampered.valid).toBe(false);
    expect(tampered.checks.find((c) => c.check === "log")).toMatchObject({ ok: false });
    expect(tampered.checks.find((c) => c.check === "log")!.detail).toContain("job_1");
    expect(tampered.checks.find((c) => c.check === "recompute")).toMatchObject({ ok: false });
    expect(await logged("statement.issued")).toHaveLength(1);
  });

  it("issues a holder department's statement per dataset × operator: what its data earned", async () => {
    const pop = (await issueStatement(deps, bureau, request(popHolder, "holder"))).statement.statement;
    expect(pop.party).toEqual({ kind: "holder", id: department("population") });
    expect(pop.lines).toEqual(
      [
        {
          dataset: "population",
          operator: opA.id,
          basis: "rows_scanned",
          jobs: 1,
          rowsScanned: 2000,
          chargeFen: 5,
          charge: "0.05",
        },
        // B's job alone under tariff 2: 2 + 0.013 + 0.02 → 203 fen, all of it population's.
        {
          dataset: "population",
          operator: opB.id,
          basis: "rows_scanned",
          jobs: 1,
          rowsScanned: 2000,
          chargeFen: 203,
          charge: "2.03",
        },
      ].sort((a, b) => (a.operator < b.operator ? -1 : 1)),
    );
    expect(pop.totals).toMatchObject({ jobs: 2, chargeFen: 208 });
    const med = (await issueStatement(deps, bureau, request(medHolder, "holder"))).statement.statement;
    expect(med.totals).toMatchObject({ jobs: 1, rowsScanned: 58_000, chargeFen: 156 });
    // What every operator owes equals what the departments earned plus jobs that read no dataset.
    const owedA = (await issueStatement(deps, bureau, request(opA))).statement.statement.totals.chargeFen;
    const owedB = (await issueStatement(deps, bureau, request(opB))).statement.statement.totals.chargeFen;
    const air = (
      await issueStatement(deps, bureau, {
        period: "2026-11",
        party: { kind: "holder", id: department("air_quality") },
      })
    ).statement.statement.totals.chargeFen;
    expect(owedA + owedB).toBe(pop.totals.chargeFen + med.totals.chargeFen + air + 201);
  });

  it("settles only ended months whose jobs are all finished; only the bureau issues; names what to fix", async () => {
    await expect(
      issueStatement(deps, bureau, { period: "2026-12", party: { kind: "operator", id: opA.id } }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      detail: expect.stringMatching(/2026-12 ends at 2027-01-01T00:00:00.000Z/),
    });
    await insertJob("job_held", opA.id, "2026-11-10T10:00:00.000Z", usage({ population: 1 }), "held");
    await expect(issueStatement(deps, bureau, request(opA))).rejects.toMatchObject({
      code: "CONFLICT",
      detail: expect.stringMatching(/1 job\(s\) submitted in 2026-11 are not finished/),
    });
    // B's statement does not wait for A's job; a department's waits for every operator's.
    expect((await issueStatement(deps, bureau, request(opB))).reissued).toBe(false);
    await expect(issueStatement(deps, bureau, request(popHolder, "holder"))).rejects.toMatchObject({
      code: "CONFLICT",
    });
    for (const who of [opA, auditor, popHolder])
      await expect(issueStatement(deps, who, request(opA))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      issueStatement(deps, bureau, { period: "2026-13", party: { kind: "operator", id: opA.id } }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      detail: expect.stringMatching(/period/),
    });
    await expect(
      issueStatement(deps, bureau, { period: "2026-11", party: { kind: "operator", id: "ope_nobody" } }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      issueStatement(deps, bureau, { period: "2026-11", party: { kind: "holder", id: "Ministry of Magic" } }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
      detail: expect.stringMatching(/exactly as the catalog names it/),
    });
    const { signingKey: _, ...keyless } = deps;
    await expect(issueStatement(keyless, bureau, request(opB))).rejects.toMatchObject({ code: "NOT_READY" });
    expect(await logged("statement.issued")).toHaveLength(1);
  });

  it("shows an operator its own statements and a holder its department's; others' answer NOT_FOUND", async () => {
    const a = (await issueStatement(deps, bureau, request(opA))).statement;
    const b = (await issueStatement(deps, bureau, request(opB))).statement;
    const pop = (await issueStatement(deps, bureau, request(popHolder, "holder"))).statement;
    expect((await listStatements(store, opA)).items.map((s) => s.id)).toEqual([a.id]);
    expect((await listStatements(store, opA, { party: opB.id })).items.map((s) => s.id)).toEqual([]);
    expect((await listStatements(store, popHolder)).items.map((s) => s.id)).toEqual([pop.id]);
    expect((await listStatements(store, medHolder)).items.map((s) => s.id)).toEqual([]);
    expect(
      new Set((await listStatements(store, auditor, { period: "2026-11" })).items.map((s) => s.id)),
    ).toEqual(new Set([a.id, b.id, pop.id]));
    expect((await listStatements(store, bureau, { party: opB.id })).items[0]).toMatchObject({
      id: b.id,
      chargeFen: 203,
      charge: "2.03",
    });
    expect(await getStatement(store, opA, a.id)).toEqual(a);
    await expect(getStatement(store, opA, b.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(getStatement(store, medHolder, pop.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(getStatement(store, popHolder, a.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(verifyIssuedStatement(store, opB, a.id, publicPem)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await getStatement(store, popHolder, pop.id)).toEqual(pop);
  });

  it("fails verification when one figure is edited, saying which check failed and which figure differs", async () => {
    const issued = (await issueStatement(deps, bureau, request(opA))).statement;
    const edited = structuredClone(issued);
    (edited.statement.lines[1] as { chargeFen: number }).chargeFen = 150;
    const offline = verifyStatementDocument(edited, publicPem);
    expect(offline.valid).toBe(false);
    expect(offline.checks.filter((c) => !c.ok).map((c) => c.check)).toEqual(["hash", "signature", "totals"]);
    expect(offline.reason).toMatch(
      /hash check failed: the body hashes to sha256 [0-9a-f]{64}, not to the sha256 it carries/,
    );
    expect(offline.reason).toMatch(/lines\[1\]\.charge 1\.56 is not its chargeFen 150/);
    // An edit that keeps the sums (and the hash recomputed) still fails the signature.
    const forged = structuredClone(issued);
    forged.statement.lines[0]!.chargeFen = 203;
    forged.statement.lines[0]!.charge = "2.03";
    forged.statement.lines[3]!.chargeFen = 200;
    forged.statement.lines[3]!.charge = "2.00";
    (forged as { sha256: string }).sha256 = statementHash(forged.statement, "sha256");
    expect(
      verifyStatementDocument(forged, publicPem)
        .checks.filter((c) => !c.ok)
        .map((c) => c.check),
    ).toEqual(["signature"]);
    // Another key does not verify it either.
    const other = generateKeyPairSync("ed25519").publicKey;
    expect(
      verifyStatementDocument(issued, other)
        .checks.filter((c) => !c.ok)
        .map((c) => c.check),
    ).toEqual(["signature", "key"]);
    expect(verifyStatementDocument({ not: "a statement" }, publicPem)).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/shape check failed/),
    });

    // Edited in the store: the server's recomputation names the figure; re-issuing is refused.
    await store.run("UPDATE statements SET body = $1 WHERE id = $2", [
      JSON.stringify(edited.statement),
      issued.id,
    ]);
    const server = await verifyIssuedStatement(store, bureau, issued.id, publicPem);
    expect(server.valid).toBe(false);
    expect(server.differences).toEqual([{ path: "lines[1].chargeFen", issued: 150, recomputed: 156 }]);
    expect(server.checks.find((c) => c.check === "recompute")).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/lines\[1\]\.chargeFen/),
    });
    await expect(issueStatement(deps, bureau, request(opA))).resolves.toMatchObject({ reissued: true });
    await store.run("UPDATE statements SET digest = $1 WHERE id = $2", [
      statementDigestOf(forged).hex,
      issued.id,
    ]);
    await expect(issueStatement(deps, bureau, request(opA))).rejects.toMatchObject({
      code: "CONFLICT",
      detail: expect.stringMatching(/verify names the figures that differ/),
    });
  });

  it("exports CSV rows with a total and a PDF that shows the hash and signature", async () => {
    const issued = (await issueStatement(deps, bureau, request(popHolder, "holder"))).statement;
    const rows = statementRows(issued);
    expect(rows.at(-1)).toMatchObject({ basis: "total", charge_fen: 208, charge_cny: "2.08" });
    expect(rows.slice(0, -1).reduce((a, r) => a + Number(r.charge_fen), 0)).toBe(208);
    const pdf = Buffer.from(statementPdf(issued));
    const text = pdf.toString("latin1");
    expect(text.startsWith("%PDF-1.4\n")).toBe(true);
    expect(text.trimEnd().endsWith("%%EOF")).toBe(true);
    expect(text).toContain(statementDigestOf(issued).hex);
    expect(text).toContain("SHA-256 of the statement body");
    expect(text).toContain("Ed25519 signature");
    expect(text).toContain(issued.signature.slice(0, 40));
    // The department's Chinese name is set in the CJK font, as UCS-2.
    expect(text).toContain("/STSong-Light");
    expect(text).toContain(
      `<${[..."呼和浩特"].map((c) => c.codePointAt(0)!.toString(16).padStart(4, "0")).join("")}`,
    );
    // The cross-reference table points at each object.
    const xref = Number(/startxref\n(\d+)/.exec(text)![1]);
    expect(text.slice(xref, xref + 4)).toBe("xref");
    const offsets = [...text.slice(xref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    for (const [i, offset] of offsets.entries())
      expect(text.slice(offset).startsWith(`${i + 1} 0 obj`)).toBe(true);
    // The same statement prints the same bytes.
    expect(Buffer.from(statementPdf(issued)).equals(pdf)).toBe(true);
  });

  it("hashes and signs under the sm profile: SM3 digests named sm3, an SM2 signature, verifiable offline", async () => {
    const sm2 = generateKeyPairSync("ec", { namedCurve: "SM2" });
    const smPem = sm2.publicKey.export({ type: "spki", format: "pem" }).toString();
    const smDeps = { ...deps, signingKey: sm2.privateKey };
    const issued = (await issueStatement(smDeps, bureau, request(opA))).statement;
    const bytes = canonicalJsonBytes(issued.statement);
    expect(issued).toMatchObject({ sm3: createHash("sm3").update(bytes).digest("hex") });
    expect(issued).not.toHaveProperty("sha256");
    expect(issued.statement.key).toBe(keyFingerprint(sm2.publicKey));
    expect(issued.statement.key).toMatch(/^sm3:/);
    // The jobs' digest is SM3 too: of the ids, sorted, one per line.
    expect(issued.statement.jobs).toEqual({
      count: 3,
      sm3: createHash("sm3").update("job_1\njob_2\njob_3").digest("hex"),
    });
    expect(SM.verify(bytes, sm2.publicKey, Buffer.from(issued.signature, "base64url"))).toBe(true);
    expect(verifyStatementDocument(issued, smPem)).toMatchObject({ valid: true });
    const [entry] = await logged("statement.issued");
    expect(entry?.data).toMatchObject({ sm3: statementDigestOf(issued).hex, key: issued.statement.key });
    expect(entry?.data).not.toHaveProperty("sha256");
    const listed = await listStatements(store, auditor);
    expect(listed.items).toEqual([
      expect.objectContaining({ id: issued.id, sm3: statementDigestOf(issued).hex }),
    ]);
    expect(await verifyIssuedStatement(store, auditor, issued.id, smPem)).toMatchObject({ valid: true });
    const text = Buffer.from(statementPdf(issued)).toString("latin1");
    expect(text).toContain("SM3 of the statement body");
    expect(text).toContain("SM2 signature");
    expect(text).toContain(`sm3 ${statementDigestOf(issued).hex}`);

    // An edited figure fails the SM3 check, by name; a SHA-256 put in its place does not pass.
    const edited = structuredClone(issued);
    (edited.statement.lines[0] as { chargeFen: number }).chargeFen = 1;
    expect(verifyStatementDocument(edited, smPem).reason).toMatch(
      /the body hashes to sm3 [0-9a-f]{64}, not to the sm3 it carries/,
    );
    const relabelled = {
      ...structuredClone(issued),
      sha256: createHash("sha256").update(bytes).digest("hex"),
    };
    expect(verifyStatementDocument(relabelled, smPem)).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/shape check failed/),
    });
  });

  it("keeps a statement issued under SHA-256 before statements followed the sm profile: it verifies and re-issues", async () => {
    const sm2 = generateKeyPairSync("ec", { namedCurve: "SM2" });
    const smPem = sm2.publicKey.export({ type: "spki", format: "pem" }).toString();
    // What the previous release stored in an sm domain: a SHA-256 body digest and jobs digest,
    // signed with SM2, in its schema (version 5: the table as migration 3 made it). Reopening the
    // store migrates it.
    const keyId = keyFingerprint(createPublicKey(sm2.privateKey));
    const body = await computeStatement(store, "2026-11", request(opA).party, keyId, "sha256");
    expect(body.jobs).toHaveProperty("sha256");
    const bytes = canonicalJsonBytes(body);
    await store.run("DROP TABLE statements");
    for (const sql of MIGRATIONS.find((m) => m.version === 3)!.statements(store.dialect))
      if (/ON statements |TABLE statements /.test(sql)) await store.run(sql);
    await store.run("DELETE FROM schema_migrations WHERE version >= 6");
    await store.run(
      `INSERT INTO statements (id, period, party_kind, party_id, body, sha256, signature, charge_fen, issued_by, issued_at)
       VALUES ('stm_old', '2026-11', 'operator', $1, $2, $3, $4, $5, $6, '2026-12-01T08:00:00.000Z')`,
      [
        opA.id,
        bytes.toString("utf8"),
        statementHash(body, "sha256"),
        SM.sign(bytes, sm2.privateKey).toString("base64url"),
        body.totals.chargeFen,
        bureau.id,
      ],
    );
    store = await t.reopen();
    const old = await getStatement(store, auditor, "stm_old");
    expect(old).toMatchObject({ sha256: statementHash(body, "sha256") });
    expect(verifyStatementDocument(old, smPem)).toMatchObject({ valid: true });
    expect(await verifyIssuedStatement(store, auditor, "stm_old", smPem)).toMatchObject({
      valid: true,
      differences: [],
    });
    const again = await issueStatement({ ...deps, store, signingKey: sm2.privateKey }, bureau, request(opA));
    expect(again).toMatchObject({ reissued: true, statement: { id: "stm_old" } });
    expect(again.statement).toEqual(old);
  });
});
