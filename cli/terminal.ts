/**
 * Where the CLI writes: data on stdout, progress and diagnostics on stderr. Colour only on a
 * terminal and never with NO_COLOR; no spinners or redrawn lines when stderr is not a terminal.
 */
export interface Terminal {
  /** Writes data (stdout). */
  out(text: string | Uint8Array): void;
  /** Writes a line of progress or diagnostics (stderr). */
  err(line: string): void;
  /** Redraws one status line on a terminal; prints nothing elsewhere. */
  status(line: string): void;
  readonly stdoutIsTty: boolean;
  readonly color: boolean;
  readonly style: Style;
}

export interface Style {
  ok(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const plain: Style = { ok: (t) => t, bad: (t) => t, warn: (t) => t, dim: (t) => t, bold: (t) => t };
const sgr = (code: number) => (t: string) => `\u001b[${code}m${t}\u001b[0m`;
const ansi: Style = { ok: sgr(32), bad: sgr(31), warn: sgr(33), dim: sgr(2), bold: sgr(1) };

/** The process's terminal, honouring NO_COLOR and whether each stream is a TTY. */
export function processTerminal(env: Readonly<Record<string, string | undefined>>): Terminal {
  const errTty = process.stderr.isTTY === true;
  const color = errTty && !env.NO_COLOR && env.TERM !== "dumb";
  let statusShown = false;
  const clearStatus = () => {
    if (statusShown) process.stderr.write("\r\u001b[2K");
    statusShown = false;
  };
  return {
    out: (text) => {
      process.stdout.write(text);
    },
    err: (line) => {
      clearStatus();
      process.stderr.write(`${line}\n`);
    },
    status: (line) => {
      if (!errTty) return;
      process.stderr.write(`\r\u001b[2K${line.slice(0, (process.stderr.columns ?? 80) - 1)}`);
      statusShown = true;
    },
    stdoutIsTty: process.stdout.isTTY === true,
    color,
    style: color ? ansi : plain,
  };
}

/** Left-aligned columns for human-readable listings. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
