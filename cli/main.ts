import { parseArgs } from "node:util";
import { ApiError } from "../client/index.ts";
import { type Command, commandContext, type Env, GLOBAL_OPTIONS, nearest, type Values } from "./command.ts";
import { APPLICATION_COMMANDS } from "./commands/applications.ts";
import { AUDITOR_COMMANDS } from "./commands/auditor.ts";
import { BUREAU_COMMANDS } from "./commands/bureau.ts";
import { CREDIT_COMMANDS } from "./commands/credit.ts";
import { DATA_FOLDER_COMMANDS } from "./commands/data-folder.ts";
import { DATASET_COMMANDS } from "./commands/datasets.ts";
import { EXPLAIN_COMMANDS } from "./commands/explain.ts";
import { GOVERNANCE_COMMANDS } from "./commands/governance.ts";
import { KEY_COMMANDS } from "./commands/keys.ts";
import { LOGIN_COMMANDS } from "./commands/login.ts";
import { NOTIFICATION_COMMANDS } from "./commands/notifications.ts";
import { OPERATOR_COMMANDS } from "./commands/operator.ts";
import { PUBLIC_COMMANDS } from "./commands/public.ts";
import { QUALITY_COMMANDS } from "./commands/quality.ts";
import { REGISTRY_COMMANDS } from "./commands/registries.ts";
import { STATEMENT_COMMANDS } from "./commands/statements.ts";
import { CliFailure, EXIT, exitCodeOf, UsageError } from "./exit-codes.ts";
import { processTerminal, type Terminal } from "./terminal.ts";

/** Every command, by its words. */
export const COMMANDS: readonly Command[] = [
  ...OPERATOR_COMMANDS,
  ...EXPLAIN_COMMANDS,
  ...BUREAU_COMMANDS,
  ...KEY_COMMANDS,
  ...GOVERNANCE_COMMANDS,
  ...DATA_FOLDER_COMMANDS,
  ...AUDITOR_COMMANDS,
  ...NOTIFICATION_COMMANDS,
  ...APPLICATION_COMMANDS,
  ...CREDIT_COMMANDS,
  ...DATASET_COMMANDS,
  ...PUBLIC_COMMANDS,
  ...LOGIN_COMMANDS,
  ...STATEMENT_COMMANDS,
  ...QUALITY_COMMANDS,
  ...REGISTRY_COMMANDS,
];

function overview(): string {
  const section = (role: Command["role"], title: string) =>
    [
      `${title}:`,
      ...COMMANDS.filter((c) => c.role === role).map((c) => `  ${c.name.padEnd(20)} ${c.summary}`),
    ].join("\n");
  return [
    "aos — the authorized-operation sandbox from a terminal",
    "",
    "usage: aos COMMAND [ARGS] [--profile NAME] [--url URL] [--key KEY] [--config FILE] [--json]",
    "",
    section("any", "anyone"),
    section("operator", "operators"),
    section("bureau", "bureau"),
    section("auditor", "auditors"),
    section("holder", "holder departments"),
    "",
    "settings: flags, then AOS_URL / AOS_KEY / AOS_LICENSE, then the profile (--profile, AOS_PROFILE, or the one `aos login` saved last) in ~/.config/aos/config.json (or AOS_CONFIG); AOS_CLIENT_CERT / AOS_CLIENT_KEY present a client certificate (keys bound to one)",
    "exit codes: 0 ok, 1 job rejected/failed or verification failed, 2 usage, 3 auth, 4 not found, 5 server/network",
    "`aos COMMAND --help` shows a command's flags.",
  ].join("\n");
}

/** The command named by the first one or two words of argv, and the rest of argv. */
function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  const [first, second] = argv;
  const two = COMMANDS.find((c) => c.name === `${first} ${second}`);
  if (two) return { command: two, rest: argv.slice(2) };
  const one = COMMANDS.find((c) => c.name === first);
  return one ? { command: one, rest: argv.slice(1) } : undefined;
}

/**
 * Runs the CLI and answers its exit code.
 *
 * @example
 * process.exitCode = await runCli(["datasets", "population"], process.env);
 */
export async function runCli(
  argv: readonly string[],
  env: Env,
  term: Terminal = processTerminal(env),
): Promise<number> {
  if (argv.length === 0 || argv[0] === "help" || argv[0] === "--help" || argv[0] === "-h") {
    (argv.length === 0 ? term.err : (t: string) => term.out(`${t}\n`))(overview());
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    const names = COMMANDS.map((c) => c.name);
    const guess = nearest(argv.slice(0, 2).join(" "), names) ?? nearest(argv[0] ?? "", names);
    term.err(
      `unknown command: ${argv.slice(0, 2).join(" ")}${guess ? ` — did you mean \`aos ${guess}\`?` : ""}\n\n${overview()}`,
    );
    return EXIT.usage;
  }
  const { command, rest } = found;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    const flags = values as Values;
    if (flags.help === true) {
      term.out(`${command.summary}\nusage: ${command.usage}\n`);
      return EXIT.ok;
    }
    return await command.run(commandContext(term, env, flags), flags, positionals);
  } catch (error) {
    if (
      error instanceof UsageError ||
      String((error as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS")
    ) {
      term.err(`${(error as Error).message}${flagSuggestion(error, command)}\nusage: ${command.usage}`);
      return EXIT.usage;
    }
    if (error instanceof ApiError) {
      term.err(
        `error: ${error.code}: ${error.detail}${error.requestId ? ` (request ${error.requestId})` : ""}`,
      );
      return exitCodeOf(error);
    }
    if (error instanceof CliFailure) {
      term.err(`error: ${error.message}`);
      return error.exitCode;
    }
    term.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  }
}

/** For an unknown flag, the command's flag it most likely meant. */
function flagSuggestion(error: unknown, command: Command): string {
  if ((error as NodeJS.ErrnoException).code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION") return "";
  const typed = /'(--?[^'\s]+)'/
    .exec((error as Error).message)?.[1]
    ?.replace(/^-+/, "")
    .split("=")[0];
  const guess = typed ? nearest(typed, Object.keys({ ...GLOBAL_OPTIONS, ...command.options })) : undefined;
  return guess ? ` — did you mean --${guess}?` : "";
}
