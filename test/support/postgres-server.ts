import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "./embedded-postgres.ts";

/**
 * Global setup: a real PostgreSQL for the adapter's tests. `TEST_DATABASE_URL` names a server to
 * use; otherwise one is started from the `embedded-postgres` package and stopped after the run.
 * Each test file makes its own database on it (see `support/stores.ts`), so files running in
 * parallel never see each other's rows.
 */
export default async function startPostgres(project: TestProject) {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide("postgresUrl", given);
    return;
  }
  const server = await startEmbeddedPostgres();
  project.provide("postgresUrl", server.url);
  return () => server.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}
