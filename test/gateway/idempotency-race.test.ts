import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { STORE_KINDS } from "../support/stores.ts";

const SCRIPT = `export default async function main(ctx) {
  return { n: await ctx.sql("SELECT count(*) AS n FROM air_quality") };
}`;

// The domain-level race (two nodes, both stores) is in test/control/admission.test.ts; this is the
// same race through HTTP, as the defect was reported. Other operators' keys: test/security/gateway.test.ts.
describe.each(STORE_KINDS)(
  "five concurrent submissions with one Idempotency-Key over HTTP on %s",
  (store) => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startTestGateway({ store });
    });
    afterAll(async () => {
      await gw?.close();
    });

    it("create one job: one 202, four 200 naming it, one job.submitted entry", async () => {
      const body = { script: SCRIPT, license: gw.credentials.operator.license };
      const answers = await Promise.all(
        Array.from({ length: 5 }, () =>
          gw.operator.post<{ id: string }>("/v1/jobs", body, { "idempotency-key": "race-1" }),
        ),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 202]);
      const ids = new Set(answers.map((a) => a.body.id));
      expect(ids.size).toBe(1);
      const jobs = await gw.operator.get<{ jobs: { id: string }[] }>("/v1/jobs");
      expect(jobs.body.jobs.map((j) => j.id)).toEqual([...ids]);
      const submitted = await gw.auditor.get<{ entries: unknown[] }>("/v1/audit?type=job.submitted");
      expect(submitted.body.entries).toHaveLength(1);
      const settled = await gw.operator.get<{ status: string }>(`/v1/jobs/${[...ids][0]}?wait=30`);
      expect(settled.body.status).toBe("released");
    });
  },
);
