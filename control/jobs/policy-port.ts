import type { Span } from "@opentelemetry/api";
import { DomainError } from "../../policies/errors.ts";
import type { License } from "../../policies/license.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { batchOfAnswer } from "../../policies/typed-values.ts";
import type { ColumnarBatch, QueryPort } from "../../sandbox/index.ts";
import { inSpan, telemetry } from "../../telemetry/instruments.ts";
import type { QueryAnswer, QueryService, QueryVerdict } from "../query-service.ts";

/** One answered (or refused) query of a job, for metering, events and the audit log. */
export interface JobQuery {
  readonly index: number;
  readonly sql: string;
  readonly verdict?: QueryVerdict;
  readonly error?: { readonly code: string; readonly detail: string };
}

/**
 * The query port of one job: each `ctx.sql` goes through the policy engine under the license and
 * the manifests in force when the job started, and the answer is laid out as a columnar batch.
 */
export function createPolicyQueryPort(options: {
  readonly service: QueryService;
  readonly license: License;
  readonly manifests: readonly DatasetManifest[];
  readonly startedAt: Date;
  readonly onQuery: (query: JobQuery) => void;
  /** Each answer the script receives (for the accuracy of the figures it passes on). */
  readonly onAnswer?: (answer: QueryAnswer) => void;
}): QueryPort {
  let index = 0;
  return {
    execute(request) {
      const n = index++;
      return inSpan(
        "sql.check",
        { "job.id": request.jobId, "query.index": n, "query.shape": request.shape },
        (span) => answer(n, request, span),
      );
    },
  };

  async function answer(
    n: number,
    request: Parameters<QueryPort["execute"]>[0],
    span: Span,
  ): Promise<ColumnarBatch> {
    try {
      const answer = await options.service.execute({
        sql: request.sql,
        params: request.params,
        license: options.license,
        manifests: options.manifests,
        at: options.startedAt,
      });
      options.onQuery({ index: n, sql: request.sql, verdict: answer.verdict });
      options.onAnswer?.(answer);
      const v = answer.verdict;
      span.setAttributes({
        "query.kind": v.kind,
        "query.datasets": [...v.datasets],
        "query.epsilon": v.epsilonCharged,
        "query.cached": v.cached,
        "query.rows": v.rowsReturned,
        "query.rewrites": v.rewrites.length,
      });
      telemetry.queryChecked({ kind: v.kind, ok: true });
      if (answer.rows.length > request.maxRows) {
        throw new DomainError("LIMIT_EXCEEDED", `the query returned more than ${request.maxRows} rows`);
      }
      return batchOfAnswer(answer.columns, answer.rows);
    } catch (error) {
      const code = error instanceof DomainError ? error.code : "INTERNAL";
      const detail = error instanceof DomainError ? error.detail : "query failed";
      options.onQuery({ index: n, sql: request.sql, error: { code, detail } });
      telemetry.queryChecked({ kind: "refused", ok: false, code });
      throw error;
    }
  }
}
