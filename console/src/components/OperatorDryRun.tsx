import { type MessageKey, type Translate, useI18n } from "../i18n.ts";
import type { DryRun, DryRunQuery } from "../types.ts";
import { RowsTable } from "./common.tsx";

/** A rewrite the engine reports (`threshold:10`, `noise:discrete_laplace`, …) in the reader's words. */
export function rewriteInWords(rewrite: string, t: Translate): string | null {
  const [name, arg = ""] = rewrite.split(/:(.*)/s) as [string, string?];
  switch (name) {
    case "count_distinct_units":
      return t("op.rewrite.count_distinct_units");
    case "contribution_bound":
      return t("op.rewrite.contribution_bound", { n: arg });
    case "threshold":
      return t("op.rewrite.threshold", { n: arg });
    case "clamp":
      return t("op.rewrite.clamp", { range: arg });
    case "noise":
      return t(arg === "sticky_seeded" ? "op.rewrite.stickyNoise" : "op.rewrite.noise");
    case "public_partitions":
      return t("op.rewrite.public_partitions");
    case "one_group_per_unit":
      return t("op.rewrite.one_group_per_unit");
    case "clamp_unit_total":
      return t("op.rewrite.clamp_unit_total", { max: arg });
    case "scale_unit_total":
      return t("op.rewrite.scale_unit_total", { max: arg });
    case "dominance": {
      const fields = Object.fromEntries(arg.split(",").map((kv) => kv.split("=") as [string, string]));
      return t("op.rewrite.dominance", { n: fields.n ?? "?", k: fields.k ?? "?" });
    }
    // How the engine proved a bound holds: for the audit log, not for the operator.
    case "unit_unique_per_row":
    case "unit_once_per_group":
    case "unit_rows_within_bound":
      return null;
    default:
      return rewrite;
  }
}

const OUTCOME_CLASS: Record<DryRun["status"], string> = {
  released: "ok",
  held: "warn",
  rejected: "bad",
  failed: "bad",
};

/** The dry run's report: per query what the engine would do and cost, then the release verdict. */
export function DryRunReport(props: { report: DryRun; stale: boolean }) {
  const { t, number } = useI18n();
  const { report } = props;
  const budget = new Map(report.budget.map((b) => [b.dataset, b]));
  const charged = Object.entries(report.epsilon).filter(([, e]) => e > 0);
  return (
    <div className="op-dryrun" data-testid="dry-run" data-status={report.status}>
      {props.stale && <p className="notice">{t("op.dryRun.stale")}</p>}
      <p className="muted small">{t("op.dryRun.intro")}</p>
      <div className={`op-verdict ${OUTCOME_CLASS[report.status]}`} data-testid="dry-run-verdict">
        <strong>{t(`op.release.${report.status}` as MessageKey)}</strong>
        {report.status === "held" && report.release.reviewsRequired > 0 && (
          <span> {t("op.release.reviews", { n: report.release.reviewsRequired })}</span>
        )}
        {report.error && (
          <p className="mono small">
            {report.error.code}: {report.error.message}
            {report.error.line ? ` (line ${report.error.line})` : ""}
          </p>
        )}
        {report.release.reasons.length > 0 && (
          <>
            <p className="small">{t("op.release.reasons")}:</p>
            <ul className="small">
              {report.release.reasons.map((reason, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: reasons have no identity beyond their order
                <li key={i}>
                  <span className="mono">{reason.code}</span>: {reason.detail}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
      {charged.length > 0 && (
        <>
          <h4>{t("op.epsilon.total")}</h4>
          <dl className="facts" data-testid="dry-run-epsilon">
            {charged.map(([dataset, epsilon]) => {
              const left = budget.get(dataset);
              return (
                <div key={dataset} className="op-fact">
                  <dt className="mono">{dataset}</dt>
                  <dd>
                    ε {number(epsilon, 3)}
                    {left && (
                      <span className="muted small">
                        {" "}
                        ·{" "}
                        {t("op.epsilon.left", {
                          left: number(left.left, 3),
                          total: number(left.total, 3),
                          period: left.period,
                        })}
                      </span>
                    )}
                  </dd>
                </div>
              );
            })}
          </dl>
        </>
      )}
      <ol className="op-queries">
        {report.queries.map((query) => (
          <QueryCard key={query.index} query={query} />
        ))}
      </ol>
      {Object.keys(report.dummyOutputs).length > 0 && (
        <details>
          <summary>{t("op.dummyOutputs")}</summary>
          <p className="badge warn">{t("op.dummy.badge")}</p>
          {Object.entries(report.dummyOutputs).map(([name, rows]) => (
            <RowsTable key={name} rows={rows} caption={`${name} · ${t("op.dummy.badge")}`} />
          ))}
        </details>
      )}
      {report.logs.length > 0 && (
        <details>
          <summary>{t("op.logs")}</summary>
          <pre className="code small">{report.logs.join("\n")}</pre>
        </details>
      )}
    </div>
  );
}

function QueryCard(props: { query: DryRunQuery }) {
  const { t, number } = useI18n();
  const { query } = props;
  const words = query.rewrites.map((r) => rewriteInWords(r, t)).filter((w): w is string => w !== null);
  return (
    <li className="op-query" data-query={query.index} data-verdict={query.verdict}>
      <h4>
        {t("op.query.title", { n: query.index + 1 })}{" "}
        <span className={`badge ${query.verdict === "allowed" ? "status-released" : "status-rejected"}`}>
          {t(query.verdict === "allowed" ? "op.query.allowed" : "op.query.refused")}
        </span>
        {query.kind && <span className="muted small"> · {t(`op.query.kind.${query.kind}`)}</span>}
      </h4>
      {query.verdict === "refused" && (
        <p className="error small">
          <span className="mono">{query.code}</span> {query.message}
        </p>
      )}
      <dl className="facts">
        <dt>{t("op.query.epsilon")}</dt>
        <dd data-testid="query-epsilon">
          {query.answeredFromRecord
            ? t("op.query.epsilonRecorded", { cost: number(query.epsilonCost, 3) })
            : query.epsilon === query.epsilonCost
              ? `ε ${number(query.epsilon, 3)}`
              : t("op.query.epsilonCost", {
                  now: `ε ${number(query.epsilon, 3)}`,
                  cost: number(query.epsilonCost, 3),
                })}
        </dd>
        {query.verdict === "allowed" && (
          <>
            <dt>{t("common.rows")}</dt>
            <dd>{t("op.query.rows", { n: number(query.rows) })}</dd>
          </>
        )}
      </dl>
      {query.requiresReview && <p className="badge warn">{t("op.query.review")}</p>}
      {query.rules.length > 0 && (
        <>
          <h5>{t("op.query.rules")}</h5>
          <ul className="small">
            {query.rules.map((use) => (
              <li key={`${use.dataset}.${use.column}.${use.clause}`}>
                {t("op.rule.use", {
                  column: use.column,
                  dataset: use.dataset,
                  rule: t(`rule.${use.rule}` as MessageKey),
                  clause: use.clause.toUpperCase(),
                })}
              </li>
            ))}
          </ul>
        </>
      )}
      {words.length > 0 && (
        <>
          <h5>{t("op.query.rewrites")}</h5>
          <ul className="small" data-testid="query-rewrites">
            {words.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </>
      )}
      <details>
        <summary>{t("op.query.sql")}</summary>
        <pre className="code small">{query.sql}</pre>
      </details>
      {query.rewrittenSql && (
        <details open>
          <summary>{t("op.query.rewritten")}</summary>
          <pre className="code small op-sql" data-testid="rewritten-sql">
            {query.rewrittenSql}
          </pre>
        </details>
      )}
    </li>
  );
}
