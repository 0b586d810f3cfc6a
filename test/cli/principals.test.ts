import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aosInProcess, type CliServer, startCliServer } from "./server.ts";

let server: CliServer;
const env = (key: string | undefined) => ({ AOS_URL: server.url, AOS_KEY: key ?? "" });
beforeAll(async () => {
  server = await startCliServer();
});
afterAll(async () => {
  await server?.close();
});

describe("aos principals add", () => {
  it("creates a holder department member whose key then works for the holder's verbs", async () => {
    const department = server.credentials.holders!.population!.department;
    const created = await aosInProcess(
      [
        "principals",
        "add",
        "--role",
        "holder",
        "--name",
        "Second registry officer",
        "--organization",
        department,
      ],
      env(server.credentials.bureau.key),
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toMatch(/^created holder hol_\S+; its API key is shown once:/);
    const key = created.stdout.trim();
    expect(key).toMatch(/^aos_[0-9a-f]{12}_/);
    const versions = await aosInProcess(["dataset", "versions", "population"], env(key));
    expect(versions.code, versions.stderr).toBe(0);
  });

  it("says what is wrong with an unknown department, a missing flag, or a non-bureau key", async () => {
    const unknown = await aosInProcess(
      ["principals", "add", "--role", "holder", "--name", "N", "--organization", "No such department"],
      env(server.credentials.bureau.key),
    );
    expect(unknown.code).toBe(2); // a request the server calls bad: exit 2, like a usage mistake
    expect(unknown.stderr).toContain("must be one of");
    const missing = await aosInProcess(
      ["principals", "add", "--role", "holder"],
      env(server.credentials.bureau.key),
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--organization");
    const operator = await aosInProcess(
      ["principals", "add", "--role", "auditor", "--name", "N", "--organization", "X"],
      env(server.credentials.operator.key),
    );
    expect(operator.code).toBe(3);
  });
});
