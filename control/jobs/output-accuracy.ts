import type { FigureAccuracy } from "../../policies/accuracy.ts";
import type { QueryAnswer } from "../query-service.ts";
import type { OutputAccuracy, OutputTable } from "./model.ts";

/**
 * Carries the accuracy of noisy figures from the query answers a script received to the outputs
 * it returned. A script may pass figures through or compute new ones; only a figure it passed
 * through unchanged keeps a statement of accuracy: an output row holding a whole answer row (the
 * same columns with the same values, whatever else it adds) takes that row's accuracy, and a value
 * that is not an integer (noisy sums and means sit on fine grids, so they do not collide by
 * chance) takes its accuracy under any name. A lone integer under a known name is not enough: a
 * count of 118 from an exact query would match a noisy 118 of another. A figure the script
 * computed carries none, and readers are told so (docs/accuracy.md).
 *
 * Nothing here reads data: it compares released values with released values.
 */
export class NoiseRegister {
  /** Per set of answer columns: each noisy answer row, by its values, with its cells' accuracy. */
  private readonly byRow = new Map<
    string,
    { columns: string[]; rows: Map<string, (FigureAccuracy | null)[]> }
  >();
  private readonly byValue = new Map<number, FigureAccuracy>();

  /** Notes the noisy figures of one answer. */
  record(answer: Pick<QueryAnswer, "columns" | "rows" | "accuracy">): void {
    if (!answer.accuracy) return;
    const columns = answer.columns.map((c) => c.name);
    const set = this.byRow.get(columns.join("\u0000")) ?? { columns, rows: new Map() };
    this.byRow.set(columns.join("\u0000"), set);
    answer.rows.forEach((row, r) => {
      const figures = answer.accuracy?.[r];
      if (!figures?.some((f) => f !== null)) return;
      const key = JSON.stringify(row);
      const known = set.rows.get(key);
      set.rows.set(
        key,
        figures.map((f, c) => wider(known?.[c] ?? null, f)),
      );
      row.forEach((value, c) => {
        const figure = figures[c];
        if (figure && typeof value === "number" && !Number.isInteger(value))
          this.byValue.set(value, wider(this.byValue.get(value) ?? null, figure)!);
      });
    });
  }

  /** The accuracy of each output's noisy cells; undefined when no output holds a noisy figure. */
  annotate(outputs: Readonly<Record<string, OutputTable>>): Record<string, OutputAccuracy> | undefined {
    if (this.byRow.size === 0) return undefined;
    const annotated: Record<string, OutputAccuracy> = {};
    for (const [name, rows] of Object.entries(outputs)) {
      const columns: OutputAccuracy = {};
      rows.forEach((row, r) => {
        for (const [column, figure] of this.figuresOf(row)) {
          columns[column] ??= rows.map(() => null);
          columns[column]![r] = figure;
        }
      });
      if (Object.keys(columns).length > 0) annotated[name] = columns;
    }
    return Object.keys(annotated).length > 0 ? annotated : undefined;
  }

  /** The noisy figures of one output row, by column. */
  private figuresOf(row: Readonly<Record<string, unknown>>): Map<string, FigureAccuracy> {
    const found = new Map<string, FigureAccuracy>();
    for (const { columns, rows } of this.byRow.values()) {
      if (!columns.every((c) => Object.hasOwn(row, c))) continue;
      const figures = rows.get(JSON.stringify(columns.map((c) => row[c])));
      figures?.forEach((figure, c) => {
        const kept = wider(found.get(columns[c]!) ?? null, figure);
        if (kept) found.set(columns[c]!, kept);
      });
    }
    for (const [column, value] of Object.entries(row)) {
      const figure = typeof value === "number" && !found.has(column) ? this.byValue.get(value) : undefined;
      if (figure) found.set(column, figure);
    }
    return found;
  }
}

/** Two answers that released the same value: the wider interval is the honest one. */
function wider(known: FigureAccuracy | null, figure: FigureAccuracy | null): FigureAccuracy | null {
  if (!known) return figure;
  if (!figure) return known;
  return known.ci95 < figure.ci95 ? figure : known;
}
