import { createHash } from "node:crypto";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { FigureAccuracy } from "../policies/accuracy.ts";
import { type Cell, releaseAggregate } from "../policies/aggregation.ts";
import { DomainError, isDomainError } from "../policies/errors.ts";
import {
  budgetPeriodKey,
  DEFAULT_QUERY_EPSILON,
  type License,
  type LicensedView,
  licensedViews,
} from "../policies/license.ts";
import type { DatasetManifest } from "../policies/manifest.ts";
import type { UniformInt } from "../policies/noise.ts";
import { analyzeQuery } from "../policies/query-gate.ts";
import type {
  AggregatePlan,
  ColumnUse,
  QueryAnalysis,
  QueryKind,
  TimeBucket,
} from "../policies/query-plan.ts";
import {
  type RewriteFacts,
  type RewrittenQuery,
  rewriteAggregate,
  unitBoundedMeasures,
} from "../policies/rewrite.ts";
import { parseTreeJson, type SqlNode, treeJson } from "../policies/sql-tree.ts";
import { answerValues } from "../storage/columnar.ts";
import {
  type ColumnProfile,
  type DomainFacts,
  domainFactsOf,
  type UnitKey,
  type UnitsOverRows,
} from "../storage/data-domain.ts";
import { log } from "../telemetry/log.ts";
import type { BudgetCharge, PrivacyBudgetLedger } from "./privacy-budget.ts";

/**
 * The query service: what the sandbox calls for each `ctx.sql`. Gate → rewrite → execute on the
 * data domain → post-process (noise, suppression) → charge → answer plus a verdict for the audit log.
 */

/** The narrow slice of a DuckDB connection the service needs. */
export type SqlConnection = Pick<DuckDBConnection, "runAndReadAll">;

/** A bound query parameter ($1, $2, ...). */
export type QueryParam = string | number | boolean | null;

/** One `ctx.sql` call, with the job's license and the manifests in force when the job started. */
export interface QueryRequest {
  readonly sql: string;
  readonly params?: readonly QueryParam[];
  readonly license: License;
  readonly manifests: readonly DatasetManifest[];
  /** When the job started: selects the budget period. */
  readonly at: Date;
}

/** A result column: name and DuckDB type (as DuckDB spells it). */
export interface ResultColumn {
  readonly name: string;
  readonly type: string;
}

/** What happened to a query, for the audit log. Names and counts only, never data values. */
export interface QueryVerdict {
  readonly kind: QueryKind;
  readonly queryKey: string;
  readonly datasets: readonly string[];
  readonly columns: readonly ColumnUse[];
  readonly rewrites: readonly string[];
  /** ε charged by this call (0 when not DP or answered from the ledger). */
  readonly epsilonCharged: number;
  /** ε the query costs (what was charged the first time it was asked). */
  readonly epsilonCost: number;
  /** The answer is the one recorded when the query was first asked. */
  readonly cached: boolean;
  readonly suppressedGroups: number;
  readonly suppressedCells: number;
  readonly dominanceSuppressed: number;
  /** False when suppression counts must not be shown to the operator (see `AggregationResult`). */
  readonly suppressionDisclosable: boolean;
  readonly tainted: boolean;
  readonly requiresReview: boolean;
  readonly rowsReturned: number;
}

/** The answer to one query. */
export interface QueryAnswer {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly Cell[])[];
  /**
   * Per row and column, the accuracy of each noisy figure (null for exact values and group keys);
   * absent when nothing in the answer is noisy, and on answers recorded before it was kept.
   */
  readonly accuracy?: readonly (readonly (FigureAccuracy | null)[])[];
  readonly verdict: QueryVerdict;
}

/** A dry run: would the query be accepted, what would be enforced, what would it cost. */
export interface QueryExplanation {
  readonly accepted: boolean;
  readonly kind: QueryKind | null;
  readonly datasets: readonly string[];
  readonly columns: readonly ColumnUse[];
  readonly rewrites: readonly string[];
  readonly epsilon: number;
  readonly tainted: boolean;
  readonly requiresReview: boolean;
  /** Why: the rejection (code and detail), or notes on what the rewrite does. */
  readonly reasons: readonly { readonly code: string; readonly detail: string }[];
  /** The SQL that would run (our generated SQL; no data). */
  readonly executedSql: string | null;
}

/** Dependencies of the query service. */
export interface QueryServiceDeps {
  /** Connection to the read-only, locked-down data domain. */
  readonly domain: SqlConnection;
  /** Connection used only to parse and render SQL (an empty in-memory DuckDB is enough). */
  readonly parser: SqlConnection;
  readonly ledger: PrivacyBudgetLedger;
  /**
   * The domain's secret seeding the sticky noise of releases without DP (grade 2): the same on
   * every node, never shown to an operator (`noiseSaltOf` in control/domain-key.ts).
   */
  readonly noiseSalt: Uint8Array;
  /** δ of DP partition selection for data-derived groups. */
  readonly partitionDelta?: number;
  /** Row cap for open and row-level queries when the license sets none. */
  readonly maxRows?: number;
  /** Random source for noise (tests only; production uses the CSPRNG). */
  readonly uniform?: UniformInt;
  /** Verified facts about the domain's data; by default those of the domain `domain` belongs to. */
  readonly facts?: EngineFacts;
}

/** The facts about the data the engine asks while it plans a query. */
export type EngineFacts = Pick<
  DomainFacts,
  | "uniqueColumn"
  | "maxRowsPerValue"
  | "unitOncePerKey"
  | "unitsOverRows"
  | "unitsOverTotal"
  | "distinctValues"
  | "columnProfile"
>;

/** The service the sandbox's query port adapts. */
export interface QueryService {
  execute(request: QueryRequest): Promise<QueryAnswer>;
  explain(request: QueryRequest): Promise<QueryExplanation>;
}

const DEFAULT_PARTITION_DELTA = 1e-6;
const DEFAULT_MAX_ROWS = 100_000;

/**
 * Memo of a pure text → text step of DuckDB (parsing, rendering): the same input always gives the
 * same output, and each call is a round trip to DuckDB that small jobs, which repeat their queries,
 * pay again and again. Bounded; oldest entries go first. Values are text, so no caller can alias
 * another's objects.
 */
class TextMemo {
  private readonly entries = new Map<string, string>();
  constructor(
    private readonly capacity: number,
    private readonly maxKeyLength: number,
  ) {}
  async get(key: string, compute: () => Promise<string>): Promise<string> {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = await compute();
    if (key.length <= this.maxKeyLength) {
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, value);
    }
    return value;
  }
}

const parsedTrees = new TextMemo(512, 16_384);
const renderedSql = new TextMemo(512, 65_536);

/** Parses SQL with DuckDB's own parser; the text travels as a bound parameter, never spliced in. */
export async function parseSql(parser: SqlConnection, sql: string): Promise<unknown> {
  const tree = await parsedTrees.get(sql, async () => {
    const reader = await parser.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR) AS tree", [sql]);
    const text = reader.getRowsJson()[0]?.[0];
    if (typeof text !== "string") throw new DomainError("INTERNAL", "parser returned no tree");
    return text;
  });
  return parseTreeJson(tree);
}

/** Renders a validated parse tree back to SQL with DuckDB's own printer. */
async function renderSql(parser: SqlConnection, tree: SqlNode): Promise<string> {
  const json = treeJson(tree);
  return renderedSql.get(json, async () => {
    const reader = await parser.runAndReadAll("SELECT json_deserialize_sql($1::VARCHAR::JSON) AS sql", [
      json,
    ]);
    const sql = reader.getRowsJson()[0]?.[0];
    if (typeof sql !== "string") throw new DomainError("INTERNAL", "renderer returned no SQL");
    return sql;
  });
}

/**
 * The table of an aggregate that reads exactly one table (no join, subquery or CTE in FROM, which
 * could repeat a unit), with its privacy unit; null for anything else.
 */
function singleTable(
  plan: AggregatePlan,
  views: ReadonlyMap<string, LicensedView>,
): { readonly table: string; readonly unit: string } | null {
  const from = plan.node.from_table as SqlNode | undefined;
  if (from?.type !== "BASE_TABLE" || typeof from.table_name !== "string") return null;
  if (from.catalog_name || from.schema_name) return null;
  const view = views.get(from.table_name.toLowerCase());
  const unit = view?.manifest.privacyUnit;
  if (!view || !unit || plan.unitRef.at(-1)?.toLowerCase() !== unit) return null;
  return { table: view.manifest.name, unit };
}

/**
 * A bound on the rows any one unit has among the rows the aggregate reads: the product of the
 * verified most rows per unit of every table instance read (see `AggregatePlan.tables`); null when
 * a table has no privacy unit (its rows are not tied to one) or a fact is not verified yet.
 */
function rowsPerUnit(
  plan: AggregatePlan,
  views: ReadonlyMap<string, LicensedView>,
  facts: Pick<DomainFacts, "maxRowsPerValue">,
): number | null {
  if (plan.tables.length === 0) return null;
  let bound = 1;
  for (const dataset of plan.tables) {
    const unit = views.get(dataset)?.manifest.privacyUnit;
    const most = unit ? facts.maxRowsPerValue(dataset, unit) : undefined;
    if (most === undefined) return null;
    // An outer join pairs a unit's row with one NULL row where the other side has none.
    bound *= Math.max(1, most);
  }
  return bound;
}

/** Integer types `bitstring_agg` takes (see `RewriteFacts.unitRange`). */
const INTEGER_TYPE = /^U?(TINYINT|SMALLINT|INTEGER|BIGINT)$/;

/**
 * A bound on the groups an aggregate can have: per key, the verified distinct values of the one
 * column it is computed from, or fewer when the key is a calendar period of it (the periods the
 * column's verified span covers, or the part's own count: 12 months), plus NULL (an outer join or
 * a failed TRY gives NULL keys too); undefined when a key reads several columns or nothing about
 * its column is verified yet. It sizes memory (`RewriteFacts.maxGroups`), never an answer.
 */
function groupBound(
  plan: AggregatePlan,
  facts: Pick<DomainFacts, "distinctValues" | "columnProfile">,
): number | undefined {
  let bound = 1;
  for (const source of plan.keySources) {
    if (source === "constant") continue;
    if (source === null) return undefined;
    const distinct = facts.distinctValues(source.dataset, source.column);
    const periods = source.bucket
      ? periodsSpanned(source.bucket, facts.columnProfile(source.dataset, source.column))
      : undefined;
    const values =
      distinct === undefined || periods === undefined ? (distinct ?? periods) : Math.min(distinct, periods);
    if (values === undefined) return undefined;
    bound *= values + 1;
  }
  return bound;
}

/** Values a part function takes at most, whatever the dates. */
const PART_VALUES: Readonly<Record<Exclude<TimeBucket["unit"], "year">, number>> = {
  quarter: 4,
  month: 12,
  week: 53,
  day: 31,
  weekday: 7,
  hour: 24,
};

/**
 * How many calendar periods of `bucket` a column with `profile` can fall in: the part's own count,
 * or the periods between its least and greatest value, one more for a time zone that moves an end
 * across a boundary (date_trunc of a TIMESTAMPTZ follows the session's zone, the span is UTC).
 */
export function periodsSpanned(bucket: TimeBucket, profile: ColumnProfile | undefined): number | undefined {
  if (bucket.kind === "part" && bucket.unit !== "year") return PART_VALUES[bucket.unit];
  const span = profile?.epochRange;
  if (!span) return undefined;
  const [from, to] = [new Date(span.min * 1000), new Date(span.max * 1000)];
  const seconds = span.max - span.min;
  const months = (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + to.getUTCMonth() - from.getUTCMonth();
  switch (bucket.unit) {
    case "year":
      return to.getUTCFullYear() - from.getUTCFullYear() + 2;
    case "quarter":
      return Math.floor(months / 3) + 3;
    case "month":
      return months + 2;
    case "week":
      return Math.floor(seconds / (7 * 86_400)) + 3;
    case "day":
      return Math.floor(seconds / 86_400) + 3;
    case "hour":
      return Math.floor(seconds / 3_600) + 3;
    default:
      return undefined;
  }
}

/**
 * Whether every unit's rows share their group keys (see `RewriteFacts.keysFollowUnit`): each key
 * is computed from one column of a table read once (a self-join or a second reading could pair a
 * unit's row with another) whose privacy-unit column is verified unique, and no outer join
 * matches a unit's rows only in part. Every function the gate admits over protected data is a
 * function of the row alone (no window, no aggregate below the outermost query, no random()), so
 * a key computed from the unit's one row of that table is the same on all the unit's rows.
 */
function keysFollowUnit(
  plan: AggregatePlan,
  views: ReadonlyMap<string, LicensedView>,
  facts: Pick<DomainFacts, "uniqueColumn">,
): boolean {
  if (!plan.outerJoinsOnUnitsOnly || plan.keySources.length === 0) return false;
  return plan.keySources.every((source) => {
    if (source === null || source === "constant") return false;
    const unit = views.get(source.dataset)?.manifest.privacyUnit;
    const readings = plan.tables.filter((table) => table === source.dataset).length;
    return unit != null && readings === 1 && facts.uniqueColumn(source.dataset, unit);
  });
}

/**
 * The facts the rewrite may rely on, each as verified on the data so far (a fact not verified yet
 * counts as unknown: the general path). Rows have distinct units when the one table read has its
 * unit column verified unique; no unit exceeds the cap when the bound of `rowsPerUnit` is within
 * it; measures reading a column unchanged get that column's profile. The rewrite compares those
 * profiles with the plan's bounds itself, so a policy's bounds are always the current ones.
 */
function rewriteFacts(
  plan: AggregatePlan,
  views: ReadonlyMap<string, LicensedView>,
  facts: EngineFacts | undefined,
): RewriteFacts {
  if (!facts) return {};
  const table = singleTable(plan, views);
  const unique = table !== null && facts.uniqueColumn(table.table, table.unit);
  const rows = rowsPerUnit(plan, views, facts);
  // Each fact below is asked (and so checked, once) only where the rewrite could use it: rows of
  // units verified unique already are one per group, and need no distinct count.
  const oncePerGroup = !unique && unitOncePerGroup(plan, views, facts, table);
  const unitProfile =
    unique || oncePerGroup || !plan.unitColumn
      ? undefined
      : facts.columnProfile(plan.unitColumn.dataset, plan.unitColumn.column);
  const maxGroups =
    unitProfile?.range && INTEGER_TYPE.test(unitProfile.type) ? groupBound(plan, facts) : undefined;
  return {
    keysFollowUnit: plan.oneGroupPerUnit && keysFollowUnit(plan, views, facts),
    unitOncePerGroup: oncePerGroup,
    ...(unitProfile?.range && maxGroups !== undefined ? { unitRange: unitProfile.range, maxGroups } : {}),
    unitUniquePerRow: unique,
    unitRowsWithinCap: rows !== null && rows <= plan.maxContributions,
    unitNeverNull: unique && facts.columnProfile(table.table, table.unit)?.hasNulls === false,
    measureValues: plan.measures.map((m) =>
      m.column ? facts.columnProfile(m.column.dataset, m.column.column) : undefined,
    ),
  };
}

/**
 * The one table read whose units may have several rows, when every other table read has at most
 * one row per unit (verified): joined on the unit, as the gate requires of protected tables, each
 * of its rows then meets at most one row of each other, so a unit's rows among those the query
 * reads are at most its rows in that table. Null when several tables (a self-join counts twice)
 * may have several, a table has no unit, or a fact is not verified yet.
 */
function rowsBoundedBy(
  plan: AggregatePlan,
  views: ReadonlyMap<string, LicensedView>,
  facts: Pick<DomainFacts, "maxRowsPerValue">,
): { readonly table: string; readonly unit: string } | null {
  let bounding: { table: string; unit: string } | null = null;
  for (const dataset of plan.tables) {
    const unit = views.get(dataset)?.manifest.privacyUnit;
    const most = unit ? facts.maxRowsPerValue(dataset, unit) : undefined;
    if (!unit || most === undefined) return null;
    if (most <= 1) continue;
    if (bounding) return null;
    bounding = { table: dataset, unit };
  }
  return bounding;
}

/**
 * Whether no group of the query can hold two rows of one unit, from verified facts. The rows a unit
 * has among those the query reads each come from a row of its own of one table (the one table
 * read, or the one whose units have several rows in a join whose other tables have at most one
 * per unit, joined on it: `rowsBoundedBy`). Two of them share a group only if they share every
 * key, and so the keys computed from that table alone (a column of it, or a calendar period of
 * one): when the table has no two rows of a unit alike in those (verified on the whole table, so
 * on any of its rows a filter keeps), every group has at most one row of each unit. Other keys (of
 * another table, or of several columns) can only split groups further.
 */
function unitOncePerGroup(
  plan: AggregatePlan,
  views: ReadonlyMap<string, LicensedView>,
  facts: Pick<DomainFacts, "maxRowsPerValue" | "unitOncePerKey">,
  table: { readonly table: string; readonly unit: string } | null,
): boolean {
  const bounding = table ?? rowsBoundedBy(plan, views, facts);
  if (!bounding) return false;
  const keys: UnitKey[] = [];
  for (const source of plan.keySources) {
    if (source === null || source === "constant" || source.dataset !== bounding.table) continue;
    if (source.bare) keys.push(source.column);
    else if (source.bucket) keys.push({ column: source.column, bucket: source.bucket });
  }
  // Asked only where it could hold: with no key of that table, a unit's rows all share a group.
  return keys.length > 0 && facts.unitOncePerKey(bounding.table, bounding.unit, keys);
}

/** Temporary tables of units already loaded, per connection (a job's own). */
const loadedUnits = new WeakMap<object, Map<string, Promise<boolean>>>();

/**
 * Loads the units `list` gives into the connection's temporary table `name` (one column, `__pu`),
 * once per connection: `list` runs only then, not for every query that names the table; false
 * where the connection cannot take it (the query then counts for itself).
 */
async function loadUnits(
  connection: SqlConnection,
  name: string,
  list: () => UnitsOverRows,
): Promise<boolean> {
  const appendable = connection as Partial<Pick<DuckDBConnection, "run" | "createAppender">>;
  if (typeof appendable.run !== "function" || typeof appendable.createAppender !== "function") return false;
  const loaded = loadedUnits.get(connection) ?? new Map<string, Promise<boolean>>();
  loadedUnits.set(connection, loaded);
  let pending = loaded.get(name);
  if (!pending) {
    pending = (async () => {
      const units = list();
      await appendable.run!(`CREATE OR REPLACE TEMP TABLE "${name}" (__pu ${units.type})`);
      const appender = await appendable.createAppender!(name, "main", "temp");
      try {
        for (const unit of units.values) {
          if (typeof unit === "bigint") appender.appendBigInt(unit);
          else appender.appendVarchar(unit);
          appender.endRow();
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      return true;
    })().catch((error: unknown) => {
      log.warn("a verified list of units could not be loaded; the query counts them itself", {
        table: name,
        error,
      });
      return false;
    });
    loaded.set(name, pending);
  }
  return pending;
}

/**
 * Loads into the connection's temporary schema the units the verified facts say may exceed the
 * plan's cap (see `RewriteFacts.overCapUnits`), once per connection, and names the table; undefined
 * where the facts do not allow it, are not verified yet, or the connection cannot take it.
 */
async function overCapUnits(
  connection: SqlConnection,
  plan: AggregatePlan,
  views: ReadonlyMap<string, LicensedView>,
  facts: Pick<DomainFacts, "maxRowsPerValue" | "unitsOverRows">,
): Promise<string | undefined> {
  const bounding = rowsBoundedBy(plan, views, facts);
  const units = bounding
    ? facts.unitsOverRows(bounding.table, bounding.unit, plan.maxContributions)
    : undefined;
  if (!bounding || !units) return undefined;
  const name = `aos_over_cap_${bounding.table}_${plan.maxContributions}`;
  return (await loadUnits(connection, name, () => units)) ? name : undefined;
}

/**
 * Loads the units whose total of a measure bounded by its `unitMax` (scaled over the query, or
 * clamped in its one group) may exceed it (see `RewriteFacts.overBoundUnits`) and names their
 * table; undefined where the facts do not allow it.
 * Each such measure must be a column of the one table whose units have several rows: every other
 * table read has one row per unit, so each of that table's rows is read at most once, and a unit's
 * total over the query's rows is at most its total in the table (values never negative).
 */
async function overBoundUnits(
  connection: SqlConnection,
  plan: AggregatePlan,
  views: ReadonlyMap<string, LicensedView>,
  facts: Pick<DomainFacts, "maxRowsPerValue" | "unitsOverTotal">,
): Promise<string | undefined> {
  const scaled = unitBoundedMeasures(plan);
  const bounding = scaled.length > 0 ? rowsBoundedBy(plan, views, facts) : null;
  if (!bounding) return undefined;
  const lists: UnitsOverRows[] = [];
  const totals: string[] = [];
  for (const j of scaled) {
    const { column, bounds, unitMax } = plan.measures[j]!;
    if (column?.dataset !== bounding.table || !bounds || unitMax === undefined || bounds.lo < 0)
      return undefined;
    const units = facts.unitsOverTotal(bounding.table, bounding.unit, {
      column: column.column,
      bounds,
      total: unitMax,
    });
    if (!units) return undefined;
    lists.push(units);
    totals.push(JSON.stringify([column.column, bounds.lo, bounds.hi, unitMax]));
  }
  const [first] = lists;
  if (!first || lists.some((l) => l.type !== first.type)) return undefined;
  const merged = (): UnitsOverRows =>
    first.type === "BIGINT"
      ? { type: "BIGINT", values: [...new Set(lists.flatMap((l) => l.values as readonly bigint[]))] }
      : { type: "VARCHAR", values: [...new Set(lists.flatMap((l) => l.values as readonly string[]))] };
  const tag = createHash("sha256").update(totals.sort().join("|")).digest("hex").slice(0, 16);
  const name = `aos_over_bound_${bounding.table}_${tag}`;
  return (await loadUnits(connection, name, merged)) ? name : undefined;
}

/**
 * Verifies now every fact the engine may ask about the datasets of `manifests`: the most rows any
 * privacy unit has (and so whether it is unique), whether it is NULL-free, the units over its
 * contribution cap, and the profile of each column with declared bounds. Without it
 * the first query to ask starts a check in the background and takes the general path meanwhile;
 * with it (e.g. at start), the first jobs already get the faster plans.
 *
 * @example
 * await verifyDomainFacts(dataDomain.facts, manifests);
 */
export async function verifyDomainFacts(
  facts: Pick<
    DomainFacts,
    | "verifyUniqueColumn"
    | "verifyMaxRowsPerValue"
    | "verifyUnitsOverRows"
    | "verifyUnitsOverTotal"
    | "verifyColumnProfile"
  >,
  manifests: readonly DatasetManifest[],
): Promise<void> {
  await Promise.all(
    manifests.flatMap((m) => [
      ...(m.privacyUnit
        ? [
            facts.verifyUniqueColumn(m.name, m.privacyUnit),
            facts.verifyMaxRowsPerValue(m.name, m.privacyUnit),
            facts.verifyColumnProfile(m.name, m.privacyUnit),
            ...(m.maxContributionsPerUnit === undefined
              ? []
              : [facts.verifyUnitsOverRows(m.name, m.privacyUnit, m.maxContributionsPerUnit)]),
            // Units over a column's total per unit: the sums of rows a unit spreads over groups.
            ...m.columns.flatMap((c) =>
              c.bounds?.unitMax === undefined || c.bounds.min < 0
                ? []
                : [
                    facts.verifyUnitsOverTotal(m.name, m.privacyUnit!, {
                      column: c.name,
                      bounds: { lo: c.bounds.min, hi: c.bounds.max },
                      total: c.bounds.unitMax,
                    }),
                  ],
            ),
          ]
        : []),
      ...m.columns.filter((c) => c.bounds).map((c) => facts.verifyColumnProfile(m.name, c.name)),
    ]),
  );
}

/**
 * The key of a query's charge and sticky answer: its canonical form (what it computes, however
 * written; see policies/query-key.ts) and its parameters.
 */
function queryKey(analysis: QueryAnalysis, params: readonly QueryParam[]): string {
  return createHash("sha256")
    .update(analysis.canonical.form)
    .update("\u0000")
    .update(JSON.stringify(params))
    .digest("hex");
}

/** DuckDB's error class only ("Conversion", "Binder", ...): its messages can quote data values. */
function executionError(error: unknown): DomainError {
  const message = error instanceof Error ? error.message : "";
  const kind = /^([A-Za-z ]{1,40}) Error:/.exec(message)?.[1] ?? "Execution";
  return new DomainError("SQL_NOT_ALLOWED", `the query failed in the database (${kind} error)`, {
    duckdbError: kind,
  });
}

interface Prepared {
  readonly analysis: QueryAnalysis;
  readonly rewritten: RewrittenQuery | null;
  readonly sql: string;
  readonly epsilon: number;
  readonly charges: BudgetCharge[];
}

/**
 * Builds the query service.
 *
 * @example
 * const service = createQueryService({ domain, parser, ledger: new InMemoryPrivacyBudgetLedger(), noiseSalt });
 * const answer = await service.execute({ sql, license, manifests, at: job.startedAt });
 */
export function createQueryService(deps: QueryServiceDeps): QueryService {
  const partitionDelta = deps.partitionDelta ?? DEFAULT_PARTITION_DELTA;
  const facts = deps.facts ?? domainFactsOf(deps.domain);

  async function prepare(request: QueryRequest): Promise<Prepared> {
    const views = licensedViews(request.license, request.manifests);
    const analysis = analyzeQuery(await parseSql(deps.parser, request.sql), views);
    const charges: BudgetCharge[] = [];
    let epsilon = 0;
    if (analysis.dpDatasets.length > 0) {
      for (const name of analysis.dpDatasets) {
        if (!views.get(name)!.epsilon) {
          throw new DomainError(
            "POLICY_VIOLATION",
            `the license grants no privacy budget for dataset ${name}`,
            {
              dataset: name,
            },
          );
        }
      }
      // One ε for the query (the smallest per-query ε of its datasets), charged to each dataset.
      epsilon = Math.min(
        ...analysis.dpDatasets.map((d) => views.get(d)!.epsilon?.perQuery ?? DEFAULT_QUERY_EPSILON),
      );
      for (const name of analysis.dpDatasets) {
        const budget = views.get(name)!.epsilon!;
        charges.push({
          dataset: name,
          period: budgetPeriodKey(budget.period, request.at),
          epsilon,
          limit: budget.total,
        });
      }
    }
    if (analysis.aggregate) {
      const namedParams = (analysis.statement as { named_param_map?: unknown }).named_param_map;
      const known = rewriteFacts(analysis.aggregate, views, facts);
      const overCap =
        facts && !known.unitUniquePerRow && !known.unitRowsWithinCap
          ? await overCapUnits(deps.domain, analysis.aggregate, views, facts)
          : undefined;
      const overBound =
        facts && !known.unitUniquePerRow
          ? await overBoundUnits(deps.domain, analysis.aggregate, views, facts)
          : undefined;
      const rewritten = rewriteAggregate(analysis.aggregate, namedParams, {
        ...known,
        ...(overCap === undefined ? {} : { overCapUnits: overCap }),
        ...(overBound === undefined ? {} : { overBoundUnits: overBound }),
      });
      const inner = await renderSql(deps.parser, rewritten.inner);
      return { analysis, rewritten, sql: rewritten.wrap(inner), epsilon, charges };
    }
    const rendered = await renderSql(deps.parser, { error: false, statements: [analysis.statement] });
    return { analysis, rewritten: null, sql: rendered, epsilon, charges };
  }

  async function run(sql: string, params: readonly QueryParam[]) {
    try {
      return await deps.domain.runAndReadAll(sql, [...params]);
    } catch (error) {
      throw executionError(error);
    }
  }

  function verdictOf(prepared: Prepared, extra: Partial<QueryVerdict> & { queryKey: string }): QueryVerdict {
    const { analysis } = prepared;
    return {
      kind: analysis.kind,
      datasets: analysis.datasets,
      columns: analysis.columns,
      rewrites: prepared.rewritten?.rewrites ?? [],
      epsilonCharged: 0,
      epsilonCost: prepared.epsilon,
      cached: false,
      suppressedGroups: 0,
      suppressedCells: 0,
      dominanceSuppressed: 0,
      suppressionDisclosable: true,
      tainted: analysis.tainted,
      requiresReview: analysis.requiresReview,
      rowsReturned: 0,
      ...extra,
    };
  }

  async function computeAggregate(
    prepared: Prepared,
    params: readonly QueryParam[],
    key: string,
  ): Promise<QueryAnswer> {
    const plan = prepared.analysis.aggregate!;
    const { canonical } = prepared.analysis;
    const rewritten = prepared.rewritten!;
    const reader = await run(prepared.sql, params);
    const types = new Map(reader.columnNames().map((name, i) => [name, reader.columnType(i).toString()]));
    const released = releaseAggregate(plan, rewritten.columns, reader.convertRowObjects(answerValues), {
      epsilon: prepared.epsilon,
      partitionDelta,
      ...(deps.uniform ? { uniform: deps.uniform } : {}),
      // A figure's static seed is what it computes with the parameters it computed it with.
      stickyNoise: {
        salt: deps.noiseSalt,
        figures: canonical.figures.map((figure) =>
          params.length === 0 ? figure : `${figure}\u0000${JSON.stringify(params)}`,
        ),
        keys: canonical.keys,
      },
    });
    const columns = plan.outputs.map((output): ResultColumn => {
      if (output.kind === "group")
        return { name: output.name, type: types.get(rewritten.columns.keys[output.key]!) ?? "VARCHAR" };
      return { name: output.name, type: output.kind === "count" ? "BIGINT" : "DOUBLE" };
    });
    const noisy = released.accuracy.some((row) => row.some((figure) => figure !== null));
    return {
      columns,
      rows: released.rows,
      ...(noisy ? { accuracy: released.accuracy } : {}),
      verdict: verdictOf(prepared, {
        queryKey: key,
        epsilonCharged: prepared.epsilon,
        suppressedGroups: released.suppressedGroups,
        suppressedCells: released.suppressedCells,
        dominanceSuppressed: released.dominanceSuppressed,
        suppressionDisclosable: released.suppressionDisclosable,
        rowsReturned: released.rows.length,
      }),
    };
  }

  async function execute(request: QueryRequest): Promise<QueryAnswer> {
    const params = request.params ?? [];
    const prepared = await prepare(request);
    const key = queryKey(prepared.analysis, params);
    if (!prepared.analysis.aggregate) {
      const cap = request.license.quotas.rowsPerQuery ?? deps.maxRows ?? DEFAULT_MAX_ROWS;
      const reader = await run(`SELECT * FROM (${prepared.sql}) LIMIT ${cap + 1}`, params);
      const rows = reader.convertRows(answerValues) as Cell[][];
      if (rows.length > cap) {
        throw new DomainError("LIMIT_EXCEEDED", `the query returns more than ${cap} rows`, { limit: cap });
      }
      const columns = reader
        .columnNames()
        .map((name, i) => ({ name, type: reader.columnType(i).toString() }));
      return { columns, rows, verdict: verdictOf(prepared, { queryKey: key, rowsReturned: rows.length }) };
    }
    if (prepared.charges.length === 0) return computeAggregate(prepared, params, key);

    // DP: charge first, atomically. A query charged before gets its recorded answer back.
    const outcome = await deps.ledger.charge({
      licenseId: request.license.id,
      queryKey: key,
      charges: prepared.charges,
    });
    if (!outcome.charged) {
      const recorded = (await deps.ledger.recallAnswer(request.license.id, key)) as
        | RecordedAnswer
        | undefined;
      if (!recorded) throw new DomainError("INTERNAL", "the answer of a charged query was lost");
      if (recorded.error) throw new DomainError(recorded.error.code, recorded.error.detail);
      return recalled(recorded, prepared.analysis);
    }
    try {
      const answer = await computeAggregate(prepared, params, key);
      await deps.ledger.recordAnswer(request.license.id, key, {
        answer,
        outputs: prepared.analysis.canonical.outputs,
      } satisfies RecordedAnswer);
      return answer;
    } catch (error) {
      // The charge stands: a failure is an answer too (and repeating it must not be free).
      const failure = isDomainError(error) ? error : new DomainError("INTERNAL", "query failed");
      await deps.ledger.recordAnswer(request.license.id, key, {
        error: { code: failure.code, detail: failure.detail },
      } satisfies RecordedAnswer);
      throw failure;
    }
  }

  async function explain(request: QueryRequest): Promise<QueryExplanation> {
    try {
      const prepared = await prepare(request);
      const { analysis } = prepared;
      const reasons = [
        { code: `KIND_${analysis.kind.toUpperCase()}`, detail: kindExplanation(analysis.kind) },
        ...(analysis.requiresReview
          ? [{ code: "REVIEW", detail: "a grade 4 dataset: every output is reviewed" }]
          : []),
      ];
      return {
        accepted: true,
        kind: analysis.kind,
        datasets: analysis.datasets,
        columns: analysis.columns,
        rewrites: prepared.rewritten?.rewrites ?? [],
        epsilon: prepared.epsilon,
        tainted: analysis.tainted,
        requiresReview: analysis.requiresReview,
        reasons,
        executedSql: prepared.sql,
      };
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return {
        accepted: false,
        kind: null,
        datasets: [],
        columns: [],
        rewrites: [],
        epsilon: 0,
        tainted: false,
        requiresReview: false,
        reasons: [{ code: error.code, detail: error.detail }],
        executedSql: null,
      };
    }
  }

  return { execute, explain };
}

interface RecordedAnswer {
  readonly answer?: QueryAnswer;
  /** What each column of `answer` computes (`CanonicalQuery.outputs` of the query that asked first). */
  readonly outputs?: readonly string[];
  readonly error?: { readonly code: DomainError["code"]; readonly detail: string };
}

/**
 * A recorded answer given to a query of the same canonical form: the recorded figures (no fresh
 * noise), in this query's column order and under its names (aliases and the order of the select
 * list are presentation).
 */
function recalled(recorded: RecordedAnswer, analysis: QueryAnalysis): QueryAnswer {
  const answer = recorded.answer!;
  const outputs = analysis.aggregate!.outputs;
  const taken = new Set<number>();
  // Column i of this query is the first unused recorded column computing the same; an answer
  // recorded without `outputs` has this query's order (the form then fixes the order).
  const source = analysis.canonical.outputs.map((output, i) => {
    const j = recorded.outputs ? recorded.outputs.findIndex((o, k) => o === output && !taken.has(k)) : i;
    if (j < 0 || j >= answer.columns.length)
      throw new DomainError("INTERNAL", "a recorded answer does not have this query's columns");
    taken.add(j);
    return j;
  });
  return {
    ...answer,
    columns: source.map((j, i) => ({
      ...answer.columns[j]!,
      name: outputs[i]?.name ?? answer.columns[j]!.name,
    })),
    rows: answer.rows.map((row) => source.map((j) => row[j]!)),
    ...(answer.accuracy ? { accuracy: answer.accuracy.map((row) => source.map((j) => row[j] ?? null)) } : {}),
    verdict: { ...answer.verdict, epsilonCharged: 0, cached: true },
  };
}

function kindExplanation(kind: QueryKind): string {
  switch (kind) {
    case "open":
      return "only open datasets: runs as written";
    case "row":
      return "reads row-level values of a protected dataset: the job is tainted and its outputs are held for review";
    case "aggregate":
      return "aggregates protected data: rows are bounded per privacy unit, inputs clamped, groups below the threshold suppressed, and DP noise added where the grade demands";
  }
}
