import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { outputBytes, outputDigest } from "../../audit/output-digest.ts";
import { verifyReceipt } from "../../audit/receipt.ts";
import { decideReview } from "../../control/jobs/reviews.ts";
import { STORE_KINDS } from "../support/stores.ts";
import {
  heldJob,
  openPipeline,
  type Pipeline,
  publicKey,
  RELEASABLE,
  refusingAudit,
} from "./job-pipeline-fixture.ts";

describe.each(STORE_KINDS)("reviews (decideReview) on %s", (kind) => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await openPipeline(kind);
  });
  afterEach(async () => {
    await p.dispose();
  });

  const reviewRows = async (jobId: string) =>
    (
      await p.main.store.query<{ n: number }>("SELECT count(*) AS n FROM reviews WHERE job_id = $1", [jobId])
    )[0]!.n;

  const approve = { decision: "approve", comment: "aggregates only" } as const;

  it("lets one of two reviewers deciding at once on two nodes settle the job; the other gets CONFLICT", async () => {
    const job = await heldJob(p, 1);
    const reviewers = [await p.reviewer(), await p.reviewer()];
    const nodes = [p.main, await p.node()];
    const results = await Promise.allSettled(
      reviewers.map((reviewer, i) => decideReview(nodes[i]!.reviewDeps(), reviewer, job.id, approve)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ code: "CONFLICT" });

    expect((await p.job(job.id)).status).toBe("released");
    expect(await reviewRows(job.id)).toBe(1);
    expect(await p.logged({ job: job.id, type: "review.decided" })).toHaveLength(1);
    const finished = await p.logged({ job: job.id, type: "job.finished" });
    expect(finished.map((e) => e.data.status)).toEqual(["held", "released"]);
  });

  it("releases an approved job's held outputs with a receipt naming the release", async () => {
    const job = await heldJob(p, 1);
    const reviewer = await p.reviewer();
    const { job: view } = await decideReview(p.main.reviewDeps(), reviewer, job.id, approve);
    expect(view).toMatchObject({ status: "released", outputs: RELEASABLE });

    const [released] = await p.logged({ job: job.id, type: "output.released" });
    expect(released).toMatchObject({
      actor: reviewer.id,
      data: { via: "review", outputs: [{ name: "mean_aqi", sha256: outputDigest(RELEASABLE.mean_aqi) }] },
    });
    const stored = await p.job(job.id);
    const verified = verifyReceipt(stored.receipt, publicKey, { content: outputBytes(RELEASABLE.mean_aqi) });
    expect(verified).toMatchObject({
      valid: true,
      payload: { job: job.id, logPosition: released!.position },
    });
    expect(view.receipt).toEqual(stored.receipt);
  });

  it("releases a job needing two approvals when two reviewers approve it at the same moment", async () => {
    const job = await heldJob(p, 2);
    const reviewers = [await p.reviewer(), await p.reviewer()];
    const nodes = [p.main, await p.node()];
    await Promise.all(
      reviewers.map((reviewer, i) => decideReview(nodes[i]!.reviewDeps(), reviewer, job.id, approve)),
    );
    expect((await p.job(job.id)).status).toBe("released");
    expect(await reviewRows(job.id)).toBe(2);
    expect(await p.logged({ job: job.id, type: "review.decided" })).toHaveLength(2);
    expect(await p.logged({ job: job.id, type: "output.released" })).toHaveLength(1);
  });

  it("counts one reviewer's approval once, however many times it is sent at once", async () => {
    const job = await heldJob(p, 2);
    const reviewer = await p.reviewer();
    const nodes = [p.main, await p.node()];
    const results = await Promise.allSettled(
      nodes.map((node) => decideReview(node.reviewDeps(), reviewer, job.id, approve)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results)
      if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "CONFLICT" });
    expect((await p.job(job.id)).status).toBe("held");
    expect(await reviewRows(job.id)).toBe(1);
  });

  it("commits the review, its entry and the job's end together: a refused entry leaves the job held", async () => {
    const job = await heldJob(p, 1);
    const reviewer = await p.reviewer();
    for (const refused of [["review.decided"], ["job.finished"]]) {
      await expect(
        decideReview(p.main.reviewDeps(refusingAudit(p.main.audit, refused)), reviewer, job.id, approve),
      ).rejects.toThrow(/audit log unavailable/);
      expect(await p.job(job.id)).toEqual(job);
      expect(await reviewRows(job.id)).toBe(0);
      expect(await p.logged({ job: job.id, type: ["review.decided", "output.released"] })).toEqual([]);
    }
    // The same reviewer may decide again once the log takes entries.
    const { job: view } = await decideReview(p.main.reviewDeps(), reviewer, job.id, {
      decision: "reject",
      comment: "row-level output",
    });
    expect(view.status).toBe("rejected");
    expect(await reviewRows(job.id)).toBe(1);
  });
});
