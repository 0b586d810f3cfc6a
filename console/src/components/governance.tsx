import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { errorMessage } from "../api.ts";
import { useI18n } from "../i18n.ts";
import { ErrorBox } from "./common.tsx";

/**
 * A status change or decision that needs a reason: a button that opens a small form with the reason,
 * then calls the gateway. `disabledNote` says why the action is not open to this user.
 */
export function ReasonAction(props: {
  action: string;
  label: string;
  reasonRequired: boolean;
  run: (reason: string | undefined) => Promise<unknown>;
  onDone: () => void;
  disabledNote?: string | undefined;
  danger?: boolean;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const id = useId();
  const noteId = `${id}-note`;
  const textRef = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (open) textRef.current?.focus();
  }, [open]);

  if (props.disabledNote !== undefined)
    return (
      <span className="gov-action" data-action={props.action}>
        <button type="button" disabled aria-describedby={noteId}>
          {props.label}
        </button>{" "}
        <span id={noteId} className="muted small">
          {props.disabledNote}
        </span>
      </span>
    );
  if (!open)
    return (
      <button
        type="button"
        className={props.danger ? "gov-danger" : undefined}
        data-action={props.action}
        onClick={() => setOpen(true)}
      >
        {props.label}
      </button>
    );
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const text = reason.trim();
    if (props.reasonRequired && !text) {
      setError(t("gov.reasonNeeded"));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await props.run(text || undefined);
      setOpen(false);
      setReason("");
      props.onDone();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="gov-reason stack" data-action-form={props.action} onSubmit={submit} noValidate>
      <label htmlFor={`${id}-reason`}>
        {props.label} · {props.reasonRequired ? t("gov.reasonRequired") : t("gov.reasonOptional")}
      </label>
      <textarea
        id={`${id}-reason`}
        ref={textRef}
        rows={2}
        value={reason}
        required={props.reasonRequired}
        onChange={(e) => setReason(e.target.value)}
      />
      {error && <ErrorBox message={error} />}
      <div className="gov-buttons">
        <button type="submit" disabled={busy} className={props.danger ? "gov-danger" : undefined}>
          {busy ? t("gov.working") : t("gov.confirm", { action: props.label })}
        </button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          {t("gov.cancel")}
        </button>
      </div>
    </form>
  );
}
