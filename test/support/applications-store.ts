import { decideApproval, decideConsent, submitApplication } from "../../control/applications.ts";
import type { AuditSink } from "../../control/audit-sink.ts";
import type { Actor } from "../../control/authority.ts";
import { currentCatalog } from "../../control/catalog.ts";
import { createPrincipal } from "../../control/identity.ts";
import type { License } from "../../policies/license.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { applicationFor } from "./applications.ts";

/**
 * The same flow on a store, for tests below HTTP: holder principals of the departments asked are
 * created as needed (one per department), and a second officer when grade 4 data needs one.
 * Returns the license document as granted (with its generated id).
 */
export async function licenseThroughApplicationIn(
  store: SqlStore,
  audit: AuditSink,
  parties: { operator: Actor; bureau: Actor },
  document: License,
): Promise<License> {
  const settings = { ttlHours: 24 };
  let view = await submitApplication(store, audit, parties.operator, applicationFor(document), settings);
  const departments = new Map(
    (await currentCatalog(store)).map((e) => [e.manifest.name, e.manifest.holder.department]),
  );
  for (const dataset of view.awaiting.consents) {
    const department = departments.get(dataset)!;
    const holder = await staff(store, "holder", department);
    view = await decideConsent(store, audit, holder, view.id, { dataset, decision: "consent" }, settings);
  }
  const officers = [parties.bureau];
  while (view.awaiting.approvals > 0) {
    const officer = officers.shift() ?? (await staff(store, "bureau", "Data Bureau"));
    view = await decideApproval(store, audit, officer, view.id, { decision: "approve" }, settings);
  }
  const rows = await store.query<{ document: string }>("SELECT document FROM licenses WHERE id = $1", [
    view.licenseId!,
  ]);
  return JSON.parse(rows[0]!.document) as License;
}

async function staff(store: SqlStore, role: "holder" | "bureau", organization: string): Promise<Actor> {
  const principal = await store.transaction((tx) =>
    createPrincipal(tx, { role, name: `Test ${role}`, organization }),
  );
  return { id: principal.id, role: principal.role, organization: principal.organization };
}
