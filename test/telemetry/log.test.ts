import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { newApp } from "../../gateway/app.ts";
import { DomainError } from "../../policies/errors.ts";
import { createLogger, installLogger, log, serializeError, silentLogger } from "../../telemetry/log.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

type Line = Record<string, unknown>;

/** A logger whose lines land in an array, parsed (each must be one JSON object). */
function capture(level: "debug" | "info" | "warn" | "error" = "debug") {
  const raw: string[] = [];
  const logger = createLogger(level, (line) => raw.push(line));
  return {
    logger,
    raw,
    lines: (): Line[] => raw.map((text) => JSON.parse(text) as Line),
  };
}

const SENTINEL = "SENTINEL_7d41_resident_value";

afterEach(() => installLogger(silentLogger));

describe("log lines", () => {
  it("are one JSON object per line with time, level and msg, at the configured level and above", () => {
    const out = capture("info");
    out.logger.debug("not written");
    out.logger.info("job queued", { jobId: "job_1", count: 3 });
    out.logger.child({ runnerId: "node-a" }).warn("lease lost");

    expect(out.raw.every((text) => text.endsWith("\n") && !text.slice(0, -1).includes("\n"))).toBe(true);
    const [first, second] = out.lines();
    expect(out.lines()).toHaveLength(2);
    expect(first).toMatchObject({
      level: "info",
      msg: "job queued",
      jobId: "job_1",
      count: 3,
      pid: process.pid,
    });
    expect(new Date(String(first?.time)).toISOString()).toBe(first?.time);
    expect(second).toMatchObject({ level: "warn", msg: "lease lost", runnerId: "node-a" });
  });

  it("keep an error's class, code and stack frames in our own files", () => {
    const out = capture();
    function failsDeepInOurCode(): never {
      const error = new Error("ENOSPC: no space left on device, write") as NodeJS.ErrnoException;
      error.code = "ENOSPC";
      error.syscall = "write";
      error.errno = -28;
      throw error;
    }
    try {
      failsDeepInOurCode();
    } catch (error) {
      out.logger.error("appending to the audit log failed", { error });
    }
    const line = out.lines()[0] as {
      error: { class: string; code: string; message: string; stack: string[] };
    };
    expect(line.error.class).toBe("Error");
    expect(line.error.code).toBe("ENOSPC");
    // A system error names what failed and our own path, never data: its message stays.
    expect(line.error.message).toBe("ENOSPC: no space left on device, write");
    expect(line.error.stack[0]).toMatch(/^at failsDeepInOurCode \(test\/telemetry\/log\.test\.ts:\d+:\d+\)$/);
    // Paths relative to the source root; nothing from node_modules (vitest's own frames).
    expect(line.error.stack.some((frame) => frame.includes("node_modules"))).toBe(false);
    expect(line.error.stack.some((frame) => frame.includes(process.cwd()))).toBe(false);
  });

  it("keep a DomainError's message, which is written for callers and carries no data", () => {
    const error = new DomainError("LICENSE_EXPIRED", "license lic_1 expired on 2026-01-01");
    expect(serializeError(error)).toMatchObject({
      class: "DomainError",
      code: "LICENSE_EXPIRED",
      message: "LICENSE_EXPIRED: license lic_1 expired on 2026-01-01",
    });
  });
});

describe("hostile errors", () => {
  it("a DuckDB error quoting a value from the data leaves only its class and a fixed message in the line", async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    let thrown: unknown;
    try {
      await connection.run(`SELECT CAST('${SENTINEL}' AS INTEGER)`);
    } catch (error) {
      thrown = error;
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    // The hostile case is real: DuckDB's message quotes the value it could not convert.
    expect(String((thrown as Error).message)).toContain(SENTINEL);

    const out = capture();
    out.logger.error("a query failed", { error: thrown });
    const text = out.raw.join("");
    expect(text).not.toContain(SENTINEL);
    const line = out.lines()[0] as { error: { class: string; message: string } };
    expect(line.error.message).toMatch(/^message withheld/);
    expect(line.error.class).toMatch(/^[A-Za-z]+$/);
  });

  it("withholds every place an error can carry a value: message, own fields, cause, a thrown non-error", () => {
    const stored = Object.assign(new Error(`duplicate key value (${SENTINEL})`), {
      code: "23505",
      detail: `Key (name)=(${SENTINEL}) already exists.`,
      where: SENTINEL,
    });
    const wrapped = new Error(`saving ${SENTINEL} failed`, { cause: stored });
    const out = capture();
    out.logger.error("saving failed", { error: wrapped });
    out.logger.error("a script threw a value", { error: serializeError(SENTINEL) });
    expect(out.raw.join("")).not.toContain(SENTINEL);
    const line = out.lines()[0] as { error: { cause: { code: string } } };
    expect(line.error.cause.code).toBe("23505");
  });

  it("reads no frame out of a message written to look like one", () => {
    const root = process.cwd();
    const forge = () => new Error(`no such value\n    at ${SENTINEL} (${root}/control/${SENTINEL}.ts:1:1)`);
    const asWritten = serializeError(forge());
    expect(JSON.stringify(asWritten)).not.toContain(SENTINEL);
    expect(asWritten.stack[0]).toMatch(/test\/telemetry\/log\.test\.ts/);
    // The stack is written when first read: a message changed after that no longer marks where it ends.
    const changed = forge();
    void changed.stack;
    changed.message = "changed after the stack was taken";
    expect(JSON.stringify(serializeError(changed))).not.toContain(SENTINEL);
  });
});

describe("ids in every line", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("binds the request id through an HTTP request into a control-layer line, and the job id into a job's lines", async () => {
    const out = capture("info");
    installLogger(out.logger);
    const script = `export default async function main(ctx) {
  return { t: await ctx.sql("SELECT station, count(*) AS n FROM air_quality GROUP BY station") };
}`;
    const submitted = await gw.operator.post<{ id: string }>("/v1/jobs", {
      script,
      license: gw.credentials.operator.license,
    });
    expect(submitted.status).toBe(202);
    const requestId = submitted.headers.get("x-request-id");
    expect(requestId).toBeTruthy();
    const jobId = submitted.body.id;
    const done = await gw.operator.get<{ status: string }>(`/v1/jobs/${jobId}?wait=30`);
    expect(done.body.status).toBe("released");

    const lines = out.lines();
    // Written in control/jobs/job-service.ts, which is handed no logger and no request id.
    const queued = lines.find((line) => line.msg === "job queued");
    expect(queued).toMatchObject({ requestId, jobId, level: "info" });
    // Written in control/jobs/job-runner.ts inside the job's context: the job id is bound, not passed,
    // and the request that happened to wake the runner is not this work's.
    const started = lines.find((line) => line.msg === "job started");
    expect(started).toMatchObject({ jobId });
    expect(started?.runnerId).toEqual(expect.any(String));
    expect(started?.requestId).toBeUndefined();
    expect(lines.find((line) => line.msg === "job settled")).toMatchObject({ jobId, status: "released" });
  });

  it("keeps a failing script's values out of every line the job writes", async () => {
    const out = capture("debug");
    installLogger(out.logger);
    const script = `export default async function main(ctx) {
  const rows = await ctx.sql("SELECT station FROM air_quality WHERE station = '${SENTINEL}'");
  throw new Error("computed ${SENTINEL} " + rows.length);
}`;
    const submitted = await gw.operator.post<{ id: string }>("/v1/jobs", {
      script,
      license: gw.credentials.operator.license,
    });
    const done = await gw.operator.get<{ status: string }>(`/v1/jobs/${submitted.body.id}?wait=30`);
    expect(done.body.status).toBe("failed");
    expect(out.lines().find((line) => line.msg === "job settled")).toMatchObject({
      jobId: submitted.body.id,
      status: "failed",
    });
    expect(out.raw.join("")).not.toContain(SENTINEL);
  });

  it("logs an unhandled error answering a request with the request id, never its message", async () => {
    const out = capture();
    // A store failing the way PostgreSQL does on bad input: its message quotes the input.
    const failing = new Proxy(gw.services.controlPlane, {
      get(target, property, receiver) {
        if (property === "query" || property === "transaction")
          return async () => {
            throw new Error(`invalid input syntax for type integer: "${SENTINEL}"`);
          };
        return Reflect.get(target, property, receiver);
      },
    });
    const app = newApp({ ...gw.services, controlPlane: failing, logger: out.logger });
    const res = await app.request("/v1/datasets", {
      headers: { authorization: `Bearer ${gw.credentials.operator.key}` },
    });
    expect(res.status).toBe(500);
    const requestId = res.headers.get("x-request-id");
    expect(out.raw.join("")).not.toContain(SENTINEL);
    const line = out.lines().find((l) => l.msg === "unhandled error") as {
      requestId: string;
      error: { stack: string[] };
    };
    expect(line.requestId).toBe(requestId);
    expect(line.error.stack.length).toBeGreaterThan(0);
  });

  it("the process logger writes through whatever the start-up installed", () => {
    const out = capture("info");
    installLogger(out.logger);
    log.child({ component: "test" }).info("through the process logger", { n: 1 });
    expect(out.lines()).toEqual([
      expect.objectContaining({ msg: "through the process logger", component: "test", n: 1 }),
    ]);
  });
});
