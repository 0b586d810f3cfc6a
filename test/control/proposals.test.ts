import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Actor } from "../../control/authority.ts";
import { currentCatalog } from "../../control/catalog.ts";
import type { Principal } from "../../control/identity.ts";
import { listPolicyVersions, publishPolicy } from "../../control/policy-versions.ts";
import {
  decideProposal,
  getProposal,
  listProposals,
  type ProposalDeps,
  proposeChange,
  withdrawProposal,
} from "../../control/proposals.ts";
import { listTariffs, setTariff, type TariffInput, tariffAt } from "../../control/tariffs.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import type { DataDomain } from "../../storage/data-domain.ts";
import { STORE_KINDS } from "../support/stores.ts";
import { eventually, FakeSandboxPool, openPipeline, type Pipeline } from "./job-pipeline-fixture.ts";

const airQuality = structuredClone(DEMO_MANIFESTS.find((m) => m.name === "air_quality")!);
const withRules = (rules: Record<string, DatasetManifest["columns"][number]["rule"]>): DatasetManifest => ({
  ...airQuality,
  columns: airQuality.columns.map((c) => (rules[c.name] ? { ...c, rule: rules[c.name]! } : c)),
});

// The data domain a proposed manifest is checked against: the air quality table, as declared.
let instance: DuckDBInstance;
let domain: Pick<DataDomain, "connect">;
beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  const setup = await instance.connect();
  await setup.run(
    `CREATE TABLE air_quality (${airQuality.columns.map((c) => `${c.name} ${c.type}`).join(", ")})`,
  );
  setup.closeSync();
  domain = { connect: () => instance.connect() };
});
afterAll(() => instance?.closeSync());

const tariff: TariffInput = {
  currency: "CNY",
  perJob: 1,
  perCpuSecond: 0.05,
  perQuery: 0.2,
  perEpsilon: 10,
  perOutputCell: 0.001,
  perThousandRowsScanned: 0.01,
};

describe.each(STORE_KINDS)("proposals (two-person rule) on %s", (kind) => {
  let p: Pipeline;
  let second: Principal;
  beforeEach(async () => {
    p = await openPipeline(kind);
    second = await p.reviewer();
  });
  afterEach(async () => {
    await p.dispose();
  });

  const deps = (): ProposalDeps => ({ store: p.main.store, dataDomain: domain, audit: p.main.audit });
  const publish = (manifest: DatasetManifest, note?: string) =>
    publishPolicy(p.main.store, domain, p.main.audit, p.bureau, {
      dataset: "air_quality",
      manifest,
      ...(note === undefined ? {} : { note }),
    });
  const versionInForce = async (at?: Date) =>
    (await currentCatalog(p.main.store, at)).find((e) => e.manifest.name === "air_quality")!.version;
  const told = async (recipient: string, kind: string) =>
    (
      await p.main.store.query<{ n: number }>(
        "SELECT count(*) AS n FROM notifications WHERE recipient_id = $1 AND kind = $2",
        [recipient, kind],
      )
    )[0]!.n;

  /** Version 2 of air_quality, tightened at once by one officer: stations only as groups. */
  async function tightened() {
    const outcome = await publish(withRules({ station: "group" }), "stations as groups");
    if (outcome.status !== "published") throw new Error("a tightening is in force at once");
    return outcome.version;
  }

  it("applies a tightening at once, but turns a loosening into a proposal that changes nothing until approved", async () => {
    expect((await tightened()).version).toBe(2);
    const outcome = await publish(airQuality, "stations are public again");
    if (outcome.status !== "proposed") throw new Error("a loosening is a proposal");
    const { proposal } = outcome;
    expect(proposal).toMatchObject({
      kind: "policy",
      subject: "air_quality",
      status: "pending",
      proposer: p.bureau.id,
      baseVersion: 2,
      effectiveAt: null,
      reason: "stations are public again",
      diff: { loosens: true, changes: [{ path: "columns.station.rule", effect: "loosens" }] },
    });
    expect(proposal.diff.changes[0]!.line).toBe("columns.station.rule: group → plain (loosens)");
    expect(await versionInForce()).toBe(2);
    expect((await listPolicyVersions(p.main.store, "air_quality")).items.map((v) => v.version)).toEqual([
      1, 2,
    ]);
    expect((await p.logged({ type: "proposal.created" }))[0]).toMatchObject({
      actor: p.bureau.id,
      subjects: { datasets: ["air_quality"] },
      data: { proposal: proposal.id, loosens: true },
    });
    // Every other officer is asked; the proposer is not.
    expect(await told(second.id, "proposal.awaiting_approval")).toBe(1);
    expect(await told(p.bureau.id, "proposal.awaiting_approval")).toBe(0);

    // Refused (a reason is required), it never changes anything; the proposer is told.
    await expect(decideProposal(deps(), second, proposal.id, { decision: "refuse" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    const refused = await decideProposal(deps(), second, proposal.id, {
      decision: "refuse",
      reason: "station identities are still sensitive",
    });
    expect(refused).toMatchObject({ status: "refused", decider: second.id });
    expect(await versionInForce()).toBe(2);
    expect((await listPolicyVersions(p.main.store, "air_quality")).items.map((v) => v.version)).toEqual([
      1, 2,
    ]);
    expect(await told(p.bureau.id, "proposal.decided")).toBe(1);
    await expect(decideProposal(deps(), second, proposal.id, { decision: "approve" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(await p.logged({ type: "proposal.refused" })).toHaveLength(1);
  });

  it("refuses the proposer approving their own proposal, with a clear message; nothing changes", async () => {
    await tightened();
    const outcome = await publish(airQuality);
    if (outcome.status !== "proposed") throw new Error("a loosening is a proposal");
    const own = decideProposal(deps(), p.bureau, outcome.proposal.id, { decision: "approve" });
    await expect(own).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(own).rejects.toMatchObject({ detail: expect.stringMatching(/second bureau officer/) });
    expect(await getProposal(p.main.store, p.bureau, outcome.proposal.id)).toMatchObject({
      status: "pending",
    });
    expect(await versionInForce()).toBe(2);
    expect(await p.logged({ type: "proposal.approved" })).toHaveLength(0);
  });

  it("applies an approved change from its stated time; a job already running keeps the versions it started under", async () => {
    await tightened();
    const { principal, license } = await p.operator();
    const pool = new FakeSandboxPool({ duration: "never" });
    const runner = p.main.runner(pool, { runnerId: "r1" });
    await runner.start();
    const { job: early } = await p.main.submit(principal, license);
    runner.wake();
    await eventually("the first job runs", async () => (await p.job(early.id)).status === "running");
    expect((await p.job(early.id)).policyVersions).toEqual({ air_quality: 2 });

    const later = new Date(Date.now() + 3_600_000);
    const proposal = await proposeChange(deps(), p.bureau, {
      kind: "policy",
      dataset: "air_quality",
      manifest: airQuality,
      reason: "stations are public again",
      effectiveAt: later.toISOString(),
    });
    const approved = await decideProposal(deps(), second, proposal.id, {
      decision: "approve",
      reason: "agreed",
    });
    expect(approved).toMatchObject({
      status: "approved",
      decider: second.id,
      appliedVersion: 3,
      effectiveAt: later.toISOString(),
    });
    // Version 3 exists, but until its time the catalog (and every new job) uses version 2.
    expect(await versionInForce()).toBe(2);
    expect(await versionInForce(new Date(later.getTime() + 1))).toBe(3);
    const versions = (await listPolicyVersions(p.main.store, "air_quality")).items;
    expect(versions.at(-1)).toMatchObject({
      version: 3,
      effectiveFrom: later.toISOString(),
      author: p.bureau.id,
    });
    expect((await p.logged({ type: "policy.published" })).at(-1)).toMatchObject({
      actor: second.id,
      data: {
        version: 3,
        proposal: proposal.id,
        proposedBy: p.bureau.id,
        effectiveFrom: later.toISOString(),
      },
    });
    expect((await p.logged({ type: "proposal.approved" }))[0]).toMatchObject({
      actor: second.id,
      data: { proposal: proposal.id, appliedVersion: 3 },
    });

    // Effective at approval: in force at once for new jobs, never for the one running.
    const now = await proposeChange(deps(), second, {
      kind: "policy",
      dataset: "air_quality",
      manifest: withRules({ aqi: "group" }),
      reason: "aqi as a dimension only",
    });
    await decideProposal(deps(), p.bureau, now.id, { decision: "approve" });
    expect((await getProposal(p.main.store, p.bureau, now.id)).effectiveAt).toBe(later.toISOString());
    expect((await p.job(early.id)).policyVersions).toEqual({ air_quality: 2 });
    pool.finish(early.id);
    await eventually("the first job settles", async () => (await p.job(early.id)).status === "released");
    expect((await p.job(early.id)).policyVersions).toEqual({ air_quality: 2 });
  });

  it("closes a proposal whose base version moved on as superseded, so two proposals never overwrite each other", async () => {
    await tightened();
    const first = await proposeChange(deps(), p.bureau, {
      kind: "policy",
      dataset: "air_quality",
      manifest: airQuality,
      reason: "stations public",
    });
    const other = await proposeChange(deps(), p.bureau, {
      kind: "policy",
      dataset: "air_quality",
      manifest: withRules({ station: "group", aqi: "row" }),
      reason: "aqi rows for research",
    });
    await decideProposal(deps(), second, first.id, { decision: "approve" });
    const stale = decideProposal(deps(), second, other.id, { decision: "approve" });
    await expect(stale).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(stale).rejects.toMatchObject({
      detail: expect.stringMatching(/superseded.*version 2.*version 3/),
    });
    expect(await getProposal(p.main.store, p.bureau, other.id)).toMatchObject({ status: "superseded" });
    expect(await versionInForce()).toBe(3);
    expect((await p.logged({ type: "proposal.refused" }))[0]).toMatchObject({
      data: { proposal: other.id, status: "superseded" },
    });
  });

  it("lets only its proposer withdraw a pending proposal", async () => {
    await tightened();
    const proposal = await proposeChange(deps(), p.bureau, {
      kind: "policy",
      dataset: "air_quality",
      manifest: airQuality,
      reason: "stations public",
    });
    await expect(withdrawProposal(deps(), second, proposal.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    const withdrawn = await withdrawProposal(deps(), p.bureau, proposal.id, "premature");
    expect(withdrawn).toMatchObject({ status: "withdrawn", decisionReason: "premature" });
    await expect(withdrawProposal(deps(), p.bureau, proposal.id)).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(decideProposal(deps(), second, proposal.id, { decision: "approve" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(await p.logged({ type: "proposal.withdrawn" })).toHaveLength(1);
    expect(await versionInForce()).toBe(2);
  });

  it("refuses a time in the past, an identical manifest, a manifest that does not describe its table, and unknown ids", async () => {
    await tightened();
    const base = { kind: "policy" as const, dataset: "air_quality", reason: "x" };
    await expect(
      proposeChange(deps(), p.bureau, { ...base, manifest: airQuality, effectiveAt: "2001-01-01T00:00:00Z" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      proposeChange(deps(), p.bureau, { ...base, manifest: withRules({ station: "group" }) }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(
      proposeChange(deps(), p.bureau, {
        ...base,
        manifest: { ...airQuality, columns: airQuality.columns.slice(1) },
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(getProposal(p.main.store, p.bureau, "prop_nope")).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(decideProposal(deps(), second, "prop_nope", { decision: "approve" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("is for the bureau to propose and decide, and for auditors to read; operators are refused", async () => {
    await tightened();
    const { principal } = await p.operator();
    const operator: Actor = principal;
    const auditor: Actor = { id: "aud_x", role: "auditor", organization: "Audit Office" };
    const proposal = await proposeChange(deps(), p.bureau, {
      kind: "policy",
      dataset: "air_quality",
      manifest: airQuality,
      reason: "x",
    });
    for (const actor of [operator, auditor]) {
      await expect(
        proposeChange(deps(), actor, {
          kind: "policy",
          dataset: "air_quality",
          manifest: airQuality,
          reason: "x",
        }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(decideProposal(deps(), actor, proposal.id, { decision: "approve" })).rejects.toMatchObject(
        {
          code: "FORBIDDEN",
        },
      );
    }
    await expect(listProposals(p.main.store, operator)).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await listProposals(p.main.store, auditor)).items.map((x) => x.id)).toEqual([proposal.id]);
    expect((await listProposals(p.main.store, auditor, { status: "approved" })).items).toEqual([]);
    expect((await getProposal(p.main.store, auditor, proposal.id)).id).toBe(proposal.id);
  });

  it("with a version scheduled for later, applies at once only what tightens the policy in force too", async () => {
    await tightened();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await proposeChange(deps(), p.bureau, {
      kind: "policy",
      dataset: "air_quality",
      manifest: airQuality,
      reason: "stations public from next hour",
      effectiveAt: later,
    });
    await decideProposal(deps(), second, scheduled.id, { decision: "approve" });
    // Against version 3 (scheduled) this only tightens aqi, but against version 2 (in force) it
    // would make stations public now: a proposal.
    const early = await publish(withRules({ aqi: "group" }));
    expect(early.status).toBe("proposed");
    // Tighter than both: in force at once.
    const both = await publish(withRules({ station: "group", aqi: "group" }));
    expect(both).toMatchObject({ status: "published", version: { version: 4 } });
    expect(await versionInForce()).toBe(4);
  });

  it("applies the same rule to tariffs: a cut is a proposal, a raise is in force at once", async () => {
    const set = await setTariff(p.main.store, p.main.audit, p.bureau, tariff);
    expect(set.status).toBe("set");
    const cut = await setTariff(p.main.store, p.main.audit, p.bureau, { ...tariff, perQuery: 0 });
    if (cut.status !== "proposed") throw new Error("a price cut is a proposal");
    expect(cut.proposal.diff.changes.map((c) => c.line)).toEqual(["perQuery: 0.2 → 0 (loosens)"]);
    expect((await listTariffs(p.main.store)).map((v) => v.version)).toEqual([1]);
    await expect(
      decideProposal(deps(), p.bureau, cut.proposal.id, { decision: "approve" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const stale = await proposeChange(deps(), second, {
      kind: "tariff",
      tariff: { ...tariff, perJob: 0 },
      reason: "free jobs",
    });
    const approved = await decideProposal(deps(), second, cut.proposal.id, { decision: "approve" });
    expect(approved).toMatchObject({ status: "approved", appliedVersion: 2 });
    expect((await tariffAt(p.main.store, new Date()))?.tariff.perQuery).toBe(0);
    expect((await p.logged({ type: "tariff.set" })).at(-1)).toMatchObject({
      actor: second.id,
      data: { version: 2, proposal: cut.proposal.id, proposedBy: p.bureau.id },
    });
    await expect(decideProposal(deps(), p.bureau, stale.id, { decision: "approve" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const raised = await setTariff(p.main.store, p.main.audit, p.bureau, { ...tariff, perQuery: 0.5 });
    expect(raised).toMatchObject({ status: "set", version: { version: 3 } });
  });
});
