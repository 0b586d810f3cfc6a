import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { CliServer } from "../cli/server.ts";
import { clientEnvironment, startGatewayForClients } from "../support/start-gateway-for.ts";

/**
 * The Python client's pytest suite (clients/python/tests) against a real listening gateway, so
 * `npm test` covers it. Debian's python3 with python3-pytest is used: /usr/bin/python3, since a
 * python3 earlier on PATH (pyenv) may lack pytest. Missing pytest fails this test, saying what
 * to install; nothing is skipped.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PYTHON = "/usr/bin/python3";

let server: CliServer;
beforeAll(async () => {
  server = await startGatewayForClients();
}, 120_000);
afterAll(() => server?.close());

function run(args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, args, {
      cwd: ROOT,
      // Only what the suite needs: no inherited PYTHONPATH or keys of the caller.
      env: { PATH: "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", PYTHONDONTWRITEBYTECODE: "1", ...env },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", (error) => resolve({ code: -1, output: String(error) }));
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
  });
}

it("passes the Python client's pytest suite against a real gateway", async () => {
  const probe = await run(["-m", "pytest", "--version"], {});
  if (probe.code !== 0)
    throw new Error(
      `${PYTHON} -m pytest is not available (${probe.output.trim()}): install it with \`apt-get install -y python3-pytest\``,
    );
  const result = await run(
    ["-m", "pytest", "-q", "-p", "no:cacheprovider", "clients/python/tests"],
    clientEnvironment(server),
  );
  expect(result.output).toMatch(/\d+ passed/);
  expect(result.output, result.output).not.toMatch(
    /\d+ (skipped|failed|errors?|xfailed|xpassed|deselected)\b/,
  );
  expect(result.code, result.output).toBe(0);
}, 300_000);
