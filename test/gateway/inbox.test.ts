import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateAlerts } from "../../control/alerts.ts";
import { notify } from "../../control/inbox.ts";
import { WebhookDeliveryWorker } from "../../control/webhooks.ts";
import { newApp } from "../../gateway/app.ts";
import { loadConfig, notificationSettings } from "../../gateway/config.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

type Notification = {
  id: number;
  kind: string;
  subject: Record<string, string>;
  message: string;
  readAt: string | null;
};
type Page = {
  notifications: Notification[];
  unread: number;
  next: string | null;
  before: number | null;
  after: number | null;
};

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

const principalOf = async (key: string) => {
  const prefix = /^aos_([0-9a-f]{12})_/.exec(key)![1]!;
  const [row] = await gw.controlPlane.query<{ principal_id: string }>(
    "SELECT principal_id FROM api_keys WHERE prefix = $1",
    [prefix],
  );
  return row!.principal_id;
};

const tell = (principal: string, job: string, kind: "review.decided" | "freeze.imposed" = "review.decided") =>
  gw.controlPlane.transaction((tx) =>
    notify(tx, { principals: [principal] }, { kind, subject: { job }, message: `job ${job} changed` }),
  );

async function settled(id: string): Promise<{ id: string; status: string }> {
  for (let i = 0; i < 10; i++) {
    const res = await gw.operator.get<{ id: string; status: string }>(`/v1/jobs/${id}?wait=20`);
    if (!["queued", "running"].includes(res.body.status)) return res.body;
  }
  throw new Error(`job ${id} did not settle`);
}

describe("inbox over HTTP", () => {
  it("tells the bureau of a held job and the operator of the reviewer's decision", async () => {
    const submitted = await gw.operator.post<{ id: string }>("/v1/jobs", {
      script: `export default async () => ({ contact: [{ phone: "13912345678" }] })`,
      license: gw.credentials.operator.license,
    });
    const job = await settled(submitted.body.id);
    expect(job.status).toBe("held");

    for (const officer of [gw.bureau, gw.bureau2]) {
      const inbox = await officer.get<Page>("/v1/inbox");
      expect(inbox.status).toBe(200);
      const awaiting = inbox.body.notifications.find((n) => n.subject.job === job.id);
      expect(awaiting).toMatchObject({ kind: "review.awaiting", readAt: null });
      expect(awaiting!.message).toContain("held for review");
    }
    expect((await gw.operator.get<Page>("/v1/inbox")).body.notifications).toEqual([]);

    expect(
      (await gw.bureau.post(`/v1/reviews/${job.id}`, { decision: "approve", comment: "public switchboard" }))
        .status,
    ).toBe(200);
    const mine = (await gw.operator.get<Page>("/v1/inbox")).body;
    expect(mine.notifications.map((n) => [n.kind, n.subject.job])).toEqual([["review.decided", job.id]]);
    expect(mine.notifications[0]!.message).not.toContain("13912345678");
    expect(mine.unread).toBe(1);
  });

  it("lists newest first with cursors, marks read one and all, and hides others' notifications (404)", async () => {
    const holder = gw.holders.population!;
    const holderId = await principalOf(holder.key!);
    for (const job of ["job_a", "job_b", "job_c"]) await tell(holderId, job);
    const page = await holder.get<Page>("/v1/inbox?limit=2");
    expect(page.body.notifications.map((n) => n.subject.job)).toEqual(["job_c", "job_b"]);
    expect(page.body.unread).toBe(3);
    const older = await holder.get<Page>(`/v1/inbox?limit=2&cursor=${page.body.next}`);
    expect(older.body.notifications.map((n) => n.subject.job)).toEqual(["job_a"]);
    expect(older.body.next).toBeNull();
    // The deprecated `before` still pages back for one more release.
    const legacy = await holder.get<Page>(`/v1/inbox?limit=2&before=${page.body.before}`);
    expect(legacy.body.notifications).toEqual(older.body.notifications);

    const target = page.body.notifications[1]!;
    const read = await holder.post<Notification>(`/v1/inbox/${target.id}/read`);
    expect(read.status).toBe(200);
    expect(read.body.readAt).not.toBeNull();
    expect(
      (await holder.get<Page>("/v1/inbox?unread=true")).body.notifications.map((n) => n.subject.job),
    ).toEqual(["job_c", "job_a"]);

    // Another principal's notification answers as a missing one.
    const theirs = await gw.auditor.post(`/v1/inbox/${target.id}/read`);
    expect(theirs.status).toBe(404);
    expect(theirs.contentType).toContain("application/problem+json");
    expect(theirs.body).toMatchObject({
      code: "NOT_FOUND",
      detail: expect.stringContaining("GET /v1/inbox"),
    });

    expect((await holder.post("/v1/inbox/read", { upTo: older.body.notifications[0]!.id })).body).toEqual({
      marked: 1,
    });
    expect((await holder.post("/v1/inbox/read", {})).body).toEqual({ marked: 1 });
    expect((await holder.get<Page>("/v1/inbox")).body.unread).toBe(0);
  });

  it("refuses bad cursors and anonymous callers with problem documents", async () => {
    const bad = await gw.operator.get("/v1/inbox?limit=0");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "BAD_REQUEST", detail: expect.stringContaining("limit") });
    expect((await gw.operator.post("/v1/inbox/abc/read")).status).toBe(400);
    expect((await gw.anonymous.get("/v1/inbox")).status).toBe(401);
    expect((await gw.anonymous.get("/v1/inbox/events")).status).toBe(401);
  });

  it("streams new notifications as server-sent events and resumes after Last-Event-ID", async () => {
    const auditorId = await principalOf(gw.credentials.auditor.key);
    const controller = new AbortController();
    const res = await gw.app.request("/v1/inbox/events", {
      headers: { authorization: `Bearer ${gw.credentials.auditor.key}`, accept: "text/event-stream" },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const until = async (pattern: RegExp) => {
      const deadline = Date.now() + 5_000;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in ${text}`);
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        text += decoder.decode(value, { stream: true });
      }
    };
    await until(/event: ready/);
    await tell(auditorId, "job_live_1");
    await until(/job_live_1/);
    await tell(auditorId, "job_live_2");
    await until(/job_live_2/);
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toHaveLength(2);
    expect(text).toMatch(/event: notification\ndata: \{"id":\d+,"kind":"review.decided"/);
    controller.abort();
    await reader.cancel().catch(() => undefined);

    // Resuming after the first event replays the second at once.
    const resumed = new AbortController();
    const again = await gw.app.request("/v1/inbox/events", {
      headers: { authorization: `Bearer ${gw.credentials.auditor.key}`, "last-event-id": String(ids[0]) },
      signal: resumed.signal,
    });
    const r2 = again.body!.getReader();
    let replay = "";
    while (!/job_live_2/.test(replay)) replay += decoder.decode((await r2.read()).value, { stream: true });
    expect(replay).not.toContain("job_live_1");
    resumed.abort();
    await r2.cancel().catch(() => undefined);
  });
});

describe("webhooks over HTTP", () => {
  const loopbackApp = () =>
    newApp({
      ...gw.services,
      notifications: notificationSettings(loadConfig({ WEBHOOK_ALLOW_LOOPBACK: "true" })),
    });
  const call = async (
    app: ReturnType<typeof newApp>,
    key: string,
    method: string,
    path: string,
    body?: unknown,
  ) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("refuses a loopback receiver unless the server allows loopback, and explains why", async () => {
    const refused = await gw.operator.post("/v1/webhooks", { url: "http://127.0.0.1:9/hook" });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      code: "BAD_REQUEST",
      detail: expect.stringContaining("WEBHOOK_ALLOW_LOOPBACK"),
    });
    const metadata = await gw.operator.post("/v1/webhooks", {
      url: "https://169.254.169.254/latest/meta-data",
    });
    expect(metadata.body).toMatchObject({ code: "BAD_REQUEST", detail: expect.stringContaining("metadata") });
    const badKind = await gw.operator.post("/v1/webhooks", {
      url: "https://hooks.example.org/",
      kinds: ["nope"],
    });
    expect(badKind.status).toBe(400);
  });

  it("registers, delivers, logs and removes; another principal's webhook answers 404", async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        received.push(body);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const app = loopbackApp();
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const key = gw.credentials.bureau.key;
      const created = await call(app, key, "POST", "/v1/webhooks", { url, kinds: ["freeze.imposed"] });
      expect(created.status).toBe(201);
      const webhook = created.body.webhook as { id: string; kinds: string[] };
      expect(webhook.kinds).toEqual(["freeze.imposed"]);
      expect(created.body.secret).toMatch(/^whsec_/);
      expect(gw.audit.ofType("webhook.registered").at(-1)).toMatchObject({ data: { webhook: webhook.id } });

      const listed = await call(app, key, "GET", "/v1/webhooks");
      expect(listed.body.webhooks).toEqual([webhook]);
      expect(JSON.stringify(listed.body)).not.toContain(String(created.body.secret));

      await tell(await principalOf(key), "job_w", "freeze.imposed");
      const policy = notificationSettings(loadConfig({ WEBHOOK_ALLOW_LOOPBACK: "true" })).delivery;
      expect(await new WebhookDeliveryWorker(gw.controlPlane, policy).runOnce()).toBe(1);
      expect(JSON.parse(received[0]!)).toMatchObject({ kind: "freeze.imposed", subject: { job: "job_w" } });
      const log = await call(app, key, "GET", `/v1/webhooks/${webhook.id}/deliveries`);
      expect(log.body.deliveries).toEqual([
        expect.objectContaining({ status: "delivered", attempts: 1, lastStatus: 200, nextAttemptAt: null }),
      ]);

      for (const stranger of [gw.credentials.operator.key, gw.credentials.bureau2!.key]) {
        expect((await call(app, stranger, "GET", `/v1/webhooks/${webhook.id}/deliveries`)).status).toBe(404);
        expect((await call(app, stranger, "DELETE", `/v1/webhooks/${webhook.id}`)).status).toBe(404);
      }
      expect((await call(app, key, "DELETE", `/v1/webhooks/${webhook.id}`)).status).toBe(200);
      expect((await call(app, key, "DELETE", `/v1/webhooks/${webhook.id}`)).status).toBe(404);
      expect((await call(app, key, "GET", "/v1/webhooks")).body.webhooks).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("alerts over HTTP", () => {
  it("raises an alert from failed sign-ins; auditors and the bureau read it, only the bureau closes it", async () => {
    for (let i = 0; i < 3; i++)
      expect((await gw.as("aos_000000000000_wrong").get("/v1/inbox")).status).toBe(401);
    const { raised } = await evaluateAlerts({
      store: gw.controlPlane,
      audit: gw.audit,
      thresholds: { authFailuresPerAddress: 3, authFailuresPerKey: 3 },
    });
    expect(raised.map((a) => a.rule)).toEqual(["auth_failures", "auth_failures"]);
    const inbox = (await gw.auditor.get<Page>("/v1/inbox")).body.notifications;
    expect(inbox.filter((n) => n.kind === "alert.raised")).toHaveLength(2);

    const list = await gw.auditor.get<{ alerts: { id: string; subject: Record<string, string> }[] }>(
      "/v1/alerts?status=open",
    );
    expect(list.status).toBe(200);
    const alert = list.body.alerts.find((a) => a.subject.keyPrefix === "000000000000")!;
    const detail = await gw.bureau.get<{ log: { type: string }[]; entries: number[] }>(
      `/v1/alerts/${alert.id}`,
    );
    expect(detail.status).toBe(200);
    expect(detail.body.log.map((e) => e.type)).toEqual(["auth.failed", "auth.failed", "auth.failed"]);

    for (const client of [gw.operator, gw.holders.population!]) {
      const refused = await client.get("/v1/alerts");
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: "FORBIDDEN" });
      expect((await client.get(`/v1/alerts/${alert.id}`)).status).toBe(403);
    }
    expect((await gw.auditor.post(`/v1/alerts/${alert.id}/close`, { resolution: "x" })).status).toBe(403);
    expect((await gw.bureau.post(`/v1/alerts/${alert.id}/close`, {})).status).toBe(400);
    expect((await gw.bureau.get("/v1/alerts/alr_missing")).status).toBe(404);

    const closed = await gw.bureau.post<{ status: string }>(`/v1/alerts/${alert.id}/close`, {
      resolution: "a mistyped key in a test",
    });
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe("closed");
    expect(gw.audit.ofType("alert.closed").at(-1)).toMatchObject({ data: { alert: alert.id } });
    expect((await gw.bureau.post(`/v1/alerts/${alert.id}/close`, { resolution: "again" })).status).toBe(409);
  });

  it("documents every new route in the OpenAPI document", async () => {
    const doc = (await gw.anonymous.get<{ paths: Record<string, unknown> }>("/openapi.json")).body;
    for (const path of [
      "/v1/inbox",
      "/v1/inbox/{id}/read",
      "/v1/inbox/read",
      "/v1/inbox/events",
      "/v1/webhooks",
      "/v1/webhooks/{id}",
      "/v1/webhooks/{id}/deliveries",
      "/v1/alerts",
      "/v1/alerts/{id}",
      "/v1/alerts/{id}/close",
    ])
      expect(doc.paths[path], path).toBeDefined();
  });
});
