import { describe, expect, it } from "vitest";
import { WriteBatcher } from "../../control/jobs/write-batcher.ts";

describe("job write batcher", () => {
  it("writes the first item alone and the ones that arrive meanwhile together", async () => {
    const calls: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const batcher = new WriteBatcher<number>(
      async (items) => {
        calls.push([...items]);
        await gate;
      },
      async (item) => {
        calls.push([item]);
        await gate;
      },
    );
    const first = batcher.write(1);
    const rest = [2, 3, 4].map((n) => batcher.write(n));
    release();
    await Promise.all([first, ...rest]);
    expect(calls).toEqual([[1], [2, 3, 4]]);
  });

  it("gives each item of a failed batch its own outcome", async () => {
    const written: number[] = [];
    let hold!: () => void;
    const held = new Promise<void>((r) => {
      hold = r;
    });
    const batcher = new WriteBatcher<number>(
      async (items) => {
        if (items.includes(13)) throw new Error("batch refused");
        written.push(...items);
      },
      async (item) => {
        if (item === 0) await held;
        if (item === 13) throw new Error("thirteen refused");
        written.push(item);
      },
    );
    const first = batcher.write(0);
    const outcomes = Promise.allSettled([12, 13, 14].map((n) => batcher.write(n)));
    hold();
    await first;
    const settled = await outcomes;
    expect(settled.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toContain("thirteen refused");
    expect(written).toEqual([0, 12, 14]);
  });
});
