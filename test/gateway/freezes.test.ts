import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

type Freeze = { id: string; scope: string; target: string | null; live: boolean };
type Imposed = { freeze: Freeze; stopped: { cancelled: string[]; running: string[] } };
type Job = { id: string; status: string; error?: { code: string; message: string | null } };
type Readiness = { status: string; freezes?: { id: string; scope: string }[]; frozen?: boolean };

const SPIN = "export default async function main() { for (;;) {} }";
const AIR = `export default async function main(ctx) {
  return { n: await ctx.sql("SELECT station, count(*) AS n FROM air_quality GROUP BY station") };
}`;

async function submit(script: string) {
  return gw.operator.post<Job>("/v1/jobs", { script, license: gw.credentials.operator.license });
}

async function until(id: string, done: (job: Job) => boolean): Promise<Job> {
  for (let i = 0; i < 400; i++) {
    const job = (await gw.bureau.get<Job>(`/v1/jobs/${id}`)).body;
    if (done(job)) return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${id} did not get there`);
}

/** Lifts a freeze with two officers, as the rule demands. */
async function lift(id: string) {
  const proposal = await gw.bureau.post<{ id: string }>(`/v1/freezes/${id}/lift`, { reason: "cleared" });
  expect(proposal.status).toBe(202);
  const approved = await gw.bureau2.post(`/v1/proposals/${proposal.body.id}/decision`, {
    decision: "approve",
  });
  expect(approved.status).toBe(200);
}

describe("POST /v1/freezes: the emergency stop", () => {
  it("stops a running job (cancelled, FROZEN on its event stream), refuses new jobs with 423, and shows on /readyz", async () => {
    const spin = await submit(SPIN);
    expect(spin.status).toBe(202);
    await until(spin.body.id, (j) => j.status === "running");

    const imposed = await gw.bureau.post<Imposed>("/v1/freezes", {
      scope: "dataset",
      target: "air_quality",
      reason: "suspected re-identification attempt",
    });
    expect(imposed.status).toBe(201);
    expect(imposed.body.freeze).toMatchObject({ scope: "dataset", target: "air_quality", live: true });
    expect(imposed.body.stopped.running).toEqual([spin.body.id]);
    const { id } = imposed.body.freeze;

    const stopped = await until(spin.body.id, (j) => j.status !== "running");
    expect(stopped.status).toBe("cancelled");
    expect(stopped.error).toMatchObject({ code: "FROZEN" });
    expect(stopped.error?.message).toContain(id);
    const events = await gw.operator.get<string>(`/v1/jobs/${spin.body.id}/events`);
    expect(events.body).toMatch(/event: finished[\s\S]*"code":"FROZEN"/);

    const refused = await submit(AIR);
    expect(refused.status).toBe(423);
    expect(refused.contentType).toContain("application/problem+json");
    expect(refused.body).toMatchObject({ code: "FROZEN" });
    expect(String((refused.body as unknown as { detail: string }).detail)).toContain(
      `${id} (dataset air_quality)`,
    );

    // A dataset freeze is no fault of the node: it stays ready and says what is frozen.
    const ready = await gw.anonymous.get<Readiness>("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "ready", frozen: false, freezes: [{ id, scope: "dataset" }] });

    const imposedEntry = gw.audit.ofType("freeze.imposed").at(-1)!;
    expect(imposedEntry).toMatchObject({
      actor: expect.stringMatching(/^bur_/),
      subject: { datasets: ["air_quality"] },
      data: { freeze: id, runningJobs: [spin.body.id] },
    });
    const told = await gw.controlPlane.query<{ role: string }>(
      `SELECT p.role FROM notifications n JOIN principals p ON p.id = n.recipient_id
       WHERE n.kind = 'freeze.imposed' AND n.subject LIKE $1`,
      [`%${id}%`],
    );
    expect(new Set(told.map((r) => r.role))).toEqual(new Set(["operator", "auditor", "bureau", "holder"]));

    // Lifting takes two officers; then jobs run again.
    const proposal = await gw.bureau.post<{ id: string; kind: string }>(`/v1/freezes/${id}/lift`, {
      reason: "the attempt was a test by the operator's security team",
    });
    expect(proposal.status).toBe(202);
    expect(proposal.body.kind).toBe("unfreeze");
    const own = await gw.bureau.post(`/v1/proposals/${proposal.body.id}/decision`, { decision: "approve" });
    expect(own.status).toBe(403);
    expect((await submit(AIR)).status).toBe(423);
    const approved = await gw.bureau2.post(`/v1/proposals/${proposal.body.id}/decision`, {
      decision: "approve",
    });
    expect(approved.status).toBe(200);
    expect(gw.audit.ofType("freeze.lifted").at(-1)).toMatchObject({ data: { freeze: id } });
    expect((await gw.anonymous.get<Readiness>("/readyz")).body.freezes).toEqual([]);
    const again = await submit(AIR);
    expect(again.status).toBe(202);
    expect((await until(again.body.id, (j) => !["queued", "running"].includes(j.status))).status).toBe(
      "released",
    );
  });

  it("says on /readyz that the whole domain is frozen, still answering 200", async () => {
    const imposed = await gw.bureau.post<Imposed>("/v1/freezes", {
      scope: "domain",
      reason: "incident drill",
    });
    expect(imposed.status).toBe(201);
    const ready = await gw.anonymous.get<Readiness>("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "ready", frozen: true });
    expect((await submit(AIR)).status).toBe(423);
    await lift(imposed.body.freeze.id);
    expect((await gw.anonymous.get<Readiness>("/readyz")).body.frozen).toBe(false);
  });

  it("answers 400 for a bad request, 404 for an unknown target, 409 for a second freeze of one thing", async () => {
    expect((await gw.bureau.post("/v1/freezes", { scope: "city", reason: "x" })).status).toBe(400);
    expect((await gw.bureau.post("/v1/freezes", { scope: "dataset", target: "population" })).status).toBe(
      400,
    );
    expect((await gw.bureau.post("/v1/freezes", { scope: "domain", target: "x", reason: "x" })).status).toBe(
      400,
    );
    const unknown = await gw.bureau.post("/v1/freezes", { scope: "dataset", target: "ghosts", reason: "x" });
    expect(unknown.status).toBe(404);
    const first = await gw.bureau.post<Imposed>("/v1/freezes", {
      scope: "license",
      target: gw.credentials.operator.license,
      reason: "license review",
    });
    expect(first.status).toBe(201);
    const second = await gw.bureau.post("/v1/freezes", {
      scope: "license",
      target: gw.credentials.operator.license,
      reason: "again",
    });
    expect(second.status).toBe(409);
    expect((await gw.bureau.post("/v1/freezes/frz_nope/lift", { reason: "x" })).status).toBe(404);
    expect((await gw.bureau.post(`/v1/freezes/${first.body.freeze.id}/lift`, {})).status).toBe(400);
    await lift(first.body.freeze.id);
    // Already lifted: nothing left to lift.
    expect((await gw.bureau.post(`/v1/freezes/${first.body.freeze.id}/lift`, { reason: "x" })).status).toBe(
      409,
    );
  });

  it("lets only the bureau freeze or ask to lift; each party reads only the freezes that concern it", async () => {
    const body = { scope: "dataset", target: "population", reason: "x" };
    for (const client of [gw.operator, gw.auditor, gw.holders.population!]) {
      expect((await client.post("/v1/freezes", body)).status).toBe(403);
    }
    expect((await gw.anonymous.post("/v1/freezes", body)).status).toBe(401);
    expect((await gw.anonymous.get("/v1/freezes")).status).toBe(401);

    const other = await gw.admitOperator();
    const theirs = await gw.bureau.post<Imposed>("/v1/freezes", {
      scope: "operator",
      target: other.id,
      reason: "misuse",
    });
    const data = await gw.bureau.post<Imposed>("/v1/freezes", {
      scope: "dataset",
      target: "air_quality",
      reason: "x",
    });
    for (const client of [gw.operator, gw.auditor, gw.holders.population!]) {
      expect((await client.post(`/v1/freezes/${data.body.freeze.id}/lift`, { reason: "x" })).status).toBe(
        403,
      );
    }
    const ids = async (client: typeof gw.operator, query = "") =>
      (await client.get<{ freezes: Freeze[] }>(`/v1/freezes${query}`)).body.freezes.map((f) => f.id);
    expect(await ids(gw.auditor, "?live=true")).toEqual(
      expect.arrayContaining([theirs.body.freeze.id, data.body.freeze.id]),
    );
    // The demo operator's license names air_quality: that freeze concerns it, another operator's does not.
    expect(await ids(gw.operator)).toContain(data.body.freeze.id);
    expect(await ids(gw.operator)).not.toContain(theirs.body.freeze.id);
    expect((await gw.operator.get(`/v1/freezes/${theirs.body.freeze.id}`)).status).toBe(404);
    expect((await other.client.get(`/v1/freezes/${theirs.body.freeze.id}`)).status).toBe(200);
    // A holder sees the freezes of its own datasets only.
    expect(await ids(gw.holders.air_quality!)).toContain(data.body.freeze.id);
    expect((await gw.holders.population!.get(`/v1/freezes/${data.body.freeze.id}`)).status).toBe(404);
    await lift(theirs.body.freeze.id);
    await lift(data.body.freeze.id);
    expect(await ids(gw.bureau, "?live=true")).toEqual([]);
  });
});
