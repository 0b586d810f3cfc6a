import { api } from "../api.ts";
import { Show, useLoad } from "../components/common.tsx";
import { DummyPreview } from "../components/OperatorDummyPreview.tsx";
import { type MessageKey, useI18n } from "../i18n.ts";
import { Link } from "../router.tsx";
import type { DatasetDetail, DatasetSummary } from "../types.ts";

export function CatalogPage() {
  const { t, number } = useI18n();
  const [loaded, reload] = useLoad(() => api<{ datasets: DatasetSummary[] }>("/v1/datasets"), []);
  return (
    <section aria-labelledby="catalog-title">
      <h1 id="catalog-title">{t("catalog.title")}</h1>
      <p className="muted">{t("catalog.intro")}</p>
      <Show loaded={loaded} retry={reload}>
        {({ datasets }) => (
          <ul className="cards">
            {datasets.map((dataset) => (
              <li key={dataset.name} className="card" data-dataset={dataset.name}>
                <h2>
                  <Link to={`/catalog/${dataset.name}`}>{dataset.title}</Link>
                </h2>
                <p className="mono small">{dataset.name}</p>
                <p>
                  <GradeBadge grade={dataset.grade} />
                </p>
                <dl className="facts">
                  <dt>{t("catalog.holder")}</dt>
                  <dd>{dataset.holder.department}</dd>
                  <dt>{t("catalog.columns")}</dt>
                  <dd>{number(dataset.columns)}</dd>
                  <dt>{t("catalog.policyVersion")}</dt>
                  <dd>{dataset.policyVersion}</dd>
                </dl>
                <Link to={`/catalog/${dataset.name}`} className="button-link">
                  {t("catalog.open")}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </Show>
    </section>
  );
}

export function GradeBadge(props: { grade: 1 | 2 | 3 | 4 }) {
  const { t } = useI18n();
  return <span className={`badge grade-${props.grade}`}>{t(`grade.${props.grade}` as MessageKey)}</span>;
}

export function DatasetPage(props: { name: string }) {
  const { t, number, dateTime } = useI18n();
  const [loaded, reload] = useLoad(
    () => api<DatasetDetail>(`/v1/datasets/${encodeURIComponent(props.name)}`),
    [props.name],
  );
  return (
    <section aria-labelledby="dataset-title">
      <p>
        <Link to="/catalog">← {t("nav.catalog")}</Link>
      </p>
      <Show loaded={loaded} retry={reload}>
        {({ manifest, policyVersion, effectiveFrom, rows }) => (
          <>
            <h1 id="dataset-title">{manifest.title}</h1>
            <p className="mono small">{manifest.name}</p>
            <p>{manifest.description}</p>
            <dl className="facts">
              <dt>{t("catalog.grade")}</dt>
              <dd>
                <GradeBadge grade={manifest.grade} />
              </dd>
              <dt>{t("catalog.holder")}</dt>
              <dd>{manifest.holder.department}</dd>
              <dt>{t("catalog.privacyUnit")}</dt>
              <dd className="mono">{manifest.privacyUnit ?? "—"}</dd>
              <dt>{t("catalog.policyVersion")}</dt>
              <dd>
                {policyVersion} · {t("catalog.effectiveFrom")} {dateTime(effectiveFrom)}
              </dd>
              <dt>{t("catalog.rowsInDomain")}</dt>
              <dd>{rows === null ? "—" : number(rows)}</dd>
            </dl>
            <div className="table-wrap">
              <table className="stacked">
                <caption>{t("catalog.rule")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("catalog.column")}</th>
                    <th scope="col">{t("catalog.type")}</th>
                    <th scope="col">{t("catalog.rule")}</th>
                    <th scope="col">{t("catalog.ruleMeaning")}</th>
                    <th scope="col">{t("catalog.meaning")}</th>
                  </tr>
                </thead>
                <tbody>
                  {manifest.columns.map((column) => (
                    <tr key={column.name} data-column={column.name}>
                      <th scope="row" className="mono" data-label={t("catalog.column")}>
                        {column.name}
                      </th>
                      <td className="mono" data-label={t("catalog.type")}>
                        {column.type}
                      </td>
                      <td data-label={t("catalog.rule")}>
                        <span>
                          <span className={`badge rule-${column.rule}`}>{t(`rule.${column.rule}`)}</span>
                        </span>
                      </td>
                      <td data-label={t("catalog.ruleMeaning")}>{t(`ruleText.${column.rule}`)}</td>
                      <td data-label={t("catalog.meaning")}>{column.meaning}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <DummyPreview name={manifest.name} />
          </>
        )}
      </Show>
    </section>
  );
}
