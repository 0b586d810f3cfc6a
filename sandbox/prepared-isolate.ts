import ivm from "isolated-vm";
import { ISOLATE_BOOTSTRAP } from "./isolate-bootstrap.ts";
import { MAX_LOG_ENTRY_CHARS } from "./limits.ts";

/**
 * The bootstrap as a function expression: its arguments (the host callbacks) live only in its
 * scope, as with `evalClosure`, and the script compiles once into V8's code cache.
 */
const BOOTSTRAP_FUNCTION = `(function bootstrap($0, $1, $2, $3) {\n${ISOLATE_BOOTSTRAP}\n})`;
const BOOTSTRAP_FILENAME = "sandbox:bootstrap";
/** Made by a worker's first isolate; later ones skip parsing the bootstrap (most of its cost). */
let bootstrapCache: ivm.ExternalCopy<ArrayBuffer> | undefined;

interface CachedDataOutcome {
  cachedData?: ivm.ExternalCopy<ArrayBuffer>;
  cachedDataRejected?: boolean;
}

async function runBootstrap(
  isolate: ivm.Isolate,
  context: ivm.Context,
  args: [ivm.Callback, ivm.Callback, ivm.Callback, number],
): Promise<ivm.Reference> {
  const cachedData = bootstrapCache;
  // isolated-vm sets the cache fields on the script; its typings leave them out.
  const script: ivm.Script & CachedDataOutcome = await isolate.compileScript(
    BOOTSTRAP_FUNCTION,
    cachedData
      ? { filename: BOOTSTRAP_FILENAME, cachedData }
      : { filename: BOOTSTRAP_FILENAME, produceCachedData: true },
  );
  if (!cachedData) bootstrapCache = script.cachedData;
  else if (script.cachedDataRejected) bootstrapCache = undefined;
  const bootstrap: ivm.Reference = await script.run(context, { reference: true });
  script.release();
  try {
    return await bootstrap.apply(undefined, args, { result: { reference: true } });
  } finally {
    bootstrap.release();
  }
}

/** Where the bootstrap's host callbacks lead: the one job an isolate serves. */
export interface IsolateHost {
  query(qid: unknown, sql: unknown, params: unknown, shape: unknown): string;
  log(text: unknown): void;
  progress(fraction: unknown, message: unknown): string;
}

/**
 * A fresh isolate whose context the bootstrap has already hardened, made before the job it will
 * serve is known: creating an isolate and a context is most of a small job's latency. Until `bind`
 * it is job-agnostic (no script ran in it, its callbacks lead nowhere), and it serves one job only.
 */
export class PreparedIsolate {
  private constructor(
    readonly heapMb: number,
    readonly isolate: ivm.Isolate,
    readonly context: ivm.Context,
    /** The bootstrap's `deliver(qid, ok, payload)`. */
    readonly deliver: ivm.Reference,
    /** The bootstrap's `run(namespace, limits, filename)`. */
    readonly run: ivm.Reference,
    private readonly route: { host?: IsolateHost },
  ) {}

  static async create(heapMb: number, onCatastrophe: (message: string) => void): Promise<PreparedIsolate> {
    const isolate = new ivm.Isolate({ memoryLimit: heapMb, onCatastrophicError: onCatastrophe });
    try {
      const context = await isolate.createContext();
      const route: { host?: IsolateHost } = {};
      const notReady = "the job is not ready";
      const bridge = await runBootstrap(isolate, context, [
        new ivm.Callback(
          (qid: unknown, sql: unknown, params: unknown, shape: unknown) =>
            route.host ? route.host.query(qid, sql, params, shape) : notReady,
          { sync: true },
        ),
        new ivm.Callback((text: unknown) => route.host?.log(text), { sync: true }),
        new ivm.Callback(
          (fraction: unknown, message: unknown) =>
            route.host ? route.host.progress(fraction, message) : notReady,
          { sync: true },
        ),
        MAX_LOG_ENTRY_CHARS,
      ]);
      const deliver = await bridge.get(0, { reference: true });
      const run = await bridge.get(1, { reference: true });
      bridge.release();
      return new PreparedIsolate(heapMb, isolate, context, deliver, run, route);
    } catch (error) {
      if (!isolate.isDisposed) isolate.dispose();
      throw error;
    }
  }

  /** Hands the isolate to its job: from now on the callbacks reach `host`, and no other. */
  bind(host: IsolateHost): void {
    if (this.route.host) throw new Error("a prepared isolate serves one job");
    this.route.host = host;
  }

  dispose(): void {
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}

/**
 * The worker's next isolate, prepared while it is idle so that a job finds it ready. Each prepared
 * isolate is handed out once; one whose heap limit does not fit the job is thrown away.
 */
export class IsolateReserve {
  private next: { heapMb: number; prepared: Promise<PreparedIsolate> } | undefined;

  constructor(private readonly onCatastrophe: (message: string) => void) {}

  /** Starts preparing an isolate with this heap limit, unless one is already on its way. */
  prepare(heapMb: number): void {
    if (this.next?.heapMb === heapMb) return;
    discard(this.next);
    const prepared = PreparedIsolate.create(heapMb, this.onCatastrophe);
    // A failed preparation costs nothing: `take` then creates the isolate itself.
    prepared.catch(() => {});
    this.next = { heapMb, prepared };
  }

  /** A never-used isolate with this heap limit: the prepared one if it fits, else a new one. */
  async take(heapMb: number): Promise<PreparedIsolate> {
    const next = this.next;
    this.next = undefined;
    if (next?.heapMb === heapMb) {
      try {
        return await next.prepared;
      } catch {
        // Preparing failed ahead of time (see \`prepare\`): the isolate is created now instead.
      }
    } else {
      discard(next);
    }
    return PreparedIsolate.create(heapMb, this.onCatastrophe);
  }
}

function discard(entry: { prepared: Promise<PreparedIsolate> } | undefined): void {
  entry?.prepared.then(
    (prepared) => prepared.dispose(),
    () => {},
  );
}
