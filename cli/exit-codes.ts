import { ApiError } from "../client/index.ts";

/** The CLI's exit codes: scripts branch on these, so they never change meaning. */
export const EXIT = {
  ok: 0,
  /** A job was rejected, failed or was cancelled; a verification failed; the server refused the request. */
  failed: 1,
  usage: 2,
  /** The key is missing, unknown, or its role or license does not allow this. */
  auth: 3,
  notFound: 4,
  /** The server could not be reached or failed. */
  server: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A mistake in how the command was called: printed with the command's usage, exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A failure with a chosen exit code and a message for stderr. */
export class CliFailure extends Error {
  override readonly name = "CliFailure";
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** The exit code an API error maps to. */
export function exitCodeOf(error: ApiError): ExitCode {
  switch (error.code) {
    case "UNAUTHENTICATED":
    case "FORBIDDEN":
    case "LICENSE_INVALID":
    case "LICENSE_EXPIRED":
      return EXIT.auth;
    case "NOT_FOUND":
      return EXIT.notFound;
    case "BAD_REQUEST":
    case "PAYLOAD_TOO_LARGE":
      return EXIT.usage;
    case "NETWORK":
    case "INTERNAL":
    case "NOT_READY":
    case "SANDBOX_CRASH":
      return EXIT.server;
    default:
      return error.status >= 500 ? EXIT.server : EXIT.failed;
  }
}

export { ApiError };
