import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError } from "./exit-codes.ts";

/** What the config file may hold (`~/.config/aos/config.json` or `AOS_CONFIG`). */
export interface ConfigFile {
  readonly url?: string;
  readonly key?: string;
  /** The license `submit` and `run --local` use when no `--license` is given. */
  readonly license?: string;
}

const FIELDS = ["url", "key", "license"] as const;

/** Checks the file by hand: zod alone would add most of a second to every command's start. */
function parseConfigFile(value: unknown): ConfigFile {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
  for (const [name, field] of Object.entries(value)) {
    if (!(FIELDS as readonly string[]).includes(name) || typeof field !== "string" || field === "")
      throw new Error(`bad field ${name}`);
  }
  return value as ConfigFile;
}

/** The CLI's resolved connection settings. */
export interface CliConfig {
  readonly url: string;
  readonly key: string | undefined;
  readonly license: string | undefined;
  /** Where each setting came from, for `aos config`. */
  readonly sources: Readonly<
    Record<"url" | "key" | "license", "flag" | "env" | "file" | "default" | "unset">
  >;
}

export const DEFAULT_URL = "http://127.0.0.1:8080";

/** The config file's path: `AOS_CONFIG`, else `$XDG_CONFIG_HOME/aos/config.json`, else `~/.config/aos/config.json`. */
export function configPath(env: Readonly<Record<string, string | undefined>>): string {
  if (env.AOS_CONFIG) return env.AOS_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "aos", "config.json");
}

async function readConfigFile(path: string, explicit: boolean): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    // A missing default file just means "not configured"; a named one must exist.
    if (explicit) throw new UsageError(`cannot read the config file ${path}`);
    return {};
  }
  try {
    return parseConfigFile(JSON.parse(text));
  } catch {
    throw new UsageError(`the config file ${path} is not { "url", "key", "license" } JSON`);
  }
}

/**
 * Resolves settings with the precedence flags, then environment (`AOS_URL`, `AOS_KEY`,
 * `AOS_LICENSE`), then the config file.
 *
 * @example
 * const config = await resolveConfig({ url: values.url }, process.env);
 */
export async function resolveConfig(
  flags: {
    url?: string | undefined;
    key?: string | undefined;
    license?: string | undefined;
    config?: string | undefined;
  },
  env: Readonly<Record<string, string | undefined>>,
): Promise<CliConfig> {
  const path = flags.config ?? configPath(env);
  const file = await readConfigFile(path, flags.config !== undefined || env.AOS_CONFIG !== undefined);
  const pick = <T>(flag: T | undefined, fromEnv: T | undefined, fromFile: T | undefined) =>
    flag !== undefined
      ? { value: flag, source: "flag" as const }
      : fromEnv !== undefined && fromEnv !== ""
        ? { value: fromEnv, source: "env" as const }
        : fromFile !== undefined
          ? { value: fromFile, source: "file" as const }
          : { value: undefined, source: "unset" as const };
  const url = pick(flags.url, env.AOS_URL, file.url);
  const key = pick(flags.key, env.AOS_KEY, file.key);
  const license = pick(flags.license, env.AOS_LICENSE, file.license);
  return {
    url: url.value ?? DEFAULT_URL,
    key: key.value,
    license: license.value,
    sources: {
      url: url.value === undefined ? "default" : url.source,
      key: key.source,
      license: license.source,
    },
  };
}
