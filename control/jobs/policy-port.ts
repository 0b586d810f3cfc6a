import type { Span } from "@opentelemetry/api";
import { DomainError } from "../../policies/errors.ts";
import type { License } from "../../policies/license.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import type { BatchColumn, ColumnarBatch, QueryPort } from "../../sandbox/index.ts";
import { inSpan, telemetry } from "../../telemetry/instruments.ts";
import type { QueryAnswer, QueryService, QueryVerdict, ResultColumn } from "../query-service.ts";

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/;

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
      return answerToBatch(answer);
    } catch (error) {
      const code = error instanceof DomainError ? error.code : "INTERNAL";
      const detail = error instanceof DomainError ? error.detail : "query failed";
      options.onQuery({ index: n, sql: request.sql, error: { code, detail } });
      telemetry.queryChecked({ kind: "refused", ok: false, code });
      throw error;
    }
  }
}

/** Lays the engine's row answer out as the sandbox's columnar batch, by DuckDB type. */
export function answerToBatch(answer: Pick<QueryAnswer, "columns" | "rows">): ColumnarBatch {
  const rowCount = answer.rows.length;
  const columns = answer.columns.map((column, c) =>
    toColumn(
      column,
      answer.rows.map((row) => row[c] ?? null),
    ),
  );
  return { rowCount, columns };
}

function toColumn(column: ResultColumn, cells: readonly unknown[]): BatchColumn {
  const hasNull = cells.some((cell) => cell === null);
  const valid = hasNull ? Uint8Array.from(cells, (cell) => (cell === null ? 0 : 1)) : null;
  if (column.type === "BOOLEAN") {
    return {
      name: column.name,
      sqlType: column.type,
      data: { kind: "boolean", values: Uint8Array.from(cells, (cell) => (cell === true ? 1 : 0)), valid },
    };
  }
  if (NUMERIC.test(column.type)) {
    // JSON rendering gives wide integers and decimals as strings; all numbers cross as float64.
    const values = Float64Array.from(cells, (cell) => (cell === null ? Number.NaN : Number(cell)));
    return { name: column.name, sqlType: column.type, data: { kind: "number", values, valid } };
  }
  const offsets = new Uint32Array(cells.length + 1);
  let chars = "";
  cells.forEach((cell, i) => {
    chars += cell === null ? "" : String(cell);
    offsets[i + 1] = chars.length;
  });
  return { name: column.name, sqlType: column.type, data: { kind: "string", chars, offsets, valid } };
}
