import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { extname } from "node:path";
import type { DataUploadFormat, DataVersion } from "../../client/index.ts";
import { type Command, type CommandContext, flag } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { table } from "../terminal.ts";

/**
 * Data versions from a terminal: a holder department (or the bureau) supplies a new version of a
 * dataset from a Parquet or CSV file, lists the versions, and switches back to an earlier one.
 */

const MiB = 1024 * 1024;

function size(bytes: number): string {
  return bytes < MiB ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / MiB).toFixed(1)} MiB`;
}

function formatOf(file: string): DataUploadFormat {
  const ext = extname(file).toLowerCase();
  if (ext === ".parquet") return "parquet";
  if (ext === ".csv") return "csv";
  throw new UsageError(`${file}: give a .parquet or a .csv file (CSV with a header row)`);
}

/** The file, read in chunks as the upload sends them, with a progress line every 5% of a big file. */
async function* streamed(ctx: CommandContext, file: string, total: number): AsyncIterable<Uint8Array> {
  let sent = 0;
  let shown = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: MiB }) as AsyncIterable<Buffer>) {
    sent += chunk.length;
    if (total >= 8 * MiB && (sent - shown >= total / 20 || sent === total)) {
      shown = sent;
      ctx.term.err(`sent ${size(sent)} of ${size(total)} (${Math.round((sent / total) * 100)}%)`);
    }
    yield chunk;
  }
}

function describe(version: DataVersion): string {
  return `data version ${version.version} of ${version.dataset}: ${version.rows} rows, ${version.format}, SHA-256 ${version.sha256.slice(0, 16)}…${version.current ? " (current)" : ""}`;
}

const pushCommand: Command = {
  name: "dataset push",
  role: "holder",
  summary:
    "Supply a new data version of a dataset from a Parquet or CSV file (holder of the dataset, or bureau)",
  usage: "aos dataset push NAME FILE.parquet|FILE.csv [--note TEXT]",
  options: { note: { type: "string" } },
  async run(ctx, values, [name, file]) {
    if (!name || !file) throw new UsageError("name the dataset and the file: aos dataset push NAME FILE");
    const format = formatOf(file);
    let total: number;
    try {
      total = (await stat(file)).size;
    } catch {
      throw new UsageError(`cannot read ${file}`);
    }
    const client = await ctx.client();
    ctx.term.err(`supplying ${file} (${size(total)}, ${format}) as a new data version of ${name}…`);
    const version = await client.supplyDataVersion(
      name,
      streamed(ctx, file, total),
      format,
      flag(values, "note"),
    );
    if (ctx.json) ctx.printJson(version);
    else {
      ctx.term.err(describe(version));
      ctx.term.err("new jobs read it now; jobs already running keep the version they started on");
    }
    return EXIT.ok;
  },
};

const versionsCommand: Command = {
  name: "dataset versions",
  role: "holder",
  summary: "List a dataset's data versions: who supplied each, rows, SHA-256, which is current",
  usage: "aos dataset versions NAME",
  options: {},
  async run(ctx, _values, [name]) {
    if (!name) throw new UsageError("name the dataset");
    const list = await (await ctx.client()).dataVersions(name);
    if (ctx.json) ctx.printJson(list);
    else {
      ctx.term.out(
        `${table([
          ["version", "current", "rows", "format", "supplied by", "supplied at", "SHA-256", "note"],
          ...list.versions.map((v) => [
            String(v.version),
            v.current ? "yes" : "",
            String(v.rows),
            v.format,
            v.suppliedBy,
            v.suppliedAt,
            `${v.sha256.slice(0, 16)}…`,
            v.note ?? "",
          ]),
        ])}\n`,
      );
    }
    return EXIT.ok;
  },
};

const restoreCommand: Command = {
  name: "dataset restore",
  role: "holder",
  summary: "Make an earlier data version of a dataset current again (nothing is deleted)",
  usage: "aos dataset restore NAME VERSION [--note TEXT]",
  options: { note: { type: "string" } },
  async run(ctx, values, [name, version]) {
    const number = Number(version);
    if (!name || !Number.isInteger(number) || number < 1)
      throw new UsageError("name the dataset and the version: aos dataset restore NAME VERSION");
    const restored = await (await ctx.client()).restoreDataVersion(name, number, flag(values, "note"));
    if (ctx.json) ctx.printJson(restored);
    else ctx.term.err(`${describe(restored)}: new jobs read it now`);
    return EXIT.ok;
  },
};

export const DATASET_COMMANDS: readonly Command[] = [pushCommand, versionsCommand, restoreCommand];
