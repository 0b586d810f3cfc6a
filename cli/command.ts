import type { ParseArgsConfig } from "node:util";

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig["options"]>;

import { AosClient } from "../client/index.ts";
import { cliFetch } from "./client-certificate.ts";
import { type CliConfig, resolveConfig } from "./config.ts";
import type { Terminal } from "./terminal.ts";

export type Env = Readonly<Record<string, string | undefined>>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What every command gets: the terminal, the environment, `--json`, and the configured client. */
export interface CommandContext {
  readonly term: Terminal;
  readonly env: Env;
  readonly json: boolean;
  config(): Promise<CliConfig>;
  client(): Promise<AosClient>;
  /** Prints a value as JSON on stdout (for `--json`). */
  printJson(value: unknown): void;
}

/** One CLI command: its words (`licenses grant`), flags, and what it does. Answers the exit code. */
export interface Command {
  readonly name: string;
  readonly role: "operator" | "bureau" | "auditor" | "holder" | "any";
  readonly summary: string;
  readonly usage: string;
  readonly options: ParseArgsOptionsConfig;
  run(ctx: CommandContext, values: Values, positionals: string[]): Promise<number>;
}

/** The flags every command accepts. */
export const GLOBAL_OPTIONS: ParseArgsOptionsConfig = {
  url: { type: "string" },
  key: { type: "string" },
  config: { type: "string" },
  profile: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
};

/** Builds the context from the global flags. */
export function commandContext(term: Terminal, env: Env, values: Values): CommandContext {
  let config: Promise<CliConfig> | undefined;
  const str = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  const getConfig = () => {
    config ??= resolveConfig(
      {
        url: str("url"),
        key: str("key"),
        config: str("config"),
        license: str("license"),
        profile: str("profile"),
      },
      env,
    );
    return config;
  };
  return {
    term,
    env,
    json: values.json === true,
    config: getConfig,
    async client() {
      const { url, key } = await getConfig();
      const fetch = await cliFetch(env);
      return new AosClient({ url, ...(key ? { key } : {}), ...(fetch ? { fetch } : {}) });
    },
    printJson(value) {
      term.out(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}

/** A string flag's value, or undefined. */
export function flag(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

/** Edit distance between two words (insertions, deletions, substitutions), for did-you-mean. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidate closest to a mistyped word, when it is close enough to be what was meant (a third
 * of its letters, at least two, may differ).
 *
 * @example
 * nearest("sumbit", ["submit", "status"]); // "submit"
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(word.length / 3)) ? best.candidate : undefined;
}
