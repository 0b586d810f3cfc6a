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

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
