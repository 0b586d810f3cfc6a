import { describe, expect, it } from "vitest";
import { DEMO_BUDGET } from "../../control/provisioning.ts";
import { type Probe, probe, useSecurityGateway } from "./support.ts";

/**
 * Family: disclosure through allowed-looking queries. Every query here passes the gate; the
 * threshold, contribution bounds, dominance rules, noise and ε budget must keep one resident's
 * (or one firm's) value from leaving.
 */
const gateway = useSecurityGateway();

type Person = { b: string; d: string; g: string; inc: number };
type Firm = { e: string; d: string; i: string; cap: number };

/** Residents alone in their (birth date, district, sex) cell: the quasi-identifiers an insider knows. */
async function uniquePeople(n: number): Promise<Person[]> {
  return gateway().truth<Person>(
    `SELECT CAST(birth_date AS VARCHAR) AS b, district AS d, gender AS g, CAST(any_value(annual_income) AS DOUBLE) AS inc
     FROM population GROUP BY birth_date, district, gender HAVING count(*) = 1 ORDER BY hash(b, d, g) LIMIT ${n}`,
  );
}

async function uniqueFirm(): Promise<Firm> {
  const [firm] = await gateway().truth<Firm>(
    `SELECT CAST(established_on AS VARCHAR) AS e, district AS d, industry AS i,
            CAST(any_value(registered_capital) AS DOUBLE) AS cap
     FROM enterprises GROUP BY established_on, district, industry
     HAVING count(*) = 1 AND any_value(registered_capital) BETWEEN 1000 AND 1000000
     ORDER BY e LIMIT 1`,
  );
  return firm!;
}

const personWhere = (p: Person) =>
  `(birth_date = DATE '${p.b}' AND district = '${p.d}' AND gender = '${p.g}')`;
const firmWhere = (f: Firm) =>
  `(established_on = DATE '${f.e}' AND district = '${f.d}' AND industry = '${f.i}')`;
const rowsOf = (p: Probe) => (p.ok ? (JSON.parse(p.rows) as Record<string, number | string | null>[]) : []);

describe("disclosure through allowed-looking queries", () => {
  it("small cells: every released group of a fine cross-tab holds at least k units", async () => {
    const gw = gateway();
    const [pop, firms] = await probe(gw, [
      "SELECT district, birth_date, count(*) AS n FROM population GROUP BY district, birth_date",
      "SELECT established_on, district, count(*) AS n, sum(employees) AS staff FROM enterprises GROUP BY established_on, district",
    ]);
    for (const row of [...rowsOf(pop!), ...rowsOf(firms!)]) expect(Number(row.n)).toBeGreaterThanOrEqual(10);
  });

  it("singling out with WHERE on a unique combination of quasi-identifiers returns nothing about the person", async () => {
    const gw = gateway();
    const [person] = await uniquePeople(1);
    const firm = await uniqueFirm();
    const probes = await probe(gw, [
      `SELECT count(*) AS n, avg(annual_income) AS inc FROM population WHERE ${personWhere(person!)}`,
      `SELECT count(*) AS n, sum(registered_capital) AS cap FROM enterprises WHERE ${firmWhere(firm)}`,
    ]);
    for (const p of probes) expect(p.ok).toBe(true);
    // Grade 3: the threshold is applied to a noisy count (scale 10 here), so a one-person
    // cell clears k = 10 with probability ≈ 0.2. What leaves then is the DP release itself —
    // noise, not the person: the count is not 1 and the mean is not their income.
    for (const row of rowsOf(probes[0]!)) {
      if (row.n === null) expect(row.inc).toBeNull();
      else {
        expect(Number(row.n)).toBeGreaterThanOrEqual(10);
        expect(row.inc).not.toBe(person!.inc);
      }
    }
    // Grade 2: the threshold (k plus a sticky 0–6) is on the true count of firms, one here: nothing is released.
    for (const row of rowsOf(probes[1]!)) for (const v of Object.values(row)) expect(v).toBeNull();
    expect(probes[1]!.rows).not.toContain(String(firm.cap));
  });

  it("differencing (grade 3): district total minus the total without the target is noise, not the income", async () => {
    const gw = gateway();
    const [person] = await uniquePeople(1);
    const [all, without] = await probe(gw, [
      `SELECT sum(annual_income) AS s FROM population WHERE district = '${person!.d}'`,
      `SELECT sum(annual_income) AS s FROM population WHERE district = '${person!.d}' AND NOT ${personWhere(person!)}`,
    ]);
    const diff = Number(rowsOf(all!)[0]!.s) - Number(rowsOf(without!)[0]!.s);
    expect(diff).not.toBe(person!.inc);
  });

  it("differencing and tracker attack (grade 2): the differences are sticky noise, not the firm's capital", async () => {
    const gw = gateway();
    const firm = await uniqueFirm();
    const [all, without, tracker, again] = await probe(gw, [
      `SELECT count(*) AS n, sum(registered_capital) AS s FROM enterprises WHERE district = '${firm.d}'`,
      `SELECT count(*) AS n, sum(registered_capital) AS s FROM enterprises WHERE district = '${firm.d}' AND NOT ${firmWhere(firm)}`,
      // the tracker: the whole district, with the target counted twice (padding defeats dominance)
      `SELECT district, count(*) AS n, sum(CASE WHEN ${firmWhere(firm)} THEN registered_capital * 2 ELSE registered_capital END) AS s FROM enterprises GROUP BY district`,
      // the same question again, rephrased: the same figure, nothing to average
      `SELECT sum(e.registered_capital) AS s, count(*) AS n FROM enterprises e WHERE '${firm.d}' = e.district`,
    ]);
    const a = rowsOf(all!)[0]!;
    const b = rowsOf(without!)[0]!;
    // Grade 2's sticky noise (policies/sticky-noise.ts): the two sets of firms differ by the target,
    // so their noise is drawn independently, with σ of a large firm's capital in the district.
    const [exact] = await gw.truth<{ s: number }>(
      `SELECT sum(registered_capital)::DOUBLE AS s FROM enterprises WHERE district = '${firm.d}'`,
    );
    expect(a.s).not.toBeNull();
    expect(Number(a.s)).not.toBe(exact!.s);
    expect(Number(a.s) - Number(b.s)).not.toBeCloseTo(firm.cap, 0);
    const row = rowsOf(tracker!).find((r) => r.district === firm.d)!;
    expect(Number(row.s) - Number(a.s)).not.toBeCloseTo(firm.cap, 0);
    const rephrased = rowsOf(again!)[0]!;
    expect([rephrased.s, rephrased.n]).toEqual([a.s, a.n]);
  });

  it("averaging a repeated or rephrased noisy query gets the recorded answer back and pays once; other computations pay", async () => {
    const gw = gateway();
    const q = "SELECT district, count(*) AS n FROM population GROUP BY district";
    const repeated = await gw.run(`export default async function main(ctx) {
      const answers = [];
      for (let i = 0; i < 8; i++) answers.push(JSON.stringify(await ctx.sql(${JSON.stringify(q)})));
      return { a: answers.map((s) => ({ s })) };
    }`);
    expect(repeated.status).toBe("released");
    const answers = (repeated.outputs!.a as { s: string }[]).map((a) => a.s);
    expect(new Set(answers).size).toBe(1);
    // The same computation (see policies/query-key.ts): the recorded answer, no charge.
    const rephrasings = [
      "SELECT district AS d, count(*) AS n FROM population GROUP BY d",
      "SELECT count(*) AS total, p.district FROM population AS p WHERE true GROUP BY p.district",
      "SELECT count(*) AS n, district FROM population GROUP BY district",
    ];
    // Computed otherwise (another measure), or equal only by reasoning the key does not do.
    const others = [
      "SELECT district, count(person_id) AS n FROM population GROUP BY district",
      "SELECT district, count(*) AS n FROM population WHERE 1 = 1 GROUP BY district",
      "SELECT district, count(1) AS n FROM population GROUP BY 1",
    ];
    const rephrased = await gw.run(`export default async function main(ctx) {
      for (const q of ${JSON.stringify([...rephrasings, ...others])}) await ctx.sql(q);
      return { x: [{ a: 1 }] };
    }`);
    expect(rephrased.status).toBe("released");
    expect(rephrased.usage?.epsilon?.population).toBeCloseTo(DEMO_BUDGET.perQuery * others.length, 6);
  });

  it("aggregates that return raw values (min, max, median, quantiles, mode, first, arg_max, lists, stddev) are refused on protected columns", async () => {
    const gw = gateway();
    const fns = [
      "min(annual_income)",
      "max(annual_income)",
      "median(annual_income)",
      "quantile_cont(annual_income, 0.99)",
      "quantile_disc(annual_income, 0.5)",
      "mode(annual_income)",
      "first(annual_income)",
      "any_value(annual_income)",
      "arg_max(annual_income, birth_date)",
      "max_by(birth_date, annual_income)",
      "string_agg(CAST(annual_income AS VARCHAR), ',')",
      "list(annual_income)",
      "histogram(annual_income)",
      "stddev(annual_income)",
      "bool_or(annual_income > 100000)",
      "sum(DISTINCT annual_income)",
      "max(registered_capital)",
    ];
    const probes = await probe(
      gw,
      fns.map(
        (f) =>
          `SELECT district, ${f} AS v FROM ${f.includes("registered") ? "enterprises" : "population"} GROUP BY district`,
      ),
    );
    for (const p of probes) {
      expect(p.ok, fns[p.i]).toBe(false);
      expect(["POLICY_VIOLATION", "SQL_NOT_ALLOWED"]).toContain(p.code);
    }
  });

  it("conditional aggregates inside a large group withhold the one-person cell", async () => {
    const gw = gateway();
    const [person] = await uniquePeople(1);
    const where = personWhere(person!);
    const [filtered, cased] = await probe(gw, [
      `SELECT district, count(*) AS n, count(*) FILTER (WHERE ${where}) AS c, sum(annual_income) FILTER (WHERE ${where}) AS s FROM population GROUP BY district`,
      `SELECT district, sum(CASE WHEN ${where} THEN annual_income ELSE 0 END) AS s FROM population GROUP BY district`,
    ]);
    // The cell is withheld unless a noisy contributor count reaches k; what is released then is
    // the one-person value plus noise of scale ≥ 10^6 CNY (the demo's ε 0.2 split over the statistics).
    const near = (v: unknown) => v !== null && v !== undefined && Math.abs(Number(v) - person!.inc) < 1000;
    const row = rowsOf(filtered!).find((r) => r.district === person!.d);
    expect(near(row?.s)).toBe(false);
    const casedRow = rowsOf(cased!).find((r) => r.district === person!.d);
    expect(near(casedRow?.s)).toBe(false);
    expect(filtered!.ok && cased!.ok).toBe(true);
  });

  it("outlier-dominated sums and means are withheld by the dominance rule", async () => {
    const gw = gateway();
    const [sums] = await probe(gw, [
      "SELECT x.district, sum(e.kwh) AS kwh, avg(e.kwh) AS mean_kwh FROM electricity_usage e JOIN enterprises x ON e.uscc = x.uscc GROUP BY x.district",
    ]);
    const truth = await gw.truth<{ d: string; share: number }>(
      `WITH f AS (SELECT x.district AS d, e.uscc, sum(least(e.kwh, 200000000)) AS t
                  FROM electricity_usage e JOIN enterprises x ON e.uscc = x.uscc GROUP BY 1, 2)
       SELECT d, max(t) / sum(t) AS share FROM f GROUP BY d`,
    );
    const released = new Map(rowsOf(sums!).map((r) => [r.district, r]));
    for (const { d, share } of truth) {
      if (share > 0.5) {
        expect(released.get(d)?.kwh ?? null, d).toBeNull();
        expect(released.get(d)?.mean_kwh ?? null, d).toBeNull();
      }
    }
  });

  it("joins that fan out one person are bounded per person; a join across privacy units of different types is refused", async () => {
    const gw = gateway();
    const [person] = await uniquePeople(1);
    const [single, fan, crossType] = await probe(gw, [
      `SELECT count(*) AS n, sum(m.cost) AS c FROM population p JOIN medical_visits m ON p.person_id = m.person_id WHERE ${personWhere(person!).replaceAll("birth_date", "p.birth_date").replaceAll("district", "p.district").replaceAll("gender", "p.gender")}`,
      "SELECT count(*) AS n FROM medical_visits a JOIN medical_visits b ON a.person_id = b.person_id",
      "SELECT count(*) AS n FROM population p JOIN enterprises e ON p.person_id = e.uscc",
    ]);
    // Withheld, or released with DP noise of scale ≥ 10^6 (20 visits × 200,000 bound / ε): never
    // the person's own total.
    const [own] = await gw.truth<{ c: number }>(
      `SELECT coalesce(sum(m.cost), 0)::DOUBLE AS c FROM population p JOIN medical_visits m ON p.person_id = m.person_id WHERE p.birth_date = DATE '${person!.b}' AND p.district = '${person!.d}' AND p.gender = '${person!.g}'`,
    );
    for (const row of rowsOf(single!)) {
      // Noisy sums lie on a power-of-two grid far coarser than a cost and are clamped at 0, so
      // a release equal to a positive true total would be the total leaking, not chance.
      if (row.c !== null && row.c !== undefined && own!.c > 0) expect(Number(row.c)).not.toBe(own!.c);
    }
    const people = (
      await gw.truth<{ n: number }>("SELECT count(DISTINCT person_id)::INTEGER AS n FROM medical_visits")
    )[0]!.n;
    // at most 20 rows per person survive the bound, whatever the self-join multiplies
    expect(Number(rowsOf(fan!)[0]?.n)).toBeLessThanOrEqual(20 * people + 200);
    expect(crossType!.ok).toBe(false);
  });

  it("ORDER BY + LIMIT and GROUP BY on near-unique columns never surface a small group", async () => {
    const gw = gateway();
    const probes = await probe(gw, [
      "SELECT birth_date, count(*) AS n FROM population GROUP BY birth_date ORDER BY n ASC LIMIT 5",
      "SELECT birth_date, district, gender, education, count(*) AS n FROM population GROUP BY birth_date, district, gender, education",
      "SELECT established_on, count(*) AS n FROM enterprises GROUP BY established_on ORDER BY n ASC LIMIT 5",
      "SELECT established_on, district, industry, count(*) AS n FROM enterprises GROUP BY established_on, district, industry ORDER BY n LIMIT 5",
      "SELECT district, count(*) AS n FROM population GROUP BY district ORDER BY sum(annual_income) DESC LIMIT 1",
    ]);
    for (const p of probes.slice(0, 4)) {
      expect(p.ok).toBe(true);
      for (const row of rowsOf(p)) expect(Number(row.n)).toBeGreaterThanOrEqual(10);
    }
    expect(probes[4]!.ok).toBe(false);
  });

  it("reconstruction: random subset sums over 24 singled-out residents, solved as a linear system, stop at the ε budget near chance", async () => {
    const gw = gateway();
    const attacker = await gw.admitOperator();
    const license = await gw.grant(attacker.id, {
      datasets: [{ name: "population", epsilon: { perQuery: 0.5, total: 25, period: "month" } }],
    });
    const people = await uniquePeople(24);
    const threshold = [...people.map((p) => p.inc)].sort((a, b) => a - b)[12]!;
    const secret: number[] = people.map((p) => (p.inc > threshold ? 1 : 0));
    const conds = people.map(personWhere);
    const job = await gw.run(
      `export default async function main(ctx) {
        const conds = ${JSON.stringify(conds)};
        let seed = 12345;
        const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
        const answers = [];
        let stoppedBy = "";
        for (let q = 0; q < 100; q++) {
          const members = conds.map(() => (rand() < 0.6 ? 1 : 0));
          const where = conds.filter((_, i) => members[i]).join(" OR ");
          try {
            const [row] = await ctx.sql("SELECT count(*) AS n, sum(CASE WHEN annual_income > ${threshold} THEN 1 ELSE 2 END) AS s FROM population WHERE " + where);
            answers.push({ members: members.join(""), s: row && row.s !== null ? row.s : -1 });
          } catch (e) { stoppedBy = String(e.code); break; }
        }
        return { answers, stop: [{ code: stoppedBy }] };
      }`,
      { license, api: attacker.api },
    );
    expect(job.status).toBe("released");
    expect(job.outputs!.stop![0]!.code).toBe("BUDGET_EXHAUSTED");
    const answers = (job.outputs!.answers as { members: string; s: number }[]).filter((a) => a.s >= 0);
    expect(job.usage?.epsilon?.population).toBeLessThanOrEqual(25);
    // Attacker's solve: least squares of Σ_{i∈S} b_i = 2|S| − s.
    const n = people.length;
    const ata = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const atb = new Array<number>(n).fill(0);
    for (const a of answers) {
      const m = [...a.members].map(Number);
      const size = m.reduce((x, y) => x + y, 0);
      const y = 2 * size - a.s;
      for (let i = 0; i < n; i++) {
        if (!m[i]) continue;
        atb[i]! += y;
        for (let j = 0; j < n; j++) if (m[j]) ata[i]![j]! += 1;
      }
    }
    for (let i = 0; i < n; i++) ata[i]![i]! += 1e-3;
    const x = solve(ata, atb);
    const recovered = x.filter((v, i) => (v > 0.5 ? 1 : 0) === secret[i]).length / n;
    const ones = secret.reduce((s, v) => s + v, 0) / n;
    const baseline = Math.max(ones, 1 - ones);
    console.info(
      `reconstruction: ${answers.length} answered queries, ε ${job.usage?.epsilon?.population}, recovered ${(recovered * 100).toFixed(0)}% of ${n} bits vs ${(baseline * 100).toFixed(0)}% by guessing the majority`,
    );
    // Far from reconstruction: DP noise at ε = 0.5 per query, and the budget caps the queries.
    expect(answers.length).toBeLessThanOrEqual(50);
    expect(recovered).toBeLessThan(0.9);
  }, 180_000);
});

/** Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c || m[c]![c] === 0) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => (row[i] === 0 ? 0 : row[n]! / row[i]!));
}
