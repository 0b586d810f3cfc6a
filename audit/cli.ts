/**
 * Offline verification for auditors: needs only the published public key and the files.
 *
 *   node --import tsx audit/cli.ts verify --log FILE --public-key PEM [--checkpoint JSON|FILE] [--json]
 *   node --import tsx audit/cli.ts receipt-verify --receipt FILE --public-key PEM [--output FILE [--name NAME]] [--json]
 *
 * Exit codes: 0 valid, 1 invalid, 2 usage error or unreadable input.
 */
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { verifyReceipt } from "./receipt.ts";
import { TrustedCheckpoint, verifyAuditLog } from "./verify.ts";

const USAGE = `usage:
  audit/cli.ts verify --log FILE --public-key PEM [--checkpoint JSON|FILE] [--json]
  audit/cli.ts receipt-verify --receipt FILE --public-key PEM [--output FILE [--name NAME]] [--json]
exit codes: 0 valid, 1 invalid, 2 usage error`;

class UsageError extends Error {}

/** Where the command writes: stdout and stderr when run, a capture in tests. */
export interface CliOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const PROCESS_OUTPUT: CliOutput = { out: (text) => console.log(text), err: (text) => console.error(text) };

/**
 * Runs the command and answers its exit code (0 valid, 1 invalid, 2 usage error).
 *
 * @example
 * process.exitCode = await runAuditCli(["verify", "--log", "audit.log", "--public-key", "domain-key.pub.pem"]);
 */
export async function runAuditCli(argv: string[], output: CliOutput = PROCESS_OUTPUT): Promise<number> {
  try {
    return await command(argv, output);
  } catch (error) {
    // parseArgs reports unknown or malformed flags with an ERR_PARSE_ARGS_* code.
    const usage =
      error instanceof UsageError ||
      String((error as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS");
    output.err(`${usage ? "" : "error: "}${(error as Error).message}\n${USAGE}`);
    return 2;
  }
}

async function command(argv: string[], output: CliOutput): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      log: { type: "string" },
      "public-key": { type: "string" },
      checkpoint: { type: "string" },
      receipt: { type: "string" },
      output: { type: "string" },
      name: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const publicKey = await readInput(required(values["public-key"], "--public-key"), "public key");
  const print = (result: object, human: string) => output.out(values.json ? JSON.stringify(result) : human);

  if (command === "verify") {
    const log = required(values.log, "--log");
    const trustedCheckpoint =
      values.checkpoint === undefined ? undefined : await readCheckpoint(values.checkpoint);
    const result = await verifyAuditLog(log, {
      publicKey,
      ...(trustedCheckpoint === undefined ? {} : { trustedCheckpoint }),
    });
    const { valid, entries, firstBad, lastCheckpoint, tornTail } = result;
    print(
      { valid, entries, firstBad, lastCheckpoint, tornTail },
      valid
        ? `valid: ${entries} entries${lastCheckpoint === undefined ? "" : `, last checkpoint at position ${lastCheckpoint.position}`}`
        : `INVALID at position ${firstBad?.position}: ${firstBad?.reason} (${entries} entries verified before it)`,
    );
    return valid ? 0 : 1;
  }
  if (command === "receipt-verify") {
    let receipt: unknown;
    try {
      receipt = JSON.parse(await readInput(required(values.receipt, "--receipt"), "receipt"));
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError("the receipt file is not JSON");
    }
    if (values.name !== undefined && values.output === undefined)
      throw new UsageError("--name needs --output");
    const content = values.output === undefined ? undefined : await readBytes(values.output);
    const result = verifyReceipt(
      receipt,
      publicKey,
      content === undefined
        ? undefined
        : { content, ...(values.name === undefined ? {} : { name: values.name }) },
    );
    const p = result.payload;
    const about =
      p === undefined
        ? ""
        : ` job ${p.job}, operator ${p.operator}, license ${p.license}, released ${p.releasedAt}, log position ${p.logPosition}`;
    print(
      result,
      result.valid
        ? `valid:${about}${result.output === undefined ? "" : `; output ${result.output} matches`}`
        : `INVALID: ${result.reason}`,
    );
    return result.valid ? 0 : 1;
  }
  throw new UsageError(command === undefined ? "no command" : `unknown command ${command}`);
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  return value;
}

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
}

async function readInput(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch {
    throw new UsageError(`cannot read the ${what} file ${file}`);
  }
}

/** A checkpoint given inline as JSON, or as a file holding it (e.g. a saved `lastCheckpoint`). */
async function readCheckpoint(value: string): Promise<TrustedCheckpoint> {
  const text = value.trimStart().startsWith("{") ? value : await readInput(value, "checkpoint");
  try {
    return TrustedCheckpoint.parse(JSON.parse(text));
  } catch {
    throw new UsageError("--checkpoint must be a checkpoint { position, hash[, time, signature] }");
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runAuditCli(process.argv.slice(2));
}
