import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError, api, type Role, type Session, setCsrfToken, whenUnauthenticated } from "./api.ts";
import type { Area, NavItem, PageRoute } from "./area.ts";
import { ErrorBox, LanguageSwitch } from "./components/common.tsx";
import {
  I18nContext,
  type Locale,
  type MessageKey,
  makeI18n,
  rememberLocale,
  storedLocale,
  useI18n,
} from "./i18n.ts";
import { ApplicationsPage } from "./pages/Applications.tsx";
import { AuditPage } from "./pages/Audit.tsx";
import { BudgetPage } from "./pages/Budget.tsx";
import { CatalogPage, DatasetPage } from "./pages/Catalog.tsx";
import { HolderDatasetsPage } from "./pages/HolderDatasets.tsx";
import { JobPage } from "./pages/Job.tsx";
import { JobsPage } from "./pages/Jobs.tsx";
import { ProposalsPage } from "./pages/Proposals.tsx";
import { ReviewPage, ReviewsPage } from "./pages/Reviews.tsx";
import { SignInPage } from "./pages/SignIn.tsx";
import { Link, navigate, useLocation } from "./router.tsx";
import { governanceArea } from "./routes-governance.tsx";
import { operatorArea } from "./routes-operator.tsx";
import { settlementArea } from "./routes-settlement.tsx";

const AREAS: readonly Area[] = [governanceArea, operatorArea, settlementArea];

const BASE_ROUTES: readonly PageRoute[] = [
  {
    pattern: /^\/catalog$/,
    roles: ["operator", "bureau", "holder", "auditor"],
    render: () => <CatalogPage />,
  },
  {
    pattern: /^\/catalog\/([a-z][a-z0-9_]*)$/,
    roles: ["operator", "bureau", "holder", "auditor"],
    render: ([name]) => <DatasetPage name={name!} />,
  },
  { pattern: /^\/jobs$/, roles: ["operator"], render: () => <JobsPage /> },
  { pattern: /^\/jobs\/([\w-]+)$/, roles: ["operator", "bureau"], render: ([id]) => <JobPage id={id!} /> },
  { pattern: /^\/budget$/, roles: ["operator"], render: () => <BudgetPage /> },
  { pattern: /^\/reviews$/, roles: ["bureau"], render: () => <ReviewsPage /> },
  { pattern: /^\/reviews\/([\w-]+)$/, roles: ["bureau"], render: ([id]) => <ReviewPage jobId={id!} /> },
  {
    pattern: /^\/proposals$/,
    roles: ["bureau", "auditor"],
    render: (_, session) => <ProposalsPage viewer={session.principal} />,
  },
  {
    pattern: /^\/holder\/datasets$/,
    roles: ["holder"],
    render: (_, session) => <HolderDatasetsPage organization={session.principal.organization} />,
  },
  {
    pattern: /^\/holder\/applications$/,
    roles: ["holder"],
    render: (_, session) => <ApplicationsPage organization={session.principal.organization} />,
  },
  { pattern: /^\/audit$/, roles: ["auditor"], render: () => <AuditPage /> },
];

const BASE_NAV: Readonly<Record<Role, readonly NavItem[]>> = {
  operator: [
    { to: "/catalog", label: "nav.catalog" },
    { to: "/jobs", label: "nav.jobs" },
    { to: "/budget", label: "nav.budget" },
  ],
  bureau: [
    { to: "/reviews", label: "nav.reviews" },
    { to: "/proposals", label: "nav.proposals" },
    { to: "/catalog", label: "nav.catalog" },
  ],
  holder: [
    { to: "/holder/datasets", label: "nav.holderDatasets" },
    { to: "/holder/applications", label: "nav.applications" },
    { to: "/catalog", label: "nav.catalog" },
  ],
  auditor: [
    { to: "/audit", label: "nav.audit" },
    { to: "/proposals", label: "nav.proposals" },
    { to: "/catalog", label: "nav.catalog" },
  ],
};

const ROUTES: readonly PageRoute[] = [...BASE_ROUTES, ...AREAS.flatMap((area) => area.routes)];

const navOf = (role: Role): readonly NavItem[] => [
  ...BASE_NAV[role],
  ...AREAS.flatMap((area) => area.nav[role] ?? []),
];
const NAV: Readonly<Record<Role, readonly NavItem[]>> = {
  operator: navOf("operator"),
  bureau: navOf("bureau"),
  holder: navOf("holder"),
  auditor: navOf("auditor"),
};

type SessionState =
  | { readonly state: "checking" }
  | { readonly state: "signed-out"; readonly notice?: MessageKey }
  | { readonly state: "signed-in"; readonly session: Session };

export function App() {
  const [locale, setLocaleState] = useState<Locale>(storedLocale);
  const setLocale = useCallback((next: Locale) => {
    rememberLocale(next);
    setLocaleState(next);
  }, []);
  const i18n = useMemo(() => makeI18n(locale, setLocale), [locale, setLocale]);
  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = i18n.t("app.title");
  }, [locale, i18n]);

  const [session, setSession] = useState<SessionState>({ state: "checking" });
  const signedIn = useCallback((value: Session) => {
    setCsrfToken(value.csrfToken);
    setSession({ state: "signed-in", session: value });
  }, []);
  const signedOut = useCallback((notice?: MessageKey) => {
    setCsrfToken(undefined);
    setSession({ state: "signed-out", ...(notice ? { notice } : {}) });
  }, []);

  // The cookie is HttpOnly: whether a session exists (and its CSRF token) is asked of the gateway.
  useEffect(() => {
    api<Session>("/v1/session", { quiet401: true }).then(signedIn, () => signedOut());
    whenUnauthenticated(() => signedOut("session.expired"));
    return () => whenUnauthenticated(undefined);
  }, [signedIn, signedOut]);

  const signOut = async () => {
    try {
      await api("/v1/session", { method: "DELETE", quiet401: true });
    } catch (error) {
      // Already ended on the server: the user is signed out either way.
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
    }
    signedOut("signout.done");
    navigate("/", { replace: true });
  };

  return (
    <I18nContext.Provider value={i18n}>
      <a className="skip" href="#main">
        {i18n.t("app.skip")}
      </a>
      {session.state === "checking" ? (
        <main id="main" className="page">
          <p role="status">{i18n.t("common.loading")}</p>
        </main>
      ) : session.state === "signed-out" ? (
        <SignInPage notice={session.notice} onSignedIn={signedIn} />
      ) : (
        <Shell session={session.session} onSignOut={signOut} />
      )}
    </I18nContext.Provider>
  );
}

function Shell(props: { session: Session; onSignOut: () => Promise<void> }) {
  const { path } = useLocation();
  const role = props.session.principal.role;
  const home = NAV[role][0]!.to;
  useEffect(() => {
    if (path === "/" || path === "/signin") navigate(home, { replace: true });
  }, [path, home]);
  return (
    <>
      <Header session={props.session} onSignOut={props.onSignOut} />
      <Nav role={role} path={path} />
      <main id="main" className="page" tabIndex={-1}>
        <Page path={path} session={props.session} />
      </main>
    </>
  );
}

function Header(props: { session: Session; onSignOut: () => Promise<void> }) {
  const { t } = useI18n();
  const [error, setError] = useState<string>();
  const { principal } = props.session;
  return (
    <header className="top">
      <div className="brand">
        <span className="brand-title">{t("app.title")}</span>
        <span className="brand-sub">{t("app.subtitle")}</span>
      </div>
      <div className="who">
        <span className="badge role" data-role={principal.role}>
          {t(`role.${principal.role}`)}
        </span>
        <span className="who-name" title={principal.organization}>
          <span className="sr-only">{t("header.signedInAs")} </span>
          {principal.name}
        </span>
        <LanguageSwitch />
        <button
          type="button"
          onClick={() => props.onSignOut().catch((e: unknown) => setError(String((e as Error).message)))}
        >
          {t("header.signOut")}
        </button>
      </div>
      {error && <ErrorBox message={error} />}
    </header>
  );
}

function Nav(props: { role: Role; path: string }) {
  const { t } = useI18n();
  return (
    <nav className="nav" aria-label={t("nav.label")}>
      <ul>
        {NAV[props.role].map((item, _, items) => (
          <li key={item.to}>
            <Link
              to={item.to}
              current={
                props.path === item.to ||
                (props.path.startsWith(`${item.to}/`) && !items.some((other) => other.to === props.path))
              }
            >
              {t(item.label)}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Page(props: { path: string; session: Session }) {
  const { t } = useI18n();
  const role = props.session.principal.role;
  for (const route of ROUTES) {
    const match = route.pattern.exec(props.path);
    if (!match) continue;
    if (!route.roles.includes(role)) {
      return (
        <section className="refused" aria-labelledby="refused-title">
          <h1 id="refused-title">{t("forbidden.title")}</h1>
          <p>
            {t("forbidden.body", {
              role: t(`role.${role}`),
              roles: route.roles.map((r) => t(`role.${r}`)).join(" / "),
            })}
          </p>
          <Link to={NAV[role][0]!.to}>{t(NAV[role][0]!.label)}</Link>
        </section>
      );
    }
    return <>{route.render(match.slice(1), props.session)}</>;
  }
  if (props.path === "/" || props.path === "/signin") return null;
  return (
    <section>
      <h1>{t("notFound.title")}</h1>
      <p>{t("notFound.body")}</p>
    </section>
  );
}
