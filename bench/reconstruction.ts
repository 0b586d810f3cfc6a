/**
 * The reconstruction benchmark (issue 21, item 7): a scripted attacker holding a license with the
 * demo license's full default budget runs differencing, tracker and Dinur–Nissim subset-sum attacks
 * on a grade 2 column (`enterprises.registered_capital`, unit: the firm) and a grade 3 column
 * (`population.annual_income`, unit: the person), through the real policy engine on a real demo
 * domain, charging the real privacy-budget ledger (the control plane's, on SQLite), until the
 * budget, the license's quotas, the gate's rules or the benchmark's query cap stop it. Per attack
 * and column it reports the fraction of targets whose value the attacker recovers within 5%
 * against the fraction a guess from published aggregates recovers (target: no more than guessing
 * plus 5 points). Beside it, utility: the relative error of district-level counts and means over
 * groups of at least 1,000 units at the default ε, against the exact figures (target ≤ 1%).
 *
 * Usage: npm run bench:reconstruction -- [--scale 0.1] [--domain FILE] [--targets 40]
 *          [--grade2-queries 1500] [--trials 10] [--out FILE] [--quick] [--drafted-bounds ε]
 *          [--epsilon-per-query ε] [--epsilon-total ε] [--epsilon-period year] [--utility-only]
 * `--epsilon-*` give the attacker and the utility trials another budget than the demo license's;
 * `--utility-only` skips the attacks.
 * `--drafted-bounds ε` measures under the bounds `aos policy draft-bounds` drafts at ε per column.
 * `--quick` is a smoke test: scale 0.02, 20 targets, 150 grade 2 queries per attack, 3 trials.
 * `measureReconstruction` is the same measurement on an existing domain file, for bench/run.ts and
 * the red-team suite (test/security/reconstruction.test.ts), so there is one attacker.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { ControlPlaneBudgetLedger } from "../control/budget-ledger.ts";
import { mulberry32 } from "../control/dummy-data.ts";
import { DEMO_BUDGET, demoGrant } from "../control/provisioning.ts";
import { createQueryService, type QueryService, verifyDomainFacts } from "../control/query-service.ts";
import { isDomainError } from "../policies/errors.ts";
import { budgetPeriodKey, License, PrivacyBudget } from "../policies/license.ts";
import type { DatasetManifest } from "../policies/manifest.ts";
import { generateDemoDomain } from "../seeds/generate.ts";
import { DEMO_MANIFESTS } from "../seeds/manifests/index.ts";
import { openDataDomain } from "../storage/data-domain.ts";
import { openSqliteStore } from "../storage/sqlite-store.ts";
import { draftedDemoManifests } from "./drafted-bounds.ts";

/** What the issue asks: no more than this above guessing, in fraction of targets. */
export const RECOVERY_MARGIN = 0.05;
/** The target as bench/run.ts states it. */
export const RECONSTRUCTION_MARGIN_LABEL = "recovered ≤ guessing + 5 points";
/** "Recovered": the estimate is within this fraction of the true value. */
export const RECOVERY_TOLERANCE = 0.05;
/** Utility target: relative error of district-level figures over groups of ≥ 1,000 units. */
export const UTILITY_TARGET = 0.01;
const UTILITY_MIN_UNITS = 1_000;

/** Error codes that end an attack because the license allows no more (not a refused form). */
const LIMIT_CODES = new Set(["BUDGET_EXHAUSTED", "QUOTA_EXCEEDED", "LIMIT_EXCEEDED"]);

export interface ReconstructionOptions {
  /** Targets singled out per column. */
  readonly targets: number;
  /**
   * Queries one attack on the grade 2 column may send. Grade 2 has no ε and the demo license no
   * quotas, so nothing in the engine ends such an attack; the cap stands in for the quotas a
   * bureau would set.
   */
  readonly grade2Queries: number;
  /** Independent utility trials (each on a fresh license, so fresh noise). */
  readonly utilityTrials: number;
  /** Seed of the attacker's pseudo-random subsets. */
  readonly seed?: number;
  /**
   * Also run the control: the same attacks against raw DuckDB, which must recover nearly every
   * target (the attacker works; what stops it under the engine is the protection).
   */
  readonly control?: boolean;
  /**
   * Publish every bounds draft first (`aos policy draft-bounds` at this ε per column), so the
   * engine clamps and noises at the drafted bounds; unset: the demo manifests' declared bounds.
   */
  readonly draftedBoundsEpsilon?: number;
  /** The attacker's and the utility trials' budget on each grade 3 dataset; unset: the demo license's. */
  readonly budget?: PrivacyBudget;
  /** Measure utility only, no attacks (a quick look at what another budget costs in accuracy). */
  readonly utilityOnly?: boolean;
  readonly log?: (message: string) => void;
}

export type AttackName = "differencing" | "tracker" | "subset-sum";

export interface AttackOutcome {
  /** `engine`: through the policy engine; `none`: the control against raw DuckDB. */
  readonly protection: "engine" | "none";
  readonly column: string;
  readonly grade: number;
  readonly attack: AttackName;
  readonly targets: number;
  /** Queries sent, including those answered from the ledger's record. */
  readonly asked: number;
  /** Answers with a figure (not suppressed). */
  readonly answered: number;
  readonly suppressed: number;
  /** ε the attack's license spent on the column's dataset. */
  readonly epsilonSpent: number;
  /** The error code that ended the attack, or `query cap` when only the benchmark's cap did. */
  readonly stoppedBy: string;
  /** Why it stopped: the license's budget or quotas, the gate refusing its form, or the cap. */
  readonly stopKind: "limit" | "refused" | "cap";
  /** Targets for which the attack produced an estimate of its own (others get the published guess). */
  readonly estimated: number;
  readonly recovered: number;
  readonly guessing: number;
  /** Median |estimate − truth| / truth over the targets. */
  readonly medianRelativeError: number;
  /**
   * Pairwise attacks: the median over targets of the queries that averaging rephrased pairs would
   * need to bring one target within 5% 19 times in 20 (2 · (1.96 · SD of a pair / (5% of the
   * value))²), from the spread the attack observed: how far beyond the stop the attack would have
   * to go. Null for the subset-sum attack or when no target got two pairs.
   */
  readonly queriesFor5Percent: number | null;
  readonly met: boolean;
}

export interface UtilityFigure {
  readonly figure: string;
  readonly query: string;
  readonly groups: number;
  readonly trials: number;
  readonly meanRelativeError: number;
  readonly maxRelativeError: number;
  /** Mean signed relative error: the noise is unbiased, contribution bounds are not. */
  readonly bias: number;
  /** Mean of the 95% half-width each release states beside the figure, relative to the truth. */
  readonly statedHalfWidth95: number;
  /** Fraction of releases whose error lies within their stated 95% interval (≈ 95% if honest). */
  readonly withinStated: number;
  readonly met: boolean;
}

export interface ReconstructionReport {
  readonly options: Omit<ReconstructionOptions, "log">;
  readonly attacks: readonly AttackOutcome[];
  /** The averaging attack on one count (null when only utility was measured). */
  readonly averaging: AveragingOutcome | null;
  /** The control's outcomes (empty unless asked for). */
  readonly controls: readonly AttackOutcome[];
  readonly utility: readonly UtilityFigure[];
  readonly met: { readonly reconstruction: boolean; readonly utility: boolean };
}

// ---- the engine the attacker talks to -----------------------------------------------------------

/** The demo license's grant (control/provisioning.ts), with its budget unless the options set another. */
function demoLicense(id: string, budget: PrivacyBudget = DEMO_BUDGET): License {
  return License.parse({
    id,
    operator: "op_reconstruction",
    purpose: "urban-analytics",
    validFrom: "2025-01-01T00:00:00Z",
    validTo: "2035-01-01T00:00:00Z",
    datasets: demoGrant(DEMO_MANIFESTS, budget),
    quotas: {},
    releaseMode: "auto",
  });
}

/** All queries run in one budget period. */
const AT = new Date("2026-03-02T00:00:00Z");

type Answer =
  | { readonly ok: true; readonly value: number | null }
  | { readonly ok: false; readonly code: string };

/** What the attacker can do: send SQL under its license and read the rows that come back. */
type Ask = (sql: string, license: License) => Promise<readonly (readonly unknown[])[]>;

/** One license's session: sends one-figure queries, counts what it got. */
class AttackerSession {
  asked = 0;
  answered = 0;
  suppressed = 0;
  constructor(
    private readonly send: Ask,
    readonly license: License,
  ) {}

  /** The first cell of the first row, null when the engine withheld it; or the refusal's code. */
  async ask(sql: string): Promise<Answer> {
    this.asked += 1;
    try {
      const rows = await this.send(sql, this.license);
      const cell = rows[0]?.[0];
      const value = cell === null || cell === undefined ? null : Number(cell);
      if (value === null) this.suppressed += 1;
      else this.answered += 1;
      return { ok: true, value };
    } catch (error) {
      if (isDomainError(error)) return { ok: false, code: error.code };
      throw error;
    }
  }
}

interface Engine {
  readonly service: QueryService;
  /** The policies the engine applies: the demo manifests, with drafted bounds if asked for. */
  readonly manifests: readonly DatasetManifest[];
  /** The policy engine: what a job's `ctx.sql` gets. */
  readonly protectedAsk: Ask;
  /** Raw DuckDB: the control, an attacker facing no protection at all. */
  readonly unprotectedAsk: Ask;
  readonly ledger: ControlPlaneBudgetLedger;
  /** Ground truth, straight from DuckDB (the benchmark's judge, never the attacker). */
  truth<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

async function openEngine(domainFile: string, options: ReconstructionOptions): Promise<Engine> {
  const dataDomain = await openDataDomain(domainFile);
  const manifests =
    options.draftedBoundsEpsilon === undefined
      ? DEMO_MANIFESTS
      : await draftedDemoManifests(dataDomain, options.draftedBoundsEpsilon, (line) => options.log?.(line));
  await verifyDomainFacts(dataDomain.facts, manifests);
  const domain = await dataDomain.connect();
  const parserInstance = await DuckDBInstance.create(":memory:");
  const parser = await parserInstance.connect();
  // The ledger a node uses (control plane on SQLite): charges are transactions, answers recorded.
  const dir = await mkdtemp(join(tmpdir(), "aos-reconstruction-"));
  const store = await openSqliteStore(join(dir, "control.sqlite"));
  const ledger = new ControlPlaneBudgetLedger(store);
  const service = createQueryService({ noiseSalt: randomBytes(32), domain, parser, ledger });
  return {
    service,
    manifests,
    ledger,
    protectedAsk: async (sql, license) => (await service.execute({ sql, license, manifests, at: AT })).rows,
    // An unprotected system answers a sum over no rows with 0, as the attacker reads it.
    unprotectedAsk: async (sql) =>
      (await domain.runAndReadAll(sql)).getRowsJson().map((row) => row.map((cell) => cell ?? 0)),
    async truth<T>(sql: string) {
      const reader = await domain.runAndReadAll(sql);
      return reader.getRowObjectsJson() as T[];
    },
    async close() {
      await store.close();
      dataDomain.close();
      parser.closeSync();
      parserInstance.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---- targets ------------------------------------------------------------------------------------

/** One unit the attacker singles out by quasi-identifiers it may filter on. */
export interface Target {
  readonly date: string;
  readonly district: string;
  readonly other: string;
  /** The true value: the judge's, for scoring; the attacks read only the quasi-identifiers. */
  readonly value: number;
}

/** A protected column under attack and the quasi-identifiers that single out its units. */
interface TargetColumn {
  readonly name: string;
  readonly grade: number;
  readonly table: string;
  readonly value: string;
  /** The date column (group rule): singles out with the others, and rephrases a query. */
  readonly dateColumn: string;
  readonly dateFrom: string;
  /** The third quasi-identifier (group rule). */
  readonly otherColumn: string;
  readonly max: number;
}

const COLUMNS: readonly TargetColumn[] = [
  {
    name: "enterprises.registered_capital",
    grade: 2,
    table: "enterprises",
    value: "registered_capital",
    dateColumn: "established_on",
    dateFrom: "1990-01-01",
    otherColumn: "industry",
    max: 2_000_000,
  },
  {
    name: "population.annual_income",
    grade: 3,
    table: "population",
    value: "annual_income",
    dateColumn: "birth_date",
    dateFrom: "1926-01-01",
    otherColumn: "gender",
    max: 2_000_000,
  },
];

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
const unitWhere = (c: TargetColumn, t: Target) =>
  `(${c.dateColumn} = DATE ${quote(t.date)} AND district = ${quote(t.district)} AND ${c.otherColumn} = ${quote(t.other)})`;

/**
 * Units alone in their (date, district, third key) cell, as an insider who knows those facts of
 * them singles them out; outside the padding district (so a tracker's padding never holds them)
 * and with a value inside the column's bounds (a clamped value no aggregate can give back).
 */
async function chooseTargets(engine: Engine, c: TargetColumn, pad: string, n: number): Promise<Target[]> {
  const rows = await engine.truth<{ date: string; district: string; other: string; value: number }>(
    `SELECT CAST(${c.dateColumn} AS VARCHAR) AS date, district, ${c.otherColumn} AS other,
            CAST(any_value(${c.value}) AS DOUBLE) AS value
     FROM ${c.table} WHERE district <> ${quote(pad)}
     GROUP BY ${c.dateColumn}, district, ${c.otherColumn}
     HAVING count(*) = 1 AND any_value(${c.value}) > 0 AND any_value(${c.value}) <= ${c.max}
     ORDER BY hash(date, district, other) LIMIT ${n}`,
  );
  return rows.map((r) => ({ ...r, value: Number(r.value) }));
}

/**
 * The guess from published aggregates: the released mean of the target's (district, third key)
 * cell, else of its district, else overall, as a statistics office would publish them (released
 * once through the engine under a license of their own).
 */
async function publishedGuesses(
  engine: Engine,
  c: TargetColumn,
  targets: readonly Target[],
): Promise<number[]> {
  const publisher = demoLicense(`lic_publish_${c.table}`);
  const run = async (sql: string) =>
    (await engine.service.execute({ sql, license: publisher, manifests: engine.manifests, at: AT })).rows;
  const cells = new Map<string, number>();
  for (const [d, o, m] of await run(
    `SELECT district, ${c.otherColumn}, avg(${c.value}) AS m FROM ${c.table} GROUP BY district, ${c.otherColumn}`,
  ))
    if (m !== null) cells.set(`${d}\u0000${o}`, Number(m));
  const districts = new Map<string, number>();
  for (const [d, m] of await run(`SELECT district, avg(${c.value}) AS m FROM ${c.table} GROUP BY district`))
    if (m !== null) districts.set(String(d), Number(m));
  const [overall] = await run(`SELECT avg(${c.value}) AS m FROM ${c.table}`);
  return targets.map(
    (t) =>
      cells.get(`${t.district}\u0000${t.other}`) ?? districts.get(t.district) ?? Number(overall?.[0] ?? 0),
  );
}

// ---- the attacks --------------------------------------------------------------------------------

/**
 * The r-th rephrasing: a predicate that leaves out one date no target has (r = 0: none). The
 * canonical query key sees a new filter, so each rephrasing is a new computation, charged anew
 * (grade 3) or drawn with new sticky noise (grade 2): what averaging needs. Both queries of a pair
 * get the same one, so their difference is still the target.
 */
function rephrasing(c: TargetColumn, targets: readonly Target[]): (r: number) => string {
  const taken = new Set(targets.map((t) => t.date));
  const dates: string[] = [];
  return (r) => {
    if (r === 0) return "";
    for (let day = dates.length; dates.length < r; day++) {
      const date = new Date(Date.parse(`${c.dateFrom}T00:00:00Z`) + day * 86_400_000)
        .toISOString()
        .slice(0, 10);
      if (!taken.has(date)) dates.push(date);
    }
    return ` AND ${c.dateColumn} <> DATE ${quote(dates[r - 1]!)}`;
  };
}

interface AttackRun {
  /** Per target, the attacker's own estimate, or null when it got none. */
  readonly estimates: (number | null)[];
  readonly stoppedBy: string;
  /** Pairwise attacks: per target, the standard deviation of one pair's difference (null: < 2 pairs). */
  readonly pairSpread?: (number | null)[];
}

interface AttackContext {
  readonly column: TargetColumn;
  readonly targets: readonly Target[];
  readonly pad: string;
  readonly session: AttackerSession;
  /** Queries the attack may send (grade 2; grade 3 is stopped by its budget well before). */
  readonly cap: number;
  readonly seed: number;
}

const sumOf = (c: TargetColumn, where: string) =>
  `SELECT sum(${c.value}) AS s FROM ${c.table} WHERE ${where}`;

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Rounds of pairs of queries, each pair's difference one target's value plus noise; every round
 * rephrased so its noise is new, the estimate the mean of a target's differences. `pair(t, r)` gives
 * the two queries; queries several targets share are answered from the ledger's record.
 */
async function pairwise(
  ctx: AttackContext,
  pair: (t: Target, i: number, rephrase: string) => readonly [string, string],
): Promise<AttackRun> {
  const rephrase = rephrasing(ctx.column, ctx.targets);
  const differences: number[][] = ctx.targets.map(() => []);
  for (let r = 0; ; r++) {
    for (const [i, t] of ctx.targets.entries()) {
      if (ctx.session.asked + 2 > ctx.cap) return finish("query cap");
      const [withTarget, without] = pair(t, i, rephrase(r));
      const a = await ctx.session.ask(withTarget);
      if (!a.ok) return finish(a.code);
      const b = await ctx.session.ask(without);
      if (!b.ok) return finish(b.code);
      if (a.value !== null && b.value !== null) differences[i]!.push(a.value - b.value);
    }
  }
  function finish(stoppedBy: string): AttackRun {
    return {
      estimates: differences.map((d) => (d.length > 0 ? mean(d) : null)),
      stoppedBy,
      pairSpread: differences.map((d) =>
        d.length < 2 ? null : Math.sqrt(d.reduce((s, x) => s + (x - mean(d)) ** 2, 0) / (d.length - 1)),
      ),
    };
  }
}

/**
 * The first of `groups` (predicates that hold for the target) the engine releases a figure for: the
 * smallest group that clears the threshold gives the smallest sticky noise (grade 2's σ is a large
 * unit's value in the group); DP noise does not depend on the group.
 */
async function smallestReleased(ctx: AttackContext, groups: readonly string[]): Promise<string | Answer> {
  for (const group of groups.slice(0, -1)) {
    const a = await ctx.session.ask(sumOf(ctx.column, group));
    if (!a.ok) return a;
    if (a.value !== null) return group;
  }
  return groups.at(-1)!;
}

/** (a) Differencing: the target's published cell (else its district), with and without the target. */
async function differencing(ctx: AttackContext): Promise<AttackRun> {
  const c = ctx.column;
  const bases: string[] = [];
  for (const t of ctx.targets) {
    const base = await smallestReleased(ctx, [
      `district = ${quote(t.district)} AND ${c.otherColumn} = ${quote(t.other)}`,
      `district = ${quote(t.district)}`,
    ]);
    if (typeof base !== "string") return { estimates: ctx.targets.map(() => null), stoppedBy: failure(base) };
    bases.push(base);
  }
  return pairwise(ctx, (t, i, rephrase) => [
    sumOf(c, `${bases[i]!}${rephrase}`),
    sumOf(c, `${bases[i]!} AND NOT ${unitWhere(c, t)}${rephrase}`),
  ]);
}

/**
 * (b) Tracker (Denning): padding the target is not in, with and without the target OR-ed in: every
 * query is large, and q(T ∨ pad) − q(pad) is the target. The padding is the target's third key in
 * the padding district (else the whole district), the smallest released one.
 */
async function tracker(ctx: AttackContext): Promise<AttackRun> {
  const c = ctx.column;
  const pads: string[] = [];
  for (const t of ctx.targets) {
    const pad = await smallestReleased(ctx, [
      `district = ${quote(ctx.pad)} AND ${c.otherColumn} = ${quote(t.other)}`,
      `district = ${quote(ctx.pad)}`,
    ]);
    if (typeof pad !== "string") return { estimates: ctx.targets.map(() => null), stoppedBy: failure(pad) };
    pads.push(pad);
  }
  return pairwise(ctx, (t, i, rephrase) => [
    sumOf(c, `(${unitWhere(c, t)} OR (${pads[i]!}))${rephrase}`),
    sumOf(c, `${pads[i]!}${rephrase}`),
  ]);
}

const failure = (a: Answer) => (a.ok ? "none" : a.code);

/**
 * (c) Dinur–Nissim: sums over pseudo-random halves of the targets, OR-ed with the padding so no
 * query is small, until stopped; the padding's total is one more unknown, and the answered sums
 * are solved by least squares.
 */
async function subsetSum(ctx: AttackContext): Promise<AttackRun> {
  const c = ctx.column;
  const n = ctx.targets.length;
  // The attacker's reproducible coin.
  const rand = mulberry32(ctx.seed);
  const rows: number[][] = [];
  const answers: number[] = [];
  let stoppedBy = "query cap";
  while (ctx.session.asked < ctx.cap) {
    const members = ctx.targets.map(() => (rand() < 0.5 ? 1 : 0));
    const ors = ctx.targets.filter((_, i) => members[i] === 1).map((t) => ` OR ${unitWhere(c, t)}`);
    const a = await ctx.session.ask(sumOf(c, `district = ${quote(ctx.pad)}${ors.join("")}`));
    if (!a.ok) {
      stoppedBy = a.code;
      break;
    }
    if (a.value === null) continue;
    rows.push([...members, 1]);
    answers.push(a.value);
  }
  // Fewer answers than unknowns leave the system underdetermined: no estimate then.
  if (rows.length < n + 1) return { estimates: ctx.targets.map(() => null), stoppedBy };
  const x = leastSquares(rows, answers);
  return { estimates: x.slice(0, n), stoppedBy };
}

/**
 * Least squares by the normal equations AᵀA x = Aᵀb, solved by Gaussian elimination with partial
 * pivoting. Columns are scaled to unit norm first so that a large unknown (the padding's total) and
 * small ones share one scale; an unknown the rows do not determine (a pivot that vanishes against
 * the largest) is left at 0 rather than made up. No ridge: a penalty on the padding's total, some
 * 10⁹, would push its error onto the targets.
 *
 * @example
 * leastSquares([[1, 0], [0, 1], [1, 1]], [1, 2, 3]); // ≈ [1, 2]
 */
export function leastSquares(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = a[0]?.length ?? 0;
  const norms = Array.from(
    { length: n },
    (_, j) => Math.sqrt(a.reduce((s, row) => s + row[j]! ** 2, 0)) || 1,
  );
  const m = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  for (const [k, row] of a.entries()) {
    for (let i = 0; i < n; i++) {
      const ai = row[i]! / norms[i]!;
      if (ai === 0) continue;
      m[i]![n]! += ai * b[k]!;
      for (let j = 0; j < n; j++) m[i]![j]! += (ai * row[j]!) / norms[j]!;
    }
  }
  const tiny = 1e-12 * Math.max(...m.map((row, i) => Math.abs(row[i]!)));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]![col]!;
    if (Math.abs(p) <= tiny) {
      m[col]![col] = 0;
      continue;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / p;
      if (f === 0) continue;
      for (let k = col; k <= n; k++) m[r]![k]! -= f * m[col]![k]!;
    }
  }
  return m.map((row, i) => (row[i] === 0 ? 0 : row[n]! / row[i]! / norms[i]!));
}

function queriesFor5Percent(
  spread: readonly (number | null)[] | undefined,
  targets: readonly Target[],
): number | null {
  const needed = (spread ?? []).flatMap((sd, i) =>
    sd === null ? [] : [2 * Math.ceil(((1.96 * sd) / (RECOVERY_TOLERANCE * targets[i]!.value)) ** 2)],
  );
  return needed.length > 0 ? medianOf(needed) : null;
}

const ATTACKS: Readonly<Record<AttackName, (ctx: AttackContext) => Promise<AttackRun>>> = {
  differencing,
  tracker,
  "subset-sum": subsetSum,
};

// ---- averaging one count (issue 21, item 3) ------------------------------------------------------

/** The averaging attack on one grade 3 count, each target under a license of its own. */
export interface AveragingOutcome {
  readonly targets: number;
  /** Median over targets of the answers the attacker got before it was stopped. */
  readonly answersPerTarget: number;
  /** ε each target's license spent. */
  readonly epsilonPerTarget: number;
  readonly stoppedBy: string;
  /** Fraction of targets whose count the median of all answers gives exactly (within ±0.5). */
  readonly exact: number;
  /** Fraction of targets whose count one answer alone gives exactly: what any release gives. */
  readonly guessing: number;
  /** Median over targets of |median of the answers − the count|. */
  readonly medianAbsoluteError: number;
}

/** Answers the attacker may ask per target, however large the budget. */
const AVERAGING_CAP = 2_000;

/**
 * The averaging attack the issue measured (40 rephrasings of one count, averaged to within ±0.5
 * inside a month's default budget): one count of residents (a district and a year of birth),
 * rephrased until the budget stops it, each rephrasing a new computation charged anew. The
 * estimate is the median of the answers, the efficient estimate under Laplace noise (its variance
 * is half the mean's). A whole budget spent on one count is the worst case for the persons in it.
 */
async function averagingAttack(engine: Engine, options: ReconstructionOptions): Promise<AveragingOutcome> {
  const cells = await engine.truth<{ district: string; y: number; n: number }>(
    `SELECT district, year(birth_date)::INTEGER AS y, count(*)::INTEGER AS n FROM population
     GROUP BY 1, 2 HAVING count(*) >= 20 ORDER BY hash(district, y) LIMIT ${Math.max(1, Math.floor(options.targets / 2))}`,
  );
  const budget = options.budget ?? DEMO_BUDGET;
  const exact: boolean[] = [];
  const guessed: boolean[] = [];
  const errors: number[] = [];
  const answers: number[] = [];
  const spent: number[] = [];
  const stops = new Set<string>();
  for (const [i, cell] of cells.entries()) {
    const session = new AttackerSession(engine.protectedAsk, demoLicense(`lic_averaging_${i}`, budget));
    // Each rephrasing leaves out a date outside the year: the same residents, a new computation.
    const where = `district = ${quote(cell.district)} AND year(birth_date) = ${cell.y}`;
    const got: number[] = [];
    let stoppedBy = "query cap";
    for (let r = 0; session.asked < AVERAGING_CAP; r++) {
      const other = new Date(Date.UTC(cell.y + 1, 0, 1) + r * 86_400_000).toISOString().slice(0, 10);
      const a = await session.ask(
        `SELECT count(*) AS n FROM population WHERE ${where}${r === 0 ? "" : ` AND birth_date <> DATE '${other}'`}`,
      );
      if (!a.ok) {
        stoppedBy = a.code;
        break;
      }
      if (a.value !== null) got.push(a.value);
    }
    stops.add(stoppedBy);
    if (got.length === 0) continue;
    const estimate = medianOf(got);
    exact.push(Math.abs(estimate - cell.n) < 0.5);
    guessed.push(Math.abs(got[0]! - cell.n) < 0.5);
    errors.push(Math.abs(estimate - cell.n));
    answers.push(got.length);
    spent.push(
      await engine.ledger.spent(session.license.id, "population", budgetPeriodKey(budget.period, AT)),
    );
  }
  const share = (xs: readonly boolean[]) =>
    xs.length === 0 ? Number.NaN : xs.filter(Boolean).length / xs.length;
  return {
    targets: exact.length,
    answersPerTarget: medianOf(answers),
    epsilonPerTarget: medianOf(spent),
    stoppedBy: [...stops].join(", "),
    exact: share(exact),
    guessing: share(guessed),
    medianAbsoluteError: medianOf(errors),
  };
}

const withinTolerance = (estimate: number, truth: number) =>
  Math.abs(estimate - truth) <= RECOVERY_TOLERANCE * Math.abs(truth);

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function attackColumn(
  engine: Engine,
  c: TargetColumn,
  options: ReconstructionOptions,
  protection: "engine" | "none",
): Promise<AttackOutcome[]> {
  // The padding: the largest district, as published district counts show.
  const [largest] = await engine.truth<{ district: string }>(
    `SELECT district FROM ${c.table} GROUP BY district ORDER BY count(*) DESC, district LIMIT 1`,
  );
  const pad = largest!.district;
  const targets = await chooseTargets(engine, c, pad, options.targets);
  const guesses = await publishedGuesses(engine, c, targets);
  const guessing = targets.filter((t, i) => withinTolerance(guesses[i]!, t.value)).length / targets.length;
  const outcomes: AttackOutcome[] = [];
  for (const [attack, run] of Object.entries(ATTACKS) as [
    AttackName,
    (ctx: AttackContext) => Promise<AttackRun>,
  ][]) {
    // A license of its own per attack: each attack gets the whole month's budget (the worst case
    // for one attack; an attacker with one license would split it between them).
    const session = new AttackerSession(
      protection === "engine" ? engine.protectedAsk : engine.unprotectedAsk,
      demoLicense(
        `lic_${protection === "engine" ? "attack" : "control"}_${c.table}_${attack.replace("-", "_")}`,
        options.budget,
      ),
    );
    // Exact answers need one round (or one more subset than unknowns): the control stops there.
    const cap =
      protection === "none"
        ? 4 * (targets.length + 1)
        : c.grade >= 3
          ? Math.max(options.grade2Queries, 1_000)
          : options.grade2Queries;
    const result = await run({ column: c, targets, pad, session, cap, seed: options.seed ?? 21 });
    // The attacker keeps the published guess where it learnt nothing, and never believes a value
    // outside the column's published bounds.
    const estimates = result.estimates.map((e, i) =>
      e === null ? guesses[i]! : Math.min(c.max, Math.max(0, e)),
    );
    const recovered =
      targets.filter((t, i) => withinTolerance(estimates[i]!, t.value)).length / targets.length;
    const outcome: AttackOutcome = {
      protection,
      column: c.name,
      grade: c.grade,
      attack,
      targets: targets.length,
      asked: session.asked,
      answered: session.answered,
      suppressed: session.suppressed,
      epsilonSpent: await engine.ledger.spent(
        session.license.id,
        c.table,
        budgetPeriodKey((options.budget ?? DEMO_BUDGET).period, AT),
      ),
      stoppedBy: result.stoppedBy,
      stopKind: LIMIT_CODES.has(result.stoppedBy)
        ? "limit"
        : result.stoppedBy === "query cap"
          ? "cap"
          : "refused",
      estimated: result.estimates.filter((e) => e !== null).length,
      recovered,
      guessing,
      medianRelativeError: medianOf(targets.map((t, i) => Math.abs(estimates[i]! - t.value) / t.value)),
      queriesFor5Percent: queriesFor5Percent(result.pairSpread, targets),
      met: recovered <= guessing + RECOVERY_MARGIN,
    };
    options.log?.(
      `${protection === "none" ? "control, " : ""}${c.name} ${attack}: ${outcome.answered}/${outcome.asked} answered, ε ${outcome.epsilonSpent}, stopped by ${outcome.stoppedBy}; recovered ${pct(recovered)} vs guessing ${pct(guessing)}`,
    );
    outcomes.push(outcome);
  }
  return outcomes;
}

// ---- utility ------------------------------------------------------------------------------------

/** Figures an honest analyst asks (by district, and costs by diagnosis), with the columns that count each group's units. */
const UTILITY_QUERIES = [
  {
    sql: "SELECT district, count(*) AS n, avg(annual_income) AS mean_income FROM population GROUP BY district",
    units: "n",
    figures: ["n", "mean_income"],
  },
  {
    sql: "SELECT p.district, count(DISTINCT p.person_id) AS patients, avg(m.cost) AS mean_cost FROM population p JOIN medical_visits m ON p.person_id = m.person_id GROUP BY p.district",
    units: "patients",
    figures: ["patients", "mean_cost"],
  },
  {
    // Not by district: a person's visits spread over several diagnoses, each up to the cap.
    sql: "SELECT diagnosis, count(DISTINCT person_id) AS persons, sum(cost) AS total_cost FROM medical_visits GROUP BY diagnosis",
    units: "persons",
    figures: ["total_cost"],
  },
] as const;

async function measureUtility(
  engine: Engine,
  trials: number,
  budget: PrivacyBudget | undefined,
): Promise<UtilityFigure[]> {
  const figures: UtilityFigure[] = [];
  if (trials === 0) return figures;
  for (const q of UTILITY_QUERIES) {
    const exact = new Map(
      // Keyed by the group key, the first column.
      (await engine.truth<Record<string, string | number>>(q.sql)).map((row) => [
        String(Object.values(row)[0]),
        row,
      ]),
    );
    const errors = new Map<string, number[]>(q.figures.map((f) => [f, []]));
    const stated = new Map<string, { halfWidth: number; within: boolean }[]>(q.figures.map((f) => [f, []]));
    for (let trial = 0; trial < trials; trial++) {
      // A fresh license per trial: its first asking is charged and drawn anew (a repeat under one
      // license returns the recorded answer, by design), the measurement of independent noise.
      const license = demoLicense(`lic_utility_${trial}`, budget);
      const answer = await engine.service.execute({
        sql: q.sql,
        license,
        manifests: engine.manifests,
        at: AT,
      });
      const names = answer.columns.map((col) => col.name);
      for (const [r, row] of answer.rows.entries()) {
        const truth = exact.get(String(row[0]));
        if (!truth || Number(truth[q.units]) < UTILITY_MIN_UNITS) continue;
        for (const f of q.figures) {
          const released = row[names.indexOf(f)];
          if (released === null || released === undefined) continue;
          const error = Number(released) - Number(truth[f]);
          errors.get(f)!.push(error / Number(truth[f]));
          // The 95% interval the release states beside the figure: is the error inside it?
          const accuracy = answer.accuracy?.[r]?.[names.indexOf(f)];
          if (accuracy)
            stated.get(f)!.push({
              halfWidth: accuracy.ci95 / Math.abs(Number(truth[f])),
              within: Math.abs(error) <= accuracy.ci95,
            });
        }
      }
    }
    const groups = [...exact.values()].filter((row) => Number(row[q.units]) >= UTILITY_MIN_UNITS).length;
    for (const f of q.figures) {
      const e = errors.get(f)!;
      const abs = e.map(Math.abs);
      const meanError = e.length > 0 ? mean(abs) : Number.NaN;
      const intervals = stated.get(f)!;
      figures.push({
        figure: f,
        query: q.sql,
        groups,
        trials,
        meanRelativeError: meanError,
        maxRelativeError: e.length > 0 ? Math.max(...abs) : Number.NaN,
        bias: e.length > 0 ? mean(e) : Number.NaN,
        statedHalfWidth95: intervals.length > 0 ? mean(intervals.map((i) => i.halfWidth)) : Number.NaN,
        withinStated:
          intervals.length > 0 ? intervals.filter((i) => i.within).length / intervals.length : Number.NaN,
        met: meanError <= UTILITY_TARGET,
      });
    }
  }
  return figures;
}

// ---- the measurement ----------------------------------------------------------------------------

/**
 * Runs every attack on both columns and the utility trials on an existing domain file.
 *
 * @example
 * const report = await measureReconstruction("bench/results/domain-s0.1.duckdb", { targets: 40, grade2Queries: 1500, utilityTrials: 10 });
 * console.log(reconstructionTable(report));
 */
export async function measureReconstruction(
  domainFile: string,
  options: ReconstructionOptions,
): Promise<ReconstructionReport> {
  const engine = await openEngine(domainFile, options);
  try {
    const attacks: AttackOutcome[] = [];
    const controls: AttackOutcome[] = [];
    for (const c of options.utilityOnly ? [] : COLUMNS) {
      attacks.push(...(await attackColumn(engine, c, options, "engine")));
      if (options.control) controls.push(...(await attackColumn(engine, c, options, "none")));
    }
    options.log?.("averaging one count");
    const averaging = options.utilityOnly ? null : await averagingAttack(engine, options);
    options.log?.(`utility: ${options.utilityTrials} trials`);
    const utility = await measureUtility(engine, options.utilityTrials, options.budget);
    const { log: _, ...rest } = options;
    return {
      options: rest,
      attacks,
      averaging,
      controls,
      utility,
      met: { reconstruction: attacks.every((a) => a.met), utility: utility.every((u) => u.met) },
    };
  } finally {
    await engine.close();
  }
}

/**
 * The averaging attack alone on an existing domain file, under `options.budget` (the demo
 * license's when unset): for the red-team suite, which compares budgets.
 */
export async function measureAveraging(
  domainFile: string,
  options: ReconstructionOptions,
): Promise<AveragingOutcome> {
  const engine = await openEngine(domainFile, options);
  try {
    return await averagingAttack(engine, options);
  } finally {
    await engine.close();
  }
}

const pct = (x: number) => (Number.isNaN(x) ? "–" : `${(x * 100).toFixed(x < 0.1 && x > -0.1 ? 2 : 1)}%`);

/** The report as Markdown tables: attacks, averaging one count, utility. */
export function reconstructionTable(report: ReconstructionReport): string {
  const lines = [
    "| column (grade) | attack | answered / asked | ε spent | stopped by | own estimates | median error | queries for 5% | recovered within 5% | guessing | target | verdict |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...[...report.attacks, ...report.controls].map(
      (a) =>
        `| ${a.column} (${a.grade}) | ${a.attack} | ${a.answered} / ${a.asked} | ${a.epsilonSpent} | ${a.stoppedBy} | ${a.estimated} / ${a.targets} | ${pct(a.medianRelativeError)} | ${a.queriesFor5Percent === null ? "–" : a.queriesFor5Percent.toExponential(1)} | ${pct(a.recovered)} | ${pct(a.guessing)} | ≤ ${pct(a.guessing + RECOVERY_MARGIN)} | ${a.protection === "none" ? "control: no protection" : a.met ? "met" : "**LEAK**"} |`,
    ),
    "",
    ...(report.averaging === null
      ? []
      : [
          "| averaging one count of residents | targets | answers each | ε each | stopped by | median error | exact from the median | exact from one answer |",
          "| --- | --- | --- | --- | --- | --- | --- | --- |",
          `| population (3) | ${report.averaging.targets} | ${report.averaging.answersPerTarget} | ${report.averaging.epsilonPerTarget} | ${report.averaging.stoppedBy} | ${report.averaging.medianAbsoluteError.toFixed(2)} | ${pct(report.averaging.exact)} | ${pct(report.averaging.guessing)} |`,
          "",
        ]),
    "| figure | groups ≥ 1,000 units | trials | mean relative error | max relative error | bias | stated 95% half-width | within it | target | verdict |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...report.utility.map(
      (u) =>
        `| ${u.figure} | ${u.groups} | ${u.trials} | ${pct(u.meanRelativeError)} | ${pct(u.maxRelativeError)} | ${pct(u.bias)} | ${pct(u.statedHalfWidth95)} | ${pct(u.withinStated)} | ≤ ${pct(UTILITY_TARGET)} | ${u.groups === 0 ? "no such group" : u.met ? "met" : "**missed**"} |`,
    ),
  ];
  return lines.join("\n");
}

/** Options of a full run and of `--quick` (a smoke test), shared with bench/run.ts. */
export const RECONSTRUCTION_DEFAULTS: ReconstructionOptions = {
  targets: 40,
  grade2Queries: 1_500,
  utilityTrials: 10,
  control: true,
};
export const RECONSTRUCTION_QUICK: ReconstructionOptions = {
  targets: 20,
  grade2Queries: 150,
  utilityTrials: 3,
  control: true,
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: "string" },
      domain: { type: "string" },
      targets: { type: "string" },
      "grade2-queries": { type: "string" },
      trials: { type: "string" },
      out: { type: "string" },
      quick: { type: "boolean", default: false },
      "drafted-bounds": { type: "string" },
      "epsilon-per-query": { type: "string" },
      "epsilon-total": { type: "string" },
      "epsilon-period": { type: "string" },
      "utility-only": { type: "boolean", default: false },
    },
  });
  const base = values.quick ? RECONSTRUCTION_QUICK : RECONSTRUCTION_DEFAULTS;
  const options: ReconstructionOptions = {
    targets: Number(values.targets ?? base.targets),
    grade2Queries: Number(values["grade2-queries"] ?? base.grade2Queries),
    utilityTrials: Number(values.trials ?? base.utilityTrials),
    control: true,
    ...(values["drafted-bounds"] === undefined
      ? {}
      : { draftedBoundsEpsilon: Number(values["drafted-bounds"]) }),
    ...((values["epsilon-per-query"] ?? values["epsilon-total"] ?? values["epsilon-period"])
      ? {
          budget: PrivacyBudget.parse({
            perQuery: Number(values["epsilon-per-query"] ?? DEMO_BUDGET.perQuery),
            total: Number(values["epsilon-total"] ?? DEMO_BUDGET.total),
            period: values["epsilon-period"] ?? DEMO_BUDGET.period,
          }),
        }
      : {}),
    utilityOnly: values["utility-only"],
    log: (message) => process.stderr.write(`[reconstruction] ${message}\n`),
  };
  const scale = Number(values.scale ?? (values.quick ? 0.02 : 0.1));
  const here = dirname(fileURLToPath(import.meta.url));
  const outFile = resolve(values.out ?? join(here, "results", "reconstruction.json"));
  const dir = await mkdtemp(join(tmpdir(), "bench-reconstruction-"));
  try {
    let file = values.domain;
    if (file === undefined) {
      file = join(dir, "domain.duckdb");
      options.log?.(`generating the demo domain at scale ${scale}`);
      await generateDemoDomain({ file, scale });
    }
    const report = await measureReconstruction(file, options);
    console.log(reconstructionTable(report));
    await mkdir(dirname(outFile), { recursive: true });
    await writeFile(
      outFile,
      `${JSON.stringify({ scale: values.domain ? null : scale, domain: values.domain ?? null, ...report }, null, 2)}\n`,
    );
    options.log?.(`wrote ${outFile}`);
    if (!report.met.reconstruction) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
