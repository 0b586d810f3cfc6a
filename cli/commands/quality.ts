import { readFile } from "node:fs/promises";
import type { QualityCategory, QualityIssue, QualityIssueStatus } from "../../client/index.ts";
import { type Command, type CommandContext, flag } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { table } from "../terminal.ts";

/**
 * Data quality feedback from the terminal (docs/data-quality.md): an operator reports an issue,
 * the holder department answers and links the fix to a data version, the reporter confirms or
 * reopens; anyone reads a dataset's quality summary.
 */

const CATEGORIES = ["missing_values", "wrong_values", "stale", "inconsistent", "other"] as const;

function show(ctx: CommandContext, issue: QualityIssue): number {
  if (ctx.json) ctx.printJson(issue);
  else {
    const lines = [
      `${ctx.term.style.bold(issue.id)}  ${issue.dataset}${issue.column ? `.${issue.column}` : ""}  ${issue.category}  ${issue.status}${issue.fixVersion === null ? "" : ` (fixed in data version ${issue.fixVersion})`}`,
      `  ${issue.summary}`,
      ...(issue.exampleQuery ? [`  example query: ${issue.exampleQuery}`] : []),
      ...(issue.answerReason ? [`  answer: ${issue.answerReason}`] : []),
      ...issue.steps.map(
        (s) =>
          `  ${s.at}  ${s.step} by ${s.actor}${s.dataVersion === null ? "" : ` (data version ${s.dataVersion})`}${s.reason ? `: ${s.reason}` : ""}`,
      ),
    ];
    ctx.term.out(`${lines.join("\n")}\n`);
  }
  return EXIT.ok;
}

const report: Command = {
  name: "quality report",
  role: "operator",
  summary: "Report a data quality issue on a dataset or column (an example query as SQL text, never rows)",
  usage:
    "aos quality report DATASET --category missing_values|wrong_values|stale|inconsistent|other --summary TEXT [--column C] [--query SQL | --query-file FILE.sql] [--license L]",
  options: {
    category: { type: "string" },
    summary: { type: "string" },
    column: { type: "string" },
    query: { type: "string" },
    "query-file": { type: "string" },
    license: { type: "string" },
  },
  async run(ctx, values, [dataset]) {
    if (!dataset) throw new UsageError("name the dataset");
    const category = flag(values, "category");
    if (!category || !(CATEGORIES as readonly string[]).includes(category))
      throw new UsageError(`--category is one of ${CATEGORIES.join(", ")}`);
    const summary = flag(values, "summary");
    if (!summary)
      throw new UsageError("--summary is required: say what is wrong, without copying data values");
    const file = flag(values, "query-file");
    let exampleQuery = flag(values, "query");
    if (file) {
      try {
        exampleQuery = await readFile(file, "utf8");
      } catch {
        throw new UsageError(`cannot read ${file}`);
      }
    }
    const column = flag(values, "column");
    const license = flag(values, "license");
    const issue = await (await ctx.client()).reportQualityIssue(dataset, {
      category: category as QualityCategory,
      summary,
      ...(column ? { column } : {}),
      ...(exampleQuery ? { exampleQuery } : {}),
      ...(license ? { license } : {}),
    });
    return show(ctx, issue);
  },
};

const issues: Command = {
  name: "quality issues",
  role: "any",
  summary: "A dataset's quality issues (an operator sees its own), or one issue with --id",
  usage:
    "aos quality issues DATASET [--status open|accepted|rejected|resolved|closed] | aos quality issues --id ID",
  options: { status: { type: "string" }, id: { type: "string" } },
  async run(ctx, values, [dataset]) {
    const client = await ctx.client();
    const id = flag(values, "id");
    if (id) return show(ctx, await client.qualityIssue(id));
    if (!dataset) throw new UsageError("name the dataset, or give --id");
    const status = flag(values, "status") as QualityIssueStatus | undefined;
    const list = await client.qualityIssues(dataset, status ? { status } : {});
    if (ctx.json) ctx.printJson(list);
    else
      ctx.term.out(
        `${table([
          ["ID", "COLUMN", "CATEGORY", "STATUS", "REPORTER", "REPORTED", "FIX"],
          ...list.map((i) => [
            i.id,
            i.column ?? "",
            i.category,
            i.status,
            i.reporter,
            i.reportedAt,
            i.fixVersion === null ? "" : `v${i.fixVersion}`,
          ]),
        ])}\n`,
      );
    return EXIT.ok;
  },
};

const summaryCommand: Command = {
  name: "quality summary",
  role: "any",
  summary: "A dataset's completeness per column, freshness and issue counts",
  usage: "aos quality summary DATASET",
  options: {},
  async run(ctx, _values, [dataset]) {
    if (!dataset) throw new UsageError("name the dataset");
    const s = await (await ctx.client()).qualitySummary(dataset);
    if (ctx.json) {
      ctx.printJson(s);
      return EXIT.ok;
    }
    ctx.term.out(
      `${s.dataset}: data version ${s.currentVersion ?? "none"}${s.suppliedAt ? ` supplied ${s.suppliedAt} (${s.ageHours} h ago; updated ${s.updateFrequency})` : ""}\n` +
        `issues: ${s.issues.open} open, ${s.issues.opened} reported, ${s.issues.resolved} resolved, ${s.issues.rejected} rejected\n` +
        `${table([
          ["COLUMN", "COMPLETENESS"],
          ...s.completeness.map((c) => [
            c.column,
            c.completeness === null ? "unknown" : `${(c.completeness * 100).toFixed(2)}%`,
          ]),
        ])}\n`,
    );
    return EXIT.ok;
  },
};

const answer: Command = {
  name: "quality answer",
  role: "holder",
  summary: "Answer a quality issue on your department's dataset: accept, or reject with a reason",
  usage: "aos quality answer ID --accept | --reject --reason TEXT",
  options: { accept: { type: "boolean" }, reject: { type: "boolean" }, reason: { type: "string" } },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the issue");
    if ((values.accept === true) === (values.reject === true))
      throw new UsageError("give --accept or --reject");
    const reason = flag(values, "reason");
    if (values.reject === true && !reason) throw new UsageError("a rejection needs --reason");
    const issue = await (await ctx.client()).qualityStep(id, "answer", {
      decision: values.accept === true ? "accepted" : "rejected",
      ...(reason ? { reason } : {}),
    });
    return show(ctx, issue);
  },
};

const resolve: Command = {
  name: "quality resolve",
  role: "holder",
  summary: "Link the fix of a quality issue to the data version that carries it (the issue is resolved)",
  usage: "aos quality resolve ID --version N [--note TEXT]",
  options: { version: { type: "string" }, note: { type: "string" } },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the issue");
    const version = Number(flag(values, "version"));
    if (!Number.isInteger(version) || version < 1)
      throw new UsageError("--version names the data version with the fix (see `aos dataset versions`)");
    const note = flag(values, "note");
    return show(
      ctx,
      await (await ctx.client()).qualityStep(id, "resolve", { version, ...(note ? { note } : {}) }),
    );
  },
};

const followUp = (step: "confirm" | "reopen", summary: string): Command => ({
  name: `quality ${step}`,
  role: "operator",
  summary,
  usage: `aos quality ${step} ID [--reason TEXT]`,
  options: { reason: { type: "string" } },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the issue");
    const reason = flag(values, "reason");
    return show(ctx, await (await ctx.client()).qualityStep(id, step, reason ? { reason } : {}));
  },
});

export const QUALITY_COMMANDS: readonly Command[] = [
  report,
  issues,
  summaryCommand,
  answer,
  resolve,
  followUp("confirm", "Confirm the answer to your quality issue (it is closed)"),
  followUp("reopen", "Reopen your resolved or rejected quality issue (once)"),
];
