/**
 * Entry of a sandbox worker child process. It holds no data access: no DuckDB, no data files, no
 * environment. It runs one job at a time in a fresh isolate and gets query results only from its
 * parent, over the message channel (fd 3, framed messages both ways) and the bulk channel (fd 0).
 * Started by `SandboxPool` with `--no-node-snapshot` (isolated-vm needs it).
 */
import { Socket } from "node:net";
import { log } from "../telemetry/log.ts";
import { decodeBatch, payloadLengths } from "./batch-wire.ts";
import { BulkReader } from "./bulk-reader.ts";
import {
  decodeFrame,
  FrameReader,
  MAX_FRAME_BYTES,
  MESSAGE_CHANNEL_FD,
  writeFrame,
} from "./frame-channel.ts";
import { IsolateJob, type QueryAnswer } from "./isolate-job.ts";
import { SandboxLimits } from "./limits.ts";
import { IsolateReserve } from "./prepared-isolate.ts";
import { JobSpec, type ParentMessage, type WorkerMessage } from "./protocol.ts";
import { prepareScript } from "./script-source.ts";

const BULK_CHANNEL_FD = 0;

const parent = new Socket({ fd: MESSAGE_CHANNEL_FD });
/** The parent is trusted: its messages are as large as a frame can be. */
const fromParent = new FrameReader(MAX_FRAME_BYTES);

let current: IsolateJob | undefined;
const bulk = new BulkReader(BULK_CHANNEL_FD);
const isolates = new IsolateReserve(onCatastrophe);
/** Query results reach jobs in the order the parent sent them, payload or not. */
let inbox: Promise<unknown> = Promise.resolve();

/** Queued on the socket in order; the parent reads as fast as it can, so a large answer drains. */
function send(message: WorkerMessage): void {
  if (parent.writable) writeFrame(parent, message);
}

/**
 * This process cannot be trusted to continue. The line on stderr (written synchronously) lets the
 * parent classify the death; SIGKILL because a normal exit can hang waiting on a broken isolate's thread.
 */
function die(note: string): void {
  log.error("sandbox worker stops", { reason: note });
  process.kill(process.pid, "SIGKILL");
}

/** V8 lost control of an isolate (typically a heap exhausted beyond what isolated-vm could stop). */
function onCatastrophe(message: string): void {
  die(`catastrophic isolate error (${/memory/i.test(message) ? "out-of-memory" : "fatal"})`);
}

/** A result's batch, rebuilt from its payload; read now, whichever job is current, to keep in step. */
function readBatch(message: Extract<ParentMessage, { t: "queryResult"; ok: true }>): Promise<QueryAnswer> {
  try {
    const wire = message.batch;
    return bulk
      .read(payloadLengths(wire))
      .then((buffers) => ({ ...message, batch: decodeBatch(wire, buffers) }));
  } catch (error) {
    return Promise.reject(error);
  }
}

function receiveQueryResult(message: Extract<ParentMessage, { t: "queryResult" }>): void {
  const answer = message.ok ? readBatch(message) : Promise.resolve(message);
  // Its failure is handled in turn below; until then it must not count as unhandled.
  answer.catch(() => {});
  inbox = inbox
    .then(() => answer)
    .then((ready) => {
      if (current?.jobId === ready.jobId) current.acceptQueryResult(ready);
    })
    // The channel closed or fell out of step with the messages: no later payload can be trusted to match.
    .catch(() => die("bulk channel failed"));
}

function receive(raw: ParentMessage): void {
  if (raw.t === "run") {
    if (current) return;
    const spec = JobSpec.parse(raw.job);
    const job = new IsolateJob(spec, send, isolates);
    current = job;
    void job.run().then((done) => {
      current = undefined;
      send(done);
      job.dispose();
      // The next job most likely runs under the same license, so with the same heap limit.
      isolates.prepare(spec.limits.heapMb);
    });
  } else if (raw.t === "queryResult") {
    receiveQueryResult(raw);
  }
}

parent.on("data", (chunk: Buffer) => {
  let messages: ParentMessage[];
  try {
    messages = fromParent.push(chunk).map((frame) => decodeFrame(frame) as ParentMessage);
  } catch {
    die("message channel out of step");
    return;
  }
  for (const message of messages) receive(message);
});
// The parent is gone: nobody can receive results, so there is nothing left to do. (An error is
// followed by "close".) SIGKILL, not exit: an exit waits for the isolate's thread, where a script
// may spin on forever, its limits being checked by timers that no longer run.
parent.on("error", () => {});
parent.on("close", () => process.kill(process.pid, "SIGKILL"));

// Warm up what the first job would otherwise pay for: the TypeScript parser and its isolate.
prepareScript("const warm: number = 1;", "typescript", 1024);
isolates.prepare(SandboxLimits.parse({}).heapMb);
send({ t: "ready" });
