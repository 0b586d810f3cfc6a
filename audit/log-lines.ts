import { createReadStream } from "node:fs";

/** One line of a log file, located by byte offset. */
export interface LogLine {
  /** The line's text without its "\n". */
  readonly text: string;
  /** Byte offset of the line's first byte. */
  readonly offset: number;
  /** Bytes the line occupies, including its "\n" when it has one. */
  readonly bytes: number;
  /** False for a last line that has no "\n": an append that did not finish. */
  readonly complete: boolean;
}

/**
 * Streams the lines of a log file with their byte offsets, from `start` (a line's first byte;
 * default 0) up to `end` (exclusive; the ledger passes its committed size, so a reader never sees
 * a half-written batch). Splitting is done on bytes, not characters, so offsets stay exact for any
 * UTF-8 text.
 */
export async function* readLogLines(file: string, end?: number, start = 0): AsyncGenerator<LogLine> {
  if (end !== undefined && end <= start) return;
  const stream = createReadStream(file, { start, ...(end === undefined ? {} : { end: end - 1 }) });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let offset = start;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, newline);
      const line = pendingBytes === 0 ? piece : Buffer.concat([...pending, piece]);
      yield { text: line.toString("utf8"), offset, bytes: line.length + 1, complete: true };
      offset += line.length + 1;
      pending = [];
      pendingBytes = 0;
      start = newline + 1;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
    }
  }
  if (pendingBytes > 0) {
    yield { text: Buffer.concat(pending).toString("utf8"), offset, bytes: pendingBytes, complete: false };
  }
}
