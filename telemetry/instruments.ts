import { type Attributes, metrics, type Span, SpanStatusCode, trace } from "@opentelemetry/api";

/**
 * The domain's spans and metrics. Without a registered provider (no OTEL endpoint configured)
 * every call here is the OpenTelemetry API's no-op, so telemetry costs nothing when it is off.
 *
 * Attributes carry ids, names, counts, hashes and decisions only — never data values, SQL text,
 * SQL literals or script source.
 */
export const tracer = trace.getTracer("aos");

const meter = () => metrics.getMeter("aos");

let instruments:
  | {
      jobsFinished: ReturnType<ReturnType<typeof meter>["createCounter"]>;
      jobDuration: ReturnType<ReturnType<typeof meter>["createHistogram"]>;
      epsilonSpent: ReturnType<ReturnType<typeof meter>["createCounter"]>;
      queriesChecked: ReturnType<ReturnType<typeof meter>["createCounter"]>;
      auditAppend: ReturnType<ReturnType<typeof meter>["createHistogram"]>;
    }
  | undefined;

/** Instruments are made on first use, so they bind to the provider registered at start (if any). */
function get() {
  instruments ??= {
    jobsFinished: meter().createCounter("aos.jobs.finished", {
      description: "Jobs settled, by final status",
    }),
    jobDuration: meter().createHistogram("aos.job.duration", {
      unit: "ms",
      description: "Start to settle, per job",
    }),
    epsilonSpent: meter().createCounter("aos.epsilon.spent", { description: "ε charged to privacy budgets" }),
    queriesChecked: meter().createCounter("aos.queries.checked", {
      description: "Queries through the policy engine",
    }),
    auditAppend: meter().createHistogram("aos.audit.append.duration", {
      unit: "ms",
      description: "Durable audit append latency (write + fdatasync, group-committed)",
    }),
  };
  return instruments;
}

export const telemetry = {
  jobFinished(status: string, durationMs: number | undefined): void {
    get().jobsFinished.add(1, { status });
    if (durationMs !== undefined) get().jobDuration.record(durationMs, { status });
  },
  queryChecked(attributes: { kind: string; ok: boolean; code?: string }): void {
    get().queriesChecked.add(1, {
      kind: attributes.kind,
      ok: attributes.ok,
      ...(attributes.code ? { code: attributes.code } : {}),
    });
  },
  epsilonSpent(dataset: string, epsilon: number): void {
    if (epsilon > 0) get().epsilonSpent.add(epsilon, { dataset });
  },
  auditAppended(type: string, durationMs: number): void {
    get().auditAppend.record(durationMs, { type });
  },
  /** Gauges read when metrics are collected: queue depth and pool saturation. */
  observeJobs(read: () => { queued: number; running: number; slots: number }): void {
    meter()
      .createObservableGauge("aos.jobs.queued", { description: "Accepted jobs waiting to run" })
      .addCallback((result) => result.observe(read().queued));
    meter()
      .createObservableGauge("aos.sandbox.saturation", { description: "Running jobs / sandbox slots" })
      .addCallback((result) => {
        const { running, slots } = read();
        result.observe(slots > 0 ? running / slots : 0);
      });
  },
};

/**
 * Runs `work` in an active span named for what happens (`job.run`, `sql.check`, `release.gate`,
 * `audit.append`), recording an exception's class — not its message, which may quote data.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : "error" });
      const code = (error as { code?: unknown }).code;
      if (typeof code === "string") span.setAttribute("error.code", code);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The active trace id, for structured logs; undefined when no span is recording. */
export function activeTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && trace.isSpanContextValid(context) ? context.traceId : undefined;
}
