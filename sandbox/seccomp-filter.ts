/**
 * The seccomp filter of a sandbox worker, as the classic BPF program the kernel runs on every
 * system call (what `bwrap --seccomp FD` loads). Written here rather than by libseccomp: the rules
 * are few, this keeps the build free of a compiled helper, and the test reads the program back.
 *
 * It denies what a worker that runs V8 isolates and reads query results from its parent never
 * needs: creating processes (threads stay allowed: V8 and libuv start them with `clone` and
 * `CLONE_THREAD`), tracing others, mounting, new namespaces, kernel modules, BPF, keyrings,
 * io_uring (whose requests pass by seccomp), and sockets of any family but AF_UNIX. A denied call
 * fails with EPERM (ENOSYS for `clone3` and `io_uring_setup`, so glibc and libuv fall back to the
 * calls this filter can inspect); a call from another architecture's ABI kills the process.
 */
import { arch } from "node:process";

/** The kernel's constants (linux/seccomp.h, linux/audit.h, linux/filter.h). */
const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const EPERM = 1;
const ENOSYS = 38;
const AUDIT_ARCH_X86_64 = 0xc000003e;
const AUDIT_ARCH_AARCH64 = 0xc00000b7;
/** x32 system calls carry this bit on x86_64: denied, so no call escapes by its other number. */
const X32_SYSCALL_BIT = 0x40000000;
const CLONE_THREAD = 0x00010000;
const AF_UNIX = 1;

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_JSET_K = 0x45;
const BPF_RET_K = 0x06;
/** Offsets in `struct seccomp_data`: nr, arch, then args[] as 64-bit values (low half first on these little-endian machines). */
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const OFFSET_ARG0_LOW = 16;

type DeniedCall =
  | "fork"
  | "vfork"
  | "execveat"
  | "ptrace"
  | "process_vm_readv"
  | "process_vm_writev"
  | "mount"
  | "umount2"
  | "pivot_root"
  | "chroot"
  | "unshare"
  | "setns"
  | "open_tree"
  | "move_mount"
  | "fsopen"
  | "fsconfig"
  | "fsmount"
  | "fspick"
  | "mount_setattr"
  | "kexec_load"
  | "init_module"
  | "finit_module"
  | "delete_module"
  | "bpf"
  | "perf_event_open"
  | "userfaultfd"
  | "keyctl"
  | "add_key"
  | "request_key";

interface SyscallTable {
  auditArch: number;
  clone: number;
  clone3: number;
  socket: number;
  ioUringSetup: number;
  denied: Partial<Record<DeniedCall, number>>;
}

/** Numbers from the kernel's syscall tables (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h). */
const TABLES: Partial<Record<NodeJS.Architecture, SyscallTable>> = {
  x64: {
    auditArch: AUDIT_ARCH_X86_64,
    clone: 56,
    clone3: 435,
    socket: 41,
    ioUringSetup: 425,
    denied: {
      fork: 57,
      vfork: 58,
      execveat: 322,
      ptrace: 101,
      process_vm_readv: 310,
      process_vm_writev: 311,
      mount: 165,
      umount2: 166,
      pivot_root: 155,
      chroot: 161,
      unshare: 272,
      setns: 308,
      open_tree: 428,
      move_mount: 429,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      mount_setattr: 442,
      kexec_load: 246,
      init_module: 175,
      finit_module: 313,
      delete_module: 176,
      bpf: 321,
      perf_event_open: 298,
      userfaultfd: 323,
      keyctl: 250,
      add_key: 248,
      request_key: 249,
    },
  },
  arm64: {
    auditArch: AUDIT_ARCH_AARCH64,
    clone: 220,
    clone3: 435,
    socket: 198,
    ioUringSetup: 425,
    denied: {
      execveat: 281,
      ptrace: 117,
      process_vm_readv: 270,
      process_vm_writev: 271,
      mount: 40,
      umount2: 39,
      pivot_root: 41,
      chroot: 51,
      unshare: 97,
      setns: 268,
      open_tree: 428,
      move_mount: 429,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      mount_setattr: 442,
      kexec_load: 104,
      init_module: 105,
      finit_module: 273,
      delete_module: 106,
      bpf: 280,
      perf_event_open: 241,
      userfaultfd: 282,
      keyctl: 219,
      add_key: 217,
      request_key: 218,
    },
  },
};

interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const load = (offset: number): Instruction => ({ code: BPF_LD_W_ABS, jt: 0, jf: 0, k: offset });
const ret = (value: number): Instruction => ({ code: BPF_RET_K, jt: 0, jf: 0, k: value >>> 0 });
const DENY = ret(SECCOMP_RET_ERRNO | EPERM);
const NOT_THERE = ret(SECCOMP_RET_ERRNO | ENOSYS);
const ALLOW = ret(SECCOMP_RET_ALLOW);

/** Whether this machine's architecture has a filter (x86_64 and aarch64). */
export function seccompSupported(architecture: string = arch): boolean {
  return architecture in TABLES;
}

/**
 * The worker's filter for `architecture` as the bytes of a `struct sock_filter[]`, in the order
 * the kernel reads them (little-endian, the byte order of both supported machines).
 */
export function workerSeccompProgram(architecture: string = arch): Buffer {
  const table = TABLES[architecture as NodeJS.Architecture];
  if (!table) throw new Error(`no seccomp filter is written for the ${architecture} architecture`);
  const denied = Object.values(table.denied);
  // Laid out as: checks, then four shared endings. A check jumps forward to its ending by
  // counting the instructions between them.
  const checks: Array<Instruction | ((here: number, end: Endings) => Instruction)> = [
    load(OFFSET_ARCH),
    (here, end) => ({ code: BPF_JEQ_K, jt: 0, jf: end.kill - here - 1, k: table.auditArch }),
    load(OFFSET_NR),
    ...(table.auditArch === AUDIT_ARCH_X86_64
      ? [
          (here: number, end: Endings) => ({
            code: BPF_JGE_K,
            jt: end.deny - here - 1,
            jf: 0,
            k: X32_SYSCALL_BIT,
          }),
        ]
      : []),
    ...denied.map((nr) => (here: number, end: Endings) => ({
      code: BPF_JEQ_K,
      jt: end.deny - here - 1,
      jf: 0,
      k: nr,
    })),
    (here, end) => ({ code: BPF_JEQ_K, jt: end.notThere - here - 1, jf: 0, k: table.clone3 }),
    (here, end) => ({ code: BPF_JEQ_K, jt: end.notThere - here - 1, jf: 0, k: table.ioUringSetup }),
    // clone: a thread (CLONE_THREAD in its flags) is allowed, a new process is not.
    { code: BPF_JEQ_K, jt: 0, jf: 2, k: table.clone },
    load(OFFSET_ARG0_LOW),
    (here, end) => ({ code: BPF_JSET_K, jt: end.allow - here - 1, jf: end.deny - here - 1, k: CLONE_THREAD }),
    // socket: only AF_UNIX (what Node's own channels are); no IP, packet, netlink or other family.
    (here, end) => ({ code: BPF_JEQ_K, jt: 0, jf: end.allow - here - 1, k: table.socket }),
    load(OFFSET_ARG0_LOW),
    (here, end) => ({ code: BPF_JEQ_K, jt: end.allow - here - 1, jf: end.deny - here - 1, k: AF_UNIX }),
  ];
  const end: Endings = {
    allow: checks.length,
    deny: checks.length + 1,
    notThere: checks.length + 2,
    kill: checks.length + 3,
  };
  const program = [
    ...checks.map((check, here) => (typeof check === "function" ? check(here, end) : check)),
    ALLOW,
    DENY,
    NOT_THERE,
    ret(SECCOMP_RET_KILL_PROCESS),
  ];
  const bytes = Buffer.alloc(program.length * 8);
  program.forEach((instruction, i) => {
    if (instruction.jt > 255 || instruction.jf > 255) throw new Error("seccomp program jump out of range");
    bytes.writeUInt16LE(instruction.code, i * 8);
    bytes.writeUInt8(instruction.jt, i * 8 + 2);
    bytes.writeUInt8(instruction.jf, i * 8 + 3);
    bytes.writeUInt32LE(instruction.k, i * 8 + 4);
  });
  return bytes;
}

interface Endings {
  allow: number;
  deny: number;
  notThere: number;
  kill: number;
}
