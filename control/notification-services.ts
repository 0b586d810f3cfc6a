import type { Notifier } from "../storage/notifications.ts";
import type { SqlStore } from "../storage/sql-store.ts";
import type { Logger } from "../telemetry/log.ts";
import { type AlertThresholds, evaluateAlerts } from "./alerts.ts";
import type { AuditSink } from "./audit-sink.ts";
import type { ControlSecrets } from "./control-secrets.ts";
import { type CreditRules, repairCredit } from "./credit.ts";
import { INBOX_CHANNEL, inboxSignal, noticeExpiringLicenses, parseInboxWake } from "./inbox.ts";
import { type DeliverySettings, WebhookDeliveryWorker } from "./webhooks.ts";

/** How inboxes, webhooks, alerts and expiry notices behave; the server builds it from its configuration. */
export interface NotificationSettings {
  /** How often an inbox stream reads the store without a wake-up. */
  readonly inboxPollMs: number;
  /** Keep-alive comment interval of inbox streams. */
  readonly keepAliveMs: number;
  readonly delivery: DeliverySettings;
  readonly alerts: Partial<AlertThresholds>;
  /** The credit rules (docs/credit.md) violations from alerts are scored by; defaults where unset. */
  readonly credit?: Partial<CreditRules>;
  /** How often the alert rules read the new log entries. */
  readonly alertIntervalMs: number;
  /** How long before a license ends its operator and the bureau hear of it. */
  readonly licenseNoticeMs: number;
  /** How often licenses are swept for coming ends. */
  readonly licenseSweepMs: number;
}

/**
 * Starts what notifications need on a node: every node relays PostgreSQL's inbox wake-ups into this
 * process (its SSE streams wait on them); a node that runs jobs also sends webhook deliveries, runs
 * the alert rules and sweeps licenses for coming ends. Each of these is safe on several nodes at
 * once (claims skip locked rows, the alert cursor and the license rows are locked).
 */
export async function startNotificationServices(deps: {
  readonly store: SqlStore;
  readonly audit: AuditSink;
  readonly notifier: Notifier;
  readonly logger: Pick<Logger, "warn">;
  readonly settings: NotificationSettings;
  /** Whether this node does the periodic work (the `all` and `runner` roles). */
  readonly runsWork: boolean;
  /** Opens webhook secrets sealed under the node's KEK. */
  readonly secrets?: ControlSecrets;
}): Promise<{ stop(): Promise<void> }> {
  const unlisten = await deps.notifier.listen(INBOX_CHANNEL, (payload) =>
    inboxSignal.wake(parseInboxWake(payload)),
  );
  if (!deps.runsWork)
    return {
      async stop() {
        unlisten();
      },
    };
  const worker = new WebhookDeliveryWorker(
    deps.store,
    deps.settings.delivery,
    deps.secrets ? { secrets: deps.secrets } : {},
  );
  worker.start();
  const timers: NodeJS.Timeout[] = [];
  const busy = new Set<string>();
  const every = (name: string, ms: number, work: () => Promise<unknown>) => {
    const run = () => {
      if (busy.has(name)) return;
      busy.add(name);
      work()
        .catch((error: unknown) => deps.logger.warn(`${name} failed; retried on its next round`, { error }))
        .finally(() => busy.delete(name));
    };
    const timer = setInterval(run, ms);
    timer.unref();
    timers.push(timer);
    setTimeout(run, 1000).unref();
  };
  every("alert rules", deps.settings.alertIntervalMs, () =>
    evaluateAlerts({
      store: deps.store,
      audit: deps.audit,
      thresholds: deps.settings.alerts,
      credit: deps.settings.credit ?? {},
    }),
  );
  // Penalties that repair has outgrown are lifted even when nothing else happens to the operator.
  every("credit repair sweep", deps.settings.alertIntervalMs, () =>
    repairCredit({ store: deps.store, audit: deps.audit, rules: deps.settings.credit ?? {} }),
  );
  every("license expiry sweep", deps.settings.licenseSweepMs, () =>
    noticeExpiringLicenses(deps.store, { windowMs: deps.settings.licenseNoticeMs }),
  );
  return {
    async stop() {
      unlisten();
      for (const timer of timers) clearInterval(timer);
      await worker.stop();
      // A round in flight finishes before the stores close.
      while (busy.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    },
  };
}
