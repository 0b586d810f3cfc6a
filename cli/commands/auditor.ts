import { writeFile } from "node:fs/promises";
import { type Command, type CommandContext, flag, type Values } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";

/** Runs the auditor's offline verifier (audit/cli.ts) with this CLI's terminal; its exit codes match ours. */
async function offline(ctx: CommandContext, argv: string[]): Promise<number> {
  const { runAuditCli } = await import("../../audit/cli.ts");
  return runAuditCli(argv, { out: (text) => ctx.term.out(`${text}\n`), err: (text) => ctx.term.err(text) });
}

function passFlags(values: Values, names: readonly string[], json: boolean): string[] {
  const args: string[] = [];
  for (const name of names) {
    const value = flag(values, name);
    if (value !== undefined) args.push(`--${name}`, value);
  }
  if (json) args.push("--json");
  return args;
}

const FILTERS = ["job", "operator", "license", "dataset", "type", "from", "to"] as const;

const auditVerify: Command = {
  name: "audit verify",
  role: "auditor",
  summary: "Verify the audit log offline (--log and the published public key), or ask the server to",
  usage:
    "aos audit verify --log FILE --public-key PEM [--checkpoint JSON|FILE]   |   aos audit verify --server",
  options: {
    log: { type: "string" },
    "public-key": { type: "string" },
    checkpoint: { type: "string" },
    server: { type: "boolean", default: false },
  },
  async run(ctx, values) {
    if (values.server === true) {
      const result = await (await ctx.client()).auditVerify();
      if (ctx.json) ctx.printJson(result);
      else
        ctx.term.out(
          result.valid
            ? `valid: ${result.entries} entries\n`
            : `INVALID: ${JSON.stringify(result.firstBad)}\n`,
        );
      return result.valid ? EXIT.ok : EXIT.failed;
    }
    if (!flag(values, "log")) throw new UsageError("--log FILE (offline) or --server");
    return offline(ctx, ["verify", ...passFlags(values, ["log", "public-key", "checkpoint"], ctx.json)]);
  },
};

const auditExport: Command = {
  name: "audit export",
  role: "auditor",
  summary: "Export audit entries as JSON lines (verifiable offline when unfiltered) or CSV",
  usage:
    "aos audit export [--job J] [--operator O] [--license L] [--dataset D] [--type T] [--from T] [--to T] [--format jsonl|csv] [--out FILE]",
  options: {
    ...Object.fromEntries(FILTERS.map((f) => [f, { type: "string" as const }])),
    format: { type: "string" },
    out: { type: "string" },
  },
  async run(ctx, values) {
    const format = flag(values, "format") ?? "jsonl";
    if (format !== "jsonl" && format !== "csv") throw new UsageError("--format is jsonl or csv");
    const query: Record<string, string> = {};
    for (const f of FILTERS) {
      const v = flag(values, f);
      if (v !== undefined) query[f] = v;
    }
    const text = await (await ctx.client()).auditExport(query, format);
    // JSON lines: one entry a line; CSV: a header, then one line per entry (JSON in cells has no raw line break).
    const lines = text.split("\n").filter((line) => line.trim() !== "").length;
    const entries = format === "csv" ? Math.max(lines - 1, 0) : lines;
    const out = flag(values, "out");
    if (out) {
      await writeFile(out, text);
      ctx.term.err(`wrote ${out}`);
    } else ctx.term.out(text);
    // Said on stderr even when nothing matched, so an empty export is not mistaken for a failure.
    ctx.term.err(
      entries === 0
        ? "0 entries match (widen --from/--to or drop a filter; `aos audit export` with no filter exports the whole log)"
        : `${entries} ${entries === 1 ? "entry" : "entries"}`,
    );
    return EXIT.ok;
  },
};

const publicKey: Command = {
  name: "audit public-key",
  role: "any",
  summary: "The domain's public key (PEM) that receipts and checkpoints verify against",
  usage: "aos audit public-key [--out FILE]",
  options: { out: { type: "string" } },
  async run(ctx, values) {
    const { publicKey: pem, fingerprint } = await (await ctx.client()).publicKey();
    ctx.term.err(`fingerprint ${fingerprint}`);
    const out = flag(values, "out");
    if (out) {
      await writeFile(out, pem);
      ctx.term.err(`wrote ${out}`);
    } else ctx.term.out(pem.endsWith("\n") ? pem : `${pem}\n`);
    return EXIT.ok;
  },
};

const receiptVerify: Command = {
  name: "receipt verify",
  role: "any",
  summary: "Verify a release receipt offline, and optionally that a downloaded output matches it",
  usage: "aos receipt verify --receipt FILE --public-key PEM [--output FILE [--name NAME]]",
  options: {
    receipt: { type: "string" },
    "public-key": { type: "string" },
    output: { type: "string" },
    name: { type: "string" },
  },
  async run(ctx, values) {
    return offline(ctx, [
      "receipt-verify",
      ...passFlags(values, ["receipt", "public-key", "output", "name"], ctx.json),
    ]);
  },
};

const auditCheckpoint: Command = {
  name: "audit checkpoint",
  role: "auditor",
  summary: "Have the domain sign a checkpoint of the log now; keep it for later offline verification",
  usage: "aos audit checkpoint [--out FILE]",
  options: { out: { type: "string" } },
  async run(ctx, values) {
    const checkpoint = await (await ctx.client()).checkpoint();
    const text = `${JSON.stringify(checkpoint)}\n`;
    const out = flag(values, "out");
    if (out && checkpoint) {
      await writeFile(out, text);
      ctx.term.err(`wrote ${out}`);
    } else ctx.term.out(text);
    return EXIT.ok;
  },
};

const receiptGet: Command = {
  name: "receipt get",
  role: "any",
  summary: "A released job's receipt, signed by the domain key (its operator, the bureau, auditors)",
  usage: "aos receipt get JOB [--out FILE]",
  options: { out: { type: "string" } },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the job");
    const receipt = await (await ctx.client()).receipt(id);
    const text = `${JSON.stringify(receipt)}\n`;
    const out = flag(values, "out");
    if (out) {
      await writeFile(out, text);
      ctx.term.err(`wrote ${out}`);
    } else ctx.term.out(text);
    return EXIT.ok;
  },
};

/** Auditor commands. */
export const AUDITOR_COMMANDS: readonly Command[] = [
  auditVerify,
  auditExport,
  auditCheckpoint,
  publicKey,
  receiptGet,
  receiptVerify,
];
