import type { Writable } from "node:stream";
import { deserialize, serialize } from "node:v8";

/**
 * Messages between the pool and a worker travel as frames on a socket of our own: a 4-byte
 * big-endian length, then the message serialized with `v8.serialize` (what Node's "advanced" IPC
 * used, so messages keep the same types).
 *
 * Not Node's IPC: its reader buffers a message of whatever length the sender announces before
 * anyone can look at it, and offers no cap, so a compromised worker could exhaust the gateway's
 * memory with one message. Here the reader refuses a frame whose declared length is over its cap
 * as soon as the 4 length bytes arrive, before holding any of the frame.
 */

/** The worker's descriptor of the message channel: the fourth entry of its stdio, where IPC would sit. */
export const MESSAGE_CHANNEL_FD = 3;
export const FRAME_HEADER_BYTES = 4;
/** The most a frame's 4-byte length can declare. */
export const MAX_FRAME_BYTES = 0xffff_ffff;

/** A frame over the reader's cap, an empty frame, or a payload that does not deserialize. */
export class FrameError extends Error {
  override readonly name = "FrameError";
}

/**
 * Writes one message as one frame. Header and payload are queued back to back in one synchronous
 * call, so frames never interleave; the stream holds what the socket cannot take yet (backpressure
 * is the writer's own memory, never the reader's), so a large message gets through in pieces.
 */
export function writeFrame(stream: Writable, message: unknown): void {
  const payload = serialize(message);
  if (payload.byteLength > MAX_FRAME_BYTES) throw new FrameError("a message is too large for one frame");
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(payload.byteLength, 0);
  stream.cork();
  stream.write(header);
  stream.write(payload);
  stream.uncork();
}

/** The message of a frame's payload. */
export function decodeFrame(payload: Buffer): unknown {
  try {
    return deserialize(payload);
  } catch {
    throw new FrameError("a frame does not hold a serialized message");
  }
}

/**
 * Cuts a byte stream into frame payloads. It holds at most the frame being read (at most
 * `maxFrameBytes`) plus the rest of the chunk that completed it; a frame declaring more than the cap
 * fails at its header. After a failure the stream is out of step, so every later call fails too.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Payload length of the frame being read, once its header has arrived. */
  private expected: number | undefined;
  private broken = false;

  /** @param maxFrameBytes largest payload accepted; may be changed between frames. */
  constructor(public maxFrameBytes: number) {}

  /** Bytes held for frames not yet complete. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Takes the next bytes of the stream; returns the payloads of the frames they complete, in order. */
  push(chunk: Buffer): Buffer[] {
    if (this.broken) throw new FrameError("the frame stream is out of step");
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    const payloads: Buffer[] = [];
    for (;;) {
      if (this.expected === undefined) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
        if (length === 0 || length > this.maxFrameBytes) {
          this.broken = true;
          this.chunks = [];
          this.buffered = 0;
          throw new FrameError(
            length === 0
              ? "an empty frame"
              : `a frame of ${length} bytes, over the cap of ${this.maxFrameBytes}`,
          );
        }
        this.expected = length;
      }
      if (this.buffered < this.expected) break;
      payloads.push(this.take(this.expected));
      this.expected = undefined;
    }
    return payloads;
  }

  /** The next `count` buffered bytes: a view when one chunk holds them, else one copy. */
  private take(count: number): Buffer {
    this.buffered -= count;
    const first = this.chunks[0]!;
    if (first.byteLength >= count) {
      if (first.byteLength === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      return first.subarray(0, count);
    }
    const taken = Buffer.allocUnsafe(count);
    let filled = 0;
    let used = 0;
    while (filled < count) {
      const chunk = this.chunks[used]!;
      const part = Math.min(chunk.byteLength, count - filled);
      chunk.copy(taken, filled, 0, part);
      filled += part;
      if (part === chunk.byteLength) used++;
      else this.chunks[used] = chunk.subarray(part);
    }
    this.chunks.splice(0, used);
    return taken;
  }
}
