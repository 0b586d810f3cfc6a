import type { CreditRecord, EvaluationReport, Violation, ViolationRequest } from "../../client/index.ts";
import { type Command, type CommandContext, flag, type Values } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { table } from "../terminal.ts";

/**
 * Operators' credit and evaluation from a terminal (docs/credit.md): the record, an officer's
 * finding, the operator's objection, the decision on it, the evaluation of a period, and exit.
 */

const SEVERITIES = ["minor", "major", "severe"] as const;
const KINDS = [
  "policy_refusals",
  "budget_exhaustion",
  "release_gate_flag",
  "differencing",
  "officer_finding",
] as const;

function reasonOf(values: Values, why: string): string {
  const reason = flag(values, "reason");
  if (!reason) throw new UsageError(`--reason is required: ${why}`);
  return reason;
}

/** `--from`/`--to` as RFC 3339 UTC (a date is midnight UTC). */
function instantOf(values: Values, name: "from" | "to"): string {
  const text = flag(values, name);
  if (!text) throw new UsageError(`--${name} is required, e.g. --from 2026-11-01 --to 2026-12-01`);
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new UsageError(`--${name} takes a date or time, e.g. 2026-11-01`);
  return new Date(time).toISOString();
}

/** One line per violation state, for people. */
function violationLine(v: Violation): string {
  const state = v.decision ? `objection ${v.decision.outcome}` : v.objection ? "objection pending" : "";
  return `${v.id}: ${v.kind} (${v.severity}, ${v.points} points) ${v.status}${state ? `, ${state}` : ""}`;
}

function printViolation(ctx: CommandContext, v: Violation): number {
  if (ctx.json) ctx.printJson(v);
  else ctx.term.out(`${violationLine(v)}\n`);
  return EXIT.ok;
}

function printCredit(ctx: CommandContext, record: CreditRecord): void {
  const { style } = ctx.term;
  const level = record.level === "none" ? style.ok("none") : style.warn(record.level);
  const lines = [
    `${style.bold(record.operator)}  score ${record.score}  penalty ${level}${record.penalty.level === record.level ? "" : ` (in force: ${record.penalty.level}, lifted at the next repair sweep)`}`,
    `  rules: minor ${record.rules.points.minor}, major ${record.rules.points.major}, severe ${record.rules.points.severe} points; quota cut at ≤${record.rules.quotaCutAt}, suspension at ≤${record.rules.suspensionAt}; repair after ${record.rules.repairDays} days without violations`,
    ...(record.penalty.quotaCuts.length > 0
      ? [`  quotas cut on: ${record.penalty.quotaCuts.map((c) => c.license).join(", ")}`]
      : []),
    ...(record.penalty.suspendedLicenses.length > 0
      ? [`  licenses suspended: ${record.penalty.suspendedLicenses.join(", ")}`]
      : []),
  ];
  ctx.term.out(`${lines.join("\n")}\n`);
  if (record.violations.length === 0) return;
  ctx.term.out(
    `${table([
      ["ID", "RECORDED", "KIND", "SEVERITY", "STATUS", "SOURCE", "OBJECTION"],
      ...record.violations.map((v) => [
        v.id,
        v.recordedAt.slice(0, 19),
        v.kind,
        v.severity,
        v.status,
        v.source,
        v.decision ? v.decision.outcome : v.objection ? "pending" : "",
      ]),
    ])}\n`,
  );
}

const credit: Command = {
  name: "credit",
  role: "any",
  summary: "An operator's credit record: score, penalty, violations (bureau, auditors, the operator itself)",
  usage: "aos credit OPERATOR",
  options: {},
  async run(ctx, _values, [operator]) {
    if (!operator) throw new UsageError("name the operator");
    const record = await (await ctx.client()).credit(operator);
    if (ctx.json) ctx.printJson(record);
    else printCredit(ctx, record);
    return EXIT.ok;
  },
};

const record: Command = {
  name: "violation record",
  role: "bureau",
  summary: "Record a violation with evidence: what was found and the operator's jobs or log positions",
  usage:
    "aos violation record OPERATOR --severity minor|major|severe --summary TEXT --evidence TEXT (--job ID | --entry POSITION)… [--kind K]",
  options: {
    severity: { type: "string" },
    summary: { type: "string" },
    evidence: { type: "string" },
    job: { type: "string", multiple: true },
    entry: { type: "string", multiple: true },
    kind: { type: "string" },
  },
  async run(ctx, values, [operator]) {
    if (!operator) throw new UsageError("name the operator");
    const severity = flag(values, "severity");
    if (!SEVERITIES.includes(severity as (typeof SEVERITIES)[number]))
      throw new UsageError("--severity is minor, major or severe");
    const kind = flag(values, "kind") ?? "officer_finding";
    if (!KINDS.includes(kind as (typeof KINDS)[number]))
      throw new UsageError(`--kind is one of ${KINDS.join(", ")}`);
    const summary = flag(values, "summary");
    const text = flag(values, "evidence");
    if (!summary || !text)
      throw new UsageError("--summary and --evidence (what was found, in words) are required");
    const jobs = (values.job as string[] | undefined) ?? [];
    const entries = ((values.entry as string[] | undefined) ?? []).map(Number);
    if (entries.some((n) => !Number.isInteger(n) || n < 0))
      throw new UsageError("--entry takes an audit log position (a whole number)");
    if (jobs.length + entries.length === 0)
      throw new UsageError("evidence names at least one --job of the operator or --entry of the audit log");
    const body: ViolationRequest = {
      kind: kind as ViolationRequest["kind"],
      severity: severity as ViolationRequest["severity"],
      summary,
      evidence: { text, jobs, entries },
    };
    return printViolation(ctx, await (await ctx.client()).recordViolation(operator, body));
  },
};

const object: Command = {
  name: "object",
  role: "operator",
  summary: "Object to one of your violations, once, with a reason",
  usage: "aos object VIOLATION --reason TEXT",
  options: { reason: { type: "string" } },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the violation");
    const reason = reasonOf(values, "the officer who decides reads it");
    return printViolation(ctx, await (await ctx.client()).objectToViolation(id, reason));
  },
};

const decide: Command = {
  name: "violation decide",
  role: "bureau",
  summary: "Decide an objection: --uphold (annuls the violation) or --dismiss, with --reason",
  usage: "aos violation decide VIOLATION --uphold|--dismiss --reason TEXT",
  options: {
    uphold: { type: "boolean", default: false },
    dismiss: { type: "boolean", default: false },
    reason: { type: "string" },
  },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the violation");
    if ((values.uphold === true) === (values.dismiss === true))
      throw new UsageError("give exactly one of --uphold and --dismiss");
    const reason = reasonOf(values, "it is told to the operator and kept in the audit log");
    const decided = await (await ctx.client()).decideObjection(id, {
      decision: values.uphold === true ? "upheld" : "dismissed",
      reason,
    });
    return printViolation(ctx, decided);
  },
};

function printEvaluation(ctx: CommandContext, r: EvaluationReport): void {
  const kinds = Object.entries(r.violations.byKind)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
  const lines = [
    `${r.operator} (${r.organization}), ${r.from} – ${r.to}`,
    `  jobs: ${r.jobs.submitted} submitted, ${r.jobs.released} released, ${r.jobs.heldByGate} held by the gate (${r.jobs.heldNow} still held), ${r.jobs.rejected} rejected, ${r.jobs.failed} failed, ${r.jobs.cancelled} cancelled, ${r.jobs.inProgress} in progress`,
    `  reviews: ${r.reviews.approvals} approvals, ${r.reviews.rejections} rejections`,
    `  outputs: ${r.outputs.released} released, ${r.outputs.held} held`,
    `  violations: ${r.violations.total}${kinds ? ` (${kinds})` : ""}, ${r.violations.complaints} by officers, ${r.violations.annulled} annulled`,
    `  objections: ${r.objections.filed} filed, ${r.objections.upheld} upheld, ${r.objections.dismissed} dismissed, ${r.objections.pending} pending`,
    `  quality issues reported: ${r.qualityIssues.reported}`,
  ];
  ctx.term.out(`${lines.join("\n")}\n`);
  if (r.budget.length > 0)
    ctx.term.out(
      `${table([
        ["LICENSE", "DATASET", "ε USED", "ε GRANTED"],
        ...r.budget.map((b) => [
          b.license,
          b.dataset,
          String(b.used),
          b.granted ? `${b.granted.total} per ${b.granted.period}` : "-",
        ]),
      ])}\n`,
    );
}

const evaluation: Command = {
  name: "evaluation",
  role: "any",
  summary:
    "An operator's evaluation for a period: jobs, reviews, outputs, violations, ε (bureau, auditors, itself)",
  usage: "aos evaluation OPERATOR --from DATE --to DATE",
  options: { from: { type: "string" }, to: { type: "string" } },
  async run(ctx, values, [operator]) {
    if (!operator) throw new UsageError("name the operator");
    const period = { from: instantOf(values, "from"), to: instantOf(values, "to") };
    const report = await (await ctx.client()).evaluation(operator, period);
    if (ctx.json) ctx.printJson(report);
    else printEvaluation(ctx, report);
    return EXIT.ok;
  },
};

const exit: Command = {
  name: "operator exit",
  role: "bureau",
  summary: "Exit an operator: revoke its keys and licenses, settle its open period, keep its records",
  usage: "aos operator exit OPERATOR --reason TEXT",
  options: { reason: { type: "string" } },
  async run(ctx, values, [operator]) {
    if (!operator) throw new UsageError("name the operator");
    const reason = reasonOf(values, "it is kept with the exit in the audit log");
    const outcome = await (await ctx.client()).exitOperator(operator, reason);
    if (ctx.json) ctx.printJson(outcome);
    else
      ctx.term.out(
        `${operator}: exited; revoked ${outcome.revokedKeys.length} key(s) and ${outcome.revokedLicenses.length} license(s); period ${outcome.settlement.period} settled (${outcome.settlement.totals.jobs} jobs, charge ${outcome.settlement.totals.charge})\n`,
      );
    return EXIT.ok;
  },
};

export const CREDIT_COMMANDS: readonly Command[] = [credit, record, object, decide, evaluation, exit];
