import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticate } from "../../control/identity.ts";
import { pendingReviews } from "../../control/jobs/reviews.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

describe("the review queue in the domain layer", () => {
  it("shows held jobs' scripts and queries to bureau officers only, whatever route asks", async () => {
    const deps = { store: gw.controlPlane, audit: gw.audit, jobs: gw.services.jobs };
    const bureau = (await authenticate(gw.controlPlane, gw.credentials.bureau.key))!;
    expect(await pendingReviews(deps, bureau)).toEqual({ items: [], next: null });
    for (const key of [gw.credentials.operator.key, gw.credentials.auditor.key]) {
      const principal = (await authenticate(gw.controlPlane, key))!;
      await expect(pendingReviews(deps, principal)).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
  });
});
