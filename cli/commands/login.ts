import { readFile } from "node:fs/promises";
import { AosClient } from "../../client/index.ts";
import { type Command, type CommandContext, flag, type Values } from "../command.ts";
import {
  type ConfigFile,
  configPath,
  PROFILE_NAME,
  type ProfileSettings,
  readConfigFile,
  writeConfigFile,
} from "../config.ts";
import { CliFailure, EXIT, UsageError } from "../exit-codes.ts";
import { table } from "../terminal.ts";

/** An API key's shape: `aos_<12 hex prefix>_<secret>`; the prefix alone names it in listings. */
const API_KEY = /^aos_([0-9a-f]{12})_[A-Za-z0-9_-]+$/;

/** The config file this invocation reads and writes, and whether it was named explicitly. */
function configFileOf(ctx: CommandContext, values: Values): { path: string; explicit: boolean } {
  const named = flag(values, "config");
  return {
    path: named ?? configPath(ctx.env),
    explicit: named !== undefined || ctx.env.AOS_CONFIG !== undefined,
  };
}

/** The profile a command names (`--profile`, then `AOS_PROFILE`), checked. */
function namedProfile(ctx: CommandContext, values: Values): string | undefined {
  const name = flag(values, "profile") ?? (ctx.env.AOS_PROFILE || undefined);
  if (name !== undefined && !PROFILE_NAME.test(name))
    throw new UsageError(
      "a profile name is 1–64 letters, digits, dots, dashes or underscores, starting with a letter or digit",
    );
  return name;
}

/** Everything stdin holds (a pipe or a file), as text. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Asks on the terminal without echoing what is typed (the key stays off the screen and the scrollback). */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let typed = "";
    const finish = (error?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n" || char === "\u0004") return finish();
        if (char === "\u0003") return finish(new CliFailure("cancelled: nothing was saved", EXIT.usage));
        if (char === "\u007f" || char === "\b") typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    process.stderr.write(question);
    stdin.setEncoding("utf8");
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onData);
  });
}

/** The key to log in with: from `--key-file`, else piped on stdin, else typed at a hidden prompt. */
async function readKey(values: Values, url: string): Promise<string> {
  const file = flag(values, "key-file");
  let text: string;
  if (file !== undefined) {
    try {
      text = await readFile(file, "utf8");
    } catch {
      throw new UsageError(`cannot read the key file ${file}`);
    }
  } else if (process.stdin.isTTY) text = await promptHidden(`API key for ${url}: `);
  else text = await readStdin();
  const key = text.trim().split(/\r?\n/)[0]?.trim() ?? "";
  if (key === "")
    throw new UsageError(
      "no key was given: type it at the prompt, pipe it in (`aos login … < key.txt`), or name a file with --key-file",
    );
  // Never echoed: a mistyped key is still most of a secret.
  if (!API_KEY.test(key))
    throw new UsageError("that is not an API key: keys look like aos_<12 hex digits>_<secret>");
  return key;
}

/** A key as listings show it: its prefix only. */
function keyLabel(key: string | undefined): string {
  const prefix = key ? API_KEY.exec(key)?.[1] : undefined;
  return prefix ? `aos_${prefix}_…` : key ? "(set)" : "";
}

const login: Command = {
  name: "login",
  role: "any",
  summary:
    "Check an API key against a gateway and keep it in a named profile of the config file (the key is read from a prompt, stdin or --key-file, never from the command line)",
  usage:
    "aos login [--profile NAME] --url URL [--key-file FILE] [--license L]   (the key: typed at the prompt, or piped in)",
  options: { "key-file": { type: "string" }, license: { type: "string" } },
  async run(ctx, values) {
    if (flag(values, "key") !== undefined)
      throw new UsageError(
        "aos login takes no --key: a command's arguments are visible to every user of the machine (ps); type the key at the prompt, pipe it in, or use --key-file",
      );
    const { path } = configFileOf(ctx, values);
    // Logging in creates the file when it is missing, a named one too.
    const file = await readConfigFile(path, false);
    const name = namedProfile(ctx, values) ?? "default";
    const existing = file.profiles?.[name];
    const url = (flag(values, "url") ?? existing?.url ?? (ctx.env.AOS_URL || undefined))?.replace(/\/+$/, "");
    if (!url) throw new UsageError("give the gateway's address: --url URL");
    if (!/^https?:\/\//.test(url)) throw new UsageError("--url is an http:// or https:// address");
    const key = await readKey(values, url);
    // Checked before anything is written: a wrong key or address never replaces a working one.
    const caller = await new AosClient({ url, key }).whoami();
    const license = flag(values, "license") ?? existing?.license;
    const settings: ProfileSettings = { url, key, ...(license ? { license } : {}) };
    const updated: ConfigFile = { ...file, profile: name, profiles: { ...file.profiles, [name]: settings } };
    await writeConfigFile(path, updated);
    if (ctx.json) ctx.printJson({ profile: name, url, principal: caller, config: path });
    ctx.term.err(
      `logged in to ${url} as ${caller.id} (${caller.role}, ${caller.organization}); profile ${name} saved in ${path} and used by default (--profile or AOS_PROFILE picks another)`,
    );
    return EXIT.ok;
  },
};

const logout: Command = {
  name: "logout",
  role: "any",
  summary: "Remove a profile (the named one, or the default) and its key from the config file",
  usage: "aos logout [--profile NAME]",
  options: {},
  async run(ctx, values) {
    const { path, explicit } = configFileOf(ctx, values);
    const file = await readConfigFile(path, explicit);
    const name = namedProfile(ctx, values) ?? file.profile;
    if (name === undefined || !file.profiles?.[name])
      throw new UsageError(
        name === undefined
          ? "no profile to log out of: name one with --profile (`aos profiles` lists them)"
          : `no profile ${name} in ${path}: \`aos profiles\` lists them`,
      );
    const { [name]: removed, ...others } = file.profiles;
    const { profile: defaultProfile, profiles: _all, ...rest } = file;
    const updated: ConfigFile = {
      ...rest,
      ...(defaultProfile !== undefined && defaultProfile !== name ? { profile: defaultProfile } : {}),
      ...(Object.keys(others).length > 0 ? { profiles: others } : {}),
    };
    await writeConfigFile(path, updated);
    if (ctx.json) ctx.printJson({ removed: name, config: path });
    ctx.term.err(
      `removed profile ${name} from ${path}; its key ${keyLabel(removed?.key)} stays valid on the gateway until it is revoked (DELETE /v1/keys/{prefix})`,
    );
    return EXIT.ok;
  },
};

const profiles: Command = {
  name: "profiles",
  role: "any",
  summary: "The profiles of the config file: name, gateway, key prefix, license; * marks the default",
  usage: "aos profiles [--json]",
  options: {},
  async run(ctx, values) {
    const { path, explicit } = configFileOf(ctx, values);
    const file = await readConfigFile(path, explicit);
    const list = Object.entries(file.profiles ?? {}).map(([name, settings]) => ({
      name,
      default: name === file.profile,
      url: settings.url ?? null,
      key: keyLabel(settings.key) || null,
      license: settings.license ?? null,
    }));
    if (ctx.json) ctx.printJson({ config: path, profiles: list });
    else if (list.length === 0)
      ctx.term.err(`no profiles in ${path}: \`aos login --profile NAME --url URL\` adds one`);
    else
      ctx.term.out(
        `${table([
          ["", "PROFILE", "URL", "KEY", "LICENSE"],
          ...list.map((p) => [p.default ? "*" : "", p.name, p.url ?? "", p.key ?? "", p.license ?? ""]),
        ])}\n`,
      );
    return EXIT.ok;
  },
};

const whoami: Command = {
  name: "whoami",
  role: "any",
  summary: "Who the configured key belongs to (id, role, organization), and the gateway and profile used",
  usage: "aos whoami [--profile NAME] [--json]",
  options: {},
  async run(ctx) {
    const config = await ctx.config();
    const caller = await (await ctx.client()).whoami();
    if (ctx.json) ctx.printJson({ ...caller, url: config.url, profile: config.profile ?? null });
    else
      ctx.term.out(
        `${caller.id} (${caller.role}, ${caller.organization}) at ${config.url}${config.profile ? ` — profile ${config.profile}` : ""}\n`,
      );
    return EXIT.ok;
  },
};

export const LOGIN_COMMANDS: readonly Command[] = [login, logout, profiles, whoami];
