import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { admitJob } from "../../control/jobs/admission.ts";
import { finishJob } from "../../control/jobs/release.ts";
import { changeLicenseStatus } from "../../control/licenses.ts";
import { changeOperatorStatus } from "../../control/operators.ts";
import { STORE_KINDS } from "../support/stores.ts";
import { openPipeline, type Pipeline, refusingAudit, SCRIPT } from "./job-pipeline-fixture.ts";

describe.each(STORE_KINDS)("job admission on %s", (kind) => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await openPipeline(kind);
  });
  afterEach(async () => {
    await p.dispose();
  });

  it("commits the queued job and its job.submitted entry together", async () => {
    const { principal, license } = await p.operator();
    const { job, created } = await p.main.submit(principal, license);
    expect(created).toBe(true);
    expect(job).toMatchObject({ status: "queued", operatorId: principal.id, licenseId: license });
    expect((await p.job(job.id)).status).toBe("queued");
    const submitted = await p.logged({ job: job.id });
    expect(submitted.map((e) => e.type)).toEqual(["job.submitted"]);
    expect(submitted[0]).toMatchObject({
      actor: principal.id,
      subjects: { job: job.id, operator: principal.id, license, datasets: ["air_quality"] },
      data: { scriptSha256: job.scriptSha256, language: "javascript" },
    });
  });

  it("leaves no job when the audit log refuses its entry", async () => {
    const { principal, license } = await p.operator();
    await expect(
      admitJob(p.main.admission(1000, refusingAudit(p.main.audit)), principal, { script: SCRIPT, license }),
    ).rejects.toThrow(/audit log unavailable/);
    expect(await p.jobCount()).toBe(0);
    expect(await p.logged({ type: "job.submitted" })).toEqual([]);
  });

  it("creates one job for five concurrent submissions with one Idempotency-Key, on two nodes", async () => {
    const { principal, license } = await p.operator();
    const nodes = [p.main, await p.node()];
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => nodes[i % 2]!.submit(principal, license, { key: "idem-1" })),
    );
    expect(answers.filter((a) => a.created)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.job.id)).size).toBe(1);
    expect(await p.jobCount()).toBe(1);
    expect(await p.logged({ type: "job.submitted" })).toHaveLength(1);
    // A later replay answers the same job, still without creating one.
    const again = await p.main.submit(principal, license, { key: "idem-1" });
    expect(again).toMatchObject({ created: false, job: { id: answers[0]!.job.id } });
  });

  it("answers a retry racing its first submission with the job, even when that job used the last of the quota", async () => {
    const { principal, license } = await p.operator({ jobsPerDay: 1 });
    const nodes = [p.main, await p.node()];
    const answers = await Promise.all(
      Array.from({ length: 4 }, (_, i) => nodes[i % 2]!.submit(principal, license, { key: "idem-q" })),
    );
    expect(answers.filter((a) => a.created)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.job.id)).size).toBe(1);
    await expect(p.main.submit(principal, license, { key: "idem-other" })).rejects.toMatchObject({
      code: "QUOTA_EXCEEDED",
    });
    expect(await p.jobCount()).toBe(1);
  });

  it("answers CONFLICT when an Idempotency-Key is used again for another script", async () => {
    const { principal, license } = await p.operator();
    await p.main.submit(principal, license, { key: "idem-2" });
    await expect(
      p.main.submit(principal, license, { key: "idem-2", script: "export default async () => 1" }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    // Racing: the losers of the insert see the winner's different script.
    const raced = await Promise.allSettled(
      ["a", "b", "c"].map((s) =>
        p.main.submit(principal, license, { key: "idem-3", script: `export default async () => "${s}"` }),
      ),
    );
    expect(raced.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of raced) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "CONFLICT" });
    expect(await p.jobCount()).toBe(2);
  });

  it("accepts exactly jobsPerDay of ten concurrent submissions, split across two nodes", async () => {
    const { principal, license } = await p.operator({ jobsPerDay: 3 });
    const nodes = [p.main, await p.node()];
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => nodes[i % 2]!.submit(principal, license)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    expect(refused).toHaveLength(7);
    for (const reason of refused) expect(reason).toMatchObject({ code: "QUOTA_EXCEEDED" });
    expect(await p.jobCount()).toBe(3);
    expect(await p.logged({ type: "job.submitted" })).toHaveLength(3);
  });

  it("refuses a submission beyond the queue's capacity with QUEUE_FULL and a retry hint", async () => {
    const { principal, license } = await p.operator();
    const first = await p.main.submit(principal, license, { queue: 2 });
    await p.main.submit(principal, license, { queue: 2 });
    await expect(p.main.submit(principal, license, { queue: 2 })).rejects.toMatchObject({
      code: "QUEUE_FULL",
      extra: { retryAfterSeconds: 5 },
    });
    expect(await p.jobCount()).toBe(2);
    // A job leaving the queue makes room again.
    await finishJob(
      p.main.releaseDeps(),
      first.job,
      { status: "cancelled", reason: "cancelled by its submitter", actor: principal.id },
      { from: ["queued"] },
    );
    await expect(p.main.submit(principal, license, { queue: 2 })).resolves.toMatchObject({ created: true });
    expect(await p.jobCount("queued")).toBe(2);
  });

  it("never lets concurrent submissions on two nodes overfill the queue", async () => {
    const { principal, license } = await p.operator();
    const nodes = [p.main, await p.node()];
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => nodes[i % 2]!.submit(principal, license, { queue: 4 })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(4);
    for (const r of results)
      if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "QUEUE_FULL" });
    expect(await p.jobCount("queued")).toBe(4);
  });

  it("refuses a suspended license and a suspended operator, recording no job", async () => {
    const a = await p.operator();
    await changeLicenseStatus(p.main.store, p.main.audit, p.bureau.id, a.license, "suspend", "complaint");
    await expect(p.main.submit(a.principal, a.license)).rejects.toMatchObject({ code: "LICENSE_INVALID" });

    const b = await p.operator();
    await changeOperatorStatus(p.main.store, p.main.audit, p.bureau.id, b.principal.id, "suspend", "review");
    await expect(p.main.submit(b.principal, b.license)).rejects.toMatchObject({ code: "FORBIDDEN" });

    // Another operator's license answers like a missing one.
    const c = await p.operator();
    await expect(p.main.submit(c.principal, a.license)).rejects.toMatchObject({ code: "LICENSE_INVALID" });
    expect(await p.jobCount()).toBe(0);
    expect(await p.logged({ type: "job.submitted" })).toEqual([]);
  });
});
