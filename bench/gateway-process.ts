/**
 * The embedded gateway in a process of its own, for bench/run.ts: the load generator must not
 * share the gateway's event loop, and the gateway's RSS must be its own. Configured like `npm start`
 * (from the environment); tells its parent where it listens, stops when the parent says so.
 */
import { writeHeapSnapshot } from "node:v8";
import { loadConfig } from "../gateway/config.ts";
import { startGateway } from "../gateway/server.ts";
import { createLogger } from "../telemetry/log.ts";

const config = loadConfig(process.env);
const gateway = await startGateway(config, createLogger(config.LOG_LEVEL));
process.send?.({ t: "listening", url: gateway.url, credentials: gateway.newCredentials ?? null });

const stop = () => {
  gateway.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("message", (message: unknown) => {
  if (message === "close") stop();
  // The soak (bench/soak.ts) asks what the heap holds, and for a snapshot to find what grows.
  if (message === "memory") process.send?.({ t: "memory", ...process.memoryUsage() });
  if (typeof message === "object" && message !== null && "heapSnapshot" in message)
    process.send?.({ t: "heap-snapshot", file: writeHeapSnapshot(String(message.heapSnapshot)) });
});
process.on("disconnect", stop);
