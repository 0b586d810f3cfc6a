import { z } from "zod";
import { type ContributionBasis, formatFen } from "../policies/statement.ts";
import { compareText } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlValue } from "../storage/sql-store.ts";
import type { JobUsage } from "./jobs/model.ts";
import { listTariffs, priceOf, type TariffVersion, tariffInForce } from "./tariffs.ts";

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

/** A share of one whole, in millionths. */
export const PPM = 1_000_000;

/** Figures of use, every one a whole number except ε (a privacy parameter, attributed exactly). */
export interface Metered {
  /** Whole jobs: a job counts once on each line it has a part in. */
  readonly jobs: number;
  /** The jobs' shares attributed to the line, in millionths of a job (a job's shares sum to 1,000,000). */
  readonly sharePpm: number;
  /** Rows of the line's dataset that its jobs' queries scanned (its contribution): never divided. */
  readonly rowsScanned: number;
  /** The jobs' CPU, wall time, queries, rows and bytes into the isolate and output cells, divided by contribution. */
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly queries: number;
  readonly rowsIn: number;
  readonly bytesIn: number;
  readonly outputCells: number;
  /** ε charged to the line's dataset (not divided: each differentially private dataset is charged its own). */
  readonly epsilon: number;
  /** Fen (0.01 CNY) under the tariff in force when each job was submitted, divided by contribution. */
  readonly chargeFen: number;
  /** `chargeFen` in CNY as text, e.g. "12.34". */
  readonly charge: string;
}

/** Use in one period by one operator under one license of one dataset (and so one holder department). */
export interface UsageLine extends Metered {
  readonly period: string;
  readonly operator: string;
  readonly license: string;
  /** Null for jobs that read no dataset. */
  readonly dataset: string | null;
  readonly holder: string | null;
  readonly basis: ContributionBasis;
}

/** Use in one period, over every line of it: each job counts once, whatever it read. */
export interface PeriodUsage extends Metered {
  readonly period: string;
}

/**
 * What a job counts for: one whole job on each line it has a part in (a job that read two datasets
 * is one job of each dataset's line), and one job in its period and in the totals. Lines of one
 * period therefore may add up to more jobs than the period has; every other figure is divided
 * between the lines and adds up exactly.
 */
export interface UsageReport {
  readonly lines: UsageLine[];
  /** Per period, oldest first: what a chart over time shows (whole jobs, each once). */
  readonly periods: PeriodUsage[];
  /** Over the lines; `jobs` counts each job once. */
  readonly totals: Metered;
}

/** One dataset's part of one job. */
export interface JobPart {
  readonly dataset: string | null;
  /** The department holding the dataset under the policy in force when the job was submitted. */
  readonly holder: string | null;
  readonly basis: ContributionBasis;
  readonly sharePpm: number;
  readonly rowsScanned: number;
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly queries: number;
  readonly rowsIn: number;
  readonly bytesIn: number;
  readonly outputCells: number;
  readonly epsilon: number;
  readonly chargeFen: number;
}

/** A finished job's use, priced and divided between the datasets it read. */
export interface MeteredJob {
  readonly id: string;
  readonly operator: string;
  readonly license: string;
  readonly status: string;
  /** RFC 3339 UTC with milliseconds. */
  readonly submittedAt: string;
  /** The tariff version that priced it; null when none was in force (charged nothing). */
  readonly tariffVersion: number | null;
  readonly chargeFen: number;
  /** One per dataset read, in dataset order; one part with a null dataset for a job that read none. */
  readonly parts: readonly JobPart[];
}

/**
 * Divides the whole number `whole` into parts proportional to `weights` by the largest-remainder
 * (Hamilton) method: each part is its quota rounded down, and the units left over go one each to
 * the largest remainders (ties to the earlier weight). The parts always sum exactly to `whole`.
 * Computed in BigInt, so large quantities (fen × rows) lose nothing.
 *
 * @example
 * largestRemainder(100, [1, 1, 1]); // [34, 33, 33]
 * largestRemainder(7, [990, 10]);    // [7, 0]
 */
export function largestRemainder(whole: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(whole) || whole < 0) throw new RangeError("the whole is a non-negative integer");
  if (weights.length === 0) return [];
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0))
    throw new RangeError("weights are non-negative integers");
  const total = weights.reduce((a, b) => a + BigInt(b), 0n);
  if (total === 0n) throw new RangeError("at least one weight is positive");
  const w = BigInt(whole);
  const quotas = weights.map((weight) => w * BigInt(weight));
  const parts = quotas.map((q) => q / total);
  let left = w - parts.reduce((a, b) => a + b, 0n);
  const order = quotas
    .map((q, index) => ({ index, remainder: q % total }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of order) {
    if (left === 0n) break;
    parts[index]! += 1n;
    left -= 1n;
  }
  return parts.map(Number);
}

const round = (value: number, digits = 6) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Prices one job's usage under `tariff` (the version in force at its submission) with `priceOf`,
 * in whole fen, and divides it between the datasets it read in proportion to the rows of each
 * that its queries scanned (largest remainder, so the parts sum to the whole). A job that scanned
 * nothing attributable, or that ran before rows were recorded per dataset, is divided evenly.
 */
export function meterJob(
  usage: JobUsage,
  tariff: TariffVersion | null,
  holderOf: (dataset: string) => string | null = () => null,
): Pick<MeteredJob, "tariffVersion" | "chargeFen" | "parts"> {
  const epsilonTotal = Object.values(usage.epsilon).reduce((a, b) => a + b, 0);
  const datasets = [...new Set(usage.datasets ?? [])].sort(compareText);
  const chargeFen = tariff
    ? Math.round(
        priceOf(
          {
            cpuSeconds: usage.cpuMs / 1000,
            queries: usage.queries,
            epsilon: epsilonTotal,
            outputCells: usage.outputCells,
            rowsScanned: usage.rowsScanned ?? 0,
            datasets,
          },
          tariff.tariff,
        ).total * 100,
      )
    : 0;
  const whole = (n: number) => Math.max(0, Math.round(n));
  if (datasets.length === 0) {
    return {
      tariffVersion: tariff?.version ?? null,
      chargeFen,
      parts: [
        {
          dataset: null,
          holder: null,
          basis: "even",
          sharePpm: PPM,
          rowsScanned: 0,
          cpuMs: whole(usage.cpuMs),
          wallMs: whole(usage.wallMs),
          queries: usage.queries,
          rowsIn: usage.rowsIn,
          bytesIn: usage.bytesIn,
          outputCells: usage.outputCells,
          epsilon: 0,
          chargeFen,
        },
      ],
    };
  }
  const rows = datasets.map((d) => usage.rowsScannedByDataset?.[d] ?? 0);
  const basis: ContributionBasis = rows.some((n) => n > 0) ? "rows_scanned" : "even";
  const weights = basis === "rows_scanned" ? rows : datasets.map(() => 1);
  const split = (n: number) => largestRemainder(whole(n), weights);
  // Without rows recorded per dataset (an older job), its rows scanned are divided like the rest.
  const scanned = basis === "rows_scanned" ? rows : split(usage.rowsScanned ?? 0);
  const share = split(PPM);
  const cpu = split(usage.cpuMs);
  const wall = split(usage.wallMs);
  const queries = split(usage.queries);
  const rowsIn = split(usage.rowsIn);
  const bytesIn = split(usage.bytesIn);
  const cells = split(usage.outputCells);
  const charge = split(chargeFen);
  return {
    tariffVersion: tariff?.version ?? null,
    chargeFen,
    parts: datasets.map((dataset, i) => ({
      dataset,
      holder: holderOf(dataset),
      basis,
      sharePpm: share[i]!,
      rowsScanned: scanned[i]!,
      cpuMs: cpu[i]!,
      wallMs: wall[i]!,
      queries: queries[i]!,
      rowsIn: rowsIn[i]!,
      bytesIn: bytesIn[i]!,
      outputCells: cells[i]!,
      epsilon: usage.epsilon[dataset] ?? 0,
      chargeFen: charge[i]!,
    })),
  };
}

/** An instant as the store writes times: RFC 3339 UTC with milliseconds. */
const instant = (text: string) => new Date(text).toISOString();

/** Which jobs `meteredJobs` reads: submitted in [from, to), of one operator, without held ones. */
export interface MeteredJobFilter {
  readonly operator?: string;
  /** RFC 3339 (a bare date is midnight UTC). */
  readonly from?: string;
  readonly to?: string;
  readonly withoutHeld?: boolean;
}

/**
 * Every job with recorded usage that `filter` selects, metered (see `meterJob`), oldest
 * submission first. Figures come from the jobs' recorded usage and the tariff versions alone, so
 * the same jobs always meter the same, on any node and after any restart.
 */
export async function meteredJobs(
  store: Pick<SqlExecutor, "query">,
  filter: MeteredJobFilter = {},
): Promise<MeteredJob[]> {
  const params: SqlValue[] = [];
  const conditions = ["usage IS NOT NULL"];
  const where = (condition: (n: number) => string, value: SqlValue) => {
    params.push(value);
    conditions.push(condition(params.length));
  };
  if (filter.operator !== undefined) where((n) => `operator_id = $${n}`, filter.operator);
  // Times are stored as RFC 3339 UTC text, which compares as the instants it names; the bounds
  // are brought to the same form (a bare date is midnight UTC).
  if (filter.from !== undefined) where((n) => `submitted_at >= $${n}`, instant(filter.from));
  if (filter.to !== undefined) where((n) => `submitted_at < $${n}`, instant(filter.to));
  if (filter.withoutHeld) conditions.push("status <> 'held'");
  const rows = await store.query<{
    id: string;
    operator_id: string;
    license_id: string;
    status: string;
    submitted_at: string;
    usage: string;
  }>(
    `SELECT id, operator_id, license_id, status, submitted_at, usage FROM jobs WHERE ${conditions.join(" AND ")}`,
    params,
  );
  rows.sort((a, b) => compareText(a.submitted_at, b.submitted_at) || compareText(a.id, b.id));
  // Every version, newest first: few enough to price each job in memory.
  const tariffs = await listTariffs(store);
  const holderAt = await holderHistory(store);
  return rows.map((row) => {
    const submittedAt = instant(row.submitted_at);
    return {
      id: row.id,
      operator: row.operator_id,
      license: row.license_id,
      status: row.status,
      submittedAt,
      ...meterJob(JSON.parse(row.usage) as JobUsage, tariffInForce(tariffs, submittedAt), (dataset) =>
        holderAt(dataset, submittedAt),
      ),
    };
  });
}

/**
 * Who held each dataset when: its policy versions' holder departments with the times they took
 * effect. A job's use is attributed to the department that held the data when it was submitted,
 * so moving a dataset to another department later changes no past month.
 */
async function holderHistory(
  store: Pick<SqlExecutor, "query">,
): Promise<(dataset: string, at: string) => string | null> {
  const rows = await store.query<{
    dataset: string;
    version: number;
    effective_from: string;
    manifest: string;
  }>("SELECT dataset, version, effective_from, manifest FROM dataset_versions");
  const history = new Map<string, { from: string; holder: string | null }[]>();
  for (const row of rows.sort((a, b) => Number(b.version) - Number(a.version))) {
    const manifest = JSON.parse(row.manifest) as { holder?: { department?: string } };
    const versions = history.get(row.dataset) ?? [];
    versions.push({ from: instant(row.effective_from), holder: manifest.holder?.department ?? null });
    history.set(row.dataset, versions);
  }
  // Newest version first: the first one effective by `at` is the one in force. A job older than a
  // dataset's first version (a domain upgraded from a release that kept no versions) is its first holder's.
  return (dataset, at) => {
    const versions = history.get(dataset) ?? [];
    return (versions.find((v) => v.from <= at) ?? versions.at(-1))?.holder ?? null;
  };
}

type Sums = Omit<Metered, "charge">;
const ZERO: Sums = {
  jobs: 0,
  sharePpm: 0,
  rowsScanned: 0,
  cpuMs: 0,
  wallMs: 0,
  queries: 0,
  rowsIn: 0,
  bytesIn: 0,
  outputCells: 0,
  epsilon: 0,
  chargeFen: 0,
};

function addPart(sums: Sums, part: JobPart, jobs: number): Sums {
  return {
    jobs: sums.jobs + jobs,
    sharePpm: sums.sharePpm + part.sharePpm,
    rowsScanned: sums.rowsScanned + part.rowsScanned,
    cpuMs: sums.cpuMs + part.cpuMs,
    wallMs: sums.wallMs + part.wallMs,
    queries: sums.queries + part.queries,
    rowsIn: sums.rowsIn + part.rowsIn,
    bytesIn: sums.bytesIn + part.bytesIn,
    outputCells: sums.outputCells + part.outputCells,
    epsilon: sums.epsilon + part.epsilon,
    chargeFen: sums.chargeFen + part.chargeFen,
  };
}

const finish = (sums: Sums): Metered => ({
  ...sums,
  epsilon: round(sums.epsilon),
  charge: formatFen(sums.chargeFen),
});

/**
 * Metering: every finished job's usage, priced under the tariff in force at its submission, and
 * attributed to the datasets it read — the holder departments whose data was used — by
 * contribution (see `meterJob` and docs/settlement.md). Every figure is a whole number (ε aside),
 * and the lines add up exactly to the totals.
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
  const jobs = await meteredJobs(store, {
    ...(operator === undefined ? {} : { operator }),
    ...(query.from === undefined ? {} : { from: query.from }),
    ...(query.to === undefined ? {} : { to: query.to }),
    // A held job's use (rows read, say) can say what it read: its operator sees it once it is decided.
    withoutHeld: scope.operatorId !== undefined,
  });
  const lines = new Map<string, { key: Omit<UsageLine, keyof Metered>; sums: Sums }>();
  const periods = new Map<string, Sums>();
  let totals = ZERO;
  for (const job of jobs) {
    const period = query.groupBy === "day" ? job.submittedAt.slice(0, 10) : job.submittedAt.slice(0, 7);
    let counted = false;
    for (const part of job.parts) {
      const holder = part.holder;
      // A department sees the use of its own datasets only, not what else its users' jobs read.
      if (scope.holderDepartment !== undefined && holder !== scope.holderDepartment) continue;
      totals = addPart(totals, part, counted ? 0 : 1);
      periods.set(period, addPart(periods.get(period) ?? ZERO, part, counted ? 0 : 1));
      counted = true;
      const id = JSON.stringify([period, job.operator, job.license, part.dataset, part.basis]);
      const before = lines.get(id);
      lines.set(id, {
        key: before?.key ?? {
          period,
          operator: job.operator,
          license: job.license,
          dataset: part.dataset,
          holder,
          basis: part.basis,
        },
        sums: addPart(before?.sums ?? ZERO, part, 1),
      });
    }
  }
  return {
    lines: [...lines.values()].map(({ key, sums }) => ({ ...key, ...finish(sums) })),
    periods: [...periods.entries()]
      .sort(([a], [b]) => compareText(a, b))
      .map(([period, sums]) => ({ period, ...finish(sums) })),
    totals: finish(totals),
  };
}
