import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AddressLimiter } from "../../gateway/auth.ts";
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

  it("refuses an address after repeated failures with 429 and Retry-After, even with a valid key", async () => {
    for (let i = 0; i < 5; i++) await gw.as(`aos_000000000000_${"x".repeat(43)}`).get("/v1/datasets");
    const limited = await gw.operator.get("/v1/datasets");
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: "RATE_LIMITED" });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
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
