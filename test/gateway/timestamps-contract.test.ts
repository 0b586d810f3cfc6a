import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rfc3339FromPostgres } from "../../storage/postgres-store.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { STORE_KINDS } from "../support/stores.ts";

/** RFC 3339 date-time with seconds and an offset (what `format: date-time` promises). */
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};
type Operation = { responses: Record<string, { content?: Record<string, { schema?: Schema }> }> };
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

/** Paths (`jobs.[].submittedAt`) of the date-time fields of a schema, `$ref`s followed. */
function dateTimePaths(
  doc: Doc,
  schema: Schema | undefined,
  at: string[] = [],
  seen = new Set<string>(),
): string[] {
  if (!schema) return [];
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop()!;
    if (seen.has(name)) return [];
    return dateTimePaths(doc, doc.components.schemas[name], at, new Set([...seen, name]));
  }
  const found = schema.format === "date-time" ? [at.join(".")] : [];
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])])
    found.push(...dateTimePaths(doc, branch, at, seen));
  for (const [key, property] of Object.entries(schema.properties ?? {}))
    found.push(...dateTimePaths(doc, property, [...at, key], seen));
  if (schema.items) found.push(...dateTimePaths(doc, schema.items, [...at, "[]"], seen));
  return found;
}

/** Every value at a `dateTimePaths` path of a live answer. */
function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return [value];
  const [head, ...rest] = path;
  if (head === "[]") return Array.isArray(value) ? value.flatMap((v) => valuesAt(v, rest)) : [];
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return valuesAt((value as Record<string, unknown>)[head!], rest);
}

/** Names of response fields that hold an instant, by the house naming (`…At`, `effectiveFrom`, `validTo`, …). */
const INSTANT_NAME = /At$|^(effectiveFrom|validFrom|validTo|since|time)$/;

/** Response properties named like instants but not declared `format: date-time`. */
function undeclaredInstants(doc: Doc): string[] {
  const missing = new Set<string>();
  const visit = (schema: Schema | undefined, where: string, seen: Set<string>) => {
    if (!schema) return;
    if (schema.$ref) {
      const name = schema.$ref.split("/").pop()!;
      if (!seen.has(name)) visit(doc.components.schemas[name], `#${name}`, new Set([...seen, name]));
      return;
    }
    for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])])
      visit(branch, where, seen);
    for (const [key, property] of Object.entries(schema.properties ?? {})) {
      const stringy =
        property.type === "string" || (Array.isArray(property.type) && property.type.includes("string"));
      const inAnyOf = property.anyOf?.some((b) => b.format === "date-time");
      if (INSTANT_NAME.test(key) && stringy && property.format !== "date-time" && !inAnyOf)
        missing.add(`${where}: ${key}`);
      visit(property, where, seen);
    }
    visit(schema.items, where, seen);
  };
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item))
      for (const [status, response] of Object.entries(op.responses))
        if (status.startsWith("2"))
          visit(response.content?.["application/json"]?.schema, `${method} ${path}`, new Set());
  return [...missing].sort();
}

describe("PostgreSQL timestamps in the control plane's form", () => {
  it("reads PostgreSQL's own text forms as RFC 3339", () => {
    expect(rfc3339FromPostgres("2026-12-04 15:39:20.574127+00")).toBe("2026-12-04T15:39:20.574Z");
    expect(rfc3339FromPostgres("2026-12-04 23:39:20.5+08")).toBe("2026-12-04T15:39:20.500Z");
    expect(rfc3339FromPostgres("2026-12-04 15:39:20+05:30")).toBe("2026-12-04T10:09:20.000Z");
    expect(rfc3339FromPostgres("2026-12-04 15:39:20.574127")).toBe("2026-12-04T15:39:20.574Z");
  });
});

describe.each(STORE_KINDS)("every timestamp the API answers is RFC 3339 (%s control plane)", (store) => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ store });
  });

  afterAll(async () => {
    await gw?.close();
  });

  it("gives an instant PostgreSQL computes in the stored form too", async () => {
    const [row] = await gw.controlPlane.query<{ t: unknown }>(
      store === "postgres" ? "SELECT now() AS t" : "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS t",
    );
    expect(typeof row?.t).toBe("string");
    expect(row?.t).toMatch(RFC3339);
  });

  it("declares every instant `format: date-time`, and each live answer's instants match it", async () => {
    // Records of most kinds: a job, an operator with a key, a freeze, a proposal, a license change.
    const job = await gw.operator.post<{ id: string }>("/v1/jobs", {
      script: "export default async (ctx) => ({ n: await ctx.sql('SELECT count(*) AS n FROM air_quality') })",
      license: gw.credentials.operator.license,
    });
    expect((await gw.operator.get(`/v1/jobs/${job.body.id}?wait=30`)).status).toBe(200);
    const operator = await gw.admitOperator();
    const freeze = await gw.bureau.post<{ freeze: { id: string } }>("/v1/freezes", {
      scope: "dataset",
      target: "credit_records",
      reason: "timestamps",
    });
    expect(freeze.status).toBe(201);
    const lift = await gw.bureau.post<{ id: string }>(`/v1/freezes/${freeze.body.freeze.id}/lift`, {
      reason: "done",
    });
    expect(lift.status).toBe(202);

    const doc = (await gw.anonymous.get<Doc>("/openapi.json")).body;
    expect(undeclaredInstants(doc)).toEqual([]);

    const ids: Record<string, string> = {
      jobs: job.body.id,
      operators: operator.id,
      principals: operator.id,
      freezes: freeze.body.freeze.id,
      proposals: lift.body.id,
    };
    const checked = new Map<string, number>();
    for (const [template, item] of Object.entries(doc.paths)) {
      const op = item.get;
      const json = op?.responses["200"]?.content?.["application/json"]?.schema;
      const paths = dateTimePaths(doc, json);
      if (!op || paths.length === 0) continue;
      const url = template
        .replace("{name}", "population")
        .replace("{dataset}", "population")
        .replace("{version}", "1")
        .replace("{id}", ids[template.split("/")[2] ?? ""] ?? "unknown");
      for (const client of [gw.bureau, gw.auditor, gw.operator]) {
        const answer = await client.get(url);
        if (answer.status !== 200 || !answer.contentType?.includes("application/json")) continue;
        for (const path of paths)
          for (const value of valuesAt(answer.body, path.split(".").filter(Boolean))) {
            if (value === null || value === undefined) continue;
            expect(value, `${template} ${path}`).toMatch(RFC3339);
            checked.set(template, (checked.get(template) ?? 0) + 1);
          }
      }
    }
    // The walk reached the records made above, not only empty lists.
    for (const template of [
      "/v1/jobs",
      "/v1/jobs/{id}",
      "/v1/operators/{id}",
      "/v1/principals/{id}/keys",
      "/v1/freezes/{id}",
      "/v1/proposals/{id}",
      "/v1/licenses",
      "/v1/datasets/{name}/policy/versions",
      "/v1/audit",
    ])
      expect(checked.get(template), template).toBeGreaterThan(0);
  });
});
