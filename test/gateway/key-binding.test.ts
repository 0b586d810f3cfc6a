import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientKeyOfPem } from "../../control/identity.ts";
import { type CertificateFiles, issuedBy, selfSigned } from "../support/certificates.ts";
import { tempDir } from "../support/duckdb.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

/** Binding keys to client certificates through the API: who may, what is logged. The TLS side is in tls.test.ts. */
let gw: TestGateway;
let folder: Awaited<ReturnType<typeof tempDir>>;
let alice: CertificateFiles;
let bob: CertificateFiles;
const pem = (files: CertificateFiles) => readFileSync(files.cert, "utf8");

beforeAll(async () => {
  gw = await startTestGateway();
  folder = await tempDir("aos-binding-");
  const ca = selfSigned(folder.dir, "ca", { ca: true });
  alice = issuedBy(ca, folder.dir, "alice");
  bob = issuedBy(ca, folder.dir, "bob");
});
afterAll(async () => {
  await gw?.close();
  await folder?.remove();
});

type Key = { prefix: string; principal: string; clientKeySha256: string | null };

describe("key bindings", () => {
  it("the bureau binds an operator's key by certificate, audited; the key list shows the binding", async () => {
    const op = await gw.admitOperator();
    const bound = await gw.bureau.put<Key>(`/v1/keys/${op.prefix}/binding`, { certificate: pem(alice) });
    expect(bound.status).toBe(200);
    expect(bound.body.clientKeySha256).toBe(clientKeyOfPem(pem(alice)));
    expect(bound.body.clientKeySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(gw.audit.ofType("operator.key_bound").at(-1)).toMatchObject({
      actor: expect.stringMatching(/^bur_/),
      subject: { operator: op.id },
      data: { principal: op.id, prefix: op.prefix, clientKeySha256: bound.body.clientKeySha256 },
    });
    // Binding it again the same way changes and logs nothing.
    const entries = gw.audit.ofType("operator.key_bound").length;
    expect((await gw.bureau.put(`/v1/keys/${op.prefix}/binding`, { certificate: pem(alice) })).status).toBe(
      200,
    );
    expect(gw.audit.ofType("operator.key_bound")).toHaveLength(entries);
    // In-process requests show no certificate: the bound key is now refused here, saying why.
    const refused = await op.client.get<{ code: string; detail: string }>("/v1/keys");
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/bound to a client certificate/);
    const listed = await gw.bureau.get<{ keys: Key[] }>(`/v1/principals/${op.id}/keys`);
    expect(listed.body.keys[0]!.clientKeySha256).toBe(bound.body.clientKeySha256);
    expect(gw.audit.ofType("auth.failed").at(-1)).toMatchObject({
      data: { keyPrefix: op.prefix, reason: "key refused: certificate_missing" },
    });
  });

  it("the bureau removes a binding, audited, and the key works on any connection again", async () => {
    const op = await gw.admitOperator();
    await gw.bureau.put(`/v1/keys/${op.prefix}/binding`, { certificate: pem(alice) });
    const unbound = await gw.bureau.delete<Key>(`/v1/keys/${op.prefix}/binding`);
    expect(unbound.status).toBe(200);
    expect(unbound.body.clientKeySha256).toBeNull();
    expect(gw.audit.ofType("operator.key_unbound").at(-1)).toMatchObject({
      data: { prefix: op.prefix, previousClientKeySha256: clientKeyOfPem(pem(alice)) },
    });
    expect((await op.client.get("/v1/keys")).status).toBe(200);
  });

  it("issues a key bound from the start, by the SPKI digest", async () => {
    const op = await gw.admitOperator();
    const clientKeySha256 = clientKeyOfPem(pem(bob));
    const issued = await gw.bureau.post<{ key: string; prefix: string; clientKeySha256: string }>(
      `/v1/principals/${op.id}/keys`,
      { clientCertificate: { clientKeySha256 } },
    );
    expect(issued.status).toBe(201);
    expect(issued.body.clientKeySha256).toBe(clientKeySha256);
    expect(gw.audit.ofType("operator.key_issued").at(-1)).toMatchObject({
      data: { prefix: issued.body.prefix, clientKeySha256 },
    });
    expect((await gw.as(issued.body.key).get("/v1/keys")).status).toBe(401);
  });

  it("an operator binds its own unbound key, but not another operator's (404), and cannot change or remove a binding", async () => {
    const a = await gw.admitOperator();
    const b = await gw.admitOperator();
    const spare = await gw.bureau.post<{ key: string; prefix: string }>(`/v1/principals/${a.id}/keys`);
    expect((await a.client.put(`/v1/keys/${b.prefix}/binding`, { certificate: pem(alice) })).status).toBe(
      404,
    );
    expect((await a.client.delete(`/v1/keys/${b.prefix}/binding`)).status).toBe(404);
    expect((await gw.auditor.put(`/v1/keys/${b.prefix}/binding`, { certificate: pem(alice) })).status).toBe(
      404,
    );
    expect((await b.client.get("/v1/keys")).status).toBe(200);
    // Its own spare key: bound by itself, through the key it still may use.
    const own = await a.client.put<Key>(`/v1/keys/${spare.body.prefix}/binding`, { certificate: pem(alice) });
    expect(own.status).toBe(200);
    expect(gw.audit.ofType("operator.key_bound").at(-1)).toMatchObject({ actor: a.id });
    const change = await a.client.put<{ code: string; detail: string }>(
      `/v1/keys/${spare.body.prefix}/binding`,
      {
        certificate: pem(bob),
      },
    );
    expect(change.status).toBe(403);
    expect(change.body.detail).toMatch(/only the bureau may remove or change a binding/);
    expect((await a.client.delete(`/v1/keys/${spare.body.prefix}/binding`)).status).toBe(403);
  });

  it("answers 400 for a body that is not a certificate, or both or neither forms", async () => {
    const op = await gw.admitOperator();
    const notPem = await gw.bureau.put<{ detail: string }>(`/v1/keys/${op.prefix}/binding`, {
      certificate: readFileSync(alice.key, "utf8"),
    });
    expect(notPem.status).toBe(400);
    expect(notPem.body.detail).toMatch(/not a PEM certificate/);
    expect((await gw.bureau.put(`/v1/keys/${op.prefix}/binding`, {})).status).toBe(400);
    expect(
      (
        await gw.bureau.put(`/v1/keys/${op.prefix}/binding`, {
          certificate: pem(alice),
          clientKeySha256: "a".repeat(64),
        })
      ).status,
    ).toBe(400);
    expect((await gw.bureau.put(`/v1/keys/${op.prefix}/binding`, { clientKeySha256: "XYZ" })).status).toBe(
      400,
    );
    expect((await gw.bureau.put("/v1/keys/0123456789ab/binding", { certificate: pem(alice) })).status).toBe(
      404,
    );
  });
});
