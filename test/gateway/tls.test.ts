import { execFile } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { connect } from "node:tls";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { ConfigError, loadConfig } from "../../gateway/config.ts";
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

/** `npm run dev` as a user starts it: a real process serving HTTPS with certificates made by OpenSSL. */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

let folder: Awaited<ReturnType<typeof tempDir>>;
let node: GatewayProcess;
let port: number;
let credentials: DemoCredentials;
/** The files the node is configured with; tests overwrite them and send SIGHUP. */
let served: { cert: string; key: string };
let first: CertificateFiles;
let clientCa: CertificateFiles;
/** The client CA's revocations, and the CRL file the node is configured with. */
let revocations: Revocations;
let clientCrl: string;

beforeAll(async () => {
  folder = await tempDir("aos-tls-");
  first = selfSigned(folder.dir, "first");
  clientCa = selfSigned(folder.dir, "client-ca", { ca: true });
  revocations = revocationsOf(clientCa, folder.dir, "client-ca");
  clientCrl = join(folder.dir, "client-crl.pem");
  revocations.writeCrl(clientCrl);
  served = { cert: join(folder.dir, "served.pem"), key: join(folder.dir, "served.key") };
  copyFileSync(first.cert, served.cert);
  copyFileSync(first.key, served.key);
  node = new GatewayProcess({
    ...smallDemoNode(join(folder.dir, "data")),
    TLS_CERT_FILE: served.cert,
    TLS_KEY_FILE: served.key,
    TLS_CLIENT_CA_FILE: clientCa.cert,
    TLS_CLIENT_CRL_FILE: clientCrl,
    // A proxy in front too, for some clients: its header is believed from 127.0.0.9 alone.
    TLS_CLIENT_CERT_HEADER: "X-SSL-Client-Cert",
    TRUSTED_PROXIES: "127.0.0.9",
  });
  port = await node.listening("https");
  credentials = node.demoCredentials();
}, 150_000);

afterAll(async () => {
  await node?.stop();
  await folder?.remove();
});

/** A handshake alone: the protocol it settled on and the certificate the node served. */
function handshake(
  options: { version?: "TLSv1.1" | "TLSv1.2" | "TLSv1.3"; trust?: string } = {},
): Promise<{ protocol: string | null; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      {
        host: "127.0.0.1",
        port,
        servername: "localhost",
        ...(options.trust ? { ca: readFileSync(options.trust) } : { rejectUnauthorized: false }),
        ...(options.version ? { minVersion: options.version, maxVersion: options.version } : {}),
        // Let the client offer old protocols at all (OpenSSL's default level refuses them itself),
        // so that a refusal is the node's.
        ciphers: "DEFAULT@SECLEVEL=0",
      },
      () => {
        resolve({ protocol: socket.getProtocol(), fingerprint: socket.getPeerCertificate().fingerprint256 });
        socket.end();
      },
    );
    socket.once("error", reject);
  });
}

/** An HTTPS request trusting the first certificate, optionally with a client certificate. */
function call(
  path: string,
  options: {
    method?: string;
    key?: string;
    client?: CertificateFiles;
    body?: unknown;
    cookie?: string;
    /** Another loopback address to connect from, whose failed authentications are counted apart. */
    from?: string;
    /** A client certificate as a TLS-terminating proxy passes it on (X-SSL-Client-Cert). */
    forwarded?: CertificateFiles;
  } = {},
): Promise<NodeAnswer> {
  const { client, from, forwarded, ...api } = options;
  return callNode(
    request,
    {
      host: "127.0.0.1",
      port,
      path,
      servername: "localhost",
      rejectUnauthorized: false,
      ...(from ? { localAddress: from } : {}),
      ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
    },
    {
      ...api,
      headers: forwarded
        ? { "x-ssl-client-cert": encodeURIComponent(readFileSync(forwarded.cert, "utf8")) }
        : {},
    },
  );
}

const bindKey = (certificate: CertificateFiles) =>
  boundOperatorKey(call, credentials, readFileSync(certificate.cert, "utf8"));

describe("HTTPS listener", () => {
  it("says HTTPS in its start banner, with the certificate's fingerprint", () => {
    expect(node.stdout).toContain(
      `transport:    HTTPS, TLS 1.2 and later (certificate SHA-256 ${first.fingerprint}`,
    );
  });

  it("refuses TLS 1.1 and settles on TLS 1.2 or 1.3 when the client offers them", async () => {
    await expect(handshake({ version: "TLSv1.1", trust: first.cert })).rejects.toThrow(/protocol version/);
    expect(await handshake({ version: "TLSv1.2", trust: first.cert })).toMatchObject({ protocol: "TLSv1.2" });
    expect(await handshake({ version: "TLSv1.3", trust: first.cert })).toMatchObject({ protocol: "TLSv1.3" });
  });

  it("sends HSTS and the security headers on API answers, refusals and the docs page", async () => {
    for (const answer of [
      await call("/healthz"),
      await call("/v1/datasets"),
      await call("/v1/datasets", { key: credentials.operator.key }),
      await call("/docs"),
    ]) {
      expect(answer.headers["strict-transport-security"]).toBe("max-age=31536000");
      expect(answer.headers["x-content-type-options"]).toBe("nosniff");
      expect(answer.headers["x-frame-options"]).toBe("DENY");
      expect(answer.headers["referrer-policy"]).toBe("no-referrer");
      expect(answer.headers["content-security-policy"]).toMatch(/frame-ancestors 'none'/);
    }
    const api = await call("/v1/datasets", { key: credentials.operator.key });
    expect(api.status).toBe(200);
    expect(api.headers["cache-control"]).toBe("no-store");
    expect(api.headers["content-security-policy"]).toMatch(/^default-src 'none'/);
    // The docs page keeps its own policy (Scalar's bundle from this origin).
    expect((await call("/docs")).headers["content-security-policy"]).toMatch(/script-src 'self'/);
  });

  it("serves a renewed certificate to new connections after SIGHUP, on the same listener", async () => {
    expect((await handshake()).fingerprint).toBe(first.fingerprint);
    const renewed = selfSigned(folder.dir, "renewed");
    copyFileSync(renewed.cert, served.cert);
    copyFileSync(renewed.key, served.key);
    node.child.kill("SIGHUP");
    await node.until(() => node.stderr.includes("TLS certificate reloaded"), "the reload");
    expect((await handshake({ trust: renewed.cert })).fingerprint).toBe(renewed.fingerprint);
    expect(node.child.exitCode).toBeNull();
    expect((await call("/healthz")).status).toBe(200);
    first = renewed;
  });

  it("keeps serving the certificate it has when the new key does not match, and logs why", async () => {
    const other = selfSigned(folder.dir, "other");
    // A renewal half done: the new certificate, the old key.
    copyFileSync(other.cert, served.cert);
    node.child.kill("SIGHUP");
    await node.until(() => node.stderr.includes("TLS certificate not reloaded"), "the refused reload");
    expect(node.stderr).toMatch(
      /TLS_KEY_FILE [^"]* is not the private key of the certificate in TLS_CERT_FILE/,
    );
    expect((await handshake()).fingerprint).toBe(first.fingerprint);
    expect((await call("/healthz")).status).toBe(200);
    // Put the matching pair back for the tests that follow.
    copyFileSync(first.cert, served.cert);
  });
});

describe("API keys bound to client certificates (mutual TLS)", () => {
  let alice: CertificateFiles;
  let bob: CertificateFiles;
  let stranger: CertificateFiles;
  let bound: { key: string; prefix: string };

  beforeAll(async () => {
    alice = issuedBy(clientCa, folder.dir, "alice");
    bob = issuedBy(clientCa, folder.dir, "bob");
    // Same subject as alice, from a CA the node does not trust for clients.
    stranger = issuedBy(selfSigned(folder.dir, "other-ca", { ca: true }), folder.dir, "alice-elsewhere");
    bound = await bindKey(alice);
  });

  it("accepts a bound key only with its certificate, and says what to do otherwise", async () => {
    expect((await call("/v1/keys", { key: bound.key, client: alice })).status).toBe(200);
    const none = await call("/v1/keys", { key: bound.key });
    expect(none.status).toBe(401);
    expect(none.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect(json(none)).toMatchObject({
      code: "UNAUTHENTICATED",
      detail: expect.stringMatching(/this key is bound to a client certificate; present it/),
    });
    const other = await call("/v1/keys", { key: bound.key, client: bob });
    expect(other.status).toBe(401);
    expect(json(other).detail).toMatch(/the one presented has another key/);
    const untrusted = await call("/v1/keys", { key: bound.key, client: stranger });
    expect(untrusted.status).toBe(401);
    expect(json(untrusted).detail).toMatch(/not issued by the CA this node trusts/);
  });

  it("keeps accepting the key with a renewed certificate for the same key pair", async () => {
    const renewed = renewedBy(clientCa, alice, folder.dir, "alice-renewed");
    expect(renewed.fingerprint).not.toBe(alice.fingerprint);
    expect((await call("/v1/keys", { key: bound.key, client: renewed })).status).toBe(200);
  });

  it("lets the CLI present the certificate from AOS_CLIENT_CERT and AOS_CLIENT_KEY", async () => {
    const aos = (env: Record<string, string>) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ["bin/aos.mjs", "keys", "--json"],
          {
            cwd: ROOT,
            env: {
              PATH: process.env.PATH,
              HOME: folder.dir,
              AOS_URL: `https://localhost:${port}`,
              AOS_KEY: bound.key,
              NODE_EXTRA_CA_CERTS: first.cert,
              ...env,
            },
          },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
    const listed = await aos({ AOS_CLIENT_CERT: alice.cert, AOS_CLIENT_KEY: alice.key });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual(
      expect.objectContaining({
        prefix: bound.prefix,
        clientKeySha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    );
    const without = await aos({});
    expect(without.code).not.toBe(0);
    expect(without.stderr).toMatch(/bound to a client certificate; present it/);
  });

  it("keeps unbound keys working with or without a certificate", async () => {
    expect((await call("/v1/keys", { key: credentials.operator.key })).status).toBe(200);
    expect((await call("/v1/keys", { key: credentials.operator.key, client: bob })).status).toBe(200);
  });

  it("signs the console in with a bound key only over its certificate, and keeps the session to it", async () => {
    const refused = await call("/v1/session", { method: "POST", body: { key: bound.key } });
    expect(refused.status).toBe(401);
    expect(json(refused).detail).toMatch(/present it/);
    const signedIn = await call("/v1/session", { method: "POST", body: { key: bound.key }, client: alice });
    expect(signedIn.status).toBe(201);
    const cookie = String(signedIn.headers["set-cookie"]).split(";")[0]!;
    expect((await call("/v1/session", { cookie, client: alice })).status).toBe(200);
    const elsewhere = await call("/v1/session", { cookie, client: bob });
    expect(elsewhere.status).toBe(401);
    expect(json(elsewhere).detail).toMatch(/opened with a key bound to a client certificate/);
  });
});

describe("client certificate revocation (TLS_CLIENT_CRL_FILE)", () => {
  // Failed authentications from here are counted apart from the other tests' (127.0.0.1), so each
  // one is its own audit entry with its reason.
  const from = "127.0.0.3";
  let carol: CertificateFiles;
  let dave: CertificateFiles;
  let carolKey: { key: string; prefix: string };
  let daveKey: { key: string; prefix: string };
  let otherCaCrl: string;

  /** Sends SIGHUP and waits for the node to say how it went: the CRLs it read, or why it read none. */
  const reload = async (): Promise<{ crls: unknown } | { problem: unknown }> => {
    const crlsRead = node.logLines("TLS client CRLs reloaded").length;
    const outcome = await node.reload({
      reloaded: "TLS certificate reloaded",
      refused: "TLS certificate not reloaded: the one before keeps serving",
    });
    // The CRLs' line is written before the certificate's, by the same reload.
    return "refused" in outcome
      ? { problem: outcome.refused.problem }
      : { crls: node.logLines("TLS client CRLs reloaded")[crlsRead]?.crls };
  };

  /** The reason the last failed authentication of `prefix` was recorded with. */
  const refusalReason = async (prefix: string) =>
    (await authFailures(call, credentials)).filter((failure) => failure.keyPrefix === prefix).at(-1)?.reason;

  beforeAll(async () => {
    carol = issuedBy(clientCa, folder.dir, "carol");
    dave = issuedBy(clientCa, folder.dir, "dave");
    carolKey = await bindKey(carol);
    daveKey = await bindKey(dave);
    const otherCa = selfSigned(folder.dir, "crl-other-ca", { ca: true });
    otherCaCrl = join(folder.dir, "other-ca-crl.pem");
    revocationsOf(otherCa, folder.dir, "crl-other-ca").writeCrl(otherCaCrl);
  });

  it("says at start how many CRLs it loaded, and from which file", () => {
    expect(node.logLines("TLS client CRLs loaded")).toEqual([
      expect.objectContaining({ file: clientCrl, crls: 1 }),
    ]);
  });

  it("refuses a bound key over its certificate once the CA revoked it and SIGHUP re-read the CRL", async () => {
    expect((await call("/v1/keys", { key: carolKey.key, client: carol, from })).status).toBe(200);
    revocations.revoke(carol);
    revocations.writeCrl(clientCrl);
    // Two CRLs in the file, another CA's first: each counts, not only the first.
    writeFileSync(clientCrl, readFileSync(otherCaCrl, "utf8") + readFileSync(clientCrl, "utf8"));
    expect(await reload()).toEqual({ crls: 2 });

    const revoked = await call("/v1/keys", { key: carolKey.key, client: carol, from });
    expect(revoked.status).toBe(401);
    expect(json(revoked)).toMatchObject({
      code: "UNAUTHENTICATED",
      detail: expect.stringMatching(
        /not issued by the CA this node trusts for clients, is not valid now or was revoked/,
      ),
    });
    expect(await refusalReason(carolKey.prefix)).toBe("key refused: certificate_unverified (CERT_REVOKED)");
    // The certificate the CA did not revoke still works, and unbound keys never needed one.
    expect((await call("/v1/keys", { key: daveKey.key, client: dave, from })).status).toBe(200);
    expect((await call("/v1/keys", { key: credentials.operator.key, client: carol, from })).status).toBe(200);
  });

  it("checks a certificate the trusted proxy passes on against the same CRLs, re-read by the same SIGHUP", async () => {
    const proxy = "127.0.0.9";
    // The CRL in force now, and when it reaches its next update (a day after it was written).
    const mode = json(await call("/readyz")).clientCertificates as Record<string, unknown>;
    expect(mode).toEqual({
      mode: "direct-and-forwarded",
      required: "none",
      revocation: true,
      crlsValidUntil: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(Date.parse(String(mode.crlsValidUntil))).toBeGreaterThan(Date.now());
    // Carol's certificate was revoked above; dave's was not.
    expect((await call("/v1/keys", { key: daveKey.key, forwarded: dave, from: proxy })).status).toBe(200);
    expect((await call("/v1/keys", { key: carolKey.key, forwarded: carol, from: proxy })).status).toBe(401);
    expect(await refusalReason(carolKey.prefix)).toBe("key refused: certificate_unverified (CERT_REVOKED)");
    // From anywhere else the header is refused, even beside the right certificate over mutual TLS.
    const forged = await call("/v1/keys", { key: daveKey.key, client: dave, forwarded: dave, from });
    expect(forged.status).toBe(401);
    expect(await refusalReason(daveKey.prefix)).toBe("request refused: forwarded_certificate_untrusted_peer");
  });

  it("verifies no certificate of the CA while its CRL is past its next update, until a new one is read", async () => {
    const hour = 3_600_000;
    revocations.writeCrl(clientCrl, {
      last: new Date(Date.now() - 2 * hour),
      next: new Date(Date.now() - hour),
    });
    // The node cannot read a CRL's dates: the reload succeeds, and OpenSSL refuses at the handshake.
    expect(await reload()).toEqual({ crls: 1 });
    const lapsed = await call("/v1/keys", { key: daveKey.key, client: dave, from });
    expect(lapsed.status).toBe(401);
    expect(await refusalReason(daveKey.prefix)).toBe("key refused: certificate_unverified (CRL_HAS_EXPIRED)");
    revocations.writeCrl(clientCrl);
    expect(await reload()).toEqual({ crls: 1 });
    expect((await call("/v1/keys", { key: daveKey.key, client: dave, from })).status).toBe(200);
  });

  it("keeps the CRLs it has when the file no longer parses, and logs why", async () => {
    writeFileSync(clientCrl, "-----BEGIN X509 CRL-----\nbm90IGEgQ1JM\n-----END X509 CRL-----\n");
    expect(await reload()).toEqual({
      problem: expect.stringContaining(`TLS_CLIENT_CRL_FILE ${clientCrl}: CRL 1 of 1 does not parse`),
    });
    // Carol's revocation is still in force, and dave's certificate still verifies.
    expect((await call("/v1/keys", { key: carolKey.key, client: carol, from })).status).toBe(401);
    expect((await call("/v1/keys", { key: daveKey.key, client: dave, from })).status).toBe(200);
    revocations.writeCrl(clientCrl);
  });

  it("does not start with a CRL file that holds no CRL, and names the file", async () => {
    const garbage = join(folder.dir, "garbage-crl.pem");
    writeFileSync(garbage, "this is not a CRL\n");
    const refused = await refusedStart({
      DATA_DIR: join(folder.dir, "never"),
      PORT: "0",
      TLS_CERT_FILE: served.cert,
      TLS_KEY_FILE: served.key,
      TLS_CLIENT_CA_FILE: clientCa.cert,
      TLS_CLIENT_CRL_FILE: garbage,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`failed to start: TLS_CLIENT_CRL_FILE ${garbage} holds no PEM CRL`);
  });

  it("does not start with a CRL but no client CA, and says what to set", async () => {
    const refused = await refusedStart({
      DATA_DIR: join(folder.dir, "never"),
      PORT: "0",
      TLS_CERT_FILE: served.cert,
      TLS_KEY_FILE: served.key,
      TLS_CLIENT_CRL_FILE: clientCrl,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/TLS_CLIENT_CRL_FILE revokes client certificates, and none are asked for/);
    expect(refused.stderr).toMatch(/set TLS_CLIENT_CA_FILE too/);
  });
});

describe("plain HTTP", () => {
  const base = { DATA_DIR: "/nonexistent", HOST: "0.0.0.0" };

  it("does not start on a non-loopback address without TLS, and says what to set", async () => {
    const refused = await refusedStart({ ...base, PORT: "0" });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/HOST: 0\.0\.0\.0 is reachable from the network/);
    expect(refused.stderr).toMatch(/TLS_CERT_FILE and TLS_KEY_FILE/);
    expect(refused.stderr).toMatch(/TLS_TERMINATED_BY_PROXY=true/);
  });

  it("is accepted off loopback only when a TLS-terminating proxy is declared, and always on loopback", () => {
    expect(loadConfig({ ...base, TLS_TERMINATED_BY_PROXY: "true" }).HOST).toBe("0.0.0.0");
    for (const host of ["127.0.0.1", "localhost", "::1", "127.0.0.5"])
      expect(loadConfig({ HOST: host }).HOST).toBe(host);
    for (const host of ["::", "192.0.2.7", "gateway.example"])
      expect(() => loadConfig({ HOST: host })).toThrow(ConfigError);
    // A runner listens on nothing.
    expect(
      loadConfig({ ...base, ROLE: "runner", DATABASE_URL: "postgres://h/db?sslmode=verify-full" }).ROLE,
    ).toBe("runner");
  });

  it("refuses to require bound keys where no client certificates are asked for", () => {
    expect(() => loadConfig({ TLS_CLIENT_CERT_REQUIRED: "operators" })).toThrow(/set TLS_CLIENT_CA_FILE/);
    expect(() =>
      loadConfig({ ...base, TLS_TERMINATED_BY_PROXY: "true", TLS_CLIENT_CERT_REQUIRED: "all" }),
    ).toThrow(
      /TLS-terminating proxy in front pass each verified certificate on \(TLS_CLIENT_CERT_HEADER and TRUSTED_PROXIES\)/,
    );
  });

  it("refuses half a TLS configuration", () => {
    expect(() => loadConfig({ TLS_CERT_FILE: "/c.pem" })).toThrow(/HTTPS needs both/);
    expect(() => loadConfig({ TLS_CLIENT_CA_FILE: "/ca.pem" })).toThrow(
      /set TLS_CERT_FILE and TLS_KEY_FILE too/,
    );
    expect(() => loadConfig({ TLS_CLIENT_CRL_FILE: "/crl.pem" })).toThrow(/set TLS_CLIENT_CA_FILE too/);
  });
});
