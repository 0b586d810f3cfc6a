import type { SqlExecutor } from "../storage/sql-store.ts";

/**
 * The narrow port through which control-plane verbs record what they change. The store-backed
 * audit ledger implements it: a verb appends its events inside the transaction that makes the
 * change, so the change and its record commit together or not at all (fail-closed).
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
   * Appends `events`, in order, inside `tx`: durable when `tx` commits, gone if it rolls back.
   * Throws for an event the log does not accept, which rolls the change back.
   */
  appendIn(tx: SqlExecutor, events: readonly AuditEvent[]): Promise<AuditPosition[]>;
  /** Appends one event in a transaction of its own (an audited read, a refused sign-in); resolves once durable. */
  append(event: AuditEvent): Promise<AuditPosition>;
}

/** An in-memory sink for tests that are about something else (and want to see what was recorded). */
export class RecordingAuditSink implements AuditSink {
  readonly events: AuditEvent[] = [];
  async appendIn(_tx: SqlExecutor, events: readonly AuditEvent[]): Promise<AuditPosition[]> {
    return events.map((event) => {
      this.events.push(event);
      return { position: this.events.length - 1 };
    });
  }
  async append(event: AuditEvent): Promise<AuditPosition> {
    this.events.push(event);
    return { position: this.events.length - 1 };
  }
}
