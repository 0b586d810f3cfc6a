import { readv } from "node:fs";

/**
 * The worker's end of the bulk channel, a socket the parent only writes to: it reads the payload
 * of each query result, in the order the results' messages arrived, straight into fresh buffers of
 * exactly the announced sizes. Those buffers are then transferred into the isolate, so in this
 * process the bytes are copied once, by the kernel.
 *
 * Reads run on libuv's thread pool (the descriptor is blocking), so the event loop stays free for
 * the job's limit checks while a large payload arrives.
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
        // One call may fill several small buffers; a large one takes as many calls as the socket needs.
        readv(this.fd, pending, null, (error, bytesRead) => {
          if (error) reject(error);
          else if (bytesRead === 0) reject(new Error("the bulk channel closed in the middle of a payload"));
          else {
            pending = advance(pending, bytesRead);
            next();
          }
        });
      };
      next();
    });
  }
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
