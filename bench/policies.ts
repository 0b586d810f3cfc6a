/**
 * Policy-engine benchmark: per query, parse / check / rewrite time, engine total, and the raw
 * DuckDB time of the same query; plus the relative error of district-level mean income at the
 * default ε. Usage: node --import tsx bench/policies.ts [--scale 0.1] [--runs 20]
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { InMemoryPrivacyBudgetLedger } from "../control/privacy-budget.ts";
import { createQueryService, parseSql } from "../control/query-service.ts";
import { License, licensedViews } from "../policies/license.ts";
import { analyzeQuery } from "../policies/query-gate.ts";
import { rewriteAggregate } from "../policies/rewrite.ts";
import { generateDemoDomain } from "../seeds/generate.ts";
import { DEMO_MANIFESTS } from "../seeds/manifests/index.ts";

const { values } = parseArgs({
  options: { scale: { type: "string", default: "0.1" }, runs: { type: "string", default: "20" } },
});
const scale = Number(values.scale);
const runs = Number(values.runs);

const QUERIES = [
  "SELECT district, count(*) AS n, avg(annual_income) AS mean_income FROM population GROUP BY district",
  "SELECT gender, education, count(*) AS n FROM population WHERE birth_date < DATE '1990-01-01' GROUP BY gender, education",
  "SELECT year(birth_date) AS y, count(*) AS n FROM population GROUP BY y",
  "SELECT diagnosis, count(*) AS visits, sum(cost) AS total FROM medical_visits GROUP BY diagnosis",
  "SELECT p.district, count(DISTINCT p.person_id) AS patients, avg(m.cost) AS mean_cost FROM population p JOIN medical_visits m ON p.person_id = m.person_id GROUP BY p.district",
  "SELECT industry, count(*) AS n, sum(registered_capital) AS capital FROM enterprises GROUP BY industry",
  "SELECT month, sum(kwh) AS kwh FROM electricity_usage GROUP BY month",
  "SELECT station, avg(pm25) AS pm25 FROM air_quality GROUP BY station",
];

const license = License.parse({
  id: "bench",
  operator: "bench",
  purpose: "benchmark",
  validFrom: "2025-01-01T00:00:00Z",
  validTo: "2030-01-01T00:00:00Z",
  datasets: DEMO_MANIFESTS.map((m) => ({
    name: m.name,
    ...(m.grade >= 3 ? { epsilon: { total: 1e3 } } : {}),
  })),
});
const views = licensedViews(license, DEMO_MANIFESTS);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(f: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

const dir = await mkdtemp(join(tmpdir(), "bench-policies-"));
try {
  const file = join(dir, "domain.duckdb");
  console.log(`generating demo domain at scale ${scale} ...`);
  await generateDemoDomain({ file, scale });
  const domain = await (await DuckDBInstance.create(file, { access_mode: "READ_ONLY" })).connect();
  const parser = await (await DuckDBInstance.create(":memory:")).connect();

  const rows: Record<string, number | string>[] = [];
  for (const sql of QUERIES) {
    const parse: number[] = [];
    const check: number[] = [];
    const rewrite: number[] = [];
    const engine: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < runs; i++) {
      let tree: unknown;
      parse.push(
        await time(async () => {
          tree = await parseSql(parser, sql);
        }),
      );
      let analysis: ReturnType<typeof analyzeQuery> | undefined;
      check.push(
        await time(() => {
          analysis = analyzeQuery(tree, views);
        }),
      );
      rewrite.push(
        await time(() => (analysis!.aggregate ? rewriteAggregate(analysis!.aggregate, []) : null)),
      );
      // a fresh ledger each run: every run pays the full path (no cached answer)
      const svc = createQueryService({ domain, parser, ledger: new InMemoryPrivacyBudgetLedger() });
      engine.push(await time(() => svc.execute({ sql, license, manifests: DEMO_MANIFESTS, at: new Date() })));
      raw.push(await time(() => domain.runAndReadAll(sql)));
    }
    const row = {
      query: sql.length > 70 ? `${sql.slice(0, 67)}...` : sql,
      parse_ms: median(parse),
      check_ms: median(check),
      rewrite_ms: median(rewrite),
      engine_total_ms: median(engine),
      raw_duckdb_ms: median(raw),
      overhead_ms: median(engine) - median(raw),
    };
    rows.push(row);
  }
  console.table(
    rows.map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [k, typeof v === "number" ? Number(v.toFixed(2)) : v]),
      ),
    ),
  );

  // Accuracy: relative error of district mean income at the default ε (license default per query).
  const truth = new Map(
    (await domain.runAndReadAll("SELECT district, avg(annual_income) FROM population GROUP BY district"))
      .getRowsJson()
      .map(([d, m]) => [String(d), Number(m)]),
  );
  const errors: number[] = [];
  const trials = 30;
  for (let t = 0; t < trials; t++) {
    const svc = createQueryService({ domain, parser, ledger: new InMemoryPrivacyBudgetLedger() });
    const answer = await svc.execute({
      sql: QUERIES[0]!,
      license,
      manifests: DEMO_MANIFESTS,
      at: new Date(),
    });
    for (const [district, , mean] of answer.rows) {
      if (mean !== null)
        errors.push(Math.abs(Number(mean) - truth.get(String(district))!) / truth.get(String(district))!);
    }
  }
  const accuracy = {
    scale,
    epsilon: license.datasets.find((d) => d.name === "population")!.epsilon!.perQuery,
    districts: truth.size,
    median_relative_error: median(errors),
    mean_relative_error: errors.reduce((a, x) => a + x, 0) / errors.length,
  };
  console.log("district mean income, relative error:", accuracy);
  await mkdir("bench/results", { recursive: true });
  await writeFile(
    "bench/results/policies.json",
    JSON.stringify({ scale, runs, queries: rows, accuracy }, null, 2),
  );
  console.log("wrote bench/results/policies.json");
} finally {
  await rm(dir, { recursive: true, force: true });
}
