import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { randomMacros } from "./sql.ts";
import { generateAirQuality } from "./tables/air-quality.ts";
import type { GenerationContext } from "./tables/context.ts";
import {
  generateCreditRecords,
  generateElectricityUsage,
  generateEnterprises,
} from "./tables/enterprises.ts";
import { generateMedicalVisits } from "./tables/medical-visits.ts";
import { generatePopulation } from "./tables/population.ts";

/** Residents and registered firms at scale 1; every other table follows from these. */
export const PEOPLE_PER_SCALE = 1_000_000;
export const ENTERPRISES_PER_SCALE = 100_000;
export const DEFAULT_SEED = 20251;

export interface GenerateOptions {
  /** The DuckDB file to create. It appears only when complete (written beside it, then renamed). */
  readonly file: string;
  /** 1 ≈ 1M residents; any positive number (0.01 makes a 10k-resident domain for tests). */
  readonly scale: number;
  readonly seed?: number;
  readonly onProgress?: (step: GenerationStep) => void;
}

export interface GenerationStep {
  readonly table: string;
  readonly rows: number;
  readonly ms: number;
}

export const DEMO_TABLES = [
  "population",
  "medical_visits",
  "enterprises",
  "electricity_usage",
  "credit_records",
  "air_quality",
] as const;
export type DemoTable = (typeof DEMO_TABLES)[number];

/**
 * Generates the demo domain of the fictional Hohhot data bureau into a DuckDB file, entirely
 * inside DuckDB: the same seed and scale give the same file contents.
 *
 * @example
 * await generateDemoDomain({ file: "data/domain.duckdb", scale: 0.01 });
 */
export async function generateDemoDomain(options: GenerateOptions): Promise<GenerationStep[]> {
  if (!(options.scale > 0 && options.scale <= 100)) throw new RangeError("scale must be in (0, 100]");
  const seed = options.seed ?? DEFAULT_SEED;
  const partial = `${options.file}.partial`;
  await rm(partial, { force: true });
  await rm(`${partial}.wal`, { force: true });

  const instance = await DuckDBInstance.create(partial);
  const connection = await instance.connect();
  const steps: GenerationStep[] = [];
  try {
    const ctx: GenerationContext = {
      people: Math.max(100, Math.round(PEOPLE_PER_SCALE * options.scale)),
      enterprises: Math.max(50, Math.round(ENTERPRISES_PER_SCALE * options.scale)),
      run: async (sql) => {
        await connection.run(sql);
      },
    };
    for (const macro of randomMacros(seed)) await ctx.run(macro);
    const generators: ReadonlyArray<readonly [DemoTable, (c: GenerationContext) => Promise<void>]> = [
      ["population", generatePopulation],
      ["medical_visits", generateMedicalVisits],
      ["enterprises", generateEnterprises],
      ["electricity_usage", generateElectricityUsage],
      ["credit_records", generateCreditRecords],
      ["air_quality", generateAirQuality],
    ];
    for (const [table, generate] of generators) {
      const started = performance.now();
      await generate(ctx);
      const reader = await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${table}`);
      const step = {
        table,
        rows: Number(reader.getRows()[0]?.[0]),
        ms: Math.round(performance.now() - started),
      };
      steps.push(step);
      options.onProgress?.(step);
    }
    await ctx.run("CHECKPOINT");
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  await rename(partial, options.file);
  return steps;
}

/** One demo dataset written as a Parquet file, ready to be supplied as a data version. */
export interface GeneratedDataset {
  readonly dataset: DemoTable;
  readonly file: string;
  readonly rows: number;
}

/**
 * Generates the demo domain and writes each dataset as a Parquet file in `dir`
 * (`<dataset>.parquet`): what a holder department would upload. Provisioning supplies each as its
 * dataset's first data version, through the same verb as any upload.
 *
 * @example
 * const datasets = await generateDemoDatasets({ dir: "/tmp/demo", scale: 0.01 });
 */
export async function generateDemoDatasets(
  options: Omit<GenerateOptions, "file"> & { readonly dir: string },
): Promise<GeneratedDataset[]> {
  const file = join(options.dir, "demo-domain.duckdb");
  const steps = await generateDemoDomain({ ...options, file });
  const instance = await DuckDBInstance.create(file, { access_mode: "READ_ONLY" });
  const connection = await instance.connect();
  try {
    const written: GeneratedDataset[] = [];
    for (const step of steps) {
      const dataset = step.table as DemoTable;
      const parquet = join(options.dir, `${dataset}.parquet`);
      await connection.run(`COPY ${dataset} TO '${parquet.replaceAll("'", "''")}' (FORMAT parquet)`);
      written.push({ dataset, file: parquet, rows: step.rows });
    }
    return written;
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(file, { force: true });
  }
}
