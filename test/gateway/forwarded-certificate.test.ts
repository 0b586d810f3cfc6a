import { createHash, X509Certificate } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { ConfigError, loadConfig } from "../../gateway/config.ts";
import { ENVOY_HEADER, forwardedCertificateOf } from "../../gateway/forwarded-certificate.ts";
import {
  type CertificateFiles,
  issuedBy,
  type Revocations,
  renewedBy,
  revocationsOf,
  selfSigned,
} from "../support/certificates.ts";
import { tempDir } from "../support/duckdb.ts";
import {
  authFailures,
  boundOperatorKey,
  callNode,
  GatewayProcess,
  json,
  type NodeAnswer,
  refusedStart,
  smallDemoNode,
} from "../support/gateway-process.ts";

/**
 * A node behind a TLS-terminating proxy, as `npm run dev` starts it: plain HTTP on loopback, the
 * client certificate in X-SSL-Client-Cert (URL-encoded PEM, as nginx's $ssl_client_escaped_cert),
 * believed from 127.0.0.0/28 only. This test plays the proxy from 127.0.0.1–14 and a client
 * connecting directly from 127.0.0.100 and up (another loopback address, outside TRUSTED_PROXIES).
 */
const HEADER = "X-SSL-Client-Cert";

let folder: Awaited<ReturnType<typeof tempDir>>;
let node: GatewayProcess;
let port: number;
let credentials: DemoCredentials;
let clientCa: CertificateFiles;
let revocations: Revocations;
let clientCrl: string;

beforeAll(async () => {
  folder = await tempDir("aos-forwarded-");
  clientCa = selfSigned(folder.dir, "client-ca", { ca: true });
  revocations = revocationsOf(clientCa, folder.dir, "client-ca");
  clientCrl = join(folder.dir, "client-crl.pem");
  revocations.writeCrl(clientCrl);
  node = new GatewayProcess({
    ...smallDemoNode(join(folder.dir, "data")),
    TLS_CLIENT_CA_FILE: clientCa.cert,
    TLS_CLIENT_CRL_FILE: clientCrl,
    TLS_CLIENT_CERT_HEADER: HEADER,
    TRUSTED_PROXIES: "127.0.0.0/28, ::1",
  });
  port = await node.listening("http");
  credentials = node.demoCredentials();
}, 150_000);

afterAll(async () => {
  await node?.stop();
  await folder?.remove();
});

/** The header value nginx's $ssl_client_escaped_cert gives for a certificate: its PEM, URL-encoded. */
const escaped = (certificate: CertificateFiles) => encodeURIComponent(readFileSync(certificate.cert, "utf8"));

/** An HTTP request from `from` (default 127.0.0.1, a trusted proxy), with the certificate header when `forwarded` is set. */
function call(
  path: string,
  options: {
    method?: string;
    key?: string;
    forwarded?: string;
    body?: unknown;
    cookie?: string;
    from?: string;
  } = {},
): Promise<NodeAnswer> {
  const { forwarded, from, ...api } = options;
  return callNode(
    request,
    { host: "127.0.0.1", port, path, localAddress: from ?? "127.0.0.1" },
    { ...api, headers: forwarded !== undefined ? { [HEADER]: forwarded } : {} },
  );
}

/** A new operator key bound to `certificate`'s public key. */
const bindKey = (certificate: CertificateFiles) =>
  boundOperatorKey(call, credentials, readFileSync(certificate.cert, "utf8"));

/** The failed authentications recorded for requests from `address`, oldest first. */
const failuresFrom = async (address: string) =>
  (await authFailures(call, credentials)).filter((failure) => failure.address === address);

/** The reason the last failed authentication from `address` was recorded with. */
const lastReason = async (address: string) => (await failuresFrom(address)).at(-1)?.reason;

describe("client certificates passed on by a trusted TLS-terminating proxy (TLS_CLIENT_CERT_HEADER)", () => {
  let alice: CertificateFiles;
  let bob: CertificateFiles;
  let aliceKey: { key: string; prefix: string };

  beforeAll(async () => {
    alice = issuedBy(clientCa, folder.dir, "alice");
    bob = issuedBy(clientCa, folder.dir, "bob");
    aliceKey = await bindKey(alice);
  });

  it("says at start which header it believes from which proxies, and that it checks the certificate itself", () => {
    expect(
      node.logLines(
        "client certificates: believed from the TLS-terminating proxy's header, checked here too",
      ),
    ).toEqual([
      expect.objectContaining({ header: "x-ssl-client-cert", trustedProxies: ["127.0.0.0/28", "::1/128"] }),
    ]);
    // The CRL's next update is a day away (openssl's default_crl_days = 1): stated, and warned of.
    const [loaded] = node.logLines("TLS client CRLs loaded");
    expect(loaded).toMatchObject({ file: clientCrl, crls: 1 });
    const validUntil = Date.parse(String(loaded!.validUntil));
    expect(validUntil - Date.now()).toBeGreaterThan(20 * 3_600_000);
    expect(validUntil - Date.now()).toBeLessThan(25 * 3_600_000);
    expect(
      node.logLines(
        "a client CRL stops being in force within a week: put its CA's next CRL in TLS_CLIENT_CRL_FILE and reload (SIGHUP), or every certificate of that CA is refused from then",
      ),
    ).toEqual([expect.objectContaining({ level: "warn", file: clientCrl, validUntil: loaded!.validUntil })]);
    expect(node.stdout).toMatch(/client certs: from the TLS-terminating proxy's header, checked here too/);
  });

  it("reports the forwarded mode in /readyz, naming neither the header nor the proxies", async () => {
    const answer = await call("/readyz");
    expect(json(answer).clientCertificates).toEqual({
      mode: "forwarded",
      required: "none",
      revocation: true,
      crlsValidUntil: node.logLines("TLS client CRLs loaded")[0]!.validUntil,
    });
    expect(answer.body).not.toMatch(/x-ssl-client-cert|127\.0\.0\.0/i);
  });

  it("accepts a bound key with its certificate in the header from a trusted proxy, in each form proxies send", async () => {
    expect((await call("/v1/keys", { key: aliceKey.key, forwarded: escaped(alice) })).status).toBe(200);
    // Another address of the trusted range.
    expect(
      (await call("/v1/keys", { key: aliceKey.key, forwarded: escaped(alice), from: "127.0.0.14" })).status,
    ).toBe(200);
    // nginx's older $ssl_client_cert (line breaks as tabs), and the DER in base64 (HAProxy).
    const pem = readFileSync(alice.cert, "utf8");
    expect((await call("/v1/keys", { key: aliceKey.key, forwarded: pem.replace(/\n/g, "\t") })).status).toBe(
      200,
    );
    const der = new X509Certificate(pem).raw.toString("base64");
    expect((await call("/v1/keys", { key: aliceKey.key, forwarded: der })).status).toBe(200);
  });

  it("refuses the bound key from the proxy when no certificate came with it, and says what to do", async () => {
    const from = "127.0.0.2";
    const none = await call("/v1/keys", { key: aliceKey.key, from });
    expect(none.status).toBe(401);
    expect(json(none)).toMatchObject({
      code: "UNAUTHENTICATED",
      detail: expect.stringMatching(/this key is bound to a client certificate; present it/),
    });
    expect(await lastReason(from)).toBe("key refused: certificate_missing");
    // An empty header is no certificate either.
    expect((await call("/v1/keys", { key: aliceKey.key, forwarded: "", from })).status).toBe(401);
  });

  it("signs the console in over the forwarded certificate, and keeps the session to it", async () => {
    const signedIn = await call("/v1/session", {
      method: "POST",
      body: { key: aliceKey.key },
      forwarded: escaped(alice),
    });
    expect(signedIn.status).toBe(201);
    const cookie = String(signedIn.headers["set-cookie"]).split(";")[0]!;
    expect((await call("/v1/session", { cookie, forwarded: escaped(alice) })).status).toBe(200);
    const elsewhere = await call("/v1/session", { cookie, forwarded: escaped(bob), from: "127.0.0.3" });
    expect(elsewhere.status).toBe(401);
    expect(json(elsewhere).detail).toMatch(/opened with a key bound to a client certificate/);
  });

  it("refuses the header from a peer that is not a trusted proxy, whatever key comes with it", async () => {
    const from = "127.0.0.100";
    // The right certificate for the right key, sent by the client itself: forged.
    const forged = await call("/v1/keys", { key: aliceKey.key, forwarded: escaped(alice), from });
    expect(forged.status).toBe(401);
    expect(forged.headers["www-authenticate"]).toBe('Bearer realm="aos"');
    expect(json(forged)).toMatchObject({
      code: "UNAUTHENTICATED",
      detail: expect.stringMatching(
        /carries the x-ssl-client-cert header, which only the TLS-terminating proxy in front of this node may set/,
      ),
    });
    expect((await failuresFrom(from)).at(-1)).toMatchObject({
      reason: "request refused: forwarded_certificate_untrusted_peer",
      keyPrefix: aliceKey.prefix,
    });
    // Unbound keys, console sign-in and session cookies are refused with it too.
    const unbound = await call("/v1/keys", { key: credentials.operator.key, forwarded: escaped(bob), from });
    expect(unbound.status).toBe(401);
    expect(await lastReason(from)).toBe("request refused: forwarded_certificate_untrusted_peer");
    const signIn = await call("/v1/session", {
      method: "POST",
      body: { key: credentials.operator.key },
      forwarded: escaped(bob),
      from,
    });
    expect(signIn.status).toBe(401);
    expect(await lastReason(from)).toBe("console sign-in refused: forwarded_certificate_untrusted_peer");
    // Without the header the same peer is an ordinary client: unbound keys work, bound ones need the proxy.
    expect((await call("/v1/keys", { key: credentials.operator.key, from })).status).toBe(200);
    const direct = await call("/v1/keys", { key: aliceKey.key, from });
    expect(direct.status).toBe(401);
    expect(json(direct).detail).toMatch(/no client certificate reaches this node the way this request came/);
  });

  it("refuses a certificate for the bound key that another CA issued, or one forged in the client CA's name", async () => {
    const from = "127.0.0.4";
    // Alice's own key pair, certified by a CA the node does not trust for clients.
    const otherCa = selfSigned(folder.dir, "other-ca", { ca: true });
    const elsewhere = renewedBy(otherCa, alice, folder.dir, "alice-elsewhere");
    const untrusted = await call("/v1/keys", { key: aliceKey.key, forwarded: escaped(elsewhere), from });
    expect(untrusted.status).toBe(401);
    expect(json(untrusted).detail).toMatch(/not issued by the CA this node trusts for clients/);
    expect(await lastReason(from)).toBe(
      "key refused: certificate_unverified (UNABLE_TO_GET_ISSUER_CERT_LOCALLY)",
    );
    // A CA of the same name as the client CA, with another key.
    const forgerDir = join(folder.dir, "forger");
    mkdirSync(forgerDir);
    const forgedCa = selfSigned(forgerDir, "client-ca", { ca: true });
    const forged = renewedBy(forgedCa, alice, forgerDir, "alice-forged");
    expect((await call("/v1/keys", { key: aliceKey.key, forwarded: escaped(forged), from })).status).toBe(
      401,
    );
    expect(await lastReason(from)).toBe("key refused: certificate_unverified (CERT_SIGNATURE_FAILURE)");
  });

  it("refuses an expired certificate", async () => {
    const from = "127.0.0.5";
    const erin = issuedBy(clientCa, folder.dir, "erin", { expired: true });
    const erinKey = await bindKey(erin);
    const expired = await call("/v1/keys", { key: erinKey.key, forwarded: escaped(erin), from });
    expect(expired.status).toBe(401);
    expect(json(expired).detail).toMatch(/is not valid now or was revoked/);
    expect(await lastReason(from)).toBe("key refused: certificate_unverified (CERT_HAS_EXPIRED)");
    // A renewal of the same key pair is accepted again.
    const renewed = renewedBy(clientCa, erin, folder.dir, "erin-renewed");
    expect((await call("/v1/keys", { key: erinKey.key, forwarded: escaped(renewed), from })).status).toBe(
      200,
    );
  });

  it("refuses a verified certificate whose key is not the one the key is bound to", async () => {
    const from = "127.0.0.6";
    const other = await call("/v1/keys", { key: aliceKey.key, forwarded: escaped(bob), from });
    expect(other.status).toBe(401);
    expect(json(other).detail).toMatch(/the one presented has another key/);
    expect(await lastReason(from)).toBe("key refused: certificate_mismatch");
  });

  it("refuses a malformed header whatever key comes with it, and echoes none of it", async () => {
    const from = "127.0.0.7";
    const pem = readFileSync(alice.cert, "utf8");
    const der = new X509Certificate(pem).raw;
    const hostile = [
      '<script>alert("EVIL7f3a")</script>',
      encodeURIComponent('<script>"EVIL7f3a"\u001b[31m\r\n{"reason":"ok"}'),
      // Two certificates, the bound one second.
      encodeURIComponent(readFileSync(bob.cert, "utf8") + pem),
      encodeURIComponent(`${pem}<script>EVIL7f3a</script>`),
      // The DER with bytes after it, and cut short.
      Buffer.concat([der, Buffer.from("EVIL7f3a")]).toString("base64"),
      der.subarray(0, der.length - 10).toString("base64"),
      "%E0%A4%A",
    ];
    const echoed = /EVIL7f3a|<script>/;
    for (const forwarded of hostile) {
      const answer = await call("/v1/keys", { key: aliceKey.key, forwarded, from });
      expect(answer.status, forwarded).toBe(401);
      expect(json(answer).detail).toMatch(/is not one certificate in a form this node reads/);
      expect(answer.body).not.toMatch(echoed);
    }
    const unbound = await call("/v1/keys", { key: credentials.operator.key, forwarded: hostile[0]!, from });
    expect(unbound.status).toBe(401);
    const failures = await failuresFrom(from);
    expect(failures.map((failure) => failure.reason)).toEqual(
      Array(hostile.length + 1).fill("request refused: forwarded_certificate_malformed"),
    );
    expect(JSON.stringify(failures)).not.toMatch(echoed);
    expect(node.stderr).not.toMatch(echoed);
  });

  it("keeps unbound keys working with any certificate the proxy passes on, or none", async () => {
    const otherCa = selfSigned(folder.dir, "unbound-other-ca", { ca: true });
    const stranger = issuedBy(otherCa, folder.dir, "stranger");
    for (const forwarded of [undefined, escaped(bob), escaped(stranger)])
      expect(
        (await call("/v1/keys", { key: credentials.operator.key, ...(forwarded ? { forwarded } : {}) }))
          .status,
      ).toBe(200);
  });
});

describe("revocation of forwarded certificates (TLS_CLIENT_CRL_FILE, SIGHUP)", () => {
  const from = "127.0.0.8";
  let carol: CertificateFiles;
  let dave: CertificateFiles;
  let carolKey: { key: string; prefix: string };
  let daveKey: { key: string; prefix: string };

  /** Sends SIGHUP and waits for the node to say how it went: the CRLs it read, or why it read none. */
  const reload = async (): Promise<{ crls: unknown } | { problem: unknown }> => {
    const outcome = await node.reload({
      reloaded: "TLS client CA and CRLs reloaded",
      refused: "TLS client CA and CRLs not reloaded: the ones before stay in force",
    });
    return "refused" in outcome ? { problem: outcome.refused.problem } : { crls: outcome.reloaded.crls };
  };

  const status = async (key: string, certificate: CertificateFiles) =>
    (await call("/v1/keys", { key, forwarded: escaped(certificate), from })).status;

  beforeAll(async () => {
    carol = issuedBy(clientCa, folder.dir, "carol");
    dave = issuedBy(clientCa, folder.dir, "dave");
    carolKey = await bindKey(carol);
    daveKey = await bindKey(dave);
  });

  it("refuses a revoked certificate once SIGHUP re-read the CRL, and accepts it again under a CRL without it", async () => {
    expect(await status(carolKey.key, carol)).toBe(200);
    revocations.revoke(carol);
    revocations.writeCrl(clientCrl);
    expect(await reload()).toEqual({ crls: 1 });
    const revoked = await call("/v1/keys", { key: carolKey.key, forwarded: escaped(carol), from });
    expect(revoked.status).toBe(401);
    expect(json(revoked).detail).toMatch(/is not valid now or was revoked/);
    expect(await lastReason(from)).toBe("key refused: certificate_unverified (CERT_REVOKED)");
    // Not revoked: dave's certificate, and unbound keys over carol's.
    expect(await status(daveKey.key, dave)).toBe(200);
    expect(await status(credentials.operator.key, carol)).toBe(200);

    // A CRL file that does not parse leaves the revocation in force.
    writeFileSync(clientCrl, "-----BEGIN X509 CRL-----\nbm90IGEgQ1JM\n-----END X509 CRL-----\n");
    expect(await reload()).toEqual({
      problem: expect.stringContaining(`TLS_CLIENT_CRL_FILE ${clientCrl}: CRL 1 of 1 does not parse`),
    });
    expect(await status(carolKey.key, carol)).toBe(401);

    // The CA's next CRL without the revocation (a revocation put on hold and lifted).
    revocationsOf(clientCa, folder.dir, "client-ca-lifted").writeCrl(clientCrl);
    expect(await reload()).toEqual({ crls: 1 });
    expect(await status(carolKey.key, carol)).toBe(200);
  });

  it("verifies no certificate of the CA under a CRL past its next update, or one the CA did not sign", async () => {
    const hour = 3_600_000;
    const fresh = revocationsOf(clientCa, folder.dir, "client-ca-lapsed");
    fresh.writeCrl(clientCrl, { last: new Date(Date.now() - 2 * hour), next: new Date(Date.now() - hour) });
    expect(await reload()).toEqual({ crls: 1 });
    expect(await status(daveKey.key, dave)).toBe(401);
    expect(await lastReason(from)).toBe("key refused: certificate_unverified (CRL_HAS_EXPIRED)");
    const lapsed = node.logLines(
      "a client CRL is past its next update: every certificate of its CA is refused until a newer CRL is in TLS_CLIENT_CRL_FILE and the node reloads it (SIGHUP)",
    );
    expect(lapsed.at(-1)).toMatchObject({ level: "error", file: clientCrl });
    expect(Date.parse(String(lapsed.at(-1)!.validUntil))).toBeLessThan(Date.now());

    // An empty CRL in the client CA's name, signed by another key: not the CA's word.
    const forgerDir = join(folder.dir, "crl-forger");
    mkdirSync(forgerDir);
    const forger = selfSigned(forgerDir, "client-ca", { ca: true });
    revocationsOf(forger, forgerDir, "forger").writeCrl(clientCrl);
    expect(await reload()).toEqual({ crls: 1 });
    expect(await status(daveKey.key, dave)).toBe(401);
    expect(await lastReason(from)).toBe("key refused: certificate_unverified (CRL_SIGNATURE_FAILURE)");

    revocations.writeCrl(clientCrl);
    expect(await reload()).toEqual({ crls: 1 });
    expect(await status(daveKey.key, dave)).toBe(200);
    expect(node.child.exitCode).toBeNull();
  });
});

describe("Envoy's x-forwarded-client-cert", () => {
  let pem: string;
  let der: Buffer;
  let hash: string;
  beforeAll(() => {
    pem = readFileSync(issuedBy(clientCa, folder.dir, "erin").cert, "utf8");
    der = new X509Certificate(pem).raw;
    hash = createHash("sha256").update(der).digest("hex");
  });
  const read = (value: string) => forwardedCertificateOf(value, ENVOY_HEADER)?.raw;

  it("reads the one element Envoy sets (SANITIZE_SET): its Cert, checked against its Hash", () => {
    const cert = encodeURIComponent(pem);
    expect(
      read(
        `By=spiffe://cluster.local/ns/aos/sa/gateway;Hash=${hash};Cert="${cert}";Subject="CN=erin,O=Bureau"`,
      ),
    ).toEqual(der);
    expect(read(`Cert="${cert}"`)).toEqual(der);
    expect(read(`hash=${hash.toUpperCase()};cert=${cert}`)).toEqual(der);
    // The same forms are not read from another header name: only nginx's and HAProxy's there.
    expect(forwardedCertificateOf(`Cert="${cert}"`, "x-ssl-client-cert")).toBeUndefined();
  });

  it("refuses several elements, several or no certificates, a wrong hash and unbalanced quotes", () => {
    const cert = encodeURIComponent(pem);
    // A client's own header that a proxy appended to (APPEND_FORWARD): its element could be the client's.
    expect(read(`Cert="${cert}",By=proxy;Cert="${cert}"`)).toBeUndefined();
    expect(read(`Cert="${cert}";Cert="${cert}"`)).toBeUndefined();
    expect(read(`By=proxy;Hash=${hash}`)).toBeUndefined();
    expect(read(`Hash=${"0".repeat(64)};Cert="${cert}"`)).toBeUndefined();
    expect(read(`Hash=abc;Cert="${cert}"`)).toBeUndefined();
    expect(read(`Cert="${cert}`)).toBeUndefined();
    expect(read(`Cert="${cert}";Subject="CN=x,O=y`)).toBeUndefined();
    expect(read(`=x;Cert="${cert}"`)).toBeUndefined();
    // A Subject may hold commas, semicolons and escaped quotes inside its quotes.
    expect(read(`Subject="CN=\\"erin\\",O=a;b";Cert="${cert}"`)).toEqual(der);
  });
});

describe("forwarded certificate settings", () => {
  const files = { TLS_CLIENT_CA_FILE: "/ca.pem" };
  const forwarded = { ...files, TLS_CLIENT_CERT_HEADER: "X-SSL-Client-Cert", TRUSTED_PROXIES: "10.0.0.5" };

  it("are off by default, and parse IPv4 and IPv6 addresses and ranges", () => {
    const plain = loadConfig({});
    expect(plain.TLS_CLIENT_CERT_HEADER).toBeUndefined();
    expect(plain.TRUSTED_PROXIES).toBeUndefined();
    const config = loadConfig({
      ...forwarded,
      HOST: "0.0.0.0",
      TLS_TERMINATED_BY_PROXY: "true",
      TLS_CLIENT_CERT_REQUIRED: "operators",
      TRUSTED_PROXIES: " 10.0.0.5, 10.0.1.0/24 ,fd00::/64,::1",
    });
    expect(config.TLS_CLIENT_CERT_HEADER).toBe("x-ssl-client-cert");
    expect(config.TRUSTED_PROXIES).toEqual([
      { address: "10.0.0.5", prefix: 32, family: "ipv4" },
      { address: "10.0.1.0", prefix: 24, family: "ipv4" },
      { address: "fd00::", prefix: 64, family: "ipv6" },
      { address: "::1", prefix: 128, family: "ipv6" },
    ]);
  });

  it("refuse a malformed proxy entry, naming it", () => {
    for (const [entry, message] of [
      ["10.0.0.300", /"10\.0\.0\.300" is not an IP address or a CIDR range/],
      ["proxy.internal", /"proxy\.internal" is not an IP address/],
      ["10.0.0.0/33", /"10\.0\.0\.0\/33": an IPv4 range has at most 32 prefix bits/],
      ["fd00::/129", /at most 128 prefix bits/],
      ["10.0.0.0/8/1", /"10\.0\.0\.0\/8\/1" is not an IP address/],
      ["10.0.0.5,", /"" is not an IP address/],
      ["0.0.0.0/0", /"0\.0\.0\.0\/0" trusts every address/],
      ["::/0", /trusts every address/],
    ] as const) {
      expect(() => loadConfig({ ...forwarded, TRUSTED_PROXIES: entry }), entry).toThrow(message);
      expect(() => loadConfig({ ...forwarded, TRUSTED_PROXIES: entry })).toThrow(/TRUSTED_PROXIES/);
    }
  });

  it("refuse a header without proxies, proxies without a header, and either without a client CA", () => {
    expect(() => loadConfig({ ...files, TLS_CLIENT_CERT_HEADER: "X-SSL-Client-Cert" })).toThrow(
      /set TRUSTED_PROXIES to the address it connects from/,
    );
    expect(() => loadConfig({ ...files, TRUSTED_PROXIES: "10.0.0.5" })).toThrow(
      /set TLS_CLIENT_CERT_HEADER too/,
    );
    expect(() =>
      loadConfig({ TLS_CLIENT_CERT_HEADER: "X-SSL-Client-Cert", TRUSTED_PROXIES: "10.0.0.5" }),
    ).toThrow(/verifies each forwarded certificate itself: set TLS_CLIENT_CA_FILE/);
    // A client CA alone still needs HTTPS here or the proxy's header.
    expect(() => loadConfig(files)).toThrow(
      /set TLS_CERT_FILE and TLS_KEY_FILE too .*TLS_CLIENT_CERT_HEADER/,
    );
  });

  it("refuse a header name that is not one, or that the gateway reads for something else", () => {
    for (const name of ["X SSL", "X-SSL-Client-Cert:", "authorization", "X-Forwarded-For", "Cookie"])
      expect(() => loadConfig({ ...forwarded, TLS_CLIENT_CERT_HEADER: name }), name).toThrow(ConfigError);
    expect(() => loadConfig({ ...forwarded, TLS_CLIENT_CERT_HEADER: "Authorization" })).toThrow(
      /TLS_CLIENT_CERT_HEADER: names a header this gateway reads for something else/,
    );
  });

  it("stop a start with a malformed proxy entry, naming it, before anything is created", async () => {
    const refused = await refusedStart({
      DATA_DIR: join(folder.dir, "never"),
      PORT: "0",
      TLS_CLIENT_CA_FILE: clientCa.cert,
      TLS_CLIENT_CERT_HEADER: HEADER,
      TRUSTED_PROXIES: "127.0.0.1,10.0.0.300",
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/TRUSTED_PROXIES: "10\.0\.0\.300" is not an IP address or a CIDR range/);
  });
});
