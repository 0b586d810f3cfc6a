import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/duckdb.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

type Operation = { operationId?: string; responses: Record<string, { headers?: Record<string, unknown> }> };
type Doc = {
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
};
type LintProblem = {
  ruleId: string;
  severity: "error" | "warn";
  message: string;
  location: { pointer: string }[];
};

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});

afterAll(async () => {
  await gw?.close();
});

describe("the published contract (/openapi.json)", () => {
  it("passes redocly's recommended rules with no error and no warning (redocly.yaml)", async () => {
    const doc = (await gw.anonymous.get<Doc>("/openapi.json")).body;
    const folder = await tempDir("aos-openapi-");
    const file = join(folder.dir, "openapi.json");
    await writeFile(file, JSON.stringify(doc));
    afterAll(folder.remove);
    const cli = join(process.cwd(), "node_modules", ".bin", "redocly");
    const { stdout } = await promisify(execFile)(
      cli,
      ["lint", file, "--config", join(process.cwd(), "redocly.yaml"), "--format", "json"],
      // No telemetry and no update check: the check runs offline.
      { env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
    ).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    const problems = (JSON.parse(stdout) as { problems: LintProblem[] }).problems.map(
      (p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`,
    );
    expect(problems).toEqual([]);
  });

  it("names its servers and gives every operation a unique camelCase operationId", async () => {
    const doc = (await gw.anonymous.get<Doc>("/openapi.json")).body;
    expect(doc.servers?.length).toBeGreaterThan(0);
    const ids = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ at: `${method} ${path}`, id: op.operationId })),
    );
    for (const { at, id } of ids) expect(id, at).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item))
        for (const [status, response] of Object.entries(op.responses)) {
          const headers = Object.keys(response.headers ?? {});
          const at = `${method} ${path} ${status}`;
          expect(headers, at).toContain("x-request-id");
          if (status === "401") expect(headers, at).toContain("www-authenticate");
          if (status === "429" || status === "503") expect(headers, at).toContain("retry-after");
        }
    expect(new Set(ids.map((o) => o.id)).size).toBe(ids.length);
  });

  it("names every request and response body as a component: no inline anonymous object or list", async () => {
    type Body = { content?: Record<string, { schema?: Record<string, unknown> }> };
    type Op = { operationId: string; requestBody?: Body; responses: Record<string, Body> };
    const doc = (await gw.anonymous.get<{ paths: Record<string, Record<string, Op>> }>("/openapi.json")).body;
    const inline: string[] = [];
    let bodies = 0;
    for (const item of Object.values(doc.paths))
      for (const op of Object.values(item))
        for (const [where, body] of [["request", op.requestBody] as const, ...Object.entries(op.responses)])
          for (const [type, media] of Object.entries(body?.content ?? {})) {
            bodies += 1;
            const schema = media.schema ?? {};
            const structured = ["object", "array"].includes(String(schema.type)) || "properties" in schema;
            const combined = "anyOf" in schema || "oneOf" in schema || "allOf" in schema;
            if (!("$ref" in schema) && (structured || combined))
              inline.push(`${op.operationId} ${where} ${type}`);
          }
    expect(bodies).toBeGreaterThan(300);
    expect(inline).toEqual([]);
  });

  it("describes Arrow bodies as binary Arrow IPC streams and event streams with their event names", async () => {
    type Media = { schema: { $ref?: string } };
    const doc = (
      await gw.anonymous.get<{
        paths: Record<
          string,
          Record<string, { responses: Record<string, { content?: Record<string, Media> }> }>
        >;
        components: { schemas: Record<string, { type?: string; format?: string; description?: string }> };
      }>("/openapi.json")
    ).body;
    const media = (path: string, type: string) => doc.paths[path]?.get?.responses["200"]?.content?.[type];
    const component = (m: Media | undefined) =>
      doc.components.schemas[m?.schema.$ref?.split("/").pop() ?? ""];
    for (const path of ["/v1/jobs/{id}/outputs/{name}", "/v1/products/{id}/outputs/{name}"]) {
      const arrow = component(media(path, "application/vnd.apache.arrow.stream"));
      expect(arrow, path).toMatchObject({ type: "string", format: "binary" });
      expect(arrow?.description).toContain("Arrow IPC stream");
    }
    const events = component(media("/v1/jobs/{id}/events", "text/event-stream"));
    for (const name of ["queued", "running", "progress", "query", "gate", "finished", "ping"])
      expect(events?.description).toContain(`\`${name}\``);
  });

  it("answers the audit export in the form `Accept` asks for, as every route with several forms does", async () => {
    const csv = await gw.auditor.get<string>("/v1/audit/export", { accept: "text/csv" });
    expect(csv.status).toBe(200);
    expect(csv.contentType).toContain("text/csv");
    expect(csv.body.split("\n")[0]).toContain("position");
    const auditor = { authorization: `Bearer ${gw.auditor.key}` };
    const lines = await gw.app.request("/v1/audit/export", { headers: auditor });
    expect(lines.headers.get("content-type")).toContain("application/x-ndjson");
    expect(JSON.parse((await lines.text()).split("\n")[0]!)).toHaveProperty("position");
    // An explicit `format` (as in a link) still wins over the header.
    const asked = await gw.app.request("/v1/audit/export?format=jsonl", {
      headers: { ...auditor, accept: "text/csv" },
    });
    expect(asked.headers.get("content-type")).toContain("application/x-ndjson");
    // The auditor's export is not the operator's to read, whatever it asks for.
    expect((await gw.operator.get("/v1/audit/export", { accept: "text/csv" })).status).toBe(403);
  });
});
