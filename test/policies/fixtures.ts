import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { type EngineFacts, parseSql, type SqlConnection } from "../../control/query-service.ts";
import { License, type LicensedView, licensedViews } from "../../policies/license.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { analyzeQuery } from "../../policies/query-gate.ts";
import type { QueryAnalysis } from "../../policies/query-plan.ts";
import { generateDemoDomain } from "../../seeds/generate.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";

/** A license over every demo dataset, with budgets for the DP ones. */
export function demoLicense(
  overrides: Partial<License> = {},
  manifests: readonly DatasetManifest[] = DEMO_MANIFESTS,
): License {
  return License.parse({
    id: "lic_test",
    operator: "op_test",
    purpose: "testing the policy engine",
    validFrom: "2025-01-01T00:00:00Z",
    validTo: "2030-01-01T00:00:00Z",
    datasets: manifests.map((m) => ({ name: m.name, ...(m.grade >= 3 ? { epsilon: { total: 1000 } } : {}) })),
    ...overrides,
  });
}

/** An in-memory DuckDB connection used only to parse. */
export async function parserConnection(): Promise<SqlConnection> {
  const instance = await DuckDBInstance.create(":memory:");
  return instance.connect();
}

/** A demo domain (scale 0.01) generated into a temporary folder, opened read-only, and a parser. */
export async function openDemoDomain(prefix: string): Promise<{
  readonly domain: SqlConnection;
  readonly parser: SqlConnection;
  remove(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const file = join(dir, "domain.duckdb");
  await generateDemoDomain({ file, scale: 0.01 });
  const domain = await (await DuckDBInstance.create(file, { access_mode: "READ_ONLY" })).connect();
  return {
    domain,
    parser: await parserConnection(),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Parses and analyses a query under a license (default: every demo dataset). */
export async function analyze(
  parser: SqlConnection,
  sql: string,
  views: ReadonlyMap<string, LicensedView> = licensedViews(demoLicense(), DEMO_MANIFESTS),
): Promise<QueryAnalysis> {
  return analyzeQuery(await parseSql(parser, sql), views);
}

/** The verdict label a query gets: its kind, or the error code. */
export async function verdictOf(
  parser: SqlConnection,
  sql: string,
  manifests: readonly DatasetManifest[] = DEMO_MANIFESTS,
): Promise<string> {
  try {
    return (await analyze(parser, sql, licensedViews(demoLicense({}, manifests), manifests))).kind;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (!code) throw error;
    return code;
  }
}

export { DEMO_MANIFESTS };

/** The sticky-noise salt of a test's domain: fixed, so a test's grade-2 figures are the same each run. */
export const TEST_NOISE_SALT: Uint8Array = new Uint8Array(32).fill(7);

/** Facts of which nothing is known yet: the engine takes the general form of every step. */
export const NOTHING_KNOWN: EngineFacts = {
  uniqueColumn: () => false,
  maxRowsPerValue: () => undefined,
  unitOncePerKey: () => false,
  unitsOverRows: () => undefined,
  unitsOverTotal: () => undefined,
  distinctValues: () => undefined,
  columnProfile: () => undefined,
};
