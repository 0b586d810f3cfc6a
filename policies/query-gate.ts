import { DomainError } from "./errors.ts";
import {
  CAST_TARGETS,
  COUNTING_AGGREGATES,
  isAggregateFunction,
  SCALAR_FUNCTIONS,
  VALUE_AGGREGATES,
  WINDOW_FUNCTIONS,
} from "./functions.ts";
import type { LicensedView } from "./license.ts";
import { type ColumnRule, type DominanceRule, RULES_ALLOWED_BY_GRADE } from "./manifest.ts";
import { canonicalQuery, type ResolvedReference, verbatimQuery } from "./query-key.ts";
import type {
  AggregateOutput,
  AggregatePlan,
  Clause,
  ColumnUse,
  GroupKeySource,
  HavingCondition,
  Measure,
  OrderKey,
  QueryAnalysis,
  QueryKind,
  TimeBucket,
} from "./query-plan.ts";
import { guardErrors } from "./rewrite.ts";
import {
  COMPARISON_OPERATORS,
  child,
  columnRefNode,
  constantValue,
  FLIPPED_COMPARISON,
  isNode,
  need,
  nodes,
  numericConstant,
  optStr,
  type SqlNode,
  sameExpression,
  str,
  strings,
} from "./sql-tree.ts";

/**
 * The query gate: decides from DuckDB's parse tree alone whether a query may run, and what it is.
 *
 * Soundness comes from three allow-lists applied to every node: statement and table-reference
 * shapes, expression classes, and functions (functions.ts). Every column reference is resolved
 * to the dataset columns it derives from (its lineage, through aliases, subqueries and CTEs) and
 * checked against their rules in the clause where it is used. What cannot be analysed is refused.
 */

/** A dataset column a value derives from. */
interface Source {
  readonly dataset: string;
  readonly column: string;
  readonly rule: ColumnRule;
  readonly view: LicensedView;
  /** Which scan of the dataset (a table read twice is two instances, two sets of rows). */
  readonly instance: number;
}

/** Where a value comes from: its sources, and whether it is exactly one source column unchanged. */
interface Lineage {
  readonly sources: readonly { readonly source: Source; readonly predicateOnly: boolean }[];
  readonly bare: Source | null;
}

interface Binding {
  readonly name: string;
  readonly lineage: Lineage;
  /** Added by the engine (the exposed privacy unit), not written by the operator. */
  readonly injected?: boolean;
}

interface Relation {
  readonly alias: string;
  readonly columns: Binding[];
}

interface Scope {
  readonly relations: readonly Relation[];
  /** Enclosing query's scope, visible to correlated subquery expressions (open queries only). */
  readonly parent: Scope | null;
}

interface CteDefinition {
  readonly node: SqlNode;
  readonly aliases: readonly string[];
  /** CTEs visible inside this one's body: those defined before it in the same WITH. */
  readonly visible: ReadonlyMap<string, CteDefinition>;
  used: boolean;
}

/** How an expression is being used, which decides what each column rule admits. */
interface UseContext {
  readonly clause: Clause | "projection";
  /** Inside a predicate whose result only filters rows (WHERE, JOIN ON, aggregate conditions). */
  readonly predicate: boolean;
  /** Innermost aggregate function, when inside one. */
  readonly aggregate: string | null;
  /** The expression is the direct argument of count(...). */
  readonly countArgument: boolean;
  /** Group keys of the enclosing aggregate query (outside aggregates, columns must be keys). */
  readonly groupKeys: readonly SqlNode[] | null;
}

const PREDICATE_FUNCTIONS = new Set([
  "~~",
  "!~~",
  "~~*",
  "!~~*",
  "starts_with",
  "ends_with",
  "prefix",
  "suffix",
  "contains",
]);

/** Functions whose arguments after the first must be constants (a column there could raise range errors). */
const FIRST_ARGUMENT_ONLY = new Set(["substr", "substring", "left", "right", "round", "trunc"]);

const ALLOWED_JOIN_TYPES = new Set(["INNER", "LEFT", "RIGHT", "OUTER", "SEMI", "ANTI"]);
/** Joins that keep a row without a match, its other side NULL. */
const OUTER_JOIN_TYPES = new Set(["LEFT", "RIGHT", "OUTER"]);

const COMPARISON_OPS: Readonly<Record<string, HavingCondition["op"]>> = COMPARISON_OPERATORS;

const FLIPPED: Readonly<Record<HavingCondition["op"], HavingCondition["op"]>> = FLIPPED_COMPARISON;

/** Largest LIMIT honoured on an aggregate query (outputs are small tables). */
const MAX_AGGREGATE_LIMIT = 100_000;

function notAllowed(detail: string): DomainError {
  return new DomainError("SQL_NOT_ALLOWED", detail);
}

function violation(detail: string, source?: Source, clause?: string): DomainError {
  return new DomainError(
    "POLICY_VIOLATION",
    detail,
    source ? { dataset: source.dataset, column: source.column, rule: source.rule, clause } : {},
  );
}

/** Identifiers the engine reserves for its own rewritten SQL. */
function checkIdentifier(name: string, what: string): void {
  if (name.startsWith("__")) throw notAllowed(`${what} names starting with "__" are reserved`);
}

/** The `error_type` json_serialize_sql reports for a statement that is not a SELECT. */
const DUCKDB_NON_SELECT_ERROR = "not implemented";

/**
 * Analyses one parsed query (the JSON returned by DuckDB's `json_serialize_sql`) against the
 * datasets a license grants. Throws `SQL_NOT_ALLOWED` for constructs outside the allow-lists and
 * `POLICY_VIOLATION` for column uses their rules forbid; returns the plan otherwise.
 *
 * @example
 * const tree = JSON.parse(await parseWithDuckDb(sql));
 * const analysis = analyzeQuery(tree, licensedViews(license, manifests));
 */
export function analyzeQuery(parsed: unknown, views: ReadonlyMap<string, LicensedView>): QueryAnalysis {
  if (!isNode(parsed)) throw notAllowed("unexpected parse tree shape (root)");
  if (parsed.error === true) {
    // DuckDB only serializes SELECT statements: any other statement kind lands here.
    const type = optStr(parsed, "error_type");
    throw notAllowed(
      type === DUCKDB_NON_SELECT_ERROR
        ? "only a single SELECT statement is allowed (DDL, DML, PRAGMA, SET, CALL, COPY, ATTACH, EXPORT, INSTALL, LOAD, EXPLAIN are not)"
        : `the query does not parse (${type || "error"})`,
    );
  }
  const statements = nodes(parsed, "statements");
  if (statements.length !== 1) throw notAllowed("exactly one SELECT statement is allowed");
  const statement = structuredClone(statements[0]!);
  if (nodes(statement, "named_param_map").some((p) => !/^\d+$/.test(optStr(p, "key")))) {
    throw notAllowed("named parameters are not allowed; use $1, $2, ...");
  }
  const top = need(statement, "node");
  const analyzer = new Analyzer(views, touchesProtected(top, views), isAggregateNode(top));
  analyzer.analyzeTop(top);
  return analyzer.result(statement, statements[0]!);
}

/** True when any table reference in the tree names a protected (grade ≥ 2) dataset. */
function touchesProtected(value: unknown, views: ReadonlyMap<string, LicensedView>): boolean {
  if (Array.isArray(value)) return value.some((v) => touchesProtected(v, views));
  if (!isNode(value)) return false;
  if (value.type === "BASE_TABLE" && typeof value.table_name === "string") {
    const view = views.get(value.table_name.toLowerCase());
    if (view && view.manifest.privacyUnit !== null) return true;
  }
  return Object.values(value).some((v) => touchesProtected(v, views));
}

function isAggregateNode(node: SqlNode): boolean {
  if (node.type !== "SELECT_NODE") return false;
  if (nodes(node, "group_expressions").length > 0 || child(node, "having")) return true;
  return nodes(node, "select_list").some(containsAggregate);
}

/** True when an expression calls an aggregate outside any nested subquery. */
function containsAggregate(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsAggregate);
  if (!isNode(value)) return false;
  if (value.class === "SUBQUERY") return false;
  if (value.class === "FUNCTION" && typeof value.function_name === "string") {
    if (isAggregateFunction(value.function_name.toLowerCase())) return true;
  }
  return Object.values(value).some(containsAggregate);
}

class Analyzer {
  private readonly uses = new Map<string, ColumnUse>();
  private readonly unitParent = new Map<number, number>();
  private readonly protectedInstances: Source[] = [];
  /** Dataset of every table instance read, in order (a table read twice is there twice). */
  private readonly tableInstances: string[] = [];
  private nextInstance = 0;
  private plan: AggregatePlan | null = null;
  /** Some outer join has a condition other than privacy-unit equalities (see `AggregatePlan.outerJoinsOnUnitsOnly`). */
  private outerJoinOnOtherThanUnits = false;
  private readonly datasets = new Set<string>();
  /** Nodes the engine added to the tree (exempt from the reserved-name check). */
  private readonly injected = new WeakSet<SqlNode>();
  /** How each column reference resolved, for the canonical form of the query. */
  private readonly references = new WeakMap<SqlNode, ResolvedReference>();
  /** Row-level expressions over protected data that run inside TRY() (see `guardErrors`). */
  private readonly guarded = new Set<SqlNode>();

  constructor(
    private readonly views: ReadonlyMap<string, LicensedView>,
    private readonly protectedQuery: boolean,
    private readonly aggregateTop: boolean,
  ) {}

  /** The query is rewritten: subqueries must expose the privacy unit to the outer query. */
  private get rewriting(): boolean {
    return this.protectedQuery && this.aggregateTop;
  }

  get kind(): QueryKind {
    if (!this.protectedQuery) return "open";
    return this.aggregateTop ? "aggregate" : "row";
  }

  analyzeTop(top: SqlNode): void {
    if (this.protectedQuery && top.type !== "SELECT_NODE") {
      throw notAllowed("set operations (UNION, INTERSECT, EXCEPT) over protected datasets are not allowed");
    }
    this.analyzeQueryNode(top, new Map(), null, true);
    if (this.protectedQuery) this.checkSingleUnit();
  }

  /** The verdict; `original` is the statement as parsed (its verbatim form keys unplanned queries). */
  result(statement: SqlNode, original: SqlNode): QueryAnalysis {
    // Before the guards: TRY() says nothing about what the query computes.
    const canonical = this.plan
      ? canonicalQuery(this.plan, original, this.references)
      : verbatimQuery(original, 0);
    // After analysis, so no comparison of expressions ever sees a wrapper.
    for (const node of this.guarded) {
      const wrapped = guardErrors(node);
      if (wrapped === node) continue;
      const target = node as Record<string, unknown>;
      for (const key of Object.keys(target)) delete target[key];
      Object.assign(target, wrapped);
    }
    const views = [...this.datasets].map((d) => this.views.get(d)!);
    const dp = this.kind === "aggregate" ? views.filter((v) => v.differentialPrivacy) : [];
    return {
      kind: this.kind,
      statement,
      datasets: [...this.datasets].sort(),
      dpDatasets: dp.map((v) => v.manifest.name).sort(),
      columns: [...this.uses.values()],
      // Any row-level result over protected data (even its row count) is row access.
      tainted: this.kind === "row",
      requiresReview: views.some((v) => v.requiresReview),
      aggregate: this.plan,
      canonical,
    };
  }

  // ---- queries -------------------------------------------------------------------------------

  private analyzeQueryNode(
    node: SqlNode,
    ctes: ReadonlyMap<string, CteDefinition>,
    parent: Scope | null,
    top: boolean,
  ): Binding[] {
    const type = optStr(node, "type");
    if (type === "SELECT_NODE") return this.analyzeSelect(node, ctes, parent, top);
    if (type === "SET_OPERATION_NODE") {
      if (this.protectedQuery) {
        throw notAllowed("set operations (UNION, INTERSECT, EXCEPT) over protected datasets are not allowed");
      }
      if (nodes(node, "modifiers").length > 0 && top) this.checkOpenModifiers(node);
      const left = this.analyzeQueryNode(need(node, "left"), ctes, parent, false);
      this.analyzeQueryNode(need(node, "right"), ctes, parent, false);
      return left;
    }
    throw notAllowed(`${type || "this query form"} is not allowed (recursive CTEs included)`);
  }

  private checkOpenModifiers(node: SqlNode): void {
    for (const modifier of nodes(node, "modifiers")) {
      const type = optStr(modifier, "type");
      if (type === "LIMIT_MODIFIER") {
        for (const key of ["limit", "offset"]) {
          const expr = child(modifier, key);
          if (expr && numericConstant(expr) === undefined)
            throw notAllowed("LIMIT and OFFSET must be numbers");
        }
      } else if (type !== "ORDER_MODIFIER" && type !== "DISTINCT_MODIFIER") {
        throw notAllowed(`${type} is not allowed`);
      }
    }
  }

  private defineCtes(
    node: SqlNode,
    outer: ReadonlyMap<string, CteDefinition>,
  ): { ctes: Map<string, CteDefinition>; defined: CteDefinition[] } {
    const ctes = new Map(outer);
    const defined: CteDefinition[] = [];
    const map = child(node, "cte_map");
    for (const entry of map ? nodes(map, "map") : []) {
      const name = str(entry, "key").toLowerCase();
      checkIdentifier(name, "CTE");
      if (this.views.has(name)) throw notAllowed(`CTE ${name} would shadow a dataset of the same name`);
      const value = need(entry, "value");
      if (optStr(value, "materialized") === "CTE_MATERIALIZE_ALWAYS" && this.protectedQuery) {
        // harmless, but keep the rendered SQL to shapes we test
        throw notAllowed("MATERIALIZED CTEs are not allowed");
      }
      const definition: CteDefinition = {
        node: need(need(value, "query"), "node"),
        aliases: strings(value, "aliases").map((a) => a.toLowerCase()),
        visible: new Map(ctes),
        used: false,
      };
      ctes.set(name, definition);
      defined.push(definition);
    }
    return { ctes, defined };
  }

  private analyzeSelect(
    node: SqlNode,
    outerCtes: ReadonlyMap<string, CteDefinition>,
    parent: Scope | null,
    top: boolean,
  ): Binding[] {
    const { ctes, defined } = this.defineCtes(node, outerCtes);
    const rewriteThis = this.rewriting && top;
    const relations = this.analyzeFrom(need(node, "from_table"), ctes);
    const scope: Scope = { relations, parent };
    const protectedHere = relations.some((r) =>
      r.columns.some((c) => c.lineage.sources.some((s) => isProtected(s.source))),
    );

    if (child(node, "sample")) this.refuseIfProtected(protectedHere, "SAMPLE");
    if (child(node, "qualify")) this.refuseIfProtected(protectedHere, "QUALIFY");

    const where = child(node, "where_clause");
    if (where) this.analyzeConjuncts(where, scope, "where", ctes);

    const aggregated = isAggregateNode(node) || optStr(node, "aggregate_handling") === "FORCE_AGGREGATES";
    if (optStr(node, "aggregate_handling") === "FORCE_AGGREGATES") {
      throw notAllowed("GROUP BY ALL is not allowed: name the grouping expressions");
    }
    if (aggregated && protectedHere && !top) {
      throw violation(
        "aggregation over a protected dataset is only allowed in the outermost query; post-process released results in the script",
      );
    }
    if (protectedHere && !top) this.checkRowLevelSubquery(node);
    if (top && this.protectedQuery && !aggregated) {
      this.checkRowModifiers(node);
      this.checkRowAccessGranted();
    }
    if (!this.protectedQuery) this.checkOpenModifiers(node);

    let outputs: Binding[];
    if (aggregated) {
      outputs = this.analyzeAggregateSelect(node, scope, ctes, rewriteThis);
    } else {
      outputs = [];
      for (const item of nodes(node, "select_list")) {
        if (item.class === "STAR") {
          outputs.push(...this.expandStar(item, scope, top ? "select" : "projection"));
          continue;
        }
        const ctx = top ? this.context("select") : this.context("projection");
        const lineage = this.analyzeExpr(item, scope, ctx, ctes);
        outputs.push({ name: outputName(item, outputs.length), lineage });
        if (this.protectedQuery) this.guarded.add(item);
      }
      if (top) this.analyzeRowOrder(node, scope, ctes);
    }

    if (!top) for (const o of outputs) if (!o.injected) checkIdentifier(o.name, "column alias");
    if (this.rewriting && !top && protectedHere) this.exposeUnit(node, relations, outputs);
    // An unused CTE is never analysed, so it must not reach DuckDB either.
    if (defined.some((d) => !d.used)) throw notAllowed("every CTE must be used by the query");
    return outputs;
  }

  private refuseIfProtected(protectedHere: boolean, what: string): void {
    if (protectedHere || this.protectedQuery)
      throw notAllowed(`${what} is not allowed in queries over protected datasets`);
  }

  /** Subqueries over protected data only select and filter rows; the outer query aggregates. */
  private checkRowLevelSubquery(node: SqlNode): void {
    for (const modifier of nodes(node, "modifiers")) {
      throw notAllowed(
        `${optStr(modifier, "type").replace("_MODIFIER", "")} inside a subquery over a protected dataset is not allowed`,
      );
    }
  }

  /** Row-level access exists only where the grade admits `row` columns (grade 2 at most, with review). */
  private checkRowAccessGranted(): void {
    for (const source of this.protectedInstances) {
      const grade = source.view.manifest.grade;
      if (!RULES_ALLOWED_BY_GRADE[grade].includes("row")) {
        throw violation(
          `dataset ${source.dataset} (grade ${grade}) allows no row-level access: aggregate it with count, sum or avg`,
        );
      }
    }
  }

  /** Row access queries (tainted) may order and limit as they like, with constant limits. */
  private checkRowModifiers(node: SqlNode): void {
    for (const modifier of nodes(node, "modifiers")) {
      const type = optStr(modifier, "type");
      if (type === "DISTINCT_MODIFIER" && nodes(modifier, "distinct_on_targets").length > 0) {
        throw notAllowed("DISTINCT ON is not allowed in queries over protected datasets");
      }
    }
    this.checkOpenModifiers(node);
  }

  private analyzeRowOrder(node: SqlNode, scope: Scope, ctes: ReadonlyMap<string, CteDefinition>): void {
    const selectList = nodes(node, "select_list");
    for (const modifier of nodes(node, "modifiers")) {
      if (optStr(modifier, "type") !== "ORDER_MODIFIER") continue;
      for (const order of nodes(modifier, "orders")) {
        const expr = need(order, "expression");
        if (expr.class === "CONSTANT") continue; // position in the select list, already checked
        if (expr.class === "COLUMN_REF") {
          const names = strings(expr, "column_names").map((n) => n.toLowerCase());
          if (names.length === 1 && selectList.some((s) => optStr(s, "alias").toLowerCase() === names[0]))
            continue;
        }
        this.analyzeExpr(expr, scope, this.context("order"), ctes);
        if (this.protectedQuery) this.guarded.add(expr);
      }
    }
  }

  // ---- FROM ----------------------------------------------------------------------------------

  private analyzeFrom(ref: SqlNode, ctes: ReadonlyMap<string, CteDefinition>): Relation[] {
    const type = optStr(ref, "type");
    if (type !== "EMPTY" && type !== "JOIN") {
      if (child(ref, "sample")) throw notAllowed("TABLESAMPLE is not allowed");
      if (strings(ref, "column_name_alias").length > 0)
        throw notAllowed("column aliases on table references are not allowed");
    }
    const alias = optStr(ref, "alias").toLowerCase();
    if (alias) checkIdentifier(alias, "table alias");
    switch (type) {
      case "EMPTY":
        return [];
      case "BASE_TABLE":
        return [this.analyzeBaseTable(ref, ctes)];
      case "SUBQUERY": {
        const columns = this.analyzeQueryNode(need(need(ref, "subquery"), "node"), ctes, null, false);
        return [{ alias: alias || "unnamed_subquery", columns }];
      }
      case "JOIN":
        return this.analyzeJoin(ref, ctes);
      case "TABLE_FUNCTION":
        throw notAllowed(
          "table functions (file readers, range, unnest, metadata functions ...) are not allowed",
        );
      case "SHOW_REF":
        throw notAllowed("DESCRIBE, SHOW and SUMMARIZE are not allowed");
      case "PIVOT":
        throw notAllowed("PIVOT and UNPIVOT are not allowed");
      case "EXPRESSION_LIST":
        throw notAllowed("VALUES lists are not allowed");
      default:
        throw notAllowed(`table reference ${type || "of this kind"} is not allowed`);
    }
  }

  private analyzeBaseTable(ref: SqlNode, ctes: ReadonlyMap<string, CteDefinition>): Relation {
    if (optStr(ref, "schema_name") || optStr(ref, "catalog_name")) {
      throw notAllowed("schema- or catalog-qualified table names are not allowed");
    }
    if (child(ref, "at_clause")) throw notAllowed("AT (time travel) is not allowed");
    const name = str(ref, "table_name").toLowerCase();
    const alias = optStr(ref, "alias").toLowerCase() || name;
    const cte = ctes.get(name);
    if (cte) {
      cte.used = true;
      const columns = this.analyzeQueryNode(cte.node, cte.visible, null, false);
      if (cte.aliases.length > columns.length) throw notAllowed(`CTE ${name} names more columns than it has`);
      return {
        alias,
        columns: columns.map((c, i) => ({ name: cte.aliases[i] ?? c.name, lineage: c.lineage })),
      };
    }
    if (!/^[a-z][a-z0-9_]*$/.test(name)) {
      throw notAllowed("table references must be dataset names (file paths and URLs are not allowed)");
    }
    const view = this.views.get(name);
    if (!view) throw notAllowed(`table ${name} is not a dataset of this license`);
    this.datasets.add(name);
    this.tableInstances.push(name);
    const instance = this.nextInstance++;
    const columns: Binding[] = view.manifest.columns.map((column) => {
      const source: Source = {
        dataset: name,
        column: column.name,
        rule: view.rules.get(column.name)!,
        view,
        instance,
      };
      return { name: column.name, lineage: { sources: [{ source, predicateOnly: false }], bare: source } };
    });
    if (view.manifest.privacyUnit !== null) {
      const unit = columns.find((c) => c.name === view.manifest.privacyUnit)!;
      this.protectedInstances.push(unit.lineage.bare!);
      this.unitParent.set(instance, instance);
    }
    return { alias, columns };
  }

  private analyzeJoin(ref: SqlNode, ctes: ReadonlyMap<string, CteDefinition>): Relation[] {
    const refType = optStr(ref, "ref_type");
    const joinType = optStr(ref, "join_type");
    if (refType === "NATURAL") throw notAllowed("NATURAL joins are not allowed: join on named columns");
    if (refType !== "REGULAR" && refType !== "CROSS") throw notAllowed(`${refType} joins are not allowed`);
    if (!ALLOWED_JOIN_TYPES.has(joinType)) throw notAllowed(`${joinType} joins are not allowed`);
    const left = this.analyzeFrom(need(ref, "left"), ctes);
    const right = this.analyzeFrom(need(ref, "right"), ctes);
    const relations = [...left, ...right];
    const scope: Scope = { relations, parent: null };
    for (const name of strings(ref, "using_columns").map((n) => n.toLowerCase())) {
      const l = resolveIn(left, [name]);
      const r = resolveIn(right, [name]);
      if (!l || !r) throw notAllowed(`USING column ${name} is not on both sides`);
      this.joinEquality(l.lineage, r.lineage);
    }
    const condition = child(ref, "condition");
    if (condition) this.analyzeConjuncts(condition, scope, "join", ctes);
    if (OUTER_JOIN_TYPES.has(joinType) && !this.onUnitsOnly(ref, left, right, scope))
      this.outerJoinOnOtherThanUnits = true;
    return relations;
  }

  /** Whether a join's USING columns and ON conjuncts are all equalities of two privacy-unit columns. */
  private onUnitsOnly(
    ref: SqlNode,
    left: readonly Relation[],
    right: readonly Relation[],
    scope: Scope,
  ): boolean {
    for (const name of strings(ref, "using_columns").map((n) => n.toLowerCase())) {
      const l = resolveIn(left, [name])?.lineage.bare;
      const r = resolveIn(right, [name])?.lineage.bare;
      if (!l || !r || !isUnit(l) || !isUnit(r)) return false;
    }
    const conjuncts = (expr: SqlNode): SqlNode[] =>
      expr.class === "CONJUNCTION" && expr.type === "CONJUNCTION_AND"
        ? nodes(expr, "children").flatMap(conjuncts)
        : [expr];
    const condition = child(ref, "condition");
    return (condition ? conjuncts(condition) : []).every((c) => {
      if (c.class !== "COMPARISON" || c.type !== "COMPARE_EQUAL") return false;
      const sides = [need(c, "left"), need(c, "right")];
      return sides.every((side) => {
        if (side.class !== "COLUMN_REF") return false;
        const bare = this.resolve(side, scope).lineage.bare;
        return bare !== null && isUnit(bare);
      });
    });
  }

  /** WHERE and ON: top-level AND conjuncts may be equi-joins of join columns; the rest are predicates. */
  private analyzeConjuncts(
    expr: SqlNode,
    scope: Scope,
    clause: "where" | "join",
    ctes: ReadonlyMap<string, CteDefinition>,
  ): void {
    if (expr.class === "CONJUNCTION" && expr.type === "CONJUNCTION_AND") {
      for (const c of nodes(expr, "children")) this.analyzeConjuncts(c, scope, clause, ctes);
      return;
    }
    if (expr.class === "COMPARISON" && expr.type === "COMPARE_EQUAL") {
      const left = need(expr, "left");
      const right = need(expr, "right");
      if (left.class === "COLUMN_REF" && right.class === "COLUMN_REF") {
        const l = this.resolve(left, scope);
        const r = this.resolve(right, scope);
        if (isJoinKey(l.lineage) || isJoinKey(r.lineage)) {
          this.joinEquality(l.lineage, r.lineage);
          return;
        }
      }
    }
    this.analyzeExpr(expr, scope, { ...this.context(clause), predicate: true }, ctes);
    if (this.protectedQuery && !this.cannotRaise(expr, scope)) this.guarded.add(expr);
  }

  /**
   * A predicate that raises no error on any row needs no TRY(): text compared with text, NULL
   * tests, and AND/OR/NOT of those. TRY() costs the scan its filter pushdown, so the common
   * `district <> 'x'` is worth recognising; anything else (numbers, casts, functions) keeps it.
   */
  private cannotRaise(expr: SqlNode, scope: Scope): boolean {
    const text = (operand: SqlNode): boolean => {
      if (operand.class === "CONSTANT") return constantType(operand) === "VARCHAR";
      if (operand.class !== "COLUMN_REF") return false;
      const bare = this.resolve(operand, scope).lineage.bare;
      return bare !== null && columnType(bare) === "VARCHAR";
    };
    const type = optStr(expr, "type");
    switch (expr.class) {
      case "CONJUNCTION":
        return nodes(expr, "children").every((c) => this.cannotRaise(c, scope));
      case "OPERATOR":
        if (type === "OPERATOR_NOT") return nodes(expr, "children").every((c) => this.cannotRaise(c, scope));
        if (type === "OPERATOR_IS_NULL" || type === "OPERATOR_IS_NOT_NULL")
          return nodes(expr, "children").every((c) => c.class === "COLUMN_REF" || this.cannotRaise(c, scope));
        if (type === "COMPARE_IN" || type === "COMPARE_NOT_IN") return nodes(expr, "children").every(text);
        return false;
      case "COMPARISON":
        return Object.hasOwn(COMPARISON_OPS, type) && text(need(expr, "left")) && text(need(expr, "right"));
      default:
        return false;
    }
  }

  /** An equality between two columns used as a join: both must be bare join (or freer) columns. */
  private joinEquality(left: Lineage, right: Lineage): void {
    for (const side of [left, right]) {
      const bare = side.bare;
      if (!bare) {
        const source = side.sources[0]?.source;
        throw violation("join conditions must compare columns directly, not expressions", source, "join");
      }
      if (bare.rule === "deny") throw violation(`column ${bare.column} is denied`, bare, "join");
      if (bare.rule !== "join" && bare.rule !== "row" && bare.rule !== "plain") {
        throw violation(`column ${bare.column} (rule ${bare.rule}) cannot be a join key`, bare, "join");
      }
      this.recordUse(bare, "join");
    }
    const l = left.bare!;
    const r = right.bare!;
    // Keys of different types join through an implicit cast, which fails on some values (an oracle).
    if (columnType(l) !== columnType(r)) {
      throw violation(`join keys ${l.column} and ${r.column} have different types`, l, "join");
    }
    if (isUnit(l) && isUnit(r)) this.union(l.instance, r.instance);
  }

  // ---- privacy units -------------------------------------------------------------------------

  private find(instance: number): number {
    let root = instance;
    while (this.unitParent.get(root) !== root) root = this.unitParent.get(root)!;
    return root;
  }

  private union(a: number, b: number): void {
    this.unitParent.set(this.find(a), this.find(b));
  }

  /** Every joined row must belong to exactly one individual, or bounds and noise mean nothing. */
  private checkSingleUnit(): void {
    const roots = new Set(this.protectedInstances.map((s) => this.find(s.instance)));
    if (roots.size > 1) {
      throw violation(
        "rows of this join cannot be attributed to a single privacy unit: join protected tables on their privacy-unit columns (e.g. a.person_id = b.person_id)",
      );
    }
  }

  /** Makes a protected subquery output its privacy unit as `__pu` (rewritten queries only). */
  private exposeUnit(node: SqlNode, relations: readonly Relation[], outputs: Binding[]): void {
    if (outputs.some((o) => o.lineage.bare && isUnit(o.lineage.bare))) return;
    // A CTE read twice is analysed twice: its unit column is already there the second time.
    for (const relation of relations) {
      const column = relation.columns.find((c) => c.lineage.bare && isUnit(c.lineage.bare));
      if (!column) continue;
      const ref = columnRefNode([relation.alias, column.name], "__pu");
      this.injected.add(ref);
      (node.select_list as SqlNode[]).push(ref);
      outputs.push({ name: "__pu", lineage: column.lineage, injected: true });
      return;
    }
    throw violation("a subquery over a protected dataset must keep its rows attributable to a privacy unit");
  }

  // ---- aggregate queries ---------------------------------------------------------------------

  private analyzeAggregateSelect(
    node: SqlNode,
    scope: Scope,
    ctes: ReadonlyMap<string, CteDefinition>,
    rewrite: boolean,
  ): Binding[] {
    const selectList = nodes(node, "select_list");
    const groupSets = node.group_sets;
    const groupExprs = nodes(node, "group_expressions");
    if (Array.isArray(groupSets) && groupSets.length > 1) {
      throw notAllowed("GROUPING SETS, ROLLUP and CUBE are not allowed");
    }
    // GROUP BY may name a select alias or position; resolve to the expression it stands for.
    const groupKeys = groupExprs.map((g) => {
      const position = numericConstant(g);
      if (position !== undefined) {
        const item = selectList[position - 1];
        if (!item) throw notAllowed("GROUP BY position out of range");
        return item;
      }
      if (g.class === "COLUMN_REF") {
        const names = strings(g, "column_names").map((n) => n.toLowerCase());
        if (names.length === 1 && !resolveIn(scope.relations, names)) {
          const item = selectList.find((s) => optStr(s, "alias").toLowerCase() === names[0]);
          if (item) return item;
        }
      }
      return g;
    });
    const keyLineages = groupKeys.map((key) => {
      if (containsAggregate(key)) throw notAllowed("aggregates are not allowed in GROUP BY");
      return this.analyzeExpr(key, scope, this.context("group"), ctes);
    });
    const groupCtx = { groupKeys };
    const outputs: Binding[] = [];
    for (const item of selectList) {
      if (item.class === "STAR") throw notAllowed("* is not allowed in an aggregate query");
      const lineage = this.analyzeExpr(item, scope, { ...this.context("select"), ...groupCtx }, ctes);
      outputs.push({ name: outputName(item, outputs.length), lineage });
    }
    const having = child(node, "having");
    if (having) {
      const resolved = substituteAliases(having, selectList, scope);
      this.analyzeExpr(resolved, scope, { ...this.context("having"), ...groupCtx, predicate: true }, ctes);
    }
    for (const modifier of nodes(node, "modifiers")) {
      if (optStr(modifier, "type") !== "ORDER_MODIFIER") continue;
      for (const order of nodes(modifier, "orders")) {
        const expr = need(order, "expression");
        if (orderOutputIndex(expr, selectList) === undefined) {
          this.analyzeExpr(expr, scope, { ...this.context("order"), ...groupCtx }, ctes);
        }
      }
    }
    if (rewrite) this.plan = this.buildPlan(node, scope, groupKeys, keyLineages, selectList);
    return outputs;
  }

  private buildPlan(
    node: SqlNode,
    scope: Scope,
    groupKeys: SqlNode[],
    keyLineages: Lineage[],
    selectList: SqlNode[],
  ): AggregatePlan {
    const views = this.protectedInstances.map((s) => s.view);
    const unitRef = this.unitReference(scope);
    const unitSource = scope.relations
      .find((r) => r.alias === unitRef[0])
      ?.columns.find((c) => c.name === unitRef[1])?.lineage.bare;
    const measures: Measure[] = [{ kind: "units", value: null, filter: null, bounds: null, column: null }];
    const maxContributions = Math.max(...views.map((v) => v.maxContributionsPerUnit));
    const measureIndex = (measure: Measure): number => {
      const same = measures.findIndex(
        (m) =>
          m.kind === measure.kind &&
          sameOptional(m.value, measure.value) &&
          sameOptional(m.filter, measure.filter),
      );
      if (same >= 0) return same;
      measures.push(measure);
      return measures.length - 1;
    };
    const outputs: AggregateOutput[] = [];
    for (const [i, item] of selectList.entries()) {
      const name = outputName(item, i);
      const key = groupKeys.findIndex((g) => sameExpression(g, item));
      if (key >= 0) {
        outputs.push({ name, kind: "group", key });
        continue;
      }
      if (item.class !== "FUNCTION" || !isAggregateFunction(optStr(item, "function_name").toLowerCase())) {
        throw violation(
          `output ${name} must be a GROUP BY expression or a single count/sum/avg over a protected dataset; derive other values in the script`,
        );
      }
      outputs.push(this.aggregateOutput(item, name, scope, measureIndex, maxContributions));
    }
    if (new Set(outputs.map((o) => o.name)).size !== outputs.length) {
      throw notAllowed("output column names must be unique (use AS)");
    }
    const { order, limit, offset } = planModifiers(node, selectList);
    const having = child(node, "having");
    // A period of a column read unchanged: one computed in a subquery (a CASE, a shift) need not
    // span what the column spans.
    const keySources = keyLineages.map((lineage, i) =>
      withTimeBucket(
        keySource(lineage),
        groupKeys[i]!,
        (ref) => this.resolve(ref, scope).lineage.bare !== null,
      ),
    );
    const differentialPrivacy = views.some((v) => v.differentialPrivacy);
    const oneGroupPerUnit =
      differentialPrivacy &&
      maxContributions > 1 &&
      keySources.length > 0 &&
      keySources.every((source) => {
        if (source === null || source === "constant") return false;
        const manifest = this.views.get(source.dataset)?.manifest;
        return manifest?.privacyUnit != null && manifest.maxContributionsPerUnit === 1;
      });
    return {
      node,
      unitRef,
      tables: [...this.tableInstances],
      groupKeys,
      publicPartitions: this.publicPartitions(groupKeys, scope),
      keySources,
      unitColumn: unitSource ? { dataset: unitSource.dataset, column: unitSource.column } : null,
      // Sums bounded per unit (`bounds.unitMax`) under DP, whose noise is scaled to that bound: the
      // rewrite clamps each unit's total in its one group, or scales its rows over the query.
      measures: differentialPrivacy ? measures.map((m) => this.withUnitMax(m)) : measures,
      outputs,
      having: having ? planHaving(having, selectList) : [],
      order,
      limit,
      offset,
      minGroupSize: Math.max(...views.map((v) => v.minGroupSize)),
      maxContributions,
      differentialPrivacy,
      oneGroupPerUnit,
      outerJoinsOnUnitsOnly: !this.outerJoinOnOtherThanUnits,
      dominance: strictestDominance(views.map((v) => v.manifest.dominance ?? null)),
    };
  }

  /** A sum of a column with `bounds.unitMax` (never negative), carrying it; any other measure as it is. */
  private withUnitMax(measure: Measure): Measure {
    if (measure.kind !== "sum" || !measure.column || !measure.bounds || measure.bounds.lo < 0) return measure;
    const { dataset, column } = measure.column;
    const unitMax = this.views.get(dataset)?.manifest.columns.find((c) => c.name === column)?.bounds?.unitMax;
    return unitMax === undefined ? measure : { ...measure, unitMax };
  }

  private aggregateOutput(
    item: SqlNode,
    name: string,
    scope: Scope,
    measureIndex: (m: Measure) => number,
    maxContributions: number,
  ): AggregateOutput {
    const fn = optStr(item, "function_name").toLowerCase();
    if (!COUNTING_AGGREGATES.has(fn)) {
      throw violation(
        `${fn}() returns individual values and is not available over protected datasets; use count, sum or avg`,
      );
    }
    if (nodes(need(item, "order_bys"), "orders").length > 0)
      throw notAllowed("ORDER BY inside aggregates is not allowed");
    const filter = child(item, "filter");
    const args = nodes(item, "children");
    const distinct = item.distinct === true;
    if (fn === "count_star") {
      if (maxContributions === 1 && !filter) return { name, kind: "count", measure: 0 };
      return {
        name,
        kind: "count",
        measure: measureIndex({ kind: "count", value: null, filter, bounds: null, column: null }),
      };
    }
    if (args.length !== 1) throw notAllowed(`${fn}() takes exactly one argument here`);
    const arg = args[0]!;
    const bare = arg.class === "COLUMN_REF" ? this.resolve(arg, scope).lineage.bare : null;
    const column = bare ? { dataset: bare.dataset, column: bare.column } : null;
    if (fn === "count") {
      if (distinct) {
        if (bare && isUnit(bare) && !filter) return { name, kind: "count", measure: 0 };
        return {
          name,
          kind: "count",
          measure: measureIndex({ kind: "count_distinct", value: arg, filter, bounds: null, column }),
        };
      }
      return {
        name,
        kind: "count",
        measure: measureIndex({ kind: "count", value: arg, filter, bounds: null, column }),
      };
    }
    if (distinct) throw notAllowed(`${fn}(DISTINCT ...) is not allowed over protected datasets`);
    const bounds = this.bounds(arg, scope);
    if (!bounds) {
      throw violation(
        `cannot bound the argument of ${fn}(): use numeric columns with declared bounds, constants, CASE and + - * /`,
      );
    }
    const sum = measureIndex({ kind: "sum", value: arg, filter, bounds, column });
    if (fn === "sum") return { name, kind: "sum", measure: sum };
    const count = measureIndex({ kind: "count", value: arg, filter, bounds: null, column });
    return { name, kind: "mean", sum, count };
  }

  /** Interval of an aggregate argument, from declared column bounds; null when it cannot be bounded. */
  private bounds(expr: SqlNode, scope: Scope): { lo: number; hi: number } | null {
    const constant = numericConstant(expr);
    if (constant !== undefined) return { lo: constant, hi: constant };
    switch (expr.class) {
      case "COLUMN_REF": {
        const bare = this.resolve(expr, scope).lineage.bare;
        const column = bare?.view.manifest.columns.find((c) => c.name === bare.column);
        return column?.bounds ? { lo: column.bounds.min, hi: column.bounds.max } : null;
      }
      case "CAST": {
        const target = str(need(expr, "cast_type"), "id");
        if (!["DOUBLE", "FLOAT", "DECIMAL", "INTEGER", "BIGINT", "HUGEINT", "SMALLINT"].includes(target))
          return null;
        return this.bounds(need(expr, "child"), scope);
      }
      case "CASE": {
        const branches = nodes(expr, "case_checks").map((c) => need(c, "then_expr"));
        const otherwise = child(expr, "else_expr");
        if (otherwise) branches.push(otherwise);
        let acc: { lo: number; hi: number } | null = null;
        for (const branch of branches) {
          if (branch.class === "CONSTANT" && constantValue(branch) === null) continue;
          const b = this.bounds(branch, scope);
          if (!b) return null;
          acc = acc ? { lo: Math.min(acc.lo, b.lo), hi: Math.max(acc.hi, b.hi) } : b;
        }
        return acc;
      }
      case "FUNCTION": {
        const fn = optStr(expr, "function_name");
        const args = nodes(expr, "children").map((c) => this.bounds(c, scope));
        if (args.some((a) => a === null)) return null;
        const [a, b] = args as { lo: number; hi: number }[];
        if (fn === "-" && a && !b) return { lo: -a.hi, hi: -a.lo };
        // least/greatest let the operator clamp tighter than the manifest (less noise for sums).
        if ((fn === "least" || fn === "greatest") && args.length >= 2) {
          const all = args as { lo: number; hi: number }[];
          const pick = fn === "least" ? Math.min : Math.max;
          return { lo: pick(...all.map((x) => x.lo)), hi: pick(...all.map((x) => x.hi)) };
        }
        if (!a || !b || args.length !== 2) return null;
        if (fn === "+") return { lo: a.lo + b.lo, hi: a.hi + b.hi };
        if (fn === "-") return { lo: a.lo - b.hi, hi: a.hi - b.lo };
        if (fn === "*" || (fn === "/" && b.lo === b.hi && b.lo !== 0)) {
          const products =
            fn === "*" ? [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi] : [a.lo / b.lo, a.hi / b.lo];
          return { lo: Math.min(...products), hi: Math.max(...products) };
        }
        return null;
      }
      default:
        return null;
    }
  }

  private unitReference(scope: Scope): string[] {
    for (const relation of scope.relations) {
      const column = relation.columns.find((c) => c.lineage.bare && isUnit(c.lineage.bare));
      if (column) return [relation.alias, column.name];
    }
    throw violation("the privacy unit of the rows cannot be determined");
  }

  /** Public partitions: every key is a bare column with a declared value domain. */
  private publicPartitions(groupKeys: SqlNode[], scope: Scope): string[][] | null {
    const domains: string[][] = [];
    for (const key of groupKeys) {
      if (key.class !== "COLUMN_REF") return null;
      const bare = this.resolve(key, scope).lineage.bare;
      const values = bare?.view.manifest.columns.find((c) => c.name === bare.column)?.values;
      if (!values) return null;
      domains.push([...values]);
    }
    return domains;
  }

  // ---- expressions ---------------------------------------------------------------------------

  private context(clause: UseContext["clause"]): UseContext {
    return { clause, predicate: false, aggregate: null, countArgument: false, groupKeys: null };
  }

  private expandStar(star: SqlNode, scope: Scope, clause: "select" | "projection"): Binding[] {
    if (star.columns === true || child(star, "expr")) throw notAllowed("COLUMNS(...) is not allowed");
    if (nodes(star, "replace_list").length > 0 || nodes(star, "rename_list").length > 0) {
      throw notAllowed("* REPLACE and * RENAME are not allowed");
    }
    if (nodes(star, "qualified_exclude_list").length > 0)
      throw notAllowed("qualified * EXCLUDE is not allowed");
    const exclude = new Set(strings(star, "exclude_list").map((e) => e.toLowerCase()));
    const relationName = optStr(star, "relation_name").toLowerCase();
    const relations = relationName
      ? scope.relations.filter((r) => r.alias === relationName)
      : scope.relations;
    if (relationName && relations.length === 0) throw notAllowed(`no relation ${relationName} in scope`);
    const out: Binding[] = [];
    for (const relation of relations) {
      for (const column of relation.columns) {
        if (exclude.has(column.name)) continue;
        if (clause === "select") this.checkLineage(column.lineage, this.context("select"), column.name);
        out.push(column);
      }
    }
    if (new Set(out.map((o) => o.name)).size !== out.length && clause === "projection" && this.rewriting) {
      throw notAllowed("* over relations with the same column names cannot be analysed; name the columns");
    }
    return out;
  }

  private resolve(ref: SqlNode, scope: Scope): Binding {
    const names = strings(ref, "column_names").map((n) => n.toLowerCase());
    for (const n of names) checkIdentifier(n, "column");
    let up = 0;
    for (let s: Scope | null = scope; s; s = s.parent, up++) {
      const found = resolveIn(s.relations, names);
      if (found) {
        // The relation resolveIn took it from: the one named, or the first with such a column.
        const relation = s.relations.findIndex((r) =>
          names.length === 2 ? r.alias === names[0] : r.columns.some((c) => c.name === names[0]),
        );
        this.references.set(ref, {
          up,
          relation,
          name: found.name,
          datasetColumn: found.lineage.bare !== null,
        });
        return found;
      }
    }
    // Unknown names include a table name used as a column (a whole-row struct) and lateral
    // references to sibling relations: neither can be analysed.
    throw notAllowed(`unknown column ${names.join(".")}`);
  }

  private analyzeExpr(
    expr: SqlNode,
    scope: Scope,
    ctx: UseContext,
    ctes: ReadonlyMap<string, CteDefinition>,
  ): Lineage {
    const alias = optStr(expr, "alias");
    if (alias && !this.injected.has(expr)) checkIdentifier(alias.toLowerCase(), "column alias");
    // Outside aggregates, an aggregate query may only use its group keys.
    if (ctx.groupKeys && ctx.aggregate === null && ctx.groupKeys.some((g) => sameExpression(g, expr))) {
      const lineage = this.lineageOf(expr, scope, ctes);
      return lineage;
    }
    const cls = optStr(expr, "class");
    switch (cls) {
      case "CONSTANT":
        return { sources: [], bare: null };
      case "PARAMETER":
        return { sources: [], bare: null };
      case "COLUMN_REF": {
        const binding = this.resolve(expr, scope);
        if (ctx.groupKeys && ctx.aggregate === null) {
          const source = binding.lineage.sources[0]?.source;
          throw violation(
            `column ${binding.name} must be a GROUP BY expression or inside an aggregate (clause ${ctx.clause})`,
            source,
            ctx.clause,
          );
        }
        this.checkLineage(binding.lineage, ctx, binding.name);
        return ctx.clause === "projection" ? withPredicate(binding.lineage, ctx.predicate) : binding.lineage;
      }
      case "COMPARISON": {
        const inner = { ...ctx, predicate: true, countArgument: false };
        return merge(null, [
          this.analyzeExpr(need(expr, "left"), scope, inner, ctes),
          this.analyzeExpr(need(expr, "right"), scope, inner, ctes),
        ]);
      }
      case "CONJUNCTION":
        return this.children(
          expr,
          "children",
          scope,
          { ...ctx, predicate: true, countArgument: false },
          ctes,
        );
      case "BETWEEN": {
        const inner = { ...ctx, predicate: true, countArgument: false };
        return merge(
          null,
          ["input", "lower", "upper"].map((k) => this.analyzeExpr(need(expr, k), scope, inner, ctes)),
        );
      }
      case "OPERATOR": {
        const type = optStr(expr, "type");
        if (type === "OPERATOR_COALESCE")
          return this.children(expr, "children", scope, { ...ctx, countArgument: false }, ctes);
        if (
          ![
            "OPERATOR_NOT",
            "OPERATOR_IS_NULL",
            "OPERATOR_IS_NOT_NULL",
            "COMPARE_IN",
            "COMPARE_NOT_IN",
          ].includes(type)
        ) {
          throw notAllowed(`operator ${type} is not allowed`);
        }
        return this.children(
          expr,
          "children",
          scope,
          { ...ctx, predicate: true, countArgument: false },
          ctes,
        );
      }
      case "CASE": {
        const parts: Lineage[] = [];
        for (const check of nodes(expr, "case_checks")) {
          parts.push(
            this.analyzeExpr(
              need(check, "when_expr"),
              scope,
              { ...ctx, predicate: true, countArgument: false },
              ctes,
            ),
          );
          parts.push(
            this.analyzeExpr(need(check, "then_expr"), scope, { ...ctx, countArgument: false }, ctes),
          );
        }
        const otherwise = child(expr, "else_expr");
        if (otherwise) parts.push(this.analyzeExpr(otherwise, scope, { ...ctx, countArgument: false }, ctes));
        return merge(null, parts);
      }
      case "CAST": {
        const target = str(need(expr, "cast_type"), "id");
        if (!CAST_TARGETS.has(target)) throw notAllowed(`CAST to ${target} is not allowed`);
        // A failing cast raises an error quoting the value; TRY_CAST yields NULL instead.
        (expr as Record<string, unknown>).try_cast = true;
        return this.analyzeExpr(need(expr, "child"), scope, { ...ctx, countArgument: false }, ctes);
      }
      case "FUNCTION":
        return this.analyzeFunction(expr, scope, ctx, ctes);
      case "WINDOW":
        if (this.protectedQuery)
          throw notAllowed("window functions are not allowed in queries over protected datasets");
        return this.analyzeWindow(expr, scope, ctx, ctes);
      case "SUBQUERY": {
        if (this.protectedQuery)
          throw notAllowed("subquery expressions are not allowed in queries over protected datasets");
        const sub = need(need(expr, "subquery"), "node");
        this.analyzeQueryNode(sub, ctes, scope, false);
        const childExpr = child(expr, "child");
        if (childExpr) this.analyzeExpr(childExpr, scope, ctx, ctes);
        return { sources: [], bare: null };
      }
      case "STAR":
        throw notAllowed("* is only allowed as a select item");
      case "POSITIONAL_REFERENCE":
        throw notAllowed("positional references (#n) are not allowed");
      case "LAMBDA":
        throw notAllowed("lambda expressions are not allowed");
      default:
        throw notAllowed(`expression ${cls || "of this kind"} is not allowed`);
    }
  }

  /** Lineage of a group-key expression used again in SELECT/HAVING/ORDER (already rule-checked as a key). */
  private lineageOf(expr: SqlNode, scope: Scope, ctes: ReadonlyMap<string, CteDefinition>): Lineage {
    return this.analyzeExpr(expr, scope, this.context("group"), ctes);
  }

  private children(
    expr: SqlNode,
    key: string,
    scope: Scope,
    ctx: UseContext,
    ctes: ReadonlyMap<string, CteDefinition>,
  ): Lineage {
    return merge(
      null,
      nodes(expr, key).map((c) => this.analyzeExpr(c, scope, ctx, ctes)),
    );
  }

  private analyzeFunction(
    expr: SqlNode,
    scope: Scope,
    ctx: UseContext,
    ctes: ReadonlyMap<string, CteDefinition>,
  ): Lineage {
    const name = str(expr, "function_name").toLowerCase();
    const schema = optStr(expr, "schema");
    if (optStr(expr, "catalog") || (schema && schema !== "main")) {
      throw notAllowed(`qualified function names (${schema}.${name}) are not allowed`);
    }
    if (expr.export_state === true) throw notAllowed("EXPORT_STATE is not allowed");
    const args = nodes(expr, "children");
    if (isAggregateFunction(name)) {
      if (ctx.aggregate !== null) throw notAllowed("nested aggregates are not allowed");
      if (ctx.clause === "where" || ctx.clause === "join" || ctx.clause === "group") {
        throw notAllowed(`aggregate ${name}() is not allowed in ${ctx.clause.toUpperCase()}`);
      }
      if (this.protectedQuery && VALUE_AGGREGATES.has(name) && this.kind === "aggregate") {
        throw violation(
          `${name}() returns individual values and is not available over protected datasets; use count, sum or avg`,
        );
      }
      const inner: UseContext = { ...ctx, aggregate: name, groupKeys: null };
      const filter = child(expr, "filter");
      const parts = args.map((a) =>
        this.analyzeExpr(
          a,
          scope,
          { ...inner, countArgument: name === "count" && a.class === "COLUMN_REF" },
          ctes,
        ),
      );
      if (filter) parts.push(this.analyzeExpr(filter, scope, { ...inner, predicate: true }, ctes));
      for (const order of nodes(need(expr, "order_bys"), "orders")) {
        parts.push(this.analyzeExpr(need(order, "expression"), scope, inner, ctes));
      }
      return merge(null, parts);
    }
    if (!SCALAR_FUNCTIONS.has(name)) throw notAllowed(`function ${name}() is not allowed`);
    if (child(expr, "filter") || expr.distinct === true) throw notAllowed(`${name}() is not an aggregate`);
    if (FIRST_ARGUMENT_ONLY.has(name) && args.slice(1).some((a) => a.class !== "CONSTANT")) {
      throw notAllowed(
        `only the first argument of ${name}() may be an expression; the others must be constants`,
      );
    }
    const inner = { ...ctx, countArgument: false, predicate: ctx.predicate || PREDICATE_FUNCTIONS.has(name) };
    return merge(
      null,
      args.map((a) => this.analyzeExpr(a, scope, inner, ctes)),
    );
  }

  private analyzeWindow(
    expr: SqlNode,
    scope: Scope,
    ctx: UseContext,
    ctes: ReadonlyMap<string, CteDefinition>,
  ): Lineage {
    const name = str(expr, "function_name").toLowerCase();
    if (!WINDOW_FUNCTIONS.has(name)) throw notAllowed(`window function ${name}() is not allowed`);
    const parts: Lineage[] = [];
    for (const key of ["children", "partitions"]) parts.push(this.children(expr, key, scope, ctx, ctes));
    for (const order of nodes(expr, "orders"))
      parts.push(this.analyzeExpr(need(order, "expression"), scope, ctx, ctes));
    for (const key of ["start_expr", "end_expr", "offset_expr", "default_expr", "filter_expr"]) {
      const e = child(expr, key);
      if (e) parts.push(this.analyzeExpr(e, scope, ctx, ctes));
    }
    return merge(null, parts);
  }

  // ---- rules ---------------------------------------------------------------------------------

  private checkLineage(lineage: Lineage, ctx: UseContext, name: string): void {
    if (ctx.clause === "projection") {
      // Deferred: checked where the outer query uses the column. Denied columns fail now.
      for (const { source } of lineage.sources) {
        if (source.rule === "deny") throw violation(`column ${source.column} is denied`, source, "select");
      }
      return;
    }
    for (const { source, predicateOnly } of lineage.sources) {
      this.checkSource(source, ctx, predicateOnly, lineage.bare !== null, name);
    }
  }

  private checkSource(
    source: Source,
    ctx: UseContext,
    predicateOnly: boolean,
    bare: boolean,
    name: string,
  ): void {
    const clause = ctx.aggregate ? "aggregate" : ctx.clause === "projection" ? "select" : ctx.clause;
    const filtering = ctx.clause === "where" || ctx.clause === "join" || ctx.aggregate !== null;
    const predicate = filtering && (ctx.predicate || predicateOnly);
    const counting = ctx.aggregate === "count" || ctx.aggregate === "count_star";
    const valueAggregate = ctx.aggregate !== null && VALUE_AGGREGATES.has(ctx.aggregate);
    const fail = (why: string): DomainError =>
      violation(
        `column ${source.column}${name !== source.column ? ` (as ${name})` : ""} has rule '${source.rule}' and ${why} (clause ${clause.toUpperCase()})`,
        source,
        clause,
      );
    switch (source.rule) {
      case "deny":
        throw fail("may not be used anywhere");
      case "join":
        if (ctx.countArgument && bare && counting) break;
        throw fail(
          ctx.predicate || predicateOnly
            ? "may only be compared to another join column (never to a literal or inside an expression)"
            : "may only appear in equality join conditions",
        );
      case "filter":
        if (!predicate || valueAggregate)
          throw fail("may only be used in WHERE/JOIN predicates and aggregate conditions");
        break;
      case "aggregate":
        if (ctx.aggregate === null) throw fail("may only be used inside count/sum/avg");
        if (valueAggregate)
          throw fail(`cannot be used in ${ctx.aggregate}(), which returns individual values`);
        break;
      case "group":
        if (ctx.aggregate !== null) {
          if (valueAggregate)
            throw fail(`cannot be used in ${ctx.aggregate}(), which returns individual values`);
          if (!predicate && !counting) throw fail("may only be grouped, filtered or counted");
        } else if (clause !== "group" && !filtering && !ctx.groupKeys) {
          throw fail("may only be output as a GROUP BY dimension of an aggregate query");
        }
        break;
      case "row":
      case "plain":
        break;
    }
    this.recordUse(source, clause);
  }

  private recordUse(source: Source, clause: Clause): void {
    const key = `${source.dataset}.${source.column}.${clause}`;
    if (!this.uses.has(key)) {
      this.uses.set(key, { dataset: source.dataset, column: source.column, rule: source.rule, clause });
    }
  }
}

// ---- pure helpers ------------------------------------------------------------------------------

function isProtected(source: Source): boolean {
  return source.view.manifest.privacyUnit !== null;
}

function isUnit(source: Source): boolean {
  return source.view.manifest.privacyUnit === source.column;
}

/** The type of a literal as DuckDB's parser typed it (VARCHAR for a quoted string). */
function constantType(node: SqlNode): string {
  const value = child(node, "value");
  const type = value ? child(value, "type") : null;
  return type && value?.is_null !== true ? optStr(type, "id") : "";
}

function columnType(source: Source): string | undefined {
  return source.view.manifest.columns.find((c) => c.name === source.column)?.type;
}

function isJoinKey(lineage: Lineage): boolean {
  return lineage.bare?.rule === "join";
}

function resolveIn(relations: readonly Relation[], names: readonly string[]): Binding | null {
  if (names.length === 1) {
    const matches = relations.flatMap((r) => r.columns.filter((c) => c.name === names[0]));
    if (matches.length > 1 && !matches.every((m) => m.lineage === matches[0]!.lineage)) {
      throw notAllowed(`column reference ${names[0]} is ambiguous`);
    }
    return matches[0] ?? null;
  }
  if (names.length === 2) {
    const relation = relations.find((r) => r.alias === names[0]);
    return relation?.columns.find((c) => c.name === names[1]) ?? null;
  }
  throw notAllowed("column references may have at most one qualifier (table.column)");
}

/** HAVING may name select aliases: analyse the expressions they stand for. */
function substituteAliases(expr: SqlNode, selectList: readonly SqlNode[], scope: Scope): SqlNode {
  if (expr.class === "COLUMN_REF") {
    const names = strings(expr, "column_names").map((n) => n.toLowerCase());
    if (names.length === 1 && !resolveIn(scope.relations, names)) {
      const item = selectList.find((s) => optStr(s, "alias").toLowerCase() === names[0]);
      if (item) return item;
    }
    return expr;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(expr)) {
    if (key === "subquery") out[key] = value;
    else if (Array.isArray(value))
      out[key] = value.map((v) => (isNode(v) ? substituteAliases(v, selectList, scope) : v));
    else out[key] = isNode(value) ? substituteAliases(value, selectList, scope) : value;
  }
  return out;
}

function withPredicate(lineage: Lineage, predicate: boolean): Lineage {
  if (!predicate) return lineage;
  return { sources: lineage.sources.map((s) => ({ ...s, predicateOnly: true })), bare: null };
}

/** Lineage of an expression built from parts: a bare column survives only on its own. */
function merge(bare: Source | null, parts: readonly Lineage[]): Lineage {
  const sources = parts.flatMap((p) => p.sources);
  return { sources, bare: bare ?? null };
}

function outputName(item: SqlNode, index: number): string {
  const alias = optStr(item, "alias");
  if (alias) return alias.toLowerCase();
  if (item.class === "COLUMN_REF") return strings(item, "column_names").at(-1)!.toLowerCase();
  if (item.class === "FUNCTION")
    return `${optStr(item, "function_name").toLowerCase().replace("count_star", "count")}_${index}`;
  return `col${index}`;
}

function sameOptional(a: SqlNode | null, b: SqlNode | null): boolean {
  return a === null || b === null ? a === b : sameExpression(a, b);
}

function orderOutputIndex(expr: SqlNode, selectList: readonly SqlNode[]): number | undefined {
  const position = numericConstant(expr);
  if (position !== undefined) {
    if (!Number.isInteger(position) || position < 1 || position > selectList.length) {
      throw notAllowed("ORDER BY position out of range");
    }
    return position - 1;
  }
  if (expr.class === "COLUMN_REF") {
    const names = strings(expr, "column_names").map((n) => n.toLowerCase());
    if (names.length === 1) {
      const byAlias = selectList.findIndex((s, i) => outputName(s, i) === names[0]);
      if (byAlias >= 0) return byAlias;
    }
  }
  const same = selectList.findIndex((s) => sameExpression(s, expr));
  return same >= 0 ? same : undefined;
}

function planModifiers(
  node: SqlNode,
  selectList: readonly SqlNode[],
): { order: OrderKey[]; limit: number | null; offset: number } {
  const order: OrderKey[] = [];
  let limit: number | null = null;
  let offset = 0;
  for (const modifier of nodes(node, "modifiers")) {
    const type = optStr(modifier, "type");
    if (type === "ORDER_MODIFIER") {
      for (const o of nodes(modifier, "orders")) {
        const output = orderOutputIndex(need(o, "expression"), selectList);
        if (output === undefined) {
          throw violation(
            "ORDER BY of an aggregate query over protected datasets must name an output column",
          );
        }
        order.push({ output, descending: optStr(o, "type") === "DESCENDING" });
      }
    } else if (type === "LIMIT_MODIFIER") {
      const l = child(modifier, "limit");
      const o = child(modifier, "offset");
      const lv = l ? numericConstant(l) : undefined;
      const ov = o ? numericConstant(o) : 0;
      if ((l && lv === undefined) || ov === undefined) throw notAllowed("LIMIT and OFFSET must be numbers");
      if (lv !== undefined && (!Number.isInteger(lv) || lv < 0 || lv > MAX_AGGREGATE_LIMIT)) {
        throw notAllowed(`LIMIT must be an integer between 0 and ${MAX_AGGREGATE_LIMIT}`);
      }
      if (!Number.isInteger(ov) || ov < 0) throw notAllowed("OFFSET must be a non-negative integer");
      limit = lv ?? null;
      offset = ov;
    } else {
      throw notAllowed(
        `${type.replace("_MODIFIER", "")} is not allowed in aggregate queries over protected datasets`,
      );
    }
  }
  return { order, limit, offset };
}

/** HAVING over protected data: AND of comparisons between an output and a number, applied to released values. */
function planHaving(expr: SqlNode, selectList: readonly SqlNode[]): HavingCondition[] {
  if (expr.class === "CONJUNCTION" && expr.type === "CONJUNCTION_AND") {
    return nodes(expr, "children").flatMap((c) => planHaving(c, selectList));
  }
  const op = COMPARISON_OPS[optStr(expr, "type")];
  if (expr.class === "COMPARISON" && op) {
    const left = need(expr, "left");
    const right = need(expr, "right");
    const lv = numericConstant(left);
    const rv = numericConstant(right);
    const li = lv === undefined ? orderOutputIndex(left, selectList) : undefined;
    const ri = rv === undefined ? orderOutputIndex(right, selectList) : undefined;
    if (li !== undefined && rv !== undefined) return [{ output: li, op, value: rv }];
    if (ri !== undefined && lv !== undefined) return [{ output: ri, op: FLIPPED[op], value: lv }];
  }
  throw violation(
    "HAVING over protected datasets must compare output columns (count, sum, avg or group keys in the SELECT list) with numbers, joined by AND",
  );
}

function strictestDominance(rules: readonly (DominanceRule | null)[]): DominanceRule | null {
  const present = rules.filter((r): r is DominanceRule => r !== null);
  if (present.length === 0) return null;
  return present.reduce((a, b) => ({
    n: Math.max(a.n, b.n),
    k: Math.min(a.k, b.k),
    ...(a.p !== undefined || b.p !== undefined ? { p: Math.max(a.p ?? 0, b.p ?? 0) } : {}),
  }));
}

/** `date_trunc` units, and the part functions, by the period they give. */
const TRUNC_UNITS = new Set(["year", "quarter", "month", "week", "day", "hour"]);
const PART_FUNCTIONS: Readonly<Record<string, TimeBucket["unit"]>> = {
  year: "year",
  quarter: "quarter",
  month: "month",
  week: "week",
  weekofyear: "week",
  day: "day",
  dayofmonth: "day",
  dayofweek: "weekday",
  isodow: "weekday",
  hour: "hour",
};

/**
 * `source` with the calendar period `key` puts its column into, when `key` is one directly:
 * `date_trunc('unit', column)` or a part function of the column alone (`month(column)`), the
 * column read unchanged from its dataset (`unchanged`).
 */
function withTimeBucket(
  source: GroupKeySource,
  key: SqlNode,
  unchanged: (ref: SqlNode) => boolean,
): GroupKeySource {
  if (source === null || source === "constant" || key.class !== "FUNCTION") return source;
  const name = optStr(key, "function_name").toLowerCase();
  const args = nodes(key, "children");
  const column = args.at(-1);
  if (column?.class !== "COLUMN_REF" || !unchanged(column)) return source;
  if ((name === "date_trunc" || name === "datetrunc") && args.length === 2 && args[0]!.class === "CONSTANT") {
    const unit = constantValue(args[0]!);
    if (typeof unit === "string" && TRUNC_UNITS.has(unit.toLowerCase()))
      return { ...source, bucket: { kind: "trunc", unit: unit.toLowerCase() as TimeBucket["unit"] } };
    return source;
  }
  const part = Object.hasOwn(PART_FUNCTIONS, name) ? PART_FUNCTIONS[name] : undefined;
  return part && args.length === 1 ? { ...source, bucket: { kind: "part", unit: part } } : source;
}

/**
 * The one dataset column a group key is computed from (every function the gate admits is
 * deterministic, so the key takes at most as many values as that column, and NULL), `constant`
 * when it reads no column, null when it reads several.
 */
function keySource(lineage: Lineage): GroupKeySource {
  const columns = new Set(lineage.sources.map(({ source }) => `${source.dataset}\u0000${source.column}`));
  if (columns.size === 0) return "constant";
  if (columns.size > 1) return null;
  const { source } = lineage.sources[0]!;
  return { dataset: source.dataset, column: source.column, bare: lineage.bare !== null };
}
