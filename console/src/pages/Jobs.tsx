import { type FormEvent, lazy, Suspense, useState } from "react";
import { api, apiAll, errorMessage } from "../api.ts";
import { ErrorBox, Show, StatusBadge, useLoad } from "../components/common.tsx";
import { DryRunReport } from "../components/OperatorDryRun.tsx";
import { type MessageKey, useI18n } from "../i18n.ts";
import { Link, navigate } from "../router.tsx";
import type { DryRun, Job, LicenseView } from "../types.ts";

const EXAMPLE_AIR = `// 每个监测站的小时记录数 · hourly records per monitoring station
export default async function main(ctx) {
  const byStation = await ctx.sql(
    "SELECT station, count(*) AS n, avg(aqi) AS mean_aqi FROM air_quality GROUP BY station ORDER BY station",
  );
  return { by_station: byStation };
}
`;

const EXAMPLE_POPULATION = `// 各区常住人口数与平均年收入（3 级，加噪）· residents and mean income per district (grade 3, noised)
export default async function main(ctx) {
  const byDistrict = await ctx.sql(
    "SELECT district, count(*) AS residents, avg(annual_income) AS mean_income FROM population GROUP BY district",
  );
  return { by_district: byDistrict };
}
`;

const EXAMPLES: readonly { id: string; label: MessageKey; script: string }[] = [
  { id: "air", label: "op.example.air", script: EXAMPLE_AIR },
  { id: "population", label: "op.example.population", script: EXAMPLE_POPULATION },
];

const OperatorCodeEditor = lazy(() => import("../components/OperatorCodeEditor.tsx"));

export function JobsPage() {
  const { t, dateTime } = useI18n();
  const [jobs, reloadJobs] = useLoad(() => api<{ jobs: Job[] }>("/v1/jobs", { query: { limit: 50 } }), []);
  const [licenses] = useLoad(
    () => apiAll<LicenseView>("/v1/licenses", "licenses").then((licenses) => ({ licenses })),
    [],
  );
  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">{t("jobs.title")}</h1>
      <div className="op-jobs">
        <div>
          <h2 id="jobs-submit-title">{t("jobs.submitTitle")}</h2>
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
  const [script, setScript] = useState(EXAMPLES[0]!.script);
  const [license, setLicense] = useState(props.licenses[0]!.license.id);
  const [language, setLanguage] = useState<"javascript" | "typescript">("javascript");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [dryRun, setDryRun] = useState<{ report: DryRun; of: string }>();
  const [dryRunning, setDryRunning] = useState(false);
  const [dryRunError, setDryRunError] = useState<string>();
  const submission = { script, license, language };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const job = await api<Job>("/v1/jobs", { method: "POST", body: submission });
      navigate(`/jobs/${job.id}`);
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  };
  const explain = async () => {
    setDryRunning(true);
    setDryRunError(undefined);
    try {
      const report = await api<DryRun>("/v1/jobs/explain", { method: "POST", body: submission });
      setDryRun({ report, of: JSON.stringify(submission) });
    } catch (failure) {
      setDryRunError(errorMessage(failure));
    } finally {
      setDryRunning(false);
    }
  };
  return (
    <div className="op-compose">
      <form onSubmit={submit} className="stack" aria-labelledby="jobs-submit-title">
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
        <label htmlFor="job-example">{t("op.example")}</label>
        <select
          id="job-example"
          value={EXAMPLES.find((e) => e.script === script)?.id ?? ""}
          onChange={(e) => {
            const chosen = EXAMPLES.find((x) => x.id === e.target.value);
            if (chosen) setScript(chosen.script);
          }}
        >
          <option value="" disabled>
            —
          </option>
          {EXAMPLES.map((example) => (
            <option key={example.id} value={example.id}>
              {t(example.label)}
            </option>
          ))}
        </select>
        <span id="job-script-label" className="op-label">
          {t("op.editor.label")}
        </span>
        <p id="job-script-hint" className="muted small">
          {t("op.editor.hint")}
        </p>
        <Suspense
          fallback={
            <p className="muted" role="status">
              {t("op.editor.loading")}
            </p>
          }
        >
          <OperatorCodeEditor
            id="job-script"
            labelledBy="job-script-label"
            describedBy="job-script-hint"
            value={script}
            language={language}
            onChange={setScript}
          />
        </Suspense>
        {error && <ErrorBox message={error} />}
        <div className="op-actions">
          <button type="button" className="secondary" onClick={explain} disabled={dryRunning}>
            {dryRunning ? t("op.dryRunning") : t("op.dryRun")}
          </button>
          <button type="submit" disabled={busy}>
            {busy ? t("jobs.submitting") : t("jobs.submit")}
          </button>
        </div>
      </form>
      <section
        className="op-dryrun-pane"
        aria-labelledby="dry-run-title"
        aria-live="polite"
        aria-busy={dryRunning}
      >
        <h3 id="dry-run-title">{t("op.dryRun.title")}</h3>
        {dryRunError && <ErrorBox message={dryRunError} />}
        {dryRun ? (
          <DryRunReport report={dryRun.report} stale={dryRun.of !== JSON.stringify(submission)} />
        ) : (
          <p className="muted">{t("op.dryRun.none")}</p>
        )}
      </section>
    </div>
  );
}
