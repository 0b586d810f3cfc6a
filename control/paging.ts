import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import { sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlValue } from "../storage/sql-store.ts";

/**
 * Cursor pagination for every list the API answers, done in SQL by keyset: a page is the rows
 * after the last one of the previous page in a stable total order (a timestamp or sequence, then
 * the id), so rows inserted while a caller pages never shift or repeat what it sees.
 *
 * A cursor is opaque to callers: base64url of JSON naming the list it belongs to and the sort key
 * of the last row served. Nothing in it is secret (it is a position the caller could already see),
 * so it is not signed; it is checked for shape and list, and anything else is refused with a
 * message saying to start again without it.
 *
 * @example
 * const page = await keysetPage(store, {
 *   list: "jobs",
 *   select: "SELECT * FROM jobs",
 *   where: ["operator_id = $1"],
 *   params: [operatorId],
 *   order: { key: "submitted_at", id: "id", direction: "desc" },
 *   page: { limit: 50, cursor },
 * });
 */

export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 500;

/** What a caller asks for: how many items, and after which cursor. */
export const PageRequest = z.object({
  limit: z.number().int().min(1).max(PAGE_LIMIT_MAX).default(PAGE_LIMIT_DEFAULT),
  cursor: z.string().max(1000).optional(),
});
export type PageRequest = z.input<typeof PageRequest>;

/** One page: its items and the cursor of the next page (null on the last). */
export interface Page<T> {
  readonly items: T[];
  readonly next: string | null;
}

type SortValue = string | number;
const CursorBody = z.object({
  l: z.string(),
  k: z.tuple([z.union([z.string(), z.number()]), z.union([z.string(), z.number()])]),
});

export function encodeCursor(list: string, key: readonly [SortValue, SortValue]): string {
  return Buffer.from(JSON.stringify({ l: list, k: key }), "utf8").toString("base64url");
}

/** The sort key a cursor carries, or a 400 saying how to recover. */
export function decodeCursor(list: string, cursor: string): [SortValue, SortValue] {
  const refuse = () =>
    new DomainError(
      "BAD_REQUEST",
      `cursor is not one this list (${list}) gave out: pass the \`next\` value of the previous page unchanged, or start again without \`cursor\``,
    );
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw refuse();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw refuse();
  }
  const body = CursorBody.safeParse(parsed);
  if (!body.success || body.data.l !== list) throw refuse();
  return body.data.k;
}

export interface KeysetQuery<Row> {
  /** Names the list inside its cursors, so one list's cursor is refused by another. */
  readonly list: string;
  /** `SELECT … FROM …` (joins allowed), without WHERE, ORDER BY or LIMIT. */
  readonly select: string;
  /** Conditions ANDed together, using `$1…$n` for `params`. */
  readonly where?: readonly string[];
  readonly params?: readonly SqlValue[];
  /**
   * The total order: a sort column (or expression) then a unique id column, both compared as the
   * row's `keyOf` returns them.
   */
  readonly order: {
    readonly key: string;
    readonly id: string;
    readonly direction: "asc" | "desc";
    /** The sort key is a number (a sequence, a position); else text, compared by code point. */
    readonly numericKey?: boolean;
    /** The id is a number (a sequence): key and id may then be the same column. */
    readonly numericId?: boolean;
  };
  /** The sort key of a row as selected (defaults to the columns named by `order`, unqualified). */
  readonly keyOf?: (row: Row) => readonly [SortValue, SortValue];
  readonly page: PageRequest;
}

/**
 * One page of a keyset query: `WHERE (key, id) < (cursor) ORDER BY key, id LIMIT n+1` (or `>` for
 * ascending), the extra row telling whether a next page exists.
 */
export async function keysetPage<Row extends Record<string, unknown>>(
  store: Pick<SqlExecutor, "query" | "dialect">,
  query: KeysetQuery<Row>,
): Promise<Page<Row>> {
  const { limit, cursor } = PageRequest.parse(query.page);
  const where = [...(query.where ?? [])];
  const params: SqlValue[] = [...(query.params ?? [])];
  const { direction, numericKey, numericId } = query.order;
  // Text by code point on both engines, so SQLite and PostgreSQL page in the same order.
  const key = numericKey ? query.order.key : sqlDialect.codePointText(store.dialect, query.order.key);
  const id = numericId ? query.order.id : sqlDialect.codePointText(store.dialect, query.order.id);
  if (cursor !== undefined) {
    const [afterKey, afterId] = decodeCursor(query.list, cursor);
    params.push(afterKey, afterId);
    // Row values compare lexicographically in both SQLite (3.15+) and PostgreSQL.
    where.push(
      `(${key}, ${id}) ${direction === "desc" ? "<" : ">"} ($${params.length - 1}, $${params.length})`,
    );
  }
  params.push(limit + 1);
  const dir = direction === "desc" ? "DESC" : "ASC";
  const rows = await store.query<Row>(
    `${query.select} ${where.length ? `WHERE ${where.map((w) => `(${w})`).join(" AND ")}` : ""}
     ORDER BY ${key} ${dir}, ${id} ${dir} LIMIT $${params.length}`,
    params,
  );
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const keyOf =
    query.keyOf ??
    ((row: Row) =>
      [
        row[unqualified(query.order.key)] as SortValue,
        row[unqualified(query.order.id)] as SortValue,
      ] as const);
  return {
    items,
    next: rows.length > limit && last ? encodeCursor(query.list, keyOf(last)) : null,
  };
}

function unqualified(column: string): string {
  return column.slice(column.lastIndexOf(".") + 1);
}

/** The page with its items mapped (rows to domain records, records to views). */
export function mapPage<A, B>(page: Page<A>, map: (item: A) => B): Page<B> {
  return { items: page.items.map(map), next: page.next };
}
