import { access } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { DatasetManifest } from "../policies/manifest.ts";
import { CliFailure, EXIT, UsageError } from "./exit-codes.ts";

/**
 * `aos import`: loads a bureau's CSV or Parquet file into the data domain's DuckDB file as the
 * dataset's table, with exactly the manifest's columns and types.
 *
 * The gateway opens the domain read-only and locked down for its whole life, and DuckDB lets one
 * process write a file only when no other has it open: so import is an offline step, run while the
 * gateway is stopped. Publishing the manifest (`aos policy publish`) is the online step after the
 * restart: the gateway checks the table against the manifest and records the policy version in the
 * audit log, which an offline write to the control plane would bypass.
 */
export interface ImportRequest {
  readonly dataDir: string;
  readonly manifest: DatasetManifest;
  /** A `.csv` (header row) or `.parquet` file. */
  readonly source: string;
  /** Replace an existing table of that name. */
  readonly replace?: boolean;
}

export interface ImportResult {
  readonly file: string;
  readonly table: string;
  readonly rows: number;
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Imports one dataset into a stopped domain.
 *
 * @example
 * await importDataset({ dataDir: "./data", manifest, source: "exports/parks.csv" });
 */
export async function importDataset(request: ImportRequest): Promise<ImportResult> {
  const file = join(request.dataDir, "domain.duckdb");
  const source = resolve(request.source);
  const kind = extname(source).toLowerCase();
  if (kind !== ".csv" && kind !== ".parquet") throw new UsageError("--data must be a .csv or .parquet file");
  try {
    await access(file);
    await access(source);
  } catch {
    throw new UsageError(`cannot find ${file} or ${source}`);
  }
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(file);
  } catch {
    throw new CliFailure(
      `cannot open ${file} for writing: stop the gateway first (it holds the domain open while it runs)`,
      EXIT.failed,
    );
  }
  const connection = await instance.connect();
  try {
    const { name, columns } = request.manifest;
    const existing = await connection.runAndReadAll(
      "SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = $1",
      [name],
    );
    if (Number(existing.getRows()[0]?.[0]) > 0 && !request.replace) {
      throw new CliFailure(
        `the domain already has a table ${name}; add --replace to overwrite it`,
        EXIT.failed,
      );
    }
    // The source path is quoted as a literal (table functions take no bound parameters here);
    // names come from the validated manifest (lower snake_case).
    const reader =
      kind === ".csv" ? `read_csv(${quote(source)}, header = true)` : `read_parquet(${quote(source)})`;
    const present = new Set(
      (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${reader}`))
        .getRowObjectsJson()
        .map((r) => String(r.column_name)),
    );
    const missing = columns.filter((c) => !present.has(c.name)).map((c) => c.name);
    if (missing.length > 0)
      throw new CliFailure(`the file lacks the manifest's columns: ${missing.join(", ")}`, EXIT.failed);
    const select = columns.map((c) => `CAST("${c.name}" AS ${c.type}) AS "${c.name}"`).join(", ");
    try {
      await connection.run(`CREATE OR REPLACE TABLE "${name}" AS SELECT ${select} FROM ${reader}`);
    } catch (error) {
      // DuckDB's message can quote a value of the file: the bureau's own data, shown to the bureau.
      throw new CliFailure(
        `the file does not fit the manifest's types: ${(error as Error).message}`,
        EXIT.failed,
      );
    }
    const count = await connection.runAndReadAll(`SELECT count(*)::BIGINT FROM "${name}"`);
    return { file, table: name, rows: Number(count.getRows()[0]?.[0] ?? 0) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
