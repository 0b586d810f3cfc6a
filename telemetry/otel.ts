import { metrics } from "@opentelemetry/api";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

export interface TelemetryConfig {
  /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`), e.g. http://collector:4318; unset turns telemetry off. */
  readonly endpoint: string | undefined;
  readonly serviceName: string;
  /** How often metrics are exported. */
  readonly metricIntervalMs: number;
}

export interface RunningTelemetry {
  readonly enabled: boolean;
  /** Exports what is buffered now (tests, and shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const OFF: RunningTelemetry = { enabled: false, flush: async () => {}, shutdown: async () => {} };

/**
 * Registers OpenTelemetry trace and metric providers exporting OTLP/HTTP (JSON) to the configured
 * endpoint. With no endpoint nothing is registered and the API stays a no-op.
 */
export function startTelemetry(config: TelemetryConfig): RunningTelemetry {
  if (!config.endpoint) return OFF;
  const base = config.endpoint.replace(/\/+$/, "");
  const resource = resourceFromAttributes({ "service.name": config.serviceName });
  const tracerProvider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }))],
  });
  tracerProvider.register();
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
    exportIntervalMillis: config.metricIntervalMs,
  });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    enabled: true,
    async flush() {
      await tracerProvider.forceFlush();
      await meterProvider.forceFlush();
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
