import { describe, expect, it } from "vitest";
import { auditOf, type Job, useSecurityGateway } from "./support.ts";

/**
 * Family: the gateway. Another tenant's objects, every unusable license, forged and replayed
 * keys, hostile bodies, paths and headers, SSE abuse, idempotency keys and flooding.
 */
const gateway = useSecurityGateway();

const SCRIPT = `export default async function main(ctx) {
  return { r: await ctx.sql("SELECT station, avg(pm25) AS pm25 FROM air_quality GROUP BY station") };
}`;

describe("gateway", () => {
  it("another operator's jobs, outputs, events and cancel answer 404, and usage shows only one's own", async () => {
    const gw = gateway();
    const job = await gw.run(SCRIPT);
    const other = await gw.admitOperator();
    for (const path of [
      `/v1/jobs/${job.id}`,
      `/v1/jobs/${job.id}?wait=1`,
      `/v1/jobs/${job.id}/outputs/r`,
      `/v1/jobs/${job.id}/events`,
    ]) {
      const res = await other.api.get(path);
      expect(res.status, path).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain("station");
    }
    expect((await other.api.post(`/v1/jobs/${job.id}/cancel`, {})).status).toBe(404);
    const list = await other.api.get<{ jobs: Job[] }>("/v1/jobs");
    expect(list.body.jobs.map((j) => j.id)).not.toContain(job.id);
    const usage = await other.api.get("/v1/usage");
    expect(usage.status).toBe(200);
    expect(JSON.stringify(usage.body)).not.toContain(gw.operatorId);
    // and the demo operator's license cannot be used by the other operator
    const stolen = await other.api.post<{ code: string }>("/v1/jobs", {
      script: SCRIPT,
      license: gw.license,
    });
    expect([403, 404]).toContain(stolen.status);
  });

  it("expired, suspended, revoked and wrong-purpose licenses cannot run jobs", async () => {
    const gw = gateway();
    const op = await gw.admitOperator();
    const outcomes: Record<string, { status: number; code: string }> = {};
    for (const action of ["suspend", "revoke", "expire"]) {
      const id = await gw.grant(op.id);
      const changed = await gw.bureau.post(`/v1/licenses/${id}/${action}`, { reason: "red team" });
      expect(changed.status).toBe(200);
      const res = await op.api.post<{ code: string }>("/v1/jobs", { script: SCRIPT, license: id });
      outcomes[action] = { status: res.status, code: res.body.code };
    }
    const notYet = await gw.grant(op.id, { validFrom: "2034-01-01T00:00:00Z" });
    const future = await op.api.post<{ code: string }>("/v1/jobs", { script: SCRIPT, license: notYet });
    outcomes.future = { status: future.status, code: future.body.code };
    const id = await gw.grant(op.id);
    const wrongPurpose = await op.api.post<{ code: string }>("/v1/jobs", {
      script: SCRIPT,
      license: id,
      purpose: "marketing",
    });
    outcomes.purpose = { status: wrongPurpose.status, code: wrongPurpose.body.code };
    for (const [name, o] of Object.entries(outcomes)) {
      expect(o.status, name).toBeGreaterThanOrEqual(400);
      expect(o.status, name).toBeLessThan(500);
      expect(["LICENSE_INVALID", "LICENSE_EXPIRED", "FORBIDDEN"], name).toContain(o.code);
    }
  });

  it("a license suspended while its job waits stops the job; a suspended operator is refused", async () => {
    const gw = gateway();
    const op = await gw.admitOperator();
    const id = await gw.grant(op.id);
    const busy = `export default async function main(ctx) { const t = Date.now(); while (Date.now() - t < 1500) {} return { x: [{ a: 1 }] }; }`;
    const first = await op.api.post<Job>("/v1/jobs", { script: busy, license: id });
    const second = await op.api.post<Job>("/v1/jobs", { script: busy, license: id });
    const third = await op.api.post<Job>("/v1/jobs", { script: SCRIPT, license: id });
    await gw.bureau.post(`/v1/licenses/${id}/suspend`, { reason: "red team" });
    const settled = await Promise.all([first, second, third].map((r) => gw.settle(r.body.id, op.api)));
    expect(settled.some((j) => j.status === "failed" && j.error?.code?.startsWith("LICENSE"))).toBe(true);
    expect(settled.every((j) => j.status !== "released" || j.id !== third.body.id)).toBe(true);
    await gw.bureau.post(`/v1/operators/${op.id}/suspend`, { reason: "red team" });
    const res = await op.api.post("/v1/jobs", { script: SCRIPT, license: await gw.grant(gw.operatorId) });
    expect([401, 403]).toContain(res.status);
  });

  it("forged, malformed, revoked and replayed keys are refused with 401 and audited", async () => {
    const gw = gateway();
    const real = gw.operator.key!;
    const forged = [
      "aos_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      `${real.slice(0, -1)}${real.endsWith("A") ? "B" : "A"}`,
      real.toUpperCase(),
      `${real}x`,
      `${real.slice(0, 20)}`,
      "' OR 1=1 --",
      "a".repeat(10_000),
    ];
    for (const key of forged) {
      const res = await gw.as(key).get("/v1/licenses");
      expect(res.status, key.slice(0, 20)).toBe(401);
    }
    for (const header of [`Basic ${real}`, `Bearer`, `bearer  ${real}x`, real]) {
      const res = await gw.anonymous.get("/v1/licenses", { authorization: header });
      expect(res.status).toBe(401);
    }
    // a revoked key replayed
    const op = await gw.admitOperator();
    const prefix = op.key.split("_")[1]!;
    expect((await gw.bureau.delete(`/v1/keys/${prefix}`)).status).toBeLessThan(300);
    expect((await op.api.get("/v1/licenses")).status).toBe(401);
    const failures = await auditOf(gw, "type=auth.failed&limit=1000");
    expect(failures.length).toBeGreaterThanOrEqual(forged.length);
    expect(JSON.stringify(failures)).not.toContain(real);
  });

  it("malformed and mistyped bodies answer 4xx, never 5xx", async () => {
    const gw = gateway();
    const bodies: [string, Record<string, string>][] = [
      ["{", { "content-type": "application/json" }],
      ["null", { "content-type": "application/json" }],
      ["[]", { "content-type": "application/json" }],
      [JSON.stringify({ script: 42, license: gw.license }), { "content-type": "application/json" }],
      [JSON.stringify({ script: SCRIPT, license: { $ne: "" } }), { "content-type": "application/json" }],
      [
        JSON.stringify({ script: SCRIPT, license: gw.license, language: "python" }),
        { "content-type": "application/json" },
      ],
      [
        `{"script":${JSON.stringify(SCRIPT)},"license":"${gw.license}","__proto__":{"admin":true}}`,
        { "content-type": "application/json" },
      ],
      [`script=${SCRIPT}`, { "content-type": "application/x-www-form-urlencoded" }],
      [`{"script":"${"\\ud800".repeat(10)}","license":"x"}`, { "content-type": "application/json" }],
    ];
    for (const [body, headers] of bodies) {
      const res = await gw.operator.request("POST", "/v1/jobs", { body, headers });
      expect(res.status, body.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(res.status, body.slice(0, 40)).toBeLessThan(500);
      expect(res.contentType).toContain("json");
    }
  });

  it("an oversized body is refused with 413 (or the connection closed mid-upload), never read whole", async () => {
    const gw = gateway();
    const body = JSON.stringify({ script: "x".repeat(2_000_000), license: gw.license });
    const status = await gw.operator
      .request("POST", "/v1/jobs", { body, headers: { "content-type": "application/json" } })
      .then((r) => r.status)
      .catch((error: Error & { cause?: { code?: string } }) => error.cause?.code ?? "error");
    expect([413, "UND_ERR_SOCKET", "ECONNRESET", "EPIPE"]).toContain(status);
  });

  it("path traversal and injection through dataset, job, output and column names answer 4xx", async () => {
    const gw = gateway();
    const job = await gw.run(SCRIPT);
    const paths = [
      "/v1/datasets/..%2F..%2Fetc%2Fpasswd",
      "/v1/datasets/population%27%3B%20DROP%20TABLE%20population%3B--",
      "/v1/datasets/population%00",
      "/v1/datasets/..%2Fcontrol/dummy?rows=5",
      "/v1/datasets/population/dummy?rows=99999999",
      "/v1/datasets/population/dummy?rows=-1",
      `/v1/jobs/${job.id}/outputs/..%2F..%2Fdomain-key.pem`,
      `/v1/jobs/${job.id}/outputs/r%27%20OR%201%3D1`,
      "/v1/jobs/..%2F..%2Fdemo-credentials.json",
      "/v1/jobs/job_%27%20OR%20%271%27%3D%271",
      "/v1/audit?job=%27%20OR%201%3D1--",
      "/../../data/domain-key.pem",
      "/v1/datasets/population/policy/versions/1%20OR%201=1",
    ];
    for (const path of paths) {
      const res = await gw.operator.get(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      const text = JSON.stringify(res.body);
      expect(text).not.toContain("PRIVATE KEY");
      expect(text).not.toContain("aos_");
    }
  });

  it("header injection: a hostile request id, accept and idempotency key are not echoed or obeyed", async () => {
    const gw = gateway();
    const res = await gw.operator.get("/v1/licenses", {
      "x-request-id": "abc<script>alert(1)</script>",
      accept: "text/html, application/vnd.evil",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id") ?? "").not.toContain("<script>");
    const weirdKey = await gw.operator.post<Job>(
      "/v1/jobs",
      { script: SCRIPT, license: gw.license },
      { "idempotency-key": "k".repeat(201) },
    );
    expect(weirdKey.status).toBe(400);
  });

  it("SSE abuse: many streams on one job, a bogus Last-Event-ID and streams of unknown jobs stay bounded", async () => {
    const gw = gateway();
    const job = await gw.run(SCRIPT);
    const streams = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${gw.url}/v1/jobs/${job.id}/events`, {
          headers: {
            authorization: `Bearer ${gw.operator.key}`,
            "last-event-id": i % 2 ? "-99999" : "1e308",
          },
        }).then(async (r) => ({ status: r.status, text: await r.text() })),
      ),
    );
    for (const s of streams) {
      expect(s.status).toBe(200);
      expect(s.text).toContain("finished");
    }
    const unknown = await gw.operator.get("/v1/jobs/job_00000000-0000-0000-0000-000000000000/events");
    expect(unknown.status).toBe(404);
  });

  it("idempotency keys do not collide across operators, and a reused key with another body is a conflict", async () => {
    const gw = gateway();
    const other = await gw.admitOperator();
    const otherLicense = await gw.grant(other.id);
    const key = { "idempotency-key": "shared-key-1" };
    const mine = await gw.operator.post<Job>("/v1/jobs", { script: SCRIPT, license: gw.license }, key);
    expect(mine.status).toBe(202);
    const theirs = await other.api.post<Job>("/v1/jobs", { script: SCRIPT, license: otherLicense }, key);
    expect(theirs.status).toBe(202);
    expect(theirs.body.id).not.toBe(mine.body.id);
    const stolen = await other.api.post<Job>("/v1/jobs", { script: SCRIPT, license: gw.license }, key);
    expect(stolen.status).not.toBe(200);
    expect(JSON.stringify(stolen.body)).not.toContain(mine.body.id);
    const conflict = await gw.operator.post("/v1/jobs", { script: `${SCRIPT}\n`, license: gw.license }, key);
    expect(conflict.status).toBe(409);
    await gw.settle(mine.body.id);
    await gw.settle(theirs.body.id, other.api);
  });

  it("flooding submissions is bounded by the queue and per-operator limits, answered 202 or 429, never 5xx", async () => {
    const gw = gateway();
    const op = await gw.admitOperator();
    const license = await gw.grant(op.id, { quotas: { jobsPerDay: 15 } });
    const answers = await Promise.all(
      Array.from({ length: 25 }, () => op.api.post<Job>("/v1/jobs", { script: SCRIPT, license })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 202 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 202).length).toBeLessThanOrEqual(15);
    await Promise.all(answers.filter((a) => a.status === 202).map((a) => gw.settle(a.body.id, op.api)));
  }, 180_000);

  it("the audit log and receipts cannot be tampered with through the API; roles are enforced", async () => {
    const gw = gateway();
    expect((await gw.operator.get("/v1/audit")).status).toBe(403);
    expect((await gw.operator.get("/v1/audit/export")).status).toBe(403);
    expect((await gw.operator.post("/v1/audit/checkpoint", {})).status).toBe(403);
    expect((await gw.operator.request("DELETE", "/v1/audit")).status).toBeGreaterThanOrEqual(400);
    expect((await gw.operator.request("PUT", "/v1/audit", { body: "{}" })).status).toBeGreaterThanOrEqual(
      400,
    );
    expect((await gw.operator.post("/v1/reviews/job_x", { approve: true })).status).toBe(403);
    expect((await gw.auditor.post("/v1/jobs", { script: SCRIPT, license: gw.license })).status).toBe(403);
    // A receipt whose payload is edited no longer verifies under the domain's public key.
    const job = await gw.run(SCRIPT);
    const receipt = (job as unknown as { receipt: { payload: string; signature: string } }).receipt;
    expect(receipt).toBeDefined();
    const key = await gw.operator.get<{ publicKey?: string } | string>("/v1/audit/public-key");
    const pem = typeof key.body === "string" ? key.body : (key.body.publicKey ?? JSON.stringify(key.body));
    const { createPublicKey, verify } = await import("node:crypto");
    const publicKey = createPublicKey(pem);
    const sig = Buffer.from(receipt.signature, "base64url");
    const payload = Buffer.from(receipt.payload, "base64url");
    expect(verify(null, payload, publicKey, sig)).toBe(true);
    const edited = payload.toString("utf8").replace(/"job":"[^"]+"/, '"job":"job_forged"');
    expect(edited).toContain("job_forged");
    expect(verify(null, Buffer.from(edited), publicKey, sig)).toBe(false);
  });
});
