import { type FormEvent, useState } from "react";
import { api, apiAll, errorMessage } from "../api.ts";
import { ApplicationCards, ApplicationFacts } from "../components/applications.tsx";
import { ErrorBox, Show, useLoad } from "../components/common.tsx";
import { Notice, PageSection } from "../components/page.tsx";
import { namedFields, useFormProblem } from "../form-problem.ts";
import { useI18n } from "../i18n.ts";
import type { Application, DatasetSummary, LicenseView } from "../types.ts";
import { GradeBadge } from "./Catalog.tsx";

const PERIODS = ["total", "year", "month", "day"] as const;
const QUOTAS = ["jobsPerDay", "queriesPerJob", "rowsPerQuery", "outputCells"] as const;
const RULES = new Set(["deny", "join", "filter", "aggregate", "group", "row", "plain"]);

interface DatasetChoice {
  chosen: boolean;
  columns: string;
  perQuery: string;
  total: string;
  period: (typeof PERIODS)[number];
}

const today = (offsetDays = 0) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** The operator's license applications: its own, newest first, and a form to apply. */
export function OperatorApplicationsPage() {
  const { t, dateTime } = useI18n();
  const [apps, reload] = useLoad(
    () => apiAll<Application>("/v1/applications", "applications").then((applications) => ({ applications })),
    [],
  );
  const [catalog] = useLoad(() => api<{ datasets: DatasetSummary[] }>("/v1/datasets"), []);
  const [licenses] = useLoad(
    () => apiAll<LicenseView>("/v1/licenses", "licenses").then((licenses) => ({ licenses })),
    [],
  );
  const purposes =
    licenses.state === "ready" ? [...new Set(licenses.value.licenses.map((l) => l.license.purpose))] : [];
  return (
    <PageSection id="op-apps-title" title={t("op.apps.title")} intro={t("op.apps.intro")}>
      <div className="split op-apps">
        <div>
          <h2 id="op-apps-new">{t("op.apps.new")}</h2>
          <Show loaded={catalog}>
            {({ datasets }) => (
              <Show loaded={licenses}>
                {() => <ApplicationForm datasets={datasets} purposes={purposes} onSubmitted={reload} />}
              </Show>
            )}
          </Show>
        </div>
        <div>
          <h2>{t("op.apps.mine")}</h2>
          <ApplicationCards
            loaded={apps}
            retry={reload}
            empty={<p className="muted">{t("op.apps.empty")}</p>}
          >
            {(app) => (
              <>
                <h3 className="mono-title">{app.id}</h3>
                <ApplicationFacts
                  app={app}
                  operator={false}
                  purposeLabel="op.apps.purpose"
                  statusTestId="application-status"
                >
                  <dt>{t("op.apps.submittedAt")}</dt>
                  <dd>{dateTime(app.submittedAt)}</dd>
                </ApplicationFacts>
              </>
            )}
          </ApplicationCards>
        </div>
      </div>
    </PageSection>
  );
}

/** Parses `education=deny, name=deny` into a column rule map; undefined when it does not parse. */
function parseColumns(text: string): Record<string, string> | null | undefined {
  if (!text.trim()) return null;
  const entries = text
    .split(/[,，\n]/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => part.split("=").map((s) => s.trim()));
  if (entries.some((e) => e.length !== 2 || !e[0] || !RULES.has(e[1] ?? ""))) return undefined;
  return Object.fromEntries(entries);
}

function ApplicationForm(props: { datasets: DatasetSummary[]; purposes: string[]; onSubmitted: () => void }) {
  const { t } = useI18n();
  const [choices, setChoices] = useState<Record<string, DatasetChoice>>(() =>
    Object.fromEntries(
      props.datasets.map((d) => [
        d.name,
        { chosen: false, columns: "", perQuery: "0.2", total: "4", period: "year" } as DatasetChoice,
      ]),
    ),
  );
  const [purpose, setPurpose] = useState(props.purposes[0] ?? "");
  const [scenario, setScenario] = useState("");
  const [validFrom, setValidFrom] = useState(today());
  const [validTo, setValidTo] = useState(today(365));
  const [quotas, setQuotas] = useState<Record<string, string>>({});
  const [releaseMode, setReleaseMode] = useState<"auto" | "review">("auto");
  const [busy, setBusy] = useState(false);
  const { problem, setProblem, invalid } = useFormProblem();
  const [done, setDone] = useState<string>();
  const update = (name: string, patch: Partial<DatasetChoice>) =>
    setChoices((all) => ({ ...all, [name]: { ...all[name]!, ...patch } }));
  const chosen = props.datasets.filter((d) => choices[d.name]?.chosen);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    if (chosen.length === 0) {
      setProblem({ message: t("op.apps.noDataset"), fields: ["datasets"] });
      return;
    }
    const datasets: Record<string, unknown>[] = [];
    for (const [i, dataset] of chosen.entries()) {
      const choice = choices[dataset.name]!;
      const columns = parseColumns(choice.columns);
      if (columns === undefined) {
        setProblem({ message: t("op.apps.badColumns"), fields: [`datasets.${i}.columns`] });
        return;
      }
      datasets.push({
        name: dataset.name,
        ...(columns ? { columns } : {}),
        ...(dataset.grade >= 3
          ? {
              epsilon: {
                perQuery: Number(choice.perQuery),
                total: Number(choice.total),
                period: choice.period,
              },
            }
          : {}),
      });
    }
    const quotaValues = Object.fromEntries(
      Object.entries(quotas)
        .filter(([, v]) => v.trim() !== "")
        .map(([k, v]) => [k, Number(v)]),
    );
    setBusy(true);
    setProblem(undefined);
    try {
      const app = await api<Application>("/v1/applications", {
        method: "POST",
        body: {
          datasets,
          purpose,
          scenario,
          validFrom: `${validFrom}T00:00:00Z`,
          validTo: `${validTo}T23:59:59Z`,
          quotas: quotaValues,
          releaseMode,
        },
      });
      setDone(t("op.apps.submitted", { id: app.id }));
      props.onSubmitted();
    } catch (failure) {
      // Validation problems name the fields (`datasets.0.epsilon.total`, `purpose`): marked invalid.
      setProblem({ message: errorMessage(failure), fields: namedFields(failure) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="stack op-app-form"
      onSubmit={submit}
      aria-labelledby="op-apps-new"
      aria-describedby={problem ? "op-app-problem" : undefined}
      noValidate
    >
      <fieldset aria-invalid={invalid("datasets")}>
        <legend>{t("op.apps.datasets")}</legend>
        <p className="muted small">{t("op.apps.datasetsHint")}</p>
        {props.datasets.map((dataset) => {
          const choice = choices[dataset.name]!;
          const index = chosen.indexOf(dataset);
          const path = `datasets.${index}`;
          return (
            <div key={dataset.name} className="op-app-dataset" data-app-dataset={dataset.name}>
              <label className="inline">
                <input
                  type="checkbox"
                  checked={choice.chosen}
                  onChange={(e) => update(dataset.name, { chosen: e.target.checked })}
                />{" "}
                <span className="mono">{dataset.name}</span> <GradeBadge grade={dataset.grade} />
              </label>
              {choice.chosen && (
                <div className="op-app-terms">
                  <label htmlFor={`app-${dataset.name}-columns`}>{t("op.apps.columns")}</label>
                  <input
                    id={`app-${dataset.name}-columns`}
                    value={choice.columns}
                    aria-invalid={invalid(`${path}.columns`)}
                    onChange={(e) => update(dataset.name, { columns: e.target.value })}
                  />
                  {dataset.grade >= 3 && (
                    <div className="op-app-epsilon">
                      <div className="stack">
                        <label htmlFor={`app-${dataset.name}-perQuery`}>{t("op.apps.perQuery")}</label>
                        <input
                          id={`app-${dataset.name}-perQuery`}
                          type="number"
                          step="0.01"
                          min="0"
                          inputMode="decimal"
                          value={choice.perQuery}
                          aria-invalid={invalid(`${path}.epsilon`)}
                          onChange={(e) => update(dataset.name, { perQuery: e.target.value })}
                        />
                      </div>
                      <div className="stack">
                        <label htmlFor={`app-${dataset.name}-total`}>{t("op.apps.total")}</label>
                        <input
                          id={`app-${dataset.name}-total`}
                          type="number"
                          step="0.1"
                          min="0"
                          inputMode="decimal"
                          value={choice.total}
                          aria-invalid={invalid(`${path}.epsilon`)}
                          onChange={(e) => update(dataset.name, { total: e.target.value })}
                        />
                      </div>
                      <div className="stack">
                        <label htmlFor={`app-${dataset.name}-period`}>{t("op.apps.period")}</label>
                        <select
                          id={`app-${dataset.name}-period`}
                          value={choice.period}
                          onChange={(e) =>
                            update(dataset.name, {
                              period: PERIODS.find((p) => p === e.target.value) ?? "total",
                            })
                          }
                        >
                          {PERIODS.map((p) => (
                            <option key={p} value={p}>
                              {t(`op.apps.period.${p}`)}
                            </option>
                          ))}
                        </select>
                      </div>
                    </div>
                  )}
                </div>
              )}
            </div>
          );
        })}
      </fieldset>
      <label htmlFor="app-purpose">{t("op.apps.purpose")}</label>
      <input
        id="app-purpose"
        list="app-purposes"
        value={purpose}
        aria-invalid={invalid("purpose")}
        onChange={(e) => setPurpose(e.target.value)}
      />
      <datalist id="app-purposes">
        {props.purposes.map((p) => (
          <option key={p} value={p} />
        ))}
      </datalist>
      <label htmlFor="app-scenario">{t("op.apps.scenario")}</label>
      <textarea
        id="app-scenario"
        rows={3}
        value={scenario}
        aria-invalid={invalid("scenario")}
        onChange={(e) => setScenario(e.target.value)}
      />
      <div className="op-app-window">
        <div className="stack">
          <label htmlFor="app-validFrom">{t("op.apps.validFrom")}</label>
          <input
            id="app-validFrom"
            type="date"
            value={validFrom}
            aria-invalid={invalid("validFrom")}
            onChange={(e) => setValidFrom(e.target.value)}
          />
        </div>
        <div className="stack">
          <label htmlFor="app-validTo">{t("op.apps.validTo")}</label>
          <input
            id="app-validTo"
            type="date"
            value={validTo}
            aria-invalid={invalid("validTo")}
            onChange={(e) => setValidTo(e.target.value)}
          />
        </div>
      </div>
      <fieldset>
        <legend>{t("op.apps.quotas")}</legend>
        <div className="op-app-quotas">
          {QUOTAS.map((quota) => (
            <div key={quota} className="stack">
              <label htmlFor={`app-quota-${quota}`}>{t(`op.apps.${quota}`)}</label>
              <input
                id={`app-quota-${quota}`}
                type="number"
                min="1"
                step="1"
                inputMode="numeric"
                value={quotas[quota] ?? ""}
                aria-invalid={invalid(`quotas.${quota}`)}
                onChange={(e) => setQuotas((all) => ({ ...all, [quota]: e.target.value }))}
              />
            </div>
          ))}
        </div>
      </fieldset>
      <label htmlFor="app-releaseMode">{t("op.apps.releaseMode")}</label>
      <select
        id="app-releaseMode"
        value={releaseMode}
        onChange={(e) => setReleaseMode(e.target.value === "review" ? "review" : "auto")}
      >
        <option value="auto">{t("op.apps.release.auto")}</option>
        <option value="review">{t("op.apps.release.review")}</option>
      </select>
      {problem && (
        <div id="op-app-problem">
          <ErrorBox message={`${t("op.apps.refused")}: ${problem.message}`} />
        </div>
      )}
      <Notice message={done} />
      <button type="submit" disabled={busy}>
        {busy ? t("op.apps.submitting") : t("op.apps.submit")}
      </button>
    </form>
  );
}
