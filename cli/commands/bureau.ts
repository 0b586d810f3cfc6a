import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import type { LicenseAction, OperatorAction } from "../../client/index.ts";
import { DEFAULT_PRIVACY_BUDGET } from "../../policies/license.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { type Command, flag, type Values } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { printEvent } from "../job-report.ts";
import { table } from "../terminal.ts";
import { printProposal } from "./governance.ts";

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

async function readManifest(path: string | undefined): Promise<DatasetManifest> {
  const { DatasetManifest } = await import("../../policies/manifest.ts");
  const parsed = DatasetManifest.safeParse(await readJson(path, "--manifest"));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(manifest)"}: ${i.message}`);
    throw new UsageError(`the manifest is not valid:\n${problems.join("\n")}`);
  }
  return parsed.data;
}

function reasonOf(values: Values): string {
  const reason = flag(values, "reason");
  if (!reason)
    throw new UsageError("--reason is required: it is recorded with the change and in the audit log");
  return reason;
}

const policyPublish: Command = {
  name: "policy publish",
  role: "bureau",
  summary: "Publish a manifest as the dataset's new policy version (registers a new dataset)",
  usage: "aos policy publish NAME --manifest MANIFEST.json [--note TEXT]",
  options: { manifest: { type: "string" }, note: { type: "string" } },
  async run(ctx, values, [name]) {
    if (!name) throw new UsageError("name the dataset");
    const manifest = await readManifest(flag(values, "manifest"));
    const published = await (await ctx.client()).publishPolicy(name, manifest, flag(values, "note"));
    if (ctx.json) ctx.printJson(published);
    else if ("kind" in published) {
      // A loosening is not applied: it waits for a second officer (docs/two-person-rule.md).
      ctx.term.err(`${name}: the change loosens the policy; it is proposed, not applied`);
      printProposal(ctx, published);
    } else
      ctx.term.err(`${name}: policy version ${published.version} in force from ${published.effectiveFrom}`);
    return EXIT.ok;
  },
};

const policyDraftDummy: Command = {
  name: "policy draft-dummy",
  role: "bureau",
  summary:
    "Draft a dataset's dummy-data shapes from its data: the manifest to publish next (nothing changes until you do)",
  usage: "aos policy draft-dummy NAME [-o MANIFEST.json]",
  options: { out: { type: "string", short: "o" } },
  async run(ctx, values, [name]) {
    if (!name) throw new UsageError("name the dataset");
    const draft = await (await ctx.client()).dummyDraft(name);
    if (ctx.json) {
      ctx.printJson(draft);
      return EXIT.ok;
    }
    for (const note of draft.notes) ctx.term.err(ctx.term.style.dim(note));
    const manifest = `${JSON.stringify(draft.manifest, null, 2)}\n`;
    const out = flag(values, "out");
    if (out) await writeFile(out, manifest);
    else ctx.term.out(manifest);
    ctx.term.err(
      `${name}: drafted from policy version ${draft.basedOnVersion}; review it, then: aos policy publish ${name} --manifest ${out ?? "MANIFEST.json"} (a second officer approves, since dummy shapes loosen the policy)`,
    );
    return EXIT.ok;
  },
};

/** A share as a percentage a reader takes in: 0.0064 → "0.64%". */
const percent = (share: number): string => `${Number((share * 100).toPrecision(2))}%`;

const policyDraftBounds: Command = {
  name: "policy draft-bounds",
  role: "bureau",
  summary:
    "Draft a dataset's upper clamp bounds (and its cap on a unit's rows) from its data, with differential privacy: the manifest to publish next (nothing changes until you do)",
  usage: "aos policy draft-bounds NAME [--epsilon E] [--max-clamped-share S] [-o MANIFEST.json]",
  options: {
    out: { type: "string", short: "o" },
    epsilon: { type: "string" },
    "max-clamped-share": { type: "string" },
  },
  async run(ctx, values, [name]) {
    if (!name) throw new UsageError("name the dataset");
    const number = (option: string): number | undefined => {
      const text = flag(values, option);
      if (text === undefined) return undefined;
      const value = Number(text);
      if (!Number.isFinite(value)) throw new UsageError(`--${option} takes a number, not ${text}`);
      return value;
    };
    const epsilon = number("epsilon");
    const share = number("max-clamped-share");
    const draft = await (await ctx.client()).boundsDraft(name, {
      ...(epsilon === undefined ? {} : { epsilon }),
      ...(share === undefined ? {} : { maxClampedShare: share }),
    });
    if (ctx.json) {
      ctx.printJson(draft);
      return EXIT.ok;
    }
    const cap = draft.contributionCap;
    ctx.term.err(
      table([
        ["column", "declared max", "drafted max", "clamps away", "note"],
        // The cap on a unit's rows, where units have several.
        ...(cap
          ? [
              [
                "(rows per unit)",
                String(cap.declared),
                String(cap.drafted),
                cap.kept ? "-" : `about ${percent(cap.clampedShare)} of the rows`,
                cap.kept ?? "",
              ],
            ]
          : []),
        ...draft.columns.flatMap((c) => [
          [
            c.column,
            c.declared.max.toLocaleString("en"),
            c.drafted.max.toLocaleString("en"),
            c.kept ? "-" : `about ${percent(c.clampedShare)} of the total`,
            c.kept ?? "",
          ],
          // A unit's total in a group (bounds.unitMax), where units have several rows.
          ...(c.unitTotal
            ? [
                [
                  `${c.column} (a unit's total)`,
                  c.declared.unitMax?.toLocaleString("en") ?? "-",
                  c.drafted.unitMax?.toLocaleString("en") ?? "-",
                  c.unitTotal.kept ? "-" : `about ${percent(c.unitTotal.clampedShare)} of the total`,
                  c.unitTotal.kept ?? "",
                ],
              ]
            : []),
        ]),
      ]),
    );
    const manifest = `${JSON.stringify(draft.manifest, null, 2)}\n`;
    const out = flag(values, "out");
    if (out) await writeFile(out, manifest);
    else ctx.term.out(manifest);
    ctx.term.err(
      `${name}: drafted from policy version ${draft.basedOnVersion}, spending ε ${draft.epsilon} per drafted bound (in the audit log); review it, then: aos policy publish ${name} --manifest ${out ?? "MANIFEST.json"}`,
    );
    return EXIT.ok;
  },
};

const licenseGrant: Command = {
  name: "licenses grant",
  role: "bureau",
  summary: "Grant a license: from a JSON file, or from flags",
  usage:
    "aos licenses grant (--file LICENSE.json | --operator ID --purpose P --dataset NAME... [--days N] [--epsilon-total T] [--per-query E] [--release-mode auto|review] [--id ID])",
  options: {
    file: { type: "string" },
    operator: { type: "string" },
    purpose: { type: "string" },
    dataset: { type: "string", multiple: true },
    days: { type: "string" },
    "epsilon-total": { type: "string" },
    "per-query": { type: "string" },
    "release-mode": { type: "string" },
    id: { type: "string" },
  },
  async run(ctx, values) {
    const client = await ctx.client();
    let body: Record<string, unknown>;
    if (flag(values, "file")) {
      body = (await readJson(flag(values, "file"), "--file")) as Record<string, unknown>;
    } else {
      const operator = flag(values, "operator");
      const purpose = flag(values, "purpose");
      const names = (values.dataset as string[] | undefined) ?? [];
      if (!operator || !purpose || names.length === 0)
        throw new UsageError("--operator, --purpose and at least one --dataset are required (or --file)");
      const days = Number(flag(values, "days") ?? 365);
      const total = Number(flag(values, "epsilon-total") ?? DEFAULT_PRIVACY_BUDGET.total);
      const perQuery = Number(flag(values, "per-query") ?? DEFAULT_PRIVACY_BUDGET.perQuery);
      // ε goes on every grade 3/4 dataset: the server refuses a DP dataset without a budget.
      const grades = new Map((await client.datasets()).map((d) => [d.name, d.grade]));
      const now = Date.now();
      body = {
        id: flag(values, "id") ?? `lic_${randomUUID().slice(0, 8)}`,
        operator,
        purpose,
        validFrom: new Date(now).toISOString(),
        validTo: new Date(now + days * 86_400_000).toISOString(),
        datasets: names.map((name) =>
          (grades.get(name) ?? 0) >= 3
            ? { name, epsilon: { perQuery, total, period: DEFAULT_PRIVACY_BUDGET.period } }
            : { name },
        ),
        releaseMode: flag(values, "release-mode") ?? "auto",
      };
    }
    const granted = await client.grantLicense(body);
    if (ctx.json) ctx.printJson(granted);
    else ctx.term.out(`${granted.license.id}\n`);
    return EXIT.ok;
  },
};

function licenseStatus(action: LicenseAction): Command {
  return {
    name: `licenses ${action}`,
    role: "bureau",
    summary: `${action[0]!.toUpperCase()}${action.slice(1)} a license, with a reason`,
    usage: `aos licenses ${action} ID --reason TEXT`,
    options: { reason: { type: "string" } },
    async run(ctx, values, [id]) {
      if (!id) throw new UsageError("name the license");
      const changed = await (await ctx.client()).changeLicense(id, action, reasonOf(values));
      if (ctx.json) ctx.printJson(changed);
      else ctx.term.err(`${changed.license.id}: ${changed.status}`);
      return EXIT.ok;
    },
  };
}

const licenseShow: Command = {
  name: "licenses show",
  role: "any",
  summary: "One license with its budget left",
  usage: "aos licenses show ID",
  options: {},
  async run(ctx, _values, [id]) {
    if (!id) throw new UsageError("name the license");
    ctx.printJson(await (await ctx.client()).license(id));
    return EXIT.ok;
  },
};

const operators: Command = {
  name: "operators",
  role: "bureau",
  summary: "Operators with their qualification and status",
  usage: "aos operators [--status S]",
  options: { status: { type: "string" } },
  async run(ctx, values) {
    const status = flag(values, "status") as "active" | undefined;
    const list = await (await ctx.client()).operators(status ? { status } : {});
    if (ctx.json) ctx.printJson(list);
    else ctx.term.out(`${table([["ID", "STATUS", "NAME"], ...list.map((o) => [o.id, o.status, o.name])])}\n`);
    return EXIT.ok;
  },
};

const operatorAdmit: Command = {
  name: "operators admit",
  role: "bureau",
  summary: "Admit an operator from a registration JSON file; prints its first API key once",
  usage: "aos operators admit --file REGISTRATION.json",
  options: { file: { type: "string" } },
  async run(ctx, values) {
    const body = (await readJson(flag(values, "file"), "--file")) as Parameters<
      Awaited<ReturnType<typeof ctx.client>>["admitOperator"]
    >[0];
    const admitted = await (await ctx.client()).admitOperator(body);
    if (ctx.json) ctx.printJson(admitted);
    else {
      ctx.term.err(`admitted ${admitted.operator.id}; its API key is shown once:`);
      ctx.term.out(`${admitted.apiKey.key}\n`);
    }
    return EXIT.ok;
  },
};

const principalAdd: Command = {
  name: "principals add",
  role: "bureau",
  summary: "Create a bureau officer's, auditor's or holder department member's account; prints its key once",
  usage: 'aos principals add --role bureau|auditor|holder --name NAME --organization "DEPARTMENT"',
  options: { role: { type: "string" }, name: { type: "string" }, organization: { type: "string" } },
  async run(ctx, values) {
    const role = flag(values, "role");
    if (role !== "bureau" && role !== "auditor" && role !== "holder")
      throw new UsageError(
        "--role is bureau, auditor or holder (operators are admitted with `aos operators admit`)",
      );
    const name = flag(values, "name");
    const organization = flag(values, "organization");
    if (!name || !organization)
      throw new UsageError(
        "give --name and --organization (for a holder: the department exactly as the datasets' policies name it; `aos datasets` lists them)",
      );
    const created = await (await ctx.client()).createPrincipal({ role, name, organization });
    if (ctx.json) ctx.printJson(created);
    else {
      ctx.term.err(`created ${created.principal.role} ${created.principal.id}; its API key is shown once:`);
      ctx.term.out(`${created.apiKey.key}\n`);
    }
    return EXIT.ok;
  },
};

function operatorStatus(action: OperatorAction): Command {
  return {
    name: `operators ${action}`,
    role: "bureau",
    summary: `${action[0]!.toUpperCase()}${action.slice(1)} an operator, with a reason`,
    usage: `aos operators ${action} ID --reason TEXT`,
    options: { reason: { type: "string" } },
    async run(ctx, values, [id]) {
      if (!id) throw new UsageError("name the operator");
      const changed = await (await ctx.client()).changeOperator(id, action, reasonOf(values));
      if (ctx.json) ctx.printJson(changed);
      else ctx.term.err(`${changed.id}: ${changed.status}`);
      return EXIT.ok;
    },
  };
}

const reviews: Command = {
  name: "reviews",
  role: "bureau",
  summary: "The review queue: held jobs with their gate reasons",
  usage: "aos reviews",
  options: {},
  async run(ctx) {
    const queue = await (await ctx.client()).reviews();
    if (ctx.json) ctx.printJson(queue);
    else
      ctx.term.out(
        `${table([
          ["JOB", "OPERATOR", "LICENSE", "REVIEWS", "REASONS"],
          ...queue.map((r) => [
            r.job.id,
            r.operator.organization,
            r.job.license,
            `${r.reviews.length}/${r.reviewsRequired}`,
            [...new Set(r.job.decision?.reasons.map((x) => x.code) ?? [])].join(","),
          ]),
        ])}\n`,
      );
    return EXIT.ok;
  },
};

const review: Command = {
  name: "review",
  role: "bureau",
  summary: "Show a held job (reasons and outputs), or approve/reject it with a comment",
  usage: "aos review JOB [--approve | --reject] [--comment TEXT]",
  options: {
    approve: { type: "boolean", default: false },
    reject: { type: "boolean", default: false },
    comment: { type: "string" },
  },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the job");
    const client = await ctx.client();
    if (values.approve !== true && values.reject !== true) {
      const held = await client.job(id);
      if (ctx.json) ctx.printJson(held);
      else {
        ctx.term.err(`${held.id}: ${held.status}`);
        if (held.decision) printEvent(ctx.term, { type: "gate", data: held.decision });
        ctx.term.out(`${JSON.stringify({ outputs: held.outputs ?? {}, logs: held.logs ?? [] }, null, 2)}\n`);
      }
      return EXIT.ok;
    }
    if (values.approve === true && values.reject === true)
      throw new UsageError("either --approve or --reject");
    const comment = flag(values, "comment");
    if (!comment) throw new UsageError("--comment is required: it is recorded with the decision");
    const decided = await client.review(id, {
      decision: values.approve === true ? "approve" : "reject",
      comment,
    });
    if (ctx.json) ctx.printJson(decided);
    else ctx.term.err(`${decided.job.id}: ${decided.job.status} (${decided.reviews.length} review(s))`);
    return EXIT.ok;
  },
};

/** Bureau commands. */
export const BUREAU_COMMANDS: readonly Command[] = [
  policyPublish,
  policyDraftDummy,
  policyDraftBounds,
  licenseGrant,
  licenseShow,
  ...(["suspend", "reinstate", "revoke", "expire"] as const).map(licenseStatus),
  operators,
  operatorAdmit,
  ...(["suspend", "reinstate", "revoke"] as const).map(operatorStatus),
  principalAdd,
  reviews,
  review,
];
