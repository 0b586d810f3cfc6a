import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { AuditEntry } from "../audit/entry.ts";
import { DomainError } from "../policies/errors.ts";
import { budgetPeriodKey, type License } from "../policies/license.ts";
import { Timestamp } from "../policies/timestamp.ts";
import { sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import { auditedChange } from "./audited-change.ts";
import { type Actor, requireActor } from "./authority.ts";
import { type CreditRules, recordAlertViolation, recordGateViolation } from "./credit.ts";
import { notify } from "./inbox.ts";
import { keysetPage, mapPage, type Page, type PageRequest } from "./paging.ts";

/** The rules over the log that raise alerts. */
export const AlertRule = z.enum(["refusal_burst", "budget_burn", "differencing", "auth_failures"]);
export type AlertRule = z.infer<typeof AlertRule>;

/** When each rule fires. Every threshold has a default; the server reads them from its configuration. */
export const AlertThresholds = z.object({
  /** N refused queries from one operator within the window. */
  refusals: z.number().int().min(2).default(10),
  refusalWindowMs: z
    .number()
    .int()
    .positive()
    .default(10 * 60_000),
  /** More than this share of a period's ε budget spent … */
  budgetSpentShare: z.number().positive().max(1).default(0.5),
  /** … in less than this share of the period. */
  budgetElapsedShare: z.number().positive().max(1).default(0.1),
  /** N queries of one shape, differing only in one literal (or only in their parameters), within the window. */
  differencingQueries: z.number().int().min(2).default(8),
  differencingWindowMs: z
    .number()
    .int()
    .positive()
    .default(60 * 60_000),
  /** Failed authentications from one client address within the window. */
  authFailuresPerAddress: z.number().int().min(2).default(20),
  /** Failed authentications with one key prefix (a known key's id with a wrong secret) within the window. */
  authFailuresPerKey: z.number().int().min(2).default(5),
  authWindowMs: z
    .number()
    .int()
    .positive()
    .default(5 * 60_000),
});
export type AlertThresholds = z.infer<typeof AlertThresholds>;

/** What an alert is about (ids and network addresses only). */
export const AlertSubject = z.object({
  operator: z.string().optional(),
  license: z.string().optional(),
  dataset: z.string().optional(),
  period: z.string().optional(),
  address: z.string().optional(),
  keyPrefix: z.string().optional(),
});
export type AlertSubject = z.infer<typeof AlertSubject>;

/** The emergency stop that would end what an alert reports: `POST /v1/freezes` with this scope and target. */
export const SuggestedFreeze = z.object({
  scope: z.enum(["operator", "license"]),
  target: z.string(),
  how: z.string(),
});

export const AlertView = z.object({
  id: z.string(),
  rule: AlertRule,
  status: z.enum(["open", "closed"]),
  operator: z.string().nullable(),
  subject: AlertSubject,
  summary: z.string(),
  /** Audit log positions of the entries behind the alert. */
  entries: z.array(z.number().int()),
  raisedAt: Timestamp,
  closedAt: Timestamp.nullable(),
  closedBy: z.string().nullable(),
  resolution: z.string().nullable(),
  suggestedFreeze: SuggestedFreeze.nullable(),
});
export type AlertView = z.infer<typeof AlertView>;

interface AlertRow {
  id: string;
  rule: AlertRule;
  key: string;
  operator_id: string | null;
  subject: string;
  summary: string;
  entries: string;
  status: "open" | "closed";
  raised_at: string;
  closed_at: string | null;
  closed_by: string | null;
  resolution: string | null;
}

function suggestedFreeze(rule: AlertRule, subject: AlertSubject): AlertView["suggestedFreeze"] {
  if (rule === "budget_burn" && subject.license)
    return { scope: "license", target: subject.license, how: "POST /v1/freezes" };
  // Failed sign-ins are stopped by the limiter and by revoking the key, not by freezing its owner.
  if (rule === "auth_failures") return null;
  if (subject.operator) return { scope: "operator", target: subject.operator, how: "POST /v1/freezes" };
  return null;
}

function alertView(row: AlertRow): AlertView {
  const subject = JSON.parse(row.subject) as AlertSubject;
  return {
    id: row.id,
    rule: row.rule,
    status: row.status,
    operator: row.operator_id,
    subject,
    summary: row.summary,
    entries: JSON.parse(row.entries) as number[],
    raisedAt: row.raised_at,
    closedAt: row.closed_at,
    closedBy: row.closed_by,
    resolution: row.resolution,
    suggestedFreeze: row.status === "open" ? suggestedFreeze(row.rule, subject) : null,
  };
}

const READERS = ["bureau", "auditor"] as const;

export const AlertQuery = z.object({
  status: z.enum(["open", "closed"]).optional(),
  rule: AlertRule.optional(),
  operator: z.string().min(1).max(100).optional(),
});
export type AlertQuery = z.infer<typeof AlertQuery>;

/** Alerts, newest first, a page at a time (bureau and auditors). */
export async function listAlerts(
  store: Pick<SqlExecutor, "query" | "dialect">,
  actor: Actor,
  query: AlertQuery = {},
  page: PageRequest = {},
): Promise<Page<AlertView>> {
  requireActor(actor, READERS, "read risk alerts");
  const where: string[] = [];
  const params: string[] = [];
  for (const [column, value] of [
    ["status", query.status],
    ["rule", query.rule],
    ["operator_id", query.operator],
  ] as const) {
    if (value === undefined) continue;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  }
  const rows = await keysetPage<AlertRow & Record<string, unknown>>(store, {
    list: "alerts",
    select: "SELECT * FROM alerts",
    where,
    params,
    order: { key: "raised_at", id: "id", direction: "desc" },
    page,
  });
  return mapPage(rows, alertView);
}

/** One alert with the audit entries behind it (bureau and auditors). */
export async function getAlert(
  store: Pick<SqlExecutor, "query">,
  actor: Actor,
  id: string,
): Promise<AlertView & { log: AuditEntry[] }> {
  requireActor(actor, READERS, "read a risk alert");
  const rows = await store.query<AlertRow>("SELECT * FROM alerts WHERE id = $1", [id]);
  if (!rows[0]) throw new DomainError("NOT_FOUND", `no alert ${id}; list alerts with GET /v1/alerts`);
  const alert = alertView(rows[0]);
  const log: AuditEntry[] = [];
  const positions = alert.entries;
  for (let i = 0; i < positions.length; i += 200) {
    const slice = positions.slice(i, i + 200);
    const lines = await store.query<{ line: string }>(
      `SELECT line FROM audit_entries WHERE position IN (${slice.map((_, j) => `$${j + 1}`).join(", ")}) ORDER BY position`,
      slice,
    );
    for (const { line } of lines) log.push(AuditEntry.parse(JSON.parse(line)));
  }
  return { ...alert, log };
}

export const AlertClosing = z.object({ resolution: z.string().trim().min(1).max(2000) }).strict();

/** Closes an open alert with what was done about it (bureau). A later burst raises a new alert. */
export async function closeAlert(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  actor: Actor,
  id: string,
  resolution: string,
): Promise<AlertView> {
  requireActor(actor, ["bureau"], "close a risk alert");
  const { resolution: text } = AlertClosing.parse({ resolution });
  return auditedChange(store, audit, async (tx) => {
    const rows = await tx.query<AlertRow>(
      `SELECT * FROM alerts WHERE id = $1${sqlDialect.forUpdate(tx.dialect)}`,
      [id],
    );
    const row = rows[0];
    if (!row) throw new DomainError("NOT_FOUND", `no alert ${id}; list alerts with GET /v1/alerts`);
    if (row.status !== "open")
      throw new DomainError("CONFLICT", `alert ${id} was closed at ${row.closed_at}; nothing to close`);
    const now = new Date().toISOString();
    await tx.run(
      "UPDATE alerts SET status = 'closed', closed_at = $2, closed_by = $3, resolution = $4 WHERE id = $1",
      [id, now, actor.id, text],
    );
    return {
      result: alertView({ ...row, status: "closed", closed_at: now, closed_by: actor.id, resolution: text }),
      event: {
        type: "alert.closed",
        actor: actor.id,
        subject: row.operator_id ? { operator: row.operator_id } : {},
        data: { alert: id, rule: row.rule, resolution: text },
      },
    };
  });
}

// ── evaluation ──────────────────────────────────────────────────────────────

export interface AlertEvaluationDeps {
  readonly store: Pick<SqlStore, "transaction">;
  readonly audit: AuditSink;
  readonly thresholds?: Partial<AlertThresholds>;
  /** The credit rules violations recorded from alerts and gate decisions are scored by. */
  readonly credit?: Partial<CreditRules>;
}

/** One log entry as the rules read it. */
interface LogEntry {
  readonly position: number;
  readonly time: number;
  readonly type: string;
  readonly operator: string | null;
  readonly license: string | null;
  readonly data: Record<string, unknown>;
}

interface EntryRow {
  position: number | string;
  time: string;
  type: string;
  operator: string | null;
  license: string | null;
  line: string;
}

function logEntry(row: EntryRow): LogEntry {
  const parsed = JSON.parse(row.line) as { data?: Record<string, unknown> };
  return {
    position: Number(row.position),
    time: Date.parse(row.time),
    type: row.type,
    operator: row.operator,
    license: row.license,
    data: parsed.data ?? {},
  };
}

/** An alert a rule wants raised. */
interface Finding {
  readonly rule: AlertRule;
  readonly key: string;
  readonly operator?: string;
  readonly subject: AlertSubject;
  readonly summary: string;
  readonly entries: readonly number[];
}

// `job.gate` entries are read for the credit record: a gate decision may be a violation (control/credit.ts).
const RULE_TYPES = ["query.checked", "auth.failed", "job.gate"];
/** Entries read per transaction. */
const BATCH = 500;
/** Positions an alert keeps (the most recent of the burst). */
const MAX_ENTRIES = 200;

/**
 * Judges every audit entry after the cursor once: in one transaction per batch, the cursor moves
 * past the batch and the alerts the batch raises are written (with their `alert.raised` entries
 * and the bureau's and auditors' notifications). The cursor row is locked first, so evaluators on
 * several nodes take turns and never judge an entry twice. Answers what was judged and raised.
 */
export async function evaluateAlerts(
  deps: AlertEvaluationDeps,
): Promise<{ judged: number; raised: AlertView[] }> {
  const thresholds = AlertThresholds.parse(deps.thresholds ?? {});
  const raised: AlertView[] = [];
  let judged = 0;
  for (;;) {
    const round = await deps.store.transaction(async (tx) => {
      const cursor = await tx.query<{ position: number | string }>(
        `SELECT position FROM alert_cursor WHERE id = 1${sqlDialect.forUpdate(tx.dialect)}`,
      );
      const from = Number(cursor[0]?.position ?? -1);
      const head = await tx.query<{ position: number | string | null }>(
        "SELECT max(position) AS position FROM audit_entries",
      );
      const to = Number(head[0]?.position ?? -1);
      if (to <= from) return { judged: 0, raised: [] as AlertView[], more: false };
      const rows = await tx.query<EntryRow>(
        `SELECT position, time, type, operator, license, line FROM audit_entries
         WHERE position > $1 AND position <= $2 AND type IN ($3, $4, $5) ORDER BY position LIMIT ${BATCH}`,
        [from, to, ...RULE_TYPES],
      );
      const more = rows.length === BATCH;
      const through = more ? Number(rows.at(-1)!.position) : to;
      // Findings are judged first and raised together at the end: raising appends to the log, and
      // the log's head stays locked from the first append to the commit.
      const findings = new Map<string, Finding>();
      const memo: ShapeMemo = new Map();
      for (const row of rows) {
        for (const finding of await judge(tx, logEntry(row), thresholds, memo)) {
          const key = `${finding.rule} ${finding.key}`;
          if (!findings.has(key)) findings.set(key, finding);
        }
      }
      const found: AlertView[] = [];
      for (const finding of findings.values()) {
        const alert = await raise(tx, deps.audit, finding);
        if (!alert) continue;
        found.push(alert);
        await recordAlertViolation(tx, deps.audit, alert, { rules: deps.credit ?? {} });
      }
      for (const row of rows)
        if (row.type === "job.gate")
          await recordGateViolation(tx, deps.audit, row, { rules: deps.credit ?? {} });
      await tx.run("UPDATE alert_cursor SET position = $1 WHERE id = 1", [through]);
      return { judged: through - from, raised: found, more };
    });
    judged += round.judged;
    raised.push(...round.raised);
    if (!round.more) return { judged, raised };
  }
}

async function isOpen(tx: Pick<SqlExecutor, "query">, rule: AlertRule, key: string): Promise<boolean> {
  const rows = await tx.query("SELECT id FROM alerts WHERE rule = $1 AND key = $2 AND status = 'open'", [
    rule,
    key,
  ]);
  return rows.length > 0;
}

async function raise(tx: SqlExecutor, audit: AuditSink, finding: Finding): Promise<AlertView | undefined> {
  if (await isOpen(tx, finding.rule, finding.key)) return undefined;
  const id = `alr_${randomBytes(8).toString("hex")}`;
  const now = new Date().toISOString();
  const entries = finding.entries.slice(-MAX_ENTRIES);
  const row: AlertRow = {
    id,
    rule: finding.rule,
    key: finding.key,
    operator_id: finding.operator ?? null,
    subject: JSON.stringify(finding.subject),
    summary: finding.summary,
    entries: JSON.stringify(entries),
    status: "open",
    raised_at: now,
    closed_at: null,
    closed_by: null,
    resolution: null,
  };
  await tx.run(
    `INSERT INTO alerts (id, rule, key, operator_id, subject, summary, entries, status, raised_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8)`,
    [id, row.rule, row.key, row.operator_id, row.subject, row.summary, row.entries, now],
  );
  await audit.appendIn(tx, [
    {
      type: "alert.raised",
      actor: "system",
      subject: {
        ...(finding.operator ? { operator: finding.operator } : {}),
        ...(finding.subject.license ? { license: finding.subject.license } : {}),
        ...(finding.subject.dataset ? { datasets: [finding.subject.dataset] } : {}),
      },
      data: { alert: id, rule: finding.rule, summary: finding.summary, entries },
    },
  ]);
  await notify(
    tx,
    { roles: ["bureau", "auditor"] },
    {
      kind: "alert.raised",
      subject: { alert: id },
      message: `alert ${id} (${finding.rule}): ${finding.summary}`,
    },
  );
  return alertView(row);
}

/** What the rules find in one entry, looking back over the window before it. */
async function judge(
  tx: SqlExecutor,
  entry: LogEntry,
  t: AlertThresholds,
  memo: ShapeMemo,
): Promise<Finding[]> {
  if (entry.type === "auth.failed") return authFailures(tx, entry, t);
  if (entry.type !== "query.checked" || !entry.operator) return [];
  const findings: Finding[] = [];
  if (entry.data.error) {
    const refusals = await refusalBurst(tx, entry, entry.operator, t);
    if (refusals) findings.push(refusals);
  }
  const differencing = await differencingAttempt(tx, entry, entry.operator, t, memo);
  if (differencing) findings.push(differencing);
  const verdict = entry.data.verdict as { epsilonCharged?: number; datasets?: string[] } | null;
  if (verdict && (verdict.epsilonCharged ?? 0) > 0 && entry.license)
    findings.push(...(await budgetBurn(tx, entry, entry.license, verdict.datasets ?? [], t)));
  return findings;
}

async function windowOf(
  tx: Pick<SqlExecutor, "query">,
  entry: LogEntry,
  windowMs: number,
  where: { column: "operator" | "license" | null; value?: string; type: string },
): Promise<LogEntry[]> {
  const params: (string | number)[] = [
    where.type,
    new Date(entry.time - windowMs).toISOString(),
    entry.position,
  ];
  if (where.column) params.push(where.value!);
  const rows = await tx.query<EntryRow>(
    `SELECT position, time, type, operator, license, line FROM audit_entries
     WHERE type = $1 AND time >= $2 AND position <= $3${where.column ? ` AND ${where.column} = $4` : ""}
     ORDER BY position`,
    params,
  );
  return rows.map(logEntry);
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** Rule 1: a burst of refused queries from one operator (probing the rules). */
async function refusalBurst(
  tx: SqlExecutor,
  entry: LogEntry,
  operator: string,
  t: AlertThresholds,
): Promise<Finding | undefined> {
  const key = `operator:${operator}`;
  if (await isOpen(tx, "refusal_burst", key)) return undefined;
  const refused = (
    await windowOf(tx, entry, t.refusalWindowMs, {
      column: "operator",
      value: operator,
      type: "query.checked",
    })
  ).filter((e) => e.data.error);
  if (refused.length < t.refusals) return undefined;
  return {
    rule: "refusal_burst",
    key,
    operator,
    subject: { operator },
    summary: `${refused.length} queries of operator ${operator} refused within ${minutes(t.refusalWindowMs)} (threshold ${t.refusals})`,
    entries: refused.map((e) => e.position),
  };
}

/** Rule 2: a license's ε for one dataset spent faster than its period allows. */
async function budgetBurn(
  tx: SqlExecutor,
  entry: LogEntry,
  licenseId: string,
  datasets: readonly string[],
  t: AlertThresholds,
): Promise<Finding[]> {
  const rows = await tx.query<{ operator_id: string; document: string }>(
    "SELECT operator_id, document FROM licenses WHERE id = $1",
    [licenseId],
  );
  if (!rows[0]) return [];
  const license = JSON.parse(rows[0].document) as License;
  const at = new Date(entry.time);
  const findings: Finding[] = [];
  for (const granted of license.datasets) {
    if (!granted.epsilon || !datasets.includes(granted.name)) continue;
    const period = budgetPeriodKey(granted.epsilon.period, at);
    const key = `license:${licenseId}:${granted.name}:${period}`;
    if (await isOpen(tx, "budget_burn", key)) continue;
    const [start, end] = periodBounds(granted.epsilon.period, at, license);
    const elapsed = (at.getTime() - start) / (end - start);
    if (elapsed >= t.budgetElapsedShare) continue;
    const spentRows = await tx.query<{ micro_epsilon: number | string }>(
      "SELECT micro_epsilon FROM budget_spent WHERE license_id = $1 AND dataset = $2 AND period = $3",
      [licenseId, granted.name, period],
    );
    const spent = Number(spentRows[0]?.micro_epsilon ?? 0) / 1_000_000;
    const share = spent / granted.epsilon.total;
    if (share <= t.budgetSpentShare) continue;
    const charged = (
      await windowOf(tx, entry, entry.time - start, {
        column: "license",
        value: licenseId,
        type: "query.checked",
      })
    ).filter((e) => {
      const v = e.data.verdict as { epsilonCharged?: number; datasets?: string[] } | null;
      return (v?.epsilonCharged ?? 0) > 0 && (v?.datasets ?? []).includes(granted.name);
    });
    const operator = entry.operator ?? rows[0].operator_id;
    findings.push({
      rule: "budget_burn",
      key,
      operator,
      subject: { operator, license: licenseId, dataset: granted.name, period },
      summary: `license ${licenseId} spent ${Math.round(share * 100)}% of its ε budget for ${granted.name} (period ${period}) within ${Math.max(1, Math.round(elapsed * 100))}% of the period (thresholds ${Math.round(t.budgetSpentShare * 100)}% within ${Math.round(t.budgetElapsedShare * 100)}%)`,
      entries: charged.map((e) => e.position),
    });
  }
  return findings;
}

/** The period containing `at`, as [start, end) in ms: calendar UTC periods, or the license's window for `total`. */
function periodBounds(
  period: string,
  at: Date,
  license: Pick<License, "validFrom" | "validTo">,
): [number, number] {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const d = at.getUTCDate();
  switch (period) {
    case "year":
      return [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1)];
    case "month":
      return [Date.UTC(y, m, 1), Date.UTC(y, m + 1, 1)];
    case "day":
      return [Date.UTC(y, m, d), Date.UTC(y, m, d + 1)];
    default:
      return [Date.parse(license.validFrom), Date.parse(license.validTo)];
  }
}

/**
 * A query's shape and its literals: string and number literals are cut out of the SQL text and
 * only their hashes kept (equality is all the rules compare; alerts name literal ordinals and
 * counts, never values), and what is left, normalised, is hashed.
 */
export function queryShape(sql: string): { shape: string; literals: string[] } {
  const literals: string[] = [];
  let masked = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'") {
      let j = i + 1;
      let value = "";
      while (j < sql.length) {
        if (sql[j] === "'" && sql[j + 1] === "'") {
          value += "'";
          j += 2;
        } else if (sql[j] === "'") break;
        else value += sql[j++];
      }
      literals.push(digest(`s:${value}`));
      masked += "?";
      i = j + 1;
      continue;
    }
    if (c === '"') {
      // A quoted identifier is part of the shape.
      const j = sql.indexOf('"', i + 1);
      const end = j < 0 ? sql.length : j + 1;
      masked += sql.slice(i, end);
      i = end;
      continue;
    }
    if (c === "-" && sql[i + 1] === "-") {
      const j = sql.indexOf("\n", i);
      i = j < 0 ? sql.length : j;
      continue;
    }
    const number = /^(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)/i.exec(sql.slice(i));
    if (number && !/[A-Za-z0-9_$]/.test(sql[i - 1] ?? "")) {
      literals.push(digest(`n:${Number(number[0])}`));
      masked += "?";
      i += number[0].length;
      continue;
    }
    masked += c.toLowerCase();
    i++;
  }
  const normal = masked.replace(/\s+/g, " ").trim();
  return { shape: digest(normal), literals };
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/** Shapes by log position, for one batch: a burst's window is read again for each of its entries. */
type ShapeMemo = Map<number, ReturnType<typeof queryShape>>;

function shapeOf(entry: LogEntry, memo: ShapeMemo): ReturnType<typeof queryShape> {
  let shape = memo.get(entry.position);
  if (!shape) {
    shape = queryShape(entry.data.sql as string);
    memo.set(entry.position, shape);
  }
  return shape;
}

/**
 * Rule 3: many queries of one shape that differ in exactly one literal (or, with the same text, only
 * in their parameters): the shape of a differencing attempt, which subtracts near-identical
 * aggregates to isolate one person.
 */
async function differencingAttempt(
  tx: SqlExecutor,
  entry: LogEntry,
  operator: string,
  t: AlertThresholds,
  memo: ShapeMemo,
): Promise<Finding | undefined> {
  if (typeof entry.data.sql !== "string") return undefined;
  const key = `operator:${operator}`;
  if (await isOpen(tx, "differencing", key)) return undefined;
  const current = shapeOf(entry, memo);
  const peers = (
    await windowOf(tx, entry, t.differencingWindowMs, {
      column: "operator",
      value: operator,
      type: "query.checked",
    })
  )
    .filter((e) => typeof e.data.sql === "string")
    .map((e) => ({ entry: e, ...shapeOf(e, memo) }))
    .filter((p) => p.shape === current.shape && p.literals.length === current.literals.length);
  if (peers.length < t.differencingQueries) return undefined;
  const found = (members: typeof peers, what: string): Finding => ({
    rule: "differencing",
    key,
    operator,
    subject: { operator },
    summary: `${members.length} queries of operator ${operator} within ${minutes(t.differencingWindowMs)} share one shape and differ only in ${what} (threshold ${t.differencingQueries})`,
    entries: members.map((m) => m.entry.position),
  });
  for (let p = 0; p < current.literals.length; p++) {
    const rest = (literals: string[]) => JSON.stringify(literals.filter((_, i) => i !== p));
    const same = peers.filter((m) => rest(m.literals) === rest(current.literals));
    const values = new Set(same.map((m) => m.literals[p]));
    if (values.size >= t.differencingQueries) return found(same, `literal #${p + 1}`);
  }
  const text = JSON.stringify(current.literals);
  const sameText = peers.filter((m) => JSON.stringify(m.literals) === text);
  const keys = new Set(
    sameText.flatMap((m) => {
      const queryKey = (m.entry.data.verdict as { queryKey?: string } | null)?.queryKey;
      return queryKey ? [queryKey] : [];
    }),
  );
  if (keys.size >= t.differencingQueries) return found(sameText, "their parameters");
  return undefined;
}

/** Rule 4: failed authentications, a burst from one address or against one key prefix. */
async function authFailures(tx: SqlExecutor, entry: LogEntry, t: AlertThresholds): Promise<Finding[]> {
  const address = typeof entry.data.address === "string" ? entry.data.address : undefined;
  // A flood is logged as a few entries plus one with the count of the rest and the prefixes it
  // tried (gateway/auth.ts): counts, not entries, decide.
  const triedPrefixes = (e: LogEntry): Record<string, number> => {
    if (typeof e.data.keyPrefix === "string") return { [e.data.keyPrefix]: 1 };
    const counted = e.data.keyPrefixes;
    return counted && typeof counted === "object" ? (counted as Record<string, number>) : {};
  };
  const addressKey = address ? `address:${address}` : undefined;
  const wantAddress = addressKey !== undefined && !(await isOpen(tx, "auth_failures", addressKey));
  const prefixes: string[] = [];
  for (const prefix of Object.keys(triedPrefixes(entry)))
    if (!(await isOpen(tx, "auth_failures", `key:${prefix}`))) prefixes.push(prefix);
  if (!wantAddress && prefixes.length === 0) return [];
  const window = await windowOf(tx, entry, t.authWindowMs, { column: null, type: "auth.failed" });
  const findings: Finding[] = [];
  if (wantAddress) {
    const same = window.filter((e) => e.data.address === address);
    const failures = same.reduce((n, e) => n + (typeof e.data.count === "number" ? e.data.count : 1), 0);
    if (failures >= t.authFailuresPerAddress)
      findings.push({
        rule: "auth_failures",
        key: addressKey!,
        subject: { address: address! },
        summary: `${failures} failed authentications from address ${address} within ${minutes(t.authWindowMs)} (threshold ${t.authFailuresPerAddress})`,
        entries: same.map((e) => e.position),
      });
  }
  for (const prefix of prefixes) {
    const same = window.filter((e) => (triedPrefixes(e)[prefix] ?? 0) > 0);
    const failures = same.reduce((n, e) => n + Number(triedPrefixes(e)[prefix] ?? 0), 0);
    if (failures >= t.authFailuresPerKey) {
      // A known key's prefix with wrong secrets: someone holds the prefix (from a log or a listing) and guesses.
      const owner = await tx.query<{ id: string; role: string }>(
        "SELECT p.id, p.role FROM api_keys k JOIN principals p ON p.id = k.principal_id WHERE k.prefix = $1",
        [prefix],
      );
      const operator = owner[0]?.role === "operator" ? owner[0].id : undefined;
      findings.push({
        rule: "auth_failures",
        key: `key:${prefix}`,
        ...(operator ? { operator } : {}),
        subject: { keyPrefix: prefix, ...(operator ? { operator } : {}) },
        summary: `${failures} failed authentications with key prefix ${prefix}${owner[0] ? ` (a key of ${owner[0].id})` : ""} within ${minutes(t.authWindowMs)} (threshold ${t.authFailuresPerKey})`,
        entries: same.map((e) => e.position),
      });
    }
  }
  return findings;
}
