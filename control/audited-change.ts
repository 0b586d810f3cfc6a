import type { ControlPlane } from "../storage/control-plane.ts";
import type { AuditEvent, AuditSink } from "./audit-sink.ts";

type Tx = Pick<ControlPlane, "query" | "run">;

/** What a change did: its result for the caller and the event the audit log records. */
export interface AuditedOutcome<T> {
  readonly result: T;
  readonly event: AuditEvent;
}

/**
 * Runs a control-plane change in one transaction and appends its audit event before the commit.
 * Fail-closed: if the append fails the change is rolled back, so nothing changes unrecorded. The
 * sink's error is not passed on as is (a sink's own `DomainError` would read as the caller's
 * fault); the caller gets an internal error and the cause goes to the server log.
 *
 * @example
 * await auditedChange(store, audit, async (tx) => {
 *   await tx.run("UPDATE licenses SET status = 'suspended' WHERE id = $1", [id]);
 *   return { result: id, event: { type: "license.suspended", actor, subject: { license: id }, data: {} } };
 * });
 */
export function auditedChange<T>(
  store: Pick<ControlPlane, "transaction">,
  audit: AuditSink,
  work: (tx: Tx) => Promise<AuditedOutcome<T>>,
): Promise<T> {
  return store.transaction(async (tx) => {
    const { result, event } = await work(tx);
    try {
      await audit.append(event);
    } catch (cause) {
      throw new Error(`audit append of ${event.type} failed; change rolled back`, { cause });
    }
    return result;
  });
}
