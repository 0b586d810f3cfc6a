import { api } from "../api.ts";
import { Show, useLoad } from "../components/common.tsx";
import { type MessageKey, useI18n } from "../i18n.ts";
import { navigate, useLocation } from "../router.tsx";
import type { Application } from "../types.ts";
import { ConsentActions, DecisionsOf } from "./GovernanceHolder.tsx";

const STATUSES = [
  "awaiting_consent",
  "awaiting_approval",
  "approved",
  "refused",
  "withdrawn",
  "expired",
  "superseded",
] as const;

export function ApplicationsPage(props: { organization: string }) {
  const { t, dateTime } = useI18n();
  const { search, path } = useLocation();
  const requested = search.get("status");
  const status = STATUSES.find((s) => s === requested) ?? "awaiting_consent";
  const [loaded, reload] = useLoad(
    () => api<{ applications: Application[] }>("/v1/applications", { query: { status } }),
    [status],
  );
  return (
    <section aria-labelledby="apps-title">
      <h1 id="apps-title">{t("apps.title")}</h1>
      <p className="muted">{t("apps.intro")}</p>
      <label htmlFor="apps-status">{t("apps.filter")}</label>{" "}
      <select
        id="apps-status"
        value={status}
        onChange={(e) => navigate(`${path}?status=${encodeURIComponent(e.target.value)}`, { replace: true })}
      >
        {STATUSES.map((s) => (
          <option key={s} value={s}>
            {t(`appStatus.${s}` as MessageKey)}
          </option>
        ))}
      </select>
      <Show loaded={loaded} retry={reload}>
        {({ applications }) =>
          applications.length === 0 ? (
            <p>{t("apps.empty")}</p>
          ) : (
            <ul className="cards single">
              {applications.map((app) => (
                <li key={app.id} className="card wide" data-application={app.id}>
                  <h2 className="mono-title">{app.id}</h2>
                  <dl className="facts">
                    <dt>{t("common.status")}</dt>
                    <dd>{t(`appStatus.${app.status}` as MessageKey)}</dd>
                    <dt>{t("apps.operator")}</dt>
                    <dd className="mono small">{app.operator}</dd>
                    <dt>{t("jobs.purpose")}</dt>
                    <dd>{app.document.purpose}</dd>
                    <dt>{t("apps.datasets")}</dt>
                    <dd className="mono">{app.document.datasets.map((d) => d.name).join(", ")}</dd>
                    <dt>{t("apps.scenario")}</dt>
                    <dd>{app.document.scenario}</dd>
                    <dt>{t("apps.awaitingConsents")}</dt>
                    <dd className="mono">{app.awaiting.consents.join(", ") || "—"}</dd>
                    <dt>{t("apps.expiresAt")}</dt>
                    <dd>{dateTime(app.expiresAt)}</dd>
                  </dl>
                  <DecisionsOf app={app} />
                  <ConsentActions app={app} organization={props.organization} onDone={reload} />
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}
