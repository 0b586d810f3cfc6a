/**
 * Structured logs: one JSON object per line on stderr, so stdout stays free for what a person
 * asked for. Fields carry ids, counts and decisions — never data values or script source.
 */
import { activeTraceId } from "../telemetry/instruments.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const emit =
    (at: LogLevel) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (ORDER[at] < ORDER[level]) return;
      const traceId = activeTraceId();
      write(
        `${JSON.stringify({ time: new Date().toISOString(), level: at, message, ...(traceId ? { traceId } : {}), ...fields })}\n`,
      );
    };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

/** A logger that drops everything, for tests that are about something else. */
export const silentLogger: Logger = createLogger("error", () => {});
