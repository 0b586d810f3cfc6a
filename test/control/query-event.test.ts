import { describe, expect, it } from "vitest";
import type { JobQuery } from "../../control/jobs/policy-port.ts";
import { queryEvent } from "../../control/jobs/query-event.ts";

describe("query events shown to the operator", () => {
  it("name the rules enforced, not the shortcuts facts about the real data allowed", () => {
    const query = {
      index: 1,
      sql: "SELECT district, count(*) FROM population GROUP BY district",
      verdict: {
        kind: "aggregate",
        datasets: ["population"],
        rewrites: [
          "count_distinct_units",
          "contribution_bound:1",
          "unit_unique_per_row",
          "unit_rows_within_bound",
          "threshold:10",
        ],
        epsilonCharged: 0.5,
        cached: false,
        suppressionDisclosable: false,
        suppressedGroups: 0,
        rowsReturned: 9,
      },
    } as unknown as JobQuery;
    expect(queryEvent(query, false).rewrites).toEqual([
      "count_distinct_units",
      "contribution_bound:1",
      "threshold:10",
    ]);
  });
});
