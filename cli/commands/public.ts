import { createWriteStream } from "node:fs";
import { type Command, flag } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { table } from "../terminal.ts";

/**
 * The public face of the domain, no key needed: open (grade-1) datasets, their rows page by page,
 * the register of granted licenses and monthly usage statistics.
 */

const openDatasets: Command = {
  name: "open datasets",
  role: "any",
  summary: "The open (grade-1) datasets anyone may read without a key",
  usage: "aos open datasets",
  options: {},
  async run(ctx) {
    const datasets = await (await ctx.client()).openDatasets();
    if (ctx.json) ctx.printJson(datasets);
    else
      ctx.term.out(
        table([
          ["DATASET", "VERSION", "COLUMNS", "WITHHELD", "TITLE"],
          ...datasets.map((d) => [
            d.name,
            String(d.dataVersion ?? "-"),
            d.columns.map((c) => c.name).join(","),
            d.withheld.join(",") || "-",
            d.title,
          ]),
        ]),
      );
    return EXIT.ok;
  },
};

const openRows: Command = {
  name: "open rows",
  role: "any",
  summary: "Download an open dataset's rows (every page with --all) as CSV, or JSON with --json",
  usage: "aos open rows DATASET [--limit N] [--all] [--out FILE.csv]",
  options: { limit: { type: "string" }, all: { type: "boolean", default: false }, out: { type: "string" } },
  async run(ctx, values, [dataset]) {
    if (!dataset)
      throw new UsageError("name an open dataset: aos open rows air_quality (see aos open datasets)");
    const limit = flag(values, "limit") === undefined ? undefined : Number(flag(values, "limit"));
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new UsageError("--limit takes a whole number of rows per page");
    const client = await ctx.client();
    const out = flag(values, "out");
    const sink = out ? createWriteStream(out) : undefined;
    const write = (text: string) => (sink ? sink.write(text) : ctx.term.out(text));
    let cursor: string | undefined;
    let rows = 0;
    let pages = 0;
    const json: Record<string, unknown>[] = [];
    try {
      do {
        const request = { ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) };
        if (ctx.json) {
          const page = await client.openRows(dataset, request);
          json.push(...page.rows);
          rows += page.rows.length;
          cursor = page.next ?? undefined;
        } else {
          // The server writes the CSV (one implementation of its escaping); each page repeats the header.
          const page = await client.openRowsCsv(dataset, request);
          write(pages === 0 ? page.csv : page.csv.slice(page.csv.indexOf("\r\n") + 2));
          rows += page.rows;
          cursor = page.next ?? undefined;
        }
        pages++;
        if (values.all === true && cursor && pages % 10 === 0) ctx.term.err(`${rows} rows so far…`);
      } while (values.all === true && cursor);
    } finally {
      await new Promise<void>((resolve) => (sink ? sink.end(resolve) : resolve()));
    }
    if (ctx.json) ctx.printJson(json);
    if (out) ctx.term.err(`wrote ${rows} rows of ${dataset} to ${out}`);
    if (cursor && values.all !== true) ctx.term.err("more rows follow: add --all to fetch every page");
    return EXIT.ok;
  },
};

const registerLicenses: Command = {
  name: "register licenses",
  role: "any",
  summary: "The public register of granted licenses: operator, purpose, datasets, window, status",
  usage: "aos register licenses",
  options: {},
  async run(ctx) {
    const licenses = await (await ctx.client()).licenseRegister();
    if (ctx.json) ctx.printJson(licenses);
    else
      ctx.term.out(
        table([
          ["LICENSE", "STATUS", "OPERATOR", "DATASETS", "FROM", "TO", "PURPOSE"],
          ...licenses.map((l) => [
            l.license,
            l.status,
            l.operator,
            l.datasets.join(","),
            l.validFrom.slice(0, 10),
            l.validTo.slice(0, 10),
            l.purpose,
          ]),
        ]),
      );
    return EXIT.ok;
  },
};

const registerUsage: Command = {
  name: "register usage",
  role: "any",
  summary: "A month's public usage statistics per dataset (jobs, operators, open reads)",
  usage: "aos register usage [--month YYYY-MM]",
  options: { month: { type: "string" } },
  async run(ctx, values) {
    const month = flag(values, "month") ?? new Date().toISOString().slice(0, 7);
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new UsageError("--month is YYYY-MM, such as 2026-11");
    const usage = await (await ctx.client()).publicUsage(month);
    if (ctx.json) ctx.printJson(usage);
    else
      ctx.term.out(
        table([
          ["DATASET", "GRADE", "JOBS", "OPERATORS", "OPEN READS", "OPEN ROWS"],
          ...usage.datasets.map((d) => [
            d.dataset,
            String(d.grade),
            String(d.jobs),
            String(d.operators),
            String(d.openReads),
            String(d.openRows),
          ]),
        ]),
      );
    return EXIT.ok;
  },
};

export const PUBLIC_COMMANDS: readonly Command[] = [openDatasets, openRows, registerLicenses, registerUsage];
