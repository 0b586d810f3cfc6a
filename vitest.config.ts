import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // A real PostgreSQL for the control plane's second adapter (TEST_DATABASE_URL, or one started here).
    // Debian's Chromium for the console's browser tests (installed here when missing and run as root).
    globalSetup: ["test/support/postgres-server.ts", "test/console/chromium-setup.ts"],
    // The process logger starts silent in every test file (test/telemetry/log.test.ts captures it).
    setupFiles: ["test/support/quiet-logs.ts"],
    // isolated-vm refuses to run in a Node started with its startup snapshot.
    execArgv: ["--no-node-snapshot"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
