import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { auditLogFile, openAuditLedger } from "../audit/ledger.ts";
import { issueReceipt } from "../audit/receipt.ts";
import { loadDomainSigningKey } from "../audit/signing-key.ts";
import { ControlPlaneBudgetLedger } from "../control/budget-ledger.ts";
import { currentCatalog } from "../control/catalog.ts";
import { JobService } from "../control/jobs/job-service.ts";
import { ledgerAuditSink, startedJobsInLog } from "../control/ledger-sink.ts";
import { assertOperatorActive } from "../control/operators.ts";
import {
  type DataFolder,
  type DemoCredentials,
  type ProvisionEvent,
  provisionDataFolder,
} from "../control/provisioning.ts";
import { verifyDomainFacts } from "../control/query-service.ts";
import { SandboxPool } from "../sandbox/index.ts";
import { openDataDomain } from "../storage/data-domain.ts";
import { openSqlParser } from "../storage/sql-parser.ts";
import { telemetry } from "../telemetry/instruments.ts";
import { startTelemetry } from "../telemetry/otel.ts";
import { newApp } from "./app.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";

export interface RunningGateway {
  readonly url: string;
  readonly folder: DataFolder;
  /** The demo keys, when this start created them. */
  readonly newCredentials?: DemoCredentials;
  /** Exports buffered telemetry now (no-op when telemetry is off). */
  flushTelemetry(): Promise<void>;
  /** Stops accepting connections, waits for in-flight requests (up to the grace period), closes the stores. */
  close(): Promise<void>;
}

/**
 * Provisions the data folder (first start: demo domain, key, principals), opens both stores and
 * listens. Used by `npm start` and by tests that need a real listening server.
 */
export async function startGateway(config: Config, logger: Logger): Promise<RunningGateway> {
  const otel = startTelemetry({
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: config.OTEL_SERVICE_NAME,
    metricIntervalMs: config.OTEL_METRIC_EXPORT_INTERVAL,
  });
  if (otel.enabled)
    logger.info("telemetry: exporting OTLP", { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const provisioned = await provisionDataFolder({
    dir: config.DATA_DIR,
    seedScale: config.SEED_SCALE,
    seed: config.SEED,
    onProgress: (event: ProvisionEvent) => logger.info(`provision: ${event.kind}`, { ...event }),
  });
  const { controlPlane, folder } = provisioned;
  const dataDomain = await openDataDomain(folder.domainFile);
  // The domain is read-only: facts about it (unique units, value ranges) are verified once, in
  // the background, so that queries can take the shorter plans they allow from the first jobs on.
  // Until they are, and if the check fails, queries take the general path.
  void currentCatalog(controlPlane)
    .then((catalog) =>
      verifyDomainFacts(
        dataDomain.facts,
        catalog.map((entry) => entry.manifest),
      ),
    )
    .catch((error: unknown) =>
      logger.warn("domain facts not verified; queries take the general path", {
        error: error instanceof Error ? error.name : "error",
      }),
    );
  const signingKey = await loadDomainSigningKey(folder);
  const ledger = await openAuditLedger({ file: auditLogFile(folder.dir), privateKey: signingKey.privateKey });
  if (ledger.recovery)
    logger.warn("audit log: removed a torn last entry left by a crash", { ...ledger.recovery });
  const audit = ledgerAuditSink(ledger);
  const parser = await openSqlParser();
  const pool = new SandboxPool({ size: config.SANDBOX_WORKERS });
  const jobs = new JobService(
    {
      store: controlPlane,
      dataDomain,
      pool,
      ledger: new ControlPlaneBudgetLedger(controlPlane),
      parser: parser.connection,
      audit,
      assertOperatorActive: (operatorId) => assertOperatorActive(controlPlane, operatorId),
      signReceipt: (claims) => issueReceipt(claims, signingKey.privateKey),
      startedSince: startedJobsInLog(ledger),
    },
    {
      queueCapacity: config.JOB_QUEUE_CAPACITY,
      perOperatorConcurrency: config.OPERATOR_CONCURRENCY,
      concurrency: config.SANDBOX_WORKERS,
    },
  );
  telemetry.observeJobs(() => jobs.stats());
  const recovered = await jobs.recover();
  if (recovered.requeued + recovered.failed > 0)
    logger.info("jobs recovered after restart", { ...recovered });
  let draining = false;
  const app = newApp({
    controlPlane,
    dataDomain,
    audit,
    auditLedger: ledger,
    domainPublicKeyPem: signingKey.publicKey.export({ type: "spki", format: "pem" }).toString(),
    jobs,
    logger,
    maxBodyBytes: config.MAX_BODY_BYTES,
    traceRequests: otel.enabled,
    readiness: {
      async check() {
        const probe = async (work: () => Promise<unknown>) => {
          try {
            await work();
            return "ok" as const;
          } catch {
            return "failing" as const;
          }
        };
        const checks = {
          controlPlane: await probe(() => controlPlane.schemaVersion()),
          dataDomain: await probe(() => dataDomain.tableRowCounts()),
          accepting: draining ? ("failing" as const) : ("ok" as const),
        };
        return { ready: Object.values(checks).every((v) => v === "ok"), checks };
      },
    },
  });

  // serve() gives an HTTP/1 server unless asked for HTTP/2, which the embedded default never is.
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () =>
      resolve(s as Server),
    );
    s.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info("listening", { url, dataDir: folder.dir });

  let closing: Promise<void> | undefined;
  return {
    url,
    folder,
    ...(provisioned.newCredentials ? { newCredentials: provisioned.newCredentials } : {}),
    flushTelemetry: () => otel.flush(),
    close() {
      closing ??= (async () => {
        draining = true;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            server.closeAllConnections();
            resolve();
          }, config.SHUTDOWN_GRACE_MS);
          timer.unref();
          server.close(() => {
            clearTimeout(timer);
            resolve();
          });
          server.closeIdleConnections();
        });
        // Running jobs finish (their outputs are gated and logged); queued ones wait for the next start.
        await jobs.drain();
        await pool.close();
        await ledger.close();
        parser.close();
        dataDomain.close();
        controlPlane.close();
        await otel.shutdown();
        logger.info("stopped");
      })();
      return closing;
    },
  };
}
