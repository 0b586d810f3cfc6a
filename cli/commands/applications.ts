import { readFile } from "node:fs/promises";
import type { ApplicationRequest, ApplicationStatus, ApplicationView } from "../../client/index.ts";
import { DEFAULT_PRIVACY_BUDGET } from "../../policies/license.ts";
import { type Command, type CommandContext, flag, type Values } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { table } from "../terminal.ts";

/**
 * License applications from the terminal: the operator applies, amends and withdraws; the holder
 * department consents or refuses; the bureau approves or refuses; anyone involved lists and reads.
 */

async function readApplication(path: string): Promise<ApplicationRequest> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
  try {
    return JSON.parse(text) as ApplicationRequest;
  } catch {
    throw new UsageError(`${path} is not JSON`);
  }
}

/**
 * The application from FILE.json, or from flags: ε goes on every grade 3/4 dataset (the server
 * refuses a differentially private dataset without a budget).
 */
async function applicationFrom(ctx: CommandContext, values: Values, file: string | undefined) {
  if (file) return readApplication(file);
  const purpose = flag(values, "purpose");
  const scenario = flag(values, "scenario");
  const names = (values.dataset as string[] | undefined) ?? [];
  if (!purpose || !scenario || names.length === 0)
    throw new UsageError("give FILE.json, or --purpose, --scenario and at least one --dataset");
  const days = Number(flag(values, "days") ?? 365);
  const total = Number(flag(values, "epsilon-total") ?? DEFAULT_PRIVACY_BUDGET.total);
  const perQuery = Number(flag(values, "per-query") ?? DEFAULT_PRIVACY_BUDGET.perQuery);
  const grades = new Map((await (await ctx.client()).datasets()).map((d) => [d.name, d.grade]));
  const now = Date.now();
  return {
    purpose,
    scenario,
    validFrom: new Date(now).toISOString(),
    validTo: new Date(now + days * 86_400_000).toISOString(),
    datasets: names.map((name) =>
      (grades.get(name) ?? 0) >= 3
        ? { name, epsilon: { perQuery, total, period: DEFAULT_PRIVACY_BUDGET.period } }
        : { name },
    ),
  } satisfies ApplicationRequest;
}

const APPLY_OPTIONS = {
  purpose: { type: "string" },
  scenario: { type: "string" },
  dataset: { type: "string", multiple: true },
  days: { type: "string" },
  "epsilon-total": { type: "string" },
  "per-query": { type: "string" },
} as const;

/** One line on what an application now waits for, for people (`--json` prints it whole). */
function summary(a: ApplicationView): string {
  const waits =
    a.awaiting.consents.length > 0
      ? `awaits the holder's consent for ${a.awaiting.consents.join(", ")}`
      : a.awaiting.approvals > 0
        ? `awaits ${a.awaiting.approvals} bureau approval${a.awaiting.approvals > 1 ? "s" : ""}`
        : a.status;
  return `${a.id}: ${waits}${a.licenseId ? ` (license ${a.licenseId})` : ""}`;
}

function report(ctx: CommandContext, a: ApplicationView): number {
  if (ctx.json) ctx.printJson(a);
  else ctx.term.out(`${summary(a)}\n`);
  return EXIT.ok;
}

const apply: Command = {
  name: "apply",
  role: "operator",
  summary: "Apply for a license: datasets, purpose, scenario, window, quotas, ε",
  usage:
    "aos apply FILE.json | aos apply --purpose P --scenario TEXT --dataset D [--dataset D2] [--days 365] [--epsilon-total 4] [--per-query 0.2] (a year's ε)",
  options: APPLY_OPTIONS,
  async run(ctx, values, [file]) {
    const body = await applicationFrom(ctx, values, file);
    return report(ctx, await (await ctx.client()).apply(body));
  },
};

const amend: Command = {
  name: "amend",
  role: "operator",
  summary: "Amend an application: a new one linked to the old, decided afresh",
  usage: "aos amend ID FILE.json | aos amend ID --purpose P --scenario TEXT --dataset D …",
  options: APPLY_OPTIONS,
  async run(ctx, values, [id, file]) {
    if (!id) throw new UsageError("name the application");
    const body = await applicationFrom(ctx, values, file);
    return report(ctx, await (await ctx.client()).amendApplication(id, body));
  },
};

const withdraw: Command = {
  name: "withdraw",
  role: "operator",
  summary: "Withdraw a pending application",
  usage: "aos withdraw ID [--reason TEXT]",
  options: { reason: { type: "string" } },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the application");
    return report(ctx, await (await ctx.client()).withdrawApplication(id, flag(values, "reason")));
  },
};

function refusalReason(values: Values): string | undefined {
  const reason = flag(values, "reason");
  if (values.refuse === true && !reason)
    throw new UsageError("--refuse needs --reason: it is told to the applicant");
  return reason;
}

const consent: Command = {
  name: "consent",
  role: "holder",
  summary: "Consent to (or --refuse with --reason) an application's use of a dataset you hold",
  usage: "aos consent ID --dataset D [--refuse --reason TEXT]",
  options: {
    dataset: { type: "string" },
    refuse: { type: "boolean", default: false },
    reason: { type: "string" },
  },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the application");
    const dataset = flag(values, "dataset");
    if (!dataset) throw new UsageError("--dataset names the dataset your department holds");
    const reason = refusalReason(values);
    const decided = await (await ctx.client()).consent(id, {
      dataset,
      decision: values.refuse === true ? "refuse" : "consent",
      ...(reason === undefined ? {} : { reason }),
    });
    return report(ctx, decided);
  },
};

const approve: Command = {
  name: "approve",
  role: "bureau",
  summary: "Approve (or --refuse with --reason) an application; grade 4 needs a second officer",
  usage: "aos approve ID [--refuse --reason TEXT]",
  options: { refuse: { type: "boolean", default: false }, reason: { type: "string" } },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the application");
    const reason = refusalReason(values);
    const decided = await (await ctx.client()).decideApplication(id, {
      decision: values.refuse === true ? "refuse" : "approve",
      ...(reason === undefined ? {} : { reason }),
    });
    return report(ctx, decided);
  },
};

const list: Command = {
  name: "applications",
  role: "any",
  summary: "License applications you may see (an operator's own, a holder's datasets', or all)",
  usage: "aos applications [--status S] [--dataset D] [--operator ID]",
  options: { status: { type: "string" }, dataset: { type: "string" }, operator: { type: "string" } },
  async run(ctx, values) {
    const status = flag(values, "status") as ApplicationStatus | undefined;
    const dataset = flag(values, "dataset");
    const operator = flag(values, "operator");
    const found = await (await ctx.client()).applications({
      ...(status === undefined ? {} : { status }),
      ...(dataset === undefined ? {} : { dataset }),
      ...(operator === undefined ? {} : { operator }),
    });
    if (ctx.json) ctx.printJson(found);
    else
      ctx.term.out(
        `${table([
          ["ID", "STATUS", "OPERATOR", "DATASETS", "EXPIRES"],
          ...found.map((a) => [
            a.id,
            a.status,
            a.operator,
            a.document.datasets.map((d) => d.name).join(","),
            a.expiresAt.slice(0, 16),
          ]),
        ])}\n`,
      );
    return EXIT.ok;
  },
};

const show: Command = {
  name: "application",
  role: "any",
  summary: "One application with its decisions: who decided what, when, under which policy versions",
  usage: "aos application ID",
  options: {},
  async run(ctx, _values, [id]) {
    if (!id) throw new UsageError("name the application");
    const a = await (await ctx.client()).application(id);
    if (ctx.json) {
      ctx.printJson(a);
      return EXIT.ok;
    }
    ctx.term.out(`${summary(a)}\n`);
    ctx.term.out(
      `${table([
        ["WHEN", "STEP", "DATASET", "DECIDER", "DECISION", "POLICY VERSIONS", "REASON"],
        ...a.decisions.map((d) => [
          d.decidedAt.slice(0, 19),
          d.step,
          d.dataset ?? "*",
          d.decider,
          d.decision,
          Object.entries(d.policyVersions)
            .map(([name, version]) => `${name}@${version}`)
            .join(","),
          d.reason ?? "",
        ]),
      ])}\n`,
    );
    return EXIT.ok;
  },
};

export const APPLICATION_COMMANDS: readonly Command[] = [
  apply,
  amend,
  withdraw,
  consent,
  approve,
  list,
  show,
];
