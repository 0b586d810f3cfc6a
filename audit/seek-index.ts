import type { ValidAuditFilter } from "./query.ts";

interface SeekPoint {
  readonly position: number;
  readonly time: number;
  readonly offset: number;
}

/**
 * A sparse index of the log: position, time and byte offset of every `every`-th entry (about
 * 4 000 points per million entries). Positions increase and times never decrease, so a query
 * with `from` or `after` can start reading at the last point before its range instead of at byte 0.
 * Per-subject indexes (job, operator…) would cost memory per entry; those queries still scan.
 *
 * @example
 * const index = new AuditSeekIndex();
 * index.record(entry.position, Date.parse(entry.time), offset);
 * const start = index.offsetFor(AuditFilter.parse({ from: "2026-03-01" }));
 */
export class AuditSeekIndex {
  private readonly points: SeekPoint[] = [];

  constructor(private readonly every = 256) {}

  /** Notes an entry; only every `every`-th position is kept. */
  record(position: number, time: number, offset: number): void {
    if (position % this.every === 0) this.points.push({ position, time, offset });
  }

  /** A byte offset from which a scan misses no entry matching the filter. */
  offsetFor(filter: ValidAuditFilter): number {
    const from = filter.from === undefined ? undefined : Date.parse(filter.from);
    if (from === undefined && filter.after === undefined) return 0;
    let offset = 0;
    for (const point of this.points) {
      // Every entry before the point is no later and no further on than the point itself.
      const beforeFrom = from === undefined || point.time < from;
      const beforeAfter = filter.after === undefined || point.position <= filter.after + 1;
      if (!beforeFrom || !beforeAfter) break;
      offset = point.offset;
    }
    return offset;
  }
}
