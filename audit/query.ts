import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import { AuditEntry } from "./entry.ts";
import { readLogLines } from "./log-lines.ts";

const Instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/**
 * What auditors filter the log by (`GET /v1/audit?...`). All given conditions must hold. `type` is an
 * exact type or a family (`license.*`); `from` is inclusive, `to` exclusive; `after` and `limit`
 * page through results by position.
 *
 * @example
 * const filter = AuditFilter.parse({ license: "lic_1", type: "output.*", from: "2026-03-01" });
 */
export const AuditFilter = z.strictObject({
  from: Instant.optional(),
  to: Instant.optional(),
  job: z.string().min(1).optional(),
  operator: z.string().min(1).optional(),
  license: z.string().min(1).optional(),
  dataset: z.string().min(1).optional(),
  type: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** Only entries with a position greater than this. */
  after: z.number().int().min(-1).optional(),
  limit: z.number().int().positive().optional(),
});
export type AuditFilter = z.input<typeof AuditFilter>;
export type ValidAuditFilter = z.output<typeof AuditFilter>;

/** Whether an entry passes a filter (already validated with `AuditFilter`). */
export function matchesAuditFilter(entry: AuditEntry, filter: ValidAuditFilter): boolean {
  const time = Date.parse(entry.time);
  if (filter.from !== undefined && time < Date.parse(filter.from)) return false;
  if (filter.to !== undefined && time >= Date.parse(filter.to)) return false;
  if (filter.after !== undefined && entry.position <= filter.after) return false;
  const { subjects } = entry;
  if (filter.job !== undefined && subjects.job !== filter.job) return false;
  if (filter.operator !== undefined && subjects.operator !== filter.operator) return false;
  if (filter.license !== undefined && subjects.license !== filter.license) return false;
  if (filter.dataset !== undefined && !(subjects.datasets ?? []).includes(filter.dataset)) return false;
  if (filter.type !== undefined) {
    const types = Array.isArray(filter.type) ? filter.type : [filter.type];
    if (!types.some((type) => typeMatches(entry.type, type))) return false;
  }
  return true;
}

function typeMatches(type: string, pattern: string): boolean {
  return pattern.endsWith(".*") ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}

/**
 * Streams the entries of a log file that match a filter, oldest first. Reads at most `end` bytes
 * (the ledger passes its durable size) from the offset `seek` picks for the filter (the ledger's
 * sparse index; 0 without one). Entry times never decrease, so a scan stops at `to`.
 * A line that is not a well-formed entry stops the scan with `DomainError("INTERNAL")`: a damaged
 * log is for `verifyAuditLog` to explain, not for a query to skip silently.
 *
 * @example
 * for await (const entry of queryAuditLog("data/audit.log", { job: "job_1" })) console.log(entry.type);
 */
export async function* queryAuditLog(
  file: string,
  filter: AuditFilter = {},
  options: { readonly end?: number; readonly seek?: (filter: ValidAuditFilter) => number } = {},
): AsyncGenerator<AuditEntry> {
  const valid = AuditFilter.parse(filter);
  const to = valid.to === undefined ? undefined : Date.parse(valid.to);
  let found = 0;
  for await (const line of readLogLines(file, options.end, options.seek?.(valid) ?? 0)) {
    if (!line.complete) return;
    const entry = parseEntry(line.text, line.offset);
    if (to !== undefined && Date.parse(entry.time) >= to) return;
    if (!matchesAuditFilter(entry, valid)) continue;
    yield entry;
    found += 1;
    if (valid.limit !== undefined && found >= valid.limit) return;
  }
}

function parseEntry(text: string, offset: number): AuditEntry {
  try {
    return AuditEntry.parse(JSON.parse(text));
  } catch {
    throw new DomainError("INTERNAL", `the audit log holds a malformed line at byte ${offset}`);
  }
}
