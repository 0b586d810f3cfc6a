import { join, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { issueReceipt } from "../../audit/receipt.ts";
import { loadDomainSigningKey } from "../../audit/signing-key.ts";
import { openStoreAuditLedger, type StoreAuditLedger } from "../../audit/store-ledger.ts";
import {
  type AuditEvent,
  type AuditPosition,
  type AuditSink,
  RecordingAuditSink,
} from "../../control/audit-sink.ts";
import { ControlPlaneBudgetLedger } from "../../control/budget-ledger.ts";
import { currentCatalog } from "../../control/catalog.ts";
import type { DataFolder } from "../../control/data-folder.ts";
import { storeDataVersion } from "../../control/data-supply.ts";
import { currentDataVersionFiles, storeDataVersionSource } from "../../control/data-versions.ts";
import { noiseSaltOf } from "../../control/domain-key.ts";
import { JobService } from "../../control/jobs/job-service.ts";
import { ledgerAuditSink } from "../../control/ledger-sink.ts";
import { type DemoCredentials, provisionDataFolder } from "../../control/provisioning.ts";
import { type GatewayServices, newApp } from "../../gateway/app.ts";
import {
  type AddressLimit,
  AddressLimiter,
  AuthFailureLimiter,
  type GatewayEnv,
} from "../../gateway/auth.ts";
import { SandboxPool } from "../../sandbox/index.ts";
import { demoDomain } from "../../seeds/demo-domain.ts";
import { type DataDomain, openVersionedDataDomain } from "../../storage/data-domain.ts";
import { fileDigest } from "../../storage/file-digest.ts";
import { openSqlParser } from "../../storage/sql-parser.ts";
import type { SqlExecutor, SqlStore } from "../../storage/sql-store.ts";
import { silentLogger } from "../../telemetry/log.ts";
import { tempDir } from "./duckdb.ts";
import { operatorRegistration } from "./operators.ts";
import { newPostgresDatabase, type StoreKind } from "./stores.ts";

/**
 * The real audit ledger (hash-chained, fsync'd) behind a sink that also keeps the events in memory
 * for assertions, and fails every append while `failing` is set (to test fail-closed changes).
 */
export class TestAuditSink extends RecordingAuditSink {
  failing = false;
  private readonly ledgerSink: AuditSink;
  constructor(readonly ledger: StoreAuditLedger) {
    super();
    this.ledgerSink = ledgerAuditSink(ledger);
  }
  override async appendIn(tx: SqlExecutor, events: readonly AuditEvent[]): Promise<AuditPosition[]> {
    if (this.failing) throw new Error("audit sink unavailable");
    const positions = await this.ledgerSink.appendIn(tx, events);
    await super.appendIn(tx, events);
    return positions;
  }
  override async append(event: AuditEvent): Promise<AuditPosition> {
    if (this.failing) throw new Error("audit sink unavailable");
    const position = await this.ledgerSink.append(event);
    await super.append(event);
    return position;
  }
  /** Events of one type, oldest first. */
  ofType(type: string): AuditEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}

export interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly contentType: string | null;
  readonly headers: Headers;
  /** Parsed JSON when the answer is JSON, else the text. */
  readonly body: T;
}

/** A caller of the in-process app with one key (or none). */
export interface Client {
  readonly key: string | undefined;
  get<T = Record<string, unknown>>(path: string, headers?: Record<string, string>): Promise<Answer<T>>;
  post<T = Record<string, unknown>>(
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Answer<T>>;
  put<T = Record<string, unknown>>(
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Answer<T>>;
  delete<T = Record<string, unknown>>(path: string, headers?: Record<string, string>): Promise<Answer<T>>;
}

export interface AdmittedOperator {
  readonly id: string;
  readonly key: string;
  readonly prefix: string;
  readonly client: Client;
}

export interface TestGateway {
  readonly dir: string;
  readonly app: OpenAPIHono<GatewayEnv>;
  readonly services: GatewayServices;
  readonly controlPlane: SqlStore;
  /** The hash-chained audit log in the control plane. */
  readonly ledger: StoreAuditLedger;
  readonly dataDomain: DataDomain;
  readonly audit: TestAuditSink;
  readonly jobs: JobService;
  readonly credentials: DemoCredentials;
  /** The demo operator's principal id (holder of `credentials.operator.license`). */
  readonly demoOperatorId: string;
  readonly bureau: Client;
  /** A second bureau officer, for the two-person rule. */
  readonly bureau2: Client;
  /** A member of each demo dataset's holder department, by dataset name. */
  readonly holders: Readonly<Record<string, Client>>;
  readonly auditor: Client;
  /**
   * Stops this gateway's runner and starts a new one on the same stores, as a restarted node
   * would (HTTP keeps answering; submissions are refused, as while draining). Returns what its
   * recovery did.
   */
  restartRunner(): Promise<{ requeued: number; failed: number }>;
  readonly operator: Client;
  readonly anonymous: Client;
  as(key: string | undefined): Client;
  /** Admits a new operator through the API (as the bureau) with a fresh valid credit code. */
  admitOperator(overrides?: { name?: string; approvedPurposes?: string[] }): Promise<AdmittedOperator>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  /** Demo domain size; 0.002 gives 2,000 residents and builds in about a second. */
  readonly seedScale?: number;
  /**
   * Statements run on a writable copy of the data domain (every dataset's current table, by name)
   * after generation; each table they create or change becomes a new data version (a table no
   * policy names yet: supplied as the bureau supplies a dataset before registering it).
   */
  readonly domainSetup?: readonly string[];
  /** Largest data version upload (DATA_UPLOAD_MAX_BYTES); default 64 MiB. */
  readonly maxUploadBytes?: number;
  readonly maxBodyBytes?: number;
  /** Sandbox worker processes (and so jobs running at once); default 1. */
  readonly sandboxWorkers?: number;
  /** Failed authentications allowed per window; default: effectively unlimited, so suites that probe 401s do not trip it. */
  readonly authLimit?: AddressLimit;
  /** Requests to the keyless public routes allowed per window; default: effectively unlimited. */
  readonly publicLimit?: AddressLimit;
  /** Job queue bound; default 100. */
  readonly queueCapacity?: number;
  readonly perOperatorConcurrency?: number;
  /** Which control-plane store: the embedded SQLite file (default) or a fresh PostgreSQL database. */
  readonly store?: StoreKind;
}

/**
 * A provisioned temp data folder (demo domain, control plane, demo principals) and the app built
 * on it with `newApp`, with a client per demo role. Call `close()` in `afterAll`.
 *
 * @example
 * const gw = await startTestGateway();
 * const res = await gw.operator.get("/v1/licenses");
 */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const folder = await tempDir("aos-gateway-");
  const database = options.store === "postgres" ? await newPostgresDatabase() : undefined;
  const provisioned = await provisionDataFolder({
    dir: folder.dir,
    demo: demoDomain,
    seedScale: options.seedScale ?? 0.002,
    databaseUrl: database?.url,
  });
  const { controlPlane } = provisioned;
  const credentials = provisioned.newCredentials;
  if (!credentials) throw new Error("a fresh data folder must create demo credentials");
  const signingKey = await loadDomainSigningKey(provisioned.folder);
  const ledger = openStoreAuditLedger(controlPlane, {
    privateKey: signingKey.privateKey,
    checkpointIntervalMs: 0,
  });
  if (options.domainSetup?.length)
    await applyDomainSetup(provisioned.folder, controlPlane, ledgerAuditSink(ledger), options.domainSetup);
  const dataDomain = await openVersionedDataDomain({
    datasetsDir: provisioned.folder.datasetsDir,
    source: storeDataVersionSource(controlPlane),
    threads: 1,
  });
  const audit = new TestAuditSink(ledger);
  const parser = await openSqlParser();
  const workers = options.sandboxWorkers ?? 1;
  // Workers start with the first job, so suites that run none spawn no sandbox processes.
  let pool: SandboxPool | undefined;
  const startedPool = (): SandboxPool => {
    pool ??= new SandboxPool({ size: workers });
    return pool;
  };
  const jobDeps: ConstructorParameters<typeof JobService>[0] = {
    store: controlPlane,
    dataDomain,
    pool: {
      run: (...args) => startedPool().run(...args),
      cancel: (jobId) => pool?.cancel(jobId) ?? false,
    },
    ledger: new ControlPlaneBudgetLedger(controlPlane),
    parser: parser.connection,
    noiseSalt: noiseSaltOf(signingKey.privateKey),
    audit,
    signReceipt: (claims) => issueReceipt(claims, signingKey.privateKey),
  };
  const jobOptions: ConstructorParameters<typeof JobService>[1] = {
    queueCapacity: options.queueCapacity ?? 100,
    perOperatorConcurrency: options.perOperatorConcurrency ?? 2,
    concurrency: workers,
    soleRunner: true,
  };
  const jobs = new JobService(jobDeps, jobOptions);
  const restarted: JobService[] = [];
  await jobs.recover();
  const services: GatewayServices = {
    controlPlane,
    dataDomain,
    audit,
    auditLedger: ledger,
    domainPublicKeyPem: signingKey.publicKey.export({ type: "spki", format: "pem" }).toString(),
    domainSigningKey: signingKey,
    jobs,
    logger: silentLogger,
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
    dataSupply: {
      datasetsDir: provisioned.folder.datasetsDir,
      maxUploadBytes: options.maxUploadBytes ?? 64 * 1024 * 1024,
    },
    authLimiter: new AuthFailureLimiter(options.authLimit ?? { events: 1_000_000, windowMs: 60_000 }),
    publicLimiter: new AddressLimiter(options.publicLimit ?? { events: 1_000_000, windowMs: 60_000 }),
    readiness: { check: async () => ({ ready: true, checks: {} }) },
  };
  const app = newApp(services);
  const demoOperator = await controlPlane.query<{ id: string }>(
    "SELECT id FROM principals WHERE role = 'operator' ORDER BY created_at LIMIT 1",
  );

  const as = (key: string | undefined): Client => {
    const call = async <T>(
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const init: RequestInit = { method, headers: { ...headers } };
      const h = init.headers as Record<string, string>;
      if (key !== undefined) h.authorization = `Bearer ${key}`;
      if (body !== undefined) {
        h["content-type"] ??= "application/json";
        init.body = typeof body === "string" ? body : JSON.stringify(body);
      }
      const res = await app.request(path, init);
      const contentType = res.headers.get("content-type");
      const parsed = contentType?.includes("json") ? await res.json() : await res.text();
      return { status: res.status, contentType, headers: res.headers, body: parsed as T };
    };
    return {
      key,
      get: (path, headers) => call("GET", path, undefined, headers),
      post: (path, body, headers) => call("POST", path, body ?? {}, headers),
      put: (path, body, headers) => call("PUT", path, body ?? {}, headers),
      delete: (path, headers) => call("DELETE", path, undefined, headers),
    };
  };

  let admitted = 0;
  const bureau = as(credentials.bureau.key);
  return {
    dir: folder.dir,
    app,
    services,
    controlPlane,
    ledger,
    dataDomain,
    audit,
    jobs,
    credentials,
    demoOperatorId: demoOperator[0]!.id,
    bureau,
    bureau2: as(credentials.bureau2?.key),
    holders: Object.fromEntries(
      Object.entries(credentials.holders ?? {}).map(([dataset, holder]) => [dataset, as(holder.key)]),
    ),
    auditor: as(credentials.auditor.key),
    operator: as(credentials.operator.key),
    anonymous: as(undefined),
    as,
    async admitOperator(overrides = {}) {
      admitted += 1;
      const res = await bureau.post<{ operator: { id: string }; apiKey: { key: string; prefix: string } }>(
        "/v1/operators",
        operatorRegistration(admitted, overrides),
      );
      if (res.status !== 201)
        throw new Error(`admitting an operator answered ${res.status}: ${JSON.stringify(res.body)}`);
      const { operator, apiKey } = res.body;
      return { id: operator.id, key: apiKey.key, prefix: apiKey.prefix, client: as(apiKey.key) };
    },
    async restartRunner() {
      await jobs.drain();
      for (const earlier of restarted) await earlier.drain();
      const next = new JobService(jobDeps, jobOptions);
      restarted.push(next);
      return next.recover();
    },
    async close() {
      await jobs.drain();
      for (const later of restarted) await later.drain();
      await pool?.close();
      parser.close();
      await ledger.close();
      dataDomain.close();
      await controlPlane.close();
      await database?.drop();
      await folder.remove();
    },
  };
}

export { operatorRegistration, validUscc } from "./operators.ts";

/**
 * Runs `statements` on a scratch DuckDB file holding a copy of every dataset's current table, then
 * supplies each table they created or changed as a new data version (through the supply path).
 */
async function applyDomainSetup(
  folder: DataFolder,
  store: SqlStore,
  audit: AuditSink,
  statements: readonly string[],
): Promise<void> {
  const scratch = await tempDir("aos-domain-setup-");
  const file = join(scratch.dir, "setup.duckdb");
  try {
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    const changed: string[] = [];
    try {
      const fingerprint = async (table: string) =>
        JSON.stringify(
          (
            await connection.runAndReadAll(
              `SELECT count(*)::VARCHAR, bit_xor(hash(t))::VARCHAR, (SELECT string_agg(column_name || ' ' || data_type, ',') FROM duckdb_columns() WHERE table_name = '${table}') FROM "${table}" AS t`,
            )
          ).getRowsJson(),
        );
      const before = new Map<string, string>();
      for (const version of await currentDataVersionFiles(store)) {
        await connection.run(`ATTACH '${resolve(folder.datasetsDir, version.file)}' AS source (READ_ONLY)`);
        await connection.run(
          `CREATE TABLE "${version.dataset}" AS SELECT * FROM source.main."${version.dataset}"`,
        );
        await connection.run("DETACH source");
        before.set(version.dataset, await fingerprint(version.dataset));
      }
      for (const statement of statements) await connection.run(statement);
      const tables = (
        await connection.runAndReadAll("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'")
      )
        .getRows()
        .map(([name]) => String(name));
      for (const table of tables) if (before.get(table) !== (await fingerprint(table))) changed.push(table);
      await connection.run("CHECKPOINT");
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    const { sha256, bytes } = await fileDigest(file);
    const manifests = new Map((await currentCatalog(store)).map((e) => [e.manifest.name, e.manifest]));
    for (const dataset of changed) {
      const manifest = manifests.get(dataset);
      await storeDataVersion(
        { store, audit, datasetsDir: folder.datasetsDir },
        {
          dataset,
          ...(manifest ? { manifest } : {}),
          source: { format: "duckdb", path: file, table: dataset },
          sha256,
          bytes,
          actor: "test-setup",
        },
      );
    }
  } finally {
    await scratch.remove();
  }
}
