import { readv, readvSync } from "node:fs";

/** Most bytes read in one synchronous stretch (tens of milliseconds) before the event loop gets a turn. */
const SYNC_SLICE_BYTES = 16 * 1024 * 1024;

/**
 * The worker's end of the bulk channel, a socket the parent only writes to: it reads the payload
 * of each query result, in the order the results' messages arrived, straight into fresh buffers of
 * exactly the announced sizes. Those buffers are then transferred into the isolate, so in this
 * process the bytes are copied once, by the kernel.
 *
 * The descriptor is blocking: a payload's first bytes are awaited on libuv's thread pool, the rest
 * is read synchronously in slices (see `takeFlowing`).
 */
export class BulkReader {
  private tail: Promise<unknown> = Promise.resolve();
  private broken: Error | undefined;

  constructor(private readonly fd: number) {}

  /**
   * The next payload: one buffer per length, filled completely. Calls are served in order, and a
   * failure (the parent closed the channel) fails every later call too: the stream is out of step.
   */
  read(lengths: readonly number[]): Promise<ArrayBuffer[]> {
    const payload = this.tail.then(() => this.fill(lengths));
    this.tail = payload.catch((error: unknown) => {
      this.broken ??= error instanceof Error ? error : new Error(String(error));
    });
    return payload;
  }

  private fill(lengths: readonly number[]): Promise<ArrayBuffer[]> {
    if (this.broken) return Promise.reject(this.broken);
    const buffers = lengths.map(ownedUninitialized);
    let pending = buffers.filter((buffer) => buffer.byteLength > 0);
    const arrays = buffers.map((buffer) => buffer.buffer as ArrayBuffer);
    return new Promise((resolve, reject) => {
      const next = (): void => {
        if (pending.length === 0) {
          resolve(arrays);
          return;
        }
        // The first bytes are awaited on the thread pool, so the event loop is free while the
        // parent is still answering. One call may fill several small buffers.
        readv(this.fd, pending, null, (error, bytesRead) => {
          try {
            if (error) throw error;
            if (bytesRead === 0) throw closed();
            pending = this.takeFlowing(advance(pending, bytesRead));
          } catch (failure) {
            reject(failure);
            return;
          }
          next();
        });
      };
      next();
    });
  }

  /**
   * Once bytes flow, the rest of the payload follows as fast as the parent can write it (it writes
   * a payload in one go): reading on here, synchronously, spares a thread-pool round trip per
   * socket buffer (about half the CPU a transfer costs). A slice at a time, so the job's limit
   * checks still run during a large payload.
   */
  private takeFlowing(pending: Buffer[]): Buffer[] {
    let taken = 0;
    let rest = pending;
    while (rest.length > 0 && taken < SYNC_SLICE_BYTES) {
      const bytesRead = readvSync(this.fd, rest);
      if (bytesRead === 0) throw closed();
      taken += bytesRead;
      rest = advance(rest, bytesRead);
    }
    return rest;
  }
}

function closed(): Error {
  return new Error("the bulk channel closed in the middle of a payload");
}

/**
 * A buffer alone on its own ArrayBuffer, outside Node's shared pool (transferring a pooled buffer
 * would detach memory the process still uses). Uninitialized, to spare a zeroing pass: it is only
 * handed on once every byte has been read into it.
 */
function ownedUninitialized(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError("bad payload length");
  const buffer = Buffer.allocUnsafeSlow(length);
  if (buffer.byteOffset !== 0 || buffer.buffer.byteLength !== length) {
    throw new Error("a payload buffer shares its memory");
  }
  return buffer;
}

/** The buffers still to fill after `count` more bytes arrived. */
function advance(pending: Buffer[], count: number): Buffer[] {
  let left = count;
  let index = 0;
  while (index < pending.length && left >= pending[index]!.byteLength) left -= pending[index++]!.byteLength;
  const rest = pending.slice(index);
  if (left > 0) rest[0] = rest[0]!.subarray(left);
  return rest;
}
