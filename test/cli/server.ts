import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { runCli } from "../../cli/main.ts";
import type { Terminal } from "../../cli/terminal.ts";
import { dummyDomainStatements } from "../../control/dummy-data.ts";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { loadConfig } from "../../gateway/config.ts";
import { type RunningGateway, startGateway } from "../../gateway/server.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import { silentLogger } from "../../telemetry/log.ts";
import { tempDir } from "../support/duckdb.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A real listening gateway on a temp data folder, with the demo keys. */
export interface CliServer {
  readonly url: string;
  readonly dir: string;
  readonly credentials: DemoCredentials;
  readonly gateway: RunningGateway;
  close(): Promise<void>;
}

/** Rows per dataset of a dummy domain (the `aos run --local` default, so local and remote see the same data). */
export const DUMMY_DOMAIN_ROWS = 2000;

/**
 * Starts `startGateway` on PORT 0 over a fresh data folder: the generated demo domain, or (with
 * `dummyDomain`) a domain holding exactly the dummy data a local run generates.
 */
export async function startCliServer(
  options: { dummyDomain?: boolean; seedScale?: number; env?: Readonly<Record<string, string>> } = {},
): Promise<CliServer> {
  const folder = await tempDir("aos-cli-");
  if (options.dummyDomain) {
    // A one-file domain in the folder is split into data versions on first start (as an older
    // release's would be): the gateway then serves exactly the dummy tables.
    const instance = await DuckDBInstance.create(join(folder.dir, "domain.duckdb"));
    const connection = await instance.connect();
    for (const statement of dummyDomainStatements(DEMO_MANIFESTS, { rows: DUMMY_DOMAIN_ROWS }))
      await connection.run(statement);
    connection.closeSync();
    instance.closeSync();
  }
  const config = loadConfig({
    DATA_DIR: folder.dir,
    PORT: "0",
    SEED_SCALE: String(options.seedScale ?? 0.01),
    SANDBOX_WORKERS: "1",
    LOG_LEVEL: "error",
    SHUTDOWN_GRACE_MS: "1000",
    ...options.env,
  });
  const gateway = await startGateway(config, silentLogger);
  const credentials = JSON.parse(
    await readFile(join(folder.dir, "demo-credentials.json"), "utf8"),
  ) as DemoCredentials;
  return {
    url: gateway.url,
    dir: folder.dir,
    credentials,
    gateway,
    async close() {
      await gateway.close();
      await folder.remove();
    },
  };
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

/**
 * Runs `node bin/aos.mjs ARGS` as a child process, the way a user does, with a clean environment:
 * no config file, the given URL and key in AOS_URL / AOS_KEY.
 */
export function aos(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "bin/aos.mjs"), ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        XDG_CONFIG_HOME: join(ROOT, "test/cli/no-config"),
        NO_COLOR: "1",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({
        code: code ?? -1,
        stdout: stdoutBytes.toString("utf8"),
        stdoutBytes,
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}

/**
 * Runs the CLI in this process with a captured terminal: the same commands and exit codes as a
 * child process, without paying a Node start per call. End-to-end flows spawn `aos` instead.
 */
export async function aosInProcess(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CliRun> {
  const out: Buffer[] = [];
  const err: string[] = [];
  const same = (text: string) => text;
  const term: Terminal = {
    out: (text) => out.push(Buffer.from(text)),
    err: (line) => err.push(line),
    status: () => {},
    stdoutIsTty: false,
    color: false,
    style: { ok: same, bad: same, warn: same, dim: same, bold: same },
  };
  const code = await runCli(args, { XDG_CONFIG_HOME: join(ROOT, "test/cli/no-config"), ...env }, term);
  const stdoutBytes = Buffer.concat(out);
  return {
    code,
    stdout: stdoutBytes.toString("utf8"),
    stdoutBytes,
    stderr: err.map((l) => `${l}\n`).join(""),
  };
}
