import type { AuditEventType } from "../audit/entry.ts";
import type { AuditLedger } from "../audit/ledger.ts";
import { inSpan, telemetry } from "../telemetry/instruments.ts";
import type { AuditSink } from "./audit-sink.ts";

/**
 * The control plane's audit port backed by the hash-chained ledger: `append` resolves only when
 * the entry is fdatasync'd, and an event the ledger does not accept (an unknown type, data that
 * is not JSON) throws, so the change it describes does not happen.
 */
export function ledgerAuditSink(ledger: Pick<AuditLedger, "append">): AuditSink {
  return {
    append(event) {
      return inSpan("audit.append", { "audit.type": event.type }, async (span) => {
        const started = performance.now();
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
        telemetry.auditAppended(event.type, performance.now() - started);
        span.setAttribute("audit.position", entry.position);
        return { position: entry.position };
      });
    },
  };
}

/** The job service's view of which jobs started (see `JobServiceDeps.startedSince`), read from the log. */
export function startedJobsInLog(ledger: Pick<AuditLedger, "query">) {
  return async (since: string): Promise<ReadonlySet<string>> => {
    const started = new Set<string>();
    for await (const entry of ledger.query({ type: "job.started", from: since })) {
      if (entry.subjects.job) started.add(entry.subjects.job);
    }
    return started;
  };
}
