import type { AggregatePlan, CanonicalQuery, Measure } from "./query-plan.ts";
import {
  COMPARISON_OPERATORS,
  child,
  FLIPPED_COMPARISON,
  isNode,
  need,
  nodes,
  optStr,
  type SqlNode,
  str,
  strings,
} from "./sql-tree.ts";

/**
 * The canonical form of a query: what it computes, not how it is written. A DP query's sticky
 * answer and its charge are keyed by it, so rephrasing a query (reordered or double-negated
 * predicates, `5 < x` for `x > 5`, table and output aliases, `true AND p`, `i = i`, IN-list order)
 * buys no fresh noise: averaging rephrasings would otherwise recover the true value.
 *
 * The other direction is the one that matters for correctness: two queries that could compute
 * different results must never share a form, or one would be handed the other's answer. So only
 * rewrites that hold in SQL's three-valued logic, for every input, are applied:
 * - AND/OR: operands flattened, sorted, duplicates dropped, TRUE dropped from AND and FALSE from
 *   OR (SQL fixes no evaluation order for their operands; DuckDB reorders them itself).
 * - NOT pushed down to the leaves (De Morgan, NOT NOT p = p, NOT (a <= b) = a > b, NOT IS NULL =
 *   IS NOT NULL, NOT IN): exact in Kleene logic, NULL stays NULL.
 * - comparisons put in one direction (`5 < x` is `x > 5`; the binder casts both the same way).
 * - `x IN (c1, c2)` with constants of one type is `x = c1 OR x = c2`; other IN lists sorted.
 * - `x BETWEEN a AND b` with constants of one type is `x >= a AND x <= b`.
 * - Where only TRUE counts (WHERE, ON, FILTER, CASE WHEN, and AND/OR under them, never under
 *   NOT): `c = c` on a dataset column is `c IS NOT NULL` (NULL = NULL is NULL; it is not TRUE).
 * - Column references name the relation by its position in FROM, not its alias; output aliases
 *   and the order of the select list are presentation (`outputs` maps the columns back).
 * Literals keep their type (`5` and `5.0` stay apart), constants are not folded, and anything the
 * canonicaliser does not know falls back to the whole parse tree, aliases included (`verbatim`).
 *
 * Format 2. Answers recorded under format 1 (the parse tree with every alias dropped) are not
 * found under format 2 keys: a query asked again after the upgrade is charged once more.
 */

/** How the query gate resolved one column reference. */
export interface ResolvedReference {
  /** Scopes out from the one the reference is in (0: its own FROM). */
  readonly up: number;
  /** Position of the relation in that scope's FROM, left to right (joins flattened). */
  readonly relation: number;
  /** The column's name in that relation (lower case). */
  readonly name: string;
  /** The column is a dataset column unchanged: a scalar of a manifest type, for which `c = c` is `c IS NOT NULL`. */
  readonly datasetColumn: boolean;
}

/** Column references as the gate resolved them (a node the gate never resolved is not canonical). */
export type ReferenceResolutions = Pick<WeakMap<SqlNode, ResolvedReference>, "get">;

const FORMAT = 2;

/** A canonical form: JSON-able, compared by its JSON text. */
type Form = string | number | boolean | null | readonly Form[] | { readonly [key: string]: Form };

/** The tree holds something the canonicaliser does not model: fall back to the verbatim form. */
class NotCanonical extends Error {}

const TRUE: Form = ["bool", true];
const FALSE: Form = ["bool", false];

type Op = "=" | "<>" | "<" | "<=" | ">" | ">=" | "distinct" | "not_distinct";

const COMPARISONS: Readonly<Record<string, Op>> = {
  ...COMPARISON_OPERATORS,
  COMPARE_DISTINCT_FROM: "distinct",
  COMPARE_NOT_DISTINCT_FROM: "not_distinct",
};

/** NOT (a op b) = a NEGATED[op] b: exact under a total order, and NULL operands give NULL either way. */
const NEGATED: Readonly<Record<Op, Op>> = {
  "=": "<>",
  "<>": "=",
  "<": ">=",
  "<=": ">",
  ">": "<=",
  ">=": "<",
  distinct: "not_distinct",
  not_distinct: "distinct",
};

/** a op b = b FLIPPED[op] a. */
const FLIPPED: Readonly<Record<Op, Op>> = {
  ...FLIPPED_COMPARISON,
  distinct: "distinct",
  not_distinct: "not_distinct",
};

/**
 * The canonical form of an aggregate query from its plan (the gate's analysis, before the
 * error guards are added), or the verbatim form when it holds something not modelled.
 *
 * @example
 * const { form, outputs } = canonicalQuery(plan, statement, references);
 */
export function canonicalQuery(
  plan: AggregatePlan,
  statement: SqlNode,
  references: ReferenceResolutions,
): CanonicalQuery {
  try {
    return new Canonicaliser(references).aggregate(plan);
  } catch (error) {
    if (!(error instanceof NotCanonical)) throw error;
    return verbatimQuery(statement, plan.outputs.length, plan);
  }
}

/**
 * The verbatim form: the parse tree without source positions, aliases kept. Equal only for the
 * same query written with other spacing or keyword case; output i is the i-th column.
 */
export function verbatimQuery(
  statement: SqlNode,
  outputs: number,
  plan?: Pick<AggregatePlan, "measures" | "groupKeys">,
): CanonicalQuery {
  const form = JSON.stringify(["verbatim", FORMAT, verbatim(statement)]);
  return {
    form,
    outputs: Array.from({ length: outputs }, (_, i) => `column ${i}`),
    figures: (plan?.measures ?? []).map((_, j) => JSON.stringify(["figure", form, j])),
    keys: (plan?.groupKeys ?? []).map((_, i) => `key ${i}`),
  };
}

interface Cte {
  readonly node: SqlNode;
  readonly aliases: readonly string[];
  readonly visible: ReadonlyMap<string, Cte>;
  readonly rest: Form;
}

class Canonicaliser {
  constructor(private readonly references: ReferenceResolutions) {}

  aggregate(plan: AggregatePlan): CanonicalQuery {
    const node = plan.node;
    const ctes = this.ctes(node, new Map());
    const measure = (index: number): Form => this.measure(plan.measures[index]!);
    const outputs = plan.outputs.map((output): string => {
      if (output.kind === "group") return text(["group", this.value(plan.groupKeys[output.key]!)]);
      if (output.kind === "mean") return text(["mean", measure(output.sum), measure(output.count)]);
      return text([output.kind, measure(output.measure)]);
    });
    const groups = plan.groupKeys.map(
      (key, i): Form => [this.value(key), plan.publicPartitions?.[i] ?? null],
    );
    const relation = this.relation(need(node, "from_table"), ctes);
    const where = this.where(node);
    const rules: Form = [
      plan.minGroupSize,
      plan.maxContributions,
      plan.differentialPrivacy,
      plan.dominance ? verbatim(plan.dominance) : null,
    ];
    const others = rest(node, [...SELECT_PARTS, "modifiers", "group_expressions", "group_sets", "having"]);
    const form: Form = [
      "aggregate",
      FORMAT,
      relation,
      where,
      // The order of the group keys decides the order of unordered rows, and so which a LIMIT keeps.
      plan.limit === null && plan.offset === 0 ? sorted(groups) : groups,
      sorted(outputs),
      sorted(
        plan.having.map((h) => [outputs[h.output]!, h.op, h.value]),
        true,
      ),
      plan.order.map((o) => [outputs[o.output]!, o.descending]),
      plan.limit,
      plan.offset,
      rules,
      others,
    ];
    // A figure is one statistic of the rows each group holds: what the query does with the
    // figures afterwards (HAVING, ORDER BY, LIMIT, other outputs) is not part of it.
    const figures = plan.measures.map((_, j) =>
      text(["figure", FORMAT, relation, where, sorted(groups), measure(j), rules, others]),
    );
    return { form: text(form), outputs, figures, keys: groups.map((g) => text(g)) };
  }

  private measure(m: Measure): Form {
    return [
      m.kind,
      m.value ? this.value(m.value) : null,
      m.filter ? this.truth(m.filter, false, true) : null,
      m.bounds ? [m.bounds.lo, m.bounds.hi] : null,
    ];
  }

  private where(node: SqlNode): Form {
    const where = child(node, "where_clause");
    return where ? this.truth(where, false, true) : TRUE;
  }

  private ctes(node: SqlNode, outer: ReadonlyMap<string, Cte>): Map<string, Cte> {
    const ctes = new Map(outer);
    const map = child(node, "cte_map");
    for (const entry of map ? nodes(map, "map") : []) {
      const value = need(entry, "value");
      ctes.set(str(entry, "key").toLowerCase(), {
        node: need(need(value, "query"), "node"),
        aliases: strings(value, "aliases").map((a) => a.toLowerCase()),
        visible: new Map(ctes),
        rest: rest(value, ["query", "aliases"]),
      });
    }
    return ctes;
  }

  // ---- FROM --------------------------------------------------------------------------------

  private relation(ref: SqlNode, ctes: ReadonlyMap<string, Cte>): Form {
    switch (optStr(ref, "type")) {
      case "BASE_TABLE": {
        const name = str(ref, "table_name").toLowerCase();
        const cte = ctes.get(name);
        if (!cte) return ["table", name, rest(ref, ["table_name"])];
        // CTE columns renamed by position over a `*` would follow the manifest's column order.
        if (cte.aliases.length > 0 && nodes(cte.node, "select_list").some((i) => i.class === "STAR")) {
          throw new NotCanonical();
        }
        return [
          "cte",
          this.select(cte.node, cte.visible),
          [...cte.aliases],
          cte.rest,
          rest(ref, ["table_name"]),
        ];
      }
      case "SUBQUERY":
        return ["subquery", this.select(need(need(ref, "subquery"), "node"), ctes), rest(ref, ["subquery"])];
      case "JOIN": {
        const condition = child(ref, "condition");
        return [
          "join",
          this.relation(need(ref, "left"), ctes),
          this.relation(need(ref, "right"), ctes),
          condition ? this.truth(condition, false, true) : null,
          sorted(
            strings(ref, "using_columns").map((c) => c.toLowerCase()),
            true,
          ),
          rest(ref, ["left", "right", "condition", "using_columns"]),
        ];
      }
      default:
        throw new NotCanonical();
    }
  }

  /** A subquery or CTE body: it only selects and filters rows (the gate allows nothing else over protected data). */
  private select(node: SqlNode, outer: ReadonlyMap<string, Cte>): Form {
    if (optStr(node, "type") !== "SELECT_NODE") throw new NotCanonical();
    if (
      nodes(node, "modifiers").length > 0 ||
      nodes(node, "group_expressions").length > 0 ||
      child(node, "having")
    ) {
      throw new NotCanonical();
    }
    const ctes = this.ctes(node, outer);
    const items = nodes(node, "select_list")
      // The privacy unit the gate exposes to the outer query (operators cannot name a column `__…`).
      .filter((item) => optStr(item, "alias") !== "__pu")
      .map((item): Form => {
        if (item.class === "STAR") {
          if (optStr(item, "relation_name")) throw new NotCanonical();
          return ["star", rest(item, [])];
        }
        // The alias names the column for the outer query: here it is meaning, not presentation.
        return ["item", optStr(item, "alias").toLowerCase(), this.value(item)];
      });
    return [
      "select",
      this.relation(need(node, "from_table"), ctes),
      this.where(node),
      items,
      rest(node, [...SELECT_PARTS, "modifiers", "group_expressions", "group_sets", "having"]),
    ];
  }

  // ---- expressions -------------------------------------------------------------------------

  /** An expression's value: exact, NULL kept apart from FALSE. */
  private value(node: SqlNode): Form {
    const literal = booleanLiteral(node);
    if (literal !== undefined) return literal ? TRUE : FALSE;
    switch (optStr(node, "class")) {
      case "COLUMN_REF": {
        const ref = this.references.get(node);
        if (!ref) throw new NotCanonical();
        return ["column", ref.up, ref.relation, ref.name];
      }
      case "CONSTANT":
        return ["constant", rest(node, [])];
      case "PARAMETER":
        return ["parameter", rest(node, [])];
      case "COMPARISON":
      case "CONJUNCTION":
      case "BETWEEN":
        return this.truth(node, false, false);
      case "OPERATOR": {
        const type = optStr(node, "type");
        if (type === "OPERATOR_COALESCE") {
          return ["coalesce", nodes(node, "children").map((c) => this.value(c)), rest(node, ["children"])];
        }
        if (TRUTH_OPERATORS.has(type)) return this.truth(node, false, false);
        throw new NotCanonical();
      }
      case "FUNCTION": {
        if (nodes(need(node, "order_bys"), "orders").length > 0) throw new NotCanonical();
        const filter = child(node, "filter");
        return [
          "function",
          str(node, "function_name").toLowerCase(),
          nodes(node, "children").map((c) => this.value(c)),
          filter ? this.truth(filter, false, true) : null,
          rest(node, ["function_name", "children", "filter", "order_bys"]),
        ];
      }
      case "CAST":
        return ["cast", this.value(need(node, "child")), rest(node, ["child"])];
      case "CASE": {
        const checks = nodes(node, "case_checks").map((check): Form => {
          expectKeys(check, ["when_expr", "then_expr"]);
          return [this.truth(need(check, "when_expr"), false, true), this.value(need(check, "then_expr"))];
        });
        const otherwise = child(node, "else_expr");
        return [
          "case",
          checks,
          otherwise ? this.value(otherwise) : null,
          rest(node, ["case_checks", "else_expr"]),
        ];
      }
      default:
        throw new NotCanonical();
    }
  }

  /**
   * A condition, with NOT pushed to the leaves: the form of `NOT node` when `negate`. With
   * `truthOnly` only whether it is TRUE matters (NULL and FALSE both reject the row).
   */
  private truth(node: SqlNode, negate: boolean, truthOnly: boolean): Form {
    const literal = booleanLiteral(node);
    if (literal !== undefined) return literal !== negate ? TRUE : FALSE;
    const type = optStr(node, "type");
    switch (optStr(node, "class")) {
      case "CONJUNCTION": {
        expectKeys(node, ["children"]);
        if (type !== "CONJUNCTION_AND" && type !== "CONJUNCTION_OR") throw new NotCanonical();
        const and = (type === "CONJUNCTION_AND") !== negate;
        const form = junction(
          and ? "and" : "or",
          nodes(node, "children").map((c) => this.truth(c, negate, truthOnly)),
        );
        return truthOnly ? withoutImpliedNotNull(form) : form;
      }
      case "COMPARISON": {
        expectKeys(node, ["left", "right"]);
        const op = COMPARISONS[type];
        if (!op) throw new NotCanonical();
        return this.comparison(negate ? NEGATED[op] : op, need(node, "left"), need(node, "right"), truthOnly);
      }
      case "BETWEEN": {
        expectKeys(node, ["input", "lower", "upper"]);
        const [input, lower, upper] = [need(node, "input"), need(node, "lower"), need(node, "upper")];
        // Only with bounds of one type does BETWEEN cast as the two comparisons do.
        if (sameConstantType([lower, upper])) {
          return junction(negate ? "or" : "and", [
            this.comparison(negate ? "<" : ">=", input, lower, truthOnly),
            this.comparison(negate ? ">" : "<=", input, upper, truthOnly),
          ]);
        }
        const form: Form = ["between", this.value(input), this.value(lower), this.value(upper)];
        return negate ? ["not", form] : form;
      }
      case "OPERATOR": {
        if (!TRUTH_OPERATORS.has(type)) break;
        expectKeys(node, ["children"]);
        const children = nodes(node, "children");
        if (type === "OPERATOR_NOT") {
          if (children.length !== 1) throw new NotCanonical();
          return this.truth(children[0]!, !negate, truthOnly);
        }
        if (type === "OPERATOR_IS_NULL" || type === "OPERATOR_IS_NOT_NULL") {
          if (children.length !== 1) throw new NotCanonical();
          const isNull = (type === "OPERATOR_IS_NULL") !== negate;
          return [isNull ? "is_null" : "is_not_null", this.value(children[0]!)];
        }
        const [subject, ...list] = children;
        if (!subject || list.length === 0) throw new NotCanonical();
        const within = (type === "COMPARE_IN") !== negate;
        // x IN (a, b) is x = a OR x = b when a and b cast alike (constants of one type).
        if (sameConstantType(list)) {
          return junction(
            within ? "or" : "and",
            list.map((item) => this.comparison(within ? "=" : "<>", subject, item, truthOnly)),
          );
        }
        return [
          within ? "in" : "not_in",
          this.value(subject),
          sorted(
            list.map((i) => this.value(i)),
            true,
          ),
        ];
      }
    }
    const form = this.value(node);
    return negate ? ["not", form] : form;
  }

  private comparison(op: Op, left: SqlNode, right: SqlNode, truthOnly: boolean): Form {
    let [l, r] = [this.value(left), this.value(right)];
    if (text(l) > text(r)) {
      [l, r] = [r, l];
      op = FLIPPED[op];
    }
    // c = c is NULL for a NULL c and TRUE otherwise: only where NULL counts as not TRUE is it
    // `c IS NOT NULL` (under NOT it is not: NOT (c = c) is NULL, NOT (c IS NOT NULL) is TRUE).
    if (truthOnly && op === "=" && text(l) === text(r) && this.isDatasetColumn(left)) {
      return ["is_not_null", l];
    }
    return ["compare", op, l, r];
  }

  private isDatasetColumn(node: SqlNode): boolean {
    return node.class === "COLUMN_REF" && this.references.get(node)?.datasetColumn === true;
  }
}

/** The parts of a SELECT node every form handles itself. */
const SELECT_PARTS = ["cte_map", "select_list", "from_table", "where_clause"];

const TRUTH_OPERATORS = new Set([
  "OPERATOR_NOT",
  "OPERATOR_IS_NULL",
  "OPERATOR_IS_NOT_NULL",
  "COMPARE_IN",
  "COMPARE_NOT_IN",
]);

/** AND/OR of forms: nested ones flattened, the identity dropped, duplicates dropped, sorted. */
function junction(op: "and" | "or", parts: readonly Form[]): Form {
  const identity = op === "and" ? TRUE : FALSE;
  const flat = parts
    .flatMap((p) => (Array.isArray(p) && p[0] === op ? (p as readonly Form[]).slice(1) : [p]))
    .filter((p) => text(p) !== text(identity));
  const unique = sorted(flat, true);
  if (unique.length === 0) return identity;
  if (unique.length === 1) return unique[0]!;
  return [op, ...unique];
}

/**
 * Where only TRUE counts, `e IS NOT NULL` beside a comparison of `e` (=, <>, <, <=, >, >=, IN)
 * says nothing: that comparison is NULL, so not TRUE, when `e` is NULL. (`i = i` added to a
 * filter on `i` becomes this.)
 */
function withoutImpliedNotNull(form: Form): Form {
  if (!Array.isArray(form) || form[0] !== "and") return form;
  const parts = (form as readonly Form[]).slice(1);
  const rejectsNull = new Set(
    parts.flatMap((p): string[] => {
      if (!Array.isArray(p)) return [];
      if (p[0] === "compare" && NULL_REJECTING.has(p[1] as Op)) return [text(p[2]!), text(p[3]!)];
      if (p[0] === "in" || p[0] === "not_in") return [text(p[1]!)];
      return [];
    }),
  );
  const kept = parts.filter(
    (p) => !(Array.isArray(p) && p[0] === "is_not_null" && rejectsNull.has(text(p[1]!))),
  );
  return kept.length === 1 ? kept[0]! : ["and", ...kept];
}

const NULL_REJECTING = new Set<Op>(["=", "<>", "<", "<=", ">", ">="]);

/** TRUE and FALSE as DuckDB's parser writes them (`CAST('t' AS BOOLEAN)`), or as a BOOLEAN constant. */
function booleanLiteral(node: SqlNode): boolean | undefined {
  if (node.class === "CAST") {
    const type = child(node, "cast_type");
    const inner = child(node, "child");
    if (type?.id !== "BOOLEAN" || type.type_info !== null || !inner || inner.class !== "CONSTANT") {
      return undefined;
    }
    if (Object.keys(node).some((k) => !CAST_KEYS.has(k))) return undefined;
    const value = child(inner, "value");
    const valueType = value && child(value, "type");
    if (valueType?.id !== "VARCHAR" || valueType.type_info !== null || value?.is_null !== false)
      return undefined;
    return value.value === "t" ? true : value.value === "f" ? false : undefined;
  }
  if (node.class === "CONSTANT") {
    const value = child(node, "value");
    const type = value && child(value, "type");
    if (type?.id !== "BOOLEAN" || value?.is_null !== false || typeof value.value !== "boolean")
      return undefined;
    return value.value;
  }
  return undefined;
}

const CAST_KEYS = new Set(["class", "type", "alias", "query_location", "child", "cast_type", "try_cast"]);

/**
 * Literals all of the very same type (DECIMAL width and scale included): non-NULL constants, or
 * such constants cast to one type (`DATE '2020-01-01'` is a cast of a string).
 */
function sameConstantType(list: readonly SqlNode[]): boolean {
  const types = list.map(literalType);
  return types.every((t) => t !== undefined && t === types[0]);
}

function literalType(node: SqlNode): string | undefined {
  if (node.class === "CAST") {
    const inner = child(node, "child");
    const type = inner ? literalType(inner) : undefined;
    return type === undefined ? undefined : text(["cast", verbatim(need(node, "cast_type")), type]);
  }
  if (node.class !== "CONSTANT") return undefined;
  const value = need(node, "value");
  return value.is_null === false ? text(verbatim(need(value, "type"))) : undefined;
}

function expectKeys(node: SqlNode, parts: readonly string[]): void {
  const allowed = new Set(["class", "type", "alias", "query_location", ...parts]);
  if (Object.keys(node).some((k) => !allowed.has(k))) throw new NotCanonical();
}

/**
 * The fields of a node not handled by its form, verbatim (so a flag the form does not model
 * still tells two queries apart). Aliases are left out; an expression here would keep its
 * references by alias, which the forms no longer carry, so it is not canonical.
 */
function rest(node: SqlNode, handled: readonly string[]): Form {
  const out: Record<string, Form> = {};
  for (const key of Object.keys(node).sort()) {
    if (key === "alias" || key === "query_location" || handled.includes(key)) continue;
    if (containsExpression(node[key])) throw new NotCanonical();
    out[key] = verbatim(node[key]);
  }
  return out;
}

function containsExpression(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsExpression);
  if (!isNode(value)) return false;
  return "class" in value || Object.values(value).some(containsExpression);
}

/** Deep copy with sorted keys and no source positions; aliases kept. */
function verbatim(value: unknown): Form {
  if (Array.isArray(value)) return value.map(verbatim);
  if (isNode(value)) {
    const out: Record<string, Form> = {};
    for (const key of Object.keys(value).sort()) {
      if (key !== "query_location") out[key] = verbatim(value[key]);
    }
    return out;
  }
  // A bigint literal: its type id stays beside it, so the digits cannot pass for a string.
  if (typeof value === "bigint") return String(value);
  if (value === undefined) return null;
  if (
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean" ||
    value === null
  ) {
    return value;
  }
  throw new NotCanonical();
}

function text(form: Form): string {
  return JSON.stringify(form);
}

/** Forms sorted by their text; with `unique`, each once. */
function sorted<T extends Form>(forms: readonly T[], unique = false): T[] {
  const byText = new Map<string, T>();
  const all = forms.map((f) => [text(f), f] as const);
  if (unique) for (const [t, f] of all) byText.set(t, f);
  const entries = unique ? [...byText] : all;
  return [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, f]) => f);
}
