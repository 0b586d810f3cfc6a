import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig, transportOf } from "../../gateway/config.ts";

/** deploy/: the image, the compose file and the systemd units, checked with the real tools. */
const DEPLOY = "deploy";
const scratch = mkdtempSync(join(tmpdir(), "aos-deploy-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A unit's `Key=value` lines (the last wins, as in systemd), comments left out. */
function unitSettings(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) settings.set(match[1]!, match[2]!);
  }
  return settings;
}

describe("systemd units", () => {
  const units = ["aos-gateway.service", "aos-runner.service"];

  it("pass systemd-analyze verify without a warning", () => {
    for (const unit of units) {
      // The node the unit names must exist for verify; on a machine without /usr/bin/node, this one.
      const text = readFileSync(join(DEPLOY, "systemd", unit), "utf8");
      const path = join(scratch, unit);
      writeFileSync(
        path,
        existsSync("/usr/bin/node")
          ? text
          : text.replace("ExecStart=/usr/bin/node", `ExecStart=${process.execPath}`),
      );
      const result = spawnSync("/usr/bin/systemd-analyze", ["verify", path], { encoding: "utf8" });
      expect({ unit, status: result.status, stderr: result.stderr }).toEqual({ unit, status: 0, stderr: "" });
    }
  });

  it("systemd-analyze verify does catch a broken unit (the check above is not a no-op)", () => {
    const text = readFileSync(join(DEPLOY, "systemd", "aos-runner.service"), "utf8");
    const path = join(scratch, "broken.service");
    writeFileSync(path, text.replace("ProtectSystem=strict", "ProtectSystem=strict\nProtectEverything=yes"));
    const result = spawnSync("/usr/bin/systemd-analyze", ["verify", path], { encoding: "utf8" });
    expect(result.stderr).toContain("Unknown key 'ProtectEverything'");
  });

  it("run the compiled JavaScript without the startup snapshot, as an unprivileged user", () => {
    for (const unit of units) {
      const settings = unitSettings(readFileSync(join(DEPLOY, "systemd", unit), "utf8"));
      expect(settings.get("ExecStart")).toBe(
        "/usr/bin/node --no-node-snapshot /opt/aos/dist/gateway/main.js",
      );
      expect(settings.get("User")).toBe("aos");
      for (const [key, value] of [
        ["NoNewPrivileges", "yes"],
        ["ProtectSystem", "strict"],
        ["ProtectHome", "yes"],
        ["PrivateTmp", "yes"],
        ["PrivateDevices", "yes"],
        ["CapabilityBoundingSet", ""],
        ["LockPersonality", "yes"],
        ["SystemCallArchitectures", "native"],
        ["UMask", "0077"],
      ])
        expect({ unit, key, value: settings.get(key!) }).toEqual({ unit, key, value });
      expect(settings.get("ReadWritePaths")?.split(" ")).toContain("/var/lib/aos");
      // V8 compiles JavaScript into executable memory.
      expect(settings.has("MemoryDenyWriteExecute")).toBe(false);
    }
  });

  it("give the runner what bubblewrap and the workers' cgroups need", () => {
    const runner = unitSettings(readFileSync(join(DEPLOY, "systemd", "aos-runner.service"), "utf8"));
    expect(runner.get("Delegate")).toBe("yes");
    expect(runner.get("SANDBOX_CONTAINMENT") ?? runner.get("Environment")).toContain(
      "SANDBOX_CONTAINMENT=strict",
    );
    for (const absent of [
      "RestrictNamespaces",
      "ProtectControlGroups",
      "ProtectKernelTunables",
      "ProtectKernelLogs",
      "ProtectProc",
      "ProcSubset",
    ])
      expect({ absent, set: runner.has(absent) }).toEqual({ absent, set: false });
    const gateway = unitSettings(readFileSync(join(DEPLOY, "systemd", "aos-gateway.service"), "utf8"));
    expect(gateway.get("RestrictNamespaces")).toBe("yes");
    expect(gateway.get("Environment")).toContain("ROLE=gateway");
  });

  it.runIf(process.getuid?.() === 0 && existsSync("/usr/bin/bwrap"))(
    "a covered /proc (ProtectKernelTunables, ProtectKernelLogs) keeps an unprivileged bwrap from mounting its own",
    () => {
      const bwrap =
        "/usr/bin/bwrap --unshare-all --die-with-parent --proc /proc --dev /dev --ro-bind / / /bin/true";
      const asNobody = `setpriv --reuid=65534 --regid=65534 --clear-groups ${bwrap}`;
      const run = (cover: string) =>
        spawnSync("unshare", ["-m", "sh", "-c", `${cover}${asNobody}`], { encoding: "utf8" });
      expect(run("").status).toBe(0);
      const tunables = run("mount --bind /proc/sys /proc/sys && mount -o remount,ro,bind /proc/sys && ");
      expect(tunables.stderr).toContain("Can't mount proc");
      const logs = run("mount --bind /dev/null /proc/kmsg && ");
      expect(logs.stderr).toContain("Can't mount proc");
    },
  );
});

interface ComposeService {
  image?: string;
  environment?: Record<string, string | number | boolean>;
  healthcheck?: { test?: string[]; disable?: boolean };
  secrets?: string[];
  security_opt?: string[];
  volumes?: string[];
  restart?: string;
  ports?: string[];
}

describe("compose.yaml", () => {
  const compose = parse(readFileSync(join(DEPLOY, "compose.yaml"), "utf8"), { merge: true }) as {
    services: Record<string, ComposeService>;
    secrets: Record<string, { file: string }>;
  };
  const nodes = Object.entries(compose.services).filter(([, service]) => service.environment?.ROLE);
  const envOf = (service: ComposeService) =>
    Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)]));

  it("has two gateways and two runners, each configured as the node's own loadConfig accepts", () => {
    const roles = nodes.map(([, service]) => service.environment?.ROLE).sort();
    expect(roles).toEqual(["gateway", "gateway", "runner", "runner"]);
    for (const [name, service] of nodes) {
      expect(() => loadConfig(envOf(service)), name).not.toThrow();
    }
  });

  it("shares one control plane, one data folder and one datasets folder among all nodes", () => {
    const configs = nodes.map(([, service]) => loadConfig(envOf(service)));
    expect(new Set(configs.map((config) => config.DATABASE_URL)).size).toBe(1);
    expect(configs[0]!.DATABASE_URL).toMatch(/^postgres:\/\/[^:@]+@postgres:/);
    expect(new Set(configs.map((config) => config.DATASETS_DIR)).size).toBe(1);
    const dataVolumes = nodes.map(
      ([, service]) => service.volumes?.find((volume) => volume.split(":")[1] === "/var/lib/aos") ?? "",
    );
    expect(new Set(dataVolumes)).toEqual(new Set(["aos-data:/var/lib/aos"]));
    for (const [name, service] of nodes) {
      const datasets = service.volumes?.find((volume) => volume.startsWith("aos-datasets:"));
      // Gateways write supplied versions; runners only read them.
      expect(datasets, name).toBe(
        service.environment?.ROLE === "runner"
          ? "aos-datasets:/srv/aos-datasets:ro"
          : "aos-datasets:/srv/aos-datasets",
      );
    }
  });

  it("serves HTTPS from every gateway, with certificate and key mounted as secrets", () => {
    for (const [name, service] of nodes.filter(([, service]) => service.environment?.ROLE === "gateway")) {
      const config = loadConfig(envOf(service));
      expect(transportOf(config), name).toBe("https");
      expect(service.secrets).toEqual(expect.arrayContaining(["tls.pem", "tls.key"]));
    }
  });

  it("passes every secret as a file that is mounted, never in the environment", () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const env = envOf(service);
      expect(
        Object.keys(env).filter((key) => ["KEK", "OIDC_CLIENT_SECRET", "PGPASSWORD"].includes(key)),
      ).toEqual([]);
      for (const [key, value] of Object.entries(env).filter(([key]) => /_FILE$|^PGPASSFILE$/.test(key))) {
        const secret = /^\/run\/secrets\/(.+)$/.exec(value)?.[1];
        expect({
          name,
          key,
          mounted: secret !== undefined && (service.secrets ?? []).includes(secret),
        }).toEqual({
          name,
          key,
          mounted: true,
        });
        expect(compose.secrets[secret!]?.file).toBe(`./secrets/${secret}`);
      }
    }
  });

  it("restarts every service, health-checks the database and the gateways, and lets runners use bubblewrap", () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect({ name, restart: service.restart }).toEqual({ name, restart: "unless-stopped" });
      if (service.environment?.ROLE === "runner") {
        expect(service.healthcheck?.disable, name).toBe(true);
        expect(service.security_opt).toEqual(
          expect.arrayContaining(["seccomp=unconfined", "systempaths=unconfined", "no-new-privileges:true"]),
        );
      } else {
        expect(service.healthcheck?.test?.length, name).toBeGreaterThan(1);
      }
    }
    expect(compose.services["gateway-1"]?.healthcheck?.test).toEqual([
      "CMD",
      "node",
      "deploy/healthcheck.mjs",
    ]);
    expect(compose.services.postgres?.healthcheck?.test).toContain("pg_isready");
  });
});

describe("image and build", () => {
  const dockerfile = readFileSync(join(DEPLOY, "Dockerfile"), "utf8");
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;

  it("builds with the script CI runs, and CI runs it", () => {
    expect(stages[0]).toMatch(/^RUN deploy\/build\.sh --prune$/m);
    expect(readFileSync(".ci/run", "utf8")).toMatch(/^deploy\/build\.sh$/m);
    const build = readFileSync(join(DEPLOY, "build.sh"), "utf8");
    expect(build).toMatch(/^npm ci /m);
    expect(build).toMatch(/^npm run build$/m);
  });

  it("runs as a user other than root, without the startup snapshot, with bubblewrap and a health check", () => {
    expect(runtime).toMatch(/^node:20-bookworm-slim AS runtime/);
    expect(runtime).toMatch(/install -y --no-install-recommends bubblewrap/);
    const users = [...runtime.matchAll(/^USER (\S+)$/gm)].map((match) => match[1]);
    expect(users).toEqual(["aos"]);
    expect(runtime).toMatch(/^CMD \["node", "--no-node-snapshot", "dist\/gateway\/main\.js"\]$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", "deploy\/healthcheck\.mjs"\]$/m);
    expect(runtime).toMatch(/^VOLUME \["\/var\/lib\/aos"\]$/m);
  });

  it("the compiled program loads only packages the pruned install keeps (production dependencies)", () => {
    const { dependencies } = JSON.parse(readFileSync("package.json", "utf8")) as {
      dependencies: Record<string, string>;
    };
    const parsed = ts.getParsedCommandLineOfConfigFile(
      "tsconfig.build.json",
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
          throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
        },
      },
    );
    const loaded = new Set<string>();
    const note = (specifier: string) => {
      if (specifier.startsWith(".") || specifier.startsWith("node:")) return;
      const parts = specifier.split("/");
      loaded.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
    };
    for (const file of parsed!.fileNames) {
      const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
      const visit = (node: ts.Node): void => {
        if (
          ts.isImportDeclaration(node) &&
          !node.importClause?.isTypeOnly &&
          ts.isStringLiteral(node.moduleSpecifier)
        )
          note(node.moduleSpecifier.text);
        else if (
          ts.isExportDeclaration(node) &&
          !node.isTypeOnly &&
          node.moduleSpecifier &&
          ts.isStringLiteral(node.moduleSpecifier)
        )
          note(node.moduleSpecifier.text);
        else if (ts.isCallExpression(node)) {
          const [first] = node.arguments;
          const callee = node.expression;
          const loads =
            callee.kind === ts.SyntaxKind.ImportKeyword ||
            (ts.isIdentifier(callee) && callee.text === "require") ||
            (ts.isPropertyAccessExpression(callee) &&
              callee.name.text === "resolve" &&
              ts.isCallExpression(callee.expression));
          if (loads && first && ts.isStringLiteral(first)) note(first.text);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(loaded.size).toBeGreaterThan(10);
    expect([...loaded].filter((name) => !(name in dependencies)).sort()).toEqual([]);
  });
});
