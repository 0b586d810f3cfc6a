/**
 * Expected accuracy of noisy figures at the default settings (ε 0.5 per query, the demo
 * manifests' bounds and contribution caps), by group size: the half-width of the 95% interval
 * relative to the figure, for counts, sums and means of the canonical queries. Counts and sums
 * have the same interval in every group (the noise does not depend on the data); a mean's depends
 * on its group's size and value, taken here at the demo domain's overall mean.
 * With `--calibrated`, the bounds are first drafted from the generated data as `aos policy
 * draft-bounds` drafts them (control/bounds-draft.ts; `--epsilon`, default 0.2 per column, and a
 * share clamped away of at most 1%), and the table is for the drafted bounds; the drafts are listed
 * above it.
 * Usage: node --import tsx bench/accuracy.ts [--scale 0.01] [--calibrated [--epsilon 0.2]]   (prints a Markdown table)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { DEFAULT_CALIBRATION_EPSILON } from "../control/bounds-draft.ts";
import { parseSql } from "../control/query-service.ts";
import { meanAccuracy } from "../policies/accuracy.ts";
import { measureAccuracies } from "../policies/aggregation.ts";
import { DEFAULT_QUERY_EPSILON, License, licensedViews } from "../policies/license.ts";
import { analyzeQuery } from "../policies/query-gate.ts";
import { generateDemoDomain } from "../seeds/generate.ts";
import { DEMO_MANIFESTS } from "../seeds/manifests/index.ts";
import { draftedDemoManifests } from "./drafted-bounds.ts";

/** Each canonical query, and the SQL of the overall mean of its averaged column (for the mean's row). */
const QUERIES = [
  {
    sql: "SELECT district, count(*) AS n, avg(annual_income) AS mean_income FROM population GROUP BY district",
    overall: "SELECT avg(annual_income) FROM population",
  },
  {
    sql: "SELECT diagnosis, count(*) AS visits, sum(cost) AS total, avg(cost) AS mean_cost FROM medical_visits GROUP BY diagnosis",
    overall: "SELECT avg(cost) FROM medical_visits",
  },
];
const SIZES = [100, 1_000, 10_000, 100_000];

const percent = (x: number): string => (x >= 1 ? "> 100%" : `${(x * 100).toPrecision(2)}%`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: "string", default: "0.01" },
      calibrated: { type: "boolean", default: false },
      epsilon: { type: "string", default: String(DEFAULT_CALIBRATION_EPSILON) },
    },
  });
  const dir = await mkdtemp(join(tmpdir(), "aos-accuracy-"));
  try {
    const file = join(dir, "domain.duckdb");
    await generateDemoDomain({ file, scale: Number(values.scale) });
    const instance = await DuckDBInstance.create(file, { access_mode: "READ_ONLY" });
    const data = await instance.connect();
    const parser = await (await DuckDBInstance.create(":memory:")).connect();
    const license = License.parse({
      id: "accuracy",
      operator: "accuracy",
      purpose: "accuracy table",
      validFrom: "2025-01-01T00:00:00Z",
      validTo: "2030-01-01T00:00:00Z",
      datasets: DEMO_MANIFESTS.map((m) => ({
        name: m.name,
        ...(m.grade >= 3 ? { epsilon: { total: 50 } } : {}),
      })),
    });
    const manifests = values.calibrated
      ? await draftedDemoManifests({ connect: () => instance.connect() }, Number(values.epsilon), console.log)
      : DEMO_MANIFESTS;
    if (values.calibrated) console.log("");
    const views = licensedViews(license, manifests);
    const lines = [
      `| figure | ${SIZES.map((n) => `group of ${n.toLocaleString("en")}`).join(" | ")} |`,
      `| --- | ${SIZES.map(() => "---").join(" | ")} |`,
    ];
    for (const query of QUERIES) {
      const plan = analyzeQuery(await parseSql(parser, query.sql), views).aggregate!;
      const figures = measureAccuracies(plan, DEFAULT_QUERY_EPSILON);
      const overall = Number((await data.runAndReadAll(query.overall)).getRows()[0]![0]);
      for (const output of plan.outputs) {
        if (output.kind === "group") continue;
        const cells = SIZES.map((n) => {
          if (output.kind === "count") return figures[output.measure]!.ci95 / n;
          if (output.kind === "sum") return figures[output.measure]!.ci95 / (overall * n);
          const bounds = plan.measures[output.sum]!.bounds!;
          const mean = meanAccuracy(
            overall,
            n,
            figures[output.sum]!,
            figures[output.count]!,
            bounds.hi - bounds.lo,
          );
          return mean.ci95 / overall;
        });
        lines.push(
          `| ${output.name} (${output.kind}) of \`${query.sql.split(" FROM ")[1]!.split(" ")[0]}\` | ${cells.map(percent).join(" | ")} |`,
        );
      }
    }
    console.log(lines.join("\n"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
