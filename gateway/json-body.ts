import type { MiddlewareHandler } from "hono";
import { DomainError } from "../policies/errors.ts";
import type { GatewayEnv } from "./auth.ts";

/** Media types the routes read as JSON (`application/json`, `application/merge-patch+json`, …). */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** Deeper than any body a route takes; deeper input only costs the validators' stacks. */
export const MAX_JSON_DEPTH = 64;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Reads every JSON request body once, before any route: the bytes must be UTF-8, the text must be
 * JSON (the answer says where it is not), every string and key well-formed Unicode (a lone UTF-16
 * surrogate cannot be stored or signed faithfully, and databases refuse it with a message quoting
 * the input), and the nesting bounded. The parsed value is what the routes' validators then read.
 * `skip` names requests whose bodies a route streams itself.
 */
export function readJsonBodies(
  skip: (method: string, path: string) => boolean,
): MiddlewareHandler<GatewayEnv> {
  return async function readJsonBody(c, next) {
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim() ?? "";
    if (!c.req.raw.body || !JSON_MEDIA_TYPE.test(mediaType) || skip(c.req.method, c.req.path)) return next();
    const bytes = await c.req.arrayBuffer();
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new DomainError("BAD_REQUEST", "the request body is not valid UTF-8: send JSON encoded as UTF-8");
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new DomainError("BAD_REQUEST", `the request body is not valid JSON: ${jsonSyntaxProblem(error)}`);
    }
    const problem = unicodeOrDepthProblem(value);
    if (problem) throw new DomainError("BAD_REQUEST", problem);
    c.req.bodyCache.json = Promise.resolve(value);
    return next();
  };
}

/**
 * What V8 says is wrong, without the excerpt of the input some of its messages quote
 * (`Unexpected token 'a', "abc" is not valid JSON`).
 */
function jsonSyntaxProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  if (/^Unexpected end of JSON input/.test(message))
    return "it ends early (an unclosed string, array or object, or no body)";
  const located =
    /^(.*) in JSON at position (\d+)/.exec(message) ?? /^(.*) after JSON at position (\d+)/.exec(message);
  if (located) return `${located[1]!.toLowerCase()} at position ${located[2]}`;
  const token = /^Unexpected token '(.{1,2})'/u.exec(message);
  if (token) return `unexpected character '${token[1]}' (check quotes, commas and brackets)`;
  return "check quotes, commas and brackets";
}

/** The first lone surrogate (by path) or excess nesting in a parsed body; walked without recursion. */
function unicodeOrDepthProblem(root: unknown): string | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: "", depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === "string") {
      if (LONE_SURROGATE.test(value))
        return `${path || "the body"} holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape): send well-formed Unicode text`;
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (depth >= MAX_JSON_DEPTH)
      return `the request body nests deeper than ${MAX_JSON_DEPTH} levels at ${path || "the body"}: flatten it`;
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries())
        stack.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      if (LONE_SURROGATE.test(key))
        return `a key in ${path || "the body"} holds a lone UTF-16 surrogate: send well-formed Unicode text`;
      stack.push({ value: item, path: path ? `${path}.${key}` : key, depth: depth + 1 });
    }
  }
  return undefined;
}
