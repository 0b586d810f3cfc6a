import { pathToFileURL } from "node:url";
import { type CliServer, startCliServer } from "../cli/server.ts";

/**
 * A real listening gateway for a client written in another language (clients/python): a fresh
 * temp data folder with the demo keys, and the environment its test suite reads them from.
 *
 * By hand: `node --no-node-snapshot --import tsx test/support/start-gateway-for.ts` prints that
 * environment as one JSON line and serves until stdin closes or Ctrl-C.
 */

/** Public requests each address may make per minute: low, so a client suite can meet a 429. */
export const EXTERNAL_PUBLIC_LIMIT = 5;

export function startGatewayForClients(): Promise<CliServer> {
  return startCliServer({ env: { PUBLIC_REQUESTS_PER_MINUTE: String(EXTERNAL_PUBLIC_LIMIT) } });
}

/** What a client suite needs: where the gateway is, the demo keys and the operator's license. */
export function clientEnvironment(server: CliServer): Record<string, string> {
  const { credentials } = server;
  return {
    AOS_URL: server.url,
    AOS_OPERATOR_KEY: credentials.operator.key,
    AOS_LICENSE: credentials.operator.license,
    AOS_BUREAU_KEY: credentials.bureau.key,
    AOS_AUDITOR_KEY: credentials.auditor.key,
    AOS_PUBLIC_LIMIT: String(EXTERNAL_PUBLIC_LIMIT),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await startGatewayForClients();
  process.stdout.write(`${JSON.stringify(clientEnvironment(server))}\n`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  process.stdin.once("end", stop);
  process.stdin.resume();
}
