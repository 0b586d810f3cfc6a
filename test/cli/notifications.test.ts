import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AosClient } from "../../client/index.ts";
import { notify } from "../../control/inbox.ts";
import { controlStoreFile } from "../../storage/open-store.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { openSqliteStore } from "../../storage/sqlite-store.ts";
import { aosInProcess, type CliServer, startCliServer } from "./server.ts";

let server: CliServer;
let store: SqlStore;

beforeAll(async () => {
  server = await startCliServer({ seedScale: 0.002 });
  // A second connection to the node's control plane, to put notifications in inboxes directly.
  store = await openSqliteStore(controlStoreFile(server.dir));
});
afterAll(async () => {
  await store?.close();
  await server?.close();
});

const env = (key: string) => ({ AOS_URL: server.url, AOS_KEY: key });
const principalOf = async (key: string) =>
  (
    await store.query<{ principal_id: string }>("SELECT principal_id FROM api_keys WHERE prefix = $1", [
      /^aos_([0-9a-f]{12})_/.exec(key)![1]!,
    ])
  )[0]!.principal_id;

describe("aos inbox, webhooks and alerts against a listening gateway", () => {
  it("shows the bureau's inbox with a held job waiting, marks it read, and follows new notifications", async () => {
    const operator = new AosClient({ url: server.url, key: server.credentials.operator.key });
    const job = await operator.submitJob({
      script: `export default async () => ({ contact: [{ phone: "13912345678" }] })`,
      license: server.credentials.operator.license,
    });
    expect((await operator.waitForJob(job.id)).status).toBe("held");

    const bureau = env(server.credentials.bureau.key);
    const listed = await aosInProcess(["inbox", "--unread"], bureau);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`\\* review\\.awaiting  job ${job.id} is held for review`));
    expect(listed.stderr).toContain("1 unread");

    const json = JSON.parse((await aosInProcess(["inbox", "--json"], bureau)).stdout) as {
      notifications: { id: number }[];
    };
    const read = await aosInProcess(["inbox", "read", String(json.notifications[0]!.id)], bureau);
    expect(read.code).toBe(0);
    expect((await aosInProcess(["inbox", "--unread"], bureau)).stderr).toContain("0 unread");
    expect((await aosInProcess(["inbox", "read", "--all"], bureau)).stderr).toContain("marked 0 read");
    expect((await aosInProcess(["inbox", "read", "999999"], bureau)).code).toBe(4);
    expect((await aosInProcess(["inbox", "read"], bureau)).code).toBe(2);

    // The client's stream sees a notification committed after it started.
    const client = new AosClient({ url: server.url, key: server.credentials.bureau.key });
    const controller = new AbortController();
    const events = client.inboxEvents({ signal: controller.signal });
    const first = events.next();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const bureauId = await principalOf(server.credentials.bureau.key);
    await store.transaction((tx) =>
      notify(
        tx,
        { principals: [bureauId] },
        { kind: "freeze.imposed", subject: { freeze: "frz_1" }, message: "freeze frz_1" },
      ),
    );
    const { value } = await first;
    expect(value).toMatchObject({ kind: "freeze.imposed", subject: { freeze: "frz_1" } });
    controller.abort();
    await events.return(undefined).catch(() => undefined);
  });

  it("pages the inbox back with the printed --cursor command, and the client iterates every page", async () => {
    const auditorKey = server.credentials.auditor.key;
    const auditorId = await principalOf(auditorKey);
    for (const job of ["job_p1", "job_p2", "job_p3"])
      await store.transaction((tx) =>
        notify(
          tx,
          { principals: [auditorId] },
          { kind: "review.decided", subject: { job }, message: `${job} decided` },
        ),
      );
    const first = await aosInProcess(["inbox", "--limit", "2"], env(auditorKey));
    expect(first.stdout).toContain("job_p3 decided");
    expect(first.stdout).not.toContain("job_p1 decided");
    const older = /older: aos inbox --limit 2 --cursor (\S+)/.exec(first.stderr);
    expect(older, first.stderr).not.toBeNull();
    const second = await aosInProcess(["inbox", "--limit", "2", "--cursor", older![1]!], env(auditorKey));
    expect(second.stdout).toContain("job_p1 decided");
    expect(second.stdout).not.toContain("job_p3 decided");
    const client = new AosClient({ url: server.url, key: auditorKey });
    const seen: string[] = [];
    for await (const n of client.eachNotification({ limit: 1 })) seen.push(n.subject.job ?? "");
    expect(seen.filter((job) => job.startsWith("job_p"))).toEqual(["job_p3", "job_p2", "job_p1"]);
  });

  it("registers, lists and removes webhooks, refusing unsafe receivers with the reason", async () => {
    const holder = env(Object.values(server.credentials.holders ?? {})[0]!.key);
    const refused = await aosInProcess(["webhook", "add", "https://169.254.169.254/latest"], holder);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("metadata");
    expect((await aosInProcess(["webhook", "add", "http://127.0.0.1:9/x"], holder)).stderr).toContain(
      "WEBHOOK_ALLOW_LOOPBACK",
    );
    const added = await aosInProcess(
      ["webhook", "add", "https://93.184.216.34/aos", "--kinds", "application.awaiting_consent"],
      holder,
    );
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^whsec_/);
    const [id] = /whk_[0-9a-f]+/.exec(added.stderr)!;
    const list = await aosInProcess(["webhooks"], holder);
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain("application.awaiting_consent");
    expect((await aosInProcess(["webhook", "deliveries", id], holder)).stdout).toMatch(/^ID\s+NOTIFICATION/);
    expect((await aosInProcess(["webhook", "remove", id], env(server.credentials.operator.key))).code).toBe(
      4,
    );
    expect((await aosInProcess(["webhook", "remove", id], holder)).code).toBe(0);
    expect((await aosInProcess(["webhooks"], holder)).stdout).not.toContain(id);
  });

  it("lists alerts for the bureau and auditors and refuses them to operators", async () => {
    const alerts = await aosInProcess(["alerts", "--open"], env(server.credentials.auditor.key));
    expect(alerts.code).toBe(0);
    expect(alerts.stdout).toMatch(/^ID\s+RULE\s+STATUS/);
    expect((await aosInProcess(["alerts"], env(server.credentials.operator.key))).code).toBe(3);
    expect((await aosInProcess(["alert", "alr_missing"], env(server.credentials.bureau.key))).code).toBe(4);
    const close = await aosInProcess(["alert", "close", "alr_missing"], env(server.credentials.bureau.key));
    expect(close.code).toBe(2);
    expect(close.stderr).toContain("--resolution");
  });
});
