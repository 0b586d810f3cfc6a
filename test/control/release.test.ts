import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { outputBytes, outputDigest } from "../../audit/output-digest.ts";
import { verifyReceipt } from "../../audit/receipt.ts";
import type { StoredJob } from "../../control/jobs/job-repository.ts";
import type { JobQuery } from "../../control/jobs/policy-port.ts";
import { finishJob, JobMovedOn, type Settlement } from "../../control/jobs/release.ts";
import { STORE_KINDS } from "../support/stores.ts";
import {
  claimNext,
  openPipeline,
  type Pipeline,
  publicKey,
  RELEASABLE,
  refusingAudit,
  USAGE,
} from "./job-pipeline-fixture.ts";

const QUERIES: JobQuery[] = [
  {
    index: 0,
    sql: "SELECT station, avg(aqi) AS aqi FROM air_quality GROUP BY station",
    verdict: {
      kind: "aggregate",
      queryKey: "q0",
      datasets: ["air_quality"],
      columns: [],
      rewrites: [],
      epsilonCharged: 0,
      epsilonCost: 0,
      cached: false,
      suppressedGroups: 0,
      suppressedCells: 0,
      dominanceSuppressed: 0,
      suppressionDisclosable: true,
      tainted: false,
      requiresReview: false,
      rowsReturned: 1,
    },
  },
  { index: 1, sql: "SELECT * FROM nowhere", error: { code: "SQL_NOT_ALLOWED", detail: "unknown table" } },
];

const RELEASED: Settlement = {
  status: "released",
  reason: "released",
  actor: "system",
  decision: { outcome: "released", reasons: [], tainted: false, reviewsRequired: 0 },
  products: { outputs: RELEASABLE, logs: ["done"] },
  usage: USAGE,
};

const REAPED: Settlement = {
  status: "failed",
  reason: "runner stopped",
  actor: "system",
  error: { code: "INTERNAL", class: "Interrupted", message: "the runner of this job stopped" },
};

describe.each(STORE_KINDS)("release (finishJob) on %s", (kind) => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await openPipeline(kind);
  });
  afterEach(async () => {
    await p.dispose();
  });

  /** A job claimed by node-a, whose lease runs out in `leaseMs`. */
  async function running(leaseMs = 60_000): Promise<StoredJob> {
    const { principal, license } = await p.operator();
    await p.main.submit(principal, license);
    return claimNext(p.main, "node-a", leaseMs);
  }

  const entryCount = async () => (await p.logged({})).length;

  it("records the queries, the gate, the release and the end in order, with a receipt naming the release", async () => {
    const job = await running();
    const { receipt } = await finishJob(p.main.releaseDeps(), job, RELEASED, {
      from: ["running"],
      runner: "node-a",
      queries: QUERIES,
    });

    const entries = await p.logged({ job: job.id });
    expect(entries.map((e) => e.type)).toEqual([
      "job.submitted",
      "query.checked",
      "query.checked",
      "job.gate",
      "output.released",
      "job.finished",
    ]);
    const positions = entries.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(entries[1]).toMatchObject({ data: { index: 0, verdict: { kind: "aggregate" } } });
    expect(entries[2]).toMatchObject({ data: { index: 1, error: { code: "SQL_NOT_ALLOWED" } } });
    const rows = RELEASABLE.mean_aqi;
    const released = entries[4]!;
    expect(released.data).toMatchObject({
      via: "gate",
      outputs: [{ name: "mean_aqi", sha256: outputDigest(rows) }],
    });
    expect(entries[5]).toMatchObject({ data: { status: "released", reason: "released" } });

    expect(receipt).not.toBeNull();
    const verified = verifyReceipt(receipt, publicKey, { content: outputBytes(rows), name: "mean_aqi" });
    expect(verified.valid).toBe(true);
    if (!verified.valid) return;
    expect(verified.payload).toMatchObject({
      job: job.id,
      operator: job.operatorId,
      license: job.licenseId,
      policyVersions: { air_quality: 1 },
      logPosition: released.position,
    });

    const stored = await p.job(job.id);
    expect(stored).toMatchObject({
      status: "released",
      receipt,
      leaseUntil: null,
      products: { outputs: RELEASABLE },
    });
    expect((await p.main.ledger.verify()).valid).toBe(true);
  });

  it("writes nothing and changes nothing when another runner holds the job", async () => {
    const job = await running();
    const before = await entryCount();
    await expect(
      finishJob(p.main.releaseDeps(), job, RELEASED, {
        from: ["running"],
        runner: "node-b",
        queries: QUERIES,
      }),
    ).rejects.toBeInstanceOf(JobMovedOn);
    expect(await p.job(job.id)).toEqual(job);
    expect(await entryCount()).toBe(before);
  });

  it("writes nothing when the job was reaped before its runner settled it", async () => {
    const job = await running(-1_000);
    await finishJob(p.main.releaseDeps(), job, REAPED, {
      from: ["running"],
      leaseExpiredBefore: new Date().toISOString(),
    });
    const reaped = await p.job(job.id);
    const before = await entryCount();

    await expect(
      finishJob(p.main.releaseDeps(), job, RELEASED, {
        from: ["running"],
        runner: "node-a",
        queries: QUERIES,
      }),
    ).rejects.toBeInstanceOf(JobMovedOn);
    expect(await p.job(job.id)).toEqual(reaped);
    expect(reaped).toMatchObject({ status: "failed", receipt: null, error: { class: "Interrupted" } });
    expect(await entryCount()).toBe(before);
    expect(await p.logged({ job: job.id, type: "output.released" })).toEqual([]);
  });

  it("does not let a reaper fail a job whose lease still runs", async () => {
    const job = await running(60_000);
    await expect(
      finishJob(p.main.releaseDeps(), job, REAPED, {
        from: ["running"],
        leaseExpiredBefore: new Date().toISOString(),
      }),
    ).rejects.toBeInstanceOf(JobMovedOn);
    expect(await p.job(job.id)).toEqual(job);
  });

  it("rolls the job back to running when the audit log refuses the entries, even the last one", async () => {
    const job = await running();
    const before = await entryCount();
    for (const audit of [refusingAudit(p.main.audit), refusingAudit(p.main.audit, ["job.finished"])]) {
      await expect(
        finishJob(p.main.releaseDeps(audit), job, RELEASED, {
          from: ["running"],
          runner: "node-a",
          queries: QUERIES,
        }),
      ).rejects.toThrow(/audit log unavailable/);
      // Neither the row, nor its receipt, nor the release entries written before the refusal remain.
      expect(await p.job(job.id)).toEqual(job);
      expect(await entryCount()).toBe(before);
    }
    // The runner still holds the job and can settle it once the log takes entries again.
    const { receipt } = await finishJob(p.main.releaseDeps(), job, RELEASED, {
      from: ["running"],
      runner: "node-a",
      queries: QUERIES,
    });
    expect(verifyReceipt(receipt, publicKey).valid).toBe(true);
    expect((await p.job(job.id)).status).toBe("released");
    expect(await p.logged({ job: job.id, type: "job.finished" })).toHaveLength(1);
  });
});
