import { randomUUID } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { maxHeaderSize, type Server } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { hostname } from "node:os";
import { serve } from "@hono/node-server";
import { issueReceipt } from "../audit/receipt.ts";
import { openStoreAuditLedger } from "../audit/store-ledger.ts";
import { expireApplications } from "../control/applications.ts";
import { type AtRestReport, loadDomainKey, openAtRest } from "../control/at-rest.ts";
import { ControlPlaneBudgetLedger } from "../control/budget-ledger.ts";
import { currentCatalog } from "../control/catalog.ts";
import { controlSecrets } from "../control/control-secrets.ts";
import type { DataFolder } from "../control/data-folder.ts";
import { storeDataVersionSource } from "../control/data-versions.ts";
import { noiseSaltOf } from "../control/domain-key.ts";
import type { JobEvent } from "../control/jobs/job-events.ts";
import { JobService } from "../control/jobs/job-service.ts";
import { ledgerAuditSink } from "../control/ledger-sink.ts";
import { startNotificationServices } from "../control/notification-services.ts";
import { type DemoCredentials, type ProvisionEvent, provisionDataFolder } from "../control/provisioning.ts";
import { type SqlConnection, verifyDomainFacts } from "../control/query-service.ts";
import { workerContainment } from "../sandbox/containment.ts";
import { SandboxPool } from "../sandbox/index.ts";
import { demoDomain } from "../seeds/demo-domain.ts";
import { type DomainReadiness, openVersionedDataDomain } from "../storage/data-domain.ts";
import { acquireWriterLock, type WriterLock } from "../storage/node-lock.ts";
import { localNotifier, type Notifier, postgresNotifier } from "../storage/notifications.ts";
import { postgresConnection } from "../storage/postgres-store.ts";
import { schemaVersion } from "../storage/schema.ts";
import { probeFolders, probeStore, StorageSpace, watchingSpace } from "../storage/space.ts";
import { openSqlParser } from "../storage/sql-parser.ts";
import { telemetry } from "../telemetry/instruments.ts";
import { installLogger, type Logger } from "../telemetry/log.ts";
import { startTelemetry } from "../telemetry/otel.ts";
import { newApp } from "./app.ts";
import { AddressLimiter, AuthFailureLimiter } from "./auth.ts";
import { type Config, notificationSettings, type Transport, transportOf } from "./config.ts";
import { TrustedProxies } from "./forwarded-certificate.ts";
import { problemDocument, rawProblemResponse } from "./problem.ts";
import type { ClientCertificateMode } from "./routes/health.ts";
import { SECURITY_HEADERS } from "./security-headers.ts";
import { SingleSignOn, singleSignOnSettings } from "./single-sign-on.ts";
import {
  type ClientCrls,
  type ClientTrust,
  crlsValidUntil,
  httpsServerOptions,
  readClientTrust,
  readTlsIdentity,
  type TlsIdentity,
} from "./tls.ts";

export interface RunningGateway {
  /** Where HTTP is served; empty for a `runner`, which serves none. */
  readonly url: string;
  readonly folder: DataFolder;
  readonly role: Config["ROLE"];
  /** How HTTP reaches clients (meaningless for a runner). */
  readonly transport: Transport;
  /** The HTTPS listener's certificate; absent when this node does not serve HTTPS itself. */
  readonly tls?: ServedCertificate;
  /**
   * The client CA and CRLs that forwarded certificates are checked against, when this node serves
   * no HTTPS itself (with HTTPS, `tls.reload` re-reads them with the certificate).
   */
  readonly clientTrust?: ClientTrustFiles;
  /** The demo keys, when this start created them. */
  readonly newCredentials?: DemoCredentials;
  /** Exports buffered telemetry now (no-op when telemetry is off). */
  flushTelemetry(): Promise<void>;
  /** Stops accepting connections, waits for in-flight requests (up to the grace period), closes the stores. */
  close(): Promise<void>;
}

export type TlsReload =
  | { readonly reloaded: true; readonly fingerprint: string; readonly validTo: string }
  | { readonly reloaded: false; readonly fingerprint: string; readonly problem: string };

export interface ServedCertificate {
  /** SHA-256 of the certificate new connections get (colon-separated hex). */
  readonly fingerprint: string;
  /**
   * Re-reads the TLS files and serves them to new connections (SIGHUP). A pair that does not read
   * or check keeps the old one serving, and the answer says why.
   */
  reload(): Promise<TlsReload>;
}

export type ClientTrustReload =
  | { readonly reloaded: true; readonly crls?: number }
  | { readonly reloaded: false; readonly problem: string };

export interface ClientTrustFiles {
  /**
   * Re-reads TLS_CLIENT_CA_FILE and TLS_CLIENT_CRL_FILE (SIGHUP). Files that do not read or check
   * leave the ones before in force, and the answer says why.
   */
  reload(): Promise<ClientTrustReload>;
}

/** The client CA and CRLs in force: a reload replaces them, each forwarded certificate is checked against them. */
interface ClientTrustInForce {
  current: ClientTrust | undefined;
}

/** How often a node expires applications past their time. */
const APPLICATION_SWEEP_MS = 10 * 60_000;

/** Channels between nodes sharing a PostgreSQL control plane. */
const JOBS_CHANNEL = "aos_jobs";
const EVENTS_CHANNEL = "aos_job_events";

/**
 * Starts a node: provisions the data folder (first start: demo domain, key, principals), opens the
 * control plane (SQLite in the folder, or PostgreSQL at DATABASE_URL) and the data domain, and
 * does what its role says — serve HTTP (`gateway`), run jobs (`runner`), or both (`all`, the
 * embedded default). Used by `npm start` and by tests that need a real listening server.
 */
export async function startGateway(config: Config, logger: Logger): Promise<RunningGateway> {
  // The layers below the gateway write through the same logger (`log` in telemetry/log.ts).
  installLogger(logger);
  // The port first: a start that cannot serve fails before it creates anything (a first start's
  // demo keys are shown once, and would be lost with it).
  // The certificate too: a bad one stops the start with the reason, before a port is held.
  const tls = config.ROLE !== "runner" && config.TLS_CERT_FILE ? await readTlsIdentity(config) : undefined;
  // Behind a TLS-terminating proxy the client CA and CRLs are read for forwarded certificates alone.
  const forwardedOnly =
    config.ROLE !== "runner" && !tls && config.TLS_CLIENT_CERT_HEADER
      ? await readClientTrust(config)
      : undefined;
  const trust: ClientTrustInForce = { current: tls?.clientTrust ?? forwardedOnly?.trust };
  const crls = tls?.clientCrls ?? forwardedOnly?.clientCrls;
  if (crls) logClientCrls(logger, "TLS client CRLs loaded", crls, trust.current);
  const listener = config.ROLE === "runner" ? undefined : await listen(config, logger, tls, trust);
  try {
    return await startNode(config, logger, listener, trust);
  } catch (error) {
    await listener?.close();
    throw error;
  }
}

async function startNode(
  config: Config,
  logger: Logger,
  listener: PortListener | undefined,
  trust: ClientTrustInForce,
): Promise<RunningGateway> {
  const otel = startTelemetry({
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: config.OTEL_SERVICE_NAME,
    metricIntervalMs: config.OTEL_METRIC_EXPORT_INTERVAL,
  });
  if (otel.enabled)
    logger.info("telemetry: exporting OTLP", { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const serves = listener !== undefined;
  const runs = config.ROLE !== "gateway";
  // One node holds an embedded data folder: its control plane has no other writer, so at start
  // every job marked running is an orphan of this node's previous life.
  let nodeLock: WriterLock | undefined;
  await mkdir(config.DATA_DIR, { recursive: true, mode: 0o700 });
  if (!config.DATABASE_URL)
    nodeLock = await acquireWriterLock(`${config.DATA_DIR}/node.lock`).catch(lockRefused(config));
  // Strict at-rest encryption throws here, before anything is written, when no KEK is configured.
  const atRest = await openAtRest({
    file: config.KEK_FILE,
    base64: config.KEK,
    mode: config.AT_REST_ENCRYPTION,
  });
  if (atRest.report.encryption === "off") logger.warn(atRest.report.warning);
  else logger.info("encryption at rest: on", { kek: atRest.report.kek, source: atRest.report.source });
  const encryption = atRest.kek ? { kek: atRest.kek, writer: "httpfs" as const } : undefined;
  // TLS to PostgreSQL from DATABASE_URL's sslmode and the DATABASE_*_FILE settings, read once.
  const database = config.DATABASE_URL
    ? await postgresConnection(config.DATABASE_URL, {
        caFile: config.DATABASE_CA_FILE,
        certFile: config.DATABASE_CERT_FILE,
        keyFile: config.DATABASE_KEY_FILE,
      })
    : undefined;
  const provisioned = await provisionDataFolder({
    dir: config.DATA_DIR,
    demo: demoDomain,
    seedScale: config.SEED_SCALE,
    seed: config.SEED,
    databaseUrl: database,
    datasetsDir: config.DATASETS_DIR,
    cryptoProfile: config.CRYPTO_PROFILE,
    encryption,
    onProgress: (event: ProvisionEvent) =>
      event.kind === "upgraded"
        ? logger.info(
            "upgrade: an older release's control plane and audit log moved into the transactional store",
            {
              ...event.report,
            },
          )
        : logger.info(`provision: ${event.kind}`, { ...event }),
  });
  const { folder } = provisioned;
  // Writes failing for lack of space make the node unready until a probe's own write succeeds.
  const space = new StorageSpace({
    logger,
    probe: async () => {
      await probeFolders(config.DATABASE_URL ? [folder.datasetsDir] : [folder.dir, folder.datasetsDir])();
      await probeStore(provisioned.controlPlane)();
    },
  });
  const controlPlane = watchingSpace(provisioned.controlPlane, space);
  const signingKey = await loadDomainKey(folder, atRest.kek);
  const secrets = controlSecrets(atRest.kek);
  const ledger = openStoreAuditLedger(controlPlane, { privateKey: signingKey.privateKey });
  const audit = ledgerAuditSink(ledger);
  const nodeId = config.RUNNER_ID ?? `${hostname()}:${process.pid}`;
  // The data domain serves the data versions the control plane names: each version file's SHA-256
  // is checked before it is first served, and a new generation opens when a version switches. A
  // node lacking a file claims no jobs (and says so in /readyz) rather than answer from other data.
  const dataDomain = await openVersionedDataDomain({
    datasetsDir: folder.datasetsDir,
    source: storeDataVersionSource(controlPlane),
    kek: atRest.kek,
  });
  const dataReadiness = await dataDomain.readiness();
  if (!dataReadiness.servable)
    logger.warn("data domain not servable: no jobs are claimed here until it is", {
      problem: dataReadiness.problem,
    });
  // The domain is read-only: facts about it (unique units, value ranges) are verified once, in
  // the background, so that queries can take the shorter plans they allow from the first jobs on.
  // Until they are, and if the check fails, queries take the general path.
  if (runs) {
    void currentCatalog(controlPlane)
      .then((catalog) =>
        verifyDomainFacts(
          dataDomain.facts,
          catalog.map((entry) => entry.manifest),
        ),
      )
      .catch((error: unknown) =>
        logger.warn("domain facts not verified; queries take the general path", { error }),
      );
  }
  const notifier: Notifier = database ? postgresNotifier(database) : localNotifier;
  // The policy engine's parser serves runs only: a gateway-only node holds no second DuckDB.
  const parser = runs ? await openSqlParser() : undefined;
  // Strict containment throws here, before anything listens, when the host refuses a layer.
  const pool = runs
    ? new SandboxPool({
        size: config.SANDBOX_WORKERS,
        containment: workerContainment(config.SANDBOX_CONTAINMENT, {
          memoryBytes: config.SANDBOX_WORKER_MEMORY_MB * 1024 * 1024,
          cpuPercent: config.SANDBOX_WORKER_CPU_PERCENT,
        }),
      })
    : undefined;
  const jobs = new JobService(
    {
      store: controlPlane,
      dataDomain,
      pool: pool ?? noPool,
      ledger: new ControlPlaneBudgetLedger(controlPlane),
      parser: parser?.connection ?? noParser,
      noiseSalt: noiseSaltOf(signingKey.privateKey),
      audit,
      signReceipt: (claims) => issueReceipt(claims, signingKey.privateKey),
      cryptoProfile: signingKey.profile,
      // A lost wake-up costs a poll interval: runners look at the queue every second anyway.
      onQueued: (jobId) =>
        void notifier
          .notify(JOBS_CHANNEL, jobId)
          .catch((error: unknown) =>
            logger.warn("waking the runners failed; they find the job at their next poll", { jobId, error }),
          ),
    },
    {
      queueCapacity: config.JOB_QUEUE_CAPACITY,
      perOperatorConcurrency: config.OPERATOR_CONCURRENCY,
      concurrency: config.SANDBOX_WORKERS,
      runsJobs: runs,
      runnerId: nodeId,
      soleRunner: !config.DATABASE_URL,
      leaseMs: config.JOB_LEASE_MS,
    },
  );
  if (config.DATABASE_URL) {
    // Runners wake when any gateway accepts a job; every node passes its job events on, so a
    // subscriber on any gateway sees a job that runs on any runner.
    if (runs) await notifier.listen(JOBS_CHANNEL, () => jobs.wake());
    jobs.events.onPublish = (jobId, type, data) =>
      void notifier
        .notify(EVENTS_CHANNEL, JSON.stringify({ node: nodeId, jobId, type, data }))
        .catch((error: unknown) =>
          logger.warn("relaying a job event to the other nodes failed; their subscribers miss it", {
            jobId,
            event: type,
            error,
          }),
        );
    await notifier.listen(EVENTS_CHANNEL, (payload) => {
      const event = JSON.parse(payload) as {
        node: string;
        jobId: string;
        type: JobEvent["type"];
        data: Record<string, unknown>;
      };
      if (event.node !== nodeId) jobs.relayed(event.jobId, event.type, event.data);
    });
  }
  telemetry.observeJobs(() => jobs.stats());
  const recovered = await jobs.recover();
  // Inbox wake-ups on every node; webhook deliveries, alert rules and expiry notices where jobs run.
  const notifications = notificationSettings(config);
  const notificationServices = await startNotificationServices({
    store: controlPlane,
    audit,
    notifier,
    logger,
    settings: notifications,
    runsWork: runs,
    secrets,
  });
  if (recovered.failed > 0) logger.info("jobs a stopped runner left running were failed", { ...recovered });
  let draining = false;
  // Applications nobody acted on in time expire even when nobody reads them (reads expire them too).
  const applicationSweep = setInterval(
    () =>
      void expireApplications(controlPlane, audit).catch((error: unknown) =>
        logger.warn("application expiry sweep failed; it runs again next round", { error }),
      ),
    APPLICATION_SWEEP_MS,
  );
  applicationSweep.unref();

  const authLimiter = new AuthFailureLimiter();
  const forwarded = config.TLS_CLIENT_CERT_HEADER
    ? {
        header: config.TLS_CLIENT_CERT_HEADER,
        proxies: new TrustedProxies(config.TRUSTED_PROXIES ?? []),
        trust: () => {
          // The configuration refuses a certificate header without TLS_CLIENT_CA_FILE.
          if (!trust.current) throw new Error("TLS_CLIENT_CERT_HEADER is set without a client CA");
          return trust.current;
        },
      }
    : undefined;
  if (forwarded && listener)
    logger.info("client certificates: believed from the TLS-terminating proxy's header, checked here too", {
      header: forwarded.header,
      trustedProxies: (config.TRUSTED_PROXIES ?? []).map((range) => `${range.address}/${range.prefix}`),
    });
  // A listener serving HTTPS itself with a client CA sees certificates on its connections;
  // behind a TLS-terminating proxy they arrive only in the proxy's header, when one is set.
  const asked = listener?.tls !== undefined && config.TLS_CLIENT_CA_FILE !== undefined;
  const certificateMode: ClientCertificateMode = {
    mode: clientCertificateSource(asked, forwarded !== undefined),
    required: config.TLS_CLIENT_CERT_REQUIRED,
    revocation: config.TLS_CLIENT_CRL_FILE !== undefined,
  };
  let server: Server | undefined;
  let url = "";
  if (listener) {
    const app = newApp({
      controlPlane,
      dataDomain,
      audit,
      auditLedger: ledger,
      domainPublicKeyPem: signingKey.publicKey.export({ type: "spki", format: "pem" }).toString(),
      domainSigningKey: signingKey,
      jobs,
      logger,
      maxBodyBytes: config.MAX_BODY_BYTES,
      controlSecrets: secrets,
      dataSupply: {
        datasetsDir: folder.datasetsDir,
        maxUploadBytes: config.DATA_UPLOAD_MAX_BYTES,
        encryption,
      },
      notifications,
      applicationTtlHours: config.APPLICATION_TTL_HOURS,
      sessions: {
        idleMs: config.SESSION_IDLE_MINUTES * 60_000,
        maxMs: config.SESSION_MAX_HOURS * 3_600_000,
      },
      ...(config.OIDC_ISSUER ? { singleSignOn: await consoleSignOn(config) } : {}),
      publicLimiter: new AddressLimiter({ events: config.PUBLIC_REQUESTS_PER_MINUTE, windowMs: 60_000 }),
      authLimiter,
      storageSpace: space,
      tlsTerminatedByProxy: config.TLS_TERMINATED_BY_PROXY,
      clientCertificates: {
        asked,
        required: config.TLS_CLIENT_CERT_REQUIRED,
        ...(forwarded ? { forwarded } : {}),
      },
      traceRequests: otel.enabled,
      readiness: {
        async check() {
          const probe = async (work: () => Promise<unknown>) => {
            try {
              await work();
              return "ok" as const;
            } catch (error) {
              logger.warn("readiness: the control plane does not answer", { error });
              return "failing" as const;
            }
          };
          const data = await dataDomain.readiness().catch((error: unknown): DomainReadiness => {
            logger.warn("readiness: the data versions cannot be read", { error });
            return {
              servable: false,
              problem: "the data versions cannot be read",
              summary: "the data versions cannot be read",
            };
          });
          const checks = {
            controlPlane: await probe(() => schemaVersion(controlPlane)),
            dataDomain: data.servable ? ("ok" as const) : ("failing" as const),
            accepting: draining ? ("failing" as const) : ("ok" as const),
            storage: space.shortage ? ("failing" as const) : ("ok" as const),
          };
          const problems = [
            // Which data version is missing or damaged here (no path: /readyz needs no key).
            ...(data.servable ? [] : [data.summary]),
            ...(space.shortage
              ? [
                  `the ${space.shortage.area} storage is full since ${space.shortage.since}: writes are refused until space is freed (this node checks every few seconds)`,
                ]
              : []),
          ];
          return {
            ready: Object.values(checks).every((v) => v === "ok"),
            checks,
            ...(problems.length ? { problems } : {}),
            // The OS layers around this node's sandbox workers (a gateway-only node runs none).
            ...(pool ? { containment: pool.containmentReport } : {}),
            atRest: atRest.report,
            clientCertificates: withCrlDate(certificateMode, trust.current),
          };
        },
      },
    });
    listener.answerWith(app.fetch);
    server = listener.server;
    url = listener.url;
  }
  logger.info(serves ? "listening" : "running jobs", {
    role: config.ROLE,
    ...(url ? { url } : {}),
    dataDir: folder.dir,
    controlPlane: controlPlane.location,
    ...(dataReadiness.servable ? { dataVersions: dataReadiness.versions } : {}),
    atRest: atRestBanner(atRest.report),
  });

  let closing: Promise<void> | undefined;
  return {
    url,
    folder,
    role: config.ROLE,
    transport: transportOf(config),
    ...(listener?.tls ? { tls: listener.tls } : {}),
    ...(listener && !listener.tls && forwarded
      ? { clientTrust: clientTrustFiles(config, logger, trust) }
      : {}),
    ...(provisioned.newCredentials ? { newCredentials: provisioned.newCredentials } : {}),
    flushTelemetry: () => otel.flush(),
    close() {
      closing ??= (async () => {
        draining = true;
        clearInterval(applicationSweep);
        if (server) {
          const s = server;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              s.closeAllConnections();
              resolve();
            }, config.SHUTDOWN_GRACE_MS);
            timer.unref();
            s.close(() => {
              clearTimeout(timer);
              resolve();
            });
            s.closeIdleConnections();
          });
        }
        await notificationServices.stop();
        // Running jobs finish (their outputs are gated and logged); queued ones wait for a runner.
        await jobs.drain();
        await pool?.close();
        // Failed authentications counted but not yet logged get their entry before the log closes.
        await authLimiter
          .flush()
          .catch((error: unknown) =>
            logger.error("writing the count of failed authentications failed", { error }),
          );
        await ledger.close();
        await notifier.close();
        parser?.close();
        dataDomain.close();
        await controlPlane.close();
        await nodeLock?.release();
        await otel.shutdown();
        logger.info("stopped");
      })();
      return closing;
    },
  };
}

/** The client-certificate mode as /readyz reports it, with when the CRLs in force stop being so. */
function withCrlDate(mode: ClientCertificateMode, trust: ClientTrust | undefined): ClientCertificateMode {
  const until = mode.revocation ? crlsValidUntil(trust) : undefined;
  return until ? { ...mode, crlsValidUntil: until.toISOString() } : mode;
}

/** Where this node takes client certificates from: its own TLS connections, a trusted proxy's header, both, or nowhere. */
function clientCertificateSource(direct: boolean, forwarded: boolean): ClientCertificateMode["mode"] {
  if (direct) return forwarded ? "direct-and-forwarded" : "direct";
  return forwarded ? "forwarded" : "off";
}

/** The client CA and CRLs of a node behind a TLS-terminating proxy, and their reload. */
function clientTrustFiles(config: Config, logger: Logger, trust: ClientTrustInForce): ClientTrustFiles {
  return {
    async reload(): Promise<ClientTrustReload> {
      try {
        const next = await readClientTrust(config);
        if (!next) return { reloaded: false, problem: "TLS_CLIENT_CA_FILE is not set" };
        trust.current = next.trust;
        if (next.clientCrls) logClientCrls(logger, "TLS client CRLs reloaded", next.clientCrls, next.trust);
        return { reloaded: true, ...(next.clientCrls ? { crls: next.clientCrls.count } : {}) };
      } catch (error) {
        return { reloaded: false, problem: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}

/** One phrase for the start line: on (with the KEK's id) or off. */
function atRestBanner(report: AtRestReport): string {
  return report.encryption === "on" ? `encrypted under KEK ${report.kek} (${report.source})` : "OFF (no KEK)";
}

/** The node's port, held from the first moment of its start; requests wait for the app with a 503. */
interface PortListener {
  readonly server: Server;
  readonly url: string;
  /** The HTTPS listener's certificate, and its reload; absent for plain HTTP. */
  readonly tls?: ServedCertificate;
  /** From now on requests go to `fetch` (the app). */
  answerWith(fetch: ServeFetch): void;
  close(): Promise<void>;
}

type ServeFetch = Parameters<typeof serve>[0]["fetch"];

/** The console's OpenID relying party; the client secret from its file when it is kept in one. */
async function consoleSignOn(config: Config): Promise<SingleSignOn> {
  const secret = config.OIDC_CLIENT_SECRET_FILE
    ? (await readFile(config.OIDC_CLIENT_SECRET_FILE, "utf8")).trim()
    : (config.OIDC_CLIENT_SECRET ?? "");
  if (!secret) throw new Error("OIDC_CLIENT_SECRET_FILE names an empty file: put the client secret in it");
  return new SingleSignOn(singleSignOnSettings(config, secret));
}

/** A week: how long before a CRL's next update the log starts warning. */
const CRL_WARNING_MS = 7 * 24 * 3_600_000;

/**
 * How many client CRLs are in force and until when; a warning when the first stops being in force
 * within a week, an error once it has (every certificate of its CA is refused from then on:
 * docs/security.md#tls). /readyz reports the date too, for monitoring to alert on.
 */
function logClientCrls(
  logger: Logger,
  message: string,
  crls: ClientCrls,
  trust: ClientTrust | undefined,
  now = new Date(),
): void {
  const until = crlsValidUntil(trust);
  logger.info(message, {
    file: crls.file,
    crls: crls.count,
    ...(until ? { validUntil: until.toISOString() } : {}),
  });
  if (!until) return;
  if (until <= now)
    logger.error(
      "a client CRL is past its next update: every certificate of its CA is refused until a newer CRL is in TLS_CLIENT_CRL_FILE and the node reloads it (SIGHUP)",
      { file: crls.file, validUntil: until.toISOString() },
    );
  else if (until.getTime() - now.getTime() < CRL_WARNING_MS)
    logger.warn(
      "a client CRL stops being in force within a week: put its CA's next CRL in TLS_CLIENT_CRL_FILE and reload (SIGHUP), or every certificate of that CA is refused from then",
      { file: crls.file, validUntil: until.toISOString() },
    );
}

async function listen(
  config: Config,
  logger: Logger,
  identity: TlsIdentity | undefined,
  trust: ClientTrustInForce,
): Promise<PortListener> {
  let app: ServeFetch | undefined;
  // serve() gives an HTTP/1 server unless asked for HTTP/2, which the embedded default never is.
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      {
        fetch: (request, env) => (app ? app(request, env) : startingResponse()),
        port: config.PORT,
        hostname: config.HOST,
        ...(identity
          ? {
              createServer: createHttpsServer,
              serverOptions: httpsServerOptions(identity, config.TLS_CLIENT_CA_FILE !== undefined),
            }
          : {}),
      },
      () => resolve(s as Server),
    );
    s.once("error", (error: NodeJS.ErrnoException) => reject(new Error(portRefusal(error, config))));
  });
  answerUnparsableRequests(server);
  const address = server.address() as AddressInfo;
  let served = identity;
  return {
    server,
    url: `${identity ? "https" : "http"}://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`,
    ...(identity
      ? {
          tls: {
            get fingerprint() {
              return served!.fingerprint;
            },
            async reload(): Promise<TlsReload> {
              const current = served!;
              try {
                const next = await readTlsIdentity(config);
                // Open connections keep their session; new handshakes get the new pair and CRLs.
                // The new context has new session-ticket keys, so no session from before resumes:
                // a client reconnecting makes a full handshake, checked against the new CRLs.
                (server as unknown as HttpsServer).setSecureContext(next.context);
                served = next;
                // Forwarded certificates are checked against the same CA and CRLs from now on.
                trust.current = next.clientTrust;
                if (next.clientCrls)
                  logClientCrls(logger, "TLS client CRLs reloaded", next.clientCrls, next.clientTrust);
                return { reloaded: true, fingerprint: next.fingerprint, validTo: next.validTo };
              } catch (error) {
                return {
                  reloaded: false,
                  fingerprint: current.fingerprint,
                  problem: error instanceof Error ? error.message : String(error),
                };
              }
            },
          },
        }
      : {}),
    answerWith(fetch) {
      app = fetch;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a request meets while the node starts (provisioning a first domain takes a while). */
function startingResponse(): Response {
  const requestId = randomUUID();
  return new Response(
    JSON.stringify(
      problemDocument("NOT_READY", "the node is starting: try again in a few seconds", requestId),
    ),
    {
      status: 503,
      headers: {
        ...SECURITY_HEADERS,
        "content-type": "application/problem+json",
        "retry-after": "5",
        "x-request-id": requestId,
      },
    },
  );
}

/** Why the port could not be taken, and which setting changes it. */
function portRefusal(error: NodeJS.ErrnoException, config: Config): string {
  const where = `port ${config.PORT} on ${config.HOST}`;
  switch (error.code) {
    case "EADDRINUSE":
      return `${where} is taken by another program: stop it, or start on another port with PORT=<number> (HOST=<address> sets the address)`;
    case "EACCES":
      return `${where} needs privileges this user lacks: start on a port above 1023 with PORT=<number>`;
    case "EADDRNOTAVAIL":
      return `HOST=${config.HOST} is not an address of this machine: set HOST to one of its addresses (127.0.0.1 for this machine only, 0.0.0.0 for all)`;
    default:
      return `${where} cannot be listened on (${error.code ?? "error"}): check PORT and HOST`;
  }
}

/** A gateway-only node runs no jobs: nothing may reach a sandbox through it. */
const noPool: Pick<SandboxPool, "run" | "cancel"> = {
  run() {
    return Promise.reject(new Error("this node runs no jobs (ROLE=gateway)"));
  },
  cancel() {
    return false;
  },
};

/** What a gateway-only node has for a parser: it never checks a query (runners do). */
const noParser: SqlConnection = {
  runAndReadAll() {
    return Promise.reject(new Error("this node runs no jobs (ROLE=gateway)"));
  },
};

/**
 * Requests Node's HTTP parser refuses never reach the app: without this the client gets a bare
 * status line (or a reset). Each answers a problem document saying what to change. The size of
 * the request line and headers is Node's `maxHeaderSize` (16 KiB by default).
 */
function answerUnparsableRequests(server: Server): void {
  server.on(
    "clientError",
    function answerClientError(error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) {
      if (error.code === "ECONNRESET" || !socket.writable) {
        socket.destroy();
        return;
      }
      const limit = maxHeaderSize;
      let response: string;
      if (error.code === "HPE_HEADER_OVERFLOW") {
        const urlTooLong = error.rawPacket !== undefined && requestLineTooLong(error.rawPacket, limit);
        response = urlTooLong
          ? rawProblemResponse(
              "URI_TOO_LONG",
              `the request line is longer than ${limit} bytes: shorten the URL (send long filters in a request body)`,
            )
          : rawProblemResponse(
              "HEADERS_TOO_LARGE",
              `the request line and headers are longer than ${limit} bytes together: send fewer or shorter headers and a shorter URL`,
            );
      } else if (error.code === "ERR_HTTP_REQUEST_TIMEOUT" || error.code === "HPE_HEADER_TIMEOUT") {
        response = rawProblemResponse("BAD_REQUEST", "the request did not arrive in time: send it again");
      } else {
        response = rawProblemResponse(
          "BAD_REQUEST",
          "the request is not well-formed HTTP/1.1: check its request line and headers",
        );
      }
      // Read and drop what the client is still sending, so the answer is not lost to a reset.
      socket.on("error", () => socket.destroy());
      socket.resume();
      socket.end(response);
      socket.setTimeout(5_000, () => socket.destroy());
    },
  );
}

/**
 * Whether the last bytes read when the header limit was passed show a long request line: it is
 * still unfinished, or it ends here after starting in an earlier read, or it alone is half the limit.
 */
function requestLineTooLong(packet: Buffer, limit: number): boolean {
  const end = packet.indexOf("\r\n");
  if (end < 0) return true;
  const head = packet.subarray(0, end).toString("latin1");
  if (!/ HTTP\/\d\.\d$/.test(head)) return false;
  return !/^[A-Z]+ /.test(head) || head.length > limit / 2;
}

function lockRefused(config: Config) {
  return (error: unknown): never => {
    throw new Error(
      `the data folder ${config.DATA_DIR} is in use by another node (${error instanceof Error ? error.message : String(error)}); stop it first, or share a PostgreSQL control plane (DATABASE_URL) between nodes`,
    );
  };
}
