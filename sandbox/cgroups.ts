/**
 * Memory and CPU limits for each sandbox worker process from the kernel's control groups: the
 * isolate bounds its heap and CPU time, a cgroup bounds the whole process (native allocations,
 * Buffers outside the heap, threads). Workers' cgroups are children of this process's own cgroup
 * (its delegated subtree), so the host's limits on the service keep holding them as well:
 * - cgroup v1 (these machines): writable `memory` and `cpu` hierarchies, one child in each;
 * - cgroup v2: a delegated subtree (systemd `Delegate=yes`) with the memory and cpu controllers.
 *
 * A worker joins its cgroup before anything of it runs: a shell writes its own pid (`0`) into the
 * cgroup, then execs the wrapper, so bwrap and everything it starts are born inside.
 */
import { spawnSync } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

/** What each worker process may use: resident memory and a share of one core. */
export interface WorkerResources {
  memoryBytes: number;
  /** Percent of one core (100 = one core, 50 = half of one). */
  cpuPercent: number;
}

export interface CgroupHost {
  version: 1 | 2;
  /** The folders workers' cgroups are made in: v1 one per controller, v2 the same folder twice. */
  memoryParent: string;
  cpuParent: string;
}

const CPU_PERIOD_US = 100_000;
/** Joins the cgroups named before `--` (each a `cgroup.procs` file), then runs the command after it. */
const JOIN_SCRIPT = 'while [ "$1" != -- ]; do echo 0 > "$1" || exit 125; shift; done; shift; exec "$@"';
let created = 0;

/** The cgroup folders this host lets this process make workers' cgroups in, or undefined. */
export function detectCgroups(): CgroupHost | undefined {
  let membership: string;
  let mounts: string;
  try {
    membership = readFileSync("/proc/self/cgroup", "utf8");
    mounts = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return undefined;
  }
  const own = new Map<string, string>();
  for (const line of membership.split("\n")) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path !== undefined) for (const controller of controllers!.split(",")) own.set(controller, path);
  }
  const dirOf = (want: string) => {
    for (const line of mounts.split("\n")) {
      const [before, after] = line.split(" - ");
      const [type, , options] = (after ?? "").split(" ");
      const [, , , root, mountPoint] = (before ?? "").split(" ");
      if (!root || !mountPoint) continue;
      const matches =
        want === "" ? type === "cgroup2" : type === "cgroup" && options!.split(",").includes(want);
      const path = own.get(want);
      if (!matches || path === undefined) continue;
      // A container's mount shows its cgroup as the root; paths in /proc/self/cgroup are the host's.
      if (!path.startsWith(root)) continue;
      return join(mountPoint, path.slice(root === "/" ? 0 : root.length));
    }
    return undefined;
  };
  const memory = dirOf("memory");
  const cpu = dirOf("cpu");
  if (
    memory &&
    cpu &&
    existsSync(join(memory, "memory.limit_in_bytes")) &&
    existsSync(join(cpu, "cpu.cfs_quota_us"))
  )
    return { version: 1, memoryParent: memory, cpuParent: cpu };
  const unified = dirOf("");
  if (unified && delegatedV2(unified)) return { version: 2, memoryParent: unified, cpuParent: unified };
  return undefined;
}

/**
 * A v2 subtree hands controllers to children only when it holds no process itself: this process
 * moves into a leaf of its own first, then enables memory and cpu for the children.
 */
function delegatedV2(dir: string): boolean {
  try {
    const controllers = readFileSync(join(dir, "cgroup.controllers"), "utf8").split(/\s+/);
    if (!controllers.includes("memory") || !controllers.includes("cpu")) return false;
    const enabled = readFileSync(join(dir, "cgroup.subtree_control"), "utf8").split(/\s+/);
    if (enabled.includes("memory") && enabled.includes("cpu")) return true;
    const leaf = join(dir, "aos-service");
    mkdirSync(leaf, { recursive: true });
    for (const pid of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean))
      writeFileSync(join(leaf, "cgroup.procs"), pid);
    writeFileSync(join(dir, "cgroup.subtree_control"), "+memory +cpu");
    return true;
  } catch {
    return false;
  }
}

/** One worker's cgroup (v1: one per controller), made before the worker starts and removed after. */
export class WorkerCgroup {
  private readonly dirs: string[];

  /**
   * @param owner the uid/gid the worker is spawned as, when not this process's: it must be able to
   *   write itself into the cgroup.
   */
  constructor(
    private readonly host: CgroupHost,
    resources: WorkerResources,
    owner?: { uid: number; gid: number },
  ) {
    const name = `aos-worker-${process.pid}-${++created}`;
    const memory = join(host.memoryParent, name);
    const cpu = join(host.cpuParent, name);
    this.dirs = memory === cpu ? [memory] : [memory, cpu];
    try {
      for (const dir of this.dirs) mkdirSync(dir);
      const quota = Math.max(1000, Math.round((resources.cpuPercent / 100) * CPU_PERIOD_US));
      if (host.version === 1) {
        writeFileSync(join(memory, "memory.limit_in_bytes"), String(resources.memoryBytes));
        // Without swap accounting's limit, a worker over its memory would swap instead of dying.
        const swap = join(memory, "memory.memsw.limit_in_bytes");
        if (existsSync(swap)) writeFileSync(swap, String(resources.memoryBytes));
        writeFileSync(join(cpu, "cpu.cfs_period_us"), String(CPU_PERIOD_US));
        writeFileSync(join(cpu, "cpu.cfs_quota_us"), String(quota));
      } else {
        writeFileSync(join(memory, "memory.max"), String(resources.memoryBytes));
        const swap = join(memory, "memory.swap.max");
        if (existsSync(swap)) writeFileSync(swap, "0");
        writeFileSync(join(cpu, "cpu.max"), `${quota} ${CPU_PERIOD_US}`);
      }
      if (owner) for (const dir of this.dirs) chownSync(join(dir, "cgroup.procs"), owner.uid, owner.gid);
    } catch (error) {
      void this.remove();
      throw error;
    }
  }

  /** The command that joins this cgroup, then runs `command args`. */
  wrap(command: string, args: readonly string[]): [string, string[]] {
    const procs = this.dirs.map((dir) => join(dir, "cgroup.procs"));
    return ["/bin/sh", ["-c", JOIN_SCRIPT, "sh", ...procs, "--", command, ...args]];
  }

  /** Whether the kernel killed a process of it for going over its memory. */
  get outOfMemory(): boolean {
    const file = join(this.dirs[0]!, this.host.version === 1 ? "memory.oom_control" : "memory.events");
    try {
      return /^oom_kill [1-9]/m.test(readFileSync(file, "utf8"));
    } catch {
      return false;
    }
  }

  /**
   * Removes the cgroup; settles once it is gone or the attempts ran out. The worker's exit comes
   * before the kernel has emptied its cgroup (the namespace's other processes die after it), so a
   * busy one is tried again for a while. The retries keep the process alive (at most 2 s): a node
   * stopping must not exit with a worker's cgroup still there.
   */
  async remove(attempts = 40): Promise<void> {
    for (let left = attempts; left > 0; left--) {
      const busy = this.dirs.filter((dir) => {
        try {
          rmdirSync(dir);
          return false;
        } catch (error) {
          return (error as NodeJS.ErrnoException).code === "EBUSY";
        }
      });
      this.dirs.splice(0, this.dirs.length, ...busy);
      if (busy.length === 0 || left === 1) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Whether a process exists and is not a zombie (a killed owner its parent has not reaped yet). */
function processLives(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  // "pid (comm) S ...": the state follows the last ")" (comm may hold one).
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}

/**
 * Removes the empty cgroups of workers whose gateway or runner is gone: one killed with SIGKILL
 * had no chance to. A cgroup still holding a process stays.
 */
export function sweepStaleCgroups(host: CgroupHost): void {
  for (const parent of new Set([host.memoryParent, host.cpuParent])) {
    let names: string[];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      const owner = /^aos-worker-(\d+)-\d+$/.exec(name)?.[1];
      if (!owner || processLives(Number(owner))) continue;
      try {
        rmdirSync(join(parent, name));
      } catch {
        // Still holding a process, or removed meanwhile by another sweep.
      }
    }
  }
}

/**
 * Whether a process spawned as `owner` can join a cgroup with these limits: the limits are
 * writable and the join works. Tried once, at start, with `/bin/true`.
 */
export function cgroupsWork(host: CgroupHost, owner?: { uid: number; gid: number }): boolean {
  let trial: WorkerCgroup | undefined;
  try {
    trial = new WorkerCgroup(host, { memoryBytes: 256 * 1024 * 1024, cpuPercent: 100 }, owner);
    const [command, args] = trial.wrap("/bin/true", []);
    const result = spawnSync(command, args, { env: {}, stdio: "ignore", ...(owner ?? {}), timeout: 10_000 });
    return result.status === 0;
  } catch {
    return false;
  } finally {
    void trial?.remove();
  }
}
