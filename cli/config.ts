import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { UsageError } from "./exit-codes.ts";

/** One set of connection settings: a gateway, the key to it, the license used by default. */
export interface ProfileSettings {
  readonly url?: string;
  readonly key?: string;
  /** The license `submit` and `run --local` use when no `--license` is given. */
  readonly license?: string;
}

/**
 * What the config file may hold (`$XDG_CONFIG_HOME/aos/config.json`, `~/.config/aos/config.json` or
 * `AOS_CONFIG`): named profiles that `aos login` writes, the one used when none is named, and
 * (as files written by hand before profiles) settings of its own at the top level.
 */
export interface ConfigFile extends ProfileSettings {
  /** The profile used when neither `--profile` nor `AOS_PROFILE` names one. */
  readonly profile?: string;
  readonly profiles?: Readonly<Record<string, ProfileSettings>>;
}

const SETTINGS = ["url", "key", "license"] as const;

/** A profile's name: what `--profile` and `AOS_PROFILE` take. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function parseSettings(value: unknown, where: string): ProfileSettings {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`${where} is not an object`);
  for (const [name, field] of Object.entries(value)) {
    if (!(SETTINGS as readonly string[]).includes(name) || typeof field !== "string" || field === "")
      throw new Error(`bad field ${name}`);
  }
  return value as ProfileSettings;
}

/** Checks the file by hand: zod alone would add most of a second to every command's start. */
function parseConfigFile(value: unknown): ConfigFile {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
  const { profile, profiles, ...own } = value as Record<string, unknown>;
  parseSettings(own, "the file");
  if (profile !== undefined && (typeof profile !== "string" || !PROFILE_NAME.test(profile)))
    throw new Error("bad profile");
  if (profiles !== undefined) {
    if (typeof profiles !== "object" || profiles === null || Array.isArray(profiles))
      throw new Error("bad profiles");
    for (const [name, settings] of Object.entries(profiles)) {
      if (!PROFILE_NAME.test(name)) throw new Error("bad profile name");
      parseSettings(settings, name);
    }
  }
  return value as ConfigFile;
}

/** The CLI's resolved connection settings. */
export interface CliConfig {
  readonly url: string;
  readonly key: string | undefined;
  readonly license: string | undefined;
  /** The profile the file's settings came from, if one was used. */
  readonly profile: string | undefined;
  /** Where each setting came from. */
  readonly sources: Readonly<
    Record<"url" | "key" | "license", "flag" | "env" | "file" | "profile" | "default" | "unset">
  >;
}

export const DEFAULT_URL = "http://127.0.0.1:8080";

/** The config file's path: `AOS_CONFIG`, else `$XDG_CONFIG_HOME/aos/config.json`, else `~/.config/aos/config.json`. */
export function configPath(env: Readonly<Record<string, string | undefined>>): string {
  if (env.AOS_CONFIG) return env.AOS_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "aos", "config.json");
}

/**
 * Reads the config file. A missing file is an empty one unless it was named (`--config`,
 * `AOS_CONFIG`). The file holds API keys: one that other users may read is refused, not used.
 */
export async function readConfigFile(path: string, explicit: boolean): Promise<ConfigFile> {
  let text: string;
  try {
    const file = await open(path, "r");
    try {
      const { mode } = await file.stat();
      if (process.platform !== "win32" && (mode & 0o077) !== 0)
        throw new UsageError(
          `the config file ${path} may hold API keys and other users can read it (mode ${(mode & 0o777).toString(8)}): run \`chmod 600 ${path}\``,
        );
      text = await file.readFile("utf8");
    } finally {
      await file.close();
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // A missing default file just means "not configured"; a named one must exist.
    if (explicit) throw new UsageError(`cannot read the config file ${path}`);
    return {};
  }
  try {
    return parseConfigFile(JSON.parse(text));
  } catch {
    throw new UsageError(
      `the config file ${path} is not the JSON \`aos login\` writes ({ "profile", "profiles": { NAME: { "url", "key", "license" } } }): fix it, or move it aside and log in again`,
    );
  }
}

/**
 * Writes the config file as only its owner may read it (0600, in a 0700 folder when the folder is
 * made here), replacing the old one at once so that no reader sees half a file.
 */
export async function writeConfigFile(path: string, config: ConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const file = await open(temporary, "wx", 0o600);
  try {
    await file.writeFile(`${JSON.stringify(config, null, 2)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The profile named by `--profile`, else `AOS_PROFILE`, else the file's default one. */
function chosenProfile(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  file: ConfigFile,
  path: string,
): { name: string; settings: ProfileSettings } | undefined {
  const named = flag ?? (env.AOS_PROFILE || undefined);
  const name = named ?? file.profile;
  if (name === undefined) return undefined;
  const settings = file.profiles?.[name];
  if (settings) return { name, settings };
  throw new UsageError(
    named === undefined
      ? `the config file ${path} names the profile ${name} as its default, but it has no such profile: \`aos login --profile ${name} --url URL\` creates it`
      : `no profile ${JSON.stringify(name.slice(0, 64))} in ${path}: \`aos profiles\` lists them, \`aos login --profile NAME --url URL\` adds one`,
  );
}

/**
 * Resolves settings with the precedence flags, then environment (`AOS_URL`, `AOS_KEY`,
 * `AOS_LICENSE`), then the chosen profile of the config file (`--profile`, `AOS_PROFILE`, or the
 * one `aos login` made the default), then the file's own top-level settings.
 *
 * @example
 * const config = await resolveConfig({ url: values.url, profile: values.profile }, process.env);
 */
export async function resolveConfig(
  flags: {
    url?: string | undefined;
    key?: string | undefined;
    license?: string | undefined;
    config?: string | undefined;
    profile?: string | undefined;
  },
  env: Readonly<Record<string, string | undefined>>,
): Promise<CliConfig> {
  const path = flags.config ?? configPath(env);
  const file = await readConfigFile(path, flags.config !== undefined || env.AOS_CONFIG !== undefined);
  const profile = chosenProfile(flags.profile, env, file, path);
  // A profile's settings stand alone: a key is never sent to another profile's (or the file's) URL.
  const fromFile: ProfileSettings = profile ? profile.settings : file;
  const fileSource = profile ? ("profile" as const) : ("file" as const);
  const pick = <T>(flag: T | undefined, fromEnv: T | undefined, stored: T | undefined) =>
    flag !== undefined
      ? { value: flag, source: "flag" as const }
      : fromEnv !== undefined && fromEnv !== ""
        ? { value: fromEnv, source: "env" as const }
        : stored !== undefined
          ? { value: stored, source: fileSource }
          : { value: undefined, source: "unset" as const };
  const url = pick(flags.url, env.AOS_URL, fromFile.url);
  const key = pick(flags.key, env.AOS_KEY, fromFile.key);
  const license = pick(flags.license, env.AOS_LICENSE, fromFile.license);
  return {
    url: url.value ?? DEFAULT_URL,
    key: key.value,
    license: license.value,
    profile: profile?.name,
    sources: {
      url: url.value === undefined ? "default" : url.source,
      key: key.source,
      license: license.source,
    },
  };
}
