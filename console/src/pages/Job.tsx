import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { api } from "../api.ts";
import { RowsTable, Show, StatusBadge, useLoad } from "../components/common.tsx";
import { chartPlan } from "../components/OperatorChartPlan.ts";
import { ScrollRegion } from "../components/OperatorScrollRegion.tsx";
import { type MessageKey, useI18n } from "../i18n.ts";
import { Link } from "../router.tsx";
import type { Job, OutputAccuracy, OutputTable } from "../types.ts";

const EVENT_TYPES = ["queued", "running", "progress", "query", "gate", "finished"] as const;
const SETTLED = new Set(["released", "held", "rejected", "failed", "cancelled"]);

export interface JobStreamEvent {
  readonly seq: number;
  readonly type: (typeof EVENT_TYPES)[number];
  readonly data: Record<string, unknown>;
}

/**
 * Follows a job's server-sent events. EventSource sends the session cookie on this same origin;
 * it ends the stream once the job is final. `onFinished` runs when the final state arrives.
 */
export function useJobEvents(
  id: string,
  onFinished?: () => void,
): { events: JobStreamEvent[]; live: boolean } {
  const [events, setEvents] = useState<JobStreamEvent[]>([]);
  const [live, setLive] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new callback must not reopen the stream
  useEffect(() => {
    setEvents([]);
    const source = new EventSource(`/v1/jobs/${encodeURIComponent(id)}/events`);
    let seq = 0;
    setLive(true);
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (message) => {
        const data = JSON.parse((message as MessageEvent<string>).data) as Record<string, unknown>;
        seq += 1;
        setEvents((list) => [...list, { seq, type, data }]);
        if (type === "finished") {
          onFinished?.();
          if (data.status !== "held") {
            source.close();
            setLive(false);
          }
        }
      });
    }
    source.onerror = () => {
      // The server ends the stream after the final state; do not let the browser reconnect forever.
      source.close();
      setLive(false);
    };
    return () => source.close();
  }, [id]);
  return { events, live };
}

export function JobPage(props: { id: string }) {
  const { t } = useI18n();
  const [loaded, reload] = useLoad(() => api<Job>(`/v1/jobs/${encodeURIComponent(props.id)}`), [props.id]);
  const { events, live } = useJobEvents(props.id, reload);
  return (
    <section aria-labelledby="job-title">
      <p>
        <Link to="/jobs">← {t("nav.jobs")}</Link>
      </p>
      <h1 id="job-title" className="mono-title">
        {t("job.title", { id: props.id })}
      </h1>
      <Show loaded={loaded} retry={reload}>
        {(job) => <JobBody job={job} events={events} live={live} />}
      </Show>
    </section>
  );
}

function JobBody(props: { job: Job; events: JobStreamEvent[]; live: boolean }) {
  const { t, dateTime, number } = useI18n();
  const { job } = props;
  return (
    <>
      <p className="job-status" aria-live="polite">
        {t("common.status")}: <StatusBadge status={job.status} />
      </p>
      <dl className="facts">
        <dt>{t("jobs.license")}</dt>
        <dd className="mono">{job.license}</dd>
        <dt>{t("jobs.purpose")}</dt>
        <dd>{job.purpose}</dd>
        <dt>{t("jobs.submittedAt")}</dt>
        <dd>{dateTime(job.submittedAt)}</dd>
        <dt>{t("jobs.finishedAt")}</dt>
        <dd>{dateTime(job.finishedAt)}</dd>
      </dl>
      <div className="split">
        <div>
          <h2>{t("job.events")}</h2>
          {props.live && !SETTLED.has(job.status) && (
            <p className="muted small" role="status">
              {t("job.live")}
            </p>
          )}
          <ol className="events">
            {props.events.map((event) => (
              <li key={event.seq} data-event={event.type}>
                <strong>{t(`event.${event.type}` as MessageKey)}</strong> <EventLine event={event} />
              </li>
            ))}
          </ol>
          {job.usage && (
            <>
              <h2>{t("job.usage")}</h2>
              <dl className="facts">
                <dt>{t("usage.queries")}</dt>
                <dd>{number(job.usage.queries)}</dd>
                <dt>{t("usage.rowsScanned")}</dt>
                <dd>{number(job.usage.rowsScanned)}</dd>
                <dt>{t("usage.wallMs")}</dt>
                <dd>{number(job.usage.wallMs, 0)}</dd>
                <dt>{t("usage.outputCells")}</dt>
                <dd>{number(job.usage.outputCells)}</dd>
              </dl>
            </>
          )}
        </div>
        <div>
          {job.decision && (
            <>
              <h2>{t("job.decision")}</h2>
              <p>
                <StatusBadge status={job.decision.outcome} />
                {job.decision.tainted && <span className="badge warn">{t("job.tainted")}</span>}
              </p>
              {job.decision.reasons.length > 0 && (
                <ul>
                  {job.decision.reasons.map((reason, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: reasons have no identity beyond their order
                    <li key={i}>
                      <span className="mono">{reason.code}</span>: {reason.detail}
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}
          {job.error && (
            <>
              <h2>{t("job.error")}</h2>
              <p className="error">
                <span className="mono">{job.error.code}</span> {job.error.message ?? job.error.class}
                {job.error.line ? ` (line ${job.error.line})` : ""}
              </p>
            </>
          )}
        </div>
      </div>
      <h2>{t("job.outputs")}</h2>
      {job.status === "released" && job.outputs && Object.keys(job.outputs).length > 0 ? (
        Object.keys(job.outputs).map((name) => (
          <OutputView key={name} jobId={job.id} name={name} accuracy={job.accuracy?.[name]} />
        ))
      ) : (
        <p className="muted">{t("job.noOutputs")}</p>
      )}
      {job.receipt && (
        <details>
          <summary>{t("job.receipt")}</summary>
          <pre className="code small">{JSON.stringify(job.receipt, null, 2)}</pre>
        </details>
      )}
    </>
  );
}

function EventLine(props: { event: JobStreamEvent }) {
  const { t, number } = useI18n();
  const { type, data } = props.event;
  if (type === "finished" || type === "gate") {
    const status = String(data.status ?? data.outcome ?? "");
    return status ? <StatusBadge status={status} /> : null;
  }
  if (type === "progress" && typeof data.fraction === "number")
    return <span className="small">{number(data.fraction * 100, 0)}%</span>;
  if (type === "query") {
    if (data.ok === false) return <span className="mono small">{String(data.code)}</span>;
    const epsilon = typeof data.epsilonCharged === "number" ? data.epsilonCharged : 0;
    return (
      <span className="small">
        #{Number(data.index) + 1} {String(data.kind ?? "")}
        {epsilon > 0 ? ` · ε ${number(epsilon, 3)}` : ""}
        {typeof data.rows === "number" ? ` · ${number(data.rows)} ${t("common.rows")}` : ""}
      </span>
    );
  }
  return null;
}

function OutputView(props: { jobId: string; name: string; accuracy: OutputAccuracy | undefined }) {
  const [loaded, reload] = useLoad(
    () =>
      api<OutputTable>(
        `/v1/jobs/${encodeURIComponent(props.jobId)}/outputs/${encodeURIComponent(props.name)}`,
      ),
    [props.jobId, props.name],
  );
  return (
    <div data-output={props.name}>
      <Show loaded={loaded} retry={reload}>
        {(rows) => <OutputWithChart rows={rows} name={props.name} accuracy={props.accuracy} />}
      </Show>
    </div>
  );
}

const OperatorChart = lazy(() => import("../components/OperatorChart.tsx"));

/** An output table, with a chart beside it when its shape allows one (toggleable; the table stays). */
function OutputWithChart(props: { rows: OutputTable; name: string; accuracy: OutputAccuracy | undefined }) {
  const { t, number, locale } = useI18n();
  const plan = useMemo(() => chartPlan(props.rows, props.accuracy), [props.rows, props.accuracy]);
  const [shown, setShown] = useState(true);
  const chartId = `chart-${props.name}`;
  if (!plan) return <RowsTable rows={props.rows} caption={props.name} accuracy={props.accuracy} />;
  const summary = plan.series
    .map((s) => {
      const values = s.values.filter((v): v is number => v !== null);
      return values.length === 0
        ? ""
        : t("op.chart.range", {
            series: s.name,
            min: number(Math.min(...values)),
            max: number(Math.max(...values)),
          });
    })
    .filter(Boolean)
    .join("; ");
  const label = t("op.chart.label", {
    kind: t(plan.kind === "line" ? "op.chart.line" : "op.chart.bar"),
    name: props.name,
    n: plan.categories.length,
    x: plan.x,
    series: plan.series.map((s) => s.name).join(", "),
    summary: summary ? `${summary}.` : "",
  });
  return (
    <>
      <p>
        <button
          type="button"
          className="secondary"
          aria-expanded={shown}
          aria-controls={chartId}
          onClick={() => setShown(!shown)}
        >
          {shown ? t("op.chart.hide") : t("op.chart.show")}
        </button>
      </p>
      <div className={shown ? "op-output with-chart" : "op-output"}>
        <ScrollRegion label={props.name}>
          <RowsTable rows={props.rows} caption={props.name} accuracy={props.accuracy} />
        </ScrollRegion>
        <div id={chartId} className="op-chart-pane" hidden={!shown}>
          {shown && (
            <Suspense
              fallback={
                <p className="muted" role="status">
                  {t("common.loading")}
                </p>
              }
            >
              <OperatorChart plan={plan} label={label} locale={locale} />
            </Suspense>
          )}
        </div>
      </div>
    </>
  );
}
