/**
 * Policy-engine benchmark: per query, parse / check / rewrite time, engine total, the raw DuckDB
 * time of the same query and that of the SQL the engine runs for it (rewritten: contribution
 * bounding, clamping, unit counts), so their ratio shows what the rewrite itself costs; plus the
 * relative error of district-level mean income at the default ε.
 * Usage: node --import tsx bench/policies.ts [--scale 0.1] [--runs 20] [--domain FILE]
 * (`--domain` measures an existing domain file, e.g. one from `npm run seed`, instead of generating one.)
 * `measurePolicies` is the same measurement on an existing domain file, for bench/run.ts.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { InMemoryPrivacyBudgetLedger } from "../control/privacy-budget.ts";
import {
  createQueryService,
  parseSql,
  type SqlConnection,
  verifyDomainFacts,
} from "../control/query-service.ts";
import { License, licensedViews } from "../policies/license.ts";
import { analyzeQuery } from "../policies/query-gate.ts";
import { rewriteAggregate } from "../policies/rewrite.ts";
import { generateDemoDomain } from "../seeds/generate.ts";
import { DEMO_MANIFESTS } from "../seeds/manifests/index.ts";
import { openDataDomain } from "../storage/data-domain.ts";

/** The benchmark domain's sticky-noise salt: any secret does. */
const noiseSalt = randomBytes(32);

/** The benchmark's queries, by short name (the example each shape comes from, where one does). */
export const QUERIES: Readonly<Record<string, string>> = {
  district_income:
    "SELECT district, count(*) AS n, avg(annual_income) AS mean_income FROM population GROUP BY district",
  gender_education:
    "SELECT gender, education, count(*) AS n FROM population WHERE birth_date < DATE '1990-01-01' GROUP BY gender, education",
  birth_year: "SELECT year(birth_date) AS y, count(*) AS n FROM population GROUP BY y",
  diagnosis_cost:
    "SELECT diagnosis, count(*) AS visits, sum(cost) AS total FROM medical_visits GROUP BY diagnosis",
  visits_join_population:
    "SELECT p.district, count(DISTINCT p.person_id) AS patients, avg(m.cost) AS mean_cost FROM population p JOIN medical_visits m ON p.person_id = m.person_id GROUP BY p.district",
  industry_capital:
    "SELECT industry, count(*) AS n, sum(registered_capital) AS capital FROM enterprises GROUP BY industry",
  month_kwh: "SELECT month, sum(kwh) AS kwh FROM electricity_usage GROUP BY month",
  station_pm25: "SELECT station, avg(pm25) AS pm25 FROM air_quality GROUP BY station",
  // The shapes the examples use: joins, date bucketing, HAVING, multi-key groups.
  medical_costs_join:
    "SELECT v.diagnosis, count(*) AS visits, sum(v.cost) AS total_cost FROM medical_visits v JOIN population p ON v.person_id = p.person_id WHERE year(p.birth_date) <= 1965 GROUP BY v.diagnosis",
  visits_by_month:
    "SELECT date_trunc('month', visit_date) AS m, count(*) AS visits, avg(cost) AS mean_cost FROM medical_visits GROUP BY m",
  hospital_having:
    "SELECT hospital, count(*) AS visits FROM medical_visits GROUP BY hospital HAVING count(*) > 1000",
  age_bands:
    "SELECT district, CASE WHEN year(birth_date) > 2010 THEN 'child' WHEN year(birth_date) > 1965 THEN 'working_age' ELSE 'older' END AS age_group, count(*) AS n FROM population GROUP BY district, age_group",
  district_month_kwh_join:
    "SELECT e.district, month(u.month) AS month, sum(u.kwh) AS kwh FROM electricity_usage u JOIN enterprises e ON u.uscc = e.uscc GROUP BY e.district, month(u.month)",
  credit_join:
    "SELECT e.industry, c.record_type, count(*) AS records, sum(c.penalty_amount) AS fines FROM credit_records c JOIN enterprises e ON c.uscc = e.uscc WHERE c.status = 'in_force' GROUP BY e.industry, c.record_type",
  cohort_status:
    "SELECT (year(established_on) // 5) * 5 AS cohort, status, count(*) AS firms FROM enterprises GROUP BY cohort, status",
  air_daily_series:
    "SELECT station, date_trunc('day', hour) AS day, avg(pm25) AS pm25 FROM air_quality GROUP BY station, day",
};

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

/**
 * Times the whole policy engine (parse, check, rewrite, the rewritten SQL, noise and release) on
 * one query, on the domain file opened as the gateway opens it: what a job's query costs before
 * the sandbox, the job queue and HTTP add theirs.
 */
export async function openEngineTimer(domainFile: string) {
  const dataDomain = await openDataDomain(domainFile);
  await verifyDomainFacts(dataDomain.facts, DEMO_MANIFESTS);
  const domain = await dataDomain.connect();
  const parserInstance = await DuckDBInstance.create(":memory:");
  const parser = await parserInstance.connect();
  return {
    domain,
    parser,
    async ms(sql: string): Promise<number> {
      // A fresh ledger: every run pays the full path (no recorded answer).
      const service = createQueryService({
        noiseSalt: noiseSalt,
        domain,
        parser,
        ledger: new InMemoryPrivacyBudgetLedger(),
      });
      return time(() => service.execute({ sql, license, manifests: DEMO_MANIFESTS, at: new Date() }));
    },
    close(): void {
      dataDomain.close();
      parser.closeSync();
      parserInstance.closeSync();
    },
  };
}

/**
 * The SQL the engine runs for `sql` once the facts it asks about are verified: a fact a query
 * needs is checked in the background on its first ask (a gateway verifies most at start), so the
 * plan is asked for until it stops changing, and the measured runs all take the same one.
 */
export async function settledPlan(
  domain: SqlConnection,
  parser: SqlConnection,
  sql: string,
): Promise<string> {
  const plan = async () =>
    (
      await createQueryService({
        noiseSalt: noiseSalt,
        domain,
        parser,
        ledger: new InMemoryPrivacyBudgetLedger(),
      }).explain({
        sql,
        license,
        manifests: DEMO_MANIFESTS,
        at: new Date(),
      })
    ).executedSql!;
  // Unchanged over two looks two seconds apart (a check over 35M rows takes about a second).
  let previous = await plan();
  let unchanged = 0;
  for (let i = 0; i < 60 && unchanged < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const next = await plan();
    unchanged = next === previous ? unchanged + 1 : 0;
    previous = next;
  }
  return previous;
}

export interface PolicyBenchRow {
  /** The query's name in `QUERIES`. */
  readonly name: string;
  readonly query: string;
  readonly parse_ms: number;
  readonly check_ms: number;
  readonly rewrite_ms: number;
  readonly engine_total_ms: number;
  readonly raw_duckdb_ms: number;
  /**
   * The raw query with its answer read out of DuckDB (`getRowsJson`), as the engine must read
   * every row of its own answer to release it: where a query returns many rows, reading them is
   * much of what the engine adds to `raw_duckdb_ms`.
   */
  readonly raw_read_ms: number;
  /** DuckDB time of the SQL the engine runs (the rewritten query, or the rendered open one). */
  readonly rewritten_duckdb_ms: number;
  readonly rewritten_ratio: number;
  readonly overhead_ms: number;
}

/**
 * Per query: parse, check, rewrite, whole engine and raw DuckDB time (medians over `runs`) on an
 * existing domain file, opened as the gateway opens it (locked down, with its verified facts).
 * Parse times after the first run are those of a repeated query (the engine memoises parses).
 */
export async function measurePolicies(domainFile: string, runs: number, only?: RegExp) {
  const engine = await openEngineTimer(domainFile);
  const { domain, parser } = engine;
  try {
    const rows: PolicyBenchRow[] = [];
    for (const [name, sql] of Object.entries(QUERIES)) {
      if (only && !only.test(name)) continue;
      const parse: number[] = [];
      const check: number[] = [];
      const rewrite: number[] = [];
      const engine: number[] = [];
      const raw: number[] = [];
      const rawRead: number[] = [];
      const rewritten: number[] = [];
      const executed = await settledPlan(domain, parser, sql);
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
        const svc = createQueryService({
          noiseSalt: noiseSalt,
          domain,
          parser,
          ledger: new InMemoryPrivacyBudgetLedger(),
        });
        engine.push(
          await time(() => svc.execute({ sql, license, manifests: DEMO_MANIFESTS, at: new Date() })),
        );
        raw.push(await time(() => domain.runAndReadAll(sql)));
        // The engine reads every row of its answer (to release it); the raw query read alike.
        rawRead.push(await time(async () => (await domain.runAndReadAll(sql)).getRowsJson()));
        rewritten.push(await time(() => domain.runAndReadAll(executed)));
      }
      rows.push({
        name,
        query: sql.length > 70 ? `${sql.slice(0, 67)}...` : sql,
        parse_ms: median(parse),
        check_ms: median(check),
        rewrite_ms: median(rewrite),
        engine_total_ms: median(engine),
        raw_duckdb_ms: median(raw),
        raw_read_ms: median(rawRead),
        rewritten_duckdb_ms: median(rewritten),
        rewritten_ratio: median(rewritten) / median(raw),
        overhead_ms: median(engine) - median(raw),
      });
    }

    // Accuracy: relative error of district mean income at the default ε (license default per query).
    const truth = new Map(
      (await domain.runAndReadAll("SELECT district, avg(annual_income) FROM population GROUP BY district"))
        .getRowsJson()
        .map(([d, m]) => [String(d), Number(m)]),
    );
    const errors: number[] = [];
    const trials = 30;
    for (let t = 0; t < trials; t++) {
      const svc = createQueryService({
        noiseSalt: noiseSalt,
        domain,
        parser,
        ledger: new InMemoryPrivacyBudgetLedger(),
      });
      const answer = await svc.execute({
        sql: QUERIES.district_income!,
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
      epsilon: license.datasets.find((d) => d.name === "population")!.epsilon!.perQuery,
      districts: truth.size,
      median_relative_error: median(errors),
      mean_relative_error: errors.reduce((a, x) => a + x, 0) / errors.length,
    };
    return { queries: rows, accuracy };
  } finally {
    engine.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: "string", default: "0.1" },
      runs: { type: "string", default: "20" },
      domain: { type: "string" },
      only: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(
      "usage: npm run bench:policies -- [--scale 0.1] [--runs 20] [--domain FILE]\n" +
        "  --domain FILE  an existing domain file (npm run seed -- --out FILE); --scale then only labels the results\n" +
        "  --only REGEX   only the queries whose name matches (names: the keys of QUERIES in bench/policies.ts)",
    );
    return;
  }
  const scale = Number(values.scale);
  const runs = Number(values.runs);
  const dir = await mkdtemp(join(tmpdir(), "bench-policies-"));
  try {
    let file = values.domain;
    if (file === undefined) {
      file = join(dir, "domain.duckdb");
      console.log(`generating demo domain at scale ${scale} ...`);
      await generateDemoDomain({ file, scale });
    }
    const { queries: rows, accuracy } = await measurePolicies(
      file,
      runs,
      values.only === undefined ? undefined : new RegExp(values.only),
    );
    console.table(
      rows.map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [k, typeof v === "number" ? Number(v.toFixed(2)) : v]),
        ),
      ),
    );
    console.log("district mean income, relative error:", { scale, ...accuracy });
    await mkdir(fileURLToPath(new URL("./results/", import.meta.url)), { recursive: true });
    await writeFile(
      new URL("./results/policies.json", import.meta.url),
      JSON.stringify({ scale, runs, queries: rows, accuracy: { scale, ...accuracy } }, null, 2),
    );
    console.log("wrote bench/results/policies.json");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
