import type { OutputAccuracy, OutputTable } from "../types.ts";

/** What an output table can be drawn as: categories along the x axis, one series per numeric column. */
export interface ChartPlan {
  readonly kind: "bar" | "line";
  readonly x: string;
  readonly categories: readonly string[];
  readonly series: readonly {
    readonly name: string;
    readonly values: readonly (number | null)[];
    /** Per value, the half-width of its 95% interval when it is a noisy figure. */
    readonly ci95: readonly (number | null)[];
  }[];
}

const DATE_OR_MONTH = /^\d{4}-\d{2}(-\d{2})?([T ][\d:.]+Z?)?$/;

/**
 * A chart for a table with exactly one text or date column and one or more numeric columns (nulls
 * allowed, e.g. suppressed cells); null for any other table. Dates and months make a line chart.
 */
export function chartPlan(rows: OutputTable, accuracy?: OutputAccuracy): ChartPlan | null {
  if (rows.length < 2) return null;
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const numeric: string[] = [];
  const text: string[] = [];
  for (const column of columns) {
    const values = rows.map((row) => row[column] ?? null);
    if (values.every((v) => v === null || typeof v === "number") && values.some((v) => v !== null))
      numeric.push(column);
    else if (values.every((v) => typeof v === "string")) text.push(column);
    else return null;
  }
  const x = text[0];
  if (text.length !== 1 || x === undefined || numeric.length === 0) return null;
  const categories = rows.map((row) => String(row[x]));
  const dated = categories.every((c) => DATE_OR_MONTH.test(c));
  const order = rows.map((_, i) => i);
  // A time line reads left to right in time, whatever order the script returned.
  if (dated) order.sort((a, b) => categories[a]!.localeCompare(categories[b]!));
  return {
    kind: dated ? "line" : "bar",
    x,
    categories: order.map((i) => categories[i]!),
    series: numeric.map((name) => ({
      name,
      values: order.map((i) => {
        const value = rows[i]![name];
        return typeof value === "number" ? value : null;
      }),
      ci95: order.map((i) => accuracy?.[name]?.[i]?.ci95 ?? null),
    })),
  };
}
