// Types only: suites over HTTP load the domain through the gateway, in its own order.
import type { ApplicationDetail } from "../../control/applications.ts";

/**
 * Licenses on grade 3/4 data exist only through the application flow (the operator applies, each
 * holder consents, the bureau approves, twice for grade 4). These helpers walk that flow for tests
 * that are about something else and just need such a license.
 */

/** The terms of a license as an application asks for them: id and operator dropped, a scenario added. */
export function applicationFor(document: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { id: _id, operator: _operator, ...terms } = document;
  return { scenario: "test: a license the suite needs", ...terms };
}

interface Poster {
  post<T = Record<string, unknown>>(path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/** Who takes part, over HTTP: the applicant, a member of each dataset's holder department, two officers. */
export interface ApplicationParties {
  readonly operator: Poster;
  /** By dataset name (as `TestGateway.holders`). */
  readonly holders: Readonly<Record<string, Poster>>;
  readonly bureau: Poster;
  readonly bureau2?: Poster;
}

type View = ApplicationDetail;

/**
 * Applies for `document` (a license document; its id and operator are ignored: the applicant's key
 * decides the operator, the license gets a generated id), consents as each holder asked, approves
 * as the bureau (and the second officer for grade 4 data). Returns the granted license's id.
 *
 * @example
 * const id = await licenseThroughApplication({ operator: op.client, holders: gw.holders, bureau: gw.bureau, bureau2: gw.bureau2 }, doc);
 */
export async function licenseThroughApplication(
  parties: ApplicationParties,
  document: Readonly<Record<string, unknown>>,
): Promise<{ license: string; application: string }> {
  const expect = (step: string, res: { status: number; body: unknown }, status: number) => {
    if (res.status !== status) throw new Error(`${step} answered ${res.status}: ${JSON.stringify(res.body)}`);
  };
  const submitted = await parties.operator.post<View>("/v1/applications", applicationFor(document));
  expect("apply", submitted, 201);
  let view = submitted.body;
  for (const dataset of view.awaiting.consents) {
    const holder = parties.holders[dataset];
    if (!holder) throw new Error(`no holder client for dataset ${dataset}`);
    const res = await holder.post<View>(`/v1/applications/${view.id}/consent`, {
      dataset,
      decision: "consent",
    });
    expect(`consent for ${dataset}`, res, 200);
    view = res.body;
  }
  const officers = [parties.bureau, parties.bureau2];
  for (let i = 0; view.awaiting.approvals > 0; i++) {
    const officer = officers[i];
    if (!officer) throw new Error("a second bureau officer is needed for grade 4 data");
    const res = await officer.post<View>(`/v1/applications/${view.id}/approval`, { decision: "approve" });
    expect("approval", res, 200);
    view = res.body;
  }
  if (!view.licenseId) throw new Error(`application ${view.id} ended ${view.status} without a license`);
  return { license: view.licenseId, application: view.id };
}
