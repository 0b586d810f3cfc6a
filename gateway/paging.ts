import { z } from "@hono/zod-openapi";
import { PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, type Page } from "../control/paging.ts";

/**
 * The one paging shape of every list route: query `limit` and `cursor`; the answer is an object
 * holding the items under the list's name (`jobs`, `licenses`, …) and `next`, the cursor of the
 * following page or null on the last. Paging itself happens in SQL (control/paging.ts).
 */

export const PageLimit = z.coerce
  .number()
  .int()
  .min(1)
  .max(PAGE_LIMIT_MAX)
  .default(PAGE_LIMIT_DEFAULT)
  .openapi({
    param: { name: "limit", in: "query" },
    description: `Items per page, 1–${PAGE_LIMIT_MAX}; default ${PAGE_LIMIT_DEFAULT}.`,
    example: PAGE_LIMIT_DEFAULT,
  });

export const PageCursor = z
  .string()
  .max(1000)
  .optional()
  .openapi({
    param: { name: "cursor", in: "query" },
    description:
      "The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400.",
  });

/** Spread into a route's query schema: `query: z.object({ status, ...PAGE_QUERY })`. */
export const PAGE_QUERY = { limit: PageLimit, cursor: PageCursor };

export const NextCursor = z.string().nullable().openapi("NextCursor", {
  description:
    "Opaque cursor of the next page: pass it as `cursor` to read on; null on the last page. Pages are in a stable order, so items added while paging never repeat or shift a page.",
  example: "eyJsIjoiam9icyIsImsiOlsiMjAyNi0xMi0wNVQxMDowMDowMFoiLCJqb2JfMSJdfQ",
});

/** The item schema behind each page component, so two lists never share a name by accident. */
const pageComponents = new Map<string, z.ZodTypeAny>();

/**
 * The response schema of a list: `{ [name]: item[], next }`, a named component of the contract
 * (`JobsPage` for `jobs`, or `component`). Two lists of different items under one name would
 * describe one of them wrongly: that throws at start, asking for a `component` name.
 */
export function pageOf<Name extends string, Item extends z.ZodTypeAny>(
  name: Name,
  item: Item,
  component = `${name.charAt(0).toUpperCase()}${name.slice(1)}Page`,
) {
  const known = pageComponents.get(component);
  if (known !== undefined && known !== item)
    throw new Error(`page component ${component} names two different lists: pass pageOf a component name`);
  pageComponents.set(component, item);
  return z
    .object({ [name]: z.array(item), next: NextCursor } as { [K in Name]: z.ZodArray<Item> } & {
      next: typeof NextCursor;
    })
    .openapi(component);
}

/** The page as the wire envelope, items mapped to their wire form. */
export function pageBody<Name extends string, A, B>(
  name: Name,
  page: Page<A>,
  wire: (item: A) => B,
): { [K in Name]: B[] } & { next: string | null } {
  return { [name]: page.items.map(wire), next: page.next } as { [K in Name]: B[] } & { next: string | null };
}

/** The query's paging part, as control/paging.ts takes it. */
export function pageRequest(query: { limit: number; cursor?: string | undefined }) {
  return query.cursor === undefined ? { limit: query.limit } : { limit: query.limit, cursor: query.cursor };
}
