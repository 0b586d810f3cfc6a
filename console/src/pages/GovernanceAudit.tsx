import { type DragEvent, type FormEvent, useState } from "react";
import { api, apiAll, errorMessage } from "../api.ts";
import { ErrorBox, Show, useLoad } from "../components/common.tsx";
import { Notice } from "../components/page.tsx";
import { type MessageKey, useI18n } from "../i18n.ts";
import { type ReceiptCheck, type ReceiptReason, verifyReceiptInBrowser } from "../receipt-governance.ts";
import type { AuditVerification, DatasetSummary } from "../types.ts";
import type { Checkpoint, PolicyChange, PolicyDiff, PolicyVersionInfo } from "../types-governance.ts";

/** Signed checkpoints: the latest from the verification, and signing a new one now. */
export function CheckpointsPage() {
  const { t, dateTime, number } = useI18n();
  const [verification, reverify] = useLoad(() => api<AuditVerification>("/v1/audit/verify"), []);
  const [made, setMade] = useState<{ checkpoint: Checkpoint | null }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const sign = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setMade(await api<{ checkpoint: Checkpoint | null }>("/v1/audit/checkpoint", { method: "POST" }));
      reverify();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="gov-cp-title">
      <h1 id="gov-cp-title">{t("gov.cp.title")}</h1>
      <p className="muted">{t("gov.cp.intro")}</p>
      <Show loaded={verification} retry={reverify}>
        {(state) => {
          const last = state.lastCheckpoint as Checkpoint | null | undefined;
          return (
            <div className={state.valid ? "verify ok" : "verify bad"} data-valid={String(state.valid)}>
              <p>
                <strong>{state.valid ? "✓ " : "✗ "}</strong>
                {state.valid ? t("audit.valid") : t("audit.invalid", { pos: String(state.firstBad ?? "?") })}
              </p>
              <dl className="facts">
                <dt>{t("audit.entries")}</dt>
                <dd>{number(state.entries)}</dd>
                <dt>{t("gov.cp.latest")}</dt>
                <dd data-testid="latest-checkpoint">
                  {last ? (
                    <>
                      #{last.position} · {dateTime(last.time)}
                      <br />
                      <span className="mono small wrap">
                        {t("gov.cp.hash")} {last.hash}
                      </span>
                      <br />
                      <span className="mono small wrap">
                        {t("gov.cp.signature")} {last.signature}
                      </span>
                    </>
                  ) : (
                    t("gov.cp.none")
                  )}
                </dd>
                {state.head && (
                  <>
                    <dt>{t("audit.head")}</dt>
                    <dd>
                      #{state.head.position} · {dateTime(state.head.time)}
                      {last && state.head.position > last.position && (
                        <> · {t("gov.cp.since", { n: state.head.position - last.position })}</>
                      )}
                    </dd>
                  </>
                )}
              </dl>
            </div>
          );
        }}
      </Show>
      <p>
        <button type="button" onClick={sign} disabled={busy} data-action="checkpoint">
          {busy ? t("gov.working") : t("gov.cp.sign")}
        </button>
      </p>
      {error && <ErrorBox message={error} />}
      <Notice
        message={
          made &&
          (made.checkpoint ? t("gov.cp.signed", { pos: made.checkpoint.position }) : t("gov.cp.nothingNew"))
        }
      />
    </section>
  );
}

const REASONS: Record<ReceiptReason, MessageKey> = {
  "not-json": "gov.receipt.reason.notJson",
  "not-receipt": "gov.receipt.reason.notReceipt",
  "bad-key": "gov.receipt.reason.badKey",
  signature: "gov.receipt.reason.signature",
  "not-payload": "gov.receipt.reason.notPayload",
  "other-key": "gov.receipt.reason.otherKey",
  "other-digest": "gov.receipt.reason.otherDigest",
  "output-not-json": "gov.receipt.reason.outputNotJson",
  "no-output-named": "gov.receipt.reason.noOutputNamed",
  "hash-mismatch": "gov.receipt.reason.hashMismatch",
};

/**
 * A receipt check in the browser: the signature over the payload with the domain key (Ed25519, or
 * SM2 in the `sm` profile), and the output's digest (SHA-256, or SM3).
 */
export function ReceiptCheckPage() {
  const { t, dateTime } = useI18n();
  const [receipt, setReceipt] = useState("");
  const [output, setOutput] = useState("");
  const [outputName, setOutputName] = useState("");
  const [result, setResult] = useState<ReceiptCheck>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const check = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      if (!receipt.trim()) throw new Error(t("gov.receipt.needReceipt"));
      const { publicKey } = await api<{ publicKey: string }>("/v1/audit/public-key");
      const name = outputName.trim();
      setResult(
        await verifyReceiptInBrowser(
          receipt,
          publicKey,
          output.trim() ? { bytes: new TextEncoder().encode(output), ...(name ? { name } : {}) } : undefined,
        ),
      );
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="gov-receipt-title">
      <h1 id="gov-receipt-title">{t("gov.receipt.title")}</h1>
      <p className="muted">{t("gov.receipt.intro")}</p>
      <form className="gov-form stack gov-receipt" onSubmit={check} noValidate>
        <DropField
          id="gov-receipt-json"
          label={t("gov.receipt.receipt")}
          hint={t("gov.receipt.receiptHint")}
          value={receipt}
          onChange={setReceipt}
        />
        <DropField
          id="gov-output-json"
          label={t("gov.receipt.output")}
          hint={t("gov.receipt.outputHint")}
          value={output}
          onChange={setOutput}
        />
        <label htmlFor="gov-output-name">{t("gov.receipt.outputName")}</label>
        <input
          id="gov-output-name"
          value={outputName}
          onChange={(e) => setOutputName(e.target.value)}
          autoComplete="off"
          aria-describedby="gov-output-name-hint"
        />
        <span id="gov-output-name-hint" className="muted small">
          {t("gov.receipt.outputNameHint")}
        </span>
        <button type="submit" disabled={busy}>
          {busy ? t("gov.working") : t("gov.receipt.check")}
        </button>
      </form>
      {error && <ErrorBox message={error} />}
      {result && (
        <div
          className={result.valid ? "verify ok gov-receipt-result" : "verify bad gov-receipt-result"}
          data-valid={String(result.valid)}
          role="status"
        >
          <p>
            <strong>{result.valid ? "✓ " : "✗ "}</strong>
            {result.valid
              ? result.matched.length > 0
                ? t("gov.receipt.valid", { outputs: result.matched.join(", ") })
                : t("gov.receipt.validSignature")
              : t("gov.receipt.invalid", {
                  reason: t(REASONS[result.reason], { output: result.output ?? "" }),
                })}
          </p>
          {result.payload && (
            <dl className="facts">
              {result.profile && (
                <>
                  <dt>{t("gov.receipt.algorithms")}</dt>
                  <dd>
                    {t(
                      result.profile === "sm"
                        ? "gov.receipt.algorithms.sm"
                        : "gov.receipt.algorithms.international",
                    )}
                  </dd>
                </>
              )}
              <dt>{t("gov.receipt.job")}</dt>
              <dd className="mono small">{result.payload.job}</dd>
              <dt>{t("apps.operator")}</dt>
              <dd className="mono small">{result.payload.operator}</dd>
              <dt>{t("gov.receipt.license")}</dt>
              <dd className="mono small">{result.payload.license}</dd>
              <dt>{t("jobs.purpose")}</dt>
              <dd>{result.payload.purpose}</dd>
              <dt>{t("gov.receipt.releasedAt")}</dt>
              <dd>{dateTime(result.payload.releasedAt)}</dd>
              <dt>{t("gov.receipt.logPosition")}</dt>
              <dd>#{result.payload.logPosition}</dd>
              <dt>{t("gov.receipt.outputs")}</dt>
              <dd className="mono small">{result.payload.outputs.map((o) => o.name).join(", ")}</dd>
              <dt>{t("gov.receipt.policies")}</dt>
              <dd className="mono small">
                {Object.entries(result.payload.policyVersions)
                  .map(([d, v]) => `${d} v${v}`)
                  .join(", ")}
              </dd>
            </dl>
          )}
        </div>
      )}
    </section>
  );
}

/** A textarea that also takes a dropped file (or one chosen with the file button, for keyboard users). */
function DropField(props: {
  id: string;
  label: string;
  hint: string;
  value: string;
  onChange: (text: string) => void;
}) {
  const { t } = useI18n();
  const [over, setOver] = useState(false);
  const read = (file: File | undefined) => {
    if (file) file.text().then(props.onChange);
  };
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    read(event.dataTransfer.files[0]);
  };
  return (
    <div className={over ? "gov-drop over" : "gov-drop"}>
      <label htmlFor={props.id}>{props.label}</label>
      <textarea
        id={props.id}
        className="code"
        rows={6}
        spellCheck={false}
        value={props.value}
        aria-describedby={`${props.id}-hint`}
        onChange={(e) => props.onChange(e.target.value)}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      />
      <span id={`${props.id}-hint`} className="muted small">
        {props.hint}
      </span>
      <label className="inline small">
        {t("gov.receipt.orFile")}{" "}
        <input type="file" accept=".json,application/json" onChange={(e) => read(e.target.files?.[0])} />
      </label>
    </div>
  );
}

/** Policy history per dataset: every version, and a readable diff between any two. */
export function PolicyHistoryPage() {
  const { t } = useI18n();
  const [catalog, reloadCatalog] = useLoad(() => api<{ datasets: DatasetSummary[] }>("/v1/datasets"), []);
  const [dataset, setDataset] = useState("");
  return (
    <section aria-labelledby="gov-policy-title">
      <h1 id="gov-policy-title">{t("gov.policy.title")}</h1>
      <p className="muted">{t("gov.policy.intro")}</p>
      <Show loaded={catalog} retry={reloadCatalog}>
        {({ datasets }) => {
          const chosen = dataset || datasets[0]?.name || "";
          return (
            <>
              <label htmlFor="gov-policy-dataset">{t("gov.policy.dataset")}</label>{" "}
              <select id="gov-policy-dataset" value={chosen} onChange={(e) => setDataset(e.target.value)}>
                {datasets.map((d) => (
                  <option key={d.name} value={d.name}>
                    {d.name} · {d.title}
                  </option>
                ))}
              </select>
              {chosen && <PolicyVersions key={chosen} dataset={chosen} />}
            </>
          );
        }}
      </Show>
    </section>
  );
}

function PolicyVersions(props: { dataset: string }) {
  const { t, dateTime } = useI18n();
  const name = encodeURIComponent(props.dataset);
  const [loaded, reload] = useLoad(
    () =>
      apiAll<PolicyVersionInfo>(`/v1/datasets/${name}/policy/versions`, "versions").then((versions) => ({
        versions,
      })),
    [name],
  );
  const [pair, setPair] = useState<{ from: number; to: number }>();
  return (
    <Show loaded={loaded} retry={reload}>
      {({ versions }) => {
        const latest = versions.at(-1)?.version ?? 1;
        const to = pair?.to ?? latest;
        const from = pair?.from ?? Math.max(1, latest - 1);
        return (
          <>
            <div className="table-wrap">
              <table className="gov-policy-versions">
                <caption>{t("gov.policy.versions", { dataset: props.dataset })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("gov.policy.version")}</th>
                    <th scope="col">{t("gov.policy.effectiveFrom")}</th>
                    <th scope="col">{t("gov.policy.author")}</th>
                    <th scope="col">{t("gov.policy.note")}</th>
                  </tr>
                </thead>
                <tbody>
                  {[...versions].reverse().map((v) => (
                    <tr key={v.version} data-version={v.version}>
                      <th scope="row">v{v.version}</th>
                      <td>{dateTime(v.effectiveFrom)}</td>
                      <td className="mono small">{v.author}</td>
                      <td>{v.note ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {versions.length < 2 ? (
              <p>{t("gov.policy.single")}</p>
            ) : (
              <>
                <h2>{t("gov.policy.compare")}</h2>
                <div className="gov-pair">
                  <label htmlFor="gov-policy-from">{t("gov.policy.from")}</label>
                  <select
                    id="gov-policy-from"
                    value={from}
                    onChange={(e) => setPair({ from: Number(e.target.value), to })}
                  >
                    {versions.map((v) => (
                      <option key={v.version} value={v.version}>
                        v{v.version}
                      </option>
                    ))}
                  </select>
                  <label htmlFor="gov-policy-to">{t("gov.policy.to")}</label>
                  <select
                    id="gov-policy-to"
                    value={to}
                    onChange={(e) => setPair({ from, to: Number(e.target.value) })}
                  >
                    {versions.map((v) => (
                      <option key={v.version} value={v.version}>
                        v{v.version}
                      </option>
                    ))}
                  </select>
                </div>
                {from === to ? (
                  <p>{t("gov.policy.same")}</p>
                ) : (
                  <PolicyDiffView dataset={props.dataset} from={from} to={to} />
                )}
              </>
            )}
          </>
        );
      }}
    </Show>
  );
}

function PolicyDiffView(props: { dataset: string; from: number; to: number }) {
  const { t } = useI18n();
  const [loaded, reload] = useLoad(
    () =>
      api<PolicyDiff>(`/v1/datasets/${encodeURIComponent(props.dataset)}/policy/versions/${props.to}/diff`, {
        query: { against: props.from },
      }),
    [props.dataset, props.from, props.to],
  );
  return (
    <Show loaded={loaded} retry={reload}>
      {(diff) =>
        diff.changes.length === 0 ? (
          <p>{t("gov.policy.noChanges")}</p>
        ) : (
          <ul
            className="diff gov-policy-diff"
            aria-label={t("gov.policy.diffLabel", { from: diff.from, to: diff.to })}
          >
            {diff.changes.map((change) => (
              <PolicyChangeLine key={`${change.kind}:${change.path}`} change={change} />
            ))}
          </ul>
        )
      }
    </Show>
  );
}

const show = (value: unknown): string =>
  value === undefined ? "—" : typeof value === "string" ? value : JSON.stringify(value);

export function PolicyChangeLine(props: { change: PolicyChange }) {
  const { t } = useI18n();
  const { change } = props;
  return (
    <li className={`change gov-${change.kind}`} data-path={change.path}>
      <span className={`badge gov-kind-${change.kind}`}>{t(`gov.policy.kind.${change.kind}`)}</span>{" "}
      <span className="mono">{change.path}</span>
      {change.kind !== "added" && (
        <>
          {" "}
          <del className="mono gov-before">
            <span className="sr-only">{t("gov.policy.before")}: </span>
            {show(change.before)}
          </del>
        </>
      )}
      {change.kind === "changed" ? " → " : " "}
      {change.kind !== "removed" && (
        <ins className="mono gov-after">
          <span className="sr-only">{t("gov.policy.after")}: </span>
          {show(change.after)}
        </ins>
      )}
    </li>
  );
}
