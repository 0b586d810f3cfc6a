import { type ReactNode, useCallback, useEffect, useState } from "react";
import { errorMessage } from "../api.ts";
import { type MessageKey, useI18n } from "../i18n.ts";
import type { FigureAccuracy, OutputAccuracy } from "../types.ts";
import { AccuracyNote, NoisyFigure } from "./accuracy.tsx";

export type Loaded<T> =
  | { readonly state: "loading" }
  | { readonly state: "error"; readonly message: string }
  | { readonly state: "ready"; readonly value: T };

/** Loads once per change of `deps`; `reload` loads again. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): [Loaded<T>, () => void] {
  const [result, setResult] = useState<Loaded<T>>({ state: "loading" });
  const [round, setRound] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what the load depends on
  useEffect(() => {
    let live = true;
    setResult({ state: "loading" });
    load().then(
      (value) => live && setResult({ state: "ready", value }),
      (error: unknown) => live && setResult({ state: "error", message: errorMessage(error) }),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return [result, reload];
}

/** Shows loading, an error with what to do, or the content. */
export function Show<T>(props: { loaded: Loaded<T>; retry?: () => void; children: (value: T) => ReactNode }) {
  const { t } = useI18n();
  if (props.loaded.state === "loading")
    return (
      <p className="muted" role="status">
        {t("common.loading")}
      </p>
    );
  if (props.loaded.state === "error")
    return (
      <ErrorBox message={props.loaded.message}>
        {props.retry && (
          <button type="button" onClick={props.retry}>
            {t("common.retry")}
          </button>
        )}
      </ErrorBox>
    );
  return <>{props.children(props.loaded.value)}</>;
}

export function ErrorBox(props: { message: string; children?: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="error" role="alert">
      <strong>{t("common.error")}:</strong> {props.message} {props.children}
    </div>
  );
}

/** Switches the interface between Chinese and English. */
export function LanguageSwitch() {
  const { t, locale, setLocale } = useI18n();
  const other = locale === "en" ? "zh-CN" : "en";
  return (
    <button
      type="button"
      className="secondary"
      title={t("lang.switchLabel")}
      lang={other}
      onClick={() => setLocale(other)}
    >
      {t("lang.switch")}
    </button>
  );
}

export function StatusBadge(props: { status: string }) {
  const { t } = useI18n();
  const key = `status.${props.status}` as MessageKey;
  return <span className={`badge status-${props.status}`}>{t(key)}</span>;
}

type Cell = string | number | boolean | null;

/** A table of output rows, numbered from 1 as officers count them; `marked` rows (0-based) are highlighted. */
export function RowsTable(props: {
  rows: readonly Record<string, Cell>[];
  caption: string;
  marked?: ReadonlySet<number>;
  /** The accuracy of noisy figures (per column, per row): shown as ± their 95% interval. */
  accuracy?: OutputAccuracy | undefined;
}) {
  const { number, t } = useI18n();
  const columns = [...new Set(props.rows.flatMap((row) => Object.keys(row)))];
  const show = (value: Cell | undefined, figure: FigureAccuracy | null | undefined): ReactNode =>
    value === null || value === undefined ? (
      "—"
    ) : typeof value === "number" ? (
      figure ? (
        <NoisyFigure value={value} accuracy={figure} />
      ) : (
        number(value)
      )
    ) : (
      String(value)
    );
  return (
    <>
      <div className="table-wrap">
        <table className="rows-table">
          <caption>
            {props.caption} · {number(props.rows.length)} {t("common.rows")}
          </caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              {columns.map((column) => (
                <th scope="col" key={column}>
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row, index) => (
              // Output rows have no identity of their own: their position is what reasons refer to.
              // biome-ignore lint/suspicious/noArrayIndexKey: see above
              <tr key={index} className={props.marked?.has(index) ? "marked" : undefined}>
                <th scope="row">{index + 1}</th>
                {columns.map((column) => (
                  <td key={column} className={typeof row[column] === "number" ? "num" : undefined}>
                    {show(row[column], props.accuracy?.[column]?.[index])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {/* Outside the table's box, which may be as wide as the table: the note wraps to the page. */}
      {props.accuracy && <AccuracyNote accuracy={props.accuracy} />}
    </>
  );
}
