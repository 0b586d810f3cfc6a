import { lazy, Suspense } from "react";
import { api } from "../api.ts";
import { Show, useLoad } from "../components/common.tsx";
import { ReasonAction } from "../components/governance.tsx";
import { useI18n } from "../i18n.ts";
import type { Application, DatasetSummary } from "../types.ts";
import type { ApplicationDetail, UsageReport } from "../types-governance.ts";

const UsageChart = lazy(() => import("../components/GovernanceUsageChart.tsx"));

/**
 * The holder's consent or refusal for each dataset of an application that its department holds and
 * that still awaits its consent (grade 3/4 data only: the gateway lists them in `awaiting.consents`).
 */
export function ConsentActions(props: { app: Application; organization: string; onDone: () => void }) {
  const { t } = useI18n();
  const [catalog] = useLoad(() => api<{ datasets: DatasetSummary[] }>("/v1/datasets"), []);
  if (props.app.status !== "awaiting_consent") return null;
  return (
    <Show loaded={catalog}>
      {({ datasets }) => {
        const ours = new Set(
          datasets.filter((d) => d.holder.department === props.organization).map((d) => d.name),
        );
        const waiting = props.app.awaiting.consents.filter((name) => ours.has(name));
        if (waiting.length === 0) return <p className="muted small">{t("gov.consent.notYours")}</p>;
        return (
          <div className="gov-consents">
            <h3>{t("gov.consent.title")}</h3>
            {waiting.map((dataset) => (
              <div key={dataset} className="gov-actions" data-consent={dataset}>
                <span className="mono">{dataset}</span>
                <ReasonAction
                  action="consent"
                  label={t("gov.action.consent")}
                  reasonRequired={false}
                  run={(reason) =>
                    api(`/v1/applications/${props.app.id}/consent`, {
                      method: "POST",
                      body: { dataset, decision: "consent", ...(reason ? { reason } : {}) },
                    })
                  }
                  onDone={props.onDone}
                />
                <ReasonAction
                  action="refuse"
                  label={t("gov.action.refuse")}
                  reasonRequired
                  danger
                  run={(reason) =>
                    api(`/v1/applications/${props.app.id}/consent`, {
                      method: "POST",
                      body: { dataset, decision: "refuse", reason },
                    })
                  }
                  onDone={props.onDone}
                />
              </div>
            ))}
          </div>
        );
      }}
    </Show>
  );
}

/** The decisions so far on an application, for the holder's cards. */
export function DecisionsOf(props: { app: Application }) {
  const { t, dateTime } = useI18n();
  const decisions = (props.app as Partial<ApplicationDetail>).decisions ?? [];
  if (decisions.length === 0) return null;
  return (
    <ol className="gov-timeline" aria-label={t("gov.apps.decisions")}>
      {decisions.map((d) => (
        <li key={`${d.step}:${d.dataset ?? ""}:${d.decider}:${d.decidedAt}`}>
          <span className="badge">{t(`gov.decision.${d.decision}`)}</span>{" "}
          {d.dataset && <span className="mono">{d.dataset}</span>} · {dateTime(d.decidedAt)}
          {d.reason && <> · {d.reason}</>}
        </li>
      ))}
    </ol>
  );
}

/**
 * Metered use per month as a chart and table: a holder sees the use of its own datasets (the gateway
 * filters), an auditor the whole domain's.
 */
export function UsagePage(props: { scope: "holder" | "auditor" }) {
  const { t, number } = useI18n();
  const [loaded, reload] = useLoad(() => api<UsageReport>("/v1/usage", { query: { groupBy: "month" } }), []);
  return (
    <section aria-labelledby="gov-usage-title">
      <h1 id="gov-usage-title">
        {t(props.scope === "holder" ? "gov.usage.holderTitle" : "gov.usage.title")}
      </h1>
      <p className="muted">{t(props.scope === "holder" ? "gov.usage.holderIntro" : "gov.usage.intro")}</p>
      <Show loaded={loaded} retry={reload}>
        {(report) =>
          report.lines.length === 0 ? (
            <p>{t("gov.usage.empty")}</p>
          ) : (
            <>
              <dl className="facts gov-totals">
                <dt>{t("gov.usage.totalCharge")}</dt>
                <dd>¥{report.totals.charge}</dd>
                <dt>{t("gov.usage.totalJobs")}</dt>
                <dd>{number(report.totals.jobs)}</dd>
                <dt>{t("gov.usage.totalRows")}</dt>
                <dd>{number(report.totals.rowsScanned)}</dd>
                <dt>{t("gov.usage.totalEpsilon")}</dt>
                <dd>{number(report.totals.epsilon, 3)}</dd>
              </dl>
              <Suspense
                fallback={
                  <p className="muted" role="status">
                    {t("common.loading")}
                  </p>
                }
              >
                <UsageChart periods={report.periods} caption={t("gov.usage.chartCaption")} />
              </Suspense>
              <div className="table-wrap">
                <table className="gov-usage-lines">
                  <caption>{t("gov.usage.linesCaption")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("gov.usage.period")}</th>
                      <th scope="col">{t("apps.operator")}</th>
                      <th scope="col">{t("gov.usage.dataset")}</th>
                      <th scope="col">{t("gov.usage.holder")}</th>
                      <th scope="col" className="num">
                        {t("gov.usage.jobs")}
                      </th>
                      <th scope="col" className="num">
                        {t("gov.usage.rows")}
                      </th>
                      <th scope="col" className="num">
                        {t("gov.usage.charge")}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.lines.map((line) => (
                      <tr key={`${line.period}:${line.operator}:${line.license}:${line.dataset ?? ""}`}>
                        <th scope="row">{line.period}</th>
                        <td className="mono small">{line.operator}</td>
                        <td className="mono">{line.dataset ?? "—"}</td>
                        <td>{line.holder ?? "—"}</td>
                        <td className="num">{number(line.jobs)}</td>
                        <td className="num">{number(line.rowsScanned)}</td>
                        <td className="num">¥{line.charge}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )
        }
      </Show>
    </section>
  );
}
