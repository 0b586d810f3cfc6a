import { describe, expect, it } from "vitest";
import { auditOf, useSecurityGateway } from "./support.ts";

/**
 * Family: the audit trail. Every attack leaves a trace an auditor can find by job, operator and
 * type, the log verifies after it, and nothing in the log is a data value.
 */
const gateway = useSecurityGateway();

describe("audit trail", () => {
  it("a refused query, a denied column and a failed value-oracle attempt are each logged with their job", async () => {
    const gw = gateway();
    const job = await gw.run(`export default async function main(ctx) {
      for (const q of ["DROP TABLE population", "SELECT name FROM population", "SELECT count(*) AS n FROM population WHERE make_date(2000, 13, 1) IS NULL"]) {
        try { await ctx.sql(q); } catch {}
      }
      return { x: [{ a: 1 }] };
    }`);
    const entries = await auditOf(gw, `job=${job.id}`);
    const types = entries.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(["job.submitted", "job.started", "query.checked", "job.finished"]),
    );
    const checked = entries.filter((e) => e.type === "query.checked");
    expect(checked).toHaveLength(3);
    expect(checked.map((e) => (e.data?.error as { code?: string } | null)?.code ?? "ok")).toEqual([
      "SQL_NOT_ALLOWED",
      "POLICY_VIOLATION",
      "ok",
    ]);
  });

  it("a sandbox escape attempt and an exhausted job are logged as finished with their code", async () => {
    const gw = gateway();
    const escaped = await gw.run(
      `export default async function main(ctx) { return (function(){}).constructor("return process")(); }`,
    );
    const memory = await gw.run(
      `export default async function main(ctx) { const a = []; for (;;) a.push(new Array(1e6).fill(0)); }`,
    );
    for (const job of [escaped, memory]) {
      const finished = (await auditOf(gw, `job=${job.id}&type=job.finished`))[0];
      expect(finished?.data?.status).toBe("failed");
      expect(finished?.data?.reason).toBe(job.error?.code);
    }
  });

  it("forged keys and wrong-role calls are logged as auth failures without the presented secret", async () => {
    const gw = gateway();
    const before = (await auditOf(gw, "type=auth.failed&limit=1000")).length;
    const forged = "aos_0123456789ab_ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ";
    expect((await gw.as(forged).get("/v1/licenses")).status).toBe(401);
    const after = await auditOf(gw, "type=auth.failed&limit=1000");
    expect(after.length).toBe(before + 1);
    expect(JSON.stringify(after)).not.toContain("ZZZZZZZZZZZZZZZZZZZZ");
  });

  it("a tainted job's SQL literals and results never enter the log as values", async () => {
    const gw = gateway();
    const job = await gw.run(`export default async function main(ctx) {
      const rows = await ctx.sql("SELECT 1 AS one FROM enterprises WHERE district = '新城区'");
      ctx.log("secret " + rows.length);
      return { x: [{ n: rows.length }] };
    }`);
    expect(job.status).toBe("held");
    const [truth] = await gw.truth<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM enterprises WHERE district = '新城区'",
    );
    const entries = await auditOf(gw, `job=${job.id}`);
    const text = JSON.stringify(entries.filter((e) => e.type !== "query.checked"));
    expect(text).not.toContain(`secret ${truth!.n}`);
    expect(entries.some((e) => e.type === "job.gate")).toBe(true);
  });

  it("the export verifies end to end and an operator cannot read or extend the log", async () => {
    const gw = gateway();
    const exported = await gw.auditor.get<string>("/v1/audit/export");
    expect(exported.status).toBe(200);
    expect(String(exported.body).length).toBeGreaterThan(0);
    expect((await gw.operator.get("/v1/audit/verify")).status).toBe(403);
    expect((await gw.operator.post("/v1/audit/checkpoint", {})).status).toBe(403);
    const verify = await gw.auditor.get<{ valid: boolean; entries: number }>("/v1/audit/verify");
    expect(verify.body.valid).toBe(true);
    expect(verify.body.entries).toBeGreaterThan(10);
  });
});
