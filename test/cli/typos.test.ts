import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../cli/exit-codes.ts";
import { runCli } from "../../cli/main.ts";
import type { Terminal } from "../../cli/terminal.ts";
import { tempDir } from "../support/duckdb.ts";

function recordingTerminal(): Terminal & { readonly errors: string[] } {
  const errors: string[] = [];
  const same = (t: string) => t;
  return {
    errors,
    out: () => undefined,
    err: (line) => errors.push(line),
    status: () => undefined,
    stdoutIsTty: false,
    color: false,
    style: { ok: same, bad: same, warn: same, dim: same, bold: same },
  };
}

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  dir = await tempDir();
  await writeFile(join(dir.dir, "s.js"), "export default async function main() { return {}; }");
  await writeFile(join(dir.dir, "config.json"), "{}", { mode: 0o600 });
});
afterAll(async () => {
  await dir?.remove();
});

describe("the CLI suggests what was meant", () => {
  it("names the nearest command for a typo", async () => {
    const term = recordingTerminal();
    expect(await runCli(["sumbit", "s.js"], {}, term)).toBe(EXIT.usage);
    expect(term.errors[0]).toContain("did you mean `aos submit`?");
    const far = recordingTerminal();
    expect(await runCli(["zzzzzzzz"], {}, far)).toBe(EXIT.usage);
    expect(far.errors[0]).not.toContain("did you mean");
  });

  it("names the nearest flag of the command for a typo", async () => {
    const term = recordingTerminal();
    expect(await runCli(["submit", "s.js", "--lisence", "lic_1"], {}, term)).toBe(EXIT.usage);
    expect(term.errors[0]).toContain("did you mean --license?");
  });

  it("`aos run` without --local goes to the domain; local-only flags ask for --local", async () => {
    const term = recordingTerminal();
    expect(await runCli(["run", join(dir.dir, "s.js"), "--rows", "10"], {}, term)).toBe(EXIT.usage);
    expect(term.errors[0]).toContain("--rows apply to local runs only: add --local");
    // With no license configured it is `aos submit`'s own refusal, not "only local runs exist".
    const remote = recordingTerminal();
    const env = {
      AOS_URL: "http://127.0.0.1:9",
      AOS_KEY: "aos_x_y",
      AOS_CONFIG: join(dir.dir, "config.json"),
    };
    expect(await runCli(["run", join(dir.dir, "s.js")], env, remote)).toBe(EXIT.usage);
    expect(remote.errors[0]).toContain("--license is required");
  });
});
