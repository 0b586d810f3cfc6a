import type { AuditEventType } from "../audit/entry.ts";
import type { AuditLedger } from "../audit/ledger.ts";
import type { AuditSink } from "./audit-sink.ts";

/**
 * The control plane's audit port backed by the hash-chained ledger: `append` resolves only when
 * the entry is fdatasync'd, and an event the ledger does not accept (an unknown type, data that
 * is not JSON) throws, so the change it describes does not happen.
 */
export function ledgerAuditSink(ledger: Pick<AuditLedger, "append">): AuditSink {
  return {
    async append(event) {
      const entry = await ledger.append({
        type: event.type as AuditEventType,
        actor: event.actor,
        subjects: {
          ...(event.subject.job ? { job: event.subject.job } : {}),
          ...(event.subject.operator ? { operator: event.subject.operator } : {}),
          ...(event.subject.license ? { license: event.subject.license } : {}),
          ...(event.subject.datasets ? { datasets: [...event.subject.datasets] } : {}),
        },
        data: { ...event.data },
      });
      return { position: entry.position };
    },
  };
}
