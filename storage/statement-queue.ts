import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import { PreparedStatements } from "./prepared-statements.ts";

type Work = {
  readonly kind: "work";
  readonly work: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
};
type Write = {
  readonly kind: "write";
  readonly sql: string;
  readonly params: readonly DuckDBValue[];
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
};

/** Writes committed together at most: a bound on how long one commit holds later reads. */
const MAX_GROUP = 64;

/**
 * The control plane's one connection, shared by every caller. Items run one at a time in the
 * order they were queued, so a transaction never interleaves with another caller's statements
 * and a read sees every write queued before it.
 *
 * Plain writes that queue up behind a busy connection commit together (group commit): each
 * DuckDB commit writes and syncs its WAL, which under load costs more than the statements
 * themselves. If any statement of a group fails, the group is rolled back and its statements run
 * again one by one, so each caller gets exactly the outcome it would have had alone.
 */
export class StatementQueue {
  private readonly items: (Work | Write)[] = [];
  private draining = false;
  /** Groups of more than one write committed so far, and the writes in them (for tests and metrics). */
  readonly grouped = { commits: 0, writes: 0 };

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly prepared: PreparedStatements = new PreparedStatements(connection),
  ) {}

  /** Runs `work` alone on the connection (a read, or a whole transaction). */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.items.push({ kind: "work", work, resolve: resolve as (value: unknown) => void, reject });
      void this.drain();
    });
  }

  /** Runs one write statement, committed on its own or with the writes queued next to it. */
  write(sql: string, params: readonly DuckDBValue[] = []): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.items.push({ kind: "write", sql, params, resolve: resolve as (value: unknown) => void, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let head = this.items[0]; head !== undefined; head = this.items[0]) {
        if (head.kind === "work") {
          this.items.shift();
          await settle(head, head.work());
          continue;
        }
        let n = 1;
        while (n < this.items.length && n < MAX_GROUP && this.items[n]!.kind === "write") n++;
        const group = this.items.splice(0, n) as Write[];
        if (group.length === 1) await settle(group[0]!, this.statement(group[0]!));
        else await this.commitTogether(group);
      }
    } finally {
      this.draining = false;
    }
  }

  private async commitTogether(group: readonly Write[]): Promise<void> {
    try {
      await this.connection.run("BEGIN TRANSACTION");
      for (const write of group) await this.statement(write);
      await this.connection.run("COMMIT");
    } catch {
      await this.connection.run("ROLLBACK").catch(() => undefined);
      for (const write of group) await settle(write, this.statement(write));
      return;
    }
    this.grouped.commits++;
    this.grouped.writes += group.length;
    for (const write of group) write.resolve(undefined);
  }

  private async statement(write: Write): Promise<void> {
    await this.prepared.run(write.sql, write.params);
  }
}

async function settle(item: Work | Write, outcome: Promise<unknown>): Promise<void> {
  try {
    item.resolve(await outcome);
  } catch (error) {
    item.reject(error);
  }
}
