import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aosInProcess, type CliServer, startCliServer } from "./server.ts";

let server: CliServer;
let as: Record<"operator" | "bureau" | "bureau2" | "holder" | "auditor", Record<string, string>>;
beforeAll(async () => {
  server = await startCliServer();
  const env = (key: string | undefined) => ({ AOS_URL: server.url, AOS_KEY: key ?? "" });
  as = {
    operator: env(server.credentials.operator.key),
    bureau: env(server.credentials.bureau.key),
    bureau2: env(server.credentials.bureau2?.key),
    holder: env(server.credentials.holders?.population?.key),
    auditor: env(server.credentials.auditor.key),
  };
});
afterAll(async () => {
  await server?.close();
});

const apply = async () => {
  const res = await aosInProcess(
    [
      "apply",
      "--purpose",
      "urban-analytics",
      "--scenario",
      "district indicators",
      "--dataset",
      "population",
      "--dataset",
      "air_quality",
    ],
    as.operator,
  );
  expect(res.code, res.stderr).toBe(0);
  expect(res.stdout).toMatch(/^app_\S+: awaits the holder's consent for population\n$/);
  return res.stdout.split(":")[0]!;
};

describe("aos apply / consent / approve", () => {
  it("walks an application to a license, each role with its own verb", async () => {
    const id = await apply();
    const consent = await aosInProcess(["consent", id, "--dataset", "population"], as.holder);
    expect(consent.stdout).toBe(`${id}: awaits 1 bureau approval\n`);
    const approve = await aosInProcess(["approve", id, "--json"], as.bureau);
    expect(approve.code).toBe(0);
    const approved = JSON.parse(approve.stdout) as { status: string; licenseId: string };
    expect(approved.status).toBe("approved");
    const show = await aosInProcess(["application", id], as.auditor);
    expect(show.stdout).toContain(`(license ${approved.licenseId})`);
    expect(show.stdout).toMatch(/consent\s+population\s+\S+\s+consent\s+population@1,air_quality@1/);
    const listed = await aosInProcess(["applications", "--status", "approved"], as.operator);
    expect(listed.stdout).toContain(id);
    const license = await aosInProcess(["licenses", "show", approved.licenseId], as.operator);
    expect(JSON.parse(license.stdout).license.datasets.map((d: { name: string }) => d.name)).toEqual([
      "population",
      "air_quality",
    ]);
  });

  it("refusals need a reason; withdrawals end an application; wrong roles exit 3", async () => {
    const id = await apply();
    expect((await aosInProcess(["consent", id, "--dataset", "population", "--refuse"], as.holder)).code).toBe(
      2,
    );
    expect((await aosInProcess(["approve", id], as.holder)).code).toBe(3);
    expect((await aosInProcess(["consent", id, "--dataset", "population"], as.bureau)).code).toBe(3);
    const refused = await aosInProcess(
      ["consent", id, "--dataset", "population", "--refuse", "--reason", "out of scope"],
      as.holder,
    );
    expect(refused.stdout).toBe(`${id}: refused\n`);
    const other = await apply();
    expect((await aosInProcess(["withdraw", other], as.operator)).stdout).toBe(`${other}: withdrawn\n`);
    expect((await aosInProcess(["application", "app_nope"], as.operator)).code).toBe(4);
  });

  it("lists the verbs of each role in the overview, holders in their own section", async () => {
    const help = await aosInProcess(["--help"], {});
    const holders = help.stdout.split("holder departments:")[1] ?? "";
    expect(holders).toMatch(/^\s+consent\s/m);
    for (const verb of ["apply", "withdraw", "amend", "approve", "applications", "application"])
      expect(help.stdout).toMatch(new RegExp(`^\\s+${verb}\\s`, "m"));
  });
});
