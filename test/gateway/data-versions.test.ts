import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { airQualityCsv, airQualityParquet } from "../support/data-files.ts";
import { tempDir } from "../support/duckdb.ts";
import { type Client, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;
let scratch: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  gw = await startTestGateway({ maxUploadBytes: 100_000 });
  scratch = await tempDir("aos-upload-");
});
afterAll(async () => {
  await gw?.close();
  await scratch?.remove();
});

interface Version {
  dataset: string;
  version: number;
  format: string;
  sha256: string;
  rows: number;
  bytes: number;
  suppliedBy: string;
  note: string | null;
  current: boolean;
}

/** Uploads `body` as the file itself (not JSON), as `aos dataset push` does. */
async function upload(
  key: string | undefined,
  dataset: string,
  body: string | Buffer,
  type = "text/csv",
  query = "",
) {
  const res = await gw.app.request(`/v1/datasets/${dataset}/versions${query}`, {
    method: "POST",
    headers: { "content-type": type, ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const keyOf = (client: Client) => client.key;

async function settle(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 30; i++) {
    const res = await gw.operator.get(`/v1/jobs/${id}?wait=10`);
    if (!["queued", "running"].includes(String(res.body.status))) return res.body;
  }
  throw new Error(`job ${id} did not settle`);
}

async function submit(script: string): Promise<string> {
  const res = await gw.operator.post<{ id: string }>("/v1/jobs", {
    script,
    license: gw.credentials.operator.license,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id;
}

const COUNT_AIR = `export default async function main(ctx) {
  const rows = await ctx.sql("SELECT count(*) AS n, min(station) AS station FROM air_quality");
  return { count: rows };
}`;

describe("data versions over HTTP", () => {
  it("a holder supplies a CSV: it becomes current, is logged, the bureau is told, and new jobs read it", async () => {
    const csv = airQualityCsv(500);
    const res = await upload(
      keyOf(gw.holders.air_quality!),
      "air_quality",
      csv,
      "text/csv",
      "?note=re-calibrated",
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      dataset: "air_quality",
      version: 2,
      format: "csv",
      rows: 500,
      bytes: Buffer.byteLength(csv),
      sha256: createHash("sha256").update(csv).digest("hex"),
      note: "re-calibrated",
      current: true,
    });
    const listed = await gw.holders.air_quality!.get<{ current: number; versions: Version[] }>(
      "/v1/datasets/air_quality/versions",
    );
    expect(listed.status).toBe(200);
    expect(listed.body.current).toBe(2);
    expect(listed.body.versions.map((v) => [v.version, v.suppliedBy, v.current])).toEqual([
      [1, "seed", false],
      [2, res.body.suppliedBy, true],
    ]);
    expect(gw.audit.ofType("dataset.version_supplied").at(-1)).toMatchObject({
      actor: res.body.suppliedBy,
      data: { dataset: "air_quality", version: 2, rows: 500, format: "csv" },
    });
    const inbox = await gw.controlPlane.query<{ kind: string; message: string }>(
      `SELECT n.kind, n.message FROM notifications n JOIN principals p ON p.id = n.recipient_id
       WHERE p.role = 'bureau' AND n.kind = 'dataset.version_supplied'`,
    );
    expect(inbox.length).toBeGreaterThanOrEqual(2);
    expect(inbox[0]!.message).toContain("data version 2 of air_quality is current");
    expect((await gw.operator.get<{ rows: number }>("/v1/datasets/air_quality")).body.rows).toBe(500);

    const job = await settle(await submit(COUNT_AIR));
    expect(job.status).toBe("released");
    expect((job.outputs as { count: { rows: { n: number; station: string }[] } }).count).toBeDefined();
    const started = gw.audit.ofType("job.started").at(-1)!;
    expect(started.data).toMatchObject({ dataVersions: { air_quality: 2 } });
    const output = await gw.operator.get<{ n: number; station: string }[]>(
      `/v1/jobs/${job.id}/outputs/count`,
      {
        accept: "application/json",
      },
    );
    expect(output.body).toEqual([{ n: 500, station: "Test station" }]);
  });

  it("the bureau supplies Parquet with its own limit on the body (beyond MAX_BODY_BYTES is fine, beyond the upload limit is 413)", async () => {
    const file = join(scratch.dir, "air.parquet");
    await airQualityParquet(airQualityCsv(300), join(scratch.dir, "air.csv"), file);
    const bytes = await readFile(file);
    const res = await upload(keyOf(gw.bureau), "air_quality", bytes, "application/vnd.apache.parquet");
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ version: 3, format: "parquet", rows: 300 });

    const big = airQualityCsv(3000);
    expect(Buffer.byteLength(big)).toBeGreaterThan(100_000);
    const tooBig = await upload(keyOf(gw.bureau), "air_quality", big);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("a bad upload changes nothing and says what is wrong, never quoting the data", async () => {
    const before = (await gw.bureau.get("/v1/datasets/air_quality/versions")).body;
    const files = await readdir(join(gw.dir, "datasets", "air_quality"));
    const holder = keyOf(gw.holders.air_quality!);

    const missing = await upload(holder, "air_quality", airQualityCsv(5, { omit: "aqi" }));
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toContain("column aqi (INTEGER) is missing");
    const wrongType = await upload(holder, "air_quality", airQualityCsv(5, { aqi: "hazardous" }));
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.detail).toContain(
      "column aqi: 5 values of type VARCHAR cannot be stored as INTEGER",
    );
    expect(JSON.stringify(wrongType.body)).not.toContain("hazardous");
    const notParquet = await upload(
      holder,
      "air_quality",
      "station,hour\n",
      "application/vnd.apache.parquet",
    );
    expect(notParquet.status).toBe(400);
    expect(notParquet.body.detail).toContain("cannot be read as a Parquet file");
    const json = await upload(holder, "air_quality", "{}", "application/json");
    expect(json.status).toBe(400);
    expect(json.body.detail).toContain("application/vnd.apache.parquet or text/csv");

    expect((await gw.bureau.get("/v1/datasets/air_quality/versions")).body).toEqual(before);
    expect(await readdir(join(gw.dir, "datasets", "air_quality"))).toEqual(files);
    const refused = gw.audit.ofType("dataset.supply_refused").slice(-3);
    expect(refused.map((e) => e.data.reason)).toEqual([
      expect.stringContaining("column aqi (INTEGER) is missing"),
      expect.stringContaining("cannot be stored as INTEGER"),
      expect.stringContaining("Parquet"),
    ]);
  });

  it("restores an earlier version; new jobs read it, nothing is deleted", async () => {
    const res = await gw.holders.air_quality!.post("/v1/datasets/air_quality/versions/2/restore", {
      note: "the Parquet export had a unit error",
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ version: 2, current: true });
    expect(gw.audit.ofType("dataset.version_switched").at(-1)).toMatchObject({
      data: { dataset: "air_quality", from: 3, to: 2, note: "the Parquet export had a unit error" },
    });
    const again = await gw.bureau.post("/v1/datasets/air_quality/versions/2/restore");
    expect(again.status).toBe(409);
    expect((await gw.bureau.post("/v1/datasets/air_quality/versions/42/restore")).status).toBe(404);
    expect(
      (await gw.bureau.get<{ versions: Version[] }>("/v1/datasets/air_quality/versions")).body.versions,
    ).toHaveLength(3);
    const job = await settle(await submit(COUNT_AIR));
    const output = await gw.operator.get<{ n: number }[]>(`/v1/jobs/${job.id}/outputs/count`, {
      accept: "application/json",
    });
    expect(output.body[0]!.n).toBe(500);
  });

  it("a job already running keeps the version it started on while a new one is supplied", async () => {
    const script = `export default async function main(ctx) {
      const first = await ctx.sql("SELECT count(*) AS n FROM air_quality");
      const until = Date.now() + 2500;
      while (Date.now() < until) {}
      const second = await ctx.sql("SELECT count(*) AS n FROM air_quality");
      return { counts: [{ first: first[0].n, second: second[0].n }] };
    }`;
    const id = await submit(script);
    for (let i = 0; i < 100; i++) {
      if (gw.audit.ofType("job.started").some((e) => e.subject.job === id)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const supplied = await upload(keyOf(gw.holders.air_quality!), "air_quality", airQualityCsv(42));
    expect(supplied.status).toBe(201);
    const job = await settle(id);
    expect(job.status, JSON.stringify(job)).toBe("released");
    const output = await gw.operator.get<{ first: number; second: number }[]>(
      `/v1/jobs/${id}/outputs/counts`,
      {
        accept: "application/json",
      },
    );
    expect(output.body).toEqual([{ first: 500, second: 500 }]);
    expect(gw.audit.ofType("job.started").find((e) => e.subject.job === id)!.data).toMatchObject({
      dataVersions: { air_quality: 2 },
    });
    const next = await settle(await submit(COUNT_AIR));
    const counted = await gw.operator.get<{ n: number }[]>(`/v1/jobs/${next.id}/outputs/count`, {
      accept: "application/json",
    });
    expect(counted.body[0]!.n).toBe(42);
  });

  it("the bureau supplies a new dataset's data first, then registers its policy against the table", async () => {
    const csv = "stop,boardings\nXinhua Square,1200\nHohhot Station,3400\n";
    expect((await upload(keyOf(gw.holders.air_quality!), "bus_ridership", csv)).status).toBe(404);
    const supplied = await upload(keyOf(gw.bureau), "bus_ridership", csv);
    expect(supplied.status, JSON.stringify(supplied.body)).toBe(201);
    const manifest = {
      name: "bus_ridership",
      title: "Bus ridership",
      description: "Boardings per stop.",
      holder: { department: "呼和浩特市公交总公司 (Hohhot Public Transport)" },
      grade: 1,
      updateFrequency: "monthly",
      privacyUnit: null,
      columns: [
        { name: "stop", type: "VARCHAR", meaning: "Stop.", rule: "plain" },
        { name: "boardings", type: "BIGINT", meaning: "Boardings.", rule: "plain" },
      ],
    };
    // The policy is checked against the supplied table: a manifest that differs is refused…
    const wrong = await gw.bureau.put("/v1/datasets/bus_ridership/policy", {
      ...manifest,
      columns: [manifest.columns[0], { ...manifest.columns[1], type: "INTEGER" }],
    });
    expect(wrong.status).toBe(400);
    expect(String(wrong.body.detail)).toContain("boardings is BIGINT");
    // …one that describes it exactly goes on (registering a dataset waits for a second officer).
    const registered = await gw.bureau.put("/v1/datasets/bus_ridership/policy", manifest);
    expect([201, 202], JSON.stringify(registered.body)).toContain(registered.status);
  });
});

describe("data version routes refuse whoever may not use them", () => {
  it("operators and auditors may not supply or restore; operators may not list; anonymous callers are 401", async () => {
    const csv = airQualityCsv(3);
    for (const client of [gw.operator, gw.auditor]) {
      const res = await upload(keyOf(client), "air_quality", csv);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe("FORBIDDEN");
      expect((await client.post("/v1/datasets/air_quality/versions/1/restore")).status).toBe(403);
    }
    expect((await gw.operator.get("/v1/datasets/air_quality/versions")).status).toBe(403);
    expect((await gw.auditor.get("/v1/datasets/air_quality/versions")).status).toBe(200);
    expect((await upload(undefined, "air_quality", csv)).status).toBe(401);
    expect((await gw.anonymous.get("/v1/datasets/air_quality/versions")).status).toBe(401);
  });

  it("a holder reaching another department's dataset is answered as if it did not exist", async () => {
    const other = gw.holders.population!;
    const absent = await upload(keyOf(other), "no_such_dataset", airQualityCsv(3));
    const foreign = await upload(keyOf(other), "air_quality", airQualityCsv(3));
    expect(foreign.status).toBe(404);
    expect(absent.status).toBe(404);
    expect(foreign.body.detail).toBe("no dataset named air_quality");
    expect(absent.body.detail).toBe("no dataset named no_such_dataset");
    expect((await other.get("/v1/datasets/air_quality/versions")).status).toBe(404);
    expect((await other.post("/v1/datasets/air_quality/versions/1/restore")).status).toBe(404);
    // Its own dataset it may list.
    expect((await other.get("/v1/datasets/population/versions")).status).toBe(200);
  });
});
