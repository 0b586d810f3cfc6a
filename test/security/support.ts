import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { currentDataVersionFiles } from "../../control/data-versions.ts";
import { provisionDataFolder } from "../../control/provisioning.ts";
import { loadConfig } from "../../gateway/config.ts";
import { type RunningGateway, startGateway } from "../../gateway/server.ts";
import { demoDomain } from "../../seeds/demo-domain.ts";
import { silentLogger } from "../../telemetry/log.ts";
import { licenseThroughApplication } from "../support/applications.ts";
import { readOnlyDomainQuery, tempDir } from "../support/duckdb.ts";
import { operatorRegistration } from "../support/gateway.ts";

/**
 * The red-team harness: one real gateway per test file, listening on loopback, over a freshly
 * generated demo domain, driven over HTTP with fetch. After every case the gateway must still
 * release an honest job and the audit log must still verify.
 */

export interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly contentType: string | null;
  readonly headers: Headers;
  readonly body: T;
}

export interface Api {
  readonly key: string | undefined;
  request<T = Record<string, unknown>>(
    method: string,
    path: string,
    init?: RequestOptions,
  ): Promise<Answer<T>>;
  get<T = Record<string, unknown>>(path: string, headers?: Record<string, string>): Promise<Answer<T>>;
  post<T = Record<string, unknown>>(
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Answer<T>>;
  delete<T = Record<string, unknown>>(path: string): Promise<Answer<T>>;
}

export interface RequestOptions {
  readonly body?: string | Uint8Array;
  readonly headers?: Record<string, string>;
}

export type JobError = { code: string; class: string; message: string | null; line?: number };
export type Job = {
  id: string;
  status: string;
  outputs?: Record<string, Record<string, unknown>[]>;
  error?: JobError | null;
  decision?: { outcome: string; reasons: { code: string }[]; tainted: boolean } | null;
  usage?: Record<string, unknown> & { queries?: number; epsilon?: Record<string, number> };
  logs?: unknown;
};

export interface SecurityGateway {
  readonly url: string;
  readonly dir: string;
  readonly bureau: Api;
  readonly auditor: Api;
  readonly operator: Api;
  readonly anonymous: Api;
  readonly license: string;
  readonly operatorId: string;
  as(key: string | undefined): Api;
  /** Ground truth read straight from the domain file (for judging what an attack recovered). */
  truth<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  admitOperator(purposes?: string[]): Promise<{ id: string; key: string; api: Api }>;
  /** Grants a license through the application flow (apply, holders consent, bureau approves); returns its id. */
  grant(operatorId: string, extra?: Record<string, unknown>): Promise<string>;
  /** Submits a script and waits until the job settles. */
  run(script: string, options?: { license?: string; api?: Api; purpose?: string }): Promise<Job>;
  settle(id: string, api?: Api): Promise<Job>;
}

const AIR_SCRIPT = `export default async function main(ctx) {
  const rows = await ctx.sql("SELECT station, avg(pm25) AS pm25 FROM air_quality GROUP BY station ORDER BY station");
  return { by_station: rows };
}`;

let operatorSeq = 0;

function api(base: string, key: string | undefined): Api {
  const request = async <T>(method: string, path: string, init: RequestOptions = {}): Promise<Answer<T>> => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (key !== undefined && headers.authorization === undefined) headers.authorization = `Bearer ${key}`;
    const send = () =>
      fetch(`${base}${path}`, { method, headers, ...(init.body !== undefined ? { body: init.body } : {}) });
    // A keep-alive socket the server closed (after refusing an oversized body) fails once on reuse.
    const res = await send().catch((error: Error & { cause?: { code?: string } }) => {
      if (error.cause?.code === "UND_ERR_SOCKET" && (init.body?.length ?? 0) < 1_000_000) return send();
      throw error;
    });
    const contentType = res.headers.get("content-type");
    const text = await res.text();
    let body: unknown = text;
    if (contentType?.includes("json") && text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text; // JSON lines (the audit export)
      }
    }
    return { status: res.status, contentType, headers: res.headers, body: body as T };
  };
  return {
    key,
    request,
    get: (path, headers) => request("GET", path, { headers: headers ?? {} }),
    post: (path, body, headers) =>
      request("POST", path, {
        body: typeof body === "string" ? body : JSON.stringify(body ?? {}),
        headers: { "content-type": "application/json", ...(headers ?? {}) },
      }),
    delete: (path) => request("DELETE", path),
  };
}

/**
 * Starts one real gateway for the calling test file (beforeAll/afterAll), and after each case
 * checks that an honest job is still released and that the audit log verifies.
 */
export function useSecurityGateway(options: { seedScale?: number } = {}): () => SecurityGateway {
  let running: RunningGateway | undefined;
  let folder: { dir: string; remove: () => Promise<void> } | undefined;
  let gw: SecurityGateway | undefined;
  let truthDb: Awaited<ReturnType<typeof readOnlyDomainQuery>> | undefined;

  beforeAll(async () => {
    folder = await tempDir("aos-redteam-");
    const seedScale = options.seedScale ?? 0.02;
    // Generate first and read the ground truth, then let the gateway reuse the folder.
    const provisioned = await provisionDataFolder({ dir: folder.dir, demo: demoDomain, seedScale });
    const credentials = provisioned.newCredentials!;
    truthDb = await readOnlyDomainQuery(
      provisioned.folder.datasetsDir,
      await currentDataVersionFiles(provisioned.controlPlane),
    );
    await provisioned.controlPlane.close();
    const truthCache = new Map<string, unknown[]>();
    // Copy what the suites ask for lazily: the domain stays open read-only in this process too.
    running = await startGateway(
      loadConfig({ DATA_DIR: folder.dir, PORT: "0", SEED_SCALE: String(seedScale), SANDBOX_WORKERS: "2" }),
      silentLogger,
    );
    const base = running.url;
    const bureau = api(base, credentials.bureau.key);
    const operator = api(base, credentials.operator.key);
    const operatorId = (await operator.get<{ licenses: { license: { operator: string } }[] }>("/v1/licenses"))
      .body.licenses[0]!.license.operator;
    const settle = async (id: string, who: Api = operator): Promise<Job> => {
      for (let i = 0; i < 20; i++) {
        const res = await who.get<Job>(`/v1/jobs/${id}?wait=20`);
        if (res.status !== 200)
          throw new Error(`GET job answered ${res.status}: ${JSON.stringify(res.body)}`);
        if (!["queued", "running"].includes(res.body.status)) return res.body;
      }
      throw new Error(`job ${id} did not settle`);
    };
    // Each operator applies with its own key; the holders and officers decide with theirs.
    const operatorApis = new Map<string, Api>([[operatorId, operator]]);
    const parties = {
      holders: Object.fromEntries(
        Object.entries(credentials.holders ?? {}).map(([dataset, holder]) => [
          dataset,
          api(base, holder.key),
        ]),
      ),
      bureau,
      bureau2: api(base, credentials.bureau2?.key),
    };
    gw = {
      url: base,
      dir: folder.dir,
      bureau,
      auditor: api(base, credentials.auditor.key),
      operator,
      anonymous: api(base, undefined),
      license: credentials.operator.license,
      operatorId,
      as: (key) => api(base, key),
      async truth<T>(sql: string): Promise<T[]> {
        const cached = truthCache.get(sql);
        if (cached) return cached as T[];
        const rows = await truthDb!.all<T>(sql);
        truthCache.set(sql, rows);
        return rows;
      },
      async admitOperator(purposes) {
        operatorSeq += 1;
        const n = 500 + operatorSeq + Math.floor(Math.random() * 100_000);
        const res = await bureau.post<{ operator: { id: string }; apiKey: { key: string } }>(
          "/v1/operators",
          operatorRegistration(n, purposes ? { approvedPurposes: purposes } : {}),
        );
        if (res.status !== 201) throw new Error(`admit: ${res.status} ${JSON.stringify(res.body)}`);
        const admitted = api(base, res.body.apiKey.key);
        operatorApis.set(res.body.operator.id, admitted);
        return { id: res.body.operator.id, key: res.body.apiKey.key, api: admitted };
      },
      async grant(applicant, extra = {}) {
        const applicantApi = operatorApis.get(applicant);
        if (!applicantApi) throw new Error(`grant: no key for operator ${applicant}`);
        const { license } = await licenseThroughApplication(
          { ...parties, operator: applicantApi },
          {
            purpose: "urban-analytics",
            validFrom: "2025-01-01T00:00:00Z",
            validTo: "2035-01-01T00:00:00Z",
            datasets: [
              { name: "population", epsilon: { perQuery: 0.5, total: 50, period: "month" } },
              { name: "enterprises" },
              { name: "air_quality" },
            ],
            ...extra,
          },
        );
        return license;
      },
      async run(script, opts = {}) {
        const who = opts.api ?? operator;
        const res = await who.post<Job>("/v1/jobs", {
          script,
          license: opts.license ?? credentials.operator.license,
          ...(opts.purpose ? { purpose: opts.purpose } : {}),
        });
        if (res.status !== 202) throw new Error(`submit: ${res.status} ${JSON.stringify(res.body)}`);
        return settle(res.body.id, who);
      },
      settle,
    };
  }, 180_000);

  afterEach(async () => {
    if (!gw) return;
    // The property every case shares: the service is alive and its log is intact.
    const honest = await gw.run(AIR_SCRIPT);
    expect(honest.status, "an honest job after the attack").toBe("released");
    expect(honest.outputs?.by_station).toHaveLength(12);
    const verify = await gw.auditor.get<{ valid: boolean }>("/v1/audit/verify");
    expect(verify.status).toBe(200);
    expect(verify.body.valid, "the audit log verifies after the attack").toBe(true);
  }, 120_000);

  afterAll(async () => {
    truthDb?.close();
    await running?.close();
    await folder?.remove();
  }, 120_000);

  return () => {
    if (!gw) throw new Error("the security gateway is not started");
    return gw;
  };
}

/** Audit entries about one job (as the auditor sees them). */
export async function auditOf(
  gw: SecurityGateway,
  filter: string,
): Promise<{ type: string; data?: Record<string, unknown>; subject?: Record<string, unknown> }[]> {
  const res = await gw.auditor.get<{ entries: { type: string; data?: Record<string, unknown> }[] }>(
    `/v1/audit?${filter}`,
  );
  expect(res.status).toBe(200);
  return res.body.entries;
}

/**
 * A script that sends each query, catches refusals, and returns one row per query:
 * `{ i, ok, code, detail, rows }` (rows as JSON text, so any shape crosses the output schema).
 */
export function probeScript(queries: readonly string[]): string {
  return `export default async function main(ctx) {
  const queries = ${JSON.stringify(queries)};
  const out = [];
  for (let i = 0; i < queries.length; i++) {
    try {
      const rows = await ctx.sql(queries[i]);
      out.push({ i, ok: true, code: "", detail: "", rows: JSON.stringify(rows) });
    } catch (e) {
      out.push({ i, ok: false, code: String(e && e.code || e && e.name || ""), detail: String(e && e.message || ""), rows: "" });
    }
  }
  return { probes: out };
}`;
}

export type Probe = { i: number; ok: boolean; code: string; detail: string; rows: string };

/** Runs queries in one job; returns each query's outcome. */
export async function probe(
  gw: SecurityGateway,
  queries: readonly string[],
  license?: string,
): Promise<Probe[]> {
  const job = await gw.run(probeScript(queries), license ? { license } : {});
  expect(job.status, JSON.stringify(job.error)).toBe("released");
  return job.outputs!.probes as unknown as Probe[];
}
