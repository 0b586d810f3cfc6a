import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { loadConfig } from "../../gateway/config.ts";
import { type RunningGateway, startGateway } from "../../gateway/server.ts";
import { silentLogger } from "../../telemetry/log.ts";
import { startTelemetry } from "../../telemetry/otel.ts";
import { tempDir } from "../support/duckdb.ts";

/** A stand-in OTLP/HTTP collector on loopback that keeps what it receives. */
const received: { path: string; body: string }[] = [];
let collector: Server;
let gateway: RunningGateway;
let folder: Awaited<ReturnType<typeof tempDir>>;
let credentials: DemoCredentials;

beforeAll(async () => {
  collector = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      received.push({ path: req.url ?? "", body });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  const { port } = collector.address() as AddressInfo;
  folder = await tempDir();
  gateway = await startGateway(
    loadConfig({
      DATA_DIR: folder.dir,
      PORT: "0",
      SEED_SCALE: "0.002",
      SANDBOX_WORKERS: "1",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    }),
    silentLogger,
  );
  credentials = gateway.newCredentials!;
});

afterAll(async () => {
  await gateway?.close();
  collector?.close();
  await folder?.remove();
});

describe("telemetry", () => {
  it("exports spans and metrics over OTLP, with no script source, SQL or data in them", async () => {
    const headers = {
      authorization: `Bearer ${credentials.operator.key}`,
      "content-type": "application/json",
    };
    const script = `// MARKER_SOURCE_7f3a
export default async function main(ctx) {
  return { t: await ctx.sql("SELECT station, count(*) AS n FROM air_quality WHERE station <> 'MARKER_LITERAL_9c1e' GROUP BY station") };
}`;
    const submitted = await fetch(`${gateway.url}/v1/jobs`, {
      method: "POST",
      headers,
      body: JSON.stringify({ script, license: credentials.operator.license }),
    });
    const { id } = (await submitted.json()) as { id: string };
    const job = (await (await fetch(`${gateway.url}/v1/jobs/${id}?wait=30`, { headers })).json()) as {
      status: string;
      outputs: { t: { station: string }[] };
    };
    expect(job.status).toBe("released");
    await gateway.flushTelemetry();

    const traces = received
      .filter((r) => r.path === "/v1/traces")
      .map((r) => r.body)
      .join("\n");
    const metrics = received
      .filter((r) => r.path === "/v1/metrics")
      .map((r) => r.body)
      .join("\n");
    for (const name of ["job.run", "sql.check", "release.gate", "audit.append", "POST /v1/jobs"]) {
      expect(traces).toContain(`"name":"${name}"`);
    }
    for (const name of [
      "aos.jobs.finished",
      "aos.queries.checked",
      "aos.audit.append.duration",
      "aos.jobs.queued",
    ]) {
      expect(metrics).toContain(name);
    }
    const everything = traces + metrics;
    expect(everything).not.toContain("MARKER_SOURCE_7f3a");
    expect(everything).not.toContain("MARKER_LITERAL_9c1e");
    expect(everything).not.toContain(job.outputs.t[0]!.station);
    expect(everything).not.toContain(credentials.operator.key.slice(17));
  });

  it("is off, and costs nothing, without an endpoint", async () => {
    const off = startTelemetry({ endpoint: undefined, serviceName: "x", metricIntervalMs: 1000 });
    expect(off.enabled).toBe(false);
    await off.flush();
  });
});
