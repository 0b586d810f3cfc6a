import { z } from "zod";

/**
 * The stable error codes of the public contract. Clients branch on these, so a code is never
 * renamed or reused; new situations get new codes.
 */
export const ErrorCode = z.enum([
  "BAD_REQUEST",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "PAYLOAD_TOO_LARGE",
  "RATE_LIMITED",
  "LICENSE_INVALID",
  "LICENSE_EXPIRED",
  "QUOTA_EXCEEDED",
  "BUDGET_EXHAUSTED",
  "SQL_NOT_ALLOWED",
  "QUERY_FAILED",
  "POLICY_VIOLATION",
  "OUTPUT_REJECTED",
  "TIMEOUT",
  "MEMORY_LIMIT",
  "LIMIT_EXCEEDED",
  "SCRIPT_ERROR",
  "SANDBOX_CRASH",
  "CANCELLED",
  "QUEUE_FULL",
  "FROZEN",
  "NOT_READY",
  "INTERNAL",
  "METHOD_NOT_ALLOWED",
  "UNSUPPORTED_MEDIA_TYPE",
  "URI_TOO_LONG",
  "HEADERS_TOO_LARGE",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/**
 * An error raised by domain code with a stable `code`. Only the gateway turns it into HTTP.
 *
 * `detail` is shown to the caller, so it must never carry data values: name the column, rule,
 * construct or limit, not the value that broke it.
 *
 * @example
 * throw new DomainError("LICENSE_EXPIRED", "license lic_123 expired on 2026-01-01");
 */
export class DomainError extends Error {
  override readonly name = "DomainError";
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(`${code}: ${detail}`);
  }
}
// Its detail never carries data, so a log line may keep its message (telemetry/log.ts
// MESSAGE_CARRIES_NO_DATA, the same registered symbol: policies/ imports no other layer).
Object.defineProperty(DomainError.prototype, Symbol.for("aos.error.message-carries-no-data"), {
  value: true,
});

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/** The part of a zod issue a caller is told: where, and what is wrong (zod's messages carry no input values). */
export interface ValidationIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** At most this many problems are listed; the caller fixes them and hears of the rest. */
const MAX_LISTED_ISSUES = 10;

/**
 * One validation detail for every schema the domain checks: each field, written as a path
 * (`datasets[0].epsilon.total`), with what is wrong with it.
 *
 * @example
 * describeIssues(parsed.error.issues, "(license)");
 * // "datasets[0].epsilon.total: too small: expected number to be >0"
 */
export function describeIssues(issues: readonly ValidationIssue[], whole = "(body)"): string {
  const described = issues.map((issue) => {
    const path = issue.path
      .map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`))
      .join("");
    const message = issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
    return `${path || whole}: ${message}`;
  });
  const unique = [...new Set(described)];
  const more = unique.length - MAX_LISTED_ISSUES;
  return unique.slice(0, MAX_LISTED_ISSUES).join("; ") + (more > 0 ? `; and ${more} more` : "");
}
