import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import type { AuditEvent, AuditSink } from "./audit-sink.ts";

/** What a change did: its result for the caller and the event the audit log records. */
export interface AuditedOutcome<T> {
  readonly result: T;
  readonly event: AuditEvent;
}

/**
 * Runs a control-plane change and appends its audit event in the same transaction: both commit or
 * neither does. A sink that refuses the event (a bug in the caller) rolls the change back; the
 * caller gets an internal error and the cause goes to the server log.
 *
 * @example
 * await auditedChange(store, audit, async (tx) => {
 *   await tx.run("UPDATE licenses SET status = 'suspended' WHERE id = $1", [id]);
 *   return { result: id, event: { type: "license.suspended", actor, subject: { license: id }, data: {} } };
 * });
 */
export function auditedChange<T>(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  work: (tx: SqlExecutor) => Promise<AuditedOutcome<T>>,
): Promise<T> {
  return store.transaction(async (tx) => {
    const { result, event } = await work(tx);
    try {
      await audit.appendIn(tx, [event]);
    } catch (cause) {
      throw new Error(`audit append of ${event.type} failed; change rolled back`, { cause });
    }
    return result;
  });
}
