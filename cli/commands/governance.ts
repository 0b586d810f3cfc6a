import { readFile } from "node:fs/promises";
import type { Freeze, FreezeScope, Proposal } from "../../client/index.ts";
import { type Command, type CommandContext, flag, type Values } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { table } from "../terminal.ts";

/**
 * The two-person rule and emergency stops from a terminal (docs/two-person-rule.md): proposals
 * with their readable diff, a second officer's decision, freezes and their lifting.
 */

async function readJson(path: string | undefined, what: string): Promise<unknown> {
  if (!path) throw new UsageError(`${what} is required`);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not JSON`);
  }
}

function reasonOf(values: Values): string {
  const reason = flag(values, "reason");
  if (!reason)
    throw new UsageError("--reason is required: it is recorded with the proposal and in the audit log");
  return reason;
}

/** `--at` as RFC 3339 UTC, or undefined (at approval). */
function atOf(values: Values): string | undefined {
  const at = flag(values, "at");
  if (at === undefined) return undefined;
  const time = Date.parse(at);
  if (Number.isNaN(time)) throw new UsageError("--at takes a time, e.g. 2026-07-01T00:00:00Z");
  return new Date(time).toISOString();
}

/** A proposal for people: its state, then one line per change of its diff. */
export function printProposal(ctx: CommandContext, proposal: Proposal): void {
  const { style } = ctx.term;
  const state =
    proposal.status === "pending"
      ? style.warn("pending: a second bureau officer must approve it")
      : proposal.status === "approved"
        ? style.ok(
            `approved by ${proposal.decider}${proposal.appliedVersion === null ? "" : `, version ${proposal.appliedVersion}`}`,
          )
        : `${proposal.status}${proposal.decider ? ` by ${proposal.decider}` : ""}`;
  const lines = [
    `${style.bold(proposal.id)}  ${proposal.kind} ${proposal.subject}  ${state}`,
    `  proposed by ${proposal.proposer} at ${proposal.createdAt}: ${proposal.reason}`,
    `  against version ${proposal.baseVersion ?? "none"}; in force ${proposal.effectiveAt ? `from ${proposal.effectiveAt}` : "at approval"}`,
    ...(proposal.decisionReason ? [`  decision: ${proposal.decisionReason}`] : []),
    `  changes (${proposal.diff.loosens ? style.warn("loosens") : "tightens only"}):`,
    ...proposal.diff.changes.map((c) => `    ${c.effect === "loosens" ? style.warn(c.line) : c.line}`),
  ];
  ctx.term.out(`${lines.join("\n")}\n`);
}

function show(ctx: CommandContext, proposal: Proposal): number {
  if (ctx.json) ctx.printJson(proposal);
  else printProposal(ctx, proposal);
  return EXIT.ok;
}

const proposePolicy: Command = {
  name: "propose policy",
  role: "bureau",
  summary: "Propose a dataset's new manifest for a second officer's approval (shows the diff)",
  usage: "aos propose policy DATASET MANIFEST.json --reason TEXT [--at TIME]",
  options: { reason: { type: "string" }, at: { type: "string" } },
  async run(ctx, values, [dataset, file]) {
    if (!dataset) throw new UsageError("name the dataset");
    const manifest = (await readJson(file, "MANIFEST.json")) as Record<string, unknown>;
    const at = atOf(values);
    const proposal = await (await ctx.client()).propose({
      kind: "policy",
      dataset,
      manifest: manifest as never,
      reason: reasonOf(values),
      ...(at === undefined ? {} : { effectiveAt: at }),
    });
    return show(ctx, proposal);
  },
};

const proposeTariff: Command = {
  name: "propose tariff",
  role: "bureau",
  summary: "Propose a new tariff for a second officer's approval (shows the diff)",
  usage: "aos propose tariff TARIFF.json --reason TEXT [--at TIME]",
  options: { reason: { type: "string" }, at: { type: "string" } },
  async run(ctx, values, [file]) {
    const tariff = await readJson(file, "TARIFF.json");
    const at = atOf(values);
    const proposal = await (await ctx.client()).propose({
      kind: "tariff",
      tariff: tariff as never,
      reason: reasonOf(values),
      ...(at === undefined ? {} : { effectiveAt: at }),
    });
    return show(ctx, proposal);
  },
};

const proposals: Command = {
  name: "proposals",
  role: "bureau",
  summary: "Proposals awaiting (or past) a second officer's decision",
  usage:
    "aos proposals [--status pending|approved|refused|withdrawn|superseded] [--kind policy|tariff|unfreeze]",
  options: { status: { type: "string" }, kind: { type: "string" } },
  async run(ctx, values) {
    const status = flag(values, "status") as Proposal["status"] | undefined;
    const kind = flag(values, "kind") as Proposal["kind"] | undefined;
    const list = await (await ctx.client()).proposals({
      ...(status ? { status } : {}),
      ...(kind ? { kind } : {}),
    });
    if (ctx.json) ctx.printJson(list);
    else
      ctx.term.out(
        `${table([
          ["ID", "KIND", "SUBJECT", "STATUS", "PROPOSER", "LOOSENS", "EFFECTIVE"],
          ...list.map((p) => [
            p.id,
            p.kind,
            p.subject,
            p.status,
            p.proposer,
            p.diff.loosens ? "yes" : "no",
            p.effectiveAt ?? "at approval",
          ]),
        ])}\n`,
      );
    return EXIT.ok;
  },
};

const proposal: Command = {
  name: "proposal",
  role: "bureau",
  summary: "One proposal with its readable diff",
  usage: "aos proposal ID",
  options: {},
  async run(ctx, _values, [id]) {
    if (!id) throw new UsageError("name the proposal");
    return show(ctx, await (await ctx.client()).proposal(id));
  },
};

function decide(decision: "approve" | "refuse"): Command {
  return {
    name: `${decision}-proposal`,
    role: "bureau",
    summary:
      decision === "approve"
        ? "Approve another officer's proposal: the change is applied, in force from its time"
        : "Refuse a proposal, with a reason",
    usage: `aos ${decision}-proposal ID ${decision === "approve" ? "[--reason TEXT]" : "--reason TEXT"}`,
    options: { reason: { type: "string" } },
    async run(ctx, values, [id]) {
      if (!id) throw new UsageError("name the proposal");
      const reason = decision === "refuse" ? reasonOf(values) : flag(values, "reason");
      return show(ctx, await (await ctx.client()).decideProposal(id, decision, reason));
    },
  };
}

const withdraw: Command = {
  name: "withdraw-proposal",
  role: "bureau",
  summary: "Withdraw one's own pending proposal",
  usage: "aos withdraw-proposal ID [--reason TEXT]",
  options: { reason: { type: "string" } },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the proposal");
    return show(ctx, await (await ctx.client()).withdrawProposal(id, flag(values, "reason")));
  },
};

const SCOPES: readonly FreezeScope[] = ["domain", "dataset", "operator", "license"];

const freeze: Command = {
  name: "freeze",
  role: "bureau",
  summary: "Emergency stop, at once: freeze the domain, a dataset, an operator or a license",
  usage: "aos freeze domain|dataset|operator|license [TARGET] --reason TEXT",
  options: { reason: { type: "string" } },
  async run(ctx, values, [scope, target]) {
    if (!scope || !SCOPES.includes(scope as FreezeScope))
      throw new UsageError(`name what to freeze: ${SCOPES.join(", ")}`);
    if (scope !== "domain" && !target) throw new UsageError(`name the ${scope} to freeze`);
    if (scope === "domain" && target) throw new UsageError("a domain-wide freeze names no target");
    const imposed = await (await ctx.client()).freeze({
      scope: scope as FreezeScope,
      ...(target ? { target } : {}),
      reason: reasonOf(values),
    });
    if (ctx.json) ctx.printJson(imposed);
    else {
      ctx.term.out(`${imposed.freeze.id}\n`);
      ctx.term.err(
        `frozen: ${describe(imposed.freeze)}; ${imposed.stopped.cancelled.length} queued job(s) cancelled, ${imposed.stopped.running.length} running job(s) stopped`,
      );
      ctx.term.err(`lifting needs two officers: aos unfreeze ${imposed.freeze.id} --reason TEXT`);
    }
    return EXIT.ok;
  },
};

const describe = (f: Freeze) => `${f.scope}${f.target === null ? "" : ` ${f.target}`}`;

const freezes: Command = {
  name: "freezes",
  role: "any",
  summary: "Freezes that concern you (live ones, or --all)",
  usage: "aos freezes [--all]",
  options: { all: { type: "boolean", default: false } },
  async run(ctx, values) {
    const list = await (await ctx.client()).freezes(values.all === true ? {} : { live: true });
    if (ctx.json) ctx.printJson(list);
    else
      ctx.term.out(
        `${table([
          ["ID", "FROZEN", "SINCE", "BY", "LIFTED", "REASON"],
          ...list.map((f) => [f.id, describe(f), f.frozenAt, f.frozenBy, f.liftedAt ?? "-", f.reason]),
        ])}\n`,
      );
    return EXIT.ok;
  },
};

const unfreeze: Command = {
  name: "unfreeze",
  role: "bureau",
  summary: "Propose lifting a freeze; a second officer approves it (aos approve-proposal)",
  usage: "aos unfreeze FREEZE_ID --reason TEXT [--at TIME]",
  options: { reason: { type: "string" }, at: { type: "string" } },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the freeze");
    return show(ctx, await (await ctx.client()).liftFreeze(id, reasonOf(values), atOf(values)));
  },
};

export const GOVERNANCE_COMMANDS: readonly Command[] = [
  proposePolicy,
  proposeTariff,
  proposals,
  proposal,
  decide("approve"),
  decide("refuse"),
  withdraw,
  freeze,
  freezes,
  unfreeze,
];
