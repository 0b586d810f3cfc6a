/**
 * What the benchmarks read about the processes they measure, from /proc (Linux): the figures are
 * the kernel's, not what a process says of itself.
 */
import { readFileSync } from "node:fs";

/** Resident set size of a process, bytes (VmRSS of /proc/<pid>/status); 0 when it is gone. */
export function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export const MB = 1024 * 1024;
