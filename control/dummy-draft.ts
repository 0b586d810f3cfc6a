import { DomainError } from "../policies/errors.ts";
import { findIdentifiers } from "../policies/identifiers.ts";
import { DEFAULT_MIN_GROUP_SIZE } from "../policies/license.ts";
import { type ColumnManifest, DatasetManifest, DummyShape } from "../policies/manifest.ts";
import type { DataDomain } from "../storage/data-domain.ts";
import type { SqlExecutor } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import { type Actor, requireActor } from "./authority.ts";
import { latestPolicyVersion } from "./policy-versions.ts";

/**
 * Drafting a dataset's dummy shapes from its data, for the bureau to review and propose (the draft
 * changes nothing: it is a manifest to send through the usual policy change, which a second officer
 * approves since dummy shapes loosen). What the draft may take from the data, and why:
 *
 * - identifier, `deny` and `join` columns (the privacy unit among them): a null rate only. Their
 *   dummy values stay synthetic (division 990000, keys from 900000000); no value, range or shape
 *   of a key ever leaves.
 * - grade 4 (core) datasets: null rates and patterns only; their outputs are all reviewed, so no
 *   category or range of them is published ahead of a review.
 * - categories: only for `group` and `plain` columns — the rules whose values a query outputs
 *   anyway — and only categories held by at least k units (the dataset's minimum group size, as
 *   the gate releases groups), at most 200 of them, none that looks like an identifier. Every
 *   other column gets no category list: its values are never released.
 * - numeric ranges: the 1st to 99th percentile (interpolated, so not any row's value), rounded
 *   outwards to two significant figures and kept inside the declared bounds; only from 100 values
 *   up. Never the minimum or maximum, which would be one unit's value.
 * - text patterns: the most common character shape (digits → 9, letters → A/a), when at least half
 *   the values share it; never a value.
 * - null rates: rounded to the percent, at least 1% when the column has any null.
 */

/** Categories a draft lists at most; a longer list is no category set. */
const MAX_CATEGORIES = 200;
/** Values a column needs before its percentiles say something about the data rather than about a few units. */
const MIN_VALUES_FOR_RANGE = 100;

export interface DummyDraft {
  readonly dataset: string;
  /** The policy version the draft starts from (send the manifest back as its next version). */
  readonly basedOnVersion: number;
  /** That version's manifest with a drafted `dummy` section on each column. */
  readonly manifest: DatasetManifest;
  /** Per column, what was drafted or withheld and why. */
  readonly notes: string[];
}

export interface DummyDraftDeps {
  readonly store: Pick<SqlExecutor, "query">;
  readonly dataDomain: Pick<DataDomain, "connect">;
  readonly audit: Pick<AuditSink, "append">;
}

/** Rounds outwards to two significant figures: down for a lower end, up for an upper one. */
export function roundOutwards(value: number, direction: "down" | "up"): number {
  if (value === 0) return 0;
  const step = 10 ** (Math.floor(Math.log10(Math.abs(value))) - 1);
  const steps = value / step;
  // The division can land a hair off a whole number; do not round a whole number outwards again.
  const whole = Math.abs(steps - Math.round(steps)) < 1e-9 ? Math.round(steps) : steps;
  return Number(((direction === "down" ? Math.floor(whole) : Math.ceil(whole)) * step).toPrecision(12));
}

const NUMERIC = /^(SMALLINT|INTEGER|BIGINT|DOUBLE|DECIMAL)/;
const INTEGER = /^(SMALLINT|INTEGER|BIGINT)$/;

type Cell = unknown;
type Query = (sql: string, params?: unknown[]) => Promise<Cell[][]>;

function isKeyLike(column: ColumnManifest): boolean {
  return column.identifier !== undefined || column.rule === "deny" || column.rule === "join";
}

async function nullRate(query: Query, table: string, column: string): Promise<number | undefined> {
  const [row] = await query(
    `SELECT count(*)::DOUBLE, (count(*) - count("${column}"))::DOUBLE FROM "${table}"`,
  );
  const [rows, nulls] = [Number(row?.[0] ?? 0), Number(row?.[1] ?? 0)];
  if (rows === 0 || nulls === 0) return undefined;
  return Math.min(1, Math.max(0.01, Math.round((nulls / rows) * 100) / 100));
}

async function categories(
  query: Query,
  manifest: DatasetManifest,
  column: ColumnManifest,
): Promise<{ values: string[]; skewed: boolean } | { withheld: string }> {
  const k = manifest.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE[manifest.grade];
  const units = manifest.privacyUnit === null ? "*" : `DISTINCT "${manifest.privacyUnit}"`;
  const rows = await query(
    `SELECT "${column.name}"::VARCHAR, count(${units})::DOUBLE AS n FROM "${manifest.name}"
     WHERE "${column.name}" IS NOT NULL GROUP BY 1 HAVING count(${units}) >= $1
     ORDER BY n DESC, 1 LIMIT ${MAX_CATEGORIES + 1}`,
    [k],
  );
  if (rows.length > MAX_CATEGORIES)
    return { withheld: `more than ${MAX_CATEGORIES} categories of ${k}+ units: no category list` };
  const declared = column.values ? new Set(column.values) : null;
  const kept = rows.filter(([value]) => {
    const text = String(value);
    return findIdentifiers(text).length === 0 && (declared === null || declared.has(text));
  });
  if (kept.length === 0) return { withheld: `no category held by ${k} or more units` };
  const counts = kept.map(([, n]) => Number(n));
  const total = counts.reduce((a, b) => a + b, 0);
  // Skewed when the commonest category holds more than twice an even share.
  const skewed = kept.length > 1 && (counts[0] ?? 0) > (2 * total) / kept.length;
  return { values: kept.map(([value]) => String(value)), skewed };
}

async function range(
  query: Query,
  table: string,
  column: ColumnManifest,
): Promise<{ range: { min: number; max: number }; skewed: boolean } | { withheld: string }> {
  const [row] = await query(
    `SELECT count("${column.name}")::DOUBLE,
            quantile_cont("${column.name}"::DOUBLE, 0.01), quantile_cont("${column.name}"::DOUBLE, 0.5),
            quantile_cont("${column.name}"::DOUBLE, 0.99)
     FROM "${table}"`,
  );
  const [count, low, median, high] = (row ?? []).map((v) => (v === null ? Number.NaN : Number(v)));
  if (!count || count < MIN_VALUES_FOR_RANGE)
    return { withheld: `fewer than ${MIN_VALUES_FOR_RANGE} values: no range` };
  let min = roundOutwards(low!, "down");
  let max = roundOutwards(high!, "up");
  if (INTEGER.test(column.type)) [min, max] = [Math.floor(min), Math.ceil(max)];
  if (column.bounds) [min, max] = [Math.max(min, column.bounds.min), Math.min(max, column.bounds.max)];
  if (!(min < max)) return { withheld: "the values hardly vary: no range" };
  return { range: { min, max }, skewed: median! - low! < (high! - low!) / 4 };
}

async function pattern(query: Query, table: string, column: string): Promise<string | { withheld: string }> {
  const shape = `regexp_replace(regexp_replace(regexp_replace("${column}", '[0-9]', '9', 'g'), '[A-Z]', 'A', 'g'), '[a-z]', 'a', 'g')`;
  const [row] = await query(
    `SELECT ${shape} AS shape, count(*)::DOUBLE / (SELECT count("${column}") FROM "${table}") AS share
     FROM "${table}" WHERE "${column}" IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
  );
  const candidate = row ? String(row[0]) : "";
  if (!row || Number(row[1]) < 0.5) return { withheld: "no shape shared by half the values: no pattern" };
  // Only a shape the manifest accepts: placeholders and separators, no long runs (see DummyShape).
  if (!DummyShape.shape.pattern.safeParse(candidate).success)
    return { withheld: "the common shape holds other characters or a long run: no pattern" };
  return candidate;
}

/** The drafted dummy shape of one column, and a note saying what was taken or withheld. */
async function draftColumn(
  query: Query,
  manifest: DatasetManifest,
  column: ColumnManifest,
): Promise<{ dummy: DummyShape | undefined; note: string }> {
  const dummy: { -readonly [K in keyof DummyShape]: DummyShape[K] } = {};
  const taken: string[] = [];
  const withheld: string[] = [];
  const rate = await nullRate(query, manifest.name, column.name);
  if (rate !== undefined) {
    dummy.nullRate = rate;
    taken.push(`null rate ${rate}`);
  }
  const core = manifest.grade === 4;
  if (isKeyLike(column)) {
    withheld.push("values: identifiers and keys stay synthetic");
  } else if (core && NUMERIC.test(column.type)) {
    withheld.push("range: grade 4 outputs are all reviewed");
  } else if (NUMERIC.test(column.type)) {
    const drafted = await range(query, manifest.name, column);
    if ("withheld" in drafted) withheld.push(drafted.withheld);
    else {
      dummy.range = drafted.range;
      dummy.distribution = drafted.skewed ? "skewed" : "uniform";
      taken.push(`range ${drafted.range.min}..${drafted.range.max} (${dummy.distribution})`);
    }
  } else if (column.type === "VARCHAR") {
    let listed = false;
    if (core) {
      withheld.push("categories: grade 4 outputs are all reviewed");
    } else if (column.rule === "group" || column.rule === "plain") {
      const drafted = await categories(query, manifest, column);
      if ("withheld" in drafted) withheld.push(drafted.withheld);
      else {
        dummy.values = drafted.values;
        dummy.distribution = drafted.skewed ? "skewed" : "uniform";
        taken.push(`${drafted.values.length} categories (${dummy.distribution})`);
        listed = true;
      }
    } else {
      withheld.push(`categories: a '${column.rule}' column never outputs its values`);
    }
    if (!listed && !column.values) {
      const drafted = await pattern(query, manifest.name, column.name);
      if (typeof drafted === "string") {
        dummy.pattern = drafted;
        taken.push(`pattern ${drafted}`);
      } else withheld.push(drafted.withheld);
    }
  }
  const note = `${column.name}: ${taken.length > 0 ? taken.join(", ") : "nothing drafted"}${
    withheld.length > 0 ? `; withheld: ${withheld.join("; ")}` : ""
  }`;
  return { dummy: Object.keys(dummy).length > 0 ? dummy : undefined, note };
}

/**
 * Drafts dummy shapes for `dataset` from its current data (bureau only). The answer is a manifest
 * to review and send as the dataset's next policy version; nothing is changed. The draft is
 * recorded in the audit log (who read the data's shape, of which version).
 *
 * @example
 * const draft = await draftDummyShapes(deps, officer, "population");
 * await publishPolicy(store, domain, audit, officer, { dataset: "population", manifest: draft.manifest });
 */
export async function draftDummyShapes(
  deps: DummyDraftDeps,
  actor: Actor,
  dataset: string,
): Promise<DummyDraft> {
  requireActor(actor, ["bureau"], "draft a dataset's dummy data");
  const latest = await latestPolicyVersion(deps.store, dataset);
  if (!latest) throw new DomainError("NOT_FOUND", `no dataset named ${dataset}`);
  const connection = await deps.dataDomain.connect();
  const notes: string[] = [];
  const columns: ColumnManifest[] = [];
  try {
    const query: Query = async (sql, params) =>
      (await connection.runAndReadAll(sql, params as never)).getRows() as Cell[][];
    for (const column of latest.manifest.columns) {
      const { dummy: _previous, ...rest } = column;
      const drafted = await draftColumn(query, latest.manifest, column);
      columns.push(drafted.dummy ? { ...rest, dummy: drafted.dummy } : rest);
      notes.push(drafted.note);
    }
  } finally {
    connection.closeSync();
  }
  await deps.audit.append({
    type: "dummy.drafted",
    actor: actor.id,
    subject: { datasets: [dataset] },
    data: { dataset, version: latest.version },
  });
  return {
    dataset,
    basedOnVersion: latest.version,
    // Parsed again: a draft the manifest schema would refuse is a fault here, not a proposal to make.
    manifest: DatasetManifest.parse({ ...latest.manifest, columns }),
    notes,
  };
}
