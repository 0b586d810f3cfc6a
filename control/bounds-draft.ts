import {
  type BoundCalibration,
  type BucketHistogram,
  boundCandidates,
  calibrateUpperBound,
  capCandidates,
  DEFAULT_MAX_CLAMPED_SHARE,
} from "../policies/bounds-calibration.ts";
import { sqlNumber } from "../policies/clamp.ts";
import { DomainError } from "../policies/errors.ts";
import { type ColumnManifest, DatasetManifest } from "../policies/manifest.ts";
import { seededUniformInt } from "../policies/noise.ts";
import type { DataDomain } from "../storage/data-domain.ts";
import type { SqlExecutor } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import { type Actor, requireActor } from "./authority.ts";
import { latestPolicyVersion } from "./policy-versions.ts";

/**
 * Drafting a dataset's clamp bounds from its data (bureau), for review and publication as its next
 * policy version, in the manner of the dummy-shape draft: nothing changes until two officers publish
 * it. Each numeric `aggregate` column of a dataset with a privacy unit gets an upper bound drafted
 * by `calibrateUpperBound` (policies/bounds-calibration.ts): the smallest round number that leaves
 * at most a stated share of the column's total above it, estimated with ε-DP noise. A dataset whose
 * units have several rows first gets its cap on them (`maxContributionsPerUnit`) drafted the same
 * way, as the smallest cap that leaves out at most that share of its rows: the rows beyond a cap
 * are what biases every count, sum and mean low, and the cap is what scales their noise.
 *
 * The noise is drawn from the domain's secret salt and the exact histogram it is added to: drafting
 * again from the same data gives the same draft (asking again teaches nothing new, so ε is spent
 * once per state of the data); another state of the data gets fresh noise. Every draft is in the
 * audit log with the ε it spends.
 */

/** ε a draft spends per bound (a column's upper bound, a unit total's) unless the officer says otherwise. */
export const DEFAULT_CALIBRATION_EPSILON = 0.2;
/** The most ε an officer may spend on one bound's draft. */
export const MAX_CALIBRATION_EPSILON = 1;

/** A column's bounds as a manifest declares them (`unitMax` optional). */
export interface ColumnBounds {
  readonly min: number;
  readonly max: number;
  readonly unitMax?: number;
}

export interface BoundsDraftColumn {
  readonly column: string;
  readonly declared: ColumnBounds;
  /** The drafted bounds: the declared lower bound, the calibrated upper one and unit total. */
  readonly drafted: ColumnBounds;
  /** Estimated share of the column's total the drafted upper bound clamps away (its bias). */
  readonly clampedShare: number;
  /** Why the declared bound was kept, when it was. */
  readonly kept: string | null;
  /**
   * The draft of `unitMax`, for a dataset whose units have several rows (null otherwise): the
   * estimated share of the units' totals it clamps away, and why none was drafted, when none was.
   */
  readonly unitTotal: { readonly clampedShare: number; readonly kept: string | null } | null;
}

/** The draft of a dataset's cap on the rows one unit adds (`maxContributionsPerUnit`). */
export interface ContributionCapDraft {
  readonly declared: number;
  /** The drafted cap: the declared one when it was kept. */
  readonly drafted: number;
  /** Estimated share of the dataset's rows the drafted cap leaves out (its bias; 0 when kept). */
  readonly clampedShare: number;
  /** Why the declared cap was kept, when it was. */
  readonly kept: string | null;
}

/** What a dataset's calibration drafts: its cap (units with several rows only) and its columns' bounds. */
export interface DatasetCalibration {
  readonly contributionCap: ContributionCapDraft | null;
  readonly columns: BoundsDraftColumn[];
}

export interface BoundsDraft {
  readonly dataset: string;
  readonly basedOnVersion: number;
  /** ε spent per drafted bound (the cap, a column's upper bound, its unit total's: each a release). */
  readonly epsilon: number;
  readonly maxClampedShare: number;
  /** The cap's draft; null for a dataset of one row per unit. */
  readonly contributionCap: ContributionCapDraft | null;
  readonly columns: BoundsDraftColumn[];
  /** That version's manifest with the drafted bounds. */
  readonly manifest: DatasetManifest;
}

export interface BoundsDraftDeps {
  readonly store: Pick<SqlExecutor, "query">;
  readonly dataDomain: Pick<DataDomain, "connect">;
  readonly audit: Pick<AuditSink, "append">;
  /** The domain's noise salt (`noiseSaltOf` in domain-key.ts): the same on every node. */
  readonly noiseSalt: Uint8Array;
}

export interface BoundsDraftRequest {
  readonly epsilon?: number;
  readonly maxClampedShare?: number;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|DOUBLE|FLOAT|REAL|DECIMAL)/;

/** Whether a column's upper bound can be drafted: a bounded numeric aggregate column, not negative. */
function calibrable(column: ColumnManifest): column is ColumnManifest & { bounds: ColumnBounds } {
  return column.rule === "aggregate" && NUMERIC.test(column.type) && column.bounds !== undefined;
}

/**
 * The SQL of the histogram: the column's non-null values of rows with a unit, each unit's rows cut
 * to the cap (by a hash of the value, as any cut would do: the histogram's sensitivity rests on the
 * cap, not on which rows are kept), clamped to [lo, rowMax]; with `perUnit`, each unit's total of
 * those instead (one value a unit). Those values, clamped to the last edge, are counted and summed
 * per bucket. Names are manifest identifiers (lower snake case, checked by the manifest schema).
 */
/** The bucket of `__v`: b for values in (edges[b-1], edges[b]], the last for everything above. */
function bucketCase(edges: readonly number[]): string {
  return `CASE ${edges
    .slice(0, -1)
    .map((edge, b) => `WHEN __v <= ${sqlNumber(edge)} THEN ${b}`)
    .join(" ")} ELSE ${edges.length - 1} END`;
}

function histogramSql(
  table: string,
  unit: string,
  column: string,
  range: { readonly lo: number; readonly rowMax: number },
  edges: readonly number[],
  cap: number,
  perUnit: boolean,
): string {
  const top = sqlNumber(edges[edges.length - 1]!);
  const values = perUnit
    ? `SELECT least(sum(__r), ${top}) AS __v FROM __rows GROUP BY __u`
    : `SELECT least(__r, ${top}) AS __v FROM __rows`;
  return `WITH __kept AS (SELECT "${unit}" AS __u, CAST("${column}" AS DOUBLE) AS __x FROM main."${table}"
      WHERE "${unit}" IS NOT NULL AND "${column}" IS NOT NULL
      QUALIFY row_number() OVER (PARTITION BY "${unit}" ORDER BY hash("${column}")) <= ${cap}),
    __rows AS (SELECT __u, least(greatest(__x, ${sqlNumber(range.lo)}), ${sqlNumber(range.rowMax)}) AS __r FROM __kept),
    __values AS (${values})
    SELECT ${bucketCase(edges)} AS bucket, count(*) AS n, sum(__v) AS s FROM __values GROUP BY bucket`;
}

/**
 * The SQL of the cap's histogram: each unit's number of rows, cut at the last edge, counted and
 * summed per bucket (a unit is one value, adding at most its bucket's edge to that bucket's sum).
 */
function capHistogramSql(table: string, unit: string, edges: readonly number[]): string {
  return `WITH __values AS (SELECT least(count(*), ${sqlNumber(edges[edges.length - 1]!)}) AS __v
      FROM main."${table}" WHERE "${unit}" IS NOT NULL GROUP BY "${unit}")
    SELECT ${bucketCase(edges)} AS bucket, count(*) AS n, sum(__v) AS s FROM __values GROUP BY bucket`;
}

/** The true histogram `sql` reads, in buckets of `edges`. */
async function readHistogram(
  connection: Awaited<ReturnType<DataDomain["connect"]>>,
  sql: string,
  edges: readonly number[],
): Promise<BucketHistogram> {
  const reader = await connection.runAndReadAll(sql);
  const counts = edges.map(() => 0);
  const sums = edges.map(() => 0);
  for (const [bucket, n, s] of reader.getRows()) {
    counts[Number(bucket)] = Number(n);
    sums[Number(bucket)] = Number(s);
  }
  return { edges, counts, sums };
}

/** `manifest` with its drafted cap and each drafted column's bounds in place of the declared ones. */
export function withDraftedBounds(
  manifest: DatasetManifest,
  calibration: DatasetCalibration,
): DatasetManifest {
  const bounds = new Map(calibration.columns.map((d) => [d.column, d.drafted]));
  const columns = manifest.columns.map((c) =>
    bounds.has(c.name) ? { ...c, bounds: bounds.get(c.name)! } : c,
  );
  const cap = calibration.contributionCap;
  // Parsed again: a draft the manifest schema would refuse is a fault here, not a proposal to make.
  return DatasetManifest.parse({
    ...manifest,
    ...(cap ? { maxContributionsPerUnit: cap.drafted } : {}),
    columns,
  });
}

/**
 * The most a drafted cap may be: five times the declared one, and at least 50 rows. The noise of
 * the histogram's sums grows with its top edge, so a ceiling far above the data's rows would blur
 * what the draft can tell about the caps that matter.
 */
const capCeiling = (declared: number): number => Math.max(50, 5 * declared);

function checkRequest(request: BoundsDraftRequest): { epsilon: number; maxClampedShare: number } {
  const epsilon = request.epsilon ?? DEFAULT_CALIBRATION_EPSILON;
  const maxClampedShare = request.maxClampedShare ?? DEFAULT_MAX_CLAMPED_SHARE;
  if (!(epsilon > 0 && epsilon <= MAX_CALIBRATION_EPSILON))
    throw new DomainError("BAD_REQUEST", `epsilon must be above 0 and at most ${MAX_CALIBRATION_EPSILON}`);
  if (!(maxClampedShare > 0 && maxClampedShare <= 0.1))
    throw new DomainError("BAD_REQUEST", "maxClampedShare must be above 0 and at most 0.1 (10%)");
  return { epsilon, maxClampedShare };
}

/**
 * Drafts the cap on a unit's rows (units with several rows) and then, under that cap, the upper
 * bound of each bounded numeric aggregate column of `manifest` from the domain's data (the work of
 * `draftCalibratedBounds`, without its checks of who asks and its audit entry: for the benchmark,
 * which drafts from a domain file of its own).
 */
export async function calibrateDataset(
  dataDomain: Pick<DataDomain, "connect">,
  manifest: DatasetManifest,
  noiseSalt: Uint8Array,
  request: { readonly epsilon: number; readonly maxClampedShare: number },
): Promise<DatasetCalibration> {
  const { epsilon, maxClampedShare } = request;
  const dataset = manifest.name;
  if (manifest.privacyUnit === null || manifest.maxContributionsPerUnit === undefined)
    throw new DomainError(
      "BAD_REQUEST",
      `${dataset} has no privacy unit: its figures are exact, and bounds add no noise to draft against`,
    );
  const targets = manifest.columns.filter(calibrable);
  const declaredCap = manifest.maxContributionsPerUnit;
  if (targets.length === 0 && declaredCap === 1)
    throw new DomainError(
      "BAD_REQUEST",
      `${dataset} has one row per unit and no numeric aggregate column with declared bounds: nothing to draft`,
    );
  const drafts: BoundsDraftColumn[] = [];
  const connection = await dataDomain.connect();
  let contributionCap: ContributionCapDraft | null = null;
  try {
    if (declaredCap > 1) {
      // The cap first: the columns' histograms cut each unit's rows to it.
      const edges = capCandidates(declaredCap, capCeiling(declaredCap));
      const exact = await readHistogram(
        connection,
        capHistogramSql(dataset, manifest.privacyUnit, edges),
        edges,
      );
      const calibration = calibrateUpperBound(exact, {
        declared: { lo: 0, hi: edges[edges.length - 1]! },
        // A unit is one value of this histogram.
        maxContributions: 1,
        // Raised only when the data show the declared cap leaves out more than the share.
        incumbent: declaredCap,
        totalName: "the rows",
        epsilon,
        maxClampedShare,
        uniform: seededUniformInt(noiseSalt, ["cap draft", dataset, epsilon, maxClampedShare, exact]),
      });
      contributionCap =
        calibration.kept === null
          ? {
              declared: declaredCap,
              drafted: calibration.hi,
              clampedShare: calibration.clampedShare,
              kept: null,
            }
          : { declared: declaredCap, drafted: declaredCap, clampedShare: 0, kept: calibration.kept };
    }
    const cap = contributionCap?.drafted ?? declaredCap;
    for (const column of targets) {
      const declared = { lo: column.bounds.min, hi: column.bounds.max };
      if (declared.lo < 0) {
        drafts.push({
          column: column.name,
          declared: column.bounds,
          drafted: column.bounds,
          clampedShare: 0,
          kept: "the column may be negative: drafting covers upper bounds of non-negative columns",
          unitTotal: null,
        });
        continue;
      }
      /** One ε-DP draft: the noise drawn from the salt and the exact histogram it is added to. */
      const draft = async (
        what: string,
        bounds: { readonly lo: number; readonly hi: number },
        rowMax: number,
        perUnit: boolean,
        atLeast: number | undefined,
      ): Promise<BoundCalibration> => {
        const edges = boundCandidates(bounds);
        const exact = await readHistogram(
          connection,
          histogramSql(
            dataset,
            manifest.privacyUnit!,
            column.name,
            { lo: bounds.lo, rowMax },
            edges,
            cap,
            perUnit,
          ),
          edges,
        );
        const uniform = seededUniformInt(noiseSalt, [
          "bounds draft",
          what,
          dataset,
          column.name,
          epsilon,
          maxClampedShare,
          cap,
          exact,
        ]);
        return calibrateUpperBound(exact, {
          declared: bounds,
          // A unit adds up to `cap` values to the rows' histogram, one to its units' totals'.
          maxContributions: perUnit ? 1 : cap,
          epsilon,
          maxClampedShare,
          ...(atLeast === undefined ? {} : { atLeast }),
          uniform,
        });
      };
      const rows = await draft("rows", declared, declared.hi, false, column.dummy?.range?.max);
      // Units with several rows: their totals too, under the drafted row bound, below the declared
      // unitMax or else the cap's worth of rows (which clamps nothing), never below one row's bound.
      let unitTotal: BoundCalibration | null = null;
      if (cap > 1) {
        const ceiling = column.bounds.unitMax ?? cap * rows.hi;
        unitTotal = await draft("unit totals", { lo: declared.lo, hi: ceiling }, rows.hi, true, rows.hi);
      }
      const unitMax = unitTotal && unitTotal.kept === null ? unitTotal.hi : column.bounds.unitMax;
      drafts.push({
        column: column.name,
        declared: column.bounds,
        drafted: { min: column.bounds.min, max: rows.hi, ...(unitMax === undefined ? {} : { unitMax }) },
        clampedShare: rows.clampedShare,
        kept: rows.kept,
        unitTotal: unitTotal && { clampedShare: unitTotal.clampedShare, kept: unitTotal.kept },
      });
    }
  } finally {
    connection.closeSync();
  }
  return { contributionCap, columns: drafts };
}

/**
 * Drafts `dataset`'s upper clamp bounds from its current data (bureau only). The answer is the
 * latest policy version's manifest with the drafted bounds, to review and publish; nothing changes.
 *
 * @example
 * const draft = await draftCalibratedBounds(deps, officer, "population", { epsilon: 0.1 });
 * draft.columns[0]; // { column: "annual_income", declared: {min: 0, max: 2000000}, drafted: {min: 0, max: 1000000}, clampedShare: 0.0064, kept: null }
 */
export async function draftCalibratedBounds(
  deps: BoundsDraftDeps,
  actor: Actor,
  dataset: string,
  request: BoundsDraftRequest = {},
): Promise<BoundsDraft> {
  requireActor(actor, ["bureau"], "draft a dataset's bounds from its data");
  const { epsilon, maxClampedShare } = checkRequest(request);
  const latest = await latestPolicyVersion(deps.store, dataset);
  if (!latest) throw new DomainError("NOT_FOUND", `no dataset named ${dataset}`);
  const manifest = latest.manifest;
  const calibration = await calibrateDataset(deps.dataDomain, manifest, deps.noiseSalt, {
    epsilon,
    maxClampedShare,
  });
  const drafts = calibration.columns;
  const cap = calibration.contributionCap;
  await deps.audit.append({
    type: "bounds.drafted",
    actor: actor.id,
    subject: { datasets: [dataset] },
    data: {
      dataset,
      version: latest.version,
      // Each drafted bound is a release of its own: the cap, a column's upper bound, its unit total's.
      epsilonPerBound: epsilon,
      epsilonSpent: epsilon * ((cap ? 1 : 0) + drafts.reduce((n, d) => n + 1 + (d.unitTotal ? 1 : 0), 0)),
      maxClampedShare,
      ...(cap ? { contributionCap: { declared: cap.declared, drafted: cap.drafted } } : {}),
      columns: drafts.map((d) => ({
        column: d.column,
        declaredMax: d.declared.max,
        draftedMax: d.drafted.max,
      })),
    },
  });
  return {
    dataset,
    basedOnVersion: latest.version,
    epsilon,
    maxClampedShare,
    contributionCap: cap,
    columns: drafts,
    manifest: withDraftedBounds(manifest, calibration),
  };
}
