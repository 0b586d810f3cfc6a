/**
 * The embedded gateway in a process of its own, for bench/run.ts: the load generator must not
 * share the gateway's event loop, and the gateway's RSS must be its own. Configured like `npm start`
 * (from the environment); tells its parent where it listens, stops when the parent says so.
 */
import { loadConfig } from "../gateway/config.ts";
import { createLogger } from "../gateway/log.ts";
import { startGateway } from "../gateway/server.ts";

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
});
process.on("disconnect", stop);
