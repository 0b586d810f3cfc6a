import { z } from "zod";
import { DomainError, describeIssues } from "../policies/errors.ts";
import {
  type ChangeClassification,
  type ChangeEffect,
  classified,
  diffValues,
  type PolicyChange,
  summarise,
} from "../policies/policy-diff.ts";
import { Timestamp } from "../policies/timestamp.ts";
import { isUniqueViolation, type SqlExecutor, type SqlStore } from "../storage/sql-store.ts";
import type { AuditEvent, AuditSink } from "./audit-sink.ts";
import { type Actor, requireActor } from "./authority.ts";
import { keysetPage, mapPage, type Page, type PageRequest } from "./paging.ts";
import { insertProposal, type Proposal } from "./proposal-store.ts";

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
  effectiveFrom: Timestamp,
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

/** The tariff versions, newest first, a page at a time (the tariffs route). */
export async function tariffPage(
  store: Pick<SqlExecutor, "query" | "dialect">,
  page: PageRequest = {},
): Promise<Page<TariffVersion>> {
  const rows = await keysetPage<Row>(store, {
    list: "tariffs",
    select: `SELECT ${COLUMNS} FROM tariffs`,
    order: { key: "version", id: "version", direction: "desc", numericKey: true, numericId: true },
    keyOf: (row) => [Number(row.version), Number(row.version)],
    page,
  });
  return mapPage(rows, toVersion);
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

/** The highest tariff version (possibly scheduled for later), or null before the first. */
export async function latestTariff(store: Pick<SqlExecutor, "query">): Promise<TariffVersion | null> {
  const rows = await store.query<Row>(`SELECT ${COLUMNS} FROM tariffs ORDER BY version DESC LIMIT 1`);
  return rows[0] ? toVersion(rows[0]) : null;
}

const PRICES = [
  "perJob",
  "perCpuSecond",
  "perQuery",
  "perEpsilon",
  "perOutputCell",
  "perThousandRowsScanned",
] as const;

/**
 * What changes from tariff `from` (null: none set yet, so nothing was charged) to `to`, each change
 * classified. Lowering a price or a dataset multiplier loosens (use is metered to control it, and a
 * cut can favour an operator or forgo a holder's earnings); raising only tightens; the note is
 * neutral.
 *
 * @example
 * classifyTariffChange(current, { ...current, perQuery: 0 }).loosens; // true
 */
export function classifyTariffChange(from: Tariff | null, to: Tariff): ChangeClassification {
  const zero = Object.fromEntries(PRICES.map((p) => [p, 0]));
  const base = from ?? ({ currency: "CNY", ...zero, datasetMultipliers: {} } as Tariff);
  const changes: PolicyChange[] = [];
  diffValues(base, to, [], undefined, changes);
  const multiplier = (v: unknown) => Math.max(1, typeof v === "number" ? v : 1);
  return summarise(
    changes.map((change) => {
      let effect: ChangeEffect = "loosens";
      if (change.path === "note") effect = "neutral";
      else if ((PRICES as readonly string[]).includes(change.path)) {
        effect = Number(change.after) >= Number(change.before) ? "tightens" : "loosens";
      } else if (change.path.startsWith("datasetMultipliers.")) {
        effect = multiplier(change.after) >= multiplier(change.before) ? "tightens" : "loosens";
      }
      return classified(change, effect);
    }),
  );
}

/**
 * Inserts `tariff` as the next version in `tx`, in force from `effectiveFrom`, and answers it with
 * its `tariff.set` event.
 */
export async function applyTariffVersion(
  tx: SqlExecutor,
  input: {
    tariff: Tariff;
    author: string;
    effectiveFrom: string;
    previous: TariffVersion | null;
    approval?: { proposal: string; approvedBy: string };
  },
): Promise<{ version: TariffVersion; event: AuditEvent }> {
  const { tariff, previous } = input;
  const version = (previous?.version ?? 0) + 1;
  try {
    await tx.run("INSERT INTO tariffs (version, tariff, effective_from, author) VALUES ($1, $2, $3, $4)", [
      version,
      JSON.stringify(tariff),
      input.effectiveFrom,
      input.author,
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
    version: after,
    event: {
      type: "tariff.set",
      actor: input.approval?.approvedBy ?? input.author,
      subject: {},
      data: {
        version,
        effectiveFrom: input.effectiveFrom,
        ...(input.approval ? { proposal: input.approval.proposal, proposedBy: input.author } : {}),
        ...(previous ? { before: previous.tariff, previousVersion: previous.version } : {}),
        after: tariff,
        changes: classifyTariffChange(previous?.tariff ?? null, tariff).changes,
      },
    },
  };
}

/** A tariff validated by its schema; BAD_REQUEST names the fields that are wrong. */
export function parseTariff(input: unknown): Tariff {
  const parsed = Tariff.safeParse(input);
  if (!parsed.success) {
    throw new DomainError(
      "BAD_REQUEST",
      `invalid tariff: ${describeIssues(parsed.error.issues, "(tariff)")}`,
    );
  }
  return parsed.data;
}

/** What setting a tariff did: the version in force from now, or the proposal awaiting a second officer. */
export type TariffPublication =
  | { readonly status: "set"; readonly version: TariffVersion }
  | { readonly status: "proposed"; readonly proposal: Proposal };

/**
 * Sets a new tariff. One that only raises prices (see `classifyTariffChange`) is in force from now;
 * one that lowers any price or multiplier becomes a proposal a second officer approves
 * (control/proposals.ts). Earlier versions stay, for pricing past jobs.
 */
export async function setTariff(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  actor: Actor,
  input: TariffInput,
  options: { reason?: string; now?: Date } = {},
): Promise<TariffPublication> {
  requireActor(actor, ["bureau"], "set the tariff");
  const tariff = parseTariff(input);
  const now = options.now ?? new Date();
  return store.transaction(async (tx) => {
    const latest = await latestTariff(tx);
    const inForce = tariffInForce(await listTariffs(tx), now.toISOString());
    const diff = classifyTariffChange(latest?.tariff ?? null, tariff);
    if (latest && diff.changes.length === 0) {
      throw new DomainError("CONFLICT", `identical to tariff version ${latest.version}`);
    }
    // A change must also tighten what is in force now, or it would bring a scheduled cut forward.
    const loosensInForce =
      inForce !== null && inForce.version !== latest?.version
        ? classifyTariffChange(inForce.tariff, tariff).loosens
        : false;
    let outcome: { result: TariffPublication; event: AuditEvent };
    if (!diff.loosens && !loosensInForce) {
      const applied = await applyTariffVersion(tx, {
        tariff,
        author: actor.id,
        effectiveFrom: now.toISOString(),
        previous: latest,
      });
      outcome = { result: { status: "set", version: applied.version }, event: applied.event };
    } else {
      const created = await insertProposal(
        tx,
        actor,
        {
          kind: "tariff",
          subject: "tariff",
          document: tariff,
          diff: loosensInForce ? { ...diff, loosens: true } : diff,
          baseVersion: latest?.version ?? null,
          reason: options.reason ?? tariff.note ?? "tariff set without a reason",
          auditSubject: {},
        },
        now,
      );
      outcome = { result: { status: "proposed", proposal: created.proposal }, event: created.event };
    }
    try {
      await audit.appendIn(tx, [outcome.event]);
    } catch (cause) {
      throw new Error(`audit append of ${outcome.event.type} failed; change rolled back`, { cause });
    }
    return outcome.result;
  });
}
