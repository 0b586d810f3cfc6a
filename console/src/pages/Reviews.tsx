import { type FormEvent, useState } from "react";
import { api, apiAll, errorMessage } from "../api.ts";
import { ErrorBox, RowsTable, Show, StatusBadge, useLoad } from "../components/common.tsx";
import { Notice } from "../components/page.tsx";
import { useI18n } from "../i18n.ts";
import { Link } from "../router.tsx";
import type { GateReason, Job, PendingReview, QueryEvent, Review } from "../types.ts";
import { useJobEvents } from "./Job.tsx";

export function ReviewsPage() {
  const { t, dateTime } = useI18n();
  const [loaded, reload] = useLoad(
    () => apiAll<PendingReview>("/v1/reviews", "reviews").then((reviews) => ({ reviews })),
    [],
  );
  return (
    <section aria-labelledby="reviews-title">
      <h1 id="reviews-title">{t("reviews.title")}</h1>
      <p className="muted">{t("reviews.intro")}</p>
      <Show loaded={loaded} retry={reload}>
        {({ reviews }) =>
          reviews.length === 0 ? (
            <p>{t("reviews.empty")}</p>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="sr-only">{t("reviews.title")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("common.id")}</th>
                    <th scope="col">{t("reviews.operator")}</th>
                    <th scope="col">{t("jobs.submittedAt")}</th>
                    <th scope="col">{t("review.reasons")}</th>
                    <th scope="col">{t("reviews.needed")}</th>
                  </tr>
                </thead>
                <tbody>
                  {reviews.map((review) => (
                    <tr key={review.job.id} data-review={review.job.id}>
                      <th scope="row" className="mono small">
                        <Link to={`/reviews/${review.job.id}`}>{review.job.id}</Link>
                      </th>
                      <td>{review.operator.organization}</td>
                      <td>{dateTime(review.job.submittedAt)}</td>
                      <td className="mono small">
                        {[...new Set(review.job.decision?.reasons.map((r) => r.code) ?? [])].join(", ")}
                      </td>
                      <td>
                        {review.reviews.length} / {review.reviewsRequired}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </section>
  );
}

/**
 * One held job, side by side: on the left what the script is and what it asked of the data, on
 * the right what the gate found and the outputs it held, with the decision form under them.
 */
export function ReviewPage(props: { jobId: string }) {
  const { t } = useI18n();
  const [decided, setDecided] = useState<{ job: Job; reviews: Review[] }>();
  const [loaded, reload] = useLoad(
    () =>
      apiAll<PendingReview>("/v1/reviews", "reviews").then(
        (reviews) => reviews.find((r) => r.job.id === props.jobId) ?? null,
      ),
    [props.jobId],
  );
  const { events } = useJobEvents(props.jobId);
  const queries = events.filter((e) => e.type === "query").map((e) => e.data as unknown as QueryEvent);
  return (
    <section aria-labelledby="review-title">
      <p>
        <Link to="/reviews">← {t("nav.reviews")}</Link>
      </p>
      <h1 id="review-title" className="mono-title">
        {t("review.title", { id: props.jobId })}
      </h1>
      {decided ? (
        <Notice message={t("review.decided", { status: t(`status.${decided.job.status}`) })} />
      ) : (
        <Show loaded={loaded} retry={reload}>
          {(review) =>
            review === null ? (
              <p>{t("review.notFound")}</p>
            ) : (
              <ReviewBody review={review} queries={queries} onDecided={setDecided} />
            )
          }
        </Show>
      )}
    </section>
  );
}

function ReviewBody(props: {
  review: PendingReview;
  queries: QueryEvent[];
  onDecided: (result: { job: Job; reviews: Review[] }) => void;
}) {
  const { t, number, dateTime } = useI18n();
  const { job } = props.review;
  const script = props.review.script ?? job.script;
  // The log's record of each query (it survives restarts) when the API gives it; else the live events.
  const queries: QueryEvent[] = props.review.queries
    ? props.review.queries.map((q) =>
        q.verdict
          ? {
              index: q.index,
              ok: true,
              sql: q.sql,
              kind: q.verdict.kind,
              datasets: q.verdict.datasets,
              rewrites: q.verdict.rewrites,
              epsilonCharged: q.verdict.epsilonCharged,
              rows: q.verdict.rowsReturned,
            }
          : {
              index: q.index,
              ok: false,
              sql: q.sql,
              code: q.error?.code,
              detail: q.error?.message ?? undefined,
            },
      )
    : props.queries;
  const reasons = job.decision?.reasons ?? [];
  return (
    <>
      <p>
        <StatusBadge status={job.status} /> · {props.review.operator.organization} ·{" "}
        <span className="mono small">{job.license}</span> · {dateTime(job.submittedAt)}
      </p>
      <div className="side-by-side">
        <section className="pane" aria-labelledby="script-title">
          <h2 id="script-title">{t("review.script")}</h2>
          {script ? (
            <pre className="code script" data-testid="script-source">
              {script.split("\n").map((line, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: source lines are identified by their number
                <span key={i} className="line">
                  <span className="line-no" aria-hidden="true">
                    {i + 1}
                  </span>
                  {line}
                  {"\n"}
                </span>
              ))}
            </pre>
          ) : (
            <p className="notice" data-testid="script-unavailable">
              {t("review.scriptUnavailable", { sha: job.scriptSha256 })}
            </p>
          )}
          <h2>{t("review.queries")}</h2>
          {queries.length === 0 ? (
            <p className="muted">
              {t(job.usage?.queries === 0 ? "review.madeNoQueries" : "review.noQueries")}
            </p>
          ) : (
            <ol className="queries">
              {queries.map((query) => (
                <li key={query.index} data-query={query.index}>
                  <strong>{t("review.query", { n: query.index + 1 })}</strong>{" "}
                  {query.sql ? <pre className="code small">{query.sql}</pre> : null}
                  {query.ok ? (
                    <>
                      <span className="mono small">{query.kind}</span>
                      <dl className="facts compact">
                        <dt>{t("review.datasets")}</dt>
                        <dd className="mono">{query.datasets?.join(", ") || "—"}</dd>
                        <dt>{t("review.rewrites")}</dt>
                        <dd className="mono small">{query.rewrites?.join("; ") || "—"}</dd>
                        <dt>{t("review.epsilon")}</dt>
                        <dd>{number(query.epsilonCharged ?? 0, 4)}</dd>
                      </dl>
                    </>
                  ) : (
                    <span className="badge bad">
                      {t("review.refused")}: {query.code} {query.detail}
                    </span>
                  )}
                </li>
              ))}
            </ol>
          )}
          {job.logs && job.logs.length > 0 && (
            <>
              <h2>{t("review.logs")}</h2>
              <pre className="code small">{job.logs.join("\n")}</pre>
            </>
          )}
        </section>
        <section className="pane" aria-labelledby="reasons-title">
          <h2 id="reasons-title">{t("review.reasons")}</h2>
          <ReasonList reasons={reasons} />
          <h2>{t("review.heldOutputs")}</h2>
          {Object.entries(job.outputs ?? {}).map(([name, rows]) => (
            <div key={name} data-output={name}>
              <RowsTable
                rows={rows}
                caption={name}
                marked={
                  new Set(reasons.filter((r) => r.output === name && r.row !== undefined).map((r) => r.row!))
                }
              />
            </div>
          ))}
        </section>
      </div>
      {props.review.reviews.length > 0 && (
        <>
          <h2>{t("review.reviewsSoFar")}</h2>
          <ul>
            {props.review.reviews.map((r) => (
              <li key={`${r.reviewer}:${r.decidedAt}`}>
                <span className="mono small">{r.reviewer}</span> · {r.decision} · {r.comment}
              </li>
            ))}
          </ul>
        </>
      )}
      <DecisionForm jobId={job.id} onDecided={props.onDecided} />
    </>
  );
}

function ReasonList(props: { reasons: GateReason[] }) {
  const { t } = useI18n();
  if (props.reasons.length === 0) return <p className="muted">{t("common.none")}</p>;
  return (
    <ul className="reasons">
      {props.reasons.map((reason, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: reasons have no identity beyond their order
        <li key={i}>
          <span className="mono">{reason.code}</span>
          {reason.output && (
            <>
              {" · "}
              {t("review.output")} <span className="mono">{reason.output}</span>
            </>
          )}
          {/* The gate counts rows from 0; officers count them from 1. */}
          {reason.row !== undefined && <> · {t("review.row", { n: reason.row + 1 })}</>}
          {reason.column && (
            <>
              {" · "}
              {t("review.column")} <span className="mono">{reason.column}</span>
            </>
          )}
          <div>{reason.detail}</div>
        </li>
      ))}
    </ul>
  );
}

function DecisionForm(props: {
  jobId: string;
  onDecided: (result: { job: Job; reviews: Review[] }) => void;
}) {
  const { t } = useI18n();
  const [decision, setDecision] = useState<"approve" | "reject">("approve");
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!comment.trim()) {
      setError(t("review.commentNeeded"));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      props.onDecided(
        await api<{ job: Job; reviews: Review[] }>(`/v1/reviews/${encodeURIComponent(props.jobId)}`, {
          method: "POST",
          body: { decision, comment: comment.trim() },
        }),
      );
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="stack decision" aria-labelledby="decision-title">
      <h2 id="decision-title">{t("review.decisionTitle")}</h2>
      <fieldset>
        <legend className="sr-only">{t("review.decisionTitle")}</legend>
        <label className="inline">
          <input
            type="radio"
            name="decision"
            value="approve"
            checked={decision === "approve"}
            onChange={() => setDecision("approve")}
          />{" "}
          {t("review.approve")}
        </label>
        <label className="inline">
          <input
            type="radio"
            name="decision"
            value="reject"
            checked={decision === "reject"}
            onChange={() => setDecision("reject")}
          />{" "}
          {t("review.reject")}
        </label>
      </fieldset>
      <label htmlFor="review-comment">{t("review.comment")}</label>
      <textarea id="review-comment" rows={3} value={comment} onChange={(e) => setComment(e.target.value)} />
      {error && <ErrorBox message={error} />}
      <button type="submit" disabled={busy}>
        {busy ? t("review.submitting") : t("review.submit")}
      </button>
    </form>
  );
}
