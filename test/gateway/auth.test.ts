import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordingAuditSink } from "../../control/audit-sink.ts";
import { newApp } from "../../gateway/app.ts";
import { AddressLimiter, AuthFailureLimiter } from "../../gateway/auth.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ authLimit: { events: 5, windowMs: 60_000 } });
});

afterAll(async () => {
  await gw?.close();
});

describe("authentication", () => {
  it("audits a failed authentication with the key's public prefix, never its secret", async () => {
    const forged = `${gw.credentials.operator.key.slice(0, -6)}AAAAAA`;
    expect((await gw.as(forged).get("/v1/datasets")).status).toBe(401);
    const [event] = gw.audit.ofType("auth.failed");
    expect(event?.data.keyPrefix).toBe(forged.slice(4, 16));
    expect(JSON.stringify(event)).not.toContain(forged.slice(17));
    expect(event?.data.path).toBe("/v1/datasets");
  });

  it("refuses a key that keeps failing with 429 and Retry-After, while a valid key from the same address works", async () => {
    const wrong = gw.as(`aos_000000000000_${"x".repeat(43)}`);
    for (let i = 0; i < 5; i++) expect((await wrong.get("/v1/datasets")).status).toBe(401);
    const limited = await wrong.get("/v1/datasets");
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: "RATE_LIMITED" });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // Every in-process client shares one address, as local clients share 127.0.0.1.
    expect((await gw.operator.get("/v1/datasets")).status).toBe(200);
    expect((await gw.auditor.get("/v1/audit?limit=1")).status).toBe(200);
  });

  it("past the per-address cap answers every failure 429, never a valid key, and logs a flood in one entry", async () => {
    const sink = new RecordingAuditSink();
    const app = newApp({
      ...gw.services,
      audit: sink,
      authLimiter: new AuthFailureLimiter({ events: 5, windowMs: 60_000 }),
    });
    const get = async (key: string) =>
      (await app.request("/v1/datasets", { headers: { authorization: `Bearer ${key}` } })).status;
    const statuses: number[] = [];
    // 60 different wrong keys: each under its own limit, together over the address's cap of 50.
    for (let i = 0; i < 60; i++)
      statuses.push(await get(`aos_${String(i).padStart(12, "0")}_${"y".repeat(43)}`));
    expect(statuses.slice(0, 49).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(50).every((s) => s === 429)).toBe(true);
    expect(await get(gw.credentials.operator.key)).toBe(200);
    // The first 10 failures are entries of their own, the other 50 wait for the window's count.
    expect(sink.events.filter((e) => e.type === "auth.failed")).toHaveLength(10);
  });

  it("writes the count of the failures it did not log one by one when the window ends", async () => {
    let now = 0;
    const sink = new RecordingAuditSink();
    const limiter = new AuthFailureLimiter(
      { events: 100, windowMs: 60_000 },
      { loggedEach: 2, now: () => now },
    );
    const failure = (i: number) => ({
      address: "10.0.0.1",
      credential: `key:${i}`,
      keyPrefix: i % 2 ? "aaaaaaaaaaaa" : "bbbbbbbbbbbb",
      reason: "unknown, revoked or inactive key",
      method: "GET",
      path: "/v1/datasets",
    });
    for (let i = 0; i < 7; i++) expect(await limiter.fail(failure(i), sink)).toBe(0);
    expect(sink.events).toHaveLength(2);
    now = 30_000;
    await limiter.flush();
    expect(sink.events).toHaveLength(3);
    expect(sink.events[2]).toMatchObject({
      type: "auth.failed",
      data: { count: 5, address: "10.0.0.1", keyPrefixes: { bbbbbbbbbbbb: 3, aaaaaaaaaaaa: 2 } },
    });
    expect(JSON.stringify(sink.events)).not.toContain("key:");
    await limiter.flush();
    expect(sink.events).toHaveLength(3);
  });

  it("opens the address again once the window has passed", () => {
    let now = 0;
    const limiter = new AddressLimiter({ events: 2, windowMs: 1000 }, () => now);
    limiter.record("a");
    limiter.record("a");
    expect(limiter.blockedFor("a")).toBe(1);
    expect(limiter.blockedFor("b")).toBe(0);
    now = 1000;
    expect(limiter.blockedFor("a")).toBe(0);
  });
});
