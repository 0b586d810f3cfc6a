import { DomainError } from "./errors.ts";

/**
 * Access to DuckDB's `json_serialize_sql` parse tree. The tree is untrusted input shaped by the
 * operator's SQL, so every accessor checks the shape it expects and refuses anything else.
 */

/**
 * The parse tree's JSON, read without rounding: DuckDB writes BIGINT, UBIGINT and DECIMAL literals
 * as bare JSON numbers of up to 20 digits, which `JSON.parse` would round to the nearest double, so
 * `WHERE id = 9007199254740993` would be rendered back as `… = 9007199254740992` and answer
 * another question. Integers beyond 2^53 become `bigint` (which survives `structuredClone`);
 * source positions are dropped (not needed, and "no position" is 2^64-1).
 */
export function parseTreeJson(text: string): unknown {
  const marker = exactMarker();
  const protectedText = mapJsonNumbers(text, (token) =>
    /^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token)) ? `"${marker}${token}"` : token,
  );
  return JSON.parse(protectedText, (key, value) => {
    if (key === "query_location") return undefined;
    return typeof value === "string" && value.startsWith(marker) ? BigInt(value.slice(marker.length)) : value;
  });
}

/** The tree as JSON for DuckDB's printer: `bigint` literals written back digit for digit. */
export function treeJson(tree: unknown): string {
  const marker = exactMarker();
  const text = JSON.stringify(tree, (_key, value) =>
    typeof value === "bigint" ? `${marker}${value}` : value,
  );
  return text.split(`"${marker}`).reduce((out, part) => out + part.replace(/^(-?\d+)"/, "$1"));
}

/**
 * A per-process random prefix for integers in transit through a JSON string: the operator's SQL
 * reaches the tree only as JSON strings, and cannot guess this to forge a number.
 */
let marker: string | undefined;
function exactMarker(): string {
  marker ??= `exact-${crypto.randomUUID()}:`;
  return marker;
}

/** Rewrites each number token outside strings in a JSON text. */
function mapJsonNumbers(text: string, map: (token: string) => string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      let j = i + 1;
      while (j < text.length && /[0-9eE.+-]/.test(text[j]!)) j++;
      out += map(text.slice(i, j));
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** One node of the parse tree (a JSON object). */
export type SqlNode = { readonly [key: string]: unknown };

export function isNode(value: unknown): value is SqlNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function malformed(what: string): DomainError {
  return new DomainError("SQL_NOT_ALLOWED", `unexpected parse tree shape (${what})`);
}

/** The string property `key`, or an error when absent. */
export function str(node: SqlNode, key: string): string {
  const value = node[key];
  if (typeof value !== "string") throw malformed(key);
  return value;
}

/** The string property `key`, or "" when absent or null. */
export function optStr(node: SqlNode, key: string): string {
  const value = node[key];
  return typeof value === "string" ? value : "";
}

/** The node property `key`, or null when absent or null. */
export function child(node: SqlNode, key: string): SqlNode | null {
  const value = node[key];
  if (value === null || value === undefined) return null;
  if (!isNode(value)) throw malformed(key);
  return value;
}

/** The node property `key`, required. */
export function need(node: SqlNode, key: string): SqlNode {
  const value = child(node, key);
  if (!value) throw malformed(key);
  return value;
}

/** The array-of-nodes property `key` ([] when absent). */
export function nodes(node: SqlNode, key: string): SqlNode[] {
  const value = node[key];
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isNode)) throw malformed(key);
  return value;
}

/** The array-of-strings property `key` ([] when absent). */
export function strings(node: SqlNode, key: string): string[] {
  const value = node[key];
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) throw malformed(key);
  return value;
}

/** The value of a CONSTANT node as a JS value (numbers for numeric types, decimals scaled). */
export function constantValue(node: SqlNode): string | number | boolean | null {
  const value = need(node, "value");
  if (value.is_null === true) return null;
  const type = need(value, "type");
  const raw = value.value;
  if (str(type, "id") === "DECIMAL") {
    const info = need(type, "type_info");
    const scale = info.scale;
    if ((typeof raw !== "number" && typeof raw !== "bigint") || typeof scale !== "number")
      throw malformed("decimal constant");
    return Number(raw) / 10 ** scale;
  }
  // Beyond 2^53 the policy checks (positions, bounds) see the nearest double; the SQL keeps every digit.
  if (typeof raw === "bigint") return Number(raw);
  if (typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean") return raw;
  throw malformed("constant");
}

/** A numeric constant's value, or undefined if the node is not a finite numeric constant. */
export function numericConstant(node: SqlNode): number | undefined {
  if (node.class !== "CONSTANT") return undefined;
  const value = constantValue(node);
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Deep copy without source positions and aliases: two expressions are the same when these match. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (isNode(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      if (key === "query_location" || key === "alias") continue;
      out[key] = canonical(value[key]);
    }
    return out;
  }
  // The node's type id stays beside the value, so the digits alone cannot collide with a string.
  if (typeof value === "bigint") return String(value);
  return value;
}

/** Structural equality of two expressions, ignoring positions and aliases. */
export function sameExpression(a: SqlNode, b: SqlNode): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Deep copy of a node (the rewriter mutates copies, never the caller's tree). */
export function cloneNode<T>(node: T): T {
  return structuredClone(node);
}

/** A COLUMN_REF node for `relation.column` (both already validated names). */
export function columnRefNode(path: readonly string[], alias = ""): SqlNode {
  return { class: "COLUMN_REF", type: "COLUMN_REF", alias, column_names: [...path] };
}

/** DuckDB's comparison expression types, by the operator each stands for. */
export const COMPARISON_OPERATORS = {
  COMPARE_EQUAL: "=",
  COMPARE_NOTEQUAL: "<>",
  COMPARE_LESSTHAN: "<",
  COMPARE_LESSTHANOREQUALTO: "<=",
  COMPARE_GREATERTHAN: ">",
  COMPARE_GREATERTHANOREQUALTO: ">=",
} as const satisfies Readonly<Record<string, "=" | "<>" | "<" | "<=" | ">" | ">=">>;

/** `a op b` is `b FLIPPED_COMPARISON[op] a`. */
export const FLIPPED_COMPARISON = {
  "=": "=",
  "<>": "<>",
  "<": ">",
  "<=": ">=",
  ">": "<",
  ">=": "<=",
} as const;
