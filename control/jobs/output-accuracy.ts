import type { FigureAccuracy } from "../../policies/accuracy.ts";
import type { QueryAnswer } from "../query-service.ts";
import type { OutputAccuracy, OutputTable } from "./model.ts";

/**
 * Carries the accuracy of noisy figures from the query answers a script received to the outputs
 * it returned. A script may pass figures through or compute new ones; only a figure it passed
 * through unchanged keeps a statement of accuracy: an output cell is annotated when its value is
 * one the engine released as noisy under the same column name, or, for a value that is not an
 * integer (noisy sums and means sit on fine grids, so they do not collide by chance), under any
 * name. A figure the script computed carries none, and readers are told so (docs/accuracy.md).
 *
 * Nothing here reads data: it compares released values with released values.
 */
export class NoiseRegister {
  private readonly byColumn = new Map<string, Map<number, FigureAccuracy>>();
  private readonly byValue = new Map<number, FigureAccuracy>();

  /** Notes the noisy figures of one answer. */
  record(answer: Pick<QueryAnswer, "columns" | "rows" | "accuracy">): void {
    if (!answer.accuracy) return;
    answer.rows.forEach((row, r) => {
      row.forEach((value, c) => {
        const figure = answer.accuracy?.[r]?.[c];
        if (!figure || typeof value !== "number") return;
        const name = answer.columns[c]!.name;
        const column = this.byColumn.get(name) ?? new Map<number, FigureAccuracy>();
        this.byColumn.set(name, column);
        keepWidest(column, value, figure);
        if (!Number.isInteger(value)) keepWidest(this.byValue, value, figure);
      });
    });
  }

  /** The accuracy of each output's noisy cells; undefined when no output holds a noisy figure. */
  annotate(outputs: Readonly<Record<string, OutputTable>>): Record<string, OutputAccuracy> | undefined {
    if (this.byColumn.size === 0) return undefined;
    const annotated: Record<string, OutputAccuracy> = {};
    for (const [name, rows] of Object.entries(outputs)) {
      const columns: OutputAccuracy = {};
      for (const column of new Set(rows.flatMap((row) => Object.keys(row)))) {
        const figures = rows.map((row) => this.lookup(column, row[column]));
        if (figures.some((figure) => figure !== null)) columns[column] = figures;
      }
      if (Object.keys(columns).length > 0) annotated[name] = columns;
    }
    return Object.keys(annotated).length > 0 ? annotated : undefined;
  }

  private lookup(column: string, value: unknown): FigureAccuracy | null {
    if (typeof value !== "number") return null;
    return this.byColumn.get(column)?.get(value) ?? this.byValue.get(value) ?? null;
  }
}

/** Two answers that released the same value under one name: the wider interval is the honest one. */
function keepWidest(map: Map<number, FigureAccuracy>, value: number, figure: FigureAccuracy): void {
  const known = map.get(value);
  if (!known || known.ci95 < figure.ci95) map.set(value, figure);
}
