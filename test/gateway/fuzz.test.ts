import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../control/dummy-data.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

/**
 * Every route of the OpenAPI document, each method, with malformed bodies and bad path params:
 * every answer is a documented success or a 4xx problem document, never 5xx, and no body carries
 * a raw control or bidirectional character. Seeded, so a failure reproduces.
 */

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

const SEED = 20261205;

const BAD_PARAMS = [
  "%00",
  "%E2%80%AE",
  "%ED%A0%80",
  "..%2F..",
  "x".repeat(300),
  "-1",
  "1e309",
  "%",
  "job_%01%1b[31m",
];

/** Bodies as sent: [content type, body text]. */
function badBodies(random: () => number): [string, string][] {
  const deep = `${"[".repeat(5_000)}${"]".repeat(5_000)}`;
  const deepObject = `${'{"a":'.repeat(200)}1${"}".repeat(200)}`;
  const junk = Array.from({ length: 40 }, () => String.fromCharCode(Math.floor(random() * 0x3000))).join("");
  return [
    ["application/json", "{"],
    ["application/json", '{"a":1,}'],
    ["application/json", "not json"],
    ["application/json", ""],
    ["application/json", "null"],
    ["application/json", "[]"],
    ["application/json", '"text"'],
    ["application/json", '{"id":"\\ud800","name":"\\udfff","script":"\\ud83d"}'],
    ["application/json", '{"id":"a\\u0000b","name":"\\u202eevil","reason":"\\u0007\\u001b[2J"}'],
    ["application/json", JSON.stringify({ id: 1, name: [], script: {}, license: true, reason: 3 })],
    ["application/json", JSON.stringify({ id: "x".repeat(100_000), reason: "y".repeat(100_000) })],
    ["application/json", deep],
    ["application/json", deepObject],
    ["application/json", JSON.stringify({ junk })],
    ["text/plain", "{}"],
    ["application/x-www-form-urlencoded", "a=1"],
    ["application/json; charset=utf-8", '{"\\ud800":1}'],
  ];
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the test.
const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;

describe("route fuzz", () => {
  it("answers every malformed request with 4xx problem+json, never 5xx, never a raw control character", async () => {
    const random = mulberry32(SEED);
    const doc = (await (await gw.app.request("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
        .map((method) => ({ path, method: method.toUpperCase() })),
    );
    expect(operations.length).toBeGreaterThan(40);
    const keys = [gw.credentials.bureau.key, gw.credentials.operator.key, gw.credentials.auditor.key];
    const failures: string[] = [];
    let requests = 0;
    for (const { path, method } of operations) {
      const valid = path.replace(/\{[^}]+\}/g, "x1");
      const withBody = method !== "GET" && method !== "DELETE";
      const cases: { target: string; body?: [string, string] }[] = withBody
        ? badBodies(random).map((body) => ({ target: valid, body }))
        : [{ target: valid }];
      if (/\{[^}]+\}/.test(path)) {
        for (const bad of BAD_PARAMS) {
          const target = path.replace(/\{[^}]+\}/, bad).replace(/\{[^}]+\}/g, "x1");
          cases.push({
            target,
            ...(withBody ? { body: ["application/json", "{}"] as [string, string] } : {}),
          });
        }
      }
      for (const { target, body } of cases) {
        const key = keys[Math.floor(random() * keys.length)]!;
        const headers: Record<string, string> = { authorization: `Bearer ${key}` };
        if (body) headers["content-type"] = body[0];
        const res = await gw.app.request(target, { method, headers, ...(body ? { body: body[1] } : {}) });
        requests += 1;
        const where = `${method} ${target.slice(0, 80)} ${body ? `${body[0]} ${body[1].slice(0, 40)}` : ""} → ${res.status}`;
        // An event stream that opened is a documented success; it is not read to its end.
        if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
          await res.body?.cancel();
          continue;
        }
        const text = await res.text();
        if (res.status >= 500) failures.push(`${where}: ${text.slice(0, 200)}`);
        else if (res.status >= 400 && !res.headers.get("content-type")?.includes("application/problem+json"))
          failures.push(`${where}: not a problem document`);
        if (RAW_CONTROL.test(text)) failures.push(`${where}: raw control character in the body`);
      }
    }
    expect(requests).toBeGreaterThan(1000);
    expect(failures).toEqual([]);
  }, 90_000);
});
