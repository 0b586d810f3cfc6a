import { DuckDBInstance } from "@duckdb/node-api";
import { DomainError } from "../../policies/errors.ts";
import type { QueryPort, QueryRequest } from "../../sandbox/query-port.ts";
import { toColumnarBatch } from "../../storage/columnar.ts";

/**
 * A small demo domain with a column of every type the catalog admits, NULLs included. Values are
 * chosen to hit edges: negative numbers, a DECIMAL with cents, dates before 1970, a timestamp with
 * microseconds, non-ASCII strings.
 */
const DEMO_DOMAIN_SQL = `
CREATE TABLE people (
  person_id BIGINT, name VARCHAR, district VARCHAR, age INTEGER, children SMALLINT,
  annual_income DOUBLE, balance DECIMAL(18,2), birth_date DATE, registered_at TIMESTAMP, employed BOOLEAN
);
INSERT INTO people VALUES
  (1, '张三', '东城区', 34, 1, 120000.5, 1234.56, DATE '1990-05-17', TIMESTAMP '2020-01-02 03:04:05.123456', true),
  (2, 'Li Si', '西城区', 51, 0, -3.25, -0.01, DATE '1960-12-31', TIMESTAMP '1969-12-31 23:59:59.5', false),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (9007199254740991, 'max safe', '东城区', 0, 3, 0, 9999999999999999.99, DATE '2024-02-29', TIMESTAMP '2024-02-29 12:00:00', true);
CREATE TABLE numbers AS SELECT range AS n, range * 0.5 AS half, 'd' || (range % 7) AS district FROM range(200000);
`;

export interface DemoDomain {
  port: QueryPort;
  /** Every request the port saw, to assert what reached it. */
  requests: QueryRequest[];
  close(): void;
}

/**
 * A QueryPort on an in-memory DuckDB, standing in for the policy engine: it runs the SQL as given,
 * refuses anything mentioning `secret` with SQL_NOT_ALLOWED, and converts with storage/columnar.ts.
 */
export async function openDemoDomain(): Promise<DemoDomain> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run(DEMO_DOMAIN_SQL);
  const requests: QueryRequest[] = [];
  const port: QueryPort = {
    async execute(request) {
      requests.push(request);
      if (request.sql.includes("secret"))
        throw new DomainError("SQL_NOT_ALLOWED", "table secret is not in the catalog");
      if (request.sql.includes("explode")) throw new Error("internal detail that must not reach the script");
      const result = await connection.run(request.sql, [...request.params]);
      return toColumnarBatch(result, { maxRows: request.maxRows });
    },
  };
  return {
    port,
    requests,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
