import type { AuditEventType } from "../audit/entry.ts";
import type { StoreAuditLedger } from "../audit/store-ledger.ts";
import { inSpan, telemetry } from "../telemetry/instruments.ts";
import type { AuditEvent, AuditSink } from "./audit-sink.ts";

/**
 * The control plane's audit port backed by the hash-chained ledger in the store: events are
 * appended in the caller's transaction, and an event the ledger does not accept (an unknown type,
 * data that is not JSON) throws, so the change it describes does not happen.
 */
export function ledgerAuditSink(ledger: Pick<StoreAuditLedger, "appendIn" | "append">): AuditSink {
  return {
    appendIn(tx, events) {
      return inSpan("audit.append", { "audit.count": events.length }, async (span) => {
        const started = performance.now();
        const entries = await ledger.appendIn(tx, events.map(toLedgerEvent));
        for (const entry of entries) telemetry.auditAppended(entry.type, performance.now() - started);
        if (entries.length > 0) span.setAttribute("audit.position", entries[0]!.position);
        return entries.map((entry) => ({ position: entry.position }));
      });
    },
    async append(event) {
      const entry = await ledger.append(toLedgerEvent(event));
      telemetry.auditAppended(entry.type, 0);
      return { position: entry.position };
    },
  };
}

function toLedgerEvent(event: AuditEvent) {
  return {
    type: event.type as AuditEventType,
    actor: event.actor,
    subjects: {
      ...(event.subject.job ? { job: event.subject.job } : {}),
      ...(event.subject.operator ? { operator: event.subject.operator } : {}),
      ...(event.subject.license ? { license: event.subject.license } : {}),
      ...(event.subject.datasets ? { datasets: [...event.subject.datasets] } : {}),
    },
    data: { ...event.data },
  };
}
