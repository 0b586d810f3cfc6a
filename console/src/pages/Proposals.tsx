import { apiAll, type Principal } from "../api.ts";
import { useLoad } from "../components/common.tsx";
import { CardList, PageSection } from "../components/page.tsx";
import { useI18n } from "../i18n.ts";
import type { Proposal } from "../types.ts";
import { ProposalDecision } from "./GovernanceProposals.tsx";

export function ProposalsPage(props: { viewer: Principal }) {
  const { t, dateTime } = useI18n();
  const [loaded, reload] = useLoad(
    () => apiAll<Proposal>("/v1/proposals", "proposals").then((proposals) => ({ proposals })),
    [],
  );
  return (
    <PageSection id="proposals-title" title={t("proposals.title")} intro={t("proposals.intro")}>
      <CardList
        loaded={loaded}
        retry={reload}
        items={({ proposals }) => proposals}
        empty={<p>{t("proposals.empty")}</p>}
      >
        {(proposal) => (
          <li key={proposal.id} className="card wide" data-proposal={proposal.id}>
            <h2 className="mono-title">{proposal.id}</h2>
            <dl className="facts">
              <dt>{t("proposals.kind")}</dt>
              <dd>{proposal.kind}</dd>
              <dt>{t("proposals.subject")}</dt>
              <dd className="mono">{proposal.subject}</dd>
              <dt>{t("common.status")}</dt>
              <dd>{proposal.status}</dd>
              <dt>{t("proposals.proposer")}</dt>
              <dd className="mono small">{proposal.proposer}</dd>
              <dt>{t("common.time")}</dt>
              <dd>{dateTime(proposal.createdAt)}</dd>
              <dt>{t("proposals.reason")}</dt>
              <dd>{proposal.reason}</dd>
            </dl>
            <h3>
              {t("proposals.diff")}
              {proposal.diff.loosens && <span className="badge warn">{t("proposals.loosens")}</span>}
            </h3>
            <ul className="diff">
              {proposal.diff.changes.map((change) => (
                <li key={`${change.path}:${change.kind}`} className={`change ${change.effect}`}>
                  <span className={`badge effect-${change.effect}`}>{t(`effect.${change.effect}`)}</span>{" "}
                  <span className="mono">{change.line}</span>
                </li>
              ))}
            </ul>
            <ProposalDecision proposal={proposal} viewer={props.viewer} onDone={reload} />
          </li>
        )}
      </CardList>
    </PageSection>
  );
}
