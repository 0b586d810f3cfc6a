import { PLAN_NOTES } from "../../policies/rewrite.ts";
import type { JobQuery } from "./policy-port.ts";

/** What a query event tells the operator: the verdict's names and counts; nothing row-level once tainted. */
export function queryEvent(query: JobQuery, tainted: boolean): Record<string, unknown> {
  if (query.error)
    return { index: query.index, ok: false, code: query.error.code, detail: query.error.detail };
  const v = query.verdict!;
  return {
    index: query.index,
    ok: true,
    kind: v.kind,
    datasets: v.datasets,
    rewrites: v.rewrites.filter((r) => !PLAN_NOTES.has(r)),
    epsilonCharged: v.epsilonCharged,
    cached: v.cached,
    ...(v.suppressionDisclosable ? { suppressedGroups: v.suppressedGroups } : {}),
    ...(tainted ? {} : { rows: v.rowsReturned }),
  };
}
