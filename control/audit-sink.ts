/**
 * The narrow port through which control-plane verbs record what they change. The audit ledger
 * implements it; a verb appends before its change takes effect (fail-closed: if the append
 * fails, the change is rolled back and the caller gets an error).
 */
export interface AuditEvent {
  /** Dotted event type, e.g. `license.suspended`, `operator.registered`, `job.submitted`. */
  readonly type: string;
  /** Principal id, or `system`. */
  readonly actor: string;
  /** Ids the event is about, for auditors' queries. */
  readonly subject: {
    readonly operator?: string;
    readonly license?: string;
    readonly job?: string;
    readonly datasets?: readonly string[];
  };
  /** Names, ids, counts, hashes, before/after documents — never data values from the domain. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** Where an appended event landed: its position in the log (what receipts point to). */
export interface AuditPosition {
  readonly position: number;
}

export interface AuditSink {
  /**
   * Resolves once the event is durable. The event takes its place in the log when `append` is
   * called, not when it resolves: events appended without awaiting each other land in call order
   * (and the ledger syncs them together), which the job service relies on.
   */
  append(event: AuditEvent): Promise<AuditPosition>;
}

/** An in-memory sink for tests that are about something else (and want to see what was recorded). */
export class RecordingAuditSink implements AuditSink {
  readonly events: AuditEvent[] = [];
  async append(event: AuditEvent): Promise<AuditPosition> {
    this.events.push(event);
    return { position: this.events.length - 1 };
  }
}
