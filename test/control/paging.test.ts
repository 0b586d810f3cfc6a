import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, keysetPage, type PageRequest } from "../../control/paging.ts";
import { DomainError } from "../../policies/errors.ts";
import { compareText } from "../../storage/sql-dialect.ts";
import { openTestStore, STORE_KINDS, type TestStore } from "../support/stores.ts";

interface Row extends Record<string, unknown> {
  id: string;
  at: string;
  owner: string;
}

// Several rows share a timestamp, so the id must break ties for the order to be total.
const AT = ["2026-12-01T10:00:00.000Z", "2026-12-01T10:00:00.000Z", "2026-12-02T09:00:00.000Z"];

describe.each(STORE_KINDS)("keyset paging (%s)", (kind) => {
  let test: TestStore;
  beforeAll(async () => {
    test = await openTestStore(kind);
    await test.store.run("CREATE TABLE things (id TEXT PRIMARY KEY, at TEXT NOT NULL, owner TEXT NOT NULL)");
    // Mixed case and punctuation: a linguistic collation would order these differently by engine.
    const ids = [
      "t_00",
      "T_01",
      "t-02",
      "t_03",
      "tB04",
      "ta05",
      "t_06",
      "T-07",
      "t.08",
      "t_09",
      "Z_10",
      "a_11",
    ];
    for (let i = 0; i < 12; i++)
      await test.store.run("INSERT INTO things (id, at, owner) VALUES ($1, $2, $3)", [
        ids[i]!,
        AT[i % AT.length]!,
        i % 4 === 0 ? "other" : "mine",
      ]);
  });
  afterAll(() => test.dispose());

  const page = (request: PageRequest, direction: "asc" | "desc" = "desc") =>
    keysetPage<Row>(test.store, {
      list: "things",
      select: "SELECT id, at, owner FROM things",
      where: ["owner = $1"],
      params: ["mine"],
      order: { key: "at", id: "id", direction },
      page: request,
    });

  async function all(limit: number, direction: "asc" | "desc") {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const p = await page(cursor ? { limit, cursor } : { limit }, direction);
      seen.push(...p.items.map((r) => r.id));
      cursor = p.next ?? undefined;
      pages += 1;
    } while (cursor);
    return { seen, pages };
  }

  it("walks every matching row once, in (key, id) order, in either direction", async () => {
    // The order both engines must give: by time, then id by code point (compareText).
    const expected = (await test.store.query<Row>("SELECT id, at, owner FROM things WHERE owner = 'mine'"))
      .sort((a, b) => compareText(b.at, a.at) || compareText(b.id, a.id))
      .map((r) => r.id);
    expect(expected).toHaveLength(9);
    const desc = await all(4, "desc");
    expect(desc).toEqual({ seen: expected, pages: 3 });
    const asc = await all(2, "asc");
    expect(asc.seen).toEqual([...expected].reverse());
    expect(asc.pages).toBe(5);
  });

  it("gives null as next on an exactly full last page", async () => {
    const first = await page({ limit: 9 });
    expect(first.items).toHaveLength(9);
    expect(first.next).toBeNull();
  });

  it("neither repeats nor skips rows when rows are inserted between pages", async () => {
    const first = await page({ limit: 3 });
    await test.store.run("INSERT INTO things (id, at, owner) VALUES ($1, $2, 'mine')", [
      "t_new",
      "2026-12-03T00:00:00.000Z",
    ]);
    const rest: string[] = [];
    let cursor = first.next ?? undefined;
    while (cursor) {
      const p = await page({ limit: 3, cursor });
      rest.push(...p.items.map((r) => r.id));
      cursor = p.next ?? undefined;
    }
    const ids = [...first.items.map((r) => r.id), ...rest];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(9);
    expect(ids).not.toContain("t_new");
    await test.store.run("DELETE FROM things WHERE id = 't_new'");
  });

  it("refuses a tampered cursor and another list's cursor with a 400 saying what to do", async () => {
    const first = await page({ limit: 2 });
    const tampered = `${first.next!.slice(0, -3)}!x*`;
    const refusals = [tampered, "bm90IGpzb24", encodeCursor("jobs", ["2026-12-01T10:00:00.000Z", "t_01"])];
    for (const cursor of refusals) {
      const error = await page({ limit: 2, cursor }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe("BAD_REQUEST");
      expect((error as DomainError).detail).toMatch(/start again without `cursor`/);
    }
  });
});

describe("cursors", () => {
  it("round-trip the sort key and stay URL-safe", () => {
    const cursor = encodeCursor("jobs", ["2026-12-05T10:00:00.000Z", "job_+/="]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor("jobs", cursor)).toEqual(["2026-12-05T10:00:00.000Z", "job_+/="]);
  });
});
