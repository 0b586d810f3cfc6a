import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordingAuditSink } from "../../control/audit-sink.ts";
import type { Actor } from "../../control/authority.ts";
import { createPrincipal } from "../../control/identity.ts";
import { notify } from "../../control/inbox.ts";
import {
  checkWebhookUrl,
  listWebhooks,
  registerWebhook,
  removeWebhook,
  signDelivery,
  WebhookDeliveryWorker,
  webhookDeliveries,
} from "../../control/webhooks.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { openTestStore, STORE_KINDS, type TestStore } from "../support/stores.ts";

const LOOPBACK = { allowLoopback: true, allowPrivate: false };
const STRICT = { allowLoopback: false, allowPrivate: false };

/** A receiver on loopback that checks each delivery's signature, answering `statuses` in turn (then 200). */
async function receiver(secretOf: () => string, statuses: number[] = []) {
  const received: { body: Record<string, unknown>; headers: IncomingMessage["headers"]; valid: boolean }[] =
    [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const timestamp = String(req.headers["x-aos-timestamp"]);
      const expected = Buffer.from(
        `sha256=${createHmac("sha256", secretOf()).update(`${timestamp}.${raw}`).digest("hex")}`,
      );
      const given = Buffer.from(String(req.headers["x-aos-signature"]));
      const valid = expected.length === given.length && timingSafeEqual(expected, given);
      received.push({ body: JSON.parse(raw) as Record<string, unknown>, headers: req.headers, valid });
      res.statusCode = valid ? (statuses.shift() ?? 200) : 401;
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("webhook receiver addresses", () => {
  const resolveTo =
    (...addresses: string[]) =>
    async () =>
      addresses;

  it("accepts a public https receiver and normalises the URL", async () => {
    const url = await checkWebhookUrl(
      "https://hooks.example.org/aos#frag",
      STRICT,
      resolveTo("93.184.216.34"),
    );
    expect(url.toString()).toBe("https://hooks.example.org/aos");
  });

  it.each([
    ["not a url", STRICT, [], "not an absolute URL"],
    ["ftp://hooks.example.org/", STRICT, ["93.184.216.34"], "must use https"],
    [
      "http://hooks.example.org/",
      STRICT,
      ["93.184.216.34"],
      "plain http is accepted only for a receiver on loopback",
    ],
    ["https://user:pw@hooks.example.org/", STRICT, ["93.184.216.34"], "must not carry credentials"],
    ["http://127.0.0.1:9/", STRICT, [], "loopback address (set WEBHOOK_ALLOW_LOOPBACK=true"],
    ["https://[::1]/", STRICT, [], "loopback address"],
    ["https://10.1.2.3/", STRICT, [], "private-network address"],
    ["https://192.168.0.10/", LOOPBACK, [], "private-network address"],
    ["https://169.254.169.254/latest/meta-data", { allowLoopback: true, allowPrivate: true }, [], "metadata"],
    ["https://[fd00:ec2::254]/", { allowLoopback: true, allowPrivate: true }, [], "metadata"],
    ["https://[::ffff:127.0.0.1]/", STRICT, [], "loopback address"],
    ["https://0.0.0.0/", LOOPBACK, [], "reserved"],
    // A public-looking name that resolves inside: checked by address, not by name.
    ["https://internal.example.org/", STRICT, ["93.184.216.34", "10.0.0.5"], "private-network address"],
    ["https://metadata.example.org/", STRICT, ["169.254.169.254"], "metadata"],
  ] as const)("refuses %s", async (url, policy, addresses, message) => {
    await expect(checkWebhookUrl(url, policy, resolveTo(...addresses))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      detail: expect.stringContaining(message),
    });
  });

  it("allows private receivers only when the setting says so", async () => {
    const url = await checkWebhookUrl("https://10.1.2.3/hook", { allowLoopback: false, allowPrivate: true });
    expect(url.hostname).toBe("10.1.2.3");
  });
});

describe.each(STORE_KINDS)("webhooks on %s", (kind) => {
  let t: TestStore;
  let store: SqlStore;
  const audit = new RecordingAuditSink();
  let operator: Actor;
  let other: Actor;

  beforeAll(async () => {
    t = await openTestStore(kind);
    store = t.store;
    operator = await createPrincipal(store, { role: "operator", name: "Op", organization: "Op Co" });
    other = await createPrincipal(store, { role: "operator", name: "Other", organization: "Other Co" });
  });
  afterAll(() => t.dispose());

  const tell = (who: Actor, kindOf: "review.decided" | "freeze.imposed" = "review.decided", job = "job_1") =>
    store.transaction((tx) =>
      notify(tx, { principals: [who.id] }, { kind: kindOf, subject: { job }, message: `job ${job} decided` }),
    );

  it("delivers a signed notification once to a receiver that checks the signature, and logs it", async () => {
    let secret = "";
    const hook = await receiver(() => secret);
    try {
      const registered = await registerWebhook(store, audit, operator, { url: hook.url }, LOOPBACK);
      secret = registered.secret;
      expect(registered.secret).toMatch(/^whsec_/);
      expect((await listWebhooks(store, operator)).items).toEqual([registered.webhook]);
      expect(JSON.stringify((await listWebhooks(store, operator)).items)).not.toContain(secret);
      expect(audit.events.at(-1)).toMatchObject({ type: "webhook.registered", actor: operator.id });

      await tell(operator);
      const worker = new WebhookDeliveryWorker(store, { policy: LOOPBACK, timeoutMs: 2_000, baseDelayMs: 1 });
      expect(await worker.runOnce()).toBe(1);
      expect(await worker.runOnce()).toBe(0);
      expect(hook.received).toHaveLength(1);
      const [delivery] = hook.received;
      expect(delivery!.valid).toBe(true);
      expect(delivery!.body).toMatchObject({
        kind: "review.decided",
        subject: { job: "job_1" },
        message: "job job_1 decided",
      });
      expect(Object.keys(delivery!.body).sort()).toEqual(["createdAt", "id", "kind", "message", "subject"]);
      const signature = signDelivery(
        secret,
        String(delivery!.headers["x-aos-timestamp"]),
        JSON.stringify(delivery!.body),
      );
      expect(delivery!.headers["x-aos-signature"]).toBe(signature);

      const log = (await webhookDeliveries(store, operator, registered.webhook.id)).items;
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({
        status: "delivered",
        attempts: 1,
        lastStatus: 200,
        nextAttemptAt: null,
      });
      expect(String(delivery!.headers["x-aos-delivery"])).toBe(String(log[0]!.id));
      await removeWebhook(store, audit, operator, registered.webhook.id);
    } finally {
      await hook.close();
    }
  });

  it("retries a failing receiver with backoff until it answers, then stops", async () => {
    let secret = "";
    const hook = await receiver(() => secret, [500, 503]);
    try {
      const registered = await registerWebhook(store, audit, operator, { url: hook.url }, LOOPBACK);
      secret = registered.secret;
      await tell(operator, "review.decided", "job_2");
      const worker = new WebhookDeliveryWorker(
        store,
        { policy: LOOPBACK, timeoutMs: 2_000, baseDelayMs: 40, maxAttempts: 5 },
        { random: () => 1 },
      );
      expect(await worker.runOnce()).toBe(1);
      let [log] = (await webhookDeliveries(store, operator, registered.webhook.id)).items;
      expect(log).toMatchObject({ status: "pending", attempts: 1, lastStatus: 500 });
      expect(log!.lastError).toContain("HTTP 500");
      // Not due yet: the backoff holds it back.
      expect(await worker.runOnce()).toBe(0);
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        await worker.runOnce();
        [log] = (await webhookDeliveries(store, operator, registered.webhook.id)).items;
        if (log!.status !== "pending") break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(log).toMatchObject({ status: "delivered", attempts: 3, lastStatus: 200 });
      expect(hook.received.map((r) => r.valid)).toEqual([true, true, true]);
      // Each attempt carries the same delivery id, so the receiver can deduplicate.
      expect(new Set(hook.received.map((r) => r.headers["x-aos-delivery"])).size).toBe(1);
      await removeWebhook(store, audit, operator, registered.webhook.id);
    } finally {
      await hook.close();
    }
  });

  it("gives up after the last attempt and marks the delivery failed", async () => {
    const hook = await receiver(() => "wrong secret: every delivery answers 401");
    try {
      const registered = await registerWebhook(store, audit, operator, { url: hook.url }, LOOPBACK);
      await tell(operator, "review.decided", "job_3");
      const worker = new WebhookDeliveryWorker(store, {
        policy: LOOPBACK,
        timeoutMs: 2_000,
        baseDelayMs: 1,
        maxAttempts: 2,
      });
      await worker.runOnce();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await worker.runOnce();
      const [log] = (await webhookDeliveries(store, operator, registered.webhook.id)).items;
      expect(log).toMatchObject({ status: "failed", attempts: 2, lastStatus: 401, nextAttemptAt: null });
      await removeWebhook(store, audit, operator, registered.webhook.id);
    } finally {
      await hook.close();
    }
  });

  it("fails, without connecting, a delivery whose receiver the policy no longer allows", async () => {
    let secret = "";
    const hook = await receiver(() => secret);
    try {
      const registered = await registerWebhook(store, audit, operator, { url: hook.url }, LOOPBACK);
      secret = registered.secret;
      await tell(operator, "review.decided", "job_4");
      const strict = new WebhookDeliveryWorker(store, { policy: STRICT, timeoutMs: 2_000, maxAttempts: 1 });
      await strict.runOnce();
      const [log] = (await webhookDeliveries(store, operator, registered.webhook.id)).items;
      expect(log).toMatchObject({ status: "failed", lastStatus: null });
      expect(log!.lastError).toContain("address refused");
      expect(hook.received).toHaveLength(0);
      await removeWebhook(store, audit, operator, registered.webhook.id);
    } finally {
      await hook.close();
    }
  });

  it("queues deliveries only for the kinds a webhook asked for, and none after its removal", async () => {
    const registered = await registerWebhook(
      store,
      audit,
      operator,
      { url: "http://127.0.0.1:9/never", kinds: ["freeze.imposed"] },
      LOOPBACK,
    );
    await tell(operator, "review.decided", "job_5");
    expect((await webhookDeliveries(store, operator, registered.webhook.id)).items).toHaveLength(0);
    await tell(operator, "freeze.imposed", "job_5");
    expect((await webhookDeliveries(store, operator, registered.webhook.id)).items).toHaveLength(1);
    await removeWebhook(store, audit, operator, registered.webhook.id);
    const [abandoned] = (await webhookDeliveries(store, operator, registered.webhook.id)).items;
    expect(abandoned).toMatchObject({ status: "failed", lastError: "webhook removed" });
    await tell(operator, "freeze.imposed", "job_6");
    expect((await webhookDeliveries(store, operator, registered.webhook.id)).items).toHaveLength(1);
    expect((await listWebhooks(store, operator)).items).toEqual([]);
  });

  it("answers 404 for another principal's webhook, as for a missing one", async () => {
    const registered = await registerWebhook(
      store,
      audit,
      operator,
      { url: "http://127.0.0.1:9/x" },
      LOOPBACK,
    );
    await expect(removeWebhook(store, audit, other, registered.webhook.id)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(webhookDeliveries(store, other, registered.webhook.id)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(removeWebhook(store, audit, other, "whk_missing")).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await listWebhooks(store, other)).items).toEqual([]);
    await removeWebhook(store, audit, operator, registered.webhook.id);
    await expect(removeWebhook(store, audit, operator, registered.webhook.id)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("sends each delivery once when two nodes claim at the same moment", async () => {
    let secret = "";
    const hook = await receiver(() => secret);
    const second = await t.reopen();
    try {
      const registered = await registerWebhook(store, audit, other, { url: hook.url }, LOOPBACK);
      secret = registered.secret;
      for (let i = 0; i < 6; i++) await tell(other, "review.decided", `job_c${i}`);
      const settings = { policy: LOOPBACK, timeoutMs: 2_000, batch: 2 };
      const a = new WebhookDeliveryWorker(store, settings);
      const b = new WebhookDeliveryWorker(second, settings);
      let sent = 0;
      for (let round = 0; round < 6 && sent < 6; round++) {
        const counts = await Promise.all([a.runOnce(), b.runOnce()]);
        sent += counts[0] + counts[1];
      }
      expect(sent).toBe(6);
      expect(hook.received).toHaveLength(6);
      expect(new Set(hook.received.map((r) => r.headers["x-aos-delivery"])).size).toBe(6);
      const log = (await webhookDeliveries(store, other, registered.webhook.id)).items;
      expect(log.every((d) => d.status === "delivered" && d.attempts === 1)).toBe(true);
    } finally {
      await hook.close();
    }
  });
});
