import { z } from "zod";
import { compareText } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlValue } from "../storage/sql-store.ts";
import { currentCatalog } from "./catalog.ts";
import type { JobUsage } from "./jobs/model.ts";
import { listTariffs, priceOf, tariffInForce } from "./tariffs.ts";

const Instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

export const UsageQuery = z
  .object({
    from: Instant.optional(),
    to: Instant.optional(),
    groupBy: z.enum(["day", "month"]).default("month"),
    /** Bureau and auditors: one operator's use only. */
    operator: z.string().min(1).max(100).optional(),
  })
  .strict();
export type UsageQuery = z.infer<typeof UsageQuery>;

/** Use in one period by one operator under one license of one dataset (and so one holder department). */
export interface UsageLine {
  readonly period: string;
  readonly operator: string;
  readonly license: string;
  /** Null for jobs that read no dataset. */
  readonly dataset: string | null;
  readonly holder: string | null;
  readonly jobs: number;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  readonly queries: number;
  readonly rowsScanned: number;
  readonly rowsIn: number;
  readonly bytesIn: number;
  readonly outputCells: number;
  readonly epsilon: number;
  /** CNY under the tariff in force when each job was submitted. */
  readonly charge: number;
}

export interface UsageReport {
  readonly lines: UsageLine[];
  readonly totals: Omit<UsageLine, "period" | "operator" | "license" | "dataset" | "holder">;
}

type Metered = Omit<UsageLine, "period" | "operator" | "license" | "dataset" | "holder">;
const ZERO: Metered = {
  jobs: 0,
  cpuSeconds: 0,
  wallSeconds: 0,
  queries: 0,
  rowsScanned: 0,
  rowsIn: 0,
  bytesIn: 0,
  outputCells: 0,
  epsilon: 0,
  charge: 0,
};

function add(a: Metered, b: Metered): Metered {
  return Object.fromEntries(
    Object.keys(ZERO).map((k) => [k, a[k as keyof Metered] + b[k as keyof Metered]]),
  ) as unknown as Metered;
}

const round = (value: number, digits = 6) => Math.round(value * 10 ** digits) / 10 ** digits;

/** An instant as the store writes times: RFC 3339 UTC with milliseconds. */
const instant = (text: string) => new Date(text).toISOString();

/**
 * Metering: every finished job's usage, priced under the tariff in force at its submission, and
 * attributed to the datasets it read — the holder departments whose data was used, the basis for
 * sharing revenue by contribution. A job reading several datasets splits its resource use and
 * charge evenly between them; ε is attributed exactly, per dataset charged.
 */
export async function usageReport(
  store: Pick<SqlExecutor, "query">,
  query: UsageQuery,
  scope: {
    readonly operatorId?: string;
    /** A holder department's view: only the lines of the datasets it holds, totals over those. */
    readonly holderDepartment?: string;
  } = {},
): Promise<UsageReport> {
  const operator = scope.operatorId ?? query.operator;
  const params: SqlValue[] = [];
  const conditions = ["usage IS NOT NULL"];
  const where = (condition: (n: number) => string, value: SqlValue) => {
    params.push(value);
    conditions.push(condition(params.length));
  };
  if (operator !== undefined) where((n) => `operator_id = $${n}`, operator);
  // Times are stored as RFC 3339 UTC text, which compares as the instants it names; the bounds
  // are brought to the same form (a bare date is midnight UTC).
  if (query.from !== undefined) where((n) => `submitted_at >= $${n}`, instant(query.from));
  if (query.to !== undefined) where((n) => `submitted_at < $${n}`, instant(query.to));
  // A held job's use (rows read, say) can say what it read: its operator sees it once it is decided.
  if (scope.operatorId !== undefined) conditions.push("status <> 'held'");
  const rows = await store.query<{
    id: string;
    operator_id: string;
    license_id: string;
    submitted_at: string;
    usage: string;
  }>(
    `SELECT id, operator_id, license_id, submitted_at, usage FROM jobs WHERE ${conditions.join(" AND ")}`,
    params,
  );
  rows.sort((a, b) => compareText(a.submitted_at, b.submitted_at) || compareText(a.id, b.id));
  const holders = new Map(
    (await currentCatalog(store)).map((e) => [e.manifest.name, e.manifest.holder.department]),
  );
  // Every version, newest first: few enough to price each job in memory.
  const tariffs = await listTariffs(store);
  const lines = new Map<string, UsageLine>();
  let totals = ZERO;
  const holderView = scope.holderDepartment !== undefined;
  for (const row of rows) {
    const usage = JSON.parse(row.usage) as JobUsage;
    const submittedAt = instant(row.submitted_at);
    const tariff = tariffInForce(tariffs, submittedAt);
    const epsilonTotal = Object.values(usage.epsilon).reduce((a, b) => a + b, 0);
    const charge = tariff
      ? priceOf(
          {
            cpuSeconds: usage.cpuMs / 1000,
            queries: usage.queries,
            epsilon: epsilonTotal,
            outputCells: usage.outputCells,
            rowsScanned: usage.rowsScanned ?? 0,
            datasets: usage.datasets ?? [],
          },
          tariff.tariff,
        ).total
      : 0;
    const job: Metered = {
      jobs: 1,
      cpuSeconds: usage.cpuMs / 1000,
      wallSeconds: usage.wallMs / 1000,
      queries: usage.queries,
      rowsScanned: usage.rowsScanned ?? 0,
      rowsIn: usage.rowsIn,
      bytesIn: usage.bytesIn,
      outputCells: usage.outputCells,
      epsilon: epsilonTotal,
      charge,
    };
    if (!holderView) totals = add(totals, job);
    const period = query.groupBy === "day" ? submittedAt.slice(0, 10) : submittedAt.slice(0, 7);
    const datasets: (string | null)[] = usage.datasets?.length ? usage.datasets : [null];
    for (const dataset of datasets) {
      const holder = dataset === null ? null : (holders.get(dataset) ?? null);
      // A department sees the use of its own datasets only, not what else its users' jobs read.
      if (holderView && holder !== scope.holderDepartment) continue;
      const share = 1 / datasets.length;
      const part: Metered = {
        jobs: share,
        cpuSeconds: job.cpuSeconds * share,
        wallSeconds: job.wallSeconds * share,
        queries: job.queries * share,
        rowsScanned: dataset === null ? 0 : job.rowsScanned * share,
        rowsIn: job.rowsIn * share,
        bytesIn: job.bytesIn * share,
        outputCells: job.outputCells * share,
        epsilon: dataset === null ? 0 : (usage.epsilon[dataset] ?? 0),
        charge: job.charge * share,
      };
      if (holderView) totals = add(totals, part);
      const key = JSON.stringify([period, row.operator_id, row.license_id, dataset]);
      const before = lines.get(key);
      const sum = add(before ?? ZERO, part);
      lines.set(key, {
        period,
        operator: row.operator_id,
        license: row.license_id,
        dataset,
        holder,
        ...sum,
      });
    }
  }
  const rounded = (m: Metered): Metered =>
    Object.fromEntries(
      Object.keys(ZERO).map((k) => [k, round(m[k as keyof Metered], k === "charge" ? 2 : 6)]),
    ) as unknown as Metered;
  return {
    lines: [...lines.values()].map((line) => ({ ...line, ...rounded(line) })),
    totals: rounded(totals),
  };
}
