import { describe, expect, it } from "vitest";
import { type Job, probe, useSecurityGateway } from "./support.ts";

/**
 * Family: side channels. What an operator can observe besides released values — response
 * fields, sizes, suppression counts, progress and query events, error classes and texts of
 * tainted jobs — must not depend on protected values.
 */
const gateway = useSecurityGateway();

/** Usage fields that do not depend on time (time is a benchmark matter, not a test one). */
function stableUsage(job: Job): Record<string, unknown> {
  const { cpuMs: _c, wallMs: _w, heapPeakBytes: _h, ...rest } = (job.usage ?? {}) as Record<string, unknown>;
  return rest;
}

/** The event stream up to its `finished` event (a held job's stream stays open for the review). */
async function sseText(url: string, key: string): Promise<string> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!/event: finished\n[^\n]*\n/.test(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

describe("side channels", () => {
  it("timing and result size: a present and an absent target give the same response fields", async () => {
    const gw = gateway();
    // Grade 2: both cells hold fewer than k firms, so both are withheld and the two runs match
    // exactly; on grade 3 the release itself is randomised and presence only shifts its odds within ε.
    const [present] = await gw.truth<{ b: string; d: string }>(
      "SELECT CAST(established_on AS VARCHAR) AS b, district AS d FROM enterprises GROUP BY ALL HAVING count(*) = 1 LIMIT 1",
    );
    const script = (b: string) => `export default async function main(ctx) {
      const rows = await ctx.sql("SELECT count(*) AS n, avg(registered_capital) AS cap FROM enterprises WHERE established_on = DATE '${b}' AND district = '${present!.d}'");
      return { r: rows };
    }`;
    const a = await gw.run(script(present!.b));
    const b = await gw.run(script("1900-01-01"));
    expect(a.status).toBe(b.status);
    expect(a.outputs).toEqual(b.outputs);
    expect(stableUsage(a)).toEqual(stableUsage(b));
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  });

  it("suppression patterns of DP queries over data-derived groups are not disclosed in query events", async () => {
    const gw = gateway();
    const res = await gw.operator.post<Job>("/v1/jobs", {
      license: gw.license,
      script: `export default async function main(ctx) {
        return { r: await ctx.sql("SELECT birth_date, count(*) AS n FROM population GROUP BY birth_date") };
      }`,
    });
    const job = await gw.settle(res.body.id);
    expect(job.status).toBe("released");
    const events = await sseText(`${gw.url}/v1/jobs/${job.id}/events`, gw.operator.key!);
    const query = events.split("\n").find((l) => l.includes('"kind":"aggregate"'));
    expect(query).toBeDefined();
    expect(query).not.toContain("suppressedGroups");
  });

  it("complementary suppression (grade 2): a suppressed cell is not the released total minus the released cells", async () => {
    const gw = gateway();
    const [total, cells] = await probe(gw, [
      "SELECT district, count(*) AS n, sum(registered_capital) AS s FROM enterprises GROUP BY district",
      "SELECT district, status, count(*) AS n, sum(registered_capital) AS s FROM enterprises GROUP BY district, status",
    ]);
    const truth = await gw.truth<{ d: string; s: string; n: number; cap: number }>(
      "SELECT district AS d, status AS s, count(*)::INTEGER AS n, sum(registered_capital)::DOUBLE AS cap FROM enterprises GROUP BY 1, 2",
    );
    type Released = { district: string; status?: string; n: number; s: number | null };
    const totals = JSON.parse(total!.rows) as Released[];
    const released = JSON.parse(cells!.rows) as Released[];
    let cases = 0;
    let exactCounts = 0;
    for (const district of totals) {
      const shown = released.filter((r) => r.district === district.district);
      const hidden = truth.filter((t) => t.d === district.district && !shown.some((s) => s.status === t.s));
      if (hidden.length !== 1) continue;
      // Exactly one hidden cell: without noise its count and capital would be the differences.
      cases++;
      const count = district.n - shown.reduce((s, r) => s + r.n, 0);
      if (count === hidden[0]!.n) exactCounts++;
      if (district.s !== null && shown.every((r) => r.s !== null)) {
        const capital = district.s - shown.reduce((s, r) => s + r.s!, 0);
        // Every figure carries its own sticky noise, of σ a large firm's capital: the capital of
        // a cell of fewer than k firms is lost in it.
        expect(Math.abs(capital - hidden[0]!.cap)).toBeGreaterThan(Math.max(1, hidden[0]!.cap / 100));
      }
    }
    // The counts' noise is a few firms (σ = 1 per figure, one per cell and one for the total): a
    // difference can land on the truth by chance, never reliably.
    expect(cases).toBeGreaterThan(0);
    if (cases >= 3) expect(exactCounts).toBeLessThan(cases);
  });

  it("a tainted job's progress, logs, row counts and error text do not reach the operator before review", async () => {
    const gw = gateway();
    const [firm] = await gw.truth<{ d: string; n: number }>(
      "SELECT district AS d, count(*)::INTEGER AS n FROM enterprises GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
    );
    // Row-level access on a grade 2 dataset taints the job: its count is the secret here.
    const res = await gw.operator.post<Job>("/v1/jobs", {
      license: gw.license,
      script: `export default async function main(ctx) {
        const rows = await ctx.sql("SELECT 1 AS one FROM enterprises WHERE district = '${firm!.d}'");
        ctx.progress(0.5, "n=" + rows.length);
        ctx.log("n=" + rows.length);
        const e = new Error("n=" + rows.length);
        e.name = "Leak" + rows.length;
        throw e;
      }`,
    });
    const job = await gw.settle(res.body.id);
    // Failing is a choice of a script that saw rows: the job is held, its error shown to reviewers only.
    expect(job.status).toBe("held");
    expect(job.error).toBeUndefined();
    const secret = String(firm!.n);
    expect(job.error?.message ?? null).toBeNull();
    expect(JSON.stringify(job.error ?? null)).not.toContain(secret);
    expect(JSON.stringify(job.logs ?? [])).not.toContain(secret);
    const events = await sseText(`${gw.url}/v1/jobs/${job.id}/events`, gw.operator.key!);
    expect(events).not.toContain(`n=${secret}`);
    expect(events).not.toContain(`"rows":${secret}`);
  });

  it("a tainted job's usage does not carry its row-level counts", async () => {
    const gw = gateway();
    const [firm] = await gw.truth<{ d: string; n: number }>(
      "SELECT district AS d, count(*)::INTEGER AS n FROM enterprises GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
    );
    const job = await gw.run(`export default async function main(ctx) {
      const rows = await ctx.sql("SELECT 1 AS one FROM enterprises WHERE district = '${firm!.d}'");
      return { x: [{ a: 1 }] };
    }`);
    expect(["held", "failed", "rejected"]).toContain(job.status);
    expect(job.outputs ?? null).toBeNull();
    // rowsIn was the exact count of matching firms: the whole usage waits for review.
    expect(job.usage ?? null).toBeNull();
    const asBureau = await gw.bureau.get<Job>(`/v1/jobs/${job.id}`);
    expect((asBureau.body.usage as { rowsIn?: number }).rowsIn).toBe(firm!.n);
  });

  it("query error text never carries a value, for refused and failed queries alike", async () => {
    const gw = gateway();
    const values = (await gw.truth<{ v: string }>("SELECT DISTINCT industry AS v FROM enterprises")).map(
      (r) => r.v,
    );
    const probes = await probe(gw, [
      "SELECT count(*) AS n FROM enterprises WHERE CAST(industry AS INTEGER) = 1",
      "SELECT count(*) AS n FROM enterprises WHERE established_on = industry",
      "SELECT industry, max(registered_capital) AS m FROM enterprises GROUP BY industry",
      "SELECT industry FROM enterprises",
    ]);
    for (const p of probes)
      for (const v of values) expect(p.detail.includes(`'${v}'`) || p.detail.includes(`"${v}"`)).toBe(false);
  });
});
