import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** A person with an account at the test provider: `groups` is the role claim the gateway maps. */
export interface TestPerson {
  readonly name: string;
  readonly groups: readonly string[];
}

export interface TestOpenIdProvider {
  /** The issuer URL (the front of the provider, where `tamperIdTokens` acts). */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUrl: string;
  /** While true, every ID token the token endpoint answers has its payload changed (signature kept). */
  tamperIdTokens: boolean;
  close(): Promise<void>;
}

const listenOnLoopback = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );

/**
 * A real OpenID provider (the `oidc-provider` package) on a loopback port, with one client
 * registered for the gateway and the given accounts. It is reached through a small forwarding
 * front whose port is the issuer, so a test can play a party that alters ID tokens in flight.
 */
export async function startOpenIdProvider(
  people: Readonly<Record<string, TestPerson>>,
  redirectUrl: string,
): Promise<TestOpenIdProvider> {
  const clientId = "aos-console";
  const clientSecret = "a-test-secret-of-the-console-client-0123456789";
  const back = createServer();
  const front = createServer();
  const backPort = await listenOnLoopback(back);
  const frontPort = await listenOnLoopback(front);
  const issuer = `http://127.0.0.1:${frontPort}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUrl],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], profile: ["name", "groups"] },
    // Scope claims go into the ID token (the gateway reads roles from it, not from userinfo).
    conformIdTokenClaims: false,
    cookies: { keys: ["test-cookie-key-0123456789abcdef"] },
    async findAccount(_ctx: unknown, id: string) {
      const person = people[id];
      if (!person) return undefined;
      return { accountId: id, claims: () => ({ sub: id, name: person.name, groups: [...person.groups] }) };
    },
  });
  back.on("request", provider.callback());
  const state: TestOpenIdProvider = {
    issuer,
    clientId,
    clientSecret,
    redirectUrl,
    tamperIdTokens: false,
    async close() {
      await Promise.all([back, front].map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
  front.on("request", (req, res) => {
    const forward = httpRequest(
      { host: "127.0.0.1", port: backPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const tamper = state.tamperIdTokens && req.url?.startsWith("/token");
        if (!tamper) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id_token?: string };
          if (body.id_token) body.id_token = withPayloadChanged(body.id_token);
          const text = JSON.stringify(body);
          const headers = { ...answer.headers, "content-length": String(Buffer.byteLength(text)) };
          res.writeHead(answer.statusCode ?? 502, headers);
          res.end(text);
        });
      },
    );
    req.pipe(forward);
  });
  return state;
}

/** The token with its `groups` claim raised to the bureau's, signed part kept as it was. */
function withPayloadChanged(token: string): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
  claims.groups = ["aos-bureau"];
  return [header, Buffer.from(JSON.stringify(claims)).toString("base64url"), signature].join(".");
}

/**
 * A browser at the provider: follows redirects, keeps the provider's cookies, and answers the
 * development interactions (the login form with `account`, then the consent form) until the
 * provider sends it back to the gateway. Answers the URL it was sent back to.
 */
export async function signInAtProvider(
  authorizationUrl: string,
  account: string,
  returnTo: string,
): Promise<URL> {
  const jar = new Map<string, string>();
  let url = new URL(authorizationUrl);
  let method = "GET";
  let body: string | undefined;
  for (let step = 0; step < 20; step++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(url, {
      method,
      redirect: "manual",
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(body ? { body } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const value = pair.slice(at + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === "") jar.delete(pair.slice(0, at));
      else jar.set(pair.slice(0, at), value);
    }
    const location = res.headers.get("location");
    if (location) {
      const next = new URL(location, url);
      await res.arrayBuffer();
      if (next.href.startsWith(returnTo)) return next;
      url = next;
      method = "GET";
      body = undefined;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`the provider answered ${res.status} at ${url.pathname}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([a-z]+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`no interaction form at ${url.pathname}`);
    url = new URL(action, url);
    method = "POST";
    body = new URLSearchParams(
      prompt === "login" ? { prompt, login: account, password: "any" } : { prompt },
    ).toString();
  }
  throw new Error("the provider never sent the browser back");
}
