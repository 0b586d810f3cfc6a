import { writeFile } from "node:fs/promises";
import type { AssetRight, DataProduct, OutputFormat, Registration } from "../../client/index.ts";
import { type Command, type CommandContext, flag, type Values } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { table } from "../terminal.ts";

/**
 * The registries from the terminal (docs/registries.md): data-asset registrations with their
 * history, and data products that licensed operators subscribe to and read.
 */

const RIGHTS = ["holding", "processing", "operating"] as const;

function rightsOf(values: Values): AssetRight[] | undefined {
  const given = (values.right as string[] | undefined) ?? [];
  if (given.length === 0) return undefined;
  for (const right of given)
    if (!(RIGHTS as readonly string[]).includes(right))
      throw new UsageError(`--right is one of ${RIGHTS.join(", ")} (repeat it for several)`);
  return given as AssetRight[];
}

function showRegistration(ctx: CommandContext, r: Registration): number {
  if (ctx.json) {
    ctx.printJson(r);
    return EXIT.ok;
  }
  const lines = [
    `${ctx.term.style.bold(r.dataset)}  revision ${r.revision}  holder ${r.holderDepartment}  grade ${r.grade}  rights ${r.rights.join(", ")}`,
    ...r.versionHashes.map((v) => `  data version ${v.version}  sha256 ${v.sha256}`),
    "  history:",
    ...r.history.map(
      (h) =>
        `    ${h.revision}  ${h.recordedAt}  ${h.change} by ${h.recordedBy}${h.note ? `: ${h.note}` : ""}`,
    ),
  ];
  ctx.term.out(`${lines.join("\n")}\n`);
  return EXIT.ok;
}

const registrationAdd: Command = {
  name: "registration add",
  role: "bureau",
  summary: "Register a dataset as a data asset (or amend it with --amend and --note)",
  usage:
    "aos registration add DATASET --right holding|processing|operating [--right …] [--note TEXT] [--amend]",
  options: {
    right: { type: "string", multiple: true },
    note: { type: "string" },
    amend: { type: "boolean", default: false },
  },
  async run(ctx, values, [dataset]) {
    if (!dataset) throw new UsageError("name the dataset");
    const rights = rightsOf(values);
    const note = flag(values, "note");
    const amend = values.amend === true;
    if (!amend && !rights) throw new UsageError("give at least one --right");
    if (amend && !note) throw new UsageError("an amendment needs --note saying why");
    const client = await ctx.client();
    const registration =
      amend && note
        ? await client.register({ dataset, note, ...(rights ? { rights } : {}) }, true)
        : await client.register({ dataset, rights: rights ?? [], ...(note ? { note } : {}) });
    return showRegistration(ctx, registration);
  },
};

const registrations: Command = {
  name: "registrations",
  role: "any",
  summary: "The data-asset register, or one dataset's registration with its history",
  usage: "aos registrations [DATASET]",
  options: {},
  async run(ctx, _values, [dataset]) {
    const client = await ctx.client();
    if (dataset) return showRegistration(ctx, await client.registration(dataset));
    const list = await client.registrations();
    if (ctx.json) ctx.printJson(list);
    else
      ctx.term.out(
        `${table([
          ["DATASET", "REVISION", "HOLDER", "GRADE", "RIGHTS", "VERSIONS"],
          ...list.map((r) => [
            r.dataset,
            String(r.revision),
            r.holderDepartment,
            String(r.grade),
            r.rights.join(","),
            String(r.versionHashes.length),
          ]),
        ])}\n`,
      );
    return EXIT.ok;
  },
};

function showProduct(ctx: CommandContext, p: DataProduct): number {
  if (ctx.json) ctx.printJson(p);
  else
    ctx.term.out(
      `${ctx.term.style.bold(p.id)}  ${p.name} v${p.version}  ${p.status}  ${(p.priceFen / 100).toFixed(2)} yuan\n` +
        `  job ${p.job} (script sha256 ${p.scriptSha256})\n  datasets ${p.datasets.join(", ")}; outputs ${p.outputs.join(", ")}\n  terms: ${p.terms}\n`,
    );
  return EXIT.ok;
}

const productAdd: Command = {
  name: "product add",
  role: "bureau",
  summary: "Create a data product (or its next version) from a released job",
  usage: "aos product add NAME --job JOB_ID --terms TEXT --price-fen N",
  options: { job: { type: "string" }, terms: { type: "string" }, "price-fen": { type: "string" } },
  async run(ctx, values, [name]) {
    if (!name) throw new UsageError("name the product");
    const job = flag(values, "job");
    const terms = flag(values, "terms");
    const priceFen = Number(flag(values, "price-fen"));
    if (!job || !terms) throw new UsageError("--job and --terms are required");
    if (!Number.isInteger(priceFen) || priceFen < 0)
      throw new UsageError("--price-fen is a whole number of fen (1/100 yuan), 0 or more");
    return showProduct(ctx, await (await ctx.client()).createProduct({ name, job, terms, priceFen }));
  },
};

const products: Command = {
  name: "products",
  role: "any",
  summary: "Data products (an operator sees listed ones and whether it subscribes)",
  usage: "aos products",
  options: {},
  async run(ctx) {
    const list = await (await ctx.client()).products();
    if (ctx.json) ctx.printJson(list);
    else
      ctx.term.out(
        `${table([
          ["ID", "NAME", "VERSION", "STATUS", "PRICE (FEN)", "DATASETS", "OUTPUTS", "SUBSCRIBED"],
          ...list.map((p) => [
            p.id,
            p.name,
            String(p.version),
            p.status,
            String(p.priceFen),
            p.datasets.join(","),
            p.outputs.join(","),
            p.subscribed === undefined ? "" : p.subscribed ? "yes" : "no",
          ]),
        ])}\n`,
      );
    return EXIT.ok;
  },
};

const subscribe: Command = {
  name: "subscribe",
  role: "operator",
  summary: "Subscribe to a data product (your license must name its datasets)",
  usage: "aos subscribe PRODUCT_ID",
  options: {},
  async run(ctx, _values, [id]) {
    if (!id) throw new UsageError("name the product");
    const subscription = await (await ctx.client()).subscribe(id);
    if (ctx.json) ctx.printJson(subscription);
    else
      ctx.term.out(
        `subscribed to ${subscription.product} (version ${subscription.productVersion}) under license ${subscription.license} at ${subscription.subscribedAt}\n`,
      );
    return EXIT.ok;
  },
};

const productOutput: Command = {
  name: "product output",
  role: "operator",
  summary: "A subscribed product's output, to stdout or --output FILE",
  usage: "aos product output PRODUCT_ID NAME [--format json|csv|arrow] [--output FILE]",
  options: { format: { type: "string" }, output: { type: "string" } },
  async run(ctx, values, [id, name]) {
    if (!id || !name) throw new UsageError("name the product and the output");
    const format = (flag(values, "format") ?? "json") as OutputFormat;
    if (!["json", "csv", "arrow"].includes(format)) throw new UsageError("--format is json, csv or arrow");
    const bytes = await (await ctx.client()).productOutputBytes(id, name, format);
    const file = flag(values, "output");
    if (file) {
      await writeFile(file, bytes);
      ctx.term.err(`wrote ${bytes.byteLength} bytes to ${file}`);
    } else ctx.term.out(bytes);
    return EXIT.ok;
  },
};

export const REGISTRY_COMMANDS: readonly Command[] = [
  registrationAdd,
  registrations,
  productAdd,
  products,
  subscribe,
  productOutput,
];
