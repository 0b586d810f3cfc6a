import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import { aosInProcess, type CliServer, startCliServer } from "./server.ts";

let server: CliServer;
let work: string;
let bureau: Record<string, string>;
let bureau2: Record<string, string>;
let operator: Record<string, string>;

beforeAll(async () => {
  server = await startCliServer({ seedScale: 0.002 });
  work = await mkdtemp(join(tmpdir(), "aos-governance-"));
  const population = structuredClone(DEMO_MANIFESTS.find((m) => m.name === "population")!);
  const regraded = {
    ...population,
    grade: 1,
    columns: population.columns.map((c) => (c.name === "annual_income" ? { ...c, rule: "plain" } : c)),
  };
  await writeFile(join(work, "population.json"), JSON.stringify(regraded));
  bureau = { AOS_URL: server.url, AOS_KEY: server.credentials.bureau.key };
  bureau2 = { AOS_URL: server.url, AOS_KEY: server.credentials.bureau2!.key };
  operator = { AOS_URL: server.url, AOS_KEY: server.credentials.operator.key };
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("aos governance commands", () => {
  it("proposes a regrade showing the readable diff; the proposer cannot approve it; a second officer refuses it", async () => {
    const proposed = await aosInProcess(
      ["propose", "policy", "population", join(work, "population.json"), "--reason", "statistics release"],
      bureau,
    );
    expect(proposed.code).toBe(0);
    expect(proposed.stdout).toContain("grade: 3 → 1 (loosens)");
    expect(proposed.stdout).toContain("columns.annual_income.rule: aggregate → plain (loosens)");
    expect(proposed.stdout).toContain("pending: a second bureau officer must approve it");
    const id = /^(prop_[0-9a-f-]+)/m.exec(proposed.stdout)![1]!;

    const listed = await aosInProcess(["proposals", "--status", "pending"], bureau2);
    expect(listed.stdout).toContain(id);
    const own = await aosInProcess(["approve-proposal", id], bureau);
    expect(own.code).toBe(3);
    expect(own.stderr).toMatch(/FORBIDDEN: .*second bureau officer/);
    expect((await aosInProcess(["refuse-proposal", id], bureau2)).code).toBe(2);
    const refused = await aosInProcess(["refuse-proposal", id, "--reason", "income is personal"], bureau2);
    expect(refused.code).toBe(0);
    expect(refused.stdout).toContain("refused by");
    const shown = await aosInProcess(["proposal", id, "--json"], bureau);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id, status: "refused" });
  });

  it("freezes a dataset at once, lists it, and lifts it with two officers", async () => {
    const frozen = await aosInProcess(["freeze", "dataset", "air_quality", "--reason", "incident"], bureau);
    expect(frozen.code).toBe(0);
    const freezeId = frozen.stdout.trim();
    expect(freezeId).toMatch(/^frz_/);
    expect(frozen.stderr).toContain(`aos unfreeze ${freezeId}`);
    expect((await aosInProcess(["freezes"], operator)).stdout).toContain("dataset air_quality");
    const submit = await aosInProcess(["freeze", "operator", "--reason", "x"], bureau);
    expect(submit.code).toBe(2);

    const unfreeze = await aosInProcess(["unfreeze", freezeId, "--reason", "resolved"], bureau);
    expect(unfreeze.code).toBe(0);
    expect(unfreeze.stdout).toContain(`freeze ${freezeId} (dataset air_quality): lifted (loosens)`);
    const proposalId = /^(prop_[0-9a-f-]+)/m.exec(unfreeze.stdout)![1]!;
    const approved = await aosInProcess(["approve-proposal", proposalId, "--reason", "checked"], bureau2);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain("approved by");
    expect((await aosInProcess(["freezes"], bureau)).stdout).not.toContain(freezeId);
    expect((await aosInProcess(["freezes", "--all"], bureau)).stdout).toContain(freezeId);
  });
});
