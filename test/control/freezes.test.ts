import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Actor } from "../../control/authority.ts";
import { getFreeze, imposeFreeze, listFreezes, liveFreezes, requestLift } from "../../control/freezes.ts";
import type { Principal } from "../../control/identity.ts";
import { decideReview } from "../../control/jobs/reviews.ts";
import { decideProposal } from "../../control/proposals.ts";
import { STORE_KINDS } from "../support/stores.ts";
import {
  eventually,
  FakeSandboxPool,
  fakeDataDomain,
  openPipeline,
  type Pipeline,
} from "./job-pipeline-fixture.ts";

describe.each(STORE_KINDS)("freezes on %s", (kind) => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await openPipeline(kind);
  });
  afterEach(async () => {
    await p.dispose();
  });

  const deps = () => ({ store: p.main.store, audit: p.main.audit });
  const proposalDeps = () => ({ store: p.main.store, audit: p.main.audit, dataDomain: fakeDataDomain });
  const asActor = (principal: Principal): Actor => principal;
  const notifications = async (recipient: string, kind: string) =>
    p.main.store.query<{ subject: string; message: string }>(
      "SELECT subject, message FROM notifications WHERE recipient_id = $1 AND kind = $2",
      [recipient, kind],
    );

  it("refuses other roles, unknown targets, a target for the domain and a second live freeze of one thing", async () => {
    const { principal: operator } = await p.operator();
    const auditor: Actor = { id: "aud_x", role: "auditor", organization: "Audit Office" };
    for (const actor of [asActor(operator), auditor]) {
      await expect(imposeFreeze(deps(), actor, { scope: "domain", reason: "drill" })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
    }
    await expect(
      imposeFreeze(deps(), p.bureau, { scope: "dataset", target: "nope", reason: "drill" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      imposeFreeze(deps(), p.bureau, { scope: "operator", target: p.bureau.id, reason: "drill" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      imposeFreeze(deps(), p.bureau, { scope: "domain", target: "x", reason: "drill" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(imposeFreeze(deps(), p.bureau, { scope: "license", reason: "drill" })).rejects.toMatchObject(
      {
        code: "BAD_REQUEST",
      },
    );
    const { freeze } = await imposeFreeze(deps(), p.bureau, {
      scope: "dataset",
      target: "air_quality",
      reason: "drill",
    });
    await expect(
      imposeFreeze(deps(), p.bureau, { scope: "dataset", target: "air_quality", reason: "again" }),
    ).rejects.toMatchObject({ code: "CONFLICT", detail: expect.stringContaining(freeze.id) });
    expect(await liveFreezes(p.main.store)).toHaveLength(1);
  });

  it("refuses new jobs touching a frozen thing with FROZEN naming the freeze; others still run", async () => {
    const first = await p.operator();
    const second = await p.operator();
    const { freeze } = await imposeFreeze(deps(), p.bureau, {
      scope: "operator",
      target: first.principal.id,
      reason: "suspected misuse",
    });
    const refused = p.main.submit(first.principal, first.license);
    await expect(refused).rejects.toMatchObject({ code: "FROZEN" });
    await expect(refused).rejects.toMatchObject({
      detail: expect.stringMatching(new RegExp(`${freeze.id} \\(operator ${first.principal.id}\\).*lift`)),
    });
    const { job } = await p.main.submit(second.principal, second.license);
    expect(job.status).toBe("queued");
    // A license freeze and the domain-wide freeze are refusals too.
    await imposeFreeze(deps(), p.bureau, { scope: "license", target: second.license, reason: "audit" });
    await expect(p.main.submit(second.principal, second.license)).rejects.toMatchObject({ code: "FROZEN" });
    const third = await p.operator();
    await imposeFreeze(deps(), p.bureau, { scope: "domain", reason: "incident" });
    await expect(p.main.submit(third.principal, third.license)).rejects.toMatchObject({ code: "FROZEN" });
  });

  it("cancels queued jobs it touches with FROZEN, audits it with its subjects, and tells those affected", async () => {
    const { principal, license } = await p.operator();
    const { job } = await p.main.submit(principal, license);
    const auditor = await p.main.store.query<{ id: string }>(
      "SELECT id FROM principals WHERE role = 'auditor'",
    );
    const { freeze, stopped } = await imposeFreeze(deps(), p.bureau, {
      scope: "license",
      target: license,
      reason: "license under review",
    });
    expect(stopped).toEqual({ cancelled: [job.id], running: [] });
    const stored = await p.job(job.id);
    expect(stored.status).toBe("cancelled");
    expect(stored.error).toMatchObject({ code: "FROZEN", class: "Frozen" });
    expect(stored.error?.message).toContain(freeze.id);
    const [imposed] = await p.logged({ type: "freeze.imposed" });
    expect(imposed).toMatchObject({
      actor: p.bureau.id,
      subjects: { license, operator: principal.id, datasets: ["air_quality"] },
      data: { freeze: freeze.id, scope: "license", target: license, queuedJobs: [job.id] },
    });
    expect((await p.logged({ job: job.id, type: "job.finished" }))[0]).toMatchObject({
      data: { status: "cancelled", reason: "frozen" },
    });
    const told = await notifications(principal.id, "freeze.imposed");
    expect(told).toHaveLength(1);
    expect(JSON.parse(told[0]!.subject)).toEqual({ freeze: freeze.id, license });
    for (const row of auditor) expect(await notifications(row.id, "freeze.imposed")).toHaveLength(1);
    // The officer who froze is not told of their own act.
    expect(await notifications(p.bureau.id, "freeze.imposed")).toHaveLength(0);
  });

  it("stops a running job at its runner's next lease renewal: it ends cancelled with FROZEN", async () => {
    const { principal, license } = await p.operator();
    const pool = new FakeSandboxPool({ duration: "never" });
    const runner = p.main.runner(pool, { runnerId: "r1", leaseMs: 600 });
    await runner.start();
    const { job } = await p.main.submit(principal, license);
    runner.wake();
    await eventually("the job runs", async () => (await p.job(job.id)).status === "running");
    const { stopped } = await imposeFreeze(deps(), p.bureau, {
      scope: "dataset",
      target: "air_quality",
      reason: "re-identification attempt",
    });
    expect(stopped).toEqual({ cancelled: [], running: [job.id] });
    await eventually("the job is stopped", async () => (await p.job(job.id)).status === "cancelled");
    expect((await p.job(job.id)).error).toMatchObject({ code: "FROZEN" });
    expect((await p.logged({ job: job.id, type: "output.released" })).length).toBe(0);
  });

  it("stops a job that waited to start, and holds the release of a job that finishes while frozen", async () => {
    const { principal, license } = await p.operator();
    // A freeze committed after the job was admitted but not seen by imposition's sweep (inserted
    // directly): the claim re-checks and the job never runs.
    const { job: waiting } = await p.main.submit(principal, license);
    await p.main.store.run(
      "INSERT INTO freezes (id, scope, target, reason, frozen_by, frozen_at) VALUES ('frz_manual', 'dataset', 'air_quality', 'x', $1, $2)",
      [p.bureau.id, new Date().toISOString()],
    );
    const pool = new FakeSandboxPool({ duration: "never" });
    const runner = p.main.runner(pool, { runnerId: "r1" });
    await runner.start();
    runner.wake();
    await eventually(
      "the waiting job is stopped",
      async () => (await p.job(waiting.id)).status === "cancelled",
    );
    expect((await p.job(waiting.id)).error).toMatchObject({ code: "FROZEN" });
    expect(pool.ran).not.toContain(waiting.id);

    await p.main.store.run("UPDATE freezes SET lifted_at = $1 WHERE id = 'frz_manual'", [
      new Date().toISOString(),
    ]);
    const { job } = await p.main.submit(principal, license);
    runner.wake();
    await eventually("the job runs", async () => (await p.job(job.id)).status === "running");
    // Frozen without stopping the run (as if the freeze came as it finished): the release is held.
    await p.main.store.run(
      "INSERT INTO freezes (id, scope, target, reason, frozen_by, frozen_at) VALUES ('frz_hold', 'operator', $1, 'x', $2, $3)",
      [principal.id, p.bureau.id, new Date().toISOString()],
    );
    pool.finish(job.id);
    await eventually("the job settles", async () => (await p.job(job.id)).status !== "running");
    const held = await p.job(job.id);
    expect(held.status).toBe("held");
    expect(held.decision?.reasons.map((r) => r.code)).toContain("frozen");
    expect(await p.logged({ job: job.id, type: "output.released" })).toHaveLength(0);

    // A reviewer cannot release it while frozen; once two officers lifted the freeze, they can.
    const reviewer = await p.reviewer();
    const approve = { decision: "approve", comment: "aggregates only" } as const;
    await expect(decideReview(p.main.reviewDeps(), reviewer, job.id, approve)).rejects.toMatchObject({
      code: "FROZEN",
    });
    const lift = await requestLift(deps(), p.bureau, "frz_hold", {
      reason: "the operator explained the run",
    });
    await decideProposal(proposalDeps(), reviewer, lift.id, { decision: "approve" });
    const { job: released } = await decideReview(p.main.reviewDeps(), reviewer, job.id, approve);
    expect(released.status).toBe("released");
  });

  it("is lifted only by a second officer's approval of an unfreeze proposal, which takes effect then", async () => {
    const { principal, license } = await p.operator();
    const { freeze } = await imposeFreeze(deps(), p.bureau, {
      scope: "operator",
      target: principal.id,
      reason: "suspected misuse",
    });
    const second = await p.reviewer();
    await expect(requestLift(deps(), asActor(principal), freeze.id, { reason: "x" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const lift = await requestLift(deps(), p.bureau, freeze.id, { reason: "cleared after interview" });
    expect(lift).toMatchObject({
      kind: "unfreeze",
      subject: freeze.id,
      status: "pending",
      diff: { loosens: true },
    });
    expect(lift.diff.changes[0]!.line).toBe(
      `freeze ${freeze.id} (operator ${principal.id}): lifted (loosens)`,
    );
    await expect(requestLift(deps(), second, freeze.id, { reason: "again" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    // The officer who asked cannot approve it; until a second officer does, the freeze holds.
    await expect(
      decideProposal(proposalDeps(), p.bureau, lift.id, { decision: "approve" }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(p.main.submit(principal, license)).rejects.toMatchObject({ code: "FROZEN" });
    const approved = await decideProposal(proposalDeps(), second, lift.id, { decision: "approve" });
    expect(approved.status).toBe("approved");
    expect(await liveFreezes(p.main.store)).toEqual([]);
    expect(await getFreeze(p.main.store, p.bureau, freeze.id)).toMatchObject({
      live: false,
      liftedBy: second.id,
      liftProposal: lift.id,
    });
    expect((await p.main.submit(principal, license)).job.status).toBe("queued");
    expect((await p.logged({ type: "freeze.lifted" }))[0]).toMatchObject({
      actor: second.id,
      subjects: { operator: principal.id },
      data: { freeze: freeze.id, proposal: lift.id, proposedBy: p.bureau.id },
    });
    expect(await notifications(principal.id, "freeze.lifted")).toHaveLength(1);
    await expect(requestLift(deps(), p.bureau, freeze.id, { reason: "again" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  it("lifts at a stated later time: live until then", async () => {
    const { freeze } = await imposeFreeze(deps(), p.bureau, { scope: "domain", reason: "maintenance" });
    const later = new Date(Date.now() + 3_600_000);
    const lift = await requestLift(deps(), p.bureau, freeze.id, {
      reason: "maintenance window ends",
      effectiveAt: later.toISOString(),
    });
    await decideProposal(proposalDeps(), await p.reviewer(), lift.id, { decision: "approve" });
    expect((await liveFreezes(p.main.store)).map((f) => f.id)).toEqual([freeze.id]);
    expect(await liveFreezes(p.main.store, new Date(later.getTime() + 1))).toEqual([]);
    await expect(
      requestLift(deps(), p.bureau, freeze.id, { reason: "x", effectiveAt: "2001-01-01T00:00:00Z" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("shows an operator the freezes that concern it only; another operator's is NOT_FOUND", async () => {
    const first = await p.operator();
    const second = await p.operator();
    const mine = await imposeFreeze(deps(), p.bureau, {
      scope: "operator",
      target: first.principal.id,
      reason: "x",
    });
    const theirs = await imposeFreeze(deps(), p.bureau, {
      scope: "license",
      target: second.license,
      reason: "y",
    });
    const data = await imposeFreeze(deps(), p.bureau, {
      scope: "dataset",
      target: "air_quality",
      reason: "z",
    });
    const seen = (await listFreezes(p.main.store, first.principal)).items.map((f) => f.id);
    expect(seen.sort()).toEqual([mine.freeze.id, data.freeze.id].sort());
    await expect(getFreeze(p.main.store, first.principal, theirs.freeze.id)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const auditor: Actor = { id: "aud_x", role: "auditor", organization: "Audit Office" };
    expect((await listFreezes(p.main.store, auditor)).items).toHaveLength(3);
    expect((await listFreezes(p.main.store, auditor, { live: false })).items).toHaveLength(0);
  });
});
