import { type FormEvent, useState } from "react";
import { api, errorMessage } from "../api.ts";
import { ErrorBox, Show, StatusBadge, useLoad } from "../components/common.tsx";
import { useI18n } from "../i18n.ts";
import { Link, navigate } from "../router.tsx";
import type { Job, LicenseView } from "../types.ts";

const EXAMPLE = `// 每个监测站的小时记录数 · hourly records per monitoring station
export default async function main(ctx) {
  const byStation = await ctx.sql(
    "SELECT station, count(*) AS n, avg(aqi) AS mean_aqi FROM air_quality GROUP BY station ORDER BY station",
  );
  return { by_station: byStation };
}
`;

export function JobsPage() {
  const { t, dateTime } = useI18n();
  const [jobs, reloadJobs] = useLoad(() => api<{ jobs: Job[] }>("/v1/jobs", { query: { limit: 50 } }), []);
  const [licenses] = useLoad(() => api<{ licenses: LicenseView[] }>("/v1/licenses"), []);
  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">{t("jobs.title")}</h1>
      <div className="split">
        <div>
          <h2>{t("jobs.submitTitle")}</h2>
          <Show loaded={licenses}>
            {({ licenses: list }) => {
              const usable = list.filter((l) => l.status === "active");
              return usable.length === 0 ? <p>{t("jobs.noLicense")}</p> : <SubmitForm licenses={usable} />;
            }}
          </Show>
        </div>
        <div>
          <h2>{t("jobs.listTitle")}</h2>
          <Show loaded={jobs} retry={reloadJobs}>
            {({ jobs: list }) =>
              list.length === 0 ? (
                <p className="muted">{t("common.none")}</p>
              ) : (
                <div className="table-wrap">
                  <table>
                    <caption className="sr-only">{t("jobs.listTitle")}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t("common.id")}</th>
                        <th scope="col">{t("common.status")}</th>
                        <th scope="col">{t("jobs.license")}</th>
                        <th scope="col">{t("jobs.submittedAt")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {list.map((job) => (
                        <tr key={job.id} data-job={job.id}>
                          <th scope="row" className="mono small">
                            <Link to={`/jobs/${job.id}`}>{job.id}</Link>
                          </th>
                          <td>
                            <StatusBadge status={job.status} />
                          </td>
                          <td className="mono small">{job.license}</td>
                          <td>{dateTime(job.submittedAt)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )
            }
          </Show>
        </div>
      </div>
    </section>
  );
}

function SubmitForm(props: { licenses: LicenseView[] }) {
  const { t } = useI18n();
  const [script, setScript] = useState(EXAMPLE);
  const [license, setLicense] = useState(props.licenses[0]!.license.id);
  const [language, setLanguage] = useState<"javascript" | "typescript">("javascript");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const job = await api<Job>("/v1/jobs", { method: "POST", body: { script, license, language } });
      navigate(`/jobs/${job.id}`);
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="stack">
      <label htmlFor="job-license">{t("jobs.license")}</label>
      <select id="job-license" value={license} onChange={(e) => setLicense(e.target.value)}>
        {props.licenses.map((l) => (
          <option key={l.license.id} value={l.license.id}>
            {l.license.id} · {l.license.purpose}
          </option>
        ))}
      </select>
      <label htmlFor="job-language">{t("jobs.language")}</label>
      <select
        id="job-language"
        value={language}
        onChange={(e) => setLanguage(e.target.value === "typescript" ? "typescript" : "javascript")}
      >
        <option value="javascript">JavaScript</option>
        <option value="typescript">TypeScript</option>
      </select>
      <label htmlFor="job-script">{t("jobs.script")}</label>
      <textarea
        id="job-script"
        className="code"
        rows={14}
        spellCheck={false}
        value={script}
        onChange={(e) => setScript(e.target.value)}
      />
      {error && <ErrorBox message={error} />}
      <button type="submit" disabled={busy}>
        {busy ? t("jobs.submitting") : t("jobs.submit")}
      </button>
    </form>
  );
}
