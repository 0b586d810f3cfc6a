import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import { isUniqueViolation, type SqlExecutor, type SqlStore } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import { auditedChange } from "./audited-change.ts";

const price = z.number().nonnegative().max(1_000_000);

/**
 * The bureau's price list for use of the domain (数据可控可计量): unit prices in CNY per resource
 * a job consumes, and per-dataset multipliers (a grade 3 dataset may cost more than open data).
 */
export const Tariff = z
  .object({
    currency: z.literal("CNY"),
    perJob: price.default(0),
    perCpuSecond: price,
    perQuery: price,
    /** Per unit of ε spent from privacy budgets. */
    perEpsilon: price,
    perOutputCell: price,
    perThousandRowsScanned: price,
    /** Multiplier of a job's price when it touches the dataset; the largest of the touched datasets applies. */
    datasetMultipliers: z
      .record(z.string().regex(/^[a-z][a-z0-9_]{0,62}$/), z.number().positive().max(100))
      .default({}),
    note: z.string().max(2000).optional(),
  })
  .strict();
export type Tariff = z.infer<typeof Tariff>;
export type TariffInput = z.input<typeof Tariff>;

/** What a job consumed, as metering reports it. */
export interface Usage {
  readonly cpuSeconds: number;
  readonly queries: number;
  readonly epsilon: number;
  readonly outputCells: number;
  readonly rowsScanned: number;
  /** Datasets the job touched (for multipliers). */
  readonly datasets?: readonly string[];
}

export const PriceLine = z.object({
  item: z.enum(["job", "cpu_seconds", "queries", "epsilon", "output_cells", "thousand_rows_scanned"]),
  quantity: z.number(),
  unitPrice: z.number(),
  amount: z.number(),
});
export const Price = z.object({
  currency: z.literal("CNY"),
  lines: z.array(PriceLine),
  multiplier: z.number(),
  /** Rounded to the fen (0.01 CNY). */
  total: z.number(),
});
export type Price = z.infer<typeof Price>;

/**
 * The price of one job's usage under a tariff: the sum of quantity × unit price over the metered
 * items, times the largest multiplier among the datasets the job touched, rounded to the fen.
 *
 * @example
 * priceOf({ cpuSeconds: 2, queries: 3, epsilon: 1, outputCells: 40, rowsScanned: 10_000 }, tariff).total
 */
export function priceOf(usage: Usage, tariff: Tariff): Price {
  const lines: z.infer<typeof PriceLine>[] = [
    line("job", 1, tariff.perJob),
    line("cpu_seconds", usage.cpuSeconds, tariff.perCpuSecond),
    line("queries", usage.queries, tariff.perQuery),
    line("epsilon", usage.epsilon, tariff.perEpsilon),
    line("output_cells", usage.outputCells, tariff.perOutputCell),
    line("thousand_rows_scanned", usage.rowsScanned / 1000, tariff.perThousandRowsScanned),
  ];
  const multiplier = Math.max(1, ...(usage.datasets ?? []).map((d) => tariff.datasetMultipliers[d] ?? 1));
  const sum = lines.reduce((acc, l) => acc + l.amount, 0);
  return { currency: "CNY", lines, multiplier, total: Math.round(sum * multiplier * 100) / 100 };
}

function line(item: z.infer<typeof PriceLine>["item"], quantity: number, unitPrice: number) {
  if (!(quantity >= 0) || !Number.isFinite(quantity)) {
    throw new RangeError(`usage ${item} must be a finite non-negative number`);
  }
  return { item, quantity, unitPrice, amount: quantity * unitPrice };
}

export const TariffVersion = z.object({
  version: z.number().int(),
  tariff: Tariff,
  effectiveFrom: z.string(),
  author: z.string(),
});
export type TariffVersion = z.infer<typeof TariffVersion>;

type Row = { version: number; tariff: string; effective_from: string; author: string };
const COLUMNS = "version, tariff, effective_from, author";
const toVersion = (row: Row): TariffVersion => ({
  version: row.version,
  tariff: Tariff.parse(JSON.parse(row.tariff)),
  effectiveFrom: row.effective_from,
  author: row.author,
});

/** Every tariff version, newest first. */
export async function listTariffs(store: Pick<SqlExecutor, "query">): Promise<TariffVersion[]> {
  return (await store.query<Row>(`SELECT ${COLUMNS} FROM tariffs ORDER BY version DESC`)).map(toVersion);
}

/**
 * The tariff in force at `at` (the latest version effective by then), or null if none was set yet.
 * Metering prices a job under the tariff in force when it was submitted.
 */
export async function tariffAt(store: Pick<SqlExecutor, "query">, at: Date): Promise<TariffVersion | null> {
  return tariffInForce(await listTariffs(store), at.toISOString());
}

/** Of `versions` (newest first, as `listTariffs` gives them), the one in force at `at` (RFC 3339). */
export function tariffInForce(versions: readonly TariffVersion[], at: string): TariffVersion | null {
  // RFC 3339 UTC text in one format compares as the instants it names.
  return versions.find((v) => new Date(v.effectiveFrom).toISOString() <= new Date(at).toISOString()) ?? null;
}

/** Sets a new tariff version, in force from now; the previous versions stay for pricing past jobs. */
export async function setTariff(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  actor: string,
  input: TariffInput,
): Promise<TariffVersion> {
  const parsed = Tariff.safeParse(input);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".") || "(tariff)");
    throw new DomainError("BAD_REQUEST", `invalid tariff: ${[...new Set(fields)].join(", ")}`);
  }
  const tariff = parsed.data;
  return auditedChange(store, audit, async (tx) => {
    const previous = (await tx.query<Row>(`SELECT ${COLUMNS} FROM tariffs ORDER BY version DESC LIMIT 1`))[0];
    const version = (previous?.version ?? 0) + 1;
    try {
      await tx.run("INSERT INTO tariffs (version, tariff, effective_from, author) VALUES ($1, $2, $3, $4)", [
        version,
        JSON.stringify(tariff),
        new Date().toISOString(),
        actor,
      ]);
    } catch (error) {
      // Another node set this version first: the bureau sees the new tariff and decides again.
      if (isUniqueViolation(error))
        throw new DomainError("CONFLICT", `tariff version ${version} was set meanwhile`);
      throw error;
    }
    const after = toVersion(
      (await tx.query<Row>(`SELECT ${COLUMNS} FROM tariffs WHERE version = $1`, [version]))[0]!,
    );
    return {
      result: after,
      event: {
        type: "tariff.set",
        actor,
        subject: {},
        data: {
          version,
          ...(previous ? { before: toVersion(previous).tariff, previousVersion: previous.version } : {}),
          after: tariff,
        },
      },
    };
  });
}
