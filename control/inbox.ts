import { z } from "zod";
import type { SqlExecutor } from "../storage/sql-store.ts";
import { holderPrincipalsOf } from "./holders.ts";
import type { Role } from "./identity.ts";

/** What a notification is about; clients and webhooks filter on these. */
export const NotificationKind = z.enum([
  "application.awaiting_consent",
  "application.awaiting_approval",
  "application.decided",
  "proposal.awaiting_approval",
  "proposal.decided",
  "freeze.imposed",
  "freeze.lifted",
  "dataset.version_supplied",
  "review.awaiting",
  "license.expiring",
  "alert.raised",
]);
export type NotificationKind = z.infer<typeof NotificationKind>;

/** The ids a notification points at, so a client can open the thing that waits. */
export const NotificationSubject = z.strictObject({
  application: z.string().optional(),
  proposal: z.string().optional(),
  freeze: z.string().optional(),
  job: z.string().optional(),
  license: z.string().optional(),
  dataset: z.string().optional(),
  alert: z.string().optional(),
});
export type NotificationSubject = z.infer<typeof NotificationSubject>;

/** Who is told: named principals, every active principal of some roles, the holders of some datasets. */
export interface Recipients {
  readonly principals?: readonly string[];
  readonly roles?: readonly Role[];
  readonly holdersOf?: readonly string[];
  /** Left out even when a rule above names them (the actor who caused the event). */
  readonly except?: string;
}

/**
 * Puts a notification in the inbox of each recipient, inside the caller's transaction: it exists
 * exactly when the change it reports committed. The message must name ids and states only,
 * never data values, like every other text that leaves the domain.
 */
export async function notify(
  tx: Pick<SqlExecutor, "query" | "run">,
  recipients: Recipients,
  notification: { kind: NotificationKind; subject: NotificationSubject; message: string },
): Promise<number> {
  const ids = new Set(recipients.principals ?? []);
  if (recipients.roles && recipients.roles.length > 0) {
    const placeholders = recipients.roles.map((_, i) => `$${i + 1}`).join(", ");
    const rows = await tx.query<{ id: string }>(
      `SELECT id FROM principals WHERE status = 'active' AND role IN (${placeholders})`,
      [...recipients.roles],
    );
    for (const row of rows) ids.add(row.id);
  }
  if (recipients.holdersOf && recipients.holdersOf.length > 0) {
    for (const id of await holderPrincipalsOf(tx, recipients.holdersOf)) ids.add(id);
  }
  if (recipients.except !== undefined) ids.delete(recipients.except);
  const subject = JSON.stringify(NotificationSubject.parse(notification.subject));
  const now = new Date().toISOString();
  for (const id of [...ids].sort()) {
    await tx.run(
      "INSERT INTO notifications (recipient_id, kind, subject, message, created_at) VALUES ($1, $2, $3, $4, $5)",
      [id, notification.kind, subject, notification.message, now],
    );
  }
  return ids.size;
}
