import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyStatementDocument } from "../../audit/statement-signature.ts";
import { largestRemainder } from "../../control/metering.ts";
import {
  type AdmittedOperator,
  type Client,
  startTestGateway,
  type TestGateway,
} from "../support/gateway.ts";

type Usage = { rowsScanned: number; rowsScannedByDataset?: Record<string, number>; datasets: string[] };
type Job = { id: string; status: string; usage: Usage | null };
type Statement = {
  id: string;
  sha256: string;
  signature: string;
  statement: {
    period: string;
    party: { kind: string; id: string };
    lines: Record<string, string | number | null>[];
    totals: { jobs: number; rowsScanned: number; chargeFen: number; charge: string };
  };
};

let gw: TestGateway;
let other: AdmittedOperator;
let joined: Job;
let publicKey: string;

const department = (dataset: string) => gw.credentials.holders![dataset]!.department;

async function run(script: string, client: Client = gw.operator, license = gw.credentials.operator.license) {
  const submitted = await client.post<Job>("/v1/jobs", { script, license });
  expect(submitted.status).toBe(202);
  for (;;) {
    const res = await client.get<Job>(`/v1/jobs/${submitted.body.id}?wait=20`);
    if (!["queued", "running"].includes(res.body.status)) return res.body;
  }
}

beforeAll(async () => {
  gw = await startTestGateway({ seedScale: 0.005 });
  expect(
    (
      await gw.bureau.put("/v1/tariffs", {
        currency: "CNY",
        perJob: 1,
        perCpuSecond: 0,
        perQuery: 0,
        perEpsilon: 0,
        perOutputCell: 0,
        perThousandRowsScanned: 1,
      })
    ).status,
  ).toBe(201);
  // One job of very different contribution: population once (in the join), medical visits three times.
  joined = await run(`export default async function main(ctx) {
    const joined = await ctx.sql("SELECT p.district, count(*) AS visits FROM population p JOIN medical_visits m ON p.person_id = m.person_id GROUP BY p.district");
    const a = await ctx.sql("SELECT hospital, count(*) AS n FROM medical_visits GROUP BY hospital");
    const b = await ctx.sql("SELECT insurance_type, count(*) AS n FROM medical_visits GROUP BY insurance_type");
    return { joined, a, b };
  }`);
  other = await gw.admitOperator();
  publicKey = (await gw.auditor.get<{ publicKey: string }>("/v1/audit/public-key")).body.publicKey;
});

afterAll(async () => {
  await gw?.close();
});

describe("usage by contribution", () => {
  it("charges a job joining population with medical visits to each in proportion to the rows it scanned", async () => {
    expect(joined.status).toBe("released");
    const rows = joined.usage!.rowsScannedByDataset!;
    const counts = await gw.dataDomain.tableRowCounts();
    expect(rows).toEqual({
      medical_visits: 3 * counts.get("medical_visits")!,
      population: counts.get("population")!,
    });
    expect(joined.usage!.rowsScanned).toBe(rows.population! + rows.medical_visits!);

    type Line = {
      dataset: string;
      basis: string;
      jobs: number;
      rowsScanned: number;
      chargeFen: number;
      sharePpm: number;
    };
    const usage = await gw.operator.get<{ lines: Line[]; totals: { chargeFen: number } }>("/v1/usage");
    const line = (d: string) => usage.body.lines.find((l) => l.dataset === d)!;
    const [med, pop] = [line("medical_visits"), line("population")];
    // 1 CNY a job and 1 CNY per thousand rows, divided by the largest remainder in whole fen.
    const whole = Math.round((1 + (rows.population! + rows.medical_visits!) / 1000) * 100);
    expect(med.chargeFen + pop.chargeFen).toBe(whole);
    expect([med.chargeFen, pop.chargeFen]).toEqual(
      largestRemainder(whole, [rows.medical_visits!, rows.population!]),
    );
    expect(med.chargeFen).toBeGreaterThan(5 * pop.chargeFen);
    expect([med.basis, pop.basis, med.jobs, pop.jobs]).toEqual(["rows_scanned", "rows_scanned", 1, 1]);
    expect(med.sharePpm + pop.sharePpm).toBe(1_000_000);
    expect([med.rowsScanned, pop.rowsScanned]).toEqual([rows.medical_visits, rows.population]);
    expect(usage.body.totals.chargeFen).toBe(whole);
  });
});

describe("statements", () => {
  let opStatement: Statement;
  let popStatement: Statement;
  let medStatement: Statement;

  beforeAll(async () => {
    // A statement settles a month that has ended: the job and the tariff are moved into November.
    await gw.controlPlane.run("UPDATE jobs SET submitted_at = '2026-11-15T10:00:00.000Z' WHERE id = $1", [
      joined.id,
    ]);
    await gw.controlPlane.run("UPDATE tariffs SET effective_from = '2026-11-01T00:00:00.000Z'");
  });

  it("are issued by the bureau per operator and per holder department, figures by contribution", async () => {
    const issued = await gw.bureau.post<Statement>("/v1/statements", {
      period: "2026-11",
      party: { kind: "operator", id: gw.demoOperatorId },
    });
    expect(issued.status).toBe(201);
    opStatement = issued.body;
    const usage = joined.usage!.rowsScannedByDataset!;
    const whole = Math.round((1 + (usage.population! + usage.medical_visits!) / 1000) * 100);
    const [medFen, popFen] = largestRemainder(whole, [usage.medical_visits!, usage.population!]);
    expect(opStatement.statement.lines).toEqual([
      expect.objectContaining({
        dataset: "medical_visits",
        jobs: 1,
        rowsScanned: usage.medical_visits,
        chargeFen: medFen,
      }),
      expect.objectContaining({
        dataset: "population",
        jobs: 1,
        rowsScanned: usage.population,
        chargeFen: popFen,
      }),
    ]);
    expect(opStatement.statement.totals).toMatchObject({ jobs: 1, chargeFen: whole });

    const holder = async (dataset: string) =>
      gw.bureau.post<Statement>("/v1/statements", {
        period: "2026-11",
        party: { kind: "holder", id: department(dataset) },
      });
    popStatement = (await holder("population")).body;
    medStatement = (await holder("medical_visits")).body;
    expect(popStatement.statement.lines).toEqual([
      expect.objectContaining({ dataset: "population", operator: gw.demoOperatorId, chargeFen: popFen }),
    ]);
    expect(medStatement.statement.totals.chargeFen).toBe(medFen);

    // The same month again: the same statement, reproduced from the jobs and tariffs.
    const again = await gw.bureau.post<Statement>("/v1/statements", {
      period: "2026-11",
      party: { kind: "operator", id: gw.demoOperatorId },
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(opStatement);
    const logged = await gw.auditor.get<{ entries: { data: { sha256: string } }[] }>(
      "/v1/audit?type=statement.issued",
    );
    expect(logged.body.entries.map((e) => e.data.sha256)).toEqual([
      opStatement.sha256,
      popStatement.sha256,
      medStatement.sha256,
    ]);
  });

  it("export as signed JSON, CSV and PDF, and verify offline and on the server", async () => {
    const json = await gw.operator.get<Statement>(`/v1/statements/${opStatement.id}`);
    expect(json.status).toBe(200);
    expect(json.body).toEqual(opStatement);
    expect(verifyStatementDocument(json.body, publicKey)).toMatchObject({ valid: true });
    const csv = await gw.operator.get<string>(`/v1/statements/${opStatement.id}`, { accept: "text/csv" });
    expect(csv.contentType).toContain("text/csv");
    expect(csv.headers.get("x-statement-sha256")).toBe(opStatement.sha256);
    const [header, ...rows] = csv.body.trimEnd().split("\r\n");
    expect(header).toContain("charge_fen");
    expect(rows).toHaveLength(3);
    expect(rows.at(-1)).toContain(`,total,1,`);
    const pdf = await gw.app.request(`/v1/statements/${opStatement.id}`, {
      headers: { authorization: `Bearer ${gw.credentials.operator.key}`, accept: "application/pdf" },
    });
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    const bytes = Buffer.from(await pdf.arrayBuffer()).toString("latin1");
    expect(bytes.startsWith("%PDF-1.4")).toBe(true);
    expect(bytes).toContain(opStatement.sha256);

    const verified = await gw.auditor.post<{ valid: boolean; differences: unknown[] }>(
      `/v1/statements/${opStatement.id}/verify`,
    );
    expect(verified.body).toMatchObject({ valid: true, differences: [] });

    // One figure edited: the offline check says which checks failed.
    const edited = structuredClone(opStatement);
    edited.statement.lines[0]!.chargeFen = Number(edited.statement.lines[0]!.chargeFen) + 1;
    const result = verifyStatementDocument(edited, publicKey);
    expect(result.valid).toBe(false);
    expect(result.reason).toMatch(/^hash check failed: .*signature check failed: .*totals check failed/);
  });

  it("are read by their own party only; others' answer 404, issuing is the bureau's", async () => {
    const list = async (client: Client) =>
      (await client.get<{ statements: { id: string }[] }>("/v1/statements")).body.statements
        .map((s) => s.id)
        .sort();
    expect(await list(gw.operator)).toEqual([opStatement.id]);
    expect(await list(other.client)).toEqual([]);
    expect(await list(gw.holders.population!)).toEqual([popStatement.id]);
    expect(await list(gw.holders.air_quality!)).toEqual([]);
    expect(await list(gw.auditor)).toEqual([opStatement.id, popStatement.id, medStatement.id].sort());
    expect(
      (
        await gw.bureau.get<{ statements: { id: string }[] }>(
          `/v1/statements?party=${gw.demoOperatorId}&period=2026-11`,
        )
      ).body.statements,
    ).toEqual([expect.objectContaining({ id: opStatement.id, period: "2026-11" })]);

    for (const [client, id] of [
      [other.client, opStatement.id],
      [gw.operator, popStatement.id],
      [gw.holders.population!, medStatement.id],
      [gw.holders.medical_visits!, opStatement.id],
    ] as const) {
      expect((await client.get(`/v1/statements/${id}`)).status).toBe(404);
      expect((await client.post(`/v1/statements/${id}/verify`)).status).toBe(404);
    }
    expect((await gw.holders.population!.get(`/v1/statements/${popStatement.id}`)).status).toBe(200);
    const request = { period: "2026-11", party: { kind: "operator", id: other.id } };
    for (const client of [gw.operator, gw.auditor, gw.holders.population!])
      expect((await client.post("/v1/statements", request)).status).toBe(403);
    expect((await gw.anonymous.get("/v1/statements")).status).toBe(401);
    expect((await gw.bureau.get("/v1/statements/stm_nope")).status).toBe(404);
  });

  it("refuse malformed requests, unknown parties and months not yet ended, saying what to fix", async () => {
    const bad = await gw.bureau.post<{ detail: string }>("/v1/statements", {
      period: "November",
      party: { kind: "operator" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/period/);
    const unknown = await gw.bureau.post<{ detail: string }>("/v1/statements", {
      period: "2026-11",
      party: { kind: "holder", id: "Ministry of Magic" },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toMatch(/GET \/v1\/datasets/);
    const current = new Date().toISOString().slice(0, 7);
    const early = await gw.bureau.post<{ detail: string }>("/v1/statements", {
      period: current,
      party: { kind: "operator", id: gw.demoOperatorId },
    });
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(
      /a statement settles a whole calendar month \(UTC\), once it has ended/,
    );
    // An operator with no use that month still gets a (zero) statement.
    const none = await gw.bureau.post<Statement>("/v1/statements", {
      period: "2026-11",
      party: { kind: "operator", id: other.id },
    });
    expect(none.status).toBe(201);
    expect(none.body.statement.totals).toEqual({ jobs: 0, rowsScanned: 0, chargeFen: 0, charge: "0.00" });
  });

  it("are listed in the OpenAPI document", async () => {
    const doc = (await gw.anonymous.get<{ paths: Record<string, unknown> }>("/openapi.json")).body;
    for (const path of ["/v1/statements", "/v1/statements/{id}", "/v1/statements/{id}/verify"])
      expect(doc.paths).toHaveProperty([path]);
  });
});
