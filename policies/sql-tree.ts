import { DomainError } from "./errors.ts";

/**
 * Access to DuckDB's `json_serialize_sql` parse tree. The tree is untrusted input shaped by the
 * operator's SQL, so every accessor checks the shape it expects and refuses anything else.
 */

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
    if (typeof raw !== "number" || typeof scale !== "number") throw malformed("decimal constant");
    return raw / 10 ** scale;
  }
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
