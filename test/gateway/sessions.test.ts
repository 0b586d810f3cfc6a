import { createHash } from "node:crypto";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newApp } from "../../gateway/app.ts";
import { AuthFailureLimiter, type GatewayEnv } from "../../gateway/auth.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

const MINUTE = 60_000;
const IDLE_MS = 30 * MINUTE;
const MAX_MS = 2 * 60 * MINUTE;

let gw: TestGateway;
/** The gateway's app with a clock the tests move. */
let app: OpenAPIHono<GatewayEnv>;
// Ahead of the real clock that stamps admissions and revocations: a session opened on this clock
// is never older than a status change made on the real one (a fixed date here fell behind it).
let now = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3_600_000);

beforeAll(async () => {
  gw = await startTestGateway();
  app = newApp({ ...gw.services, sessions: { idleMs: IDLE_MS, maxMs: MAX_MS, now: () => now } });
});

afterAll(async () => {
  await gw?.close();
});

const advance = (ms: number) => {
  now = new Date(now.getTime() + ms);
};

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

async function call(
  method: string,
  path: string,
  options: { cookie?: string; csrf?: string; bearer?: string; body?: unknown; env?: unknown } = {},
  target: OpenAPIHono<GatewayEnv> = app,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.cookie !== undefined) headers.cookie = `aos_session=${options.cookie}`;
  if (options.csrf !== undefined) headers["x-csrf-token"] = options.csrf;
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  const init: RequestInit = { method, headers };
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  const res = await target.request(path, init, options.env);
  const type = res.headers.get("content-type") ?? "";
  return {
    status: res.status,
    headers: res.headers,
    body: type.includes("json")
      ? ((await res.json()) as Record<string, unknown>)
      : { text: await res.text() },
  };
}

interface SignedIn {
  readonly cookie: string;
  readonly csrf: string;
  readonly answer: Answer;
}

async function signIn(key: string, target: OpenAPIHono<GatewayEnv> = app, env?: unknown): Promise<SignedIn> {
  const answer = await call("POST", "/v1/session", { body: { key }, env }, target);
  expect(answer.status).toBe(201);
  const cookie = /aos_session=([^;]*)/.exec(answer.headers.get("set-cookie") ?? "")?.[1];
  if (!cookie) throw new Error("sign-in set no cookie");
  return { cookie, csrf: String(answer.body.csrfToken), answer };
}

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

describe("sign-in", () => {
  it("exchanges a key for an HttpOnly, SameSite=Strict session cookie and says who signed in", async () => {
    const { cookie, csrf, answer } = await signIn(gw.credentials.operator.key);
    const setCookie = answer.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    // Plain HTTP (the test's request has no TLS socket): no Secure flag.
    expect(setCookie).not.toMatch(/Secure/);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    expect(answer.body).toMatchObject({
      principal: { id: gw.demoOperatorId, role: "operator" },
      idleExpiresAt: new Date(now.getTime() + IDLE_MS).toISOString(),
      expiresAt: new Date(now.getTime() + MAX_MS).toISOString(),
    });
    expect(answer.body.principal).not.toHaveProperty("status");
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie).not.toContain(gw.credentials.operator.key.slice(17));
    expect(csrf).not.toBe(cookie);
  });

  it("keeps only digests: the store holds neither the session token nor the CSRF token", async () => {
    const { cookie, csrf } = await signIn(gw.credentials.auditor.key);
    const rows = await gw.controlPlane.query<Record<string, unknown>>("SELECT * FROM console_sessions");
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(cookie);
    expect(stored).not.toContain(csrf);
    expect(stored).not.toContain(gw.credentials.auditor.key.slice(17));
    expect(rows.some((r) => r.token_hash === sha256(cookie) && r.csrf_hash === sha256(csrf))).toBe(true);
    const opened = gw.audit.ofType("session.opened").at(-1);
    expect(opened).toMatchObject({
      actor: expect.stringMatching(/^aud_/),
      data: { keyPrefix: gw.credentials.auditor.key.slice(4, 16), role: "auditor" },
    });
    expect(JSON.stringify(opened)).not.toContain(cookie);
    expect(JSON.stringify(opened)).not.toContain(csrf);
  });

  it("sets Secure when the connection itself is TLS, and never because of X-Forwarded-Proto", async () => {
    const tls = { incoming: { socket: { encrypted: true, remoteAddress: "192.0.2.7" } } };
    const secure = await signIn(gw.credentials.operator.key, app, tls);
    expect(secure.answer.headers.get("set-cookie")).toMatch(/; Secure/);

    const forwarded = await app.request("/v1/session", {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-proto": "https" },
      body: JSON.stringify({ key: gw.credentials.operator.key }),
    });
    expect(forwarded.status).toBe(201);
    expect(forwarded.headers.get("set-cookie")).not.toMatch(/Secure/);
  });

  it("refuses a wrong key with 401, sets no cookie and audits the attempt without the secret", async () => {
    const forged = `${gw.credentials.operator.key.slice(0, -6)}AAAAAA`;
    const before = gw.audit.ofType("auth.failed").length;
    const refused = await call("POST", "/v1/session", { body: { key: forged } });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(refused.headers.get("set-cookie")).toBeNull();
    const failures = gw.audit.ofType("auth.failed");
    expect(failures.length).toBe(before + 1);
    expect(failures.at(-1)?.data).toMatchObject({ keyPrefix: forged.slice(4, 16), path: "/v1/session" });
    expect(JSON.stringify(failures.at(-1))).not.toContain(forged.slice(17));
  });

  it("counts failed sign-ins against the limiter: after the limit the wrong key waits, a good key signs in", async () => {
    const limited = newApp({
      ...gw.services,
      authLimiter: new AuthFailureLimiter({ events: 2, windowMs: MINUTE }),
    });
    for (let i = 0; i < 2; i++) {
      const wrong = await call(
        "POST",
        "/v1/session",
        { body: { key: `aos_000000000000_${"x".repeat(43)}` } },
        limited,
      );
      expect(wrong.status).toBe(401);
    }
    const blocked = await call(
      "POST",
      "/v1/session",
      { body: { key: `aos_000000000000_${"x".repeat(43)}` } },
      limited,
    );
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(blocked.headers.get("set-cookie")).toBeNull();
    const good = await call("POST", "/v1/session", { body: { key: gw.credentials.operator.key } }, limited);
    expect(good.status).toBe(201);
  });

  it("takes the key only as JSON, so a cross-site form cannot sign a browser in", async () => {
    const form = await app.request("/v1/session", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `key=${encodeURIComponent(gw.credentials.operator.key)}`,
    });
    expect(form.status).toBe(415);
    expect(await form.clone().json()).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE" });
    expect(form.headers.get("set-cookie")).toBeNull();
    // A form with enctype=text/plain can carry a JSON-looking body; its content type gives it away.
    const plain = await app.request("/v1/session", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ key: gw.credentials.operator.key }),
    });
    expect(plain.status).toBe(415);
    expect(plain.headers.get("set-cookie")).toBeNull();
  });
});

describe("a session cookie authenticates", () => {
  it("reads as the session's principal with the cookie alone", async () => {
    const { cookie, csrf } = await signIn(gw.credentials.operator.key);
    const viaCookie = await call("GET", "/v1/jobs", { cookie });
    const viaKey = await call("GET", "/v1/jobs", { bearer: gw.credentials.operator.key });
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.body).toEqual(viaKey.body);
    const keys = await call("GET", "/v1/keys", { cookie });
    expect(keys.body.keys).toEqual([expect.objectContaining({ principal: gw.demoOperatorId })]);
    const me = await call("GET", "/v1/session", { cookie });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ principal: { id: gw.demoOperatorId }, csrfToken: csrf });
  });

  it("needs the CSRF token on a write: none or a wrong one is 403, the right one works", async () => {
    const { cookie, csrf } = await signIn(gw.credentials.bureau.key);
    const staff = { role: "auditor", name: "Audit clerk", organization: "Audit Office" };
    const missing = await call("POST", "/v1/principals", { cookie, body: staff });
    expect(missing.status).toBe(403);
    expect(missing.body).toMatchObject({ code: "FORBIDDEN" });
    expect(String(missing.body.detail)).toMatch(/^missing or wrong CSRF token: /);
    const wrong = await call("POST", "/v1/principals", {
      cookie,
      // One character changed (to one it is not: a token ending in "A" must not stay right).
      csrf: `${csrf.slice(0, -1)}${csrf.endsWith("A") ? "B" : "A"}`,
      body: staff,
    });
    expect(wrong.status).toBe(403);
    const count = async () =>
      (await gw.controlPlane.query("SELECT id FROM principals WHERE name = 'Audit clerk'")).length;
    expect(await count()).toBe(0);

    const created = await call("POST", "/v1/principals", { cookie, csrf, body: staff });
    expect(created.status).toBe(201);
    expect(await count()).toBe(1);
    const me = await call("GET", "/v1/session", { cookie });
    expect(gw.audit.events.at(-1)?.actor).toBe((me.body.principal as { id: string }).id);
  });

  it("lets a Bearer write through without a CSRF token (a key is not ambient)", async () => {
    const created = await call("POST", "/v1/principals", {
      bearer: gw.credentials.bureau.key,
      body: { role: "auditor", name: "Second clerk", organization: "Audit Office" },
    });
    expect(created.status).toBe(201);
  });

  it("enforces roles as keys do: an operator's session is refused on a bureau route", async () => {
    const { cookie, csrf } = await signIn(gw.credentials.operator.key);
    const listing = await call("GET", "/v1/operators", { cookie });
    expect(listing.status).toBe(403);
    expect(listing.body).toMatchObject({ code: "FORBIDDEN" });
    const write = await call("POST", "/v1/principals", {
      cookie,
      csrf,
      body: { role: "bureau", name: "Impostor", organization: "Bureau" },
    });
    expect(write.status).toBe(403);
    expect(await gw.controlPlane.query("SELECT id FROM principals WHERE name = 'Impostor'")).toEqual([]);
  });

  it("answers GET /v1/session made with a key with 404: there is no session to describe", async () => {
    const res = await call("GET", "/v1/session", { bearer: gw.credentials.operator.key });
    expect(res.status).toBe(404);
  });

  it("answers a console asking whether it is signed in, with nothing to present, 401 without counting it as a failure", async () => {
    const strict = newApp({
      ...gw.services,
      authLimiter: new AuthFailureLimiter({ events: 2, windowMs: MINUTE }),
    });
    const failures = gw.audit.ofType("auth.failed").length;
    for (let i = 0; i < 5; i++) {
      const res = await strict.request("/v1/session");
      expect(res.status).toBe(401);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/not signed in/);
    }
    expect(gw.audit.ofType("auth.failed")).toHaveLength(failures);
    // The address was not rate-limited by those: a sign-in still goes through.
    const signIn = await strict.request("/v1/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: gw.credentials.operator.key }),
    });
    expect(signIn.status).toBe(201);
  });

  it("refuses a made-up cookie with 401, audits it and clears the cookie", async () => {
    const res = await call("GET", "/v1/jobs", { cookie: "A".repeat(43) });
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toMatch(/aos_session=;.*Max-Age=0/);
    expect(gw.audit.ofType("auth.failed").at(-1)?.data).toMatchObject({
      reason: "expired, ended or unknown console session",
    });
  });
});

describe("session lifetime", () => {
  it("ends after the idle time without use, and each use (at most once a minute written) extends it", async () => {
    const { cookie } = await signIn(gw.credentials.operator.key);
    const lastSeen = async () =>
      (
        await gw.controlPlane.query<{ last_seen_at: string }>(
          "SELECT last_seen_at FROM console_sessions WHERE token_hash = $1",
          [sha256(cookie)],
        )
      )[0]?.last_seen_at;
    const opened = await lastSeen();
    advance(30_000);
    expect((await call("GET", "/v1/jobs", { cookie })).status).toBe(200);
    expect(await lastSeen()).toBe(opened);
    advance(20 * MINUTE);
    expect((await call("GET", "/v1/jobs", { cookie })).status).toBe(200);
    expect(await lastSeen()).toBe(now.toISOString());
    // 40 minutes after sign-in but 20 after the last use: still open.
    advance(20 * MINUTE);
    const me = await call("GET", "/v1/session", { cookie });
    expect(me.status).toBe(200);
    expect(me.body.idleExpiresAt).toBe(new Date(now.getTime() + IDLE_MS).toISOString());
    advance(IDLE_MS);
    const ended = await call("GET", "/v1/jobs", { cookie });
    expect(ended.status).toBe(401);
    expect(ended.body).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("ends at its absolute expiry however much it is used", async () => {
    const { cookie, answer } = await signIn(gw.credentials.operator.key);
    const expiresAt = String(answer.body.expiresAt);
    while (now.getTime() + 20 * MINUTE < Date.parse(expiresAt)) {
      advance(20 * MINUTE);
      expect((await call("GET", "/v1/jobs", { cookie })).status).toBe(200);
    }
    const me = await call("GET", "/v1/session", { cookie });
    expect(me.body.idleExpiresAt).toBe(expiresAt);
    now = new Date(expiresAt);
    expect((await call("GET", "/v1/jobs", { cookie })).status).toBe(401);
  });

  it("signs out: DELETE needs the CSRF token, then the cookie is cleared and opens nothing", async () => {
    const { cookie, csrf } = await signIn(gw.credentials.auditor.key);
    expect((await call("DELETE", "/v1/session", { cookie })).status).toBe(403);
    const out = await call("DELETE", "/v1/session", { cookie, csrf });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ signedOut: true });
    expect(out.headers.get("set-cookie")).toMatch(/aos_session=;.*Max-Age=0/);
    expect((await call("GET", "/v1/audit", { cookie })).status).toBe(401);
    const closed = gw.audit.ofType("session.closed").at(-1);
    expect(closed).toMatchObject({ actor: expect.stringMatching(/^aud_/), data: { reason: "signed out" } });
    expect(JSON.stringify(closed)).not.toContain(cookie);
    const row = await gw.controlPlane.query<{ revoked_at: string | null }>(
      "SELECT revoked_at FROM console_sessions WHERE token_hash = $1",
      [sha256(cookie)],
    );
    expect(row[0]?.revoked_at).toBe(now.toISOString());
  });

  it("ends for good when the operator is suspended, even if reinstated before the next request", async () => {
    // The gateway's own app, on the real clock the suspension is stamped with.
    const real = gw.app;
    const op = await gw.admitOperator();
    const seen = await signIn(op.key, real);
    const unseen = await signIn(op.key, real);
    expect((await call("GET", "/v1/licenses", { cookie: seen.cookie }, real)).status).toBe(200);
    const suspended = await gw.bureau.post(`/v1/operators/${op.id}/suspend`, { reason: "under review" });
    expect(suspended.status).toBe(200);
    expect((await call("GET", "/v1/licenses", { cookie: seen.cookie }, real)).status).toBe(401);
    expect((await gw.bureau.post(`/v1/operators/${op.id}/reinstate`, { reason: "review done" })).status).toBe(
      200,
    );
    // The key works again; neither session does: the operator signs in anew.
    expect((await op.client.get("/v1/licenses")).status).toBe(200);
    expect((await call("GET", "/v1/licenses", { cookie: seen.cookie }, real)).status).toBe(401);
    expect((await call("GET", "/v1/licenses", { cookie: unseen.cookie }, real)).status).toBe(401);
    const fresh = await signIn(op.key, real);
    expect((await call("GET", "/v1/licenses", { cookie: fresh.cookie }, real)).status).toBe(200);
  });

  it("ends when the key that opened it is revoked, while a session of another key lives on", async () => {
    const op = await gw.admitOperator();
    const second = await gw.bureau.post<{ key: string; prefix: string }>(`/v1/principals/${op.id}/keys`);
    expect(second.status).toBe(201);
    const first = await signIn(op.key);
    const other = await signIn(second.body.key);
    expect((await gw.bureau.delete(`/v1/keys/${op.prefix}`)).status).toBe(200);
    expect((await call("GET", "/v1/licenses", { cookie: first.cookie })).status).toBe(401);
    expect((await call("GET", "/v1/licenses", { cookie: other.cookie })).status).toBe(200);
  });
});

describe("on a PostgreSQL control plane", () => {
  let pg: TestGateway;
  beforeAll(async () => {
    pg = await startTestGateway({ store: "postgres" });
  });
  afterAll(async () => {
    await pg?.close();
  });

  it("signs in, reads, writes with the CSRF token and signs out", async () => {
    const { cookie, csrf } = await signIn(pg.credentials.bureau.key, pg.app);
    expect((await call("GET", "/v1/operators", { cookie }, pg.app)).status).toBe(200);
    const staff = { role: "auditor", name: "PG clerk", organization: "Audit Office" };
    expect((await call("POST", "/v1/principals", { cookie, body: staff }, pg.app)).status).toBe(403);
    expect((await call("POST", "/v1/principals", { cookie, csrf, body: staff }, pg.app)).status).toBe(201);
    expect((await call("DELETE", "/v1/session", { cookie, csrf }, pg.app)).status).toBe(200);
    expect((await call("GET", "/v1/operators", { cookie }, pg.app)).status).toBe(401);
  });
});
