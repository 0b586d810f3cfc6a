/**
 * Every test file starts with the process logger silent, as the gateway's own logger is in tests:
 * suites about something else stay quiet. Tests about logs install a logger that captures lines.
 */
import { installLogger, silentLogger } from "../../telemetry/log.ts";

installLogger(silentLogger);
