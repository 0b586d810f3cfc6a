import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobStore } from "../../control/jobs/job-store.ts";
import { openControlPlane } from "../../storage/control-plane.ts";
import { tempDir } from "../support/duckdb.ts";

let folder: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  folder = await tempDir();
});
afterAll(async () => {
  await folder?.remove();
});

const job = (i: number) => ({
  id: `job_${i}`,
  operatorId: "op_1",
  licenseId: "lic_1",
  purpose: "urban-analytics",
  language: "javascript" as const,
  script: `export default () => (${i})`,
  scriptSha256: "0".repeat(64),
  idempotencyKey: i % 2 ? `key-${i}` : null,
  status: "queued" as const,
  submittedAt: new Date(Date.UTC(2026, 10, 22, 0, 0, i)).toISOString(),
});

describe("job store", () => {
  it("keeps in memory exactly the rows that concurrent, batched writes leave in the table", async () => {
    const store = await openControlPlane(join(folder.dir, "jobs.duckdb"));
    const ids = Array.from({ length: 40 }, (_, i) => i);
    await Promise.all(ids.map((i) => jobStore.insert(store, job(i))));
    await Promise.all(
      ids.map((i) =>
        jobStore.markRunning(store, `job_${i}`, new Date(Date.UTC(2026, 10, 22, 1, 0, i)), { population: i }),
      ),
    );
    await Promise.all(
      ids.map((i) =>
        jobStore.settle(store, `job_${i}`, {
          status: i % 3 ? "released" : "failed",
          finishedAt: new Date(Date.UTC(2026, 10, 22, 2, 0, i)),
          ...(i % 3 ? { products: { outputs: { t: [{ n: i, s: "é\"'\\" }] }, logs: [] } } : {}),
          ...(i % 3 ? {} : { error: { code: "TIMEOUT", class: "Timeout", message: null } }),
          usage: null,
        }),
      ),
    );
    const fromTable = await jobStore.list(store, { limit: 100 });
    expect(fromTable).toHaveLength(40);
    for (const row of fromTable) expect(await jobStore.get(store, row.id)).toEqual(row);
    store.close();
  });

  it("forgets its records when something else writes the jobs table", async () => {
    const store = await openControlPlane(join(folder.dir, "jobs-foreign.duckdb"));
    await jobStore.insert(store, job(1));
    expect((await jobStore.get(store, "job_1"))?.purpose).toBe("urban-analytics");
    await store.run("UPDATE jobs SET purpose = 'changed' WHERE id = 'job_1'");
    expect((await jobStore.get(store, "job_1"))?.purpose).toBe("changed");
    store.close();
  });
});
