import type { DryRun } from "../../client/index.ts";
import { type Command, flag } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import type { Terminal } from "../terminal.ts";
import { readScript as scriptFile } from "./operator.ts";

/** The report in words, on stdout: each query, then the release verdict and the ε the job would cost. */
export function printDryRun(term: Terminal, report: DryRun): void {
  const s = term.style;
  const lines: string[] = [
    s.dim(
      `dry run under license ${report.license} on ${report.dummyRows} dummy rows per dataset: nothing ran on real data, no budget spent`,
    ),
  ];
  for (const q of report.queries) {
    const n = `query #${q.index + 1}`;
    if (q.verdict === "refused") lines.push(`${n} ${s.bad("refused")} ${q.code ?? ""}: ${q.message ?? ""}`);
    else {
      const cost =
        q.epsilon > 0
          ? `ε ${q.epsilon}`
          : q.answeredFromRecord
            ? `ε 0 (already paid for under this license: the recorded answer comes back)`
            : "no ε";
      lines.push(
        `${n} ${s.ok("allowed")}: ${q.kind ?? "?"} on ${q.datasets.join(", ")}; ${cost}; ${q.rows} dummy rows`,
      );
    }
    lines.push(`  sql:       ${q.sql.replace(/\s+/g, " ").trim()}`);
    if (q.rewrittenSql) lines.push(`  rewritten: ${q.rewrittenSql}`);
    if (q.rules.length > 0)
      lines.push(
        `  rules:     ${q.rules.map((r) => `${r.dataset}.${r.column} ${r.rule} (${r.clause})`).join("; ")}`,
      );
    if (q.rewrites.length > 0) lines.push(`  enforced:  ${q.rewrites.join("; ")}`);
  }
  const outcome = report.release.outcome;
  const paint = outcome === "released" ? s.ok : outcome === "held" ? s.warn : s.bad;
  lines.push(
    `release gate: ${paint(outcome === "held" ? "held for review" : outcome)}${report.status === "failed" ? " (the script failed)" : ""}`,
  );
  for (const reason of report.release.reasons) {
    const where = [reason.output, reason.row === undefined ? undefined : `row ${reason.row}`, reason.column]
      .filter((x) => x !== undefined)
      .join(" ");
    lines.push(`  ${reason.code}${where ? ` (${where})` : ""}: ${reason.detail}`);
  }
  if (report.error) {
    const at = report.error.line === undefined ? "" : ` at line ${report.error.line}`;
    lines.push(`error: ${report.error.code} ${report.error.class}${at}: ${report.error.message}`);
  }
  if (report.release.outputs.length > 0)
    lines.push(`outputs: ${report.release.outputs.map((o) => `${o.name} (${o.rows} rows)`).join(", ")}`);
  for (const budget of report.budget) {
    const cost = report.epsilon[budget.dataset] ?? 0;
    lines.push(`ε on ${budget.dataset}: ${cost} of ${budget.left} left (${budget.period})`);
  }
  term.out(`${lines.join("\n")}\n`);
}

const explain: Command = {
  name: "explain",
  role: "operator",
  summary:
    "Dry-run a script on the server against dummy data: each query's rewritten SQL, rules and ε, and whether its outputs would be released or held",
  usage: "aos explain SCRIPT --license L [--purpose P] [--json]",
  options: {
    license: { type: "string" },
    purpose: { type: "string" },
  },
  async run(ctx, values, [path]) {
    const { script, language } = await scriptFile(path);
    const license = flag(values, "license") ?? (await ctx.config()).license;
    if (!license) throw new UsageError("name the license: --license L (or AOS_LICENSE)");
    const purpose = flag(values, "purpose");
    const client = await ctx.client();
    const report = await client.explainJob({ script, license, language, ...(purpose ? { purpose } : {}) });
    if (ctx.json) ctx.printJson(report);
    else printDryRun(ctx.term, report);
    return report.status === "released" || report.status === "held" ? EXIT.ok : EXIT.failed;
  },
};

export const EXPLAIN_COMMANDS: readonly Command[] = [explain];
