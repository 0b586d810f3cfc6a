import { readFile, writeFile } from "node:fs/promises";
import { verifyStatementDocument } from "../../audit/statement-signature.ts";
import type { Statement, StatementSummary, StatementVerification } from "../../client/index.ts";
import { statementDigestOf } from "../../policies/statement.ts";
import { type Command, type CommandContext, flag } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { table } from "../terminal.ts";

/**
 * Settlement statements from a terminal (docs/settlement.md): the bureau issues a month's signed
 * statement of an operator or a holder department; each party lists and downloads its own as
 * JSON, CSV or PDF; anyone verifies a downloaded JSON statement offline against the domain key.
 */

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

/** A statement for people: its heading, lines and totals, then its hash. */
function printStatement(ctx: CommandContext, document: Statement): void {
  const body = document.statement;
  const owes = body.party.kind === "operator";
  const lines = body.lines as readonly Record<string, unknown>[];
  ctx.term.out(
    [
      `${ctx.term.style.bold(document.id)}  ${body.period}  ${body.party.kind} ${body.party.id}`,
      `issued ${document.issuedAt} by ${document.issuedBy}; tariff version(s) ${body.tariffVersions.join(", ") || "none"}`,
      table([
        [
          ...(owes ? ["LICENSE", "DATASET"] : ["DATASET", "OPERATOR"]),
          "BASIS",
          "JOBS",
          "ROWS SCANNED",
          "CHARGE CNY",
        ],
        ...lines.map((l) => [
          ...(owes
            ? [String(l.license), l.dataset === null ? "-" : String(l.dataset)]
            : [String(l.dataset), String(l.operator)]),
          String(l.basis),
          String(l.jobs),
          String(l.rowsScanned),
          String(l.charge),
        ]),
        ["total", "", "", String(body.totals.jobs), String(body.totals.rowsScanned), body.totals.charge],
      ]),
      `${statementDigestOf(document).algorithm} ${statementDigestOf(document).hex}`,
      "",
    ].join("\n"),
  );
}

const issue: Command = {
  name: "statement issue",
  role: "bureau",
  summary:
    "Issue a month's signed statement of an operator (what it owes) or a holder department (what it earned)",
  usage: "aos statement issue --period YYYY-MM (--operator ID | --holder DEPARTMENT)",
  options: { period: { type: "string" }, operator: { type: "string" }, holder: { type: "string" } },
  async run(ctx, values) {
    const period = flag(values, "period");
    if (!period || !PERIOD.test(period)) throw new UsageError("--period is a calendar month, e.g. 2026-11");
    const operator = flag(values, "operator");
    const holder = flag(values, "holder");
    if ((operator === undefined) === (holder === undefined))
      throw new UsageError("name one party: --operator ID or --holder DEPARTMENT (as the catalog names it)");
    const document = await (await ctx.client()).issueStatement({
      period,
      party: operator !== undefined ? { kind: "operator", id: operator } : { kind: "holder", id: holder! },
    });
    if (ctx.json) ctx.printJson(document);
    else printStatement(ctx, document);
    return EXIT.ok;
  },
};

const list: Command = {
  name: "statements",
  role: "any",
  summary: "Issued statements you may read (the bureau and auditors: all; an operator or holder: its own)",
  usage: "aos statements [--period YYYY-MM] [--party ID|DEPARTMENT] [--kind operator|holder]",
  options: { period: { type: "string" }, party: { type: "string" }, kind: { type: "string" } },
  async run(ctx, values) {
    const period = flag(values, "period");
    if (period !== undefined && !PERIOD.test(period))
      throw new UsageError("--period is a calendar month, e.g. 2026-11");
    const kind = flag(values, "kind");
    if (kind !== undefined && kind !== "operator" && kind !== "holder")
      throw new UsageError("--kind is operator or holder");
    const statements: StatementSummary[] = await (await ctx.client()).statements({
      ...(period ? { period } : {}),
      ...(flag(values, "party") ? { party: flag(values, "party") } : {}),
      ...(kind ? { kind } : {}),
    });
    if (ctx.json) {
      ctx.printJson(statements);
      return EXIT.ok;
    }
    ctx.term.out(
      `${table([
        ["ID", "PERIOD", "PARTY", "CHARGE CNY", "ISSUED", "DIGEST"],
        ...statements.map((s) => [
          s.id,
          s.period,
          `${s.party.kind} ${s.party.id}`,
          s.charge,
          s.issuedAt,
          `${statementDigestOf(s).algorithm}:${statementDigestOf(s).hex.slice(0, 16)}…`,
        ]),
      ])}\n`,
    );
    return EXIT.ok;
  },
};

const get: Command = {
  name: "statement get",
  role: "any",
  summary: "One statement as signed JSON (what `statement verify` checks), CSV lines or a printable PDF",
  usage: "aos statement get ID [--format json|csv|pdf] [-o FILE]",
  options: { format: { type: "string" }, out: { type: "string", short: "o" } },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the statement (aos statements lists them)");
    const format = flag(values, "format") ?? "json";
    if (format !== "json" && format !== "csv" && format !== "pdf")
      throw new UsageError("--format is json, csv or pdf");
    const out = flag(values, "out");
    if (format === "pdf" && !out && ctx.term.stdoutIsTty)
      throw new UsageError("a PDF goes to a file: add -o FILE (or redirect stdout)");
    const client = await ctx.client();
    const content: string | Uint8Array =
      format === "json"
        ? `${JSON.stringify(await client.statement(id, "json"), null, 2)}\n`
        : format === "csv"
          ? await client.statement(id, "csv")
          : await client.statement(id, "pdf");
    if (out) {
      await writeFile(out, content);
      ctx.term.err(`wrote ${out}`);
    } else ctx.term.out(content);
    return EXIT.ok;
  },
};

const verify: Command = {
  name: "statement verify",
  role: "any",
  summary:
    "Verify a statement offline: its hash, the domain key's signature, and its totals (exit 1 if not valid)",
  usage:
    "aos statement verify FILE.json --public-key PEM | aos statement verify --id ID (on the server, recomputed)",
  options: { "public-key": { type: "string" }, id: { type: "string" } },
  async run(ctx, values, [file]) {
    const id = flag(values, "id");
    let result: StatementVerification;
    if (id !== undefined) {
      if (file)
        throw new UsageError("give a FILE to verify offline, or --id to verify on the server, not both");
      result = await (await ctx.client()).verifyStatement(id);
    } else {
      if (!file) throw new UsageError("name the statement file (aos statement get ID -o FILE.json)");
      const keyFile = flag(values, "public-key");
      if (!keyFile) throw new UsageError("--public-key is required (the domain's key: aos public-key)");
      const [text, publicKey] = await Promise.all([read(file), read(keyFile)]);
      let document: unknown;
      try {
        document = JSON.parse(text);
      } catch {
        throw new UsageError(`${file} is not JSON`);
      }
      try {
        result = verifyStatementDocument(document, publicKey);
      } catch {
        throw new UsageError(`${keyFile} is not an Ed25519 or SM2 public key in PEM`);
      }
    }
    if (ctx.json) ctx.printJson(result);
    else {
      for (const check of result.checks)
        ctx.term.err(
          `${check.ok ? ctx.term.style.ok("ok") : ctx.term.style.bad("FAILED")} ${check.check}: ${check.detail}`,
        );
      for (const d of result.differences ?? [])
        ctx.term.err(
          `  ${d.path}: issued ${JSON.stringify(d.issued)}, recomputed ${JSON.stringify(d.recomputed)}`,
        );
      ctx.term.out(result.valid ? "valid\n" : `INVALID: ${result.reason}\n`);
    }
    return result.valid ? EXIT.ok : EXIT.failed;
  },
};

async function read(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
}

/** Settlement statement commands. */
export const STATEMENT_COMMANDS: readonly Command[] = [issue, list, get, verify];
