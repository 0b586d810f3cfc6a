/**
 * OS containment of sandbox workers, defence in depth behind the isolate. A worker runs under
 * bubblewrap (`bwrap`, Debian's `bubblewrap` package) with:
 * - `network`: its own network namespace, holding only a loopback nobody listens on;
 * - `mount`: a read-only view of the node executable, the system libraries and the worker's own
 *   code (sandbox/, telemetry/, policies/, node_modules): no data folder, so no control plane, no
 *   keys, no data-domain files (the worker never reads data: its parent answers every query), and
 *   no writable path;
 * - `pid`: its own PID namespace, whose init dies with the gateway (`--die-with-parent`), taking
 *   every process in it along, whatever state it is in;
 * - `uid`: an unprivileged uid (65534) when the gateway runs as root;
 * - `seccomp`: the filter of `seccomp-filter.ts` (no new processes, no ptrace, no mount, no IP
 *   sockets);
 * - `cgroups`: a memory limit and a CPU quota for the whole worker process (`cgroups.ts`), where
 *   the host lets this process make cgroups.
 *
 * The layers the host offers are found once per process by starting a trial worker the way real
 * ones start; the pool then pays bwrap's start once per worker, not per job.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, lstatSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { log } from "../telemetry/log.ts";
import {
  type CgroupHost,
  cgroupsWork,
  detectCgroups,
  sweepStaleCgroups,
  type WorkerResources,
} from "./cgroups.ts";
import { seccompSupported, workerSeccompProgram } from "./seccomp-filter.ts";

export type ContainmentMode = "strict" | "best-effort" | "off";
export const CONTAINMENT_LAYERS = [
  "network",
  "mount",
  "pid",
  "uid",
  "seccomp",
  "dieWithParent",
  "cgroups",
] as const;
export type ContainmentLayer = (typeof CONTAINMENT_LAYERS)[number];

/** What is in force, for `/readyz` and the start banner: layer names and booleans, never a path. */
export interface ContainmentReport {
  mode: ContainmentMode;
  layers: Record<ContainmentLayer, boolean>;
  missing: ContainmentLayer[];
}

/** How workers are started: the report, and the command that wraps `node <worker>`. */
export interface WorkerContainment {
  readonly report: ContainmentReport;
  /** The wrapper's command and arguments, up to the node command line; undefined: plain spawn. */
  readonly wrapper?: { command: string; args: string[] };
  /** Spawn the wrapper as this uid/gid (the gateway runs as root). */
  readonly user?: { uid: number; gid: number };
  /** The seccomp program, to write on the fd named in `args` (`SECCOMP_FD`). */
  readonly seccomp?: Buffer;
  /** Where each worker gets a cgroup with `resources`; undefined: the host offers none. */
  readonly cgroups?: CgroupHost;
  readonly resources?: WorkerResources;
}

/** Each worker's limits unless the configuration says otherwise (SANDBOX_WORKER_MEMORY_MB, SANDBOX_WORKER_CPU_PERCENT). */
export const DEFAULT_WORKER_RESOURCES: WorkerResources = { memoryBytes: 1536 * 1024 * 1024, cpuPercent: 100 };

/** The child's fd bwrap reads the seccomp program from: the one after the message channel (3). */
export const SECCOMP_FD = 4;
/** `nobody` on Debian: owns no file of the gateway's. */
const UNPRIVILEGED_ID = 65534;
const BWRAP_CANDIDATES = ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"];
const LIBRARY_DIRS = [
  "/lib",
  "/lib64",
  "/lib32",
  "/libx32",
  "/usr/lib",
  "/usr/lib64",
  "/usr/lib32",
  "/usr/libx32",
];
/** The worker's code: the folders its module graph lives in (checked by test/sandbox/containment.test.ts). */
const WORKER_CODE_DIRS = ["sandbox", "telemetry", "policies"];
/** The folder holding sandbox/: the source tree, or dist/ when compiled. */
const CODE_ROOT = fileURLToPath(new URL("..", import.meta.url));

export class ContainmentError extends Error {
  override readonly name = "ContainmentError";
}

const OFF: WorkerContainment = {
  report: {
    mode: "off",
    layers: Object.fromEntries(
      CONTAINMENT_LAYERS.map((layer) => [layer, false]),
    ) as ContainmentReport["layers"],
    missing: [],
  },
};

const decided = new Map<ContainmentMode, WorkerContainment>();

/**
 * The containment workers get under `mode`, found once per process. `best-effort` starts with what
 * the host offers and logs a warning naming each missing layer; `strict` throws a
 * `ContainmentError` naming them instead; `off` spawns workers as plain child processes.
 *
 * @example
 * const containment = workerContainment(config.SANDBOX_CONTAINMENT); // throws in strict mode when a layer is missing
 * const pool = new SandboxPool({ size: 2, containment });
 */
export function workerContainment(
  mode: ContainmentMode,
  resources: WorkerResources = DEFAULT_WORKER_RESOURCES,
): WorkerContainment {
  const known = decided.get(mode) ?? decide(mode);
  return known.cgroups ? { ...known, resources } : known;
}

function decide(mode: ContainmentMode): WorkerContainment {
  const chosen = mode === "off" ? OFF : probe(mode);
  const { missing } = chosen.report;
  if (mode === "strict" && missing.length > 0) {
    throw new ContainmentError(
      `SANDBOX_CONTAINMENT=strict: the host refuses the workers' ${missing.join(", ")} containment; ${remedy(missing)}, or set SANDBOX_CONTAINMENT=best-effort`,
    );
  }
  if (mode === "off") {
    log.warn(
      "SANDBOX WORKERS ARE NOT CONTAINED BY THE OS (SANDBOX_CONTAINMENT=off): the isolate is their only wall",
    );
  } else if (missing.length > 0) {
    log.warn(
      `SANDBOX WORKER CONTAINMENT INCOMPLETE: missing ${missing.join(", ")}; ${remedy(missing)}, or set SANDBOX_CONTAINMENT=strict to refuse to start`,
      { missing },
    );
  }
  decided.set(mode, chosen);
  return chosen;
}

/** What gives the host the missing layers. */
function remedy(missing: readonly ContainmentLayer[]): string {
  const steps = [];
  if (missing.some((layer) => layer !== "cgroups"))
    steps.push("install bubblewrap (apt-get install bubblewrap) and allow user namespaces");
  if (missing.includes("cgroups"))
    steps.push(
      "give the service a writable cgroup subtree (systemd Delegate=yes, or writable cgroup v1 memory and cpu hierarchies)",
    );
  return steps.join("; ");
}

/** Tries the layers on a trial worker, richest set first, and keeps the first set that starts. */
function probe(mode: ContainmentMode): WorkerContainment {
  const bwrap = BWRAP_CANDIDATES.find((path) => isExecutable(path));
  if (!bwrap) return withCgroups({ report: report(mode, []) });
  const asRoot = process.getuid?.() === 0;
  const seccomp = seccompSupported() ? workerSeccompProgram() : undefined;
  // The richest first; a host refusing one layer still gets the others.
  const attempts: Array<{ dropUid: boolean; withSeccomp: boolean }> = [
    { dropUid: asRoot, withSeccomp: seccomp !== undefined },
    { dropUid: false, withSeccomp: seccomp !== undefined },
    { dropUid: asRoot, withSeccomp: false },
    { dropUid: false, withSeccomp: false },
  ];
  const tried = new Set<string>();
  for (const attempt of attempts) {
    const key = JSON.stringify(attempt);
    if (tried.has(key)) continue;
    tried.add(key);
    const candidate: WorkerContainment = {
      report: report(mode, [
        "network",
        "mount",
        "pid",
        "dieWithParent",
        ...(attempt.withSeccomp ? (["seccomp"] as const) : []),
        ...(attempt.dropUid || !asRoot ? (["uid"] as const) : []),
      ]),
      wrapper: { command: bwrap, args: bwrapArgs() },
      ...(attempt.dropUid ? { user: { uid: UNPRIVILEGED_ID, gid: UNPRIVILEGED_ID } } : {}),
      ...(attempt.withSeccomp && seccomp ? { seccomp } : {}),
    };
    if (trialStarts(candidate)) return withCgroups(candidate);
  }
  return withCgroups({ report: report(mode, []) });
}

/** The candidate, with workers' cgroups when the host lets its workers' uid join them. */
function withCgroups(candidate: WorkerContainment): WorkerContainment {
  const host = detectCgroups();
  if (!host || !cgroupsWork(host, candidate.user)) return candidate;
  sweepStaleCgroups(host);
  const { mode, layers } = candidate.report;
  const on = CONTAINMENT_LAYERS.filter((layer) => layers[layer] || layer === "cgroups");
  return { ...candidate, report: report(mode, on), cgroups: host };
}

function report(mode: ContainmentMode, on: readonly ContainmentLayer[]): ContainmentReport {
  const layers = Object.fromEntries(CONTAINMENT_LAYERS.map((layer) => [layer, on.includes(layer)]));
  return {
    mode,
    layers: layers as ContainmentReport["layers"],
    missing: CONTAINMENT_LAYERS.filter((layer) => !on.includes(layer)),
  };
}

/**
 * Whether a node started in the candidate containment, as workers are, can read this module (the
 * worker's code is readable to its uid). The trial takes the seccomp program on its stdin, the
 * only fd a synchronous spawn feeds.
 */
function trialStarts(candidate: WorkerContainment): boolean {
  const entry = fileURLToPath(import.meta.url);
  const [command, args] = containedCommand(
    candidate,
    ["-e", "require('node:fs').accessSync(process.argv[1], require('node:fs').constants.R_OK)", entry],
    0,
  );
  const result = spawnSync(command, args, {
    env: {},
    input: candidate.seccomp ?? "",
    stdio: ["pipe", "ignore", "ignore"],
    ...(candidate.user ?? {}),
    timeout: 20_000,
  });
  return result.status === 0;
}

/**
 * The command line that starts `node <nodeArgs>` in `containment`, with the worker's entry folder
 * in the mount view (its last argument when it lies outside the worker's code folders: tests
 * start workers of their own).
 */
export function containedCommand(
  containment: WorkerContainment,
  nodeArgs: readonly string[],
  seccompFd: number = SECCOMP_FD,
): [string, string[]] {
  const node = realpathSync(process.execPath);
  if (!containment.wrapper) return [process.execPath, [...nodeArgs]];
  const entry = nodeArgs.at(-1);
  const extra =
    entry && existsSync(entry) && !underCodeDirs(entry) ? ["--ro-bind", dirname(entry), dirname(entry)] : [];
  const seccomp = containment.seccomp ? ["--seccomp", String(seccompFd)] : [];
  return [
    containment.wrapper.command,
    [...containment.wrapper.args, ...extra, ...SEAL_VIEW, ...seccomp, "--", node, ...nodeArgs],
  ];
}

function underCodeDirs(path: string): boolean {
  return WORKER_CODE_DIRS.some((dir) => {
    const rel = relative(join(CODE_ROOT, dir), resolve(path));
    return rel !== "" && !rel.startsWith("..") && !rel.startsWith(sep);
  });
}

/** bwrap's options, short of the seccomp fd and the command. */
function bwrapArgs(): string[] {
  const node = realpathSync(process.execPath);
  const projectRoot = findProjectRoot(CODE_ROOT);
  const binds: string[] = [];
  for (const dir of LIBRARY_DIRS) {
    const stat = lstatOrUndefined(dir);
    if (stat?.isSymbolicLink()) binds.push("--symlink", readlinkSync(dir), dir);
    else if (stat?.isDirectory()) binds.push("--ro-bind", dir, dir);
  }
  binds.push("--ro-bind", node, node);
  const code = [
    ...WORKER_CODE_DIRS.map((dir) => join(CODE_ROOT, dir)),
    join(CODE_ROOT, "package.json"),
    join(projectRoot, "node_modules"),
    join(projectRoot, "package.json"),
    // tsx reads it to strip types when the worker runs from source.
    join(projectRoot, "tsconfig.json"),
  ];
  for (const path of new Set(code)) if (existsSync(path)) binds.push("--ro-bind", path, path);
  return [
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--clearenv",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    ...binds,
    "--chdir",
    projectRoot,
  ];
}

/** bwrap builds the view on a tmpfs root: read-only once built, like /dev. After every bind. */
const SEAL_VIEW = ["--remount-ro", "/", "--remount-ro", "/dev"];

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules"))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
