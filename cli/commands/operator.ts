import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { type AosClient, ApiError, type Job, type OutputFormat } from "../../client/index.ts";
import type { License } from "../../policies/license.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { type Command, type CommandContext, flag, type Values } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { deliverOutputs, printEvent } from "../job-report.ts";
import { explainDataset, GRADE_IN_WORDS } from "../rules.ts";
import { fromServerPackage } from "../server-package.ts";
import { table } from "../terminal.ts";

const FORMATS: readonly OutputFormat[] = ["csv", "json", "arrow"];

function formatOf(values: Values, fallback: OutputFormat = "csv"): OutputFormat {
  const format = flag(values, "format") ?? fallback;
  if (!FORMATS.includes(format as OutputFormat)) throw new UsageError("--format is csv, json or arrow");
  return format as OutputFormat;
}

/** A whole-number flag in 1…max, or `fallback` when it is absent. */
export function positiveInt(values: Values, name: string, fallback: number, max: number): number {
  const raw = flag(values, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`--${name} is a whole number from 1 to ${max}`);
  return n;
}

/** Reads a script file; `.ts`, `.mts` and `.cts` are TypeScript, anything else JavaScript. */
export async function readScript(
  path: string | undefined,
): Promise<{ script: string; language: "javascript" | "typescript" }> {
  if (!path) throw new UsageError("name the script file");
  let script: string;
  try {
    script = await readFile(path, "utf8");
  } catch {
    throw new UsageError(`cannot read the script ${path}`);
  }
  const language = [".ts", ".mts", ".cts"].includes(extname(path)) ? "typescript" : "javascript";
  return { script, language };
}

const datasets: Command = {
  name: "datasets",
  role: "any",
  summary: "List the catalog, or explain one dataset's schema and rules in plain words",
  usage: "aos datasets [NAME] [--json]",
  options: {},
  async run(ctx, _values, [name]) {
    const client = await ctx.client();
    if (name) {
      const detail = await client.dataset(name);
      if (ctx.json) ctx.printJson(detail);
      else ctx.term.out(`${explainDataset(detail.manifest, detail)}\n`);
      return EXIT.ok;
    }
    const list = await client.datasets();
    if (ctx.json) {
      ctx.printJson(list);
      return EXIT.ok;
    }
    ctx.term.out(
      `${table([
        ["NAME", "GRADE", "COLUMNS", "VERSION", "TITLE"],
        ...list.map((d) => [d.name, String(d.grade), String(d.columns), String(d.policyVersion), d.title]),
      ])}\n`,
    );
    ctx.term.err(
      ctx.term.style.dim(
        "grades: " +
          Object.entries(GRADE_IN_WORDS)
            .map(([g, w]) => `${g} ${w.split(":")[0]}`)
            .join("; "),
      ),
    );
    return EXIT.ok;
  },
};

const dummy: Command = {
  name: "dummy",
  role: "any",
  summary: "Synthetic rows made from a dataset's manifest (never from real rows)",
  usage: "aos dummy NAME [--rows N] [--seed S] [--format csv|json]",
  options: { rows: { type: "string" }, seed: { type: "string" }, format: { type: "string" } },
  async run(ctx, values, [name]) {
    if (!name) throw new UsageError("name the dataset");
    const rows = positiveInt(values, "rows", 100, 10_000);
    const seedFlag = flag(values, "seed");
    const seed = seedFlag === undefined ? undefined : Number(seedFlag);
    if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0))
      throw new UsageError("--seed is a whole number");
    const format = ctx.json ? "json" : formatOf(values, "csv");
    if (format === "arrow") throw new UsageError("dummy data comes as csv or json");
    const client = await ctx.client();
    const options = { rows, ...(seed === undefined ? {} : { seed }) };
    if (format === "json") ctx.printJson(await client.dummy(name, options));
    else ctx.term.out(await client.dummy(name, { ...options, format: "csv" }));
    return EXIT.ok;
  },
};

/** The catalog a local run uses: the server's when it answers, else the demo manifests. */
/** The demo manifests, loaded only when a local run needs them. */
async function demoManifests(): Promise<DatasetManifest[]> {
  return [...(await import("../../seeds/manifests/index.ts")).DEMO_MANIFESTS];
}

async function localCatalog(
  ctx: CommandContext,
  offline: boolean,
): Promise<{ manifests: DatasetManifest[]; client?: AosClient }> {
  const config = await ctx.config();
  if (offline || !config.key) {
    ctx.term.err(
      ctx.term.style.dim("using the demo manifests (seeds/manifests): offline, or no key configured"),
    );
    return { manifests: await demoManifests() };
  }
  const client = await ctx.client();
  try {
    const list = await client.datasets();
    const manifests: DatasetManifest[] = [];
    for (const d of list) manifests.push((await client.dataset(d.name)).manifest);
    return { manifests, client };
  } catch (error) {
    if (error instanceof ApiError && error.code === "NETWORK") {
      ctx.term.err(ctx.term.style.warn(`${error.detail}: using the demo manifests (seeds/manifests)`));
      return { manifests: await demoManifests() };
    }
    throw error;
  }
}

const run: Command = {
  name: "run",
  role: "operator",
  summary:
    "Run a script in the domain and wait for its outputs (as `aos submit --wait`); with --local, on this machine against dummy data: same sandbox, same policy engine, no budget spent",
  usage:
    "aos run SCRIPT [--local [--rows N] [--seed S] [--offline]] [--license L] [--output-dir DIR] [--format csv|json|arrow]",
  options: {
    local: { type: "boolean", default: false },
    license: { type: "string" },
    rows: { type: "string" },
    seed: { type: "string" },
    offline: { type: "boolean", default: false },
    "output-dir": { type: "string" },
    format: { type: "string" },
  },
  async run(ctx, values, [path]) {
    if (values.local !== true) {
      const localOnly = ["rows", "seed"].filter((name) => flag(values, name) !== undefined);
      if (values.offline === true) localOnly.push("offline");
      if (localOnly.length > 0)
        throw new UsageError(
          `${localOnly.map((n) => `--${n}`).join(", ")} apply to local runs only: add --local`,
        );
      // In the domain: submit and wait, as `aos submit --wait` does.
      return submit.run(ctx, { ...values, wait: true }, [path ?? ""]);
    }
    const { script, language } = await readScript(path);
    // The sandbox, DuckDB and the policy engine load only for local runs: other commands start fast.
    const [{ DEFAULT_LOCAL_ROWS, runLocally }, { toArrowStream, toCsv }] = await fromServerPackage(
      "aos run --local",
      () =>
        Promise.all([import("../../control/jobs/local-run.ts"), import("../../gateway/output-formats.ts")]),
    );
    const rows = positiveInt(values, "rows", DEFAULT_LOCAL_ROWS, 10_000);
    const seed = flag(values, "seed") === undefined ? undefined : Number(flag(values, "seed"));
    const format = formatOf(values, ctx.json ? "json" : "csv");
    const { manifests, client } = await localCatalog(ctx, values.offline === true);
    const licenseId = flag(values, "license") ?? (await ctx.config()).license;
    let license: License | undefined;
    if (client && licenseId) license = (await client.license(licenseId)).license;
    ctx.term.err(
      ctx.term.style.dim(
        `local run on ${rows} dummy rows per dataset${license ? ` under license ${license.id}` : ""}`,
      ),
    );
    const result = await runLocally({
      script,
      language,
      manifests,
      ...(license ? { license } : {}),
      rows,
      ...(seed === undefined || Number.isNaN(seed) ? {} : { seed }),
      onEvent: (event) => printEvent(ctx.term, event),
    });
    if (result.error) {
      const where = result.error.line === undefined ? "" : ` at line ${result.error.line}`;
      ctx.term.err(`${result.error.code} ${result.error.class}${where}: ${result.error.message}`);
    }
    for (const log of result.logs) ctx.term.err(ctx.term.style.dim(`log: ${log}`));
    if (ctx.json) {
      ctx.printJson({
        status: result.status,
        decision: result.decision,
        outputs: result.outputs,
        ...(result.accuracy ? { accuracy: result.accuracy } : {}),
        logs: result.logs,
        ...(result.error ? { error: result.error } : {}),
        queries: result.queries,
        usage: result.usage,
      });
    } else if (result.status !== "rejected" && result.status !== "failed") {
      await deliverOutputs(
        ctx.term,
        Object.keys(result.outputs),
        format,
        async (name) => {
          const rowsOut = result.outputs[name] ?? [];
          const accuracy = result.accuracy?.[name];
          if (format === "csv") return toCsv(rowsOut, accuracy);
          if (format === "arrow") return toArrowStream(rowsOut, accuracy);
          return `${JSON.stringify(rowsOut, null, 2)}\n`;
        },
        flag(values, "output-dir"),
      );
    }
    return result.status === "released" || result.status === "held" ? EXIT.ok : EXIT.failed;
  },
};

/** An output exactly as served: JSON outputs then verify against the job's release receipt. */
function fetchServed(client: AosClient, id: string, name: string, format: OutputFormat): Promise<Uint8Array> {
  return client.outputBytes(id, name, format);
}

/** Follows a job's events until it settles (or is held), then answers its final state. */
async function follow(ctx: CommandContext, client: AosClient, id: string): Promise<Job> {
  try {
    for await (const event of client.events(id)) {
      printEvent(ctx.term, event);
      // The stream of a held job stays open for its review; the operator has all it can see.
      if (event.type === "finished") break;
    }
  } catch (error) {
    // Events are a convenience: if the stream breaks, long polling still gets the outcome.
    if (!(error instanceof ApiError) || error.code !== "NETWORK") throw error;
    ctx.term.err(ctx.term.style.warn("event stream interrupted; waiting for the outcome"));
  }
  return client.waitForJob(id);
}

/** Prints the state of a settled job (stderr), delivers released outputs, answers the exit code. */
async function reportJob(ctx: CommandContext, client: AosClient, job: Job, values: Values): Promise<number> {
  if (job.error) {
    const where = job.error.line === undefined ? "" : ` at line ${job.error.line}`;
    ctx.term.err(
      `${job.error.code} ${job.error.class}${where}${job.error.message ? `: ${job.error.message}` : " (message withheld)"}`,
    );
  }
  if (ctx.json) ctx.printJson(job);
  else if (job.status === "released") {
    const dir = flag(values, "output-dir");
    const format = formatOf(values);
    if (dir !== undefined && job.receipt) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "receipt.json"), `${JSON.stringify(job.receipt)}\n`);
      ctx.term.err(`wrote ${join(dir, "receipt.json")} (verify with: aos receipt verify)`);
    }
    await deliverOutputs(
      ctx.term,
      Object.keys(job.outputs ?? {}),
      format,
      (name) => fetchServed(client, job.id, name, format),
      dir,
    );
  } else if (job.status === "held") {
    ctx.term.err("the outputs are held for review by the bureau; `aos job ID` shows the outcome later");
  } else if (job.status === "queued" || job.status === "running") {
    ctx.term.err(`still ${job.status}; follow it with \`aos job ${job.id} --wait\``);
  }
  return ["rejected", "failed", "cancelled"].includes(job.status) ? EXIT.failed : EXIT.ok;
}

const submit: Command = {
  name: "submit",
  role: "operator",
  summary: "Submit a script under a license; with --wait, follow it and fetch the released outputs",
  usage:
    "aos submit SCRIPT --license L [--purpose P] [--wait] [--output-dir DIR] [--format csv|json|arrow] [--idempotency-key K]",
  options: {
    license: { type: "string" },
    purpose: { type: "string" },
    wait: { type: "boolean", default: false },
    "output-dir": { type: "string" },
    format: { type: "string" },
    "idempotency-key": { type: "string" },
  },
  async run(ctx, values, [path]) {
    const { script, language } = await readScript(path);
    formatOf(values);
    const license = flag(values, "license") ?? (await ctx.config()).license;
    if (!license)
      throw new UsageError("--license is required (or AOS_LICENSE, or license in the config file)");
    const client = await ctx.client();
    const purpose = flag(values, "purpose");
    const job = await client.submitJob(
      { script, language, license, ...(purpose ? { purpose } : {}) },
      { idempotencyKey: flag(values, "idempotency-key") ?? randomUUID() },
    );
    ctx.term.err(`submitted ${job.id}`);
    if (values.wait !== true && flag(values, "output-dir") === undefined) {
      if (ctx.json) ctx.printJson(job);
      else ctx.term.out(`${job.id}\n`);
      return EXIT.ok;
    }
    return reportJob(ctx, client, await follow(ctx, client, job.id), values);
  },
};

const jobs: Command = {
  name: "jobs",
  role: "operator",
  summary: "Your jobs, newest first (the bureau sees every job)",
  usage: "aos jobs [--status S] [--limit N] [--cursor C]",
  options: { status: { type: "string" }, limit: { type: "string" }, cursor: { type: "string" } },
  async run(ctx, values) {
    const client = await ctx.client();
    const status = flag(values, "status") as Job["status"] | undefined;
    const limit = positiveInt(values, "limit", 50, 500);
    const cursor = flag(values, "cursor");
    const page = await client.jobsPage({
      ...(status ? { status } : {}),
      limit,
      ...(cursor ? { cursor } : {}),
    });
    const list = page.jobs;
    if (page.next)
      ctx.term.err(
        `more jobs: aos jobs${status ? ` --status ${status}` : ""} --limit ${limit} --cursor ${page.next}`,
      );
    if (ctx.json) ctx.printJson(list);
    else
      ctx.term.out(
        `${table([
          ["ID", "STATUS", "LICENSE", "SUBMITTED", "QUERIES", "GATE"],
          ...list.map((j) => [
            j.id,
            j.status,
            j.license,
            j.submittedAt,
            String(j.usage?.queries ?? ""),
            j.decision?.reasons.map((r) => r.code).join(",") ?? "",
          ]),
        ])}\n`,
      );
    return EXIT.ok;
  },
};

const job: Command = {
  name: "job",
  role: "operator",
  summary: "One job: status, gate reasons, usage; released outputs to stdout or --output-dir",
  usage: "aos job ID [--wait] [--output-dir DIR] [--format csv|json|arrow]",
  options: {
    wait: { type: "boolean", default: false },
    "output-dir": { type: "string" },
    format: { type: "string" },
  },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the job");
    const client = await ctx.client();
    const found = values.wait === true ? await client.waitForJob(id) : await client.job(id);
    if (!ctx.json) {
      ctx.term.err(`${found.id}: ${found.status} (license ${found.license}, submitted ${found.submittedAt})`);
      if (found.decision) printEvent(ctx.term, { type: "gate", data: found.decision });
      if (found.usage) {
        const eps = Object.entries(found.usage.epsilon)
          .map(([d, e]) => `${d} ε ${e}`)
          .join(", ");
        ctx.term.err(
          ctx.term.style.dim(
            `usage: ${found.usage.queries} queries, ${found.usage.cpuMs} ms CPU, ${found.usage.outputCells} cells${eps ? `, ${eps}` : ""}`,
          ),
        );
      }
      if (
        found.status !== "released" ||
        (values.wait !== true &&
          flag(values, "output-dir") === undefined &&
          flag(values, "format") === undefined)
      ) {
        if (found.status === "released")
          ctx.term.err(
            `outputs: ${Object.keys(found.outputs ?? {}).join(", ")} (add --format or --output-dir to fetch)`,
          );
        return ["rejected", "failed", "cancelled"].includes(found.status) ? EXIT.failed : EXIT.ok;
      }
    }
    return reportJob(ctx, client, found, values);
  },
};

const output: Command = {
  name: "output",
  role: "operator",
  summary: "Download one released output",
  usage: "aos output JOB NAME [--format csv|json|arrow] [--output-dir DIR]",
  options: { format: { type: "string" }, "output-dir": { type: "string" } },
  async run(ctx, values, [id, name]) {
    if (!id || !name) throw new UsageError("name the job and the output");
    const client = await ctx.client();
    const format = formatOf(values, ctx.json ? "json" : "csv");
    await deliverOutputs(
      ctx.term,
      [name],
      format,
      (n) => fetchServed(client, id, n, format),
      flag(values, "output-dir"),
    );
    return EXIT.ok;
  },
};

const cancel: Command = {
  name: "cancel",
  role: "operator",
  summary: "Cancel a queued or running job",
  usage: "aos cancel ID",
  options: {},
  async run(ctx, _values, [id]) {
    if (!id) throw new UsageError("name the job");
    const cancelled = await (await ctx.client()).cancelJob(id);
    if (ctx.json) ctx.printJson(cancelled);
    else ctx.term.err(`${cancelled.id}: ${cancelled.status}`);
    return EXIT.ok;
  },
};

const licenses: Command = {
  name: "licenses",
  role: "any",
  summary: "Licenses you hold (the bureau and auditors: all), with their datasets and window",
  usage: "aos licenses [--operator ID] [--status S]",
  options: { operator: { type: "string" }, status: { type: "string" } },
  async run(ctx, values) {
    const operator = flag(values, "operator");
    const status = flag(values, "status") as "active" | undefined;
    const list = await (await ctx.client()).licenses({
      ...(operator ? { operator } : {}),
      ...(status ? { status } : {}),
    });
    if (ctx.json) ctx.printJson(list);
    else
      ctx.term.out(
        `${table([
          ["ID", "STATUS", "OPERATOR", "PURPOSE", "VALID TO", "RELEASE", "DATASETS"],
          ...list.map((l) => [
            l.license.id,
            l.status,
            l.license.operator,
            l.license.purpose,
            l.license.validTo,
            l.license.releaseMode,
            l.license.datasets.map((d) => d.name).join(","),
          ]),
        ])}\n`,
      );
    return EXIT.ok;
  },
};

const budget: Command = {
  name: "budget",
  role: "operator",
  summary: "Privacy budget (ε) spent and left per license and dataset in the current period",
  usage: "aos budget [--license L]",
  options: { license: { type: "string" } },
  async run(ctx, values) {
    const client = await ctx.client();
    const id = flag(values, "license");
    const views = id ? [await client.license(id)] : await client.licenses();
    const rows = views.flatMap((v) => v.budget.map((b) => ({ license: v.license.id, ...b })));
    if (ctx.json) ctx.printJson(rows);
    else
      ctx.term.out(
        `${table([
          ["LICENSE", "DATASET", "PERIOD", "TOTAL", "SPENT", "LEFT"],
          ...rows.map((r) => [
            r.license,
            r.dataset,
            r.period,
            String(r.total),
            String(r.spent),
            String(r.left),
          ]),
        ])}\n`,
      );
    return EXIT.ok;
  },
};

const usage: Command = {
  name: "usage",
  role: "any",
  summary:
    "Metered use per period, operator, license, dataset and holder department, priced by tariff (an operator sees its own)",
  usage: "aos usage [--from DATE] [--to DATE] [--group-by month|day] [--operator ID]",
  options: {
    from: { type: "string" },
    to: { type: "string" },
    "group-by": { type: "string" },
    operator: { type: "string" },
  },
  async run(ctx, values) {
    const groupBy = flag(values, "group-by");
    if (groupBy !== undefined && groupBy !== "month" && groupBy !== "day")
      throw new UsageError("--group-by is month or day");
    const report = await (await ctx.client()).usage({
      ...(flag(values, "from") ? { from: flag(values, "from") } : {}),
      ...(flag(values, "to") ? { to: flag(values, "to") } : {}),
      ...(flag(values, "operator") ? { operator: flag(values, "operator") } : {}),
      ...(groupBy ? { groupBy } : {}),
    });
    if (ctx.json) {
      ctx.printJson(report);
      return EXIT.ok;
    }
    const n = (x: number) => String(Number(x.toFixed(3)));
    ctx.term.out(
      `${table([
        [
          "PERIOD",
          "OPERATOR",
          "LICENSE",
          "DATASET",
          "HOLDER",
          "JOBS",
          "QUERIES",
          "CPU MS",
          "ROWS SCANNED",
          "BASIS",
          "CELLS OUT",
          "ε",
          "CHARGE CNY",
        ],
        ...report.lines.map((l) => [
          l.period,
          l.operator,
          l.license,
          l.dataset ?? "-",
          l.holder ?? "-",
          String(l.jobs),
          String(l.queries),
          String(l.cpuMs),
          String(l.rowsScanned),
          l.basis,
          String(l.outputCells),
          n(l.epsilon),
          l.charge,
        ]),
      ])}\n`,
    );
    // The JOBS column counts a job on each dataset's line it read; the total counts it once.
    ctx.term.out(`in all: ${report.totals.jobs} jobs, ${report.totals.charge} CNY\n`);
    return EXIT.ok;
  },
};

/** Operator commands. */
export const OPERATOR_COMMANDS: readonly Command[] = [
  datasets,
  dummy,
  run,
  submit,
  jobs,
  job,
  output,
  cancel,
  licenses,
  budget,
  usage,
];
