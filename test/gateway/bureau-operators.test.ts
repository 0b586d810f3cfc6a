import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertOperatorActive } from "../../control/operators.ts";
import { operatorRegistration, startTestGateway, type TestGateway, validUscc } from "../support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

type OperatorBody = {
  id: string;
  status: string;
  statusReason: string | null;
  qualification: { uscc: string };
};

describe("POST /v1/operators (admission)", () => {
  it("admits an operator with its qualification and answers a working key, once", async () => {
    const res = await gw.bureau.post<{ operator: OperatorBody; apiKey: { key: string; prefix: string } }>(
      "/v1/operators",
      operatorRegistration(101),
    );
    expect(res.status).toBe(201);
    expect(res.body.operator).toMatchObject({ status: "active", qualification: { uscc: validUscc(101) } });
    expect(res.body.apiKey.key).toMatch(/^aos_[0-9a-f]{12}_/);
    const own = await gw.as(res.body.apiKey.key).get<{ keys: { prefix: string }[] }>("/v1/keys");
    expect(own.status).toBe(200);
    expect(own.body.keys.map((k) => k.prefix)).toEqual([res.body.apiKey.prefix]);
    // The audit log names the key by prefix; the key itself is nowhere in it.
    const event = gw.audit.ofType("operator.created").at(-1)!;
    expect(event.subject.operator).toBe(res.body.operator.id);
    // The secret is base64url and may itself hold "_": take all of it after the prefix.
    const secret = res.body.apiKey.key.slice(`aos_${res.body.apiKey.prefix}_`.length);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(gw.audit.events)).not.toContain(secret);
    // Later reads never show a key again.
    const read = await gw.bureau.get(`/v1/operators/${res.body.operator.id}`);
    expect(JSON.stringify(read.body)).not.toContain(res.body.apiKey.key);
  });

  it("refuses an invalid credit code, a missing purpose list and unknown fields with 400", async () => {
    const bad = operatorRegistration(102);
    for (const body of [
      { ...bad, qualification: { ...bad.qualification, uscc: "91150100MA0000000X" } },
      { ...bad, qualification: { ...bad.qualification, approvedPurposes: [] } },
      { ...bad, qualification: { ...bad.qualification, certificate: undefined } },
      { ...bad, role: "bureau" },
    ]) {
      const res = await gw.bureau.post("/v1/operators", body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "BAD_REQUEST" });
    }
    expect((await gw.bureau.post("/v1/operators", "{not json")).status).toBe(400);
  });

  it("refuses a second live admission of the same organisation with 409", async () => {
    await gw.admitOperator();
    const again = await gw.bureau.post("/v1/operators", operatorRegistration(1));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: "CONFLICT" });
  });

  it("is open to the bureau only", async () => {
    expect((await gw.anonymous.post("/v1/operators", operatorRegistration(103))).status).toBe(401);
    for (const client of [gw.operator, gw.auditor]) {
      const res = await client.post("/v1/operators", operatorRegistration(103));
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: "FORBIDDEN" });
    }
  });

  it("changes nothing when the audit log cannot record the admission (fail-closed)", async () => {
    gw.audit.failing = true;
    try {
      const res = await gw.bureau.post("/v1/operators", operatorRegistration(104));
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ code: "INTERNAL" });
    } finally {
      gw.audit.failing = false;
    }
    const list = await gw.bureau.get<{ operators: OperatorBody[] }>("/v1/operators");
    expect(list.body.operators.map((o) => o.qualification?.uscc)).not.toContain(validUscc(104));
    // The same admission goes through once the log is back.
    expect((await gw.bureau.post("/v1/operators", operatorRegistration(104))).status).toBe(201);
  });
});

describe("GET /v1/operators", () => {
  it("lists and shows operators to the bureau and auditors, filtered by status", async () => {
    for (const client of [gw.bureau, gw.auditor]) {
      const list = await client.get<{ operators: OperatorBody[] }>("/v1/operators");
      expect(list.status).toBe(200);
      expect(list.body.operators.map((o) => o.id)).toContain(gw.demoOperatorId);
      const one = await client.get<OperatorBody>(`/v1/operators/${gw.demoOperatorId}`);
      expect(one.status).toBe(200);
      expect(one.body.id).toBe(gw.demoOperatorId);
    }
    const suspended = await gw.bureau.get<{ operators: OperatorBody[] }>("/v1/operators?status=suspended");
    expect(suspended.body.operators.every((o) => o.status === "suspended")).toBe(true);
    expect((await gw.bureau.get("/v1/operators?status=sleeping")).status).toBe(400);
  });

  it("answers 404 for an unknown operator and for a principal that is not an operator", async () => {
    expect((await gw.bureau.get("/v1/operators/ope_nope")).status).toBe(404);
    const bureauId = (await gw.bureau.get<{ keys: { principal: string }[] }>("/v1/keys")).body.keys[0]!
      .principal;
    expect((await gw.bureau.get(`/v1/operators/${bureauId}`)).status).toBe(404);
  });

  it("is closed to operators", async () => {
    expect((await gw.operator.get("/v1/operators")).status).toBe(403);
    expect((await gw.operator.get(`/v1/operators/${gw.demoOperatorId}`)).status).toBe(403);
  });
});

describe("suspend, reinstate, revoke (exit)", () => {
  it("suspension stops the operator's keys and licenses at once; reinstatement restores them", async () => {
    const op = await gw.admitOperator();
    expect((await op.client.get("/v1/keys")).status).toBe(200);

    const suspended = await gw.bureau.post<OperatorBody>(`/v1/operators/${op.id}/suspend`, {
      reason: "qualification under review",
    });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ status: "suspended", statusReason: "qualification under review" });
    const refused = await op.client.get("/v1/licenses");
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(assertOperatorActive(gw.controlPlane, op.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(gw.audit.ofType("operator.suspended").at(-1)).toMatchObject({
      subject: { operator: op.id },
      data: {
        reason: "qualification under review",
        before: { status: "active" },
        after: { status: "suspended" },
      },
    });

    expect((await gw.bureau.post(`/v1/operators/${op.id}/suspend`, { reason: "again" })).status).toBe(409);
    const back = await gw.bureau.post<OperatorBody>(`/v1/operators/${op.id}/reinstate`, {
      reason: "renewed",
    });
    expect(back.body.status).toBe("active");
    expect((await op.client.get("/v1/keys")).status).toBe(200);
    await expect(assertOperatorActive(gw.controlPlane, op.id)).resolves.toBeUndefined();
  });

  it("revocation is final: keys and licenses are revoked, and nothing brings them back", async () => {
    const op = await gw.admitOperator();
    const grant = await gw.bureau.post("/v1/licenses", {
      id: `lic_exit_${op.id}`,
      operator: op.id,
      purpose: "urban-analytics",
      validFrom: "2025-01-01T00:00:00Z",
      validTo: "2035-01-01T00:00:00Z",
      datasets: [{ name: "air_quality" }],
    });
    expect(grant.status).toBe(201);

    const revoked = await gw.bureau.post<OperatorBody>(`/v1/operators/${op.id}/revoke`, {
      reason: "left the programme",
    });
    expect(revoked.body.status).toBe("revoked");
    expect((await op.client.get("/v1/keys")).status).toBe(401);
    const license = await gw.bureau.get<{ status: string }>(`/v1/licenses/lic_exit_${op.id}`);
    expect(license.body.status).toBe("revoked");
    const keys = await gw.bureau.get<{ keys: { revokedAt: string | null }[] }>(
      `/v1/principals/${op.id}/keys`,
    );
    expect(keys.body.keys.every((k) => k.revokedAt !== null)).toBe(true);
    expect(gw.audit.ofType("operator.updated").at(-1)).toMatchObject({
      data: { action: "revoke", revokedLicenses: [`lic_exit_${op.id}`] },
    });
    expect((await gw.bureau.post(`/v1/operators/${op.id}/reinstate`, { reason: "oops" })).status).toBe(409);
    expect((await gw.bureau.post(`/v1/principals/${op.id}/keys`)).status).toBe(409);
  });

  it("requires a reason, a known action and an existing operator", async () => {
    const op = await gw.admitOperator();
    expect((await gw.bureau.post(`/v1/operators/${op.id}/suspend`, {})).status).toBe(400);
    expect((await gw.bureau.post(`/v1/operators/${op.id}/suspend`, { reason: "  " })).status).toBe(400);
    expect((await gw.bureau.post(`/v1/operators/${op.id}/delete`, { reason: "x" })).status).toBe(400);
    expect((await gw.bureau.post("/v1/operators/ope_nope/suspend", { reason: "x" })).status).toBe(404);
  });

  it("is open to the bureau only", async () => {
    const op = await gw.admitOperator();
    for (const client of [gw.operator, gw.auditor, op.client]) {
      expect((await client.post(`/v1/operators/${op.id}/suspend`, { reason: "x" })).status).toBe(403);
    }
    expect((await gw.anonymous.post(`/v1/operators/${op.id}/suspend`, { reason: "x" })).status).toBe(401);
  });

  it("leaves the status unchanged when the audit log cannot record the change (fail-closed)", async () => {
    const op = await gw.admitOperator();
    gw.audit.failing = true;
    try {
      expect((await gw.bureau.post(`/v1/operators/${op.id}/suspend`, { reason: "x" })).status).toBe(500);
    } finally {
      gw.audit.failing = false;
    }
    expect((await gw.bureau.get<OperatorBody>(`/v1/operators/${op.id}`)).body.status).toBe("active");
    expect((await op.client.get("/v1/keys")).status).toBe(200);
  });
});
