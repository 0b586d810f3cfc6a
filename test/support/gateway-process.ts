import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { RequestOptions } from "node:https";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { DemoCredentials } from "../../control/provisioning.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A node on a small demo domain with one sandbox worker: quick to start, and to stop. */
export const smallDemoNode = (dataDir: string): Record<string, string> => ({
  DATA_DIR: dataDir,
  PORT: "0",
  SEED_SCALE: "0.002",
  SANDBOX_WORKERS: "1",
  SANDBOX_CONTAINMENT: "off",
  SHUTDOWN_GRACE_MS: "1000",
});

/**
 * `gateway/main.ts` as `npm run dev` starts it, in a child process with `env` as its whole
 * environment (besides PATH and HOME), keeping everything it writes.
 *
 * @example
 * const node = new GatewayProcess(smallDemoNode(dir));
 * const port = await node.listening("http");
 * await node.stop();
 */
export class GatewayProcess {
  readonly child: ChildProcess;
  stdout = "";
  /** The node's log, one JSON line an entry. */
  stderr = "";
  /** The exit code; listened for from the spawn on, so a node that stops at once is not missed. */
  readonly exit: Promise<number | null>;

  constructor(readonly env: Readonly<Record<string, string>>) {
    this.child = spawn(process.execPath, ["--no-node-snapshot", "--import", "tsx", "gateway/main.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.exit = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.stdout!.on("data", (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
    this.child.stderr!.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
  }

  /** The log lines with `msg`, oldest first. */
  logLines(msg: string): Record<string, unknown>[] {
    return this.stderr
      .split("\n")
      .filter((line) => line.includes(`"msg":${JSON.stringify(msg)}`))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  async until(condition: () => boolean, what: string, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${what}; stderr: ${this.stderr.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits for the start banner (the demo domain is built first) and returns the port it listens on. */
  async listening(scheme: "http" | "https"): Promise<number> {
    await this.until(() => /Try: curl/.test(this.stdout), "the start banner", 120_000);
    return Number(new RegExp(`listening on ${scheme}://127\\.0\\.0\\.1:(\\d+)`).exec(this.stdout)?.[1]);
  }

  /** The demo keys the node wrote into its DATA_DIR on its first start. */
  demoCredentials(): DemoCredentials {
    return JSON.parse(readFileSync(join(this.env.DATA_DIR!, "demo-credentials.json"), "utf8"));
  }

  /**
   * Sends SIGHUP and waits until `reloaded` or `refused` is logged once more than before: the new
   * line, under the outcome it names.
   */
  async reload(messages: {
    reloaded: string;
    refused: string;
  }): Promise<{ reloaded: Record<string, unknown> } | { refused: Record<string, unknown> }> {
    const reloaded = this.logLines(messages.reloaded).length;
    const refused = this.logLines(messages.refused).length;
    this.child.kill("SIGHUP");
    await this.until(
      () =>
        this.logLines(messages.reloaded).length > reloaded ||
        this.logLines(messages.refused).length > refused,
      "the reload",
    );
    const refusal = this.logLines(messages.refused)[refused];
    return refusal ? { refused: refusal } : { reloaded: this.logLines(messages.reloaded)[reloaded]! };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill("SIGTERM");
    await this.exit;
  }
}

/** A start that is to fail: its exit code and what it wrote to stderr. */
export async function refusedStart(
  env: Readonly<Record<string, string>>,
): Promise<{ code: number | null; stderr: string }> {
  const refused = new GatewayProcess(env);
  const code = await refused.exit;
  return { code, stderr: refused.stderr };
}

export interface NodeAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export const json = (answer: NodeAnswer) => JSON.parse(answer.body) as Record<string, unknown>;

/** What the API calls of these tests vary besides the connection. */
export interface ApiCall {
  method?: string;
  key?: string;
  body?: unknown;
  cookie?: string;
}

/**
 * Calls the node with `request` (node:http's or node:https's): `target` says where and over what
 * connection (port, path, local address, TLS options), `call` what to send.
 */
export function callNode(
  request: (options: RequestOptions, callback: (res: IncomingMessage) => void) => ClientRequest,
  target: RequestOptions,
  call: ApiCall & { headers?: OutgoingHttpHeaders },
): Promise<NodeAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method: call.method ?? "GET",
        // A fresh connection each time: a reused one would keep the client certificate and the
        // address it was made with.
        agent: false,
        ...target,
        headers: {
          ...(call.key ? { authorization: `Bearer ${call.key}` } : {}),
          ...(call.body ? { "content-type": "application/json" } : {}),
          ...(call.cookie ? { cookie: call.cookie } : {}),
          ...call.headers,
        },
      },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.once("error", reject);
    req.end(call.body ? JSON.stringify(call.body) : undefined);
  });
}

type Call = (path: string, options: ApiCall) => Promise<NodeAnswer>;

/** A new key of the demo operator, issued by the bureau, bound to the public key of the certificate in `certificatePem`. */
export async function boundOperatorKey(
  call: Call,
  credentials: DemoCredentials,
  certificatePem: string,
): Promise<{ key: string; prefix: string }> {
  const operator = json(await call("/v1/whoami", { key: credentials.operator.key }));
  const issued = await call(`/v1/principals/${String(operator.id)}/keys`, {
    method: "POST",
    key: credentials.bureau.key,
    body: { clientCertificate: { certificate: certificatePem } },
  });
  expect(issued.status).toBe(201);
  return json(issued) as { key: string; prefix: string };
}

/** The failed authentications the audit log holds (as the auditor reads them), oldest first. */
export async function authFailures(
  call: Call,
  credentials: DemoCredentials,
): Promise<{ address?: string; keyPrefix?: string; reason?: string }[]> {
  const page = json(
    await call("/v1/audit?type=auth.failed&limit=1000", { key: credentials.auditor.key }),
  ) as { entries: { data: { address?: string; keyPrefix?: string; reason?: string } }[] };
  return page.entries.map((entry) => entry.data);
}
