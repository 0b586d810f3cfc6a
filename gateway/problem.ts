import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ErrorCode } from "../policies/errors.ts";

/** RFC 9457 problem details with the stable `code` clients branch on and the request id support asks for. */
export const Problem = z
  .object({
    type: z.string().openapi({ example: "urn:problem:UNAUTHENTICATED" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: ErrorCode,
    requestId: z.string(),
  })
  .openapi("Problem");
export type Problem = z.infer<typeof Problem>;

/** The HTTP status each error code maps to. */
export const STATUS_OF: Readonly<Record<ErrorCode, ContentfulStatusCode>> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  LICENSE_INVALID: 403,
  LICENSE_EXPIRED: 403,
  QUOTA_EXCEEDED: 429,
  BUDGET_EXHAUSTED: 429,
  SQL_NOT_ALLOWED: 422,
  QUERY_FAILED: 422,
  POLICY_VIOLATION: 422,
  OUTPUT_REJECTED: 422,
  TIMEOUT: 422,
  MEMORY_LIMIT: 422,
  LIMIT_EXCEEDED: 422,
  SCRIPT_ERROR: 422,
  SANDBOX_CRASH: 500,
  CANCELLED: 409,
  QUEUE_FULL: 429,
  // 423 Locked: the thing exists and the request was fine; an emergency stop holds it.
  FROZEN: 423,
  NOT_READY: 503,
  INTERNAL: 500,
  METHOD_NOT_ALLOWED: 405,
  UNSUPPORTED_MEDIA_TYPE: 415,
  URI_TOO_LONG: 414,
  HEADERS_TOO_LARGE: 431,
};

const TITLES: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: "Bad request",
  UNAUTHENTICATED: "Authentication required",
  FORBIDDEN: "Forbidden",
  NOT_FOUND: "Not found",
  PAYLOAD_TOO_LARGE: "Request body too large",
  NOT_READY: "Not ready",
  INTERNAL: "Internal error",
  METHOD_NOT_ALLOWED: "Method not allowed",
  UNSUPPORTED_MEDIA_TYPE: "Unsupported media type",
  URI_TOO_LONG: "URI too long",
  HEADERS_TOO_LARGE: "Request headers too large",
};

/**
 * Control characters (C0, DEL, C1), bidirectional controls, line and paragraph separators and lone
 * surrogates. A detail may quote what the caller sent (a field name, an id, a JSON token); these
 * would reach a terminal, a log viewer or a console page as instructions rather than text.
 */
const UNSAFE_CHARACTERS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose.
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` with every unsafe character written as its `\uXXXX` escape, so it reads as what it is. */
export function escapeUnsafeCharacters(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The one place problem documents are built: every detail passes through the escaping above. */
export function problemDocument(code: ErrorCode, detail: string, requestId: string): Problem {
  return {
    type: `urn:problem:${code}`,
    title: TITLES[code] ?? code.toLowerCase().replaceAll("_", " "),
    status: STATUS_OF[code],
    detail: escapeUnsafeCharacters(detail),
    code,
    requestId,
  };
}

/** Answers with a problem document. */
export function problem(c: Context, code: ErrorCode, detail: string): Response {
  const body = problemDocument(code, detail, c.get("requestId") ?? "");
  return c.json(body, STATUS_OF[code], { "content-type": "application/problem+json" });
}

/**
 * A whole HTTP/1.1 response carrying a problem document, for the few answers given before any
 * request reaches the app (a request line or headers the HTTP parser refused). It closes the
 * connection: the rest of what the client sent cannot be framed.
 */
export function rawProblemResponse(code: ErrorCode, detail: string): string {
  const status = STATUS_OF[code];
  const requestId = randomUUID();
  const body = JSON.stringify(problemDocument(code, detail, requestId));
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`,
    "content-type: application/problem+json",
    `content-length: ${Buffer.byteLength(body)}`,
    `x-request-id: ${requestId}`,
    "connection: close",
    "",
    body,
  ].join("\r\n");
}

const problemContent = { "application/problem+json": { schema: Problem } };

/**
 * Error responses every authenticated route can give, spread into each route definition so the
 * OpenAPI document lists them everywhere.
 */
export const COMMON_ERRORS = {
  400: { description: "The request is malformed or fails validation.", content: problemContent },
  401: { description: "No valid API key.", content: problemContent },
  403: { description: "The key's role may not use this route.", content: problemContent },
  429: { description: "Too many requests.", content: problemContent },
  500: { description: "Internal error (no data in the message).", content: problemContent },
  503: { description: "Starting up or shutting down.", content: problemContent },
} as const;

/** Error responses of the keyless public routes: no 401, and 403/423 say what is not open or frozen. */
export const PUBLIC_ERRORS = {
  400: COMMON_ERRORS[400],
  403: { description: "The dataset is not open data (grade 2 or above).", content: problemContent },
  423: { description: "A freeze holds the dataset.", content: problemContent },
  429: {
    description: "This address made too many public requests; see Retry-After.",
    content: problemContent,
  },
  500: COMMON_ERRORS[500],
  503: COMMON_ERRORS[503],
} as const;

export const NOT_FOUND_ERROR = {
  404: { description: "No such object visible to the caller.", content: problemContent },
} as const;
