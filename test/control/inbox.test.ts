import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../control/authority.ts";
import { createPrincipal } from "../../control/identity.ts";
import {
  INBOX_CHANNEL,
  InboxSignal,
  listInbox,
  markAllRead,
  markRead,
  nextNotifications,
  noticeExpiringLicenses,
  notify,
  parseInboxWake,
} from "../../control/inbox.ts";
import { grantLicense } from "../../control/licenses.ts";
import { postgresNotifier } from "../../storage/notifications.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { openTestStore, STORE_KINDS, type TestStore } from "../support/stores.ts";

describe.each(STORE_KINDS)("inbox on %s", (kind) => {
  let t: TestStore;
  let store: SqlStore;
  let bureau: Actor;
  let bureau2: Actor;
  let auditor: Actor;
  let operator: Actor;
  let other: Actor;

  beforeAll(async () => {
    t = await openTestStore(kind);
    store = t.store;
    bureau = await createPrincipal(store, { role: "bureau", name: "Officer A", organization: "Bureau" });
    bureau2 = await createPrincipal(store, { role: "bureau", name: "Officer B", organization: "Bureau" });
    auditor = await createPrincipal(store, { role: "auditor", name: "Auditor", organization: "Audit" });
    operator = await createPrincipal(store, { role: "operator", name: "Op", organization: "Op Co" });
    other = await createPrincipal(store, { role: "operator", name: "Other", organization: "Other Co" });
  });
  afterAll(() => t.dispose());

  it("fans a notification out to roles and named principals, leaving out the actor, in the caller's transaction", async () => {
    const told = await store.transaction((tx) =>
      notify(
        tx,
        { roles: ["bureau"], principals: [auditor.id], except: bureau.id },
        {
          kind: "proposal.awaiting_approval",
          subject: { proposal: "prp_1" },
          message: "proposal prp_1 waits",
        },
      ),
    );
    expect(told).toBe(2);
    expect((await listInbox(store, bureau2)).notifications.map((n) => n.subject)).toEqual([
      { proposal: "prp_1" },
    ]);
    expect((await listInbox(store, auditor)).notifications).toHaveLength(1);
    expect((await listInbox(store, bureau)).notifications).toHaveLength(0);

    // A rolled-back change leaves no notification behind.
    await expect(
      store.transaction(async (tx) => {
        await notify(
          tx,
          { principals: [operator.id] },
          { kind: "freeze.imposed", subject: {}, message: "x" },
        );
        throw new Error("change failed");
      }),
    ).rejects.toThrow("change failed");
    expect((await listInbox(store, operator)).notifications).toHaveLength(0);
  });

  it("pages newest first with before/after cursors and counts unread; marks read one or up to an id", async () => {
    for (let i = 1; i <= 5; i++)
      await store.transaction((tx) =>
        notify(
          tx,
          { principals: [operator.id] },
          { kind: "review.decided", subject: { job: `job_${i}` }, message: `m${i}` },
        ),
      );
    const first = await listInbox(store, operator, { limit: 2 });
    expect(first.notifications.map((n) => n.subject.job)).toEqual(["job_5", "job_4"]);
    expect(first.unread).toBe(5);
    expect(first.before).toBe(first.notifications[1]!.id);
    const second = await listInbox(store, operator, { limit: 2, before: first.before! });
    expect(second.notifications.map((n) => n.subject.job)).toEqual(["job_3", "job_2"]);
    const last = await listInbox(store, operator, { limit: 2, before: second.before! });
    expect(last.notifications.map((n) => n.subject.job)).toEqual(["job_1"]);
    expect(last.before).toBeNull();

    const oldestId = last.notifications[0]!.id;
    const newer = await listInbox(store, operator, { after: oldestId, limit: 2 });
    // The oldest of the newer ones, shown newest first, so repeating `after` misses nothing.
    expect(newer.notifications.map((n) => n.subject.job)).toEqual(["job_3", "job_2"]);
    expect(newer.after).toBe(newer.notifications[0]!.id);

    const read = await markRead(store, operator, oldestId);
    expect(read.readAt).not.toBeNull();
    expect((await markRead(store, operator, oldestId)).readAt).toBe(read.readAt);
    expect((await listInbox(store, operator, { unread: true })).notifications).toHaveLength(4);

    expect(await markAllRead(store, operator, first.notifications[1]!.id)).toEqual({ marked: 3 });
    expect(
      (await listInbox(store, operator, { unread: true })).notifications.map((n) => n.subject.job),
    ).toEqual(["job_5"]);
    expect(await markAllRead(store, operator)).toEqual({ marked: 1 });
    expect((await listInbox(store, operator)).unread).toBe(0);
  });

  it("answers 404 for another principal's notification, as for a missing one", async () => {
    const [mine] = (await listInbox(store, operator)).notifications;
    await expect(markRead(store, other, mine!.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(markRead(store, other, 999_999)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await markAllRead(store, other)).toEqual({ marked: 0 });
  });

  it("wakes a waiting reader when a notification commits, and answers nothing after the wait", async () => {
    const wakes = new InboxSignal();
    const head = (await listInbox(store, other)).notifications[0]?.id ?? 0;
    const idle = await nextNotifications(store, other, head, { waitMs: 50, pollMs: 1_000, wakes });
    expect(idle).toEqual([]);
    const waiting = nextNotifications(store, other, head, { waitMs: 5_000, pollMs: 60_000, wakes });
    await store.transaction((tx) =>
      notify(
        tx,
        { principals: [other.id] },
        { kind: "license.expiring", subject: { license: "lic_x" }, message: "soon" },
      ),
    );
    wakes.wake(new Set([other.id]));
    const started = Date.now();
    const got = await waiting;
    expect(got.map((n) => n.subject)).toEqual([{ license: "lic_x" }]);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("tells a license's operator and the bureau once per license and window that it ends soon", async () => {
    const now = new Date("2026-06-01T00:00:00.000Z");
    const license = (id: string, validTo: string) => ({
      id,
      operator: operator.id,
      purpose: "study",
      validFrom: "2026-01-01T00:00:00.000Z",
      validTo,
      datasets: [{ name: "air_quality" }],
      quotas: {},
      releaseMode: "auto" as const,
    });
    await grantLicense(store, license("lic_soon", "2026-06-05T00:00:00.000Z"));
    await grantLicense(store, license("lic_later", "2026-09-01T00:00:00.000Z"));
    const windowMs = 7 * 86_400_000;
    expect(await noticeExpiringLicenses(store, { windowMs, now })).toEqual(["lic_soon"]);
    expect(await noticeExpiringLicenses(store, { windowMs, now })).toEqual([]);
    const notices = (await listInbox(store, operator)).notifications.filter(
      (n) => n.kind === "license.expiring",
    );
    expect(notices.map((n) => n.subject)).toEqual([{ license: "lic_soon" }]);
    expect(notices[0]!.message).toContain("lic_soon");
    expect(
      (await listInbox(store, bureau)).notifications.some(
        (n) => n.kind === "license.expiring" && n.subject.license === "lic_soon",
      ),
    ).toBe(true);
  });

  it("refuses an unknown kind before anything is written", async () => {
    await expect(
      store.transaction((tx) =>
        notify(tx, { principals: [operator.id] }, { kind: "nonsense" as never, subject: {}, message: "x" }),
      ),
    ).rejects.toThrow();
  });
});

describe("inbox wake-ups across nodes (PostgreSQL)", () => {
  let t: TestStore;
  let store: SqlStore;
  let other: Actor;
  beforeAll(async () => {
    t = await openTestStore("postgres");
    store = t.store;
    other = await createPrincipal(store, { role: "auditor", name: "Auditor", organization: "Audit" });
  });
  afterAll(() => t.dispose());

  it("announces a notification to every node's listener when it commits", async () => {
    const notifier = postgresNotifier(t.url!);
    try {
      const heard: string[] = [];
      const unlisten = await notifier.listen(INBOX_CHANNEL, (payload) => heard.push(payload));
      let inside = -1;
      await store.transaction(async (tx) => {
        await notify(
          tx,
          { principals: [other.id] },
          { kind: "freeze.lifted", subject: {}, message: "lifted" },
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        inside = heard.length;
      });
      const deadline = Date.now() + 5_000;
      while (heard.length === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(inside).toBe(0);
      expect(heard.map(parseInboxWake)).toEqual([new Set([other.id])]);
      unlisten();
    } finally {
      await notifier.close();
    }
  });
});
