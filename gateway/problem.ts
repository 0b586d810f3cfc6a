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
};

const TITLES: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: "Bad request",
  UNAUTHENTICATED: "Authentication required",
  FORBIDDEN: "Forbidden",
  NOT_FOUND: "Not found",
  PAYLOAD_TOO_LARGE: "Request body too large",
  NOT_READY: "Not ready",
  INTERNAL: "Internal error",
};

/** Answers with a problem document. */
export function problem(c: Context, code: ErrorCode, detail: string): Response {
  const status = STATUS_OF[code];
  const body: Problem = {
    type: `urn:problem:${code}`,
    title: TITLES[code] ?? code.toLowerCase().replaceAll("_", " "),
    status,
    detail,
    code,
    requestId: c.get("requestId") ?? "",
  };
  return c.json(body, status, { "content-type": "application/problem+json" });
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
