import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AosClient } from "../../client/index.ts";
import { PAGE_LIMIT_MAX } from "../../control/paging.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

/** The one paging shape every list route answers: `{ <items>, next }`, `limit` and `cursor`. */
describe("cursor paging of list routes", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
    for (let i = 0; i < 3; i++) await gw.admitOperator();
  });
  afterAll(() => gw.close());

  async function walk(path: string, name: string, limit: number, client = gw.bureau) {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const sep = path.includes("?") ? "&" : "?";
      const res: { status: number; body: Record<string, unknown> & { next: string | null } } =
        await client.get<Record<string, unknown> & { next: string | null }>(
          `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const items = res.body[name] as { id?: string; license?: { id: string } }[];
      expect(items.length).toBeLessThanOrEqual(limit);
      ids.push(...items.map((item) => item.id ?? item.license!.id));
      cursor = res.body.next;
      pages += 1;
    } while (cursor);
    return { ids, pages };
  }

  it("pages operators oldest first: every one once, the same as one big page", async () => {
    const all = await gw.bureau.get<{ operators: { id: string }[]; next: string | null }>(
      `/v1/operators?limit=${PAGE_LIMIT_MAX}`,
    );
    expect(all.body.next).toBeNull();
    expect(all.body.operators.length).toBeGreaterThanOrEqual(4);
    const paged = await walk("/v1/operators", "operators", 1);
    expect(paged.ids).toEqual(all.body.operators.map((o) => o.id));
    expect(paged.pages).toBe(all.body.operators.length);
  });

  it("pages licenses and jobs with the same envelope", async () => {
    const licenses = await walk("/v1/licenses", "licenses", 1);
    expect(new Set(licenses.ids).size).toBe(licenses.ids.length);
    expect(licenses.ids).toContain(gw.credentials.operator.license);
    const first = await gw.operator.get<{ jobs: unknown[]; next: string | null }>("/v1/jobs");
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ jobs: expect.any(Array), next: null });
    const proposals = await gw.auditor.get("/v1/proposals?limit=1");
    expect(proposals.body).toEqual({ proposals: [], next: null });
  });

  it("lets the TypeScript client iterate over every page", async () => {
    const script =
      "export default async (ctx) => ({ n: await ctx.sql('SELECT count(*) AS n FROM air_quality') })";
    const submitted: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await gw.operator.post<{ id: string }>("/v1/jobs", {
        script,
        license: gw.credentials.operator.license,
      });
      submitted.push(res.body.id);
    }
    const client = new AosClient({
      url: "http://gateway.test",
      key: gw.credentials.operator.key,
      fetch: (input, init) => Promise.resolve(gw.app.request(String(input), init)),
    });
    const seen: string[] = [];
    for await (const job of client.eachJob({ limit: 1 })) seen.push(job.id);
    expect([...seen].sort()).toEqual([...submitted].sort());
    expect(new Set(seen).size).toBe(seen.length);
    const bureau = new AosClient({
      url: "http://gateway.test",
      key: gw.credentials.bureau.key,
      fetch: (input, init) => Promise.resolve(gw.app.request(String(input), init)),
    });
    const walked = await walk("/v1/operators", "operators", 1);
    expect((await bureau.operators()).map((o) => o.id)).toEqual(walked.ids);
    for (const id of submitted) await client.waitForJob(id, { timeoutSeconds: 60 });
  });

  it("keeps an operator's pages to its own licenses", async () => {
    const other = await gw.admitOperator();
    const seen = await walk("/v1/licenses", "licenses", 1, other.client);
    expect(seen.ids).not.toContain(gw.credentials.operator.license);
  });

  it("refuses a tampered cursor, another list's cursor and an oversized limit with 400 problem+json", async () => {
    const page = await gw.bureau.get<{ next: string }>("/v1/operators?limit=1");
    const tampered = `${page.body.next.slice(0, -2)}$$`;
    for (const path of [
      `/v1/operators?cursor=${encodeURIComponent(tampered)}`,
      "/v1/operators?cursor=eyJsIjoib3BlcmF0b3JzIn0",
      `/v1/licenses?cursor=${page.body.next}`,
      `/v1/jobs?cursor=${page.body.next}`,
    ]) {
      const res = await gw.bureau.get<{ code: string; detail: string }>(path);
      expect(res.status, path).toBe(400);
      expect(res.contentType).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe("BAD_REQUEST");
      expect(res.body.detail).toMatch(/start again without `cursor`/);
    }
    const tooMany = await gw.bureau.get(`/v1/operators?limit=${PAGE_LIMIT_MAX + 1}`);
    expect(tooMany.status).toBe(400);
  });

  it("documents the shape once in the OpenAPI document", async () => {
    const doc = (await (await gw.app.request("/openapi.json")).json()) as {
      components: { schemas: Record<string, unknown> };
      paths: Record<string, { get: { parameters: { name: string }[] } }>;
    };
    expect(doc.components.schemas.NextCursor).toMatchObject({ type: ["string", "null"] });
    for (const path of ["/v1/jobs", "/v1/licenses", "/v1/operators", "/v1/proposals"])
      expect(doc.paths[path]!.get.parameters.map((p) => p.name)).toEqual(
        expect.arrayContaining(["limit", "cursor"]),
      );
  });
});
