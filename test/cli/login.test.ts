import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { aosInProcess, type CliRun, type CliServer, startCliServer } from "./server.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

let server: CliServer;
let home: string;
let configFile: string;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startCliServer();
});

afterAll(async () => {
  await server?.close();
});

beforeEach(async (context) => {
  home = await mkdtemp(join(tmpdir(), "aos-login-"));
  configFile = join(home, "aos", "config.json");
  env = { XDG_CONFIG_HOME: home };
  context.onTestFinished(() => rm(home, { recursive: true, force: true }));
});

/** `node bin/aos.mjs ARGS` as a user runs it, with `input` piped to its stdin. */
function aosWithInput(args: readonly string[], input: string, extra: Record<string, string> = {}) {
  return new Promise<CliRun>((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "bin/aos.mjs"), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: home, NO_COLOR: "1", ...env, ...extra },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString("utf8"),
        stdoutBytes: Buffer.concat(out),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
    child.stdin.end(input);
  });
}

/** Writes a key to a file for `--key-file`. */
async function keyFile(key: string): Promise<string> {
  const file = join(home, `key-${Math.random().toString(36).slice(2)}`);
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return file;
}

describe("aos login, profiles, logout", () => {
  it("reads the key from stdin, checks it, and keeps it in a 0600 file the next commands use", async () => {
    const login = await aosWithInput(
      ["login", "--profile", "prod", "--url", server.url],
      `${server.credentials.operator.key}\n`,
    );
    expect(login.stderr).toContain("logged in");
    expect(login.code).toBe(0);
    // The key never reaches the terminal.
    expect(login.stdout + login.stderr).not.toContain(server.credentials.operator.key);
    expect((await stat(configFile)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(configFile, "utf8"));
    expect(saved).toEqual({
      profile: "prod",
      profiles: { prod: { url: server.url, key: server.credentials.operator.key } },
    });

    const who = await aosInProcess(["whoami", "--json"], env);
    expect(who.code).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ role: "operator", url: server.url, profile: "prod" });
    const datasets = await aosInProcess(["datasets"], env);
    expect(datasets.code).toBe(0);
    expect(datasets.stdout).toContain("population");

    const listed = await aosInProcess(["profiles"], env);
    expect(listed.stdout).toMatch(/\*\s+prod\s+http/);
    expect(listed.stdout).toContain(`aos_${server.credentials.operator.key.split("_")[1]}_…`);
    expect(listed.stdout).not.toContain(server.credentials.operator.key);
  });

  it("takes no key on the command line, where ps shows it to every user", async () => {
    const run = await aosInProcess(
      ["login", "--url", server.url, "--key", server.credentials.operator.key],
      env,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("ps");
    expect(run.stderr).toContain("--key-file");
    await expect(stat(configFile)).rejects.toThrow();
  });

  it("keeps nothing when the gateway refuses the key, and keeps the profile it had", async () => {
    const good = await keyFile(server.credentials.operator.key);
    expect((await aosInProcess(["login", "--url", server.url, "--key-file", good], env)).code).toBe(0);
    const before = await readFile(configFile, "utf8");
    const wrong = await keyFile("aos_000000000000_notakeyofthisdomain");
    const refused = await aosInProcess(["login", "--url", server.url, "--key-file", wrong], env);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("UNAUTHENTICATED");
    expect(await readFile(configFile, "utf8")).toBe(before);
    const garbage = await keyFile("not a key at all");
    const malformed = await aosInProcess(["login", "--url", server.url, "--key-file", garbage], env);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).not.toContain("not a key at all");
  });

  it("picks a profile by --profile or AOS_PROFILE; AOS_URL and AOS_KEY still override it", async () => {
    const operatorKey = await keyFile(server.credentials.operator.key);
    const auditorKey = await keyFile(server.credentials.auditor.key);
    await aosInProcess(["login", "--profile", "op", "--url", server.url, "--key-file", operatorKey], env);
    await aosInProcess(["login", "--profile", "audit", "--url", server.url, "--key-file", auditorKey], env);
    const role = async (args: string[], extra: Record<string, string> = {}) =>
      JSON.parse((await aosInProcess(["whoami", "--json", ...args], { ...env, ...extra })).stdout).role;
    // The last login is the default.
    expect(await role([])).toBe("auditor");
    expect(await role(["--profile", "op"])).toBe("operator");
    expect(await role([], { AOS_PROFILE: "op" })).toBe("operator");
    expect(await role(["--profile", "audit"], { AOS_PROFILE: "op" })).toBe("auditor");
    expect(await role(["--profile", "op"], { AOS_KEY: server.credentials.bureau.key })).toBe("bureau");
    const down = await aosInProcess(["whoami", "--profile", "op"], { ...env, AOS_URL: "http://127.0.0.1:9" });
    expect(down.code).toBe(5);

    const missing = await aosInProcess(["whoami", "--profile", "staging"], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("aos profiles");
  });

  it("refuses a config file other users can read, saying the chmod", async () => {
    const key = await keyFile(server.credentials.operator.key);
    await aosInProcess(["login", "--url", server.url, "--key-file", key], env);
    await chmod(configFile, 0o644);
    const run = await aosInProcess(["datasets"], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`chmod 600 ${configFile}`);
    expect(run.stdout).toBe("");
    await chmod(configFile, 0o600);
    expect((await aosInProcess(["datasets"], env)).code).toBe(0);
  });

  it("logs out: the profile and its key leave the file, and the default goes with it", async () => {
    const key = await keyFile(server.credentials.operator.key);
    await aosInProcess(["login", "--profile", "prod", "--url", server.url, "--key-file", key], env);
    const out = await aosInProcess(["logout"], env);
    expect(out.code).toBe(0);
    expect(out.stderr).toContain("stays valid");
    expect(JSON.parse(await readFile(configFile, "utf8"))).toEqual({});
    expect((await stat(configFile)).mode & 0o777).toBe(0o600);
    const after = await aosInProcess(["whoami"], { ...env, AOS_URL: server.url });
    expect(after.code).toBe(3);
    const again = await aosInProcess(["logout", "--profile", "prod"], env);
    expect(again.code).toBe(2);
  });
});
