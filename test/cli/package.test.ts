import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_PACKAGE } from "../../cli/server-package.ts";
import { type CliServer, startCliServer } from "./server.ts";

/**
 * The CLI package as a user gets it: `npm run build:cli`, `npm pack`, and the tarball installed
 * offline into an empty folder, where `aos` talks to a real gateway. Nothing native may come along.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

const AIR = `export default async function main(ctx) {
  const rows = await ctx.sql("SELECT station, avg(pm25) AS pm25 FROM air_quality GROUP BY station ORDER BY station");
  return { by_station: rows };
}`;

let work: string;
let app: string;
let server: CliServer;
let operatorEnv: Record<string, string>;

/** Every file under a folder, following no symlink. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => join(e.parentPath, e.name));
}

/** The installed `aos`, run as a user runs it: a clean environment, cwd in the install folder. */
function installedAos(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(app, "node_modules/.bin/aos"), args, {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        HOME: work,
        XDG_CONFIG_HOME: join(work, "config"),
        NO_COLOR: "1",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aos-cli-package-"));
  app = join(work, "app");
  await mkdir(app);
  await run("npm", ["run", "build:cli"], { cwd: ROOT });
  const { stdout } = await run("npm", ["pack", "--pack-destination", work], {
    cwd: join(ROOT, "packages/aos-cli"),
  });
  const tarball = join(work, stdout.trim().split("\n").at(-1)!);
  await writeFile(join(app, "package.json"), JSON.stringify({ name: "uses-aos", private: true }));
  // Offline: the tarball must carry everything it runs; no registry is asked for anything.
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], { cwd: app });
  await writeFile(join(work, "air.js"), AIR);
  server = await startCliServer();
  operatorEnv = {
    AOS_URL: server.url,
    AOS_KEY: server.credentials.operator.key,
    AOS_LICENSE: server.credentials.operator.license,
  };
}, 240_000);

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the aos CLI package installed from its tarball", () => {
  it("installs alone, with no native addon and none of the server's native packages", async () => {
    const files = await filesUnder(join(app, "node_modules"));
    expect(files.some((f) => f.endsWith(".node"))).toBe(false);
    expect(await readdir(join(app, "node_modules"))).toEqual([".bin", ".package-lock.json", "aos-cli"]);
    for (const native of ["@duckdb", "isolated-vm", "better-sqlite3"])
      expect(files.some((f) => f.includes(`/node_modules/${native}`))).toBe(false);
    const bundle = await readFile(join(app, "node_modules/aos-cli/dist/aos.mjs"), "utf8");
    expect(bundle).not.toMatch(/\.node["']\)/);
  });

  it("prints its help, and says who the key belongs to", async () => {
    const help = await installedAos(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("aos — the authorized-operation sandbox from a terminal");
    expect(help.stdout).toContain("submit");
    const who = await installedAos(["whoami", "--json"], operatorEnv);
    expect(who.code).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ role: "operator", url: server.url });
  });

  it("refuses a wrong key with the auth exit code", async () => {
    const who = await installedAos(["whoami"], { ...operatorEnv, AOS_KEY: "aos_not_a_key" });
    expect(who.code).toBe(3);
    expect(who.stderr).toMatch(/^error: /);
  });

  it("submits a job, waits for its release and downloads its output", async () => {
    const out = join(work, "out");
    const submitted = await installedAos(
      ["submit", join(work, "air.js"), "--wait", "--format", "json", "--output-dir", out],
      operatorEnv,
    );
    expect(submitted.code).toBe(0);
    expect(submitted.stderr).toContain("release gate: outputs pass");
    const id = /submitted (job_\S+)/.exec(submitted.stderr)![1]!;
    expect(JSON.parse(await readFile(join(out, "by_station.json"), "utf8"))).toHaveLength(12);
    const job = await installedAos(["job", id, "--json"], operatorEnv);
    expect(JSON.parse(job.stdout)).toMatchObject({ id, status: "released" });
  });

  it("drafts a dataset's dummy-data shapes for the bureau, and refuses an operator", async () => {
    const file = join(work, "population.json");
    const bureau = { AOS_URL: server.url, AOS_KEY: server.credentials.bureau.key };
    const draft = await installedAos(["policy", "draft-dummy", "population", "-o", file], bureau);
    expect(draft.code).toBe(0);
    expect(draft.stderr).toContain("aos policy publish population --manifest");
    const manifest = JSON.parse(await readFile(file, "utf8")) as {
      name: string;
      columns: { name: string; dummy?: object }[];
    };
    expect(manifest.name).toBe("population");
    // Drafted from the data: columns come back with a dummy section, each explained on stderr.
    expect(manifest.columns.filter((c) => c.dummy !== undefined).length).toBeGreaterThan(0);
    expect(draft.stderr).toContain(manifest.columns[0]!.name);
    const refused = await installedAos(["policy", "draft-dummy", "population"], operatorEnv);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toBe("");
  });

  it("drafts a dataset's bounds from its data for the bureau, with the ε it spends, and checks its flags", async () => {
    const file = join(work, "population-bounds.json");
    const bureau = { AOS_URL: server.url, AOS_KEY: server.credentials.bureau.key };
    const draft = await installedAos(
      ["policy", "draft-bounds", "population", "--epsilon", "1", "--max-clamped-share", "0.05", "-o", file],
      bureau,
    );
    expect(draft.code).toBe(0);
    // A row per bounded column: declared and drafted bounds, and what the draft clamps away (or why not).
    expect(draft.stderr).toMatch(/annual_income\s+2,000,000\s+[\d,]+\s/);
    expect(draft.stderr).toContain("spending ε 1 per drafted bound");
    expect(draft.stderr).toContain("aos policy publish population --manifest");
    const manifest = JSON.parse(await readFile(file, "utf8")) as {
      columns: { name: string; bounds?: { min: number; max: number } }[];
    };
    const income = manifest.columns.find((c) => c.name === "annual_income")!;
    expect(income.bounds!.max).toBeLessThanOrEqual(2_000_000);
    const wrong = await installedAos(["policy", "draft-bounds", "population", "--epsilon", "lots"], bureau);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--epsilon takes a number, not lots");
  });

  it("exports the typed client", async () => {
    const script = `import { AosClient } from "aos-cli";
const caller = await new AosClient({ url: process.argv[1], key: process.argv[2] }).whoami();
console.log(caller.role);`;
    const { stdout } = await run(
      process.execPath,
      ["--input-type=module", "-e", script, server.url, server.credentials.auditor.key],
      { cwd: app },
    );
    expect(stdout.trim()).toBe("auditor");
    const types = await readFile(join(app, "node_modules/aos-cli/dist/client/index.d.ts"), "utf8");
    expect(types).toContain("export declare class AosClient");
  });

  it("says what to install when a local run needs the server package, and runs once it is beside it", async () => {
    const alone = await installedAos(["run", "--local", "--offline", join(work, "air.js")]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain(`Install the server package (${SERVER_PACKAGE})`);
    expect(alone.stderr).toContain("npm run aos -- run --local");
    expect(alone.stdout).toBe("");

    // A checkout installed beside the CLI, as `npm install /path/to/checkout` links it.
    await symlink(ROOT, join(app, "node_modules", SERVER_PACKAGE), "dir");
    try {
      const local = await installedAos(["run", "--local", "--offline", join(work, "air.js")]);
      expect(local.code).toBe(0);
      expect(local.stdout.split("\r\n")[0]).toBe("station,pm25");
      expect(local.stderr).toContain("release gate: outputs pass");
    } finally {
      await rm(join(app, "node_modules", SERVER_PACKAGE));
    }
  }, 120_000);
});
