import { createLogger } from "../telemetry/log.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { type RunningGateway, startGateway } from "./server.ts";

/**
 * `npm start`: the embedded default — one process, one data folder, on 127.0.0.1. With
 * DATABASE_URL and ROLE, the same program is one node of several (see docs/several-machines.md).
 */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const gateway = await startGateway(config, logger);

  const out = process.stdout;
  if (gateway.role === "runner") {
    out.write(`\nAuthorized-operation sandbox runner running jobs\n`);
    out.write(`  data folder:  ${gateway.folder.dir}\n`);
  } else {
    out.write(`\nAuthorized-operation sandbox listening on ${gateway.url}\n`);
    out.write(`  role:         ${gateway.role}\n`);
    out.write(`  transport:    ${transportLine(gateway)}\n`);
    if (gateway.clientTrust)
      out.write(
        "  client certs: from the TLS-terminating proxy's header, checked here too (SIGHUP reloads the client CA and CRLs)\n",
      );
    out.write(`  data folder:  ${gateway.folder.dir}\n`);
    out.write(`  console:      ${gateway.url}/   (sign in with one of the keys)\n`);
    out.write(`  API docs:     ${gateway.url}/docs   (OpenAPI: ${gateway.url}/openapi.json)\n`);
  }
  if (gateway.newCredentials) {
    const { bureau, bureau2, auditor, operator, holders } = gateway.newCredentials;
    out.write("\nDemo credentials (shown once; also in demo-credentials.json, mode 0600):\n");
    out.write(`  bureau:    ${bureau.key}\n`);
    if (bureau2) out.write(`  bureau 2:  ${bureau2.key}   (the second officer of the two-person rule)\n`);
    out.write(`  auditor:   ${auditor.key}\n`);
    out.write(`  operator:  ${operator.key}   license: ${operator.license}\n`);
    for (const [dataset, holder] of Object.entries(holders ?? {}))
      out.write(`  holder of ${dataset}: ${holder.key}\n`);
  } else {
    out.write(`  demo keys:    ${gateway.folder.credentialsFile}\n`);
  }
  if (gateway.url)
    out.write(`\nTry: curl -H "Authorization: Bearer <operator key>" ${gateway.url}/v1/datasets\n\n`);

  const stop = (signal: string) => {
    logger.info("shutting down", { signal });
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("shutdown failed", { error });
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  const tls = gateway.tls;
  if (tls) {
    // A server's SIGHUP: read the certificate and key again (renewed files), listener untouched.
    process.on("SIGHUP", () => {
      void tls.reload().then((result) =>
        result.reloaded
          ? logger.info("TLS certificate reloaded", {
              fingerprint: result.fingerprint,
              validTo: result.validTo,
            })
          : logger.error("TLS certificate not reloaded: the one before keeps serving", {
              fingerprint: result.fingerprint,
              problem: result.problem,
            }),
      );
    });
  } else if (gateway.clientTrust) {
    // Behind a TLS-terminating proxy: read the client CA and CRLs again (a new CRL), as with HTTPS.
    const clientTrust = gateway.clientTrust;
    process.on("SIGHUP", () => {
      void clientTrust.reload().then((result) =>
        result.reloaded
          ? logger.info("TLS client CA and CRLs reloaded", { ...(result.crls ? { crls: result.crls } : {}) })
          : logger.error("TLS client CA and CRLs not reloaded: the ones before stay in force", {
              problem: result.problem,
            }),
      );
    });
  } else {
    // A closed terminal: stop as for SIGTERM (the default would end the process without stopping
    // its sandbox workers, which no longer share its terminal's process group).
    process.once("SIGHUP", () => stop("SIGHUP"));
  }
}

/** What the banner says of the transport, plainly when it is plain HTTP. */
function transportLine(gateway: RunningGateway): string {
  switch (gateway.transport) {
    case "https":
      return `HTTPS, TLS 1.2 and later (certificate SHA-256 ${gateway.tls?.fingerprint}; SIGHUP reloads it)`;
    case "behind-tls-proxy":
      return "plain HTTP to the TLS-terminating proxy in front (TLS_TERMINATED_BY_PROXY)";
    case "loopback-http":
      return "plain HTTP, this machine only: set TLS_CERT_FILE and TLS_KEY_FILE to serve HTTPS to the network";
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
