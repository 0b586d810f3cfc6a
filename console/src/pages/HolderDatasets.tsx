import { api, apiAll } from "../api.ts";
import { Show, useLoad } from "../components/common.tsx";
import { useI18n } from "../i18n.ts";
import { Link } from "../router.tsx";
import type { DatasetSummary, DataVersion } from "../types.ts";
import { GradeBadge } from "./Catalog.tsx";

/** The datasets a holder department supplies, each with its data versions. */
export function HolderDatasetsPage(props: { organization: string }) {
  const { t } = useI18n();
  const [loaded, reload] = useLoad(async () => {
    const { datasets } = await api<{ datasets: DatasetSummary[] }>("/v1/datasets");
    const ours = datasets.filter((d) => d.holder.department === props.organization);
    return Promise.all(
      ours.map(async (dataset) => ({
        dataset,
        versions: await apiAll<DataVersion>(
          `/v1/datasets/${encodeURIComponent(dataset.name)}/versions`,
          "versions",
        ),
      })),
    );
  }, [props.organization]);
  return (
    <section aria-labelledby="holder-title">
      <h1 id="holder-title">{t("holder.title")}</h1>
      <p className="muted">{t("holder.intro", { org: props.organization })}</p>
      <Show loaded={loaded} retry={reload}>
        {(list) =>
          list.length === 0 ? (
            <p>{t("holder.none")}</p>
          ) : (
            list.map(({ dataset, versions }) => (
              <article key={dataset.name} className="card wide" data-dataset={dataset.name}>
                <h2>
                  <Link to={`/catalog/${dataset.name}`}>{dataset.title}</Link>
                </h2>
                <p>
                  <GradeBadge grade={dataset.grade} />
                </p>
                <VersionsTable versions={versions} />
              </article>
            ))
          )
        }
      </Show>
    </section>
  );
}

function VersionsTable(props: { versions: DataVersion[] }) {
  const { t, number, dateTime } = useI18n();
  return (
    <div className="table-wrap">
      <table className="stacked">
        <caption>{t("holder.versions")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("holder.version")}</th>
            <th scope="col">{t("holder.format")}</th>
            <th scope="col">{t("common.rows")}</th>
            <th scope="col">{t("holder.suppliedBy")}</th>
            <th scope="col">{t("holder.suppliedAt")}</th>
            <th scope="col">SHA-256</th>
            <th scope="col">{t("holder.note")}</th>
          </tr>
        </thead>
        <tbody>
          {props.versions.map((version) => (
            <tr key={version.version}>
              <th scope="row" data-label={t("holder.version")}>
                {version.version}
                {version.current && <span className="badge ok">{t("holder.current")}</span>}
              </th>
              <td data-label={t("holder.format")}>{version.format}</td>
              <td className="num" data-label={t("common.rows")}>
                {number(version.rows)}
              </td>
              <td className="mono small" data-label={t("holder.suppliedBy")}>
                {version.suppliedBy}
              </td>
              <td data-label={t("holder.suppliedAt")}>{dateTime(version.suppliedAt)}</td>
              <td className="mono small" title={version.sha256} data-label="SHA-256">
                {version.sha256.slice(0, 12)}…
              </td>
              <td data-label={t("holder.note")}>{version.note ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
