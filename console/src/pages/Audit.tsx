import { type FormEvent, useState } from "react";
import { api } from "../api.ts";
import { Show, useLoad } from "../components/common.tsx";
import { Pager, useCursorPages } from "../components/page.tsx";
import { type MessageKey, useI18n } from "../i18n.ts";
import type { AuditEntry, AuditVerification } from "../types.ts";

const FILTERS = ["type", "job", "operator", "license", "dataset", "from", "to"] as const;
type Filter = (typeof FILTERS)[number];
type Filters = Partial<Record<Filter, string>>;

const PAGE_SIZE = 25;

export function AuditPage() {
  const { t } = useI18n();
  const [verification, reverify] = useLoad(() => api<AuditVerification>("/v1/audit/verify"), []);
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">{t("audit.title")}</h1>
      <h2>{t("audit.verifyTitle")}</h2>
      <Show loaded={verification} retry={reverify}>
        {(state) => <VerificationState state={state} />}
      </Show>
      <AuditLog />
    </section>
  );
}

function VerificationState(props: { state: AuditVerification }) {
  const { t, number, dateTime } = useI18n();
  const { state } = props;
  return (
    <div className={state.valid ? "verify ok" : "verify bad"} data-valid={String(state.valid)} role="status">
      <p>
        <strong>{state.valid ? "✓ " : "✗ "}</strong>
        {state.valid ? t("audit.valid") : t("audit.invalid", { pos: state.firstBad ?? "?" })}
      </p>
      <dl className="facts">
        <dt>{t("audit.entries")}</dt>
        <dd>{number(state.entries)}</dd>
        {state.lastCheckpoint && (
          <>
            <dt>{t("audit.lastCheckpoint")}</dt>
            <dd>
              #{state.lastCheckpoint.position} · {dateTime(state.lastCheckpoint.time)} ·{" "}
              <span className="mono small">{state.lastCheckpoint.hash.slice(0, 16)}…</span>
            </dd>
          </>
        )}
        {state.head && (
          <>
            <dt>{t("audit.head")}</dt>
            <dd>
              #{state.head.position} · {dateTime(state.head.time)}
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}

function AuditLog() {
  const { t, dateTime } = useI18n();
  const [draft, setDraft] = useState<Filters>({});
  const [filters, setFilters] = useState<Filters>({});
  // Pages go on by the `after` value of the page before.
  const pages = useCursorPages<number>();
  const after = pages.cursor;
  const [loaded, reload] = useLoad(
    () =>
      api<{ entries: AuditEntry[]; next: number | null }>("/v1/audit", {
        query: { ...filters, limit: PAGE_SIZE, after },
      }),
    [JSON.stringify(filters), after],
  );
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const chosen: Filters = {};
    for (const name of FILTERS) {
      const value = draft[name]?.trim();
      if (!value) continue;
      // datetime-local is the officer's local time; the API takes an instant.
      chosen[name] = name === "from" || name === "to" ? new Date(value).toISOString() : value;
    }
    setFilters(chosen);
    pages.first();
  };
  const clear = () => {
    setDraft({});
    setFilters({});
    pages.first();
  };
  return (
    <>
      <form className="filters" onSubmit={apply} aria-labelledby="filters-title">
        <h2 id="filters-title">{t("audit.filters")}</h2>
        <div className="filter-grid">
          {FILTERS.map((name) => (
            <div key={name}>
              <label htmlFor={`audit-${name}`}>{t(`audit.${name}` as MessageKey)}</label>
              <input
                id={`audit-${name}`}
                name={name}
                type={name === "from" || name === "to" ? "datetime-local" : "text"}
                value={draft[name] ?? ""}
                placeholder={name === "type" ? "job.*" : undefined}
                onChange={(e) => setDraft({ ...draft, [name]: e.target.value })}
              />
            </div>
          ))}
        </div>
        <div className="actions">
          <button type="submit">{t("audit.apply")}</button>
          <button type="button" className="secondary" onClick={clear}>
            {t("audit.clear")}
          </button>
        </div>
      </form>
      <Show loaded={loaded} retry={reload}>
        {({ entries, next }) => (
          <>
            {entries.length === 0 ? (
              <p>{t("audit.empty")}</p>
            ) : (
              <div className="table-wrap">
                <table className="audit stacked">
                  <caption>{t("common.page", { n: pages.number })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("audit.position")}</th>
                      <th scope="col">{t("common.time")}</th>
                      <th scope="col">{t("audit.type")}</th>
                      <th scope="col">{t("audit.actor")}</th>
                      <th scope="col">{t("audit.subjects")}</th>
                      <th scope="col">{t("audit.data")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {entries.map((entry) => (
                      <tr key={entry.position} data-position={entry.position}>
                        <th scope="row" className="num" data-label={t("audit.position")}>
                          {entry.position}
                        </th>
                        <td data-label={t("common.time")}>{dateTime(entry.time)}</td>
                        <td className="mono small" data-label={t("audit.type")}>
                          {entry.type}
                        </td>
                        <td className="mono small wrap" data-label={t("audit.actor")}>
                          {entry.actor}
                        </td>
                        <td className="mono small wrap" data-label={t("audit.subjects")}>
                          {compact(entry.subjects)}
                        </td>
                        <td className="mono small wrap" data-label={t("audit.data")}>
                          {compact(entry.data)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <Pager pages={pages} next={next} />
          </>
        )}
      </Show>
    </>
  );
}

function compact(value: Record<string, unknown>): string {
  const text = JSON.stringify(value);
  return text.length > 240 ? `${text.slice(0, 240)}…` : text;
}
