import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

type KeyList = { keys: { prefix: string; principal: string; revokedAt: string | null }[] };

describe("API keys", () => {
  it("the bureau issues another key; both work and the holder lists them by prefix only", async () => {
    const op = await gw.admitOperator();
    const issued = await gw.bureau.post<{ key: string; prefix: string }>(`/v1/principals/${op.id}/keys`);
    expect(issued.status).toBe(201);
    expect((await gw.as(issued.body.key).get("/v1/keys")).status).toBe(200);
    const own = await op.client.get<KeyList>("/v1/keys");
    expect(own.body.keys.map((k) => k.prefix).sort()).toEqual([op.prefix, issued.body.prefix].sort());
    expect(JSON.stringify(own.body)).not.toContain(issued.body.key);
    expect(Object.keys(own.body.keys[0]!).sort()).toEqual([
      "clientKeySha256",
      "createdAt",
      "prefix",
      "principal",
      "revokedAt",
    ]);
    const byBureau = await gw.bureau.get<KeyList>(`/v1/principals/${op.id}/keys`);
    expect(byBureau.body.keys).toHaveLength(2);
    expect(gw.audit.ofType("operator.key_issued").at(-1)).toMatchObject({
      subject: { operator: op.id },
      data: { prefix: issued.body.prefix },
    });
    expect(JSON.stringify(gw.audit.events)).not.toContain(issued.body.key);
  });

  it("a revoked key stops authenticating at once; the holder's other keys keep working", async () => {
    const op = await gw.admitOperator();
    const spare = await gw.bureau.post<{ key: string; prefix: string }>(`/v1/principals/${op.id}/keys`);
    const revoked = await op.client.delete<{ revokedAt: string | null }>(`/v1/keys/${op.prefix}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await op.client.get("/v1/keys")).status).toBe(401);
    expect((await gw.as(spare.body.key).get("/v1/keys")).status).toBe(200);
    // The bureau may revoke anyone's key; revoking twice is a conflict.
    expect((await gw.bureau.delete(`/v1/keys/${spare.body.prefix}`)).status).toBe(200);
    expect((await gw.as(spare.body.key).get("/v1/keys")).status).toBe(401);
    expect((await gw.bureau.delete(`/v1/keys/${spare.body.prefix}`)).status).toBe(409);
  });

  it("another principal's key answers 404 to a non-bureau caller and stays valid", async () => {
    const a = await gw.admitOperator();
    const b = await gw.admitOperator();
    const res = await a.client.delete(`/v1/keys/${b.prefix}`);
    expect(res.status).toBe(404);
    expect((await gw.auditor.delete(`/v1/keys/${b.prefix}`)).status).toBe(404);
    expect((await b.client.get("/v1/keys")).status).toBe(200);
  });

  it("answers 400 for a malformed prefix and 404 for an unknown one or principal", async () => {
    expect((await gw.bureau.delete("/v1/keys/not-a-prefix")).status).toBe(400);
    expect((await gw.bureau.delete("/v1/keys/0123456789ab")).status).toBe(404);
    expect((await gw.bureau.post("/v1/principals/ope_nope/keys")).status).toBe(404);
    expect((await gw.bureau.get("/v1/principals/ope_nope/keys")).status).toBe(404);
  });

  it("only the bureau issues keys and reads other principals' keys", async () => {
    const op = await gw.admitOperator();
    for (const client of [op.client, gw.auditor, gw.operator]) {
      expect((await client.post(`/v1/principals/${op.id}/keys`)).status).toBe(403);
      expect((await client.get(`/v1/principals/${op.id}/keys`)).status).toBe(403);
    }
    expect((await gw.anonymous.get("/v1/keys")).status).toBe(401);
  });

  it("a suspended principal gets no new key", async () => {
    const op = await gw.admitOperator();
    await gw.bureau.post(`/v1/operators/${op.id}/suspend`, { reason: "review" });
    expect((await gw.bureau.post(`/v1/principals/${op.id}/keys`)).status).toBe(409);
  });

  it("no key is revoked when the audit log cannot record it (fail-closed)", async () => {
    const op = await gw.admitOperator();
    gw.audit.failing = true;
    try {
      expect((await gw.bureau.delete(`/v1/keys/${op.prefix}`)).status).toBe(500);
      expect((await gw.bureau.post(`/v1/principals/${op.id}/keys`)).status).toBe(500);
    } finally {
      gw.audit.failing = false;
    }
    const keys = await op.client.get<KeyList>("/v1/keys");
    expect(keys.status).toBe(200);
    expect(keys.body.keys).toHaveLength(1);
  });
});

describe("POST /v1/principals (bureau officers and auditors)", () => {
  it("creates an auditor whose key reads what auditors read and nothing more", async () => {
    const res = await gw.bureau.post<{ principal: { id: string; role: string }; apiKey: { key: string } }>(
      "/v1/principals",
      { role: "auditor", name: "Zhang Wei", organization: "呼和浩特市审计局" },
    );
    expect(res.status).toBe(201);
    expect(res.body.principal.role).toBe("auditor");
    const auditor = gw.as(res.body.apiKey.key);
    expect((await auditor.get("/v1/operators")).status).toBe(200);
    expect((await auditor.post("/v1/operators", {})).status).toBe(403);
    expect(gw.audit.ofType("operator.created").at(-1)).toMatchObject({ data: { role: "auditor" } });
  });

  it("creates a bureau officer who can act as the bureau", async () => {
    const res = await gw.bureau.post<{ apiKey: { key: string } }>("/v1/principals", {
      role: "bureau",
      name: "Li Na",
      organization: "呼和浩特市数据局",
    });
    expect(res.status).toBe(201);
    expect((await gw.as(res.body.apiKey.key).get("/v1/operators")).status).toBe(200);
  });

  it("refuses operators (admitted with a qualification instead) and bad bodies with 400", async () => {
    expect(
      (await gw.bureau.post("/v1/principals", { role: "operator", name: "x", organization: "y" })).status,
    ).toBe(400);
    expect(
      (await gw.bureau.post("/v1/principals", { role: "auditor", name: "", organization: "y" })).status,
    ).toBe(400);
  });

  it("is open to the bureau only", async () => {
    const body = { role: "bureau", name: "Mallory", organization: "nowhere" };
    expect((await gw.operator.post("/v1/principals", body)).status).toBe(403);
    expect((await gw.auditor.post("/v1/principals", body)).status).toBe(403);
    expect((await gw.anonymous.post("/v1/principals", body)).status).toBe(401);
  });
});
