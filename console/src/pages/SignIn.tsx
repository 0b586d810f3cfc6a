import { type FormEvent, useEffect, useState } from "react";
import { api, errorMessage, type Session } from "../api.ts";
import { ErrorBox, LanguageSwitch } from "../components/common.tsx";
import { Notice } from "../components/page.tsx";
import { type MessageKey, useI18n } from "../i18n.ts";

/**
 * Exchanges an API key for a session cookie. The key lives only in this form's state for the
 * length of the request and is cleared afterwards; nothing of it is written to any storage.
 */
export function SignInPage(props: {
  notice?: MessageKey | undefined;
  onSignedIn: (session: Session) => void;
}) {
  const { t } = useI18n();
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [provider, setProvider] = useState<{ name: string; startUrl: string } | null>(null);

  // Whether the domain signs in through an OpenID provider too; without an answer, keys only.
  useEffect(() => {
    api<{ provider: { name: string; startUrl: string } | null }>("/v1/session/sign-on", { quiet401: true })
      .then((answer) => setProvider(answer.provider))
      .catch(() => setProvider(null));
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError(t("signin.empty"));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const session = await api<Session>("/v1/session", {
        method: "POST",
        body: { key: trimmed },
        quiet401: true,
      });
      setKey("");
      props.onSignedIn(session);
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="signin">
      <div className="signin-card">
        <div className="signin-top">
          <h1>{t("app.title")}</h1>
          <LanguageSwitch />
        </div>
        <p className="muted">{t("app.subtitle")}</p>
        <Notice message={props.notice && t(props.notice)} />
        <h2>{t("signin.title")}</h2>
        <p>{t("signin.intro")}</p>
        {provider && (
          <>
            {/* A navigation, not a fetch: the provider's pages take over the window. */}
            <a className="button-link" href={provider.startUrl}>
              {t("signin.provider", { name: provider.name })}
            </a>
            <p className="muted">{t("signin.or")}</p>
          </>
        )}
        <form onSubmit={submit} autoComplete="off">
          <label htmlFor="api-key">{t("signin.key")}</label>
          <input
            id="api-key"
            name="api-key"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={key}
            onChange={(event) => setKey(event.target.value)}
            aria-describedby="api-key-note"
            aria-invalid={error ? true : undefined}
          />
          <p id="api-key-note" className="muted small">
            {t("signin.note")}
          </p>
          {error && <ErrorBox message={error} />}
          <button type="submit" disabled={busy}>
            {busy ? t("signin.busy") : t("signin.submit")}
          </button>
        </form>
      </div>
    </main>
  );
}
