import pg from "pg";
import { log } from "../telemetry/log.ts";
import type { PostgresTarget } from "./postgres-store.ts";

/**
 * Wake-ups between nodes: a gateway that accepted a job tells the runners, a runner tells the
 * gateways what happened to a job. PostgreSQL's LISTEN/NOTIFY carries them; a single node needs
 * none (its gateway and runner share a process). Notifications only wake: what they say is always
 * read again from the store, so one that is lost delays, never corrupts (runners also poll).
 */
export interface Notifier {
  notify(channel: string, payload: string): Promise<void>;
  /** Calls `handler` with each payload on `channel` until the returned function is called. */
  listen(channel: string, handler: (payload: string) => void): Promise<() => void>;
  close(): Promise<void>;
}

/** For one node: nothing crosses a process. */
export const localNotifier: Notifier = {
  async notify() {},
  async listen() {
    return () => undefined;
  },
  async close() {},
};

const CHANNEL = /^[a-z_]{1,40}$/;

/** LISTEN on one dedicated connection (reconnected if it drops); NOTIFY through a small pool. */
export function postgresNotifier(target: PostgresTarget): Notifier {
  // A bare URL (tests) is read by node-postgres itself; a node passes the connection it made.
  const connection = typeof target === "string" ? { connectionString: target } : target;
  const pool = new pg.Pool({ ...connection, max: 2 });
  // An idle connection that failed leaves the pool by itself; the next notify opens another.
  pool.on("error", (error) => log.warn("an idle notification connection failed", { error }));
  const handlers = new Map<string, Set<(payload: string) => void>>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;

  const connect = (): Promise<pg.Client> => {
    connecting ??= (async () => {
      const c = new pg.Client({ ...connection });
      c.on("notification", (message) => {
        for (const handler of handlers.get(message.channel) ?? []) handler(message.payload ?? "");
      });
      c.on("error", (error) => {
        log.warn("the notification listener lost its connection; listening again in 1 s", { error });
        client = undefined;
        connecting = undefined;
        if (!closed)
          setTimeout(
            () =>
              void resubscribe().catch((error: unknown) =>
                log.warn("listening for notifications again failed; wake-ups wait for polls", { error }),
              ),
            1000,
          ).unref();
      });
      await c.connect();
      client = c;
      return c;
    })().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    });
    return connecting;
  };
  const resubscribe = async () => {
    const c = await connect();
    for (const channel of handlers.keys()) await c.query(`LISTEN ${channel}`);
  };

  return {
    async notify(channel, payload) {
      if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${channel}`);
      await pool.query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    async listen(channel, handler) {
      if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${channel}`);
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await (await connect()).query(`LISTEN ${channel}`);
      }
      set.add(handler);
      return () => set.delete(handler);
    },
    async close() {
      closed = true;
      // Closing: a listener connection that fails to end has nothing left to deliver.
      await client?.end().catch(() => undefined);
      await pool.end();
    },
  };
}
