import { useI18n } from "../i18n.ts";
import type { FigureAccuracy, OutputAccuracy } from "../types.ts";

/** A half-width as people read it: two significant digits (±48, ±310, ±0.37). */
export function roundedHalfWidth(ci95: number): number {
  return ci95 > 0 ? Number(ci95.toPrecision(2)) : 0;
}

/**
 * A noisy figure with its 95% interval: "12,340 ±48". The figure arrives already rounded to what
 * it can claim; the interval's words are read out by screen readers, the ± is what eyes see.
 */
export function NoisyFigure(props: { value: number; accuracy: FigureAccuracy }) {
  const { number, t } = useI18n();
  const half = roundedHalfWidth(props.accuracy.ci95);
  return (
    <span className="noisy">
      {number(props.value)}{" "}
      <span className="ci" aria-hidden="true">
        ±{number(half)}
      </span>
      <span className="sr-only">{t("accuracy.interval", { half: number(half) })}</span>
    </span>
  );
}

/**
 * The note under a table with noisy columns: what ± means, each column's noise scale, and the
 * bounds a column's figures were computed under (they can move a figure beyond its interval).
 */
export function AccuracyNote(props: { accuracy: OutputAccuracy }) {
  const { number, t } = useI18n();
  const columns = Object.entries(props.accuracy);
  if (columns.length === 0) return null;
  const rules = (bounds: NonNullable<FigureAccuracy["bounded"]>): string =>
    [
      ...(bounds.values
        ? [t("accuracy.values", { lo: number(bounds.values[0]), hi: number(bounds.values[1]) })]
        : []),
      ...(bounds.rowsPerUnit === undefined
        ? []
        : [t("accuracy.rowsPerUnit", { rows: number(bounds.rowsPerUnit) })]),
      ...(bounds.unitTotal === undefined
        ? []
        : [t("accuracy.unitTotal", { total: number(bounds.unitTotal) })]),
      ...(bounds.oneGroupPerUnit ? [t("accuracy.oneGroup")] : []),
    ].join(t("accuracy.ruleSeparator"));
  const bounded = columns.flatMap(([column, figures]) => {
    const stated = new Set(figures.filter((f) => f !== null).map((f) => JSON.stringify(f.bounded ?? null)));
    const [only] = stated;
    const bounds = stated.size === 1 && only ? (JSON.parse(only) as FigureAccuracy["bounded"] | null) : null;
    return bounds ? [t("accuracy.bounded", { column, rules: rules(bounds) })] : [];
  });
  return (
    <p className="muted small accuracy-note">
      {t("accuracy.note")}{" "}
      {columns
        .map(([column, figures]) => {
          const scales = new Set(figures.filter((f) => f !== null).map((f) => f.scale));
          const [scale] = scales;
          return scales.size === 1 && typeof scale === "number"
            ? t("accuracy.scale", { column, scale: number(scale, 2) })
            : t("accuracy.ratio", { column });
        })
        .join(t("accuracy.separator"))}
      {bounded.length > 0 ? ` ${bounded.join(t("accuracy.separator"))}` : null}
    </p>
  );
}
