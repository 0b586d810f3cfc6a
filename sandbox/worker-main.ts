/**
 * Entry of a sandbox worker child process. It holds no data access: no DuckDB, no data files, no
 * environment. It runs one job at a time in a fresh isolate and gets query results only from its
 * parent over IPC. Started by `SandboxPool` with `--no-node-snapshot` (isolated-vm needs it).
 */
import { writeSync } from "node:fs";
import ivm from "isolated-vm";
import { IsolateJob } from "./isolate-job.ts";
import { JobSpec, type ParentMessage, type WorkerMessage } from "./protocol.ts";
import { prepareScript } from "./script-source.ts";

let current: IsolateJob | undefined;

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

/**
 * V8 lost control of an isolate (typically a heap exhausted beyond what isolated-vm could stop):
 * this process cannot be trusted to continue. The note on stderr lets the parent classify the
 * death; SIGKILL because a normal exit can hang waiting on the broken isolate's thread.
 */
function onCatastrophe(message: string): void {
  const kind = /memory/i.test(message) ? "out-of-memory" : "fatal";
  writeSync(2, `sandbox-worker: catastrophic isolate error (${kind})\n`);
  process.kill(process.pid, "SIGKILL");
}

process.on("message", (raw: ParentMessage) => {
  if (raw.t === "run") {
    if (current) return;
    const job = new IsolateJob(JobSpec.parse(raw.job), send, onCatastrophe);
    current = job;
    void job.run().then((done) => {
      current = undefined;
      send(done);
    });
  } else if (raw.t === "queryResult" && current?.jobId === raw.jobId) {
    current.acceptQueryResult(raw);
  }
});
// The parent is gone: nobody can receive results, so there is nothing left to do.
process.on("disconnect", () => process.exit(0));

// Warm up what the first job would otherwise pay for: the TypeScript parser and a first isolate.
prepareScript("const warm: number = 1;", "typescript", 1024);
new ivm.Isolate({ memoryLimit: 8 }).dispose();
send({ t: "ready" });
