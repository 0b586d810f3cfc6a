import { afterEach, describe, expect, it } from "vitest";
import type { ColumnarBatch } from "../../sandbox/batch.ts";
import type { WorkerExit } from "../../sandbox/worker-process.ts";
import { WorkerProcess } from "../../sandbox/worker-process.ts";

let worker: WorkerProcess | undefined;
afterEach(async () => {
  worker?.kill();
  await worker?.gone;
});

function doubles(rows: number): ColumnarBatch {
  return {
    rowCount: rows,
    columns: [
      { name: "x", sqlType: "DOUBLE", data: { kind: "number", values: new Float64Array(rows), valid: null } },
    ],
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 20_000) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("WorkerProcess bulk channel", () => {
  it("counts what a worker has not read, and a worker reads results of jobs it does not run", async () => {
    const exits: WorkerExit[] = [];
    worker = new WorkerProcess(
      () => {},
      (exit) => exits.push(exit),
    );
    await worker.ready;
    const pid = worker.pid!;
    // A stopped worker reads nothing: beyond the kernel's socket buffer, its results wait here.
    process.kill(pid, "SIGSTOP");
    worker.sendQueryResult("no-such-job", 0, doubles(2_000_000));
    worker.sendQueryResult("no-such-job", 1, doubles(0));
    worker.sendQueryResult("no-such-job", 2, doubles(1_000));
    expect(worker.bulkBacklog).toBeGreaterThan(8_000_000);
    process.kill(pid, "SIGCONT");
    // Running again, it takes every payload in turn, though no job of its own asked for them.
    await until(() => worker!.bulkBacklog === 0);
    expect(worker.alive).toBe(true);
    expect(exits).toEqual([]);
  });

  it("survives its worker dying with results still queued: the writes fail quietly and the exit is reported", async () => {
    const exits: WorkerExit[] = [];
    worker = new WorkerProcess(
      () => {},
      (exit) => exits.push(exit),
    );
    await worker.ready;
    process.kill(worker.pid!, "SIGSTOP");
    worker.sendQueryResult("no-such-job", 0, doubles(4_000_000));
    worker.kill();
    await worker.gone;
    expect(exits).toMatchObject([{ signal: "SIGKILL" }]);
    // Nothing more is sent to a dead worker.
    worker.sendQueryResult("no-such-job", 1, doubles(10));
  });
});
