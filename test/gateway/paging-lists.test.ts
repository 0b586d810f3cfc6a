import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notify } from "../../control/inbox.ts";
import { PAGE_LIMIT_MAX } from "../../control/paging.ts";
import { type Client, startTestGateway, type TestGateway } from "../support/gateway.ts";

/**
 * Every list that moved to cursor paging: two pages with no item twice and none missing while an
 * item is added between them, a tampered cursor and an oversized limit refused with 400.
 */

type Item = Record<string, unknown>;
interface PagedList {
  readonly path: string;
  readonly name: string;
  readonly client: () => Client;
  /** What identifies an item of the list. */
  readonly key: (item: Item) => unknown;
  /** Adds one item the caller sees. */
  readonly add: (n: number) => Promise<unknown>;
}

let gw: TestGateway;
let added = 0;
let bureauId = "";

/** A copy of one of a table's rows with new values for some columns (documents stay valid). */
async function copyRow(table: string, where: string, changed: Record<string, string | number>) {
  const [row] = await gw.controlPlane.query<Record<string, unknown>>(
    `SELECT * FROM ${table} WHERE ${where} LIMIT 1`,
  );
  const copy = { ...row!, ...changed };
  const columns = Object.keys(copy);
  await gw.controlPlane.run(
    `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`,
    columns.map((c) => copy[c] as string | number | null),
  );
}

const later = () => {
  added += 1;
  return new Date(Date.now() + added).toISOString();
};

const LISTS: PagedList[] = [
  {
    path: "/v1/inbox",
    name: "notifications",
    client: () => gw.bureau,
    key: (n) => n.id,
    add: (n) =>
      gw.controlPlane.transaction((tx) =>
        notify(
          tx,
          { principals: [bureauId] },
          { kind: "review.decided", subject: { job: `job_${n}` }, message: "m" },
        ),
      ),
  },
  {
    path: "/v1/keys",
    name: "keys",
    client: () => gw.bureau,
    key: (k) => k.prefix,
    add: () => gw.bureau.post(`/v1/principals/${bureauId}/keys`),
  },
  {
    path: "/v1/tariffs",
    name: "versions",
    client: () => gw.operator,
    key: (v) => v.version,
    add: (n) =>
      gw.bureau.put("/v1/tariffs", {
        currency: "CNY",
        perJob: 1 + n,
        perCpuSecond: 0.05,
        perQuery: 0.2,
        perEpsilon: 10,
        perOutputCell: 0.001,
        perThousandRowsScanned: 0.01,
        datasetMultipliers: {},
      }),
  },
  {
    path: "/v1/datasets/air_quality/versions",
    name: "versions",
    client: () => gw.auditor,
    key: (v) => v.version,
    add: (n) =>
      copyRow("data_versions", "dataset = 'air_quality'", { version: 100 + n, supplied_at: later() }),
  },
  {
    path: "/v1/datasets/air_quality/policy/versions",
    name: "versions",
    client: () => gw.auditor,
    key: (v) => v.version,
    add: (n) =>
      copyRow("dataset_versions", "dataset = 'air_quality'", { version: 100 + n, note: `copy ${n}` }),
  },
  {
    path: "/v1/datasets/air_quality/issues",
    name: "issues",
    client: () => gw.bureau,
    key: (i) => i.id,
    add: (n) =>
      gw.operator.post("/v1/datasets/air_quality/issues", {
        column: "pm25",
        category: "wrong_values",
        summary: `readings at station ${n} look ten times too high`,
      }),
  },
  {
    path: "/v1/registrations",
    name: "registrations",
    client: () => gw.operator,
    key: (r) => r.dataset,
    add: (n) =>
      gw.controlPlane.run(
        `INSERT INTO asset_registrations (dataset, revision, change, holder_department, rights, grade, version_hashes, recorded_by, recorded_at)
         VALUES ($1, 1, 'registered', 'Environment Bureau', '["holding"]', 1, '[]', $2, $3)`,
        [`asset_${n}`, bureauId, later()],
      ),
  },
  {
    path: "/v1/products",
    name: "products",
    client: () => gw.auditor,
    key: (p) => p.id,
    add: (n) =>
      gw.controlPlane.run(
        `INSERT INTO data_products (id, name, version, job_id, script_sha256, datasets, outputs, terms, price_fen, status, created_by, created_at)
         VALUES ($1, $2, 1, 'job_x', 'ab', '["air_quality"]', '["by_station"]', 'terms', 0, 'listed', $3, $4)`,
        [`prd_${n}`, `product-${n}`, bureauId, later()],
      ),
  },
  {
    path: "/v1/freezes",
    name: "freezes",
    client: () => gw.auditor,
    key: (f) => f.id,
    add: async () => {
      const operator = await gw.admitOperator();
      return gw.bureau.post("/v1/freezes", { scope: "operator", target: operator.id, reason: "paging test" });
    },
  },
  {
    path: "/v1/public/licenses",
    name: "licenses",
    client: () => gw.operator,
    key: (l) => l.license,
    add: (n) =>
      copyRow("licenses", `id = '${gw.credentials.operator.license}'`, {
        id: `lic_copy_${n}`,
        created_at: later(),
      }),
  },
];

beforeAll(async () => {
  gw = await startTestGateway();
  bureauId = (await gw.bureau.get<{ id: string }>("/v1/whoami")).body.id;
});
afterAll(() => gw?.close());

async function get(list: PagedList, query: string) {
  const res = await list.client().get<Item & { next: string | null }>(`${list.path}?${query}`);
  expect(res.status, `${list.path}?${query}: ${JSON.stringify(res.body)}`).toBe(200);
  return { items: res.body[list.name] as Item[], next: res.body.next };
}

describe.each(LISTS.map((list) => [list.path, list] as const))("paging %s", (_path, list) => {
  it("pages in two, missing and repeating nothing when an item is added between pages", async () => {
    for (let i = 0; i < 3; i++) await list.add(added++);
    const before = (await get(list, `limit=${PAGE_LIMIT_MAX}`)).items.map(list.key);
    expect(before.length).toBeGreaterThanOrEqual(3);
    const first = await get(list, "limit=2");
    expect(first.items.map(list.key)).toEqual(before.slice(0, 2));
    expect(first.next).toEqual(expect.any(String));
    await list.add(added++);
    const seen = first.items.map(list.key);
    for (let cursor = first.next; cursor !== null; ) {
      const page = await get(list, `limit=2&cursor=${encodeURIComponent(cursor)}`);
      seen.push(...page.items.map(list.key));
      cursor = page.next;
    }
    expect(new Set(seen).size).toBe(seen.length);
    // Everything listed before is there once, in order; the new item at most once, where it sorts.
    expect(seen.filter((key) => before.includes(key))).toEqual(before);
    expect(seen.length - before.length).toBeLessThanOrEqual(1);
  });

  it("refuses a tampered cursor, another list's cursor and an oversized limit with 400 problem+json", async () => {
    const { next } = await get(list, "limit=1");
    const foreign = (await gw.bureau.get<{ next: string }>("/v1/operators?limit=1")).body.next;
    for (const cursor of [`${next!.slice(0, -3)}%24%24`, "eyJsIjoieCJ9", foreign]) {
      const res = await list.client().get<{ code: string; detail: string }>(`${list.path}?cursor=${cursor}`);
      expect(res.status, cursor).toBe(400);
      expect(res.contentType).toMatch(/application\/problem\+json/);
      expect(res.body.detail).toMatch(/start again without `cursor`/);
    }
    const tooMany = await list.client().get(`${list.path}?limit=${PAGE_LIMIT_MAX + 1}`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.contentType).toMatch(/application\/problem\+json/);
  });
});

describe("paging applications, filtered in SQL", () => {
  it("pages an operator's own applications, filtered by dataset, without gaps under an insert", async () => {
    const op = await gw.admitOperator();
    const apply = () =>
      op.client.post<{ id: string }>("/v1/applications", {
        datasets: [{ name: "enterprises" }],
        purpose: "urban-analytics",
        scenario: "Enterprise counts by district for the paging test",
        validFrom: "2025-01-01T00:00:00Z",
        validTo: "2035-01-01T00:00:00Z",
        quotas: { jobsPerDay: 5 },
      });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await apply();
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      ids.push(res.body.id);
    }
    const list: PagedList = {
      path: "/v1/applications",
      name: "applications",
      client: () => op.client,
      key: (a) => a.id,
      add: apply,
    };
    const first = await get(list, "limit=2&dataset=enterprises");
    expect(first.items.map(list.key)).toEqual([ids[2], ids[1]]);
    await apply();
    const second = await get(list, `limit=2&dataset=enterprises&cursor=${first.next}`);
    expect(second.items.map(list.key)).toEqual([ids[0]]);
    expect(second.next).toBeNull();
    expect((await get(list, "dataset=population")).items).toEqual([]);
    // Another operator sees none of them; the auditor sees them all.
    const other = await gw.admitOperator();
    expect(
      (await other.client.get<{ applications: unknown[] }>("/v1/applications")).body.applications,
    ).toEqual([]);
    const all = (await get({ ...list, client: () => gw.auditor }, `limit=${PAGE_LIMIT_MAX}`)).items.map(
      list.key,
    );
    expect(all).toEqual(expect.arrayContaining(ids));
    const tampered = await op.client.get(`/v1/applications?cursor=${first.next!.slice(0, -3)}%24%24`);
    expect(tampered.status).toBe(400);
    expect((await op.client.get(`/v1/applications?limit=${PAGE_LIMIT_MAX + 1}`)).status).toBe(400);
  });
});
