/** One event of a job's life, as the operator's event stream shows it. */
export interface JobEvent {
  readonly seq: number;
  readonly type: "queued" | "running" | "progress" | "query" | "gate" | "finished";
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

type Listener = (event: JobEvent) => void;

/** How many events a job keeps for late subscribers; older ones are summarised by the final state. */
const HISTORY = 500;
/** Jobs whose events are kept; past it the oldest unwatched ones go (a late subscriber then gets the final state from the store). */
const JOBS_KEPT = 5_000;
/**
 * Settled jobs whose events are kept, for a client that subscribes just after its job ended (a
 * small job often ends before its submitter opens the stream). Past it the longest settled go: a
 * node running jobs for days must not hold every finished job's events.
 */
const SETTLED_KEPT = 200;

/**
 * In-memory event hub: each job's recent events and its live subscribers. Events carry no data
 * values (the job service decides what goes in), so they can be streamed before release.
 */
export class JobEventHub {
  private readonly history = new Map<string, JobEvent[]>();
  private readonly listeners = new Map<string, Set<Listener>>();
  /** Jobs whose last event ended them (a held job is not ended: a review ends it), oldest first. */
  private readonly settled = new Set<string>();
  /**
   * Told of each event published here (not of relayed ones): a node sharing its control plane
   * passes them on to the other nodes, whose subscribers may be watching the same job.
   */
  onPublish: ((jobId: string, type: JobEvent["type"], data: Record<string, unknown>) => void) | undefined;

  publish(
    jobId: string,
    type: JobEvent["type"],
    data: Record<string, unknown> = {},
    options: { relayed?: boolean } = {},
  ): void {
    if (!options.relayed) this.onPublish?.(jobId, type, data);
    const events = this.history.get(jobId) ?? [];
    const event: JobEvent = { seq: (events.at(-1)?.seq ?? 0) + 1, type, at: new Date().toISOString(), data };
    events.push(event);
    if (events.length > HISTORY) events.splice(0, events.length - HISTORY);
    // Re-inserted so the map stays ordered by last activity: trimming drops the longest idle jobs.
    this.history.delete(jobId);
    this.history.set(jobId, events);
    this.settled.delete(jobId);
    if (type === "finished" && data.status !== "held") this.settled.add(jobId);
    if (this.settled.size > SETTLED_KEPT) {
      for (const id of this.settled) {
        if (this.settled.size <= SETTLED_KEPT) break;
        this.settled.delete(id);
        // A stream still open on it has had its events; it ends with the `finished` it was sent.
        this.history.delete(id);
      }
    }
    if (this.history.size > JOBS_KEPT) {
      for (const id of this.history.keys()) {
        if (this.history.size <= JOBS_KEPT) break;
        if (!this.listeners.has(id)) {
          this.history.delete(id);
          this.settled.delete(id);
        }
      }
    }
    for (const listener of this.listeners.get(jobId) ?? []) listener(event);
  }

  /** Past events after `afterSeq`, then live ones until `unsubscribe` is called. */
  subscribe(jobId: string, listener: Listener, afterSeq = 0): () => void {
    for (const event of this.history.get(jobId) ?? []) if (event.seq > afterSeq) listener(event);
    const set = this.listeners.get(jobId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(jobId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(jobId);
    };
  }
}
