import type { ReactNode } from "react";
import { type MessageKey, useI18n } from "../i18n.ts";
import { navigate, useLocation } from "../router.tsx";
import type { Application } from "../types.ts";
import type { Loaded } from "./common.tsx";
import { CardList } from "./page.tsx";

const APPLICATION_STATUSES = [
  "awaiting_consent",
  "awaiting_approval",
  "approved",
  "refused",
  "withdrawn",
  "expired",
  "superseded",
] as const;

export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

/** The statuses an application list can be filtered by, `first` first (the default). */
export function statusesFrom(first: ApplicationStatus): readonly ApplicationStatus[] {
  return [first, ...APPLICATION_STATUSES.filter((s) => s !== first)];
}

/** The status named by `?status=`, or the first of `statuses`. */
export function useStatusParam(statuses: readonly ApplicationStatus[]): ApplicationStatus {
  const requested = useLocation().search.get("status");
  return statuses.find((s) => s === requested) ?? statuses[0]!;
}

/** A select of application statuses; choosing one replaces `?status=` in the address. */
export function StatusFilter(props: {
  id: string;
  statuses: readonly ApplicationStatus[];
  status: ApplicationStatus;
}) {
  const { t } = useI18n();
  const { path } = useLocation();
  return (
    <>
      <label htmlFor={props.id}>{t("apps.filter")}</label>{" "}
      <select
        id={props.id}
        value={props.status}
        onChange={(e) => navigate(`${path}?status=${encodeURIComponent(e.target.value)}`, { replace: true })}
      >
        {props.statuses.map((s) => (
          <option key={s} value={s}>
            {t(`appStatus.${s}` as MessageKey)}
          </option>
        ))}
      </select>
    </>
  );
}

/** Loaded applications as cards (`children` fills each), or `empty` (by default, that there are none). */
export function ApplicationCards<A extends Application>(props: {
  loaded: Loaded<{ applications: A[] }>;
  retry: () => void;
  empty?: ReactNode;
  children: (app: A) => ReactNode;
}) {
  const { t } = useI18n();
  return (
    <CardList
      loaded={props.loaded}
      retry={props.retry}
      items={({ applications }) => applications}
      empty={props.empty ?? <p>{t("apps.empty")}</p>}
    >
      {(app) => (
        <li key={app.id} className="card wide" data-application={app.id}>
          {props.children(app)}
        </li>
      )}
    </CardList>
  );
}

/**
 * An application's facts; `children` are further facts shown before its expiry. The operator's own
 * list leaves out the operator and words the purpose its own way.
 */
export function ApplicationFacts(props: {
  app: Application;
  operator?: boolean;
  purposeLabel?: MessageKey;
  statusTestId?: string;
  children?: ReactNode;
}) {
  const { t, dateTime } = useI18n();
  const { app } = props;
  return (
    <dl className="facts">
      <dt>{t("common.status")}</dt>
      <dd data-testid={props.statusTestId}>{t(`appStatus.${app.status}` as MessageKey)}</dd>
      {props.operator !== false && (
        <>
          <dt>{t("apps.operator")}</dt>
          <dd className="mono small">{app.operator}</dd>
        </>
      )}
      <dt>{t(props.purposeLabel ?? "jobs.purpose")}</dt>
      <dd>{app.document.purpose}</dd>
      <dt>{t("apps.datasets")}</dt>
      <dd className="mono">{app.document.datasets.map((d) => d.name).join(", ")}</dd>
      <dt>{t("apps.scenario")}</dt>
      <dd>{app.document.scenario}</dd>
      <dt>{t("apps.awaitingConsents")}</dt>
      <dd className="mono">{app.awaiting.consents.join(", ") || "—"}</dd>
      {props.children}
      <dt>{t("apps.expiresAt")}</dt>
      <dd>{dateTime(app.expiresAt)}</dd>
    </dl>
  );
}
