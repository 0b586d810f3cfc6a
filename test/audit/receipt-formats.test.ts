import { describe, expect, it } from "vitest";
import { outputBytes, outputCsvDigest, outputDigest } from "../../audit/output-digest.ts";
import { issueReceipt, type ReceiptClaims, verifyReceipt } from "../../audit/receipt.ts";
import { toArrowStream, toCsv } from "../../gateway/output-formats.ts";
import { newKey } from "./fixtures.ts";

const rows = [
  { district: "新城区", n: 1204, mean_income: 61234.5, note: "=SUM(A1)" },
  { district: 'a "quoted", name', n: 877, mean_income: null, note: "line\nbreak" },
];
const accuracy = {
  n: [
    { scale: 10, ci95: 30 },
    { scale: 10, ci95: 30 },
  ],
};

function claims(withCsv: boolean): ReceiptClaims {
  return {
    job: "job_1",
    operator: "op_1",
    license: "lic_1",
    purpose: "district income study",
    policyVersions: { population: 3 },
    outputs: [
      {
        name: "by_district",
        sha256: outputDigest(rows),
        ...(withCsv ? { csvSha256: outputCsvDigest(rows) } : {}),
      },
    ],
    releasedAt: "2026-03-01T10:00:00.000Z",
    logPosition: 42,
  };
}

const key = newKey();
const receipt = issueReceipt(claims(true), key.privateKey);
const verify = (content: Uint8Array | string, r = receipt) =>
  verifyReceipt(r, key.publicKeyPem, {
    content: typeof content === "string" ? Buffer.from(content, "utf8") : content,
    name: "by_district",
  });

describe("a receipt verifies the output in each form the gateway serves", () => {
  it("CSV as downloaded, with the accuracy comment lines, and after an editor changed its line ends", () => {
    const served = toCsv(rows, accuracy);
    expect(served.startsWith("# ")).toBe(true);
    expect(verify(served)).toMatchObject({ valid: true, output: "by_district" });
    expect(verify(toCsv(rows))).toMatchObject({ valid: true });
    expect(verify(`\ufeff${served.replaceAll("\r\n", "\n")}`)).toMatchObject({ valid: true });
  });

  it("Arrow as downloaded: re-read into the JSON form", () => {
    expect(verify(toArrowStream(rows, accuracy))).toMatchObject({ valid: true, output: "by_district" });
  });

  it("JSON as served, as before", () => {
    expect(verify(outputBytes(rows))).toMatchObject({ valid: true });
    expect(verify(JSON.stringify(rows, null, 2))).toMatchObject({ valid: true });
  });

  it("refuses a CSV whose cells were changed, naming the format, not the bytes", () => {
    const forged = toCsv(rows, accuracy).replace("1204", "1205");
    const result = verify(forged);
    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.reason).toMatch(/^this file is CSV and its cells are not the CSV of the output/);
    // A changed comment line is not the output: it still verifies.
    expect(verify(toCsv(rows, accuracy).replace("# noisy", "# edited"))).toMatchObject({ valid: true });
  });

  it("refuses a changed Arrow file", () => {
    const result = verify(toArrowStream(rows.map((r) => ({ ...r, n: r.n + 1 }))));
    expect(result).toMatchObject({ valid: false, reason: expect.stringMatching(/^this file is Arrow/) });
  });

  it("says what to do with a CSV and a receipt issued before receipts covered CSV", () => {
    const old = issueReceipt(claims(false), key.privateKey);
    const result = verify(toCsv(rows, accuracy), old);
    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.reason).toMatch(/^this file is CSV, and this receipt .* download the output as JSON/);
    expect(result.reason).not.toMatch(/hash is not/);
    // Its JSON and Arrow still verify.
    expect(verify(outputBytes(rows), old)).toMatchObject({ valid: true });
    expect(verify(toArrowStream(rows), old)).toMatchObject({ valid: true });
  });
});
