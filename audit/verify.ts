import type { KeyObject } from "node:crypto";
import { z } from "zod";
import { canonicalJson } from "./canonical-json.ts";
import { Checkpoint, checkpointSignatureValid } from "./checkpoint.ts";
import { type CryptoProfile, domainPublicKey } from "./crypto-profile.ts";
import { AuditEntry, GENESIS_HASH } from "./entry.ts";
import { type LogLine, readLogLines } from "./log-lines.ts";

/**
 * A checkpoint the verifier trusts because the auditor kept it (from an earlier verification or a
 * receipt of the log's state). Its signature is checked when present; without one, the auditor's
 * own record is the trust anchor.
 */
export const TrustedCheckpoint = Checkpoint.partial({ signature: true, time: true });
export type TrustedCheckpoint = z.infer<typeof TrustedCheckpoint>;

/** The first position at which the log stops being trustworthy, and why. */
export interface BadPosition {
  readonly position: number;
  readonly reason: string;
}

/**
 * The outcome of a verification. `entries` counts the entries that verified (all of them when
 * `valid`); `firstBad` names the first position that did not. `lastCheckpoint` is the last signed
 * checkpoint found in the verified part: an auditor may keep it as the trusted checkpoint for the
 * next verification. `tornTail` reports a last line without "\n" (an append cut short by a crash);
 * it is not an entry and does not make the log invalid, since it was never acknowledged.
 */
export interface AuditVerification {
  readonly valid: boolean;
  readonly entries: number;
  readonly firstBad?: BadPosition;
  readonly lastCheckpoint?: Checkpoint;
  /** Position and hash of the last entry that verified. */
  readonly head?: { readonly position: number; readonly hash: string; readonly time: string };
  readonly tornTail?: { readonly offset: number; readonly bytes: number };
  /** Byte offset of the first bad line, or of the end of the verified entries. */
  readonly verifiedBytes: number;
}

export interface VerifyOptions {
  /**
   * The domain's public key (PEM or key object): checkpoint signatures are checked with it, and its
   * type names the crypto profile (Ed25519: SHA-256 chain; SM2: SM3 chain, SM2 signatures).
   */
  readonly publicKey: string | KeyObject;
  /** Fails the log when it is shorter than this checkpoint or holds a different hash at its position. */
  readonly trustedCheckpoint?: TrustedCheckpoint;
  /** Called with each entry that verifies and its line (the ledger builds its index on open with it). */
  readonly onEntry?: (entry: AuditEntry, line: LogLine) => void;
}

/**
 * Verifies a log file or a full JSON-lines export: every entry is well-formed and canonical,
 * numbered from 0 without gaps, chained to the one before, hashed correctly, in time order, and
 * every checkpoint is signed by the domain key and names the entry before it. With a trusted
 * checkpoint, also that the log reaches it and agrees with it.
 *
 * @example
 * const result = await verifyAuditLog("data/audit.log", { publicKey: await readFile("data/domain-key.pub.pem", "utf8") });
 * if (!result.valid) console.error(`bad at ${result.firstBad?.position}: ${result.firstBad?.reason}`);
 */
export async function verifyAuditLog(
  file: string,
  options: VerifyOptions & { readonly end?: number },
): Promise<AuditVerification> {
  return verifyAuditLines(readLogLines(file, options.end), options);
}

/** As `verifyAuditLog`, over lines from any source (an uploaded export, a test). */
export async function verifyAuditLines(
  lines: AsyncIterable<LogLine> | Iterable<LogLine>,
  options: VerifyOptions,
): Promise<AuditVerification> {
  const { publicKey, profile } = domainPublicKey(options.publicKey);
  const trusted = options.trustedCheckpoint;
  if (trusted?.signature !== undefined && trusted.time !== undefined) {
    const signed = { ...trusted, signature: trusted.signature, time: trusted.time };
    if (!checkpointSignatureValid(signed, publicKey)) {
      return {
        valid: false,
        entries: 0,
        verifiedBytes: 0,
        firstBad: {
          position: trusted.position,
          reason: "the trusted checkpoint's signature does not verify",
        },
      };
    }
  }

  let entries = 0;
  let prev = GENESIS_HASH;
  let prevTime = Number.NEGATIVE_INFINITY;
  let verifiedBytes = 0;
  let head: AuditVerification["head"];
  let lastCheckpoint: Checkpoint | undefined;
  let tornTail: AuditVerification["tornTail"];
  const done = (firstBad?: BadPosition): AuditVerification => ({
    valid: firstBad === undefined,
    entries,
    verifiedBytes,
    ...(firstBad === undefined ? {} : { firstBad }),
    ...(lastCheckpoint === undefined ? {} : { lastCheckpoint }),
    ...(head === undefined ? {} : { head }),
    ...(tornTail === undefined ? {} : { tornTail }),
  });

  for await (const line of lines) {
    if (!line.complete) {
      tornTail = { offset: line.offset, bytes: line.bytes };
      break;
    }
    const position = entries;
    const problem = checkLine(line.text, position, prev, prevTime, publicKey, profile);
    if (typeof problem === "string") return done({ position, reason: problem });
    const entry = problem;
    if (trusted !== undefined && position === trusted.position && entry.hash !== trusted.hash) {
      return done({ position, reason: "hash differs from the trusted checkpoint" });
    }
    if (entry.type === "checkpoint") lastCheckpoint = Checkpoint.parse(entry.data);
    options.onEntry?.(entry, line);
    entries += 1;
    prev = entry.hash;
    prevTime = Date.parse(entry.time);
    verifiedBytes = line.offset + line.bytes;
    head = { position, hash: entry.hash, time: entry.time };
  }
  if (trusted !== undefined && entries <= trusted.position) {
    return done({
      position: entries,
      reason: `log ends before the trusted checkpoint at position ${trusted.position} (truncated)`,
    });
  }
  return done();
}

/** The entry on this line if it verifies, otherwise the reason it does not. */
function checkLine(
  text: string,
  position: number,
  prev: string,
  prevTime: number,
  publicKey: KeyObject,
  profile: CryptoProfile,
): AuditEntry | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return "not a JSON line";
  }
  const parsed = AuditEntry.safeParse(raw);
  if (!parsed.success) return `malformed entry (${z.prettifyError(parsed.error).split("\n")[0]})`;
  const entry = parsed.data;
  // Byte-exact canonical form: a line with duplicate keys or other variants could be read
  // differently by another parser than the one that hashed it.
  if (canonicalJson(entry) !== text) return "entry is not in canonical form";
  if (entry.position !== position)
    return `entry claims position ${entry.position} (inserted, deleted or reordered)`;
  if (entry.prev !== prev) return "prev does not match the hash of the entry before (chain broken)";
  if (hashOfCanonicalLine(text, entry.hash, profile) !== entry.hash) {
    return "hash does not match the entry's content (modified)";
  }
  if (Date.parse(entry.time) < prevTime) return "time goes backwards";
  if (entry.type === "checkpoint") {
    const checkpoint = Checkpoint.safeParse(entry.data);
    if (!checkpoint.success) return "malformed checkpoint";
    if (checkpoint.data.position !== position - 1 || checkpoint.data.hash !== prev) {
      return "checkpoint does not name the entry before it";
    }
    if (!checkpointSignatureValid(checkpoint.data, publicKey)) return "checkpoint signature does not verify";
  }
  // The recorded choice must be the key's: a log claiming one profile under another's key was not
  // written by this domain as it says.
  if (entry.type === "domain.crypto_profile" && entry.data.profile !== profile.name) {
    return `the log records the ${String(entry.data.profile)} crypto profile, but the public key is of the ${profile.name} profile`;
  }
  return entry;
}

/**
 * `entryHash` of an entry whose line is known to be canonical, without canonicalising it again:
 * the canonical form without `hash` is the line with its top-level `,"hash":"…"` member cut out.
 * That member is the last occurrence of the text, because the keys sorting after "hash"
 * (position, prev, subjects, time, type, v) hold no objects with a "hash" key; a nested one inside
 * `data` sorts before it. Halves the cost of verifying, which also bounds how fast a log opens.
 */
function hashOfCanonicalLine(text: string, hash: string, profile: CryptoProfile): string {
  const member = `,"hash":"${hash}"`;
  const at = text.lastIndexOf(member);
  const unhashed = at === -1 ? text : text.slice(0, at) + text.slice(at + member.length);
  return profile.digestHex(unhashed);
}
