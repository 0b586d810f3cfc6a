import { z } from "zod";
import { canonicalJson } from "./canonical-json.ts";
import { type CryptoProfile, INTERNATIONAL } from "./crypto-profile.ts";

/**
 * The event types the domain records. Appends are validated against this list, so a typo in a
 * caller cannot create a type no auditor queries for; a new kind of event is added here.
 * Readers and the verifier accept any well-formed dotted name (see `AuditEntry`), so a log
 * written by a newer version still verifies with an older verifier.
 */
export const AUDIT_EVENT_TYPES = [
  "auth.failed",
  "session.opened",
  "session.closed",
  "session.refused",
  "operator.created",
  "operator.updated",
  "operator.suspended",
  "operator.reinstated",
  "operator.key_issued",
  "operator.key_revoked",
  "operator.key_bound",
  "operator.key_unbound",
  "license.granted",
  "license.updated",
  "license.suspended",
  "license.reinstated",
  "license.revoked",
  "policy.published",
  "manifest.published",
  "tariff.set",
  "statement.issued",
  "domain.recorded",
  "domain.crypto_profile",
  "dataset.version_supplied",
  "dataset.supply_refused",
  "dataset.version_switched",
  "dataset.version_encrypted",
  "domain.kek_rotated",
  "dummy.drafted",
  "bounds.drafted",
  "application.submitted",
  "application.consented",
  "application.approved",
  "application.refused",
  "application.withdrawn",
  "application.expired",
  "proposal.created",
  "proposal.approved",
  "proposal.refused",
  "proposal.withdrawn",
  "freeze.imposed",
  "freeze.lifted",
  "alert.raised",
  "alert.closed",
  "credit.violation_recorded",
  "credit.penalty_changed",
  "credit.objection_filed",
  "credit.objection_decided",
  "operator.exited",
  "webhook.registered",
  "webhook.removed",
  "open_data.read",
  "quality_issue.reported",
  "quality_issue.accepted",
  "quality_issue.rejected",
  "quality_issue.resolved",
  "quality_issue.confirmed",
  "quality_issue.reopened",
  "registration.recorded",
  "product.created",
  "product.delisted",
  "product.subscribed",
  "product.output_read",
  "job.submitted",
  "job.explained",
  "job.started",
  "query.checked",
  "quota.exceeded",
  "job.gate",
  "review.decided",
  "output.released",
  "output.downloaded",
  "job.finished",
  "job.cancelled",
  "audit.exported",
  "audit.recovered",
  "checkpoint",
] as const;

/** One of `AUDIT_EVENT_TYPES`. */
export const AuditEventType = z.enum(AUDIT_EVENT_TYPES);
export type AuditEventType = z.infer<typeof AuditEventType>;

/** Types only the ledger itself writes: a caller appending one would be forging ledger bookkeeping. */
export const LEDGER_EVENT_TYPES: ReadonlySet<string> = new Set<AuditEventType>([
  "checkpoint",
  "audit.recovered",
]);

const Id = z.string().min(1).max(200);
/** A 256-bit digest in lowercase hex: SHA-256 or SM3, by the domain's crypto profile. */
const DigestHex = z.string().regex(/^[0-9a-f]{64}$/, "a lowercase hex SHA-256 or SM3 digest");

/** The ids an entry is about: what auditors filter on. */
export const AuditSubjects = z.strictObject({
  job: Id.optional(),
  operator: Id.optional(),
  license: Id.optional(),
  datasets: z.array(Id).optional(),
});
export type AuditSubjects = z.infer<typeof AuditSubjects>;

/**
 * What a caller appends. `data` carries the event's details (before/after of a change, a query's
 * text and verdicts, output hashes); it must be JSON (see `canonicalJson`).
 *
 * @example
 * const event: AuditEvent = {
 *   type: "output.released",
 *   actor: "system",
 *   subjects: { job: "job_1", operator: "op_1", license: "lic_1", datasets: ["population"] },
 *   data: { outputs: [{ name: "by_district", sha256: "…" }] },
 * };
 */
export const AuditEvent = z.strictObject({
  type: AuditEventType,
  /** Principal id, or "system" for what the domain does on its own. */
  actor: Id,
  subjects: AuditSubjects.optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEvent = z.input<typeof AuditEvent>;

/** Format version of an entry; bumped only with a verifier that understands both. */
export const ENTRY_VERSION = 1;

/** `prev` of the first entry. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * One line of the log, as stored. `hash` is the digest (SHA-256, or SM3 in the `sm` crypto profile)
 * of the canonical JSON of every other field,
 * `prev` is the previous entry's `hash`: changing, inserting, dropping or reordering an entry breaks
 * the chain from that point on.
 */
export const AuditEntry = z.strictObject({
  v: z.literal(ENTRY_VERSION),
  position: z.number().int().nonnegative(),
  time: z.iso.datetime(),
  type: z.string().regex(/^[a-z][a-z_]*(\.[a-z][a-z_]*)*$/),
  actor: Id,
  subjects: AuditSubjects,
  data: z.record(z.string(), z.unknown()),
  prev: DigestHex,
  hash: DigestHex,
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** An entry before its hash is computed. */
export type UnhashedEntry = Omit<AuditEntry, "hash">;

/**
 * The hash an entry must carry: the profile's digest (hex) of the canonical JSON of the entry
 * without `hash`.
 */
export function entryHash(entry: UnhashedEntry | AuditEntry, profile: CryptoProfile = INTERNATIONAL): string {
  const { hash: _ignored, ...rest } = entry as AuditEntry;
  return profile.digestHex(canonicalJson(rest));
}

/**
 * Completes an entry with its hash and returns its stored line (canonical JSON plus "\n").
 * The line is the hashed text with the `hash` member spliced in where key order puts it, before
 * the top-level `"position"` (the last occurrence: the keys after it hold no nested objects with
 * that key), which saves canonicalising every entry twice on the append path.
 */
export function sealEntry(
  entry: UnhashedEntry,
  profile: CryptoProfile = INTERNATIONAL,
): { entry: AuditEntry; line: string } {
  const unhashed = canonicalJson(entry);
  const hash = profile.digestHex(unhashed);
  const at = unhashed.lastIndexOf(',"position":');
  return {
    entry: { ...entry, hash },
    line: `${unhashed.slice(0, at)},"hash":"${hash}"${unhashed.slice(at)}\n`,
  };
}
