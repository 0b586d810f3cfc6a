// The registry this project installs from serves only the platform packages of this machine
// (linux-x64): `npm install` then leaves other platforms' optional native packages (DuckDB
// bindings, Biome) out of package-lock.json, and `npm ci` refuses such a lock as out of sync.
// This adds the missing entries with their os/cpu/libc, which lets npm ci skip them here and
// fetch them on a machine of that platform. Run after `npm install` changes the lock:
//   node .ci/complete-lockfile.mjs        (rewrite package-lock.json)
//   node .ci/complete-lockfile.mjs --check (CI: fail if entries are missing)
import { readFileSync, writeFileSync } from "node:fs";

const file = new URL("../package-lock.json", import.meta.url);
const check = process.argv.includes("--check");
const lock = JSON.parse(readFileSync(file, "utf8"));
const packages = lock.packages;
const missing = [];
for (const entry of Object.values(packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (packages[key]) continue;
    const platform =
      /(android|darwin|linux|win32|freebsd|openbsd|sunos|aix)-(arm64|x64|arm|ia32|ppc64|s390x|riscv64)(-musl)?$/.exec(
        dep,
      );
    if (!platform) throw new Error(`cannot tell the platform of optional dependency ${dep}`);
    const [, os, cpu, musl] = platform;
    packages[key] = {
      version,
      cpu: [cpu],
      ...(entry.dev ? { dev: true } : {}),
      ...(os === "linux" ? { libc: [musl ? "musl" : "glibc"] } : {}),
      optional: true,
      os: [os],
    };
    missing.push(dep);
  }
}
if (check) {
  if (missing.length > 0) {
    console.error(`package-lock.json lacks ${missing.join(", ")}: run node .ci/complete-lockfile.mjs`);
    process.exit(1);
  }
  process.exit(0);
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(missing.length ? `added ${missing.join(", ")}` : "package-lock.json is complete");
