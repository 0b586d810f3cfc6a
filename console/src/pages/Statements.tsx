import { type FormEvent, useState } from "react";
import { ApiError, api, apiAll, apiResponse, errorMessage, type Role } from "../api.ts";
import { ErrorBox, Show, useLoad } from "../components/common.tsx";
import { Downloads } from "../components/download.tsx";
import { Notice, Pager, PageSection, useCursorPages } from "../components/page.tsx";
import {
  DigestText,
  PartyText,
  StatementLines,
  StatementVerificationReport,
} from "../components/statements.tsx";
import { useFormProblem } from "../form-problem.ts";
import { useI18n } from "../i18n.ts";
import { Link, navigate, useLocation } from "../router.tsx";
import type { DatasetSummary } from "../types.ts";
import type { Operator } from "../types-governance.ts";
import type {
  PartyKind,
  StatementDocument,
  StatementSummary,
  StatementVerification,
} from "../types-settlement.ts";

const PAGE_SIZE = 25;
const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
const KINDS: readonly PartyKind[] = ["operator", "holder"];

interface Filters {
  period?: string;
  kind?: PartyKind;
  party?: string;
}

/**
 * The statements the signed-in principal may read (the gateway filters: all for the bureau and
 * auditors, an operator's own, a holder department's), and for the bureau the form to issue one.
 */
export function StatementsPage(props: { role: Role }) {
  const { t } = useI18n();
  // Only the bureau and auditors see more than one party's statements: only they pick a party.
  const byParty = props.role === "bureau" || props.role === "auditor";
  return (
    <PageSection id="stm-title" title={t("stm.list.title")} intro={t(`stm.list.intro.${props.role}`)}>
      {props.role === "bureau" && <IssueStatement />}
      <StatementList byParty={byParty} />
    </PageSection>
  );
}

function StatementList(props: { byParty: boolean }) {
  const { t, dateTime } = useI18n();
  const [draft, setDraft] = useState<Filters>({});
  const [filters, setFilters] = useState<Filters>({});
  const pages = useCursorPages<string>();
  const [loaded, reload] = useLoad(
    () =>
      api<{ statements: StatementSummary[]; next: string | null }>("/v1/statements", {
        query: { ...filters, limit: PAGE_SIZE, cursor: pages.cursor },
      }),
    [JSON.stringify(filters), pages.cursor],
  );
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const party = draft.party?.trim();
    setFilters({
      ...(draft.period ? { period: draft.period } : {}),
      ...(draft.kind ? { kind: draft.kind } : {}),
      ...(party ? { party } : {}),
    });
    pages.first();
  };
  const clear = () => {
    setDraft({});
    setFilters({});
    pages.first();
  };
  return (
    <>
      <form className="filters" onSubmit={apply} aria-labelledby="stm-filters-title">
        <h2 id="stm-filters-title">{t("audit.filters")}</h2>
        <div className="filter-grid">
          <div>
            <label htmlFor="stm-filter-period">{t("stm.period")}</label>
            <input
              id="stm-filter-period"
              type="month"
              value={draft.period ?? ""}
              onChange={(e) => setDraft({ ...draft, period: e.target.value })}
            />
          </div>
          <div>
            <label htmlFor="stm-filter-kind">{t("stm.kind")}</label>
            <select
              id="stm-filter-kind"
              value={draft.kind ?? ""}
              onChange={(e) => {
                const kind = KINDS.find((k) => k === e.target.value);
                setDraft({ ...draft, kind });
              }}
            >
              <option value="">{t("stm.kind.all")}</option>
              {KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {t(`role.${kind}`)}
                </option>
              ))}
            </select>
          </div>
          {props.byParty && (
            <div>
              <label htmlFor="stm-filter-party">{t("stm.party")}</label>
              <input
                id="stm-filter-party"
                value={draft.party ?? ""}
                placeholder={t("stm.party.placeholder")}
                onChange={(e) => setDraft({ ...draft, party: e.target.value })}
              />
            </div>
          )}
        </div>
        <div className="actions">
          <button type="submit">{t("audit.apply")}</button>
          <button type="button" className="secondary" onClick={clear}>
            {t("audit.clear")}
          </button>
        </div>
      </form>
      <Show loaded={loaded} retry={reload}>
        {({ statements, next }) => (
          <>
            {statements.length === 0 ? (
              <p data-testid="statements-empty">{t("stm.empty")}</p>
            ) : (
              <div className="table-wrap">
                <table className="stm-list stacked">
                  <caption>{t("stm.list.caption", { n: pages.number })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("stm.col.period")}</th>
                      <th scope="col">{t("stm.col.party")}</th>
                      <th scope="col" className="num">
                        {t("stm.col.charge")}
                      </th>
                      <th scope="col">{t("stm.col.issued")}</th>
                      <th scope="col">{t("stm.col.digest")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {statements.map((s) => (
                      <tr key={s.id} data-statement={s.id}>
                        <th scope="row" data-label={t("stm.col.period")}>
                          <Link to={`/statements/${encodeURIComponent(s.id)}`}>{s.period}</Link>
                        </th>
                        <td data-label={t("stm.col.party")}>
                          <PartyText party={s.party} />
                        </td>
                        <td className="num" data-label={t("stm.col.charge")}>
                          ¥{s.charge}
                        </td>
                        <td data-label={t("stm.col.issued")}>
                          {dateTime(s.issuedAt)} · <span className="mono small">{s.issuedBy}</span>
                        </td>
                        <td data-label={t("stm.col.digest")}>
                          <DigestText digest={s} short />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <Pager pages={pages} next={next} />
          </>
        )}
      </Show>
    </>
  );
}

/** The last calendar month (UTC) that has ended: the one a statement can settle first. */
function lastEndedMonth(now: Date = new Date()): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}

/**
 * Issues a month's statement for an operator or a holder department (`POST /v1/statements`, bureau)
 * and opens it. The gateway's refusals say what to do (the month has not ended, jobs still wait):
 * they are shown as it words them.
 */
function IssueStatement() {
  const { t } = useI18n();
  const [period, setPeriod] = useState(lastEndedMonth);
  const [kind, setKind] = useState<PartyKind>("operator");
  const [party, setParty] = useState("");
  const [busy, setBusy] = useState(false);
  const { problem, setProblem, invalid } = useFormProblem();
  const [parties, reloadParties] = useLoad(
    async () => ({
      operators: await apiAll<Operator>("/v1/operators", "operators"),
      departments: [
        ...new Set(
          (await api<{ datasets: DatasetSummary[] }>("/v1/datasets")).datasets.map(
            (d) => d.holder.department,
          ),
        ),
      ].sort(),
    }),
    [],
  );
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing = [...(PERIOD.test(period) ? [] : ["period"]), ...(party ? [] : ["party.id"])];
    if (missing.length > 0) {
      setProblem({ message: t("stm.issue.incomplete"), fields: missing });
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      const issued = await apiResponse<StatementDocument>("/v1/statements", {
        method: "POST",
        body: { period, party: { kind, id: party } },
      });
      navigate(
        `/statements/${encodeURIComponent(issued.body.id)}?issued=${issued.status === 201 ? "new" : "again"}`,
      );
    } catch (error) {
      // A month not ended or with jobs still waiting is about the period; an unknown party, the party.
      const fields =
        error instanceof ApiError && error.code === "CONFLICT"
          ? ["period"]
          : error instanceof ApiError && error.code === "NOT_FOUND"
            ? ["party.id"]
            : [];
      setProblem({ message: errorMessage(error), fields });
      setBusy(false);
    }
  };
  return (
    <form
      className="gov-form stack"
      onSubmit={submit}
      noValidate
      aria-labelledby="stm-issue-title"
      data-testid="issue-statement"
    >
      <h2 id="stm-issue-title">{t("stm.issue.title")}</h2>
      <p className="muted small">{t("stm.issue.note")}</p>
      <div className="gov-fields">
        <div className="gov-field">
          <label htmlFor="stm-issue-period">{t("stm.issue.period")}</label>
          <input
            id="stm-issue-period"
            type="month"
            value={period}
            onChange={(e) => setPeriod(e.target.value)}
            required
            aria-invalid={invalid("period")}
          />
        </div>
        <div className="gov-field">
          <label htmlFor="stm-issue-kind">{t("stm.kind")}</label>
          <select
            id="stm-issue-kind"
            value={kind}
            onChange={(e) => {
              setKind(e.target.value === "holder" ? "holder" : "operator");
              setParty("");
            }}
          >
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`role.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="gov-field">
          <label htmlFor="stm-issue-party">
            {t(kind === "operator" ? "stm.issue.operator" : "stm.issue.holder")}
          </label>
          <Show loaded={parties} retry={reloadParties}>
            {({ operators, departments }) => (
              <select
                id="stm-issue-party"
                value={party}
                onChange={(e) => setParty(e.target.value)}
                required
                aria-invalid={invalid("party.id")}
              >
                <option value="">{t("stm.issue.choose")}</option>
                {kind === "operator"
                  ? operators.map((op) => (
                      <option key={op.id} value={op.id}>
                        {op.name} · {op.id}
                      </option>
                    ))
                  : departments.map((department) => (
                      <option key={department} value={department}>
                        {department}
                      </option>
                    ))}
              </select>
            )}
          </Show>
        </div>
      </div>
      {problem && <ErrorBox message={problem.message} />}
      <button type="submit" disabled={busy}>
        {busy ? t("stm.issue.busy") : t("stm.issue.submit")}
      </button>
    </form>
  );
}

/** One statement: its facts, downloads of the signed original and its renderings, lines and totals, and verification. */
export function StatementPage(props: { id: string }) {
  const { t } = useI18n();
  const issued = useLocation().search.get("issued");
  const path = `/v1/statements/${encodeURIComponent(props.id)}`;
  const [loaded, reload] = useLoad(
    () =>
      api<StatementDocument>(path).then(
        (document) => ({ document }),
        (error: unknown) => {
          // Another party's statement answers as one that does not exist, and is shown so.
          if (error instanceof ApiError && error.status === 404) return { document: null };
          throw error;
        },
      ),
    [path],
  );
  return (
    <section aria-labelledby="stm-one-title">
      <p>
        <Link to="/statements">← {t("stm.nav")}</Link>
      </p>
      <h1 id="stm-one-title" className="mono-title">
        {t("stm.one.title", { id: props.id })}
      </h1>
      <Notice
        message={
          issued === "new"
            ? t("stm.issued.new", { id: props.id })
            : issued === "again"
              ? t("stm.issued.again")
              : undefined
        }
      />
      <Show loaded={loaded} retry={reload}>
        {({ document }) =>
          document === null ? (
            <div className="error" role="alert" data-testid="statement-not-found">
              <p>{t("stm.notFound", { id: props.id })}</p>
              <Link to="/statements">{t("stm.backToList")}</Link>
            </div>
          ) : (
            <StatementBodyView document={document} path={path} />
          )
        }
      </Show>
    </section>
  );
}

function StatementBodyView(props: { document: StatementDocument; path: string }) {
  const { t, dateTime, number } = useI18n();
  const { document } = props;
  const body = document.statement;
  return (
    <>
      <dl className="facts stm-facts">
        <dt>{t("stm.col.period")}</dt>
        <dd>{t("stm.one.period", { period: body.period })}</dd>
        <dt>{t("stm.col.party")}</dt>
        <dd>
          <PartyText party={body.party} />
        </dd>
        <dt>{t("stm.one.total")}</dt>
        <dd data-testid="statement-total">¥{body.totals.charge}</dd>
        <dt>{t("stm.col.issued")}</dt>
        <dd>
          {dateTime(document.issuedAt)} · <span className="mono small">{document.issuedBy}</span>
        </dd>
        <dt>{t("stm.one.tariffs")}</dt>
        <dd>{body.tariffVersions.length ? body.tariffVersions.map((v) => `v${v}`).join(", ") : "—"}</dd>
        <dt>{t("stm.one.jobs")}</dt>
        <dd>
          {number(body.jobs.count)} · <DigestText digest={body.jobs} short />
        </dd>
        <dt>{t("stm.col.digest")}</dt>
        <dd data-testid="statement-digest">
          <DigestText digest={document} />
        </dd>
        <dt>{t("stm.one.key")}</dt>
        <dd className="mono small wrap" data-testid="statement-key">
          {body.key}
        </dd>
        <dt>{t("stm.one.signature")}</dt>
        <dd className="mono small wrap">{document.signature}</dd>
      </dl>
      <h2>{t("stm.download.title")}</h2>
      <p className="muted small">{t("stm.download.note")}</p>
      <Downloads
        path={props.path}
        formats={[
          {
            id: "json",
            label: t("stm.download.json"),
            accept: "application/json",
            filename: `${document.id}.json`,
          },
          { id: "csv", label: t("stm.download.csv"), accept: "text/csv", filename: `${document.id}.csv` },
          {
            id: "pdf",
            label: t("stm.download.pdf"),
            accept: "application/pdf",
            filename: `${document.id}.pdf`,
          },
        ]}
      />
      <h2>{t("stm.lines.title")}</h2>
      <StatementLines body={body} />
      <VerifyStatement path={props.path} />
    </>
  );
}

/** Asks the server to verify the statement (`POST /v1/statements/{id}/verify`) and shows each check. */
function VerifyStatement(props: { path: string }) {
  const { t } = useI18n();
  const [verification, setVerification] = useState<StatementVerification>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const verify = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setVerification(await api<StatementVerification>(`${props.path}/verify`, { method: "POST" }));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="stm-verify-title">
      <h2 id="stm-verify-title">{t("stm.verify.title")}</h2>
      <p className="muted small">{t("stm.verify.intro")}</p>
      <p>
        <button type="button" onClick={verify} disabled={busy} data-action="verify">
          {busy ? t("stm.verify.busy") : t("stm.verify.button")}
        </button>
      </p>
      {error && <ErrorBox message={error} />}
      <div aria-live="polite">
        {verification && <StatementVerificationReport verification={verification} />}
      </div>
    </section>
  );
}
