import { apiAll } from "../api.ts";
import {
  ApplicationCards,
  ApplicationFacts,
  StatusFilter,
  statusesFrom,
  useStatusParam,
} from "../components/applications.tsx";
import { useLoad } from "../components/common.tsx";
import { PageSection } from "../components/page.tsx";
import { useI18n } from "../i18n.ts";
import type { Application } from "../types.ts";
import { ConsentActions, DecisionsOf } from "./GovernanceHolder.tsx";

const STATUSES = statusesFrom("awaiting_consent");

export function ApplicationsPage(props: { organization: string }) {
  const { t } = useI18n();
  const status = useStatusParam(STATUSES);
  const [loaded, reload] = useLoad(
    () =>
      apiAll<Application>("/v1/applications", "applications", { query: { status } }).then((applications) => ({
        applications,
      })),
    [status],
  );
  return (
    <PageSection id="apps-title" title={t("apps.title")} intro={t("apps.intro")}>
      <StatusFilter id="apps-status" statuses={STATUSES} status={status} />
      <ApplicationCards loaded={loaded} retry={reload}>
        {(app) => (
          <>
            <h2 className="mono-title">{app.id}</h2>
            <ApplicationFacts app={app} />
            <DecisionsOf app={app} />
            <ConsentActions app={app} organization={props.organization} onDone={reload} />
          </>
        )}
      </ApplicationCards>
    </PageSection>
  );
}
