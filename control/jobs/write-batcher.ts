/** Items written in one statement at most (each carries a handful of parameters). */
const MAX_BATCH = 128;

/**
 * Writes of one kind that arrive while the previous ones are still being written go out together
 * as one multi-row statement: DuckDB, a columnar store, spends about as long on one row as on
 * dozens, so under load this is the difference between a few and a few hundred jobs a second.
 * With no load, each write goes alone and at once.
 *
 * If a batch fails, its items are written again one by one, so each caller gets exactly the
 * outcome (success, or its own error) it would have had alone.
 */
export class WriteBatcher<T> {
  private pending: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing = false;

  constructor(
    private readonly writeMany: (items: readonly T[]) => Promise<void>,
    private readonly writeOne: (item: T) => Promise<void>,
  ) {}

  /** Resolves once `item` is written (committed). */
  write(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        if (batch.length > 1) {
          try {
            await this.writeMany(batch.map((b) => b.item));
            for (const b of batch) b.resolve();
            continue;
          } catch {
            // one of them is at fault (or the store is): each learns which below
          }
        }
        for (const b of batch) {
          try {
            await this.writeOne(b.item);
            b.resolve();
          } catch (error) {
            b.reject(error);
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
