import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { api, errorMessage } from "../api.ts";
import { namedFields, useFormProblem } from "../form-problem.ts";
import { useI18n } from "../i18n.ts";
import type { Proposal } from "../types.ts";
import type { RegisteredOperator, RegisterOperator, Tariff, TariffVersion } from "../types-governance.ts";
import { ErrorBox } from "./common.tsx";

/** A labelled input in a field grid; `hint` is read with the field. */
function Field(props: {
  id: string;
  label: string;
  hint?: ReactNode;
  children: (describedBy: string | undefined) => ReactNode;
}) {
  const hintId = `${props.id}-hint`;
  return (
    <div className="gov-field">
      <label htmlFor={props.id}>{props.label}</label>
      {props.children(props.hint ? hintId : undefined)}
      {props.hint && (
        <span id={hintId} className="small gov-hint">
          {props.hint}
        </span>
      )}
    </div>
  );
}

const EMPTY_ADMISSION = {
  name: "",
  organization: "",
  uscc: "",
  address: "",
  contactName: "",
  phone: "",
  email: "",
  certificate: "",
  certificateValidTo: "",
  purposes: "",
};
type Admission = typeof EMPTY_ADMISSION;

/** The request body for an admission: optional fields left out when blank, one purpose per line. */
function admissionBody(form: Admission): RegisterOperator {
  const optional = (name: string, value: string) => (value.trim() ? { [name]: value.trim() } : {});
  return {
    name: form.name.trim(),
    qualification: {
      organization: form.organization.trim(),
      uscc: form.uscc.trim(),
      ...optional("address", form.address),
      contact: {
        name: form.contactName.trim(),
        ...optional("phone", form.phone),
        ...optional("email", form.email),
      },
      certificate: form.certificate.trim(),
      ...optional("certificateValidTo", form.certificateValidTo),
      approvedPurposes: form.purposes
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean),
    },
  };
}

/**
 * Admits an operator (`POST /v1/operators`) after the bureau checked its qualification. The credit
 * code's check is the gateway's: its message is shown as it words it, beside the form.
 */
export function AdmitOperator(props: { onAdmitted: (admitted: RegisteredOperator) => void }) {
  const { t } = useI18n();
  const [form, setForm] = useState<Admission>(EMPTY_ADMISSION);
  const [busy, setBusy] = useState(false);
  const { problem, setProblem, invalid } = useFormProblem();
  const set = (name: keyof Admission) => (event: { target: { value: string } }) =>
    setForm((all) => ({ ...all, [name]: event.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = admissionBody(form);
    const q = body.qualification;
    const missing = [
      ["name", body.name],
      ["qualification.organization", q.organization],
      ["qualification.uscc", q.uscc],
      ["qualification.contact.name", q.contact.name],
      ["qualification.certificate", q.certificate],
      ["qualification.approvedPurposes", q.approvedPurposes.join("")],
    ]
      .filter(([, value]) => !value)
      .map(([field]) => field!);
    if (missing.length > 0) {
      setProblem({ message: t("gov.admit.incomplete"), fields: missing });
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      const admitted = await api<RegisteredOperator>("/v1/operators", { method: "POST", body });
      setForm(EMPTY_ADMISSION);
      props.onAdmitted(admitted);
    } catch (error) {
      setProblem({ message: errorMessage(error), fields: namedFields(error) });
    } finally {
      setBusy(false);
    }
  };

  const input = (
    id: string,
    name: keyof Admission,
    path: string,
    label: string,
    extra: { type?: string; autoComplete?: string; required?: boolean; hint?: string } = {},
  ) => (
    <Field id={id} label={label} hint={extra.hint}>
      {(describedBy) => (
        <input
          id={id}
          type={extra.type ?? "text"}
          value={form[name]}
          onChange={set(name)}
          autoComplete={extra.autoComplete ?? "off"}
          required={extra.required}
          aria-invalid={invalid(path)}
          aria-describedby={describedBy}
        />
      )}
    </Field>
  );

  return (
    <form
      className="gov-form stack"
      onSubmit={submit}
      noValidate
      aria-labelledby="gov-admit-title"
      data-testid="admit-operator"
    >
      <h2 id="gov-admit-title">{t("gov.admit.title")}</h2>
      <p className="muted small">{t("gov.admit.intro")}</p>
      <div className="gov-fields">
        {input("gov-admit-name", "name", "name", t("gov.admit.name"), { required: true })}
        {input(
          "gov-admit-organization",
          "organization",
          "qualification.organization",
          t("gov.admit.organization"),
          {
            autoComplete: "organization",
            required: true,
          },
        )}
        {input("gov-admit-uscc", "uscc", "qualification.uscc", t("gov.admit.uscc"), {
          required: true,
          hint: t("gov.admit.usccHint"),
        })}
        {input("gov-admit-address", "address", "qualification.address", t("gov.admit.address"))}
        {input("gov-admit-contact", "contactName", "qualification.contact.name", t("gov.admit.contactName"), {
          required: true,
        })}
        {input("gov-admit-phone", "phone", "qualification.contact.phone", t("gov.admit.phone"), {
          type: "tel",
        })}
        {input("gov-admit-email", "email", "qualification.contact.email", t("gov.admit.email"), {
          type: "email",
        })}
        {input(
          "gov-admit-certificate",
          "certificate",
          "qualification.certificate",
          t("gov.admit.certificate"),
          {
            required: true,
          },
        )}
        {input(
          "gov-admit-valid-to",
          "certificateValidTo",
          "qualification.certificateValidTo",
          t("gov.admit.certificateValidTo"),
          { type: "date" },
        )}
      </div>
      <label htmlFor="gov-admit-purposes">{t("gov.admit.purposes")}</label>
      <textarea
        id="gov-admit-purposes"
        rows={3}
        value={form.purposes}
        onChange={set("purposes")}
        required
        aria-invalid={invalid("qualification.approvedPurposes")}
      />
      {problem && <ErrorBox message={problem.message} />}
      <button type="submit" disabled={busy}>
        {busy ? t("gov.working") : t("gov.admit.button")}
      </button>
    </form>
  );
}

/**
 * A newly issued API key, shown once: held only in the page's memory (never in storage), gone when
 * the officer dismisses it or leaves the page. It takes the focus when it appears.
 */
export function IssuedKey(props: { name: string; apiKey: string; onDismiss: () => void }) {
  const { t } = useI18n();
  const [copy, setCopy] = useState<"copied" | "manual">();
  const boxRef = useRef<HTMLElement>(null);
  const keyRef = useRef<HTMLElement>(null);
  const titleId = useId();
  useEffect(() => {
    boxRef.current?.focus();
  }, []);
  const copyKey = async () => {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(props.apiKey);
      setCopy("copied");
    } catch {
      // Not a secure context, or copying was refused: select the key for the officer to copy.
      const range = document.createRange();
      if (keyRef.current) range.selectNodeContents(keyRef.current);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
      setCopy("manual");
    }
  };
  return (
    <section
      className="gov-key"
      ref={boxRef}
      tabIndex={-1}
      aria-labelledby={titleId}
      data-testid="issued-key"
    >
      <h2 id={titleId}>{t("gov.key.title", { name: props.name })}</h2>
      <p className="gov-key-once">
        <strong>{t("gov.key.once")}</strong>
      </p>
      <p className="small muted gov-key-label">{t("gov.key.label")}</p>
      <code ref={keyRef} className="gov-key-value">
        {props.apiKey}
      </code>
      <div className="gov-buttons">
        <button type="button" onClick={copyKey}>
          {t("gov.key.copy")}
        </button>
        <button type="button" className="secondary" onClick={props.onDismiss}>
          {t("gov.key.dismiss")}
        </button>
      </div>
      <p className="small" role="status">
        {copy === "copied" ? t("gov.key.copied") : copy === "manual" ? t("gov.key.copyManually") : ""}
      </p>
    </section>
  );
}

export const PRICES = [
  "perJob",
  "perCpuSecond",
  "perQuery",
  "perEpsilon",
  "perOutputCell",
  "perThousandRowsScanned",
] as const;
type PriceName = (typeof PRICES)[number];

const ZERO_TARIFF: Tariff = {
  currency: "CNY",
  perJob: 0,
  perCpuSecond: 0,
  perQuery: 0,
  perEpsilon: 0,
  perOutputCell: 0,
  perThousandRowsScanned: 0,
  datasetMultipliers: {},
};

/** As control/tariffs.ts classifies a change: a multiplier below 1 (or none) counts as 1. */
const effectiveMultiplier = (value: number | undefined) =>
  Math.max(1, typeof value === "number" && Number.isFinite(value) ? value : 1);

const DATASET_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const AMOUNT = /^\d{1,7}(\.\d{1,4})?$/;

interface MultiplierRow {
  readonly key: number;
  readonly dataset: string;
  readonly multiplier: string;
}

/** What setting a tariff did: a version in force now (201), or a proposal for a second officer (202). */
export type TariffOutcome =
  | { readonly kind: "set"; readonly version: TariffVersion }
  | { readonly kind: "proposed"; readonly proposal: Proposal };

/**
 * Sets a new tariff (`PUT /v1/tariffs`), starting from the one in force (or zeros). Before
 * submitting it shows which prices or multipliers it lowers: those need a second officer.
 */
export function SetTariff(props: {
  current: TariffVersion | null;
  onDone: (outcome: TariffOutcome) => void;
}) {
  const { t, number, locale } = useI18n();
  const list = (items: readonly string[]) => items.join(locale === "en" ? ", " : "、");
  const base = props.current?.tariff ?? ZERO_TARIFF;
  const [prices, setPrices] = useState<Record<PriceName, string>>(
    () => Object.fromEntries(PRICES.map((p) => [p, String(base[p])])) as Record<PriceName, string>,
  );
  const [rows, setRows] = useState<MultiplierRow[]>(() =>
    Object.entries(base.datasetMultipliers).map(([dataset, m], key) => ({
      key,
      dataset,
      multiplier: String(m),
    })),
  );
  const nextKey = useRef(rows.length);
  const [note, setNote] = useState(base.note ?? "");
  const [busy, setBusy] = useState(false);
  const { problem, setProblem, invalid } = useFormProblem();

  const priceLowered = (p: PriceName) => {
    const value = Number(prices[p]);
    return prices[p].trim() !== "" && Number.isFinite(value) && value < base[p];
  };
  const proposed: Record<string, number> = {};
  for (const row of rows)
    if (row.dataset.trim() && row.multiplier.trim()) proposed[row.dataset.trim()] = Number(row.multiplier);
  const multiplierLowered = (dataset: string) =>
    effectiveMultiplier(proposed[dataset]) < effectiveMultiplier(base.datasetMultipliers[dataset]);
  const lowered = [
    ...PRICES.filter(priceLowered).map((p) => t(`gov.price.${p}`)),
    ...Object.keys(base.datasetMultipliers)
      .filter(multiplierLowered)
      .map((d) => t("gov.tariff.multiplierOf", { dataset: d })),
  ];
  const removedLowering = Object.keys(base.datasetMultipliers).filter(
    (d) => !(d in proposed) && multiplierLowered(d),
  );

  const setRow = (key: number, patch: Partial<MultiplierRow>) =>
    setRows((all) => all.map((row) => (row.key === key ? { ...row, ...patch } : row)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const bad = PRICES.filter((p) => {
      const text = prices[p].trim();
      const value = Number(text);
      // The price in force stays acceptable as it is, whatever its precision.
      const ok = text === String(base[p]) || AMOUNT.test(text);
      return !ok || !(value >= 0 && value <= 1_000_000);
    });
    if (bad.length > 0) {
      setProblem({
        message: t("gov.tariff.badPrice", { fields: list(bad.map((p) => t(`gov.price.${p}`))) }),
        fields: bad,
      });
      return;
    }
    const filled = rows.filter((row) => row.dataset.trim() || row.multiplier.trim());
    const names = filled.map((row) => row.dataset.trim());
    const badRow = filled.find((row, i) => {
      const m = Number(row.multiplier);
      return (
        !DATASET_NAME.test(row.dataset.trim()) ||
        names.indexOf(row.dataset.trim()) !== i ||
        !row.multiplier.trim() ||
        !(m > 0 && m <= 100)
      );
    });
    if (badRow) {
      setProblem({ message: t("gov.tariff.badMultiplier"), fields: ["datasetMultipliers"] });
      return;
    }
    const body: Tariff = {
      currency: "CNY",
      ...(Object.fromEntries(PRICES.map((p) => [p, Number(prices[p])])) as Record<PriceName, number>),
      datasetMultipliers: Object.fromEntries(
        filled.map((row) => [row.dataset.trim(), Number(row.multiplier)]),
      ),
      ...(note.trim() ? { note: note.trim() } : {}),
    };
    setBusy(true);
    setProblem(undefined);
    try {
      // 201 answers the version in force; 202 the proposal (which has an id, a version has none).
      const answer = await api<TariffVersion | Proposal>("/v1/tariffs", { method: "PUT", body });
      props.onDone(
        "id" in answer ? { kind: "proposed", proposal: answer } : { kind: "set", version: answer },
      );
    } catch (error) {
      setProblem({ message: errorMessage(error), fields: namedFields(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="gov-form stack"
      onSubmit={submit}
      noValidate
      aria-labelledby="gov-tariff-set"
      data-testid="set-tariff"
    >
      <h2 id="gov-tariff-set">{t("gov.tariff.set")}</h2>
      <p className="muted small">{t("gov.tariff.setIntro")}</p>
      <div className="gov-fields">
        {PRICES.map((p) => (
          <Field
            key={p}
            id={`gov-tariff-${p}`}
            label={`${t(`gov.price.${p}`)} (¥)`}
            hint={
              priceLowered(p) ? (
                <span className="gov-lowers" data-lowers={p}>
                  {t("gov.tariff.lowers", { before: number(base[p], 4) })}
                </span>
              ) : (
                t("gov.tariff.priceHint")
              )
            }
          >
            {(describedBy) => (
              <input
                id={`gov-tariff-${p}`}
                inputMode="decimal"
                autoComplete="off"
                value={prices[p]}
                onChange={(e) => setPrices((all) => ({ ...all, [p]: e.target.value }))}
                aria-invalid={invalid(p)}
                aria-describedby={describedBy}
              />
            )}
          </Field>
        ))}
      </div>
      <fieldset className="gov-multipliers" aria-invalid={invalid("datasetMultipliers")}>
        <legend>{t("gov.tariff.multipliers")}</legend>
        {rows.map((row, i) => {
          const id = `gov-tariff-m${row.key}`;
          const lowers =
            row.dataset.trim() in base.datasetMultipliers && multiplierLowered(row.dataset.trim());
          return (
            <div key={row.key} className="gov-pair" data-multiplier-row={i + 1}>
              <label htmlFor={`${id}-dataset`}>{t("gov.tariff.dataset")}</label>
              <input
                id={`${id}-dataset`}
                className="mono"
                size={16}
                autoComplete="off"
                spellCheck={false}
                value={row.dataset}
                onChange={(e) => setRow(row.key, { dataset: e.target.value })}
              />
              <label htmlFor={`${id}-value`}>{t("gov.tariff.multiplier")}</label>
              <input
                id={`${id}-value`}
                inputMode="decimal"
                size={6}
                autoComplete="off"
                value={row.multiplier}
                onChange={(e) => setRow(row.key, { multiplier: e.target.value })}
                aria-describedby={lowers ? `${id}-lowers` : undefined}
              />
              <button
                type="button"
                className="secondary"
                onClick={() => setRows((all) => all.filter((r) => r.key !== row.key))}
              >
                {t("gov.tariff.removeRow", { n: i + 1 })}
              </button>
              {lowers && (
                <span id={`${id}-lowers`} className="gov-lowers small" data-lowers={row.dataset.trim()}>
                  {t("gov.tariff.lowersMultiplier", {
                    before: number(base.datasetMultipliers[row.dataset.trim()]!, 4),
                  })}
                </span>
              )}
            </div>
          );
        })}
        {removedLowering.map((d) => (
          <p key={d} className="gov-lowers small" data-lowers={d}>
            {t("gov.tariff.removedLowers", { dataset: d, before: number(base.datasetMultipliers[d]!, 4) })}
          </p>
        ))}
        <button
          type="button"
          className="secondary"
          onClick={() => {
            const key = nextKey.current++;
            setRows((all) => [...all, { key, dataset: "", multiplier: "" }]);
          }}
        >
          {t("gov.tariff.addRow")}
        </button>
      </fieldset>
      <label htmlFor="gov-tariff-note">{t("gov.tariff.noteLabel")}</label>
      <textarea id="gov-tariff-note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
      <p
        className={lowered.length > 0 ? "gov-summary gov-lowers" : "gov-summary"}
        data-testid="tariff-summary"
      >
        {lowered.length > 0
          ? t("gov.tariff.summaryLower", { items: list(lowered) })
          : t("gov.tariff.summaryRaise")}
      </p>
      {problem && <ErrorBox message={problem.message} />}
      <button type="submit" disabled={busy}>
        {busy ? t("gov.working") : t("gov.tariff.button")}
      </button>
    </form>
  );
}
