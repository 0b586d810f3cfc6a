/**
 * Structured logs: one JSON object per line on stderr (stdout stays free for what a person asked
 * for), written by pino. Every line has `time`, `level`, `msg`, the process id, and whatever the
 * code running it is working for — the request id, the job id and runner id — bound with
 * `withLogContext`, so a line written deep in control/, storage/ or sandbox/ carries them without a
 * logger passed through every signature.
 *
 * Fields carry ids, counts and decisions — never data values, SQL or script source. Errors are
 * written by `serializeError`, which keeps their class, code and our own stack frames, and their
 * message only when it is written to carry no data (see there).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { fileURLToPath } from "node:url";
import { type DestinationStream, type Logger as PinoLogger, pino, stdTimeFunctions } from "pino";
import { activeTraceId } from "./instruments.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose every line also carries `bindings`. */
  child(bindings: LogFields): Logger;
}

const context = new AsyncLocalStorage<LogFields>();

/**
 * Runs `work` with `fields` (added to the fields bound already) on every line it logs, however
 * deep and through whatever awaits.
 *
 * @example
 * await withLogContext({ jobId: job.id }, () => runJob(job));
 */
export function withLogContext<T>(fields: LogFields, work: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, work);
}

/**
 * Runs `work` with only `fields` bound: for work that outlives the request that happened to start
 * it (a job claimed while a submission was answered is not that request's).
 */
export function withFreshLogContext<T>(fields: LogFields, work: () => T): T {
  return context.run({ ...fields }, work);
}

/** The fields bound where this runs. */
export function logContext(): LogFields {
  return context.getStore() ?? {};
}

/** Our source root: stack frames from files under it (outside node_modules) are ours. */
const SOURCE_ROOT = fileURLToPath(new URL("..", import.meta.url));
const FRAME = /^\s+at \S/;
/** A stable error code: Node's `ENOSPC`, our `QUERY_FAILED`, SQLite's `SQLITE_BUSY`, PostgreSQL's `40001`. */
const CODE = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_CAUSES = 3;
/** Marks an error class whose message is written to carry no data (policies/errors.ts `DomainError`). */
export const MESSAGE_CARRIES_NO_DATA: unique symbol = Symbol.for("aos.error.message-carries-no-data");

export interface SerializedError {
  readonly class: string;
  readonly code?: string;
  readonly message: string;
  readonly stack: readonly string[];
  readonly cause?: SerializedError;
}

/**
 * An error as a log line may hold it. The rule, deny by default: a message is kept only when it is
 * written to carry no data — errors marked `MESSAGE_CARRIES_NO_DATA` (the domain's DomainError, whose
 * detail is what a caller is shown) and Node's system errors (`ENOSPC: no space left on device`,
 * naming our own paths). Every other message is withheld: DuckDB's errors quote the operator's SQL
 * and the values it touched, the stores' quote the input they refused, and a script's errors say
 * whatever the script computed. What remains to find the fault: the class, the code, and the stack
 * frames in our own files (none from the isolate, the script, or node_modules, whose function names
 * we do not choose), paths relative to the source root. A `cause` is written by the same rule.
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    return {
      class: typeof error,
      message: "a value was thrown, not an error (withheld: it may carry data)",
      stack: [],
    };
  }
  const code = (error as { code?: unknown }).code;
  const codeText = typeof code === "string" || typeof code === "number" ? String(code) : undefined;
  const cause = error.cause;
  return {
    class: className(error),
    ...(codeText !== undefined && CODE.test(codeText) ? { code: codeText } : {}),
    message: messageCarriesNoData(error)
      ? error.message
      : `message withheld: errors of class ${className(error)} may quote data`,
    stack: ourFrames(error),
    ...(cause !== undefined && depth < MAX_CAUSES ? { cause: serializeError(cause, depth + 1) } : {}),
  };
}

function className(error: Error): string {
  const name = error.constructor?.name;
  return typeof name === "string" && /^[A-Za-z0-9_$]{1,64}$/.test(name) ? name : "Error";
}

function messageCarriesNoData(error: Error): boolean {
  if ((error as { [MESSAGE_CARRIES_NO_DATA]?: unknown })[MESSAGE_CARRIES_NO_DATA] === true) return true;
  const system = error as NodeJS.ErrnoException;
  return typeof system.syscall === "string" && typeof system.errno === "number";
}

/**
 * The stack's frames in our files. The stack begins with the message, which may span lines that
 * look like frames: it is cut off as written, and when it is not there as written (changed after
 * the stack was taken), no frame is read, since none can be told from the message.
 */
function ourFrames(error: Error): string[] {
  const stack = typeof error.stack === "string" ? error.stack : "";
  const header = error.message ? `${error.name}: ${error.message}` : error.name;
  if (!stack.startsWith(header)) return [];
  const frames: string[] = [];
  for (const line of stack.slice(header.length).split("\n")) {
    if (!FRAME.test(line)) continue;
    const frame = line.trim().replaceAll("file://", "");
    if (!frame.includes(SOURCE_ROOT) || frame.includes("/node_modules/")) continue;
    frames.push(frame.replaceAll(SOURCE_ROOT, ""));
  }
  return frames;
}

/** Error values anywhere at the top of a line's fields go through `serializeError`; so do `err`s. */
function safeFields(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) {
      out ??= { ...fields };
      out[key] = serializeError(value);
    }
  }
  return out ?? fields;
}

/**
 * A logger writing JSON lines at `level` and above; to stderr, synchronously (a line written just
 * before a crash or a SIGKILL is not lost), unless `write` takes them.
 *
 * @example
 * const logger = createLogger("info");
 * logger.warn("webhook delivery failed; retried on its next round", { webhookId, error });
 */
export function createLogger(level: LogLevel, write?: (line: string) => void): Logger {
  const destination: DestinationStream = write ? { write } : pino.destination({ fd: 2, sync: true });
  return wrap(
    pino(
      {
        level,
        base: { pid: process.pid },
        timestamp: stdTimeFunctions.isoTime,
        formatters: {
          level: (label) => ({ level: label }),
          log: safeFields,
        },
        serializers: { err: serializeError },
        mixin: () => {
          const traceId = activeTraceId();
          return traceId ? { ...context.getStore(), traceId } : { ...context.getStore() };
        },
      },
      destination,
    ),
  );
}

function wrap(logger: PinoLogger): Logger {
  const at =
    (level: LogLevel) =>
    (message: string, fields?: LogFields): void => {
      if (fields) logger[level](fields, message);
      else logger[level](message);
    };
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (bindings) => wrap(logger.child(bindings)),
  };
}

/** A logger that drops everything, for tests that are about something else. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

let installed: Logger = createLogger("info");

/**
 * Makes `logger` the one this process's layers write through (`log`). The start-up installs the
 * logger it was given (LOG_LEVEL); until then, and in a sandbox worker, lines at `info` and above
 * go to stderr.
 */
export function installLogger(logger: Logger): void {
  installed = logger;
}

function delegating(bound: LogFields): Logger {
  const at =
    (level: LogLevel) =>
    (message: string, fields?: LogFields): void =>
      installed[level](message, fields ? { ...bound, ...fields } : bound);
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (bindings) => delegating({ ...bound, ...bindings }),
  };
}

/**
 * The process's logger, for the layers below the gateway: whatever `installLogger` set, at the
 * time each line is written.
 *
 * @example
 * log.warn("the expiry sweep failed; it runs again next round", { error });
 */
export const log: Logger = delegating({});
