import { type FormEvent, type ReactNode, useState } from "react";
import { api, apiAll, errorMessage } from "../api.ts";
import {
  ApplicationCards,
  ApplicationFacts,
  StatusFilter,
  statusesFrom,
  useStatusParam,
} from "../components/applications.tsx";
import {
  AdmitOperator,
  IssuedKey,
  PRICES,
  SetTariff,
  type TariffOutcome,
} from "../components/bureau-forms.tsx";
import { ErrorBox, Show, useLoad } from "../components/common.tsx";
import { ReasonAction } from "../components/governance.tsx";
import { CardList, Notice, PageSection } from "../components/page.tsx";
import { type MessageKey, useI18n } from "../i18n.ts";
import { Link } from "../router.tsx";
import type {
  ApplicationDetail,
  BureauLicenseView,
  Freeze,
  FreezeScope,
  Operator,
  TariffVersion,
} from "../types-governance.ts";

const post = (path: string, body: unknown) => api(path, { method: "POST", body });

/** A status badge for operators, licenses and freezes, worded per status. */
function GovStatus(props: { status: string }) {
  const { t } = useI18n();
  return (
    <span className={`badge gov-status-${props.status}`}>
      {t(`gov.status.${props.status}` as MessageKey)}
    </span>
  );
}

/** A one-line notice after an action, read out by screen readers. */
function useNotice(): [string | undefined, (message: string) => void] {
  const [notice, setNotice] = useState<string>();
  return [notice, setNotice];
}

export function OperatorsPage() {
  const { t, dateTime } = useI18n();
  const [loaded, reload] = useLoad(
    () => apiAll<Operator>("/v1/operators", "operators").then((operators) => ({ operators })),
    [],
  );
  const [notice, setNotice] = useNotice();
  // The key just issued, in this page's memory only: gone on dismissal or when the page is left.
  const [issued, setIssued] = useState<{ name: string; key: string }>();
  return (
    <PageSection id="gov-operators-title" title={t("gov.operators.title")} intro={t("gov.operators.intro")}>
      <Notice message={notice} />
      {issued && (
        <IssuedKey
          key={issued.key}
          name={issued.name}
          apiKey={issued.key}
          onDismiss={() => {
            setIssued(undefined);
            document.getElementById("gov-admit-name")?.focus();
          }}
        />
      )}
      <AdmitOperator
        onAdmitted={({ operator, apiKey }) => {
          setNotice(t("gov.admit.done", { name: operator.name, id: operator.id }));
          setIssued({ name: operator.name, key: apiKey.key });
          reload();
        }}
      />
      <h2>{t("gov.operators.list")}</h2>
      <CardList
        loaded={loaded}
        retry={reload}
        items={({ operators }) => operators}
        empty={<p>{t("common.none")}</p>}
      >
        {(op) => {
          const done = (action: string) => () => {
            setNotice(t("gov.done", { what: op.name, action }));
            reload();
          };
          return (
            <li key={op.id} className="card wide" data-operator={op.id}>
              <h3>
                {op.name} <GovStatus status={op.status} />
              </h3>
              <dl className="facts">
                <dt>{t("common.id")}</dt>
                <dd className="mono small">{op.id}</dd>
                <dt>{t("gov.operators.organization")}</dt>
                <dd>{op.organization}</dd>
                {op.qualification && (
                  <>
                    <dt>{t("gov.operators.uscc")}</dt>
                    <dd className="mono">{op.qualification.uscc}</dd>
                    <dt>{t("gov.operators.certificate")}</dt>
                    <dd>
                      {op.qualification.certificate}
                      {op.qualification.certificateValidTo &&
                        ` · ${t("gov.operators.validTo")} ${op.qualification.certificateValidTo}`}
                    </dd>
                    <dt>{t("gov.operators.purposes")}</dt>
                    <dd>{op.qualification.approvedPurposes.join("；")}</dd>
                  </>
                )}
                <dt>{t("gov.operators.since")}</dt>
                <dd>{dateTime(op.createdAt)}</dd>
                {op.statusReason && (
                  <>
                    <dt>{t("gov.statusReason")}</dt>
                    <dd>
                      {op.statusReason} · {dateTime(op.statusChangedAt)}
                    </dd>
                  </>
                )}
              </dl>
              <div className="gov-actions">
                {op.status === "active" && (
                  <ReasonAction
                    action="suspend"
                    label={t("gov.action.suspend")}
                    reasonRequired
                    danger
                    run={(reason) => post(`/v1/operators/${op.id}/suspend`, { reason })}
                    onDone={done(t("gov.action.suspend"))}
                  />
                )}
                {op.status === "suspended" && (
                  <ReasonAction
                    action="reinstate"
                    label={t("gov.action.reinstate")}
                    reasonRequired
                    run={(reason) => post(`/v1/operators/${op.id}/reinstate`, { reason })}
                    onDone={done(t("gov.action.reinstate"))}
                  />
                )}
              </div>
            </li>
          );
        }}
      </CardList>
    </PageSection>
  );
}

export function LicensesPage() {
  const { t, dateTime, number } = useI18n();
  const [loaded, reload] = useLoad(
    () => apiAll<BureauLicenseView>("/v1/licenses", "licenses").then((licenses) => ({ licenses })),
    [],
  );
  const [notice, setNotice] = useNotice();
  return (
    <PageSection id="gov-licenses-title" title={t("gov.licenses.title")} intro={t("gov.licenses.intro")}>
      <Notice message={notice} />
      <CardList
        loaded={loaded}
        retry={reload}
        items={({ licenses }) => licenses}
        empty={<p>{t("common.none")}</p>}
      >
        {(view) => {
          const { license } = view;
          const act = (action: "suspend" | "reinstate" | "revoke", danger = false) => (
            <ReasonAction
              action={action}
              label={t(`gov.action.${action}`)}
              reasonRequired
              danger={danger}
              run={(reason) => post(`/v1/licenses/${license.id}/${action}`, { reason })}
              onDone={() => {
                setNotice(t("gov.done", { what: license.id, action: t(`gov.action.${action}`) }));
                reload();
              }}
            />
          );
          return (
            <li key={license.id} className="card wide" data-license={license.id}>
              <h2 className="mono-title">
                {license.id} <GovStatus status={view.status} />
              </h2>
              <dl className="facts">
                <dt>{t("apps.operator")}</dt>
                <dd className="mono small">{license.operator}</dd>
                <dt>{t("jobs.purpose")}</dt>
                <dd>{license.purpose}</dd>
                <dt>{t("apps.datasets")}</dt>
                <dd className="mono">{license.datasets.map((d) => d.name).join(", ")}</dd>
                <dt>{t("gov.licenses.window")}</dt>
                <dd>
                  {dateTime(license.validFrom)} – {dateTime(license.validTo)}
                </dd>
                {view.budget.map((b) => (
                  <FragmentBudget
                    key={b.dataset}
                    dataset={b.dataset}
                    left={number(b.left, 3)}
                    total={number(b.total, 3)}
                  />
                ))}
                {view.statusReason && (
                  <>
                    <dt>{t("gov.statusReason")}</dt>
                    <dd>{view.statusReason}</dd>
                  </>
                )}
              </dl>
              <div className="gov-actions">
                {view.status === "active" && act("suspend", true)}
                {view.status === "suspended" && act("reinstate")}
                {(view.status === "active" || view.status === "suspended") && act("revoke", true)}
              </div>
            </li>
          );
        }}
      </CardList>
    </PageSection>
  );
}

function FragmentBudget(props: { dataset: string; left: string; total: string }) {
  const { t } = useI18n();
  return (
    <>
      <dt>{t("gov.licenses.budget", { dataset: props.dataset })}</dt>
      <dd>{t("gov.licenses.budgetLeft", { left: props.left, total: props.total })}</dd>
    </>
  );
}

const APP_STATUSES = statusesFrom("awaiting_approval");

/** The bureau's applications: those awaiting approval first, each with its decisions so far. */
export function BureauApplicationsPage() {
  const { t } = useI18n();
  const status = useStatusParam(APP_STATUSES);
  const [loaded, reload] = useLoad(
    () =>
      apiAll<ApplicationDetail>("/v1/applications", "applications", { query: { status } }).then(
        (applications) => ({
          applications,
        }),
      ),
    [status],
  );
  const [notice, setNotice] = useNotice();
  return (
    <PageSection id="gov-apps-title" title={t("gov.apps.title")} intro={t("gov.apps.intro")}>
      <StatusFilter id="gov-apps-status" statuses={APP_STATUSES} status={status} />
      <Notice message={notice} />
      <ApplicationCards loaded={loaded} retry={reload}>
        {(app) => (
          <>
            <ApplicationSummary app={app} />
            {app.status === "awaiting_approval" && (
              <div className="gov-actions">
                <ReasonAction
                  action="approve"
                  label={t("gov.action.approve")}
                  reasonRequired={false}
                  run={(reason) =>
                    post(`/v1/applications/${app.id}/approval`, {
                      decision: "approve",
                      ...(reason ? { reason } : {}),
                    })
                  }
                  onDone={() => {
                    setNotice(t("gov.done", { what: app.id, action: t("gov.action.approve") }));
                    reload();
                  }}
                />
                <ReasonAction
                  action="refuse"
                  label={t("gov.action.refuse")}
                  reasonRequired
                  danger
                  run={(reason) =>
                    post(`/v1/applications/${app.id}/approval`, { decision: "refuse", reason })
                  }
                  onDone={() => {
                    setNotice(t("gov.done", { what: app.id, action: t("gov.action.refuse") }));
                    reload();
                  }}
                />
              </div>
            )}
          </>
        )}
      </ApplicationCards>
    </PageSection>
  );
}

/** An application's facts and its decisions timeline, for the bureau. */
function ApplicationSummary(props: { app: ApplicationDetail }) {
  const { t, dateTime } = useI18n();
  const { app } = props;
  return (
    <>
      <h2 className="mono-title">{app.id}</h2>
      <ApplicationFacts app={app}>
        <dt>{t("gov.apps.approvalsNeeded")}</dt>
        <dd>{app.awaiting.approvals}</dd>
        {app.licenseId && (
          <>
            <dt>{t("gov.apps.license")}</dt>
            <dd className="mono small">{app.licenseId}</dd>
          </>
        )}
      </ApplicationFacts>
      {app.decisions.length > 0 && (
        <>
          <h3>{t("gov.apps.decisions")}</h3>
          <ol className="gov-timeline">
            {app.decisions.map((d) => (
              <li key={`${d.step}:${d.dataset ?? ""}:${d.decider}:${d.decidedAt}`}>
                <span className="badge">{t(`gov.decision.${d.decision}`)}</span>{" "}
                {d.dataset && <span className="mono">{d.dataset}</span>} ·{" "}
                <span className="mono small">{d.decider}</span> · {dateTime(d.decidedAt)}
                {d.reason && <> · {d.reason}</>}
              </li>
            ))}
          </ol>
        </>
      )}
    </>
  );
}

const SCOPES: readonly FreezeScope[] = ["dataset", "operator", "license", "domain"];

export function FreezesPage() {
  const { t, dateTime } = useI18n();
  const [loaded, reload] = useLoad(
    () => apiAll<Freeze>("/v1/freezes", "freezes").then((freezes) => ({ freezes })),
    [],
  );
  const [notice, setNotice] = useNotice();
  return (
    <PageSection id="gov-freezes-title" title={t("gov.freezes.title")} intro={t("gov.freezes.intro")}>
      <Notice message={notice} />
      <ImposeFreeze
        onDone={(freeze) => {
          setNotice(t("gov.freezes.imposed", { id: freeze.id }));
          reload();
        }}
      />
      <h2>{t("gov.freezes.list")}</h2>
      <CardList
        loaded={loaded}
        retry={reload}
        items={({ freezes }) => freezes}
        empty={<p>{t("common.none")}</p>}
      >
        {(f) => (
          <li key={f.id} className="card wide" data-freeze={f.id}>
            <h3 className="mono-title">
              {f.id} <GovStatus status={f.live ? "frozen" : "lifted"} />
            </h3>
            <dl className="facts">
              <dt>{t("gov.freezes.scope")}</dt>
              <dd>
                {t(`gov.scope.${f.scope}`)}
                {f.target && <span className="mono"> · {f.target}</span>}
              </dd>
              <dt>{t("gov.reason")}</dt>
              <dd>{f.reason}</dd>
              <dt>{t("gov.freezes.by")}</dt>
              <dd>
                <span className="mono small">{f.frozenBy}</span> · {dateTime(f.frozenAt)}
              </dd>
              {f.liftProposal && (
                <>
                  <dt>{t("gov.freezes.liftProposal")}</dt>
                  <dd className="mono small">{f.liftProposal}</dd>
                </>
              )}
              {f.liftedAt && (
                <>
                  <dt>{t("gov.freezes.liftedAt")}</dt>
                  <dd>{dateTime(f.liftedAt)}</dd>
                </>
              )}
            </dl>
            {f.live && !f.liftProposal && (
              <div className="gov-actions">
                <ReasonAction
                  action="lift"
                  label={t("gov.action.requestLift")}
                  reasonRequired
                  run={(reason) => post(`/v1/freezes/${f.id}/lift`, { reason })}
                  onDone={() => {
                    setNotice(t("gov.freezes.liftRequested", { id: f.id }));
                    reload();
                  }}
                />
              </div>
            )}
          </li>
        )}
      </CardList>
    </PageSection>
  );
}

function ImposeFreeze(props: { onDone: (freeze: Freeze) => void }) {
  const { t } = useI18n();
  const [scope, setScope] = useState<FreezeScope>("dataset");
  const [target, setTarget] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim() || (scope !== "domain" && !target.trim())) {
      setError(t("gov.freezes.incomplete"));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const { freeze } = await api<{ freeze: Freeze }>("/v1/freezes", {
        method: "POST",
        body: { scope, ...(scope === "domain" ? {} : { target: target.trim() }), reason: reason.trim() },
      });
      setTarget("");
      setReason("");
      props.onDone(freeze);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="gov-form stack" onSubmit={submit} noValidate aria-labelledby="gov-freeze-impose">
      <h2 id="gov-freeze-impose">{t("gov.freezes.impose")}</h2>
      <p className="muted small">{t("gov.freezes.imposeNote")}</p>
      <label htmlFor="gov-freeze-scope">{t("gov.freezes.scope")}</label>
      <select id="gov-freeze-scope" value={scope} onChange={(e) => setScope(e.target.value as FreezeScope)}>
        {SCOPES.map((s) => (
          <option key={s} value={s}>
            {t(`gov.scope.${s}`)}
          </option>
        ))}
      </select>
      {scope !== "domain" && (
        <>
          <label htmlFor="gov-freeze-target">{t("gov.freezes.target")}</label>
          <input
            id="gov-freeze-target"
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            autoComplete="off"
            required
          />
        </>
      )}
      <label htmlFor="gov-freeze-reason">{t("gov.reason")}</label>
      <textarea
        id="gov-freeze-reason"
        rows={2}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        required
      />
      {error && <ErrorBox message={error} />}
      <button type="submit" className="gov-danger" disabled={busy}>
        {busy ? t("gov.working") : t("gov.freezes.imposeButton")}
      </button>
    </form>
  );
}

export function TariffsPage() {
  const { t, dateTime, number } = useI18n();
  const [loaded, reload] = useLoad(
    // The tariff in force is on every page; the history may span several.
    async () => ({
      current: (await api<{ current: TariffVersion | null }>("/v1/tariffs", { query: { limit: 1 } })).current,
      versions: await apiAll<TariffVersion>("/v1/tariffs", "versions"),
    }),
    [],
  );
  const [notice, setNotice] = useState<ReactNode>();
  const done = (outcome: TariffOutcome) => {
    if (outcome.kind === "set") setNotice(t("gov.tariff.inForce", { v: outcome.version.version }));
    else
      setNotice(
        <span data-proposal-created={outcome.proposal.id}>
          {t("gov.tariff.proposed", { id: outcome.proposal.id })}{" "}
          <Link to="/proposals">{t("gov.tariff.toProposals")}</Link>
        </span>,
      );
    reload();
  };
  return (
    <PageSection id="gov-tariffs-title" title={t("gov.tariffs.title")} intro={t("gov.tariffs.intro")}>
      <Show loaded={loaded} retry={reload}>
        {({ current, versions }) => (
          <>
            <h2>{t("gov.tariffs.current")}</h2>
            {current === null ? (
              <p>{t("gov.tariffs.none")}</p>
            ) : (
              <p>
                {t("gov.tariffs.version", { v: current.version })} · {dateTime(current.effectiveFrom)} ·{" "}
                <span className="mono small">{current.author}</span>
              </p>
            )}
            <SetTariff current={current} onDone={done} />
            {/* Under the form's button, where the officer is looking; read out as a status. */}
            <Notice message={notice} />
            {versions.length > 0 && (
              <div className="table-wrap">
                <table className="gov-tariffs">
                  <caption>{t("gov.tariffs.versions")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("gov.tariffs.versionCol")}</th>
                      <th scope="col">{t("gov.tariffs.effectiveFrom")}</th>
                      {PRICES.map((p) => (
                        <th scope="col" key={p} className="num">
                          {t(`gov.price.${p}`)}
                        </th>
                      ))}
                      <th scope="col">{t("gov.tariffs.multipliers")}</th>
                      <th scope="col">{t("gov.tariffs.note")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {versions.map((v) => (
                      <tr
                        key={v.version}
                        data-tariff={v.version}
                        className={current?.version === v.version ? "marked" : undefined}
                      >
                        <th scope="row">
                          {v.version}
                          {current?.version === v.version && (
                            <span className="sr-only"> ({t("gov.tariffs.current")})</span>
                          )}
                        </th>
                        <td>{dateTime(v.effectiveFrom)}</td>
                        {PRICES.map((p) => (
                          <td key={p} className="num">
                            ¥{number(v.tariff[p], 4)}
                          </td>
                        ))}
                        <td className="mono small">
                          {Object.entries(v.tariff.datasetMultipliers)
                            .map(([d, m]) => `${d} ×${m}`)
                            .join(", ") || "—"}
                        </td>
                        <td>{v.tariff.note ?? "—"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </Show>
    </PageSection>
  );
}
