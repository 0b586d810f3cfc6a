import { createHash } from "node:crypto";
import { Type, tableFromIPC } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outputCsv, outputDigest } from "../../audit/output-digest.ts";
import { verifyReceipt } from "../../audit/receipt.ts";
import type { JobView } from "../../control/jobs/job-service.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;
let publicKey: string;

beforeAll(async () => {
  gw = await startTestGateway({ seedScale: 0.01, sandboxWorkers: 1 });
  publicKey = (await gw.anonymous.get<string>("/.well-known/aos-domain-key.pem")).body;
});

afterAll(async () => {
  await gw?.close();
});

// Each value a double or a bare string would lose: passed through from the query as it came.
const SCRIPT = `export default async function main(ctx) {
  const rows = await ctx.sql(\`
    SELECT '9007199254740993'::BIGINT AS big, 42::BIGINT AS small,
           TIMESTAMP '2024-03-01 08:00:00.123456' AS at, DATE '2024-02-29' AS day,
           NULL::VARCHAR AS nothing, 12345.67::DECIMAL(10,2) AS amount
    FROM air_quality LIMIT 1\`);
  const big = rows[0].big;
  // The engine admits no list function: a list is one the script makes.
  rows[0].list = [1, 2, 3];
  return { typed: rows, computed: [{ kind: typeof big, next: big + 1n }] };
}`;

async function run(script: string): Promise<JobView> {
  const submitted = await gw.operator.post<JobView>("/v1/jobs", {
    script,
    license: gw.credentials.operator.license,
  });
  expect(submitted.status).toBe(202);
  for (let i = 0; i < 10; i++) {
    const job = (await gw.operator.get<JobView>(`/v1/jobs/${submitted.body.id}?wait=20`)).body;
    if (!["queued", "running"].includes(job.status)) return job;
  }
  throw new Error("the job did not settle");
}

async function download(job: string, name: string, accept: string): Promise<Uint8Array> {
  const res = await gw.app.request(`/v1/jobs/${job}/outputs/${name}`, {
    headers: { authorization: `Bearer ${gw.credentials.operator.key}`, accept },
  });
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

const EXPECTED = {
  big: "9007199254740993",
  small: 42,
  at: "2024-03-01T08:00:00.123456",
  day: "2024-02-29",
  nothing: null,
  amount: 12345.67,
  list: [1, 2, 3],
};

describe("released values keep their types in every format", () => {
  let job: JobView;
  beforeAll(async () => {
    job = await run(SCRIPT);
  });

  it("gives a script int64 beyond ±2^53 exactly, as a BigInt", () => {
    expect(job.status, JSON.stringify(job.error ?? job.decision)).toBe("released");
    expect(job.outputs!.computed).toEqual([{ kind: "bigint", next: "9007199254740994" }]);
  });

  it("serves JSON with int64 as digits, timestamps RFC 3339, dates, lists and nulls", async () => {
    const body = await download(job.id, "typed", "application/json");
    expect(JSON.parse(Buffer.from(body).toString("utf8"))).toEqual([EXPECTED]);
  });

  it("serves CSV with the same text forms, a list as its JSON in a quoted cell", async () => {
    const text = Buffer.from(await download(job.id, "typed", "text/csv")).toString("utf8");
    expect(text).toBe(
      'big,small,at,day,nothing,amount,list\r\n9007199254740993,42,2024-03-01T08:00:00.123456,2024-02-29,,12345.67,"[1,2,3]"\r\n',
    );
  });

  it("serves Arrow with the real types and the same values", async () => {
    const table = tableFromIPC(await download(job.id, "typed", "application/vnd.apache.arrow.stream"));
    const type = (name: string) => table.schema.fields.find((f) => f.name === name)!.type;
    expect(type("big").typeId).toBe(Type.Int);
    expect(table.getChild("big")!.get(0)).toBe(9007199254740993n);
    expect(table.getChild("small")!.get(0)).toBe(42n);
    expect(String(type("at"))).toBe("Timestamp<MICROSECOND>");
    expect(table.getChild("at")!.data[0]!.values[0]).toBe(1709280000123456n);
    expect(String(type("day"))).toBe("Date32<DAY>");
    expect(table.getChild("day")!.get(0)).toBe(Date.UTC(2024, 1, 29));
    expect(String(type("list"))).toBe("List<Float64>");
    expect([...table.getChild("list")!.get(0)!]).toEqual([1, 2, 3]);
    expect(String(type("amount"))).toBe("Decimal[10e+2]");
    expect(type("nothing").typeId).toBe(Type.Utf8);
    expect(table.getChild("nothing")!.get(0)).toBeNull();
  });

  it("verifies each of the three downloads against the receipt", async () => {
    for (const accept of ["application/json", "text/csv", "application/vnd.apache.arrow.stream"]) {
      const content = await download(job.id, "typed", accept);
      expect(verifyReceipt(job.receipt, publicKey, { content, name: "typed" }), accept).toMatchObject({
        valid: true,
        output: "typed",
      });
    }
  });

  it("refuses a tampered download in every format", async () => {
    for (const accept of ["application/json", "text/csv", "application/vnd.apache.arrow.stream"]) {
      const content = Buffer.from(await download(job.id, "typed", accept));
      // 9007199254740993 becomes …994: in its digits, or in its eight little-endian Arrow bytes.
      const digits = content.indexOf("9007199254740993");
      const at = digits >= 0 ? digits + 15 : content.indexOf(Buffer.from([1, 0, 0, 0, 0, 0, 0x20, 0]));
      expect(at).toBeGreaterThanOrEqual(0);
      content[at] = content[at]! + 1;
      expect(verifyReceipt(job.receipt, publicKey, { content, name: "typed" }).valid, accept).toBe(false);
    }
  });
});

describe("outputs of jobs released before outputs were typed", () => {
  it("still verify against their receipts in JSON, CSV and Arrow", async () => {
    const job = await run(`export default async function main(ctx) {
      return { plain: [{ station: "S1", days: 12, share: 0.25, ok: true, note: null }, { station: "-S2", days: 3, share: 0.5, ok: false, note: "x" }] };
    }`);
    expect(job.status).toBe("released");
    const rows = job.outputs!.plain!;
    // The digests an old release listed: the canonical JSON and the CSV of untyped rows.
    const payload = JSON.parse(
      Buffer.from((job.receipt as { payload: string }).payload, "base64url").toString(),
    );
    const listed = payload.outputs.find((o: { name: string }) => o.name === "plain");
    expect(listed.sha256).toBe(outputDigest(rows));
    expect(listed.csvSha256).toBe(createHash("sha256").update(outputCsv(rows)).digest("hex"));
    for (const accept of ["application/json", "text/csv", "application/vnd.apache.arrow.stream"]) {
      const content = await download(job.id, "plain", accept);
      expect(verifyReceipt(job.receipt, publicKey, { content, name: "plain" }), accept).toMatchObject({
        valid: true,
      });
    }
  });
});

describe("what a script cannot release", () => {
  it("refuses NaN and infinities in an output, saying which cell", async () => {
    const job = await run(`export default async function main(ctx) {
      return { t: [{ x: 0 / 0 }] };
    }`);
    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({ code: "SCRIPT_ERROR" });
  });
});
