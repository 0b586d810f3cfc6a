import type { Alert, Notification, WebhookKind } from "../../client/index.ts";
import { type Command, type CommandContext, flag } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { table } from "../terminal.ts";
import { positiveInt } from "./operator.ts";

function subjectText(subject: Record<string, string | undefined>): string {
  return Object.entries(subject)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

function printNotification(ctx: CommandContext, n: Notification): void {
  if (ctx.json) ctx.term.out(`${JSON.stringify(n)}\n`);
  else ctx.term.out(`${n.id}  ${n.createdAt}  ${n.readAt ? " " : "*"} ${n.kind}  ${n.message}\n`);
}

const inbox: Command = {
  name: "inbox",
  role: "any",
  summary: "Your notifications, newest first (* = unread); --follow waits for new ones",
  usage: "aos inbox [--unread] [--limit N] [--cursor C] [--follow]   |   aos inbox read ID|--all",
  options: {
    unread: { type: "boolean", default: false },
    follow: { type: "boolean", default: false },
    limit: { type: "string" },
    cursor: { type: "string" },
  },
  async run(ctx, values) {
    const client = await ctx.client();
    const number = (name: string) => {
      const text = flag(values, name);
      if (text === undefined) return undefined;
      if (!/^\d+$/.test(text)) throw new UsageError(`--${name} is a whole number`);
      return Number(text);
    };
    const limit = number("limit");
    const cursor = flag(values, "cursor");
    const page = await client.inbox({
      ...(values.unread === true ? { unread: true } : {}),
      ...(limit === undefined ? {} : { limit }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    if (ctx.json && values.follow !== true) ctx.printJson(page);
    else {
      for (const n of [...page.notifications].reverse()) printNotification(ctx, n);
      if (!ctx.json)
        ctx.term.err(
          `${page.unread} unread${page.next ? `; older: aos inbox${values.unread === true ? " --unread" : ""}${limit === undefined ? "" : ` --limit ${limit}`} --cursor ${page.next}` : ""}`,
        );
    }
    if (values.follow !== true) return EXIT.ok;
    // Follows from the newest shown (or the inbox's newest): nothing is missed between the two calls.
    const newest = (await client.inbox({ limit: 1 })).notifications[0]?.id ?? 0;
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once("SIGINT", stop);
    try {
      for await (const n of client.inboxEvents({ signal: controller.signal, lastEventId: newest }))
        printNotification(ctx, n);
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      process.off("SIGINT", stop);
    }
    return EXIT.ok;
  },
};

const inboxRead: Command = {
  name: "inbox read",
  role: "any",
  summary: "Mark a notification read, or all of them (--all), or all up to an id (--all --up-to ID)",
  usage: "aos inbox read ID   |   aos inbox read --all [--up-to ID]",
  options: { all: { type: "boolean", default: false }, "up-to": { type: "string" } },
  async run(ctx, values, [id]) {
    const client = await ctx.client();
    if (values.all === true) {
      const upTo = flag(values, "up-to");
      if (upTo !== undefined && !/^\d+$/.test(upTo)) throw new UsageError("--up-to is a notification id");
      const result = await client.markAllRead(upTo === undefined ? undefined : Number(upTo));
      if (ctx.json) ctx.printJson(result);
      else ctx.term.err(`marked ${result.marked} read`);
      return EXIT.ok;
    }
    if (!id || !/^\d+$/.test(id)) throw new UsageError("name a notification id (see aos inbox), or --all");
    const n = await client.markRead(Number(id));
    if (ctx.json) ctx.printJson(n);
    else ctx.term.err(`notification ${n.id} read`);
    return EXIT.ok;
  },
};

const webhooks: Command = {
  name: "webhooks",
  role: "any",
  summary: "Your webhooks",
  usage: "aos webhooks",
  options: {},
  async run(ctx) {
    const list = await (await ctx.client()).webhooks();
    if (ctx.json) ctx.printJson(list);
    else
      ctx.term.out(
        `${table([["ID", "KINDS", "URL"], ...list.map((w) => [w.id, w.kinds.length ? w.kinds.join(",") : "(all)", w.url])])}\n`,
      );
    return EXIT.ok;
  },
};

const webhookAdd: Command = {
  name: "webhook add",
  role: "any",
  summary: "Register a webhook for your notifications; prints its signing secret once",
  usage: "aos webhook add URL [--kinds review.awaiting,alert.raised]",
  options: { kinds: { type: "string" } },
  async run(ctx, values, [url]) {
    if (!url) throw new UsageError("name the receiver's URL (https)");
    // The gateway knows the kinds and names the one it does not.
    const kinds = flag(values, "kinds")
      ?.split(",")
      .map((k) => k.trim())
      .filter(Boolean) as WebhookKind[] | undefined;
    const { webhook, secret } = await (await ctx.client()).addWebhook(url, kinds);
    if (ctx.json) ctx.printJson({ webhook, secret });
    else {
      ctx.term.out(`${secret}\n`);
      ctx.term.err(
        `webhook ${webhook.id} registered; the secret above signs its deliveries and is not shown again`,
      );
    }
    return EXIT.ok;
  },
};

const webhookRemove: Command = {
  name: "webhook remove",
  role: "any",
  summary: "Remove one of your webhooks (pending deliveries are abandoned)",
  usage: "aos webhook remove ID",
  options: {},
  async run(ctx, _values, [id]) {
    if (!id) throw new UsageError("name the webhook (see aos webhooks)");
    const removed = await (await ctx.client()).removeWebhook(id);
    if (ctx.json) ctx.printJson(removed);
    else ctx.term.err(`webhook ${removed.id} removed`);
    return EXIT.ok;
  },
};

const webhookDeliveries: Command = {
  name: "webhook deliveries",
  role: "any",
  summary: "A webhook's delivery log: attempts, status, last HTTP status, next attempt",
  usage: "aos webhook deliveries ID [--limit N] [--cursor C]",
  options: { limit: { type: "string" }, cursor: { type: "string" } },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the webhook (see aos webhooks)");
    const limit = positiveInt(values, "limit", 100, 500);
    const cursor = flag(values, "cursor");
    const page = await (await ctx.client()).webhookDeliveries(id, { limit, ...(cursor ? { cursor } : {}) });
    const list = page.deliveries;
    if (page.next)
      ctx.term.err(`more deliveries: aos webhook deliveries ${id} --limit ${limit} --cursor ${page.next}`);
    if (ctx.json) ctx.printJson(list);
    else
      ctx.term.out(
        `${table([
          ["ID", "NOTIFICATION", "STATUS", "ATTEMPTS", "HTTP", "NEXT", "ERROR"],
          ...list.map((d) => [
            String(d.id),
            String(d.notification),
            d.status,
            String(d.attempts),
            d.lastStatus === null ? "-" : String(d.lastStatus),
            d.nextAttemptAt ?? "-",
            d.lastError ?? "",
          ]),
        ])}\n`,
      );
    return EXIT.ok;
  },
};

function printAlert(ctx: CommandContext, a: Alert): void {
  ctx.term.out(
    `${[
      `${a.id}  ${a.rule}  ${a.status}  raised ${a.raisedAt}`,
      `  ${a.summary}`,
      `  subject: ${subjectText(a.subject)}`,
      `  log entries: ${a.entries.join(", ")}`,
      ...(a.suggestedFreeze
        ? [
            `  to stop it: POST /v1/freezes { "scope": "${a.suggestedFreeze.scope}", "target": "${a.suggestedFreeze.target}", "reason": "…" }`,
          ]
        : []),
      ...(a.status === "closed" ? [`  closed ${a.closedAt} by ${a.closedBy}: ${a.resolution}`] : []),
    ].join("\n")}\n`,
  );
}

const alerts: Command = {
  name: "alerts",
  role: "bureau",
  summary: "Risk alerts raised by rules over the log, newest first (bureau, auditors)",
  usage: "aos alerts [--open] [--rule RULE] [--operator ID]",
  options: {
    open: { type: "boolean", default: false },
    rule: { type: "string" },
    operator: { type: "string" },
  },
  async run(ctx, values) {
    const rule = flag(values, "rule");
    const operator = flag(values, "operator");
    const list = await (await ctx.client()).alerts({
      ...(values.open === true ? { status: "open" as const } : {}),
      ...(rule ? { rule: rule as Alert["rule"] } : {}),
      ...(operator ? { operator } : {}),
    });
    if (ctx.json) ctx.printJson(list);
    else
      ctx.term.out(
        `${table([
          ["ID", "RULE", "STATUS", "RAISED", "SUMMARY"],
          ...list.map((a) => [a.id, a.rule, a.status, a.raisedAt, a.summary]),
        ])}\n`,
      );
    return EXIT.ok;
  },
};

const alert: Command = {
  name: "alert",
  role: "bureau",
  summary: "One risk alert with the audit entries behind it (bureau, auditors)",
  usage: "aos alert ID",
  options: {},
  async run(ctx, _values, [id]) {
    if (!id) throw new UsageError("name the alert (see aos alerts)");
    const detail = await (await ctx.client()).alert(id);
    if (ctx.json) ctx.printJson(detail);
    else {
      printAlert(ctx, detail);
      for (const entry of detail.log)
        ctx.term.out(`  #${entry.position} ${entry.time} ${entry.type} by ${entry.actor}\n`);
    }
    return EXIT.ok;
  },
};

const alertClose: Command = {
  name: "alert close",
  role: "bureau",
  summary: "Close an open risk alert with its resolution (bureau)",
  usage: "aos alert close ID --resolution TEXT",
  options: { resolution: { type: "string" } },
  async run(ctx, values, [id]) {
    if (!id) throw new UsageError("name the alert (see aos alerts)");
    const resolution = flag(values, "resolution");
    if (!resolution) throw new UsageError("--resolution is required: it says what was done and is audited");
    const closed = await (await ctx.client()).closeAlert(id, resolution);
    if (ctx.json) ctx.printJson(closed);
    else ctx.term.err(`alert ${closed.id} closed`);
    return EXIT.ok;
  },
};

/** Every principal's inbox and webhooks; the bureau's and auditors' risk alerts. */
export const NOTIFICATION_COMMANDS: readonly Command[] = [
  inbox,
  inboxRead,
  webhooks,
  webhookAdd,
  webhookRemove,
  webhookDeliveries,
  alerts,
  alert,
  alertClose,
];
