import { api, apiAll } from "../api.ts";
import { Show, useLoad } from "../components/common.tsx";
import { useI18n } from "../i18n.ts";
import type { LicenseView } from "../types.ts";

export function BudgetPage() {
  const { t } = useI18n();
  // The list names the licenses; each license's own route answers its budget left.
  const [loaded, reload] = useLoad(async () => {
    const licenses = await apiAll<LicenseView>("/v1/licenses", "licenses");
    return Promise.all(
      licenses.map((l) => api<LicenseView>(`/v1/licenses/${encodeURIComponent(l.license.id)}`)),
    );
  }, []);
  return (
    <section aria-labelledby="budget-title">
      <h1 id="budget-title">{t("budget.title")}</h1>
      <p className="muted">{t("budget.intro")}</p>
      <Show loaded={loaded} retry={reload}>
        {(licenses) =>
          licenses.length === 0 ? (
            <p>{t("jobs.noLicense")}</p>
          ) : (
            licenses.map((view) => <LicenseBudget key={view.license.id} view={view} />)
          )
        }
      </Show>
    </section>
  );
}

function LicenseBudget(props: { view: LicenseView }) {
  const { t, number, dateTime } = useI18n();
  const { license, budget, status } = props.view;
  return (
    <article className="card wide" data-license={license.id}>
      <h2 className="mono-title">{license.id}</h2>
      <dl className="facts">
        <dt>{t("common.status")}</dt>
        <dd>{status}</dd>
        <dt>{t("jobs.purpose")}</dt>
        <dd>{license.purpose}</dd>
        <dt>{t("budget.validity")}</dt>
        <dd>
          {dateTime(license.validFrom)} – {dateTime(license.validTo)}
        </dd>
        <dt>{t("budget.releaseMode")}</dt>
        <dd>{license.releaseMode}</dd>
      </dl>
      {budget.length === 0 ? (
        <p className="muted">{t("budget.none")}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">{t("budget.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("budget.dataset")}</th>
                <th scope="col">{t("budget.period")}</th>
                <th scope="col">{t("budget.spent")}</th>
                <th scope="col">{t("budget.left")}</th>
                <th scope="col">{t("budget.total")}</th>
              </tr>
            </thead>
            <tbody>
              {budget.map((line) => (
                <tr key={`${line.dataset}:${line.period}`} data-budget={line.dataset}>
                  <th scope="row" className="mono">
                    {line.dataset}
                  </th>
                  <td className="mono small">{line.period}</td>
                  <td className="num">{number(line.spent, 3)}</td>
                  <td className="num">
                    <meter
                      min={0}
                      max={line.total}
                      low={line.total * 0.2}
                      optimum={line.total}
                      value={line.left}
                      aria-label={`${line.dataset} ${t("budget.left")}`}
                    />{" "}
                    ε {number(line.left, 3)}
                  </td>
                  <td className="num">ε {number(line.total, 3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}
