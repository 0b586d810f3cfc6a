import type { OpenAPIHono } from "@hono/zod-openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holderDepartments } from "../../control/holders.ts";
import { newApp } from "../../gateway/app.ts";
import type { GatewayEnv } from "../../gateway/auth.ts";
import { loadConfig } from "../../gateway/config.ts";
import { SingleSignOn, singleSignOnSettings } from "../../gateway/single-sign-on.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import {
  signInAtProvider,
  startOpenIdProvider,
  type TestOpenIdProvider,
} from "../support/openid-provider.ts";

// The gateway's public callback as registered at the provider; the test's browser hands what comes
// back to the app itself.
const REDIRECT_URL = "http://127.0.0.1:8080/v1/session/sign-on/callback";

let gw: TestGateway;
let idp: TestOpenIdProvider;
let app: OpenAPIHono<GatewayEnv>;
let department: string;

beforeAll(async () => {
  gw = await startTestGateway();
  [department = ""] = await holderDepartments(gw.controlPlane);
  idp = await startOpenIdProvider(
    {
      alice: { name: "Alice Officer", groups: ["staff", "aos-bureau"] },
      erin: { name: "Erin Auditor", groups: ["aos-audit"] },
      hana: { name: "Hana Holder", groups: ["aos-health"] },
      carol: { name: "Carol Developer", groups: ["qingcheng-devs"] },
      bob: { name: "Bob Canteen", groups: ["canteen"] },
      dave: { name: "Dave Applicant", groups: ["ghost-devs"] },
      gwen: { name: "Gwen Two Hats", groups: ["aos-bureau", "aos-audit"] },
    },
    REDIRECT_URL,
  );
  const config = loadConfig({
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: idp.clientId,
    OIDC_CLIENT_SECRET: idp.clientSecret,
    OIDC_REDIRECT_URL: REDIRECT_URL,
    OIDC_PROVIDER_NAME: "City Identity",
    OIDC_CONTACT: "the identity desk (ext. 4100)",
    OIDC_ROLES: JSON.stringify({
      "aos-bureau": "bureau",
      "aos-audit": "auditor:City Audit Office",
      "aos-health": `holder:${department}`,
      "qingcheng-devs": `operator:${gw.demoOperatorId}`,
      "ghost-devs": "operator:ope_never_admitted",
    }),
  });
  app = newApp({
    ...gw.services,
    singleSignOn: new SingleSignOn(singleSignOnSettings(config, idp.clientSecret)),
  });
});

afterAll(async () => {
  await idp?.close();
  await gw?.close();
});

interface Started {
  readonly attemptCookie: string;
  readonly authorizationUrl: string;
}

async function startSignOn(): Promise<Started> {
  const res = await app.request("/v1/session/sign-on/start");
  expect(res.status).toBe(302);
  const setCookie = res.headers.get("set-cookie") ?? "";
  expect(setCookie).toMatch(/HttpOnly/);
  expect(setCookie).toMatch(/SameSite=Lax/);
  const attemptCookie = /aos_sign_on=([^;]*)/.exec(setCookie)?.[1];
  if (!attemptCookie) throw new Error("no attempt cookie");
  return { attemptCookie, authorizationUrl: res.headers.get("location") ?? "" };
}

async function callback(returned: URL, attemptCookie: string | undefined) {
  const res = await app.request(`${returned.pathname}${returned.search}`, {
    headers: attemptCookie ? { cookie: `aos_sign_on=${attemptCookie}` } : {},
  });
  const session = /aos_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  return { res, session, text: res.status === 303 ? "" : await res.text() };
}

async function signInAs(account: string) {
  const started = await startSignOn();
  const returned = await signInAtProvider(started.authorizationUrl, account, REDIRECT_URL);
  return callback(returned, started.attemptCookie);
}

async function whoAmI(session: string) {
  const res = await app.request("/v1/session", { headers: { cookie: `aos_session=${session}` } });
  return {
    status: res.status,
    body: (await res.json()) as { principal: Record<string, string>; csrfToken: string },
  };
}

describe("the provider as the console sees it", () => {
  it("names the provider for the sign-in button, without a key", async () => {
    const res = await app.request("/v1/session/sign-on");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      provider: { name: "City Identity", startUrl: "/v1/session/sign-on/start" },
    });
  });

  it("says sign-in is by key only when no provider is configured", async () => {
    const res = await gw.app.request("/v1/session/sign-on");
    expect(await res.json()).toEqual({ provider: null });
    const start = await gw.app.request("/v1/session/sign-on/start");
    expect(start.status).toBe(404);
    expect(await start.json()).toMatchObject({ code: "NOT_FOUND" });
  });

  it("starts the code flow with PKCE (S256), state and nonce, none of them in the browser's cookie", async () => {
    const { authorizationUrl, attemptCookie } = await startSignOn();
    const url = new URL(authorizationUrl);
    expect(url.origin).toBe(idp.issuer);
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(url.searchParams.get("nonce")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(url.searchParams.get("redirect_uri")).toBe(REDIRECT_URL);
    expect(attemptCookie).not.toContain(url.searchParams.get("state"));
    const stored = JSON.stringify(await gw.controlPlane.query("SELECT * FROM sign_on_attempts"));
    expect(stored).not.toContain(attemptCookie);
  });
});

describe("signing in", () => {
  it("opens the same session as a key does, as a bureau principal created for the person, and audits it", async () => {
    const { res, session } = await signInAs("alice");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    expect(res.headers.get("set-cookie")).toMatch(/aos_session=[^;]+;.*HttpOnly/);
    expect(res.headers.get("set-cookie")).toMatch(/SameSite=Strict/);
    const me = await whoAmI(session!);
    expect(me.status).toBe(200);
    expect(me.body.principal).toMatchObject({
      role: "bureau",
      name: "Alice Officer",
      organization: "City Identity",
    });
    const opened = gw.audit.ofType("session.opened").at(-1);
    expect(opened).toMatchObject({
      actor: me.body.principal.id,
      data: { role: "bureau", issuer: idp.issuer, person: "alice" },
    });
    expect(gw.audit.ofType("operator.created").at(-1)).toMatchObject({
      data: { role: "bureau", via: "single sign-on", person: "alice" },
    });

    // The same person again: the same principal, not a second one.
    const again = await signInAs("alice");
    expect((await whoAmI(again.session!)).body.principal.id).toBe(me.body.principal.id);

    // The session works for the role's routes and signs out like a key's, audited.
    const reviews = await app.request("/v1/reviews", { headers: { cookie: `aos_session=${session}` } });
    expect(reviews.status).toBe(200);
    const out = await app.request("/v1/session", {
      method: "DELETE",
      headers: { cookie: `aos_session=${session}`, "x-csrf-token": me.body.csrfToken },
    });
    expect(out.status).toBe(200);
    expect(gw.audit.ofType("session.closed").at(-1)).toMatchObject({
      actor: me.body.principal.id,
      data: { reason: "signed out" },
    });
    expect((await whoAmI(session!)).status).toBe(401);
  });

  it("maps auditors (with the organization the mapping names) and holders (to their department)", async () => {
    const erin = await signInAs("erin");
    expect((await whoAmI(erin.session!)).body.principal).toMatchObject({
      role: "auditor",
      organization: "City Audit Office",
    });
    const hana = await signInAs("hana");
    expect((await whoAmI(hana.session!)).body.principal).toMatchObject({
      role: "holder",
      organization: department,
    });
  });

  it("signs an admitted operator's member in as that operator, creating nothing", async () => {
    const before = await gw.controlPlane.query<{ n: number }>("SELECT count(*) AS n FROM principals");
    const { res, session } = await signInAs("carol");
    expect(res.status).toBe(303);
    const me = await whoAmI(session!);
    expect(me.body.principal).toMatchObject({ id: gw.demoOperatorId, role: "operator" });
    const after = await gw.controlPlane.query<{ n: number }>("SELECT count(*) AS n FROM principals");
    expect(Number(after[0]?.n)).toBe(Number(before[0]?.n));
    expect(gw.audit.ofType("session.opened").at(-1)).toMatchObject({
      subject: { operator: gw.demoOperatorId },
      data: { person: "carol" },
    });
  });
});

describe("refusals", () => {
  it("refuses a person whose claims map to no role, with a page naming whom to ask", async () => {
    const { res, session, text } = await signInAs("bob");
    expect(res.status).toBe(403);
    expect(session).toBeUndefined();
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(text).toContain("the identity desk (ext. 4100)");
    expect(gw.audit.ofType("session.refused").at(-1)).toMatchObject({
      data: { person: "bob", reason: "no-role" },
    });
  });

  it("refuses a person mapped to two roles: a session has one", async () => {
    const { res, text } = await signInAs("gwen");
    expect(res.status).toBe(403);
    expect(text).toContain("2 roles");
  });

  it("refuses an operator claim naming an organisation the bureau has not admitted", async () => {
    const { res, session, text } = await signInAs("dave");
    expect(res.status).toBe(403);
    expect(session).toBeUndefined();
    expect(text).toContain("applies to the bureau for admission");
    expect(gw.audit.ofType("session.refused").at(-1)).toMatchObject({ data: { reason: "not-admitted" } });
  });

  it("refuses a callback whose state is not the one the sign-in started with", async () => {
    const started = await startSignOn();
    const returned = await signInAtProvider(started.authorizationUrl, "alice", REDIRECT_URL);
    returned.searchParams.set("state", "an-attackers-state-value-0123456789");
    const { res, session, text } = await callback(returned, started.attemptCookie);
    expect(res.status).toBe(401);
    expect(session).toBeUndefined();
    expect(text).toContain("start the sign-in again");
    expect(gw.audit.ofType("auth.failed").at(-1)).toMatchObject({
      data: {
        reason: expect.stringContaining("single sign-on callback refused"),
        path: "/v1/session/sign-on/callback",
      },
    });
  });

  it("refuses an ID token whose nonce is not the sign-in's (an authorization request altered on the way)", async () => {
    const started = await startSignOn();
    const altered = new URL(started.authorizationUrl);
    altered.searchParams.set("nonce", "a-nonce-the-gateway-never-issued-0123");
    const returned = await signInAtProvider(altered.href, "alice", REDIRECT_URL);
    const { res, session } = await callback(returned, started.attemptCookie);
    expect(res.status).toBe(401);
    expect(session).toBeUndefined();
  });

  it("refuses a callback from a browser that did not start the sign-in, and a replayed one", async () => {
    const started = await startSignOn();
    const returned = await signInAtProvider(started.authorizationUrl, "alice", REDIRECT_URL);
    expect((await callback(returned, undefined)).res.status).toBe(401);
    // The attempt is still unused; once used, the same callback does not open a second session.
    const first = await callback(returned, started.attemptCookie);
    expect(first.res.status).toBe(303);
    const replay = await callback(returned, started.attemptCookie);
    expect(replay.res.status).toBe(401);
    expect(replay.session).toBeUndefined();
  });

  it("refuses an ID token altered on its way from the provider (its signature no longer matches)", async () => {
    idp.tamperIdTokens = true;
    try {
      const { res, session } = await signInAs("bob");
      expect(res.status).toBe(401);
      expect(session).toBeUndefined();
    } finally {
      idp.tamperIdTokens = false;
    }
    expect(gw.audit.ofType("session.opened").some((e) => e.data.person === "bob")).toBe(false);
  });
});

describe("configuration", () => {
  it("asks for every OIDC_ setting together, and https for a provider off this host", () => {
    expect(() => loadConfig({ OIDC_ISSUER: "https://id.example.gov.cn" })).toThrow(
      /OIDC_CLIENT_ID[\s\S]*OIDC_CLIENT_SECRET[\s\S]*OIDC_REDIRECT_URL[\s\S]*OIDC_ROLES/,
    );
    expect(() => loadConfig({ OIDC_CLIENT_ID: "x" })).toThrow(/OIDC_ISSUER/);
    expect(() =>
      loadConfig({
        OIDC_ISSUER: "http://id.example.gov.cn",
        OIDC_CLIENT_ID: "aos",
        OIDC_CLIENT_SECRET_FILE: "/run/secrets/oidc",
        OIDC_REDIRECT_URL: "https://aos.example.gov.cn/v1/session/sign-on/callback",
        OIDC_ROLES: '{"g": "bureau"}',
      }),
    ).toThrow(/OIDC_ISSUER: must be https/);
    expect(() => loadConfig({ OIDC_ROLES: '{"g": "admin"}' })).toThrow(/OIDC_ROLES/);
  });
});
