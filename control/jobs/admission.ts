import { createHash, randomUUID } from "node:crypto";
import { DomainError, describeIssues, isDomainError } from "../../policies/errors.ts";
import { scriptSyntaxProblem } from "../../sandbox/script-syntax.ts";
import { sqlDialect } from "../../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore } from "../../storage/sql-store.ts";
import { isUniqueViolation } from "../../storage/sql-store.ts";
import type { AuditSink } from "../audit-sink.ts";
import { assertNotFrozen } from "../freezes.ts";
import type { Principal } from "../identity.ts";
import { assertLicenseUsable, findLicense } from "../licenses.ts";
import { assertOperatorActive } from "../operators.ts";
import { limitsOf } from "./execution.ts";
import { jobRepository, type StoredJob } from "./job-repository.ts";
import { JobSubmission } from "./model.ts";

export interface AdmissionDeps {
  readonly store: Pick<SqlStore, "query" | "transaction">;
  readonly audit: AuditSink;
  readonly now: () => Date;
  /** Accepted jobs waiting to run, domain-wide; beyond it submissions answer QUEUE_FULL. */
  readonly queueCapacity: number;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Refuses a script that parses as neither JavaScript nor TypeScript (a Python script, a paste of
 * the wrong file) before it is queued or dry-run: it could only fail later with a SyntaxError.
 */
export async function assertScriptParses(
  submission: Pick<JobSubmission, "script" | "language">,
): Promise<void> {
  const problem = await scriptSyntaxProblem(submission.script, submission.language);
  if (!problem) return;
  throw new DomainError(
    "BAD_REQUEST",
    `the script parses as neither JavaScript nor TypeScript (line ${problem.line}, column ${problem.column}: ${problem.message}); scripts are JavaScript or TypeScript modules whose default export is async function main(ctx) — other languages (Python, R, SQL files) are not run here`,
  );
}

/**
 * Accepts a job, or says why not. The job row and its `job.submitted` entry commit together, so
 * no accepted job lacks its entry and no entry names a job that was not accepted. Returns the
 * stored job and whether this call created it (false: an Idempotency-Key replay).
 */
export async function admitJob(
  deps: AdmissionDeps,
  principal: Principal,
  body: unknown,
  idempotencyKey?: string,
): Promise<{ job: StoredJob; created: boolean }> {
  const parsed = JobSubmission.safeParse(body);
  if (!parsed.success) {
    throw new DomainError("BAD_REQUEST", `invalid job: ${describeIssues(parsed.error.issues)}`);
  }
  const submission = parsed.data;
  const scriptSha256 = sha256(submission.script);
  const replay = async (
    store: Pick<SqlExecutor, "query">,
  ): Promise<{ job: StoredJob; created: boolean } | undefined> => {
    if (idempotencyKey === undefined) return undefined;
    const existing = await jobRepository.byIdempotencyKey(store, principal.id, idempotencyKey);
    if (!existing) return undefined;
    const same =
      existing.scriptSha256 === scriptSha256 &&
      existing.licenseId === submission.license &&
      existing.language === submission.language &&
      (submission.purpose === undefined || submission.purpose === existing.purpose);
    if (!same) throw new DomainError("CONFLICT", "this Idempotency-Key was used for a different job");
    return { job: existing, created: false };
  };
  const earlier = await replay(deps.store);
  if (earlier) return earlier;

  await assertOperatorActive(deps.store, principal.id);
  const record = assertLicenseUsable(await findLicense(deps.store, submission.license), {
    operatorId: principal.id,
    ...(submission.purpose === undefined ? {} : { purpose: submission.purpose }),
    now: deps.now(),
  });
  const limit = limitsOf(record.license).scriptBytes ?? 256 * 1024;
  if (Buffer.byteLength(submission.script, "utf8") > limit) {
    throw new DomainError("LIMIT_EXCEEDED", `the script is larger than ${limit} bytes`);
  }
  await assertScriptParses(submission);
  const perDay = record.license.quotas.jobsPerDay;
  const now = deps.now();
  const job = {
    id: `job_${randomUUID()}`,
    operatorId: principal.id,
    licenseId: record.license.id,
    purpose: record.license.purpose,
    language: submission.language,
    script: submission.script,
    scriptSha256,
    idempotencyKey: idempotencyKey ?? null,
    status: "queued" as const,
    submittedAt: now.toISOString(),
  };
  try {
    await deps.store.transaction(async (tx) => {
      // Admissions take turns until they commit, on every node, so concurrent ones count each
      // other's jobs and cannot all pass the daily quota or the queue's bound.
      await sqlDialect.turn(tx, "admission");
      // Freezes take the same turn, so a job is either refused here or stopped by the freeze.
      await assertNotFrozen(
        tx,
        {
          operatorId: principal.id,
          licenseId: record.license.id,
          datasets: record.license.datasets.map((d) => d.name),
        },
        "a new job",
        now,
      );
      if (perDay !== undefined) {
        const today = `${now.toISOString().slice(0, 10)}T00:00:00.000Z`;
        if ((await jobRepository.countSince(tx, record.license.id, today)) >= perDay) {
          throw new DomainError("QUOTA_EXCEEDED", `license ${record.license.id} allows ${perDay} jobs a day`);
        }
      }
      if ((await jobRepository.countWithStatus(tx, "queued")) >= deps.queueCapacity) {
        throw new DomainError("QUEUE_FULL", "the job queue is full; retry later", { retryAfterSeconds: 5 });
      }
      await jobRepository.insert(tx, job);
      await deps.audit.appendIn(tx, [
        {
          type: "job.submitted",
          actor: principal.id,
          subject: {
            job: job.id,
            operator: principal.id,
            license: job.licenseId,
            datasets: record.license.datasets.map((d) => d.name),
          },
          data: {
            scriptSha256,
            language: job.language,
            purpose: job.purpose,
            scriptBytes: job.script.length,
          },
        },
      ]);
    });
  } catch (error) {
    // Two submissions with one Idempotency-Key raced: the other one's job is the answer, whether
    // this one met it at the key's unique index or found the quota or the queue filled by it.
    const filled = isDomainError(error) && (error.code === "QUOTA_EXCEEDED" || error.code === "QUEUE_FULL");
    if (isUniqueViolation(error) || filled) {
      // Read in a transaction: the other job may be committing in the same group commit as this
      // attempt (SQLite), and a transaction sees it and resolves only once it is durable.
      const winner = await deps.store.transaction((tx) => replay(tx));
      if (winner) return winner;
    }
    throw error;
  }
  const stored = await jobRepository.get(deps.store, job.id);
  if (!stored) throw new DomainError("INTERNAL", `job ${job.id} was accepted but cannot be read back`);
  return { job: stored, created: true };
}
