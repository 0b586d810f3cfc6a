import { useId, useState } from "react";
import { api, type Principal } from "../api.ts";
import { ReasonAction } from "../components/governance.tsx";
import { Notice } from "../components/page.tsx";
import { useI18n } from "../i18n.ts";
import type { Proposal } from "../types.ts";

/**
 * Approve or refuse a pending proposal (bureau). The proposer may not decide their own: the buttons
 * stay, disabled, with the reason (the API refuses it too).
 */
export function ProposalDecision(props: { proposal: Proposal; viewer: Principal; onDone: () => void }) {
  const { t } = useI18n();
  const [notice, setNotice] = useState<string>();
  const noteId = useId();
  const { proposal, viewer } = props;
  if (viewer.role !== "bureau" || proposal.status !== "pending") return null;
  if (proposal.proposer === viewer.id)
    return (
      <div className="gov-actions" data-decision={proposal.id}>
        <button type="button" disabled aria-describedby={noteId} data-action="approve">
          {t("gov.action.approve")}
        </button>
        <button type="button" disabled aria-describedby={noteId} data-action="refuse">
          {t("gov.action.refuse")}
        </button>
        <span id={noteId} className="muted small gov-own">
          {t("gov.proposals.own")}
        </span>
      </div>
    );
  const decide = (decision: "approve" | "refuse") => (reason: string | undefined) =>
    api(`/v1/proposals/${proposal.id}/decision`, {
      method: "POST",
      body: { decision, ...(reason ? { reason } : {}) },
    });
  const done = (label: string) => () => {
    setNotice(t("gov.done", { what: proposal.id, action: label }));
    props.onDone();
  };
  return (
    <div className="gov-actions" data-decision={proposal.id}>
      <ReasonAction
        action="approve"
        label={t("gov.action.approve")}
        reasonRequired={false}
        run={decide("approve")}
        onDone={done(t("gov.action.approve"))}
      />
      <ReasonAction
        action="refuse"
        label={t("gov.action.refuse")}
        reasonRequired
        danger
        run={decide("refuse")}
        onDone={done(t("gov.action.refuse"))}
      />
      <Notice message={notice} />
    </div>
  );
}
