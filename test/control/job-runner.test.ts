import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jobRepository } from "../../control/jobs/job-repository.ts";
import { changeLicenseStatus } from "../../control/licenses.ts";
import { changeOperatorStatus } from "../../control/operators.ts";
import { STORE_KINDS } from "../support/stores.ts";
import {
  ConcurrencyMeter,
  entriesPerJob,
  eventually,
  FakeSandboxPool,
  inMs,
  markRunning,
  openPipeline,
  type Pipeline,
} from "./job-pipeline-fixture.ts";

describe.each(STORE_KINDS)("job runner on %s", (kind) => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await openPipeline(kind);
  });
  afterEach(async () => {
    await p.dispose();
  });

  /** Waits until no job is queued or running. */
  const allSettled = () =>
    eventually(
      "every job settled",
      async () => (await p.jobCount("queued")) + (await p.jobCount("running")) === 0,
    );

  it("claims and settles each of 40 jobs exactly once with two runners on two nodes", async () => {
    const operators = await Promise.all([p.operator(), p.operator(), p.operator(), p.operator()]);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const { principal, license } = operators[i % operators.length]!;
      ids.push((await p.main.submit(principal, license)).job.id);
    }
    const second = await p.node();
    const pools = [new FakeSandboxPool({ duration: 5 }), new FakeSandboxPool({ duration: 5 })];
    const runners = [
      p.main.runner(pools[0]!, { runnerId: "node-a" }),
      second.runner(pools[1]!, { runnerId: "node-b" }),
    ];
    await Promise.all(runners.map((r) => r.start()));
    await allSettled();

    expect(await p.jobCount("released")).toBe(40);
    const started = await entriesPerJob(p, "job.started");
    const finished = await entriesPerJob(p, "job.finished");
    const released = await entriesPerJob(p, "output.released");
    for (const id of ids) {
      expect(started.get(id), `job.started of ${id}`).toBe(1);
      expect(finished.get(id), `job.finished of ${id}`).toBe(1);
      expect(released.get(id), `output.released of ${id}`).toBe(1);
    }
    // Each ran once, on one node or the other, and both nodes took part.
    const ran = [...pools[0]!.ran, ...pools[1]!.ran];
    expect(ran.sort()).toEqual([...ids].sort());
    expect(pools[0]!.ran.length).toBeGreaterThan(0);
    expect(pools[1]!.ran.length).toBeGreaterThan(0);
    expect((await p.main.ledger.verify()).valid).toBe(true);
  });

  it("never runs more of one operator's jobs at once than allowed, across runners on two nodes", async () => {
    const operators = await Promise.all([p.operator(), p.operator()]);
    const operatorOf = new Map<string, string>();
    for (let i = 0; i < 24; i++) {
      const { principal, license } = operators[i % operators.length]!;
      const { job } = await p.main.submit(principal, license);
      operatorOf.set(job.id, principal.id);
    }
    const meter = new ConcurrencyMeter();
    const pool = () => new FakeSandboxPool({ duration: 10, meter, operatorOf: (id) => operatorOf.get(id)! });
    const second = await p.node();
    const runners = [
      p.main.runner(pool(), { runnerId: "node-a", perOperatorConcurrency: 1 }),
      second.runner(pool(), { runnerId: "node-b", perOperatorConcurrency: 1 }),
    ];
    await Promise.all(runners.map((r) => r.start()));
    await allSettled();

    expect(await p.jobCount("released")).toBe(24);
    for (const { principal } of operators) expect(meter.highest.get(principal.id)).toBe(1);
  });

  it("fails a job whose license or operator was suspended while it waited, and runs the others", async () => {
    const a = await p.operator();
    const b = await p.operator();
    const c = await p.operator();
    const suspendedLicense = (await p.main.submit(a.principal, a.license)).job.id;
    const suspendedOperator = (await p.main.submit(b.principal, b.license)).job.id;
    const fine = (await p.main.submit(c.principal, c.license)).job.id;
    await changeLicenseStatus(p.main.store, p.main.audit, p.bureau.id, a.license, "suspend", "complaint");
    await changeOperatorStatus(p.main.store, p.main.audit, p.bureau.id, b.principal.id, "suspend", "review");

    const pool = new FakeSandboxPool();
    await p.main.runner(pool, { runnerId: "node-a" }).start();
    await allSettled();

    expect(await p.job(suspendedLicense)).toMatchObject({
      status: "failed",
      error: { code: "LICENSE_INVALID" },
    });
    expect(await p.job(suspendedOperator)).toMatchObject({ status: "failed", error: { code: "FORBIDDEN" } });
    expect((await p.job(fine)).status).toBe("released");
    expect(pool.ran).toEqual([fine]);
    for (const id of [suspendedLicense, suspendedOperator]) {
      expect((await p.logged({ job: id })).map((e) => e.type)).toEqual(["job.submitted", "job.finished"]);
      expect((await p.logged({ job: id, type: "job.finished" }))[0]).toMatchObject({
        data: { status: "failed", reason: "license or operator no longer valid" },
      });
    }
  });

  it("fails once, at start, a job whose runner stopped renewing its lease", async () => {
    const { principal, license } = await p.operator();
    const { job } = await p.main.submit(principal, license);
    await markRunning(p.main.store, job.id, "dead", inMs(-60_000));

    const runner = (await p.node()).runner(new FakeSandboxPool(), { runnerId: "node-b" });
    expect(await runner.start()).toBe(1);
    expect(await p.job(job.id)).toMatchObject({
      status: "failed",
      error: { code: "INTERNAL", class: "Interrupted" },
    });
    const finished = await p.logged({ job: job.id, type: "job.finished" });
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({
      actor: "system",
      data: { status: "failed", reason: "runner stopped" },
    });
  });

  it("lets a live runner's reaper fail a stalled runner's job, and the stalled runner's late result changes nothing", async () => {
    const { principal, license } = await p.operator();
    const { job } = await p.main.submit(principal, license);
    const stalledPool = new FakeSandboxPool({ duration: "never" });
    const stalled = p.main.runner(stalledPool, { runnerId: "node-a", leaseMs: 300 });
    await stalled.start();
    await eventually("the job runs on node-a", async () => (await p.job(job.id)).runner === "node-a");
    // Its timers stop (a frozen process): no more lease renewals, no reaping, no claims.
    const stopped = stalled.drain();

    const live = (await p.node()).runner(new FakeSandboxPool(), { runnerId: "node-b", leaseMs: 300 });
    await live.start();
    await eventually("the job is reaped", async () => (await p.job(job.id)).status === "failed");

    // The stalled run now ends with outputs: its settlement finds the job moved on and writes nothing.
    stalledPool.finish(job.id);
    await stopped;
    expect(await p.job(job.id)).toMatchObject({ status: "failed", error: { class: "Interrupted" } });
    expect((await p.logged({ job: job.id })).map((e) => e.type)).toEqual([
      "job.submitted",
      "job.started",
      "job.finished",
    ]);
  });

  it("stops a run at its next heartbeat once the job was settled elsewhere (its lease is gone)", async () => {
    const { principal, license } = await p.operator();
    const { job } = await p.main.submit(principal, license);
    const pool = new FakeSandboxPool({ duration: "never" });
    await p.main.runner(pool, { runnerId: "node-a", leaseMs: 300 }).start();
    await eventually("the job runs", async () => pool.running === 1);

    // A node started as the sole runner by mistake fails every running job, this one included.
    const other = (await p.node()).runner(new FakeSandboxPool(), { runnerId: "node-b", soleRunner: true });
    expect(await other.start()).toBe(1);
    // The run must not go on spending the license's budget and a worker for a job that has ended.
    await eventually("the run is stopped", async () => pool.running === 0);
    expect(await p.job(job.id)).toMatchObject({ status: "failed", error: { class: "Interrupted" } });
    expect((await p.logged({ job: job.id })).map((e) => e.type)).toEqual([
      "job.submitted",
      "job.started",
      "job.finished",
    ]);
  });

  it("keeps renewing the lease of a long run, so no other runner reaps it", async () => {
    const { principal, license } = await p.operator();
    const { job } = await p.main.submit(principal, license);
    // The run outlasts two leases; renewals every third of one keep it.
    await p.main
      .runner(new FakeSandboxPool({ duration: 2_500 }), { runnerId: "node-a", leaseMs: 1_000 })
      .start();
    await (await p.node()).runner(new FakeSandboxPool(), { runnerId: "node-b", leaseMs: 1_000 }).start();
    await allSettled();
    expect((await p.job(job.id)).status).toBe("released");
    expect(await p.logged({ job: job.id, type: "job.finished" })).toHaveLength(1);
  });

  it("settles each orphan once when two runners reap at the same moment", async () => {
    const { principal, license } = await p.operator();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { job } = await p.main.submit(principal, license);
      await markRunning(p.main.store, job.id, "dead", inMs(-60_000));
      ids.push(job.id);
    }
    const second = await p.node();
    const reaped = await Promise.all([
      p.main.runner(new FakeSandboxPool(), { runnerId: "node-a" }).start(),
      second.runner(new FakeSandboxPool(), { runnerId: "node-b" }).start(),
    ]);
    expect(reaped[0]! + reaped[1]!).toBe(5);
    const finished = await entriesPerJob(p, "job.finished");
    for (const id of ids) {
      expect(finished.get(id)).toBe(1);
      expect((await p.job(id)).status).toBe("failed");
    }
  });

  it("as the sole runner, fails at start every job left running, leased or not", async () => {
    const { principal, license } = await p.operator();
    const { job } = await p.main.submit(principal, license);
    await markRunning(p.main.store, job.id, "before-restart", inMs(60_000));

    // One of several runners leaves a job whose lease still runs alone.
    expect(await p.main.runner(new FakeSandboxPool(), { runnerId: "node-b" }).start()).toBe(0);
    expect((await p.job(job.id)).status).toBe("running");

    const sole = p.main.runner(new FakeSandboxPool(), { runnerId: "node-a", soleRunner: true });
    expect(await sole.start()).toBe(1);
    expect(await p.job(job.id)).toMatchObject({ status: "failed", error: { class: "Interrupted" } });
    expect(await p.logged({ job: job.id, type: "job.finished" })).toHaveLength(1);
  });

  it("stops a job running on another node at its next heartbeat when cancellation is asked for", async () => {
    const { principal, license } = await p.operator();
    const { job } = await p.main.submit(principal, license);
    const pool = new FakeSandboxPool({ duration: "never" });
    await p.main.runner(pool, { runnerId: "node-a", leaseMs: 300 }).start();
    await eventually("the job runs", async () => pool.running === 1);

    const other = await p.node();
    const asked = await other.store.transaction((tx) =>
      jobRepository.requestCancel(tx, job.id, new Date().toISOString()),
    );
    expect(asked).toBe(true);
    await eventually("the job is cancelled", async () => (await p.job(job.id)).status === "cancelled");
    expect(pool.running).toBe(0);
    const finished = await p.logged({ job: job.id, type: "job.finished" });
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({
      actor: principal.id,
      data: { status: "cancelled", reason: "cancelled while running" },
    });
    expect(await p.logged({ job: job.id, type: "output.released" })).toEqual([]);
  });
});
