/**
 * Component tests of the console's tricky widgets, rendered by React itself (server rendering, no
 * browser): the noisy-figure display, the policy diff view and a settlement statement's lines and
 * verification. The browser tests cover the pages.
 */
import { createElement, type ReactElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { AccuracyNote, NoisyFigure, roundedHalfWidth } from "../../console/src/components/accuracy.tsx";
import { RowsTable } from "../../console/src/components/common.tsx";
import { chartPlan } from "../../console/src/components/OperatorChartPlan.ts";
import {
  DigestText,
  StatementLines,
  StatementVerificationReport,
} from "../../console/src/components/statements.tsx";
import { I18nContext, makeI18n } from "../../console/src/i18n.ts";
import { PolicyChangeLine } from "../../console/src/pages/GovernanceAudit.tsx";
import type { StatementBody } from "../../console/src/types-settlement.ts";

function render(element: ReactElement, locale: "zh-CN" | "en" = "en"): string {
  return renderToStaticMarkup(
    createElement(I18nContext.Provider, { value: makeI18n(locale, () => undefined) }, element),
  );
}

/** The text a reader sees (tags dropped, entities decoded where they matter here). */
const text = (html: string): string => html.replace(/<[^>]+>/g, "").replaceAll("&#x27;", "'");

describe("noisy figure display", () => {
  it("shows a figure with ± its 95% half-width in two significant digits, and says so to screen readers", () => {
    const html = render(createElement(NoisyFigure, { value: 12_340, accuracy: { scale: 16.5, ci95: 48.3 } }));
    expect(html).toContain('<span class="ci" aria-hidden="true">±48</span>');
    expect(text(html)).toContain("12,340 ±48");
    expect(html).toContain('<span class="sr-only"> (95% interval ±48)</span>');
    expect(roundedHalfWidth(2_123.4)).toBe(2_100);
    expect(roundedHalfWidth(0.3712)).toBe(0.37);
    expect(roundedHalfWidth(0)).toBe(0);
  });

  it("writes numbers the way the chosen language reads them", () => {
    const html = render(
      createElement(NoisyFigure, { value: 1_234_567.5, accuracy: { scale: null, ci95: 3_456 } }),
      "zh-CN",
    );
    expect(text(html)).toContain("1,234,567.5 ±3,500");
    expect(text(html)).toContain("95% 置信区间 ±3,500");
  });

  it("marks only the noisy cells of a table, leaves exact and computed ones plain, and explains ± beneath", () => {
    const rows = [
      { district: "朝阳区", n: 1230, share: 0.51 },
      { district: "海淀区", n: null, share: 0.49 },
    ];
    const accuracy = { n: [{ scale: 16.5, ci95: 48 }, null] };
    const html = render(createElement(RowsTable, { rows, caption: "by_district", accuracy }));
    const cells = [...html.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => text(m[1]!));
    expect(cells).toEqual(["朝阳区", "1,230 ±48 (95% interval ±48)", "0.51", "海淀区", "—", "0.49"]);
    expect(text(html)).toContain("± is the half-width of the 95% interval");
    expect(text(html)).toContain("n: noise scale 16.5");
    expect(render(createElement(RowsTable, { rows, caption: "plain" }))).not.toContain("±");
  });

  it("names a mean's column a ratio (its interval differs by row), not a single noise scale", () => {
    const html = render(
      createElement(AccuracyNote, {
        accuracy: {
          mean_income: [
            { scale: null, ci95: 310 },
            { scale: null, ci95: 2_100 },
          ],
        },
      }),
    );
    expect(text(html)).toContain("mean_income: a ratio of two noisy figures (interval per row)");
  });

  it("says the bounds a column's figures were computed under, which the interval does not cover", () => {
    const bounded = { values: [0, 200_000] as [number, number], rowsPerUnit: 40, unitTotal: 200_000 };
    const html = render(
      createElement(AccuracyNote, {
        accuracy: {
          total: [
            { scale: 5_000, ci95: 15_000, bounded },
            { scale: 5_000, ci95: 15_000, bounded },
          ],
          visits: [{ scale: 200, ci95: 600 }, null],
        },
      }),
    );
    expect(text(html)).toContain(
      "total is computed under these bounds, and reads low where the data exceed them (beyond the ± interval): each value counted within [0, 200,000], at most 40 rows of each unit, at most 200,000 of each unit in all",
    );
    expect(text(html)).not.toContain("visits is computed under");
  });

  it("carries each charted value's interval into the chart plan, in the chart's order", () => {
    const plan = chartPlan(
      [
        { month: "2025-02", kwh: 20 },
        { month: "2025-01", kwh: 10 },
      ],
      { kwh: [{ scale: 4, ci95: 12 }, null] },
    );
    expect(plan?.categories).toEqual(["2025-01", "2025-02"]);
    expect(plan?.series[0]).toEqual({ name: "kwh", values: [10, 20], ci95: [null, 12] });
  });
});

describe("policy diff view", () => {
  it("shows a changed rule as before → after, struck and inserted, with words for screen readers", () => {
    const html = render(
      createElement(PolicyChangeLine, {
        change: { kind: "changed", path: "columns.annual_income.bounds.hi", before: 500_000, after: 800_000 },
      }),
    );
    expect(html).toContain('data-path="columns.annual_income.bounds.hi"');
    expect(html).toMatch(
      /<del class="mono gov-before"><span class="sr-only">[^<]+: <\/span>500000<\/del> → <ins/,
    );
    expect(html).toMatch(/<ins class="mono gov-after"><span class="sr-only">[^<]+: <\/span>800000<\/ins>/);
  });

  it("shows an added rule with no before and a removed one with no after; values that are objects as JSON", () => {
    const added = render(
      createElement(PolicyChangeLine, {
        change: { kind: "added", path: "columns.x", after: { rule: "aggregate" } },
      }),
    );
    expect(added).not.toContain("<del");
    expect(added).toContain("{&quot;rule&quot;:&quot;aggregate&quot;}</ins>");
    const removed = render(
      createElement(PolicyChangeLine, { change: { kind: "removed", path: "columns.y", before: "open" } }),
    );
    expect(removed).not.toContain("<ins");
    expect(removed).toContain("open</del>");
  });
});

describe("settlement statement view", () => {
  const hex = "ab".repeat(32);
  const body = (party: StatementBody["party"], lines: StatementBody["lines"]): StatementBody =>
    ({
      type: "aos.settlement-statement",
      version: 1,
      period: "2026-11",
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-12-01T00:00:00.000Z",
      currency: "CNY",
      tariffVersions: [1],
      jobs: { count: 3, sm3: hex },
      totals: { jobs: 3, rowsScanned: 12_500, chargeFen: 1_234, charge: "12.34" },
      key: `sm3:${hex}`,
      party,
      lines,
    }) as StatementBody;
  /** The text of each row's cells, header and footer rows included. */
  const rows = (html: string) =>
    [...html.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((row) =>
      [...row[1]!.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((cell) => text(cell[1]!)),
    );

  it("names a digest by its algorithm, shortened in lists and whole on the statement", () => {
    const short = render(createElement(DigestText, { digest: { sm3: hex }, short: true }));
    expect(text(short)).toBe(`sm3:${hex.slice(0, 12)}…`);
    expect(short).toContain(`title="sm3:${hex}"`);
    expect(text(render(createElement(DigestText, { digest: { sha256: hex } })))).toBe(`sha256:${hex}`);
  });

  it("shows an operator's lines per license and dataset, a line without a dataset in words, and the totals", () => {
    const html = render(
      createElement(StatementLines, {
        body: body({ kind: "operator", id: "ope_1" }, [
          {
            license: "lic_a",
            dataset: "air_quality",
            holder: "Ecology Bureau",
            basis: "rows_scanned",
            jobs: 2,
            rowsScanned: 12_500,
            chargeFen: 1_134,
            charge: "11.34",
          },
          {
            license: "lic_a",
            dataset: null,
            holder: null,
            basis: "even",
            jobs: 1,
            rowsScanned: 0,
            chargeFen: 100,
            charge: "1.00",
          },
        ]),
      }),
    );
    expect(rows(html)).toEqual([
      ["License", "Dataset", "Holder", "Divided", "Jobs", "Rows scanned", "Charge (CNY)"],
      ["lic_a", "air_quality", "Ecology Bureau", "by rows scanned", "2", "12,500", "¥11.34"],
      ["lic_a", "no dataset read", "—", "evenly", "1", "0", "¥1.00"],
      ["Total", "3", "12,500", "¥12.34"],
    ]);
    expect(html).toContain("<caption>Lines of 2026-11</caption>");
  });

  it("shows a holder department's lines per dataset and operator, in Chinese too", () => {
    const html = render(
      createElement(StatementLines, {
        body: body({ kind: "holder", id: "生态环境局" }, [
          {
            dataset: "air_quality",
            operator: "ope_1",
            basis: "rows_scanned",
            jobs: 3,
            rowsScanned: 12_500,
            chargeFen: 1_234,
            charge: "12.34",
          },
        ]),
      }),
      "zh-CN",
    );
    expect(rows(html)).toEqual([
      ["数据集", "开发主体", "分摊依据", "作业数", "扫描行数", "金额（元）"],
      ["air_quality", "ope_1", "按扫描行数", "3", "12,500", "¥12.34"],
      ["合计", "3", "12,500", "¥12.34"],
    ]);
  });

  it("shows each check of a verification passed or failed with its detail, and the figures that differ", () => {
    const html = render(
      createElement(StatementVerificationReport, {
        verification: {
          valid: false,
          reason: "recompute check failed: 1 figure differs",
          checks: [
            { check: "signature", ok: true, detail: "the domain key's signature over the body verifies" },
            { check: "recompute", ok: false, detail: "1 figure differs" },
          ],
          differences: [{ path: "lines[1].chargeFen", issued: 150, recomputed: 156 }],
        },
      }),
    );
    expect(html).toContain('data-valid="false"');
    expect(text(html)).toContain("The statement failed verification: 1 check(s) failed.");
    expect(html).toContain('data-check="signature" data-ok="true"');
    expect(text(html)).toContain(
      "✓ passed Signature (signature): the domain key's signature over the body verifies",
    );
    expect(text(html)).toContain("✗ failed Recomputation (recompute): 1 figure differs");
    expect(rows(html)).toEqual([
      ["Where", "Issued", "Recomputed"],
      ["lines[1].chargeFen", "150", "156"],
    ]);
    const valid = render(
      createElement(StatementVerificationReport, {
        verification: { valid: true, checks: [{ check: "hash", ok: true, detail: "ok" }], differences: [] },
      }),
    );
    expect(text(valid)).toContain("Every figure recomputed is the one issued.");
    expect(valid).not.toContain("<table");
  });
});
