import { readFile } from "node:fs/promises";
import { type Command, flag, type Values } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { table } from "../terminal.ts";

/** The PEM certificate of `--certificate`, read here so the server gets the certificate itself. */
async function certificateOf(values: Values): Promise<string> {
  const path = flag(values, "certificate");
  if (!path) throw new UsageError("give --certificate FILE: the client certificate (PEM) to bind the key to");
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `--certificate ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
}

const bound = (clientKeySha256: string | null) =>
  clientKeySha256 ? `${clientKeySha256.slice(0, 16)}…` : "-";

const keys: Command = {
  name: "keys",
  role: "any",
  summary: "Your own API keys by prefix, with the client certificate each is bound to",
  usage: "aos keys",
  options: {},
  async run(ctx) {
    const list = await (await ctx.client()).keys();
    if (ctx.json) ctx.printJson(list);
    else
      ctx.term.out(
        `${table([
          ["PREFIX", "CREATED", "REVOKED", "BOUND TO (SPKI SHA-256)"],
          ...list.map((k) => [k.prefix, k.createdAt, k.revokedAt ?? "-", bound(k.clientKeySha256)]),
        ])}\n`,
      );
    return EXIT.ok;
  },
};

const keyIssue: Command = {
  name: "keys issue",
  role: "bureau",
  summary: "Issue another key for a principal, optionally bound to a client certificate; prints it once",
  usage: "aos keys issue PRINCIPAL_ID [--certificate CLIENT.pem]",
  options: { certificate: { type: "string" } },
  async run(ctx, values, [principal]) {
    if (!principal) throw new UsageError("name the principal (`aos operators` lists operators)");
    const certificate = flag(values, "certificate") ? await certificateOf(values) : undefined;
    const issued = await (await ctx.client()).issueKey(
      principal,
      certificate ? { clientCertificate: certificate } : {},
    );
    if (ctx.json) ctx.printJson(issued);
    else {
      ctx.term.err(
        `issued key ${issued.prefix} for ${principal}${issued.clientKeySha256 ? ", bound to the certificate's key" : ""}; it is shown once:`,
      );
      ctx.term.out(`${issued.key}\n`);
    }
    return EXIT.ok;
  },
};

const keyBind: Command = {
  name: "keys bind",
  role: "any",
  summary:
    "Bind a key to a client certificate: from then on it works only where that certificate is presented",
  usage: "aos keys bind PREFIX --certificate CLIENT.pem",
  options: { certificate: { type: "string" } },
  async run(ctx, values, [prefix]) {
    if (!prefix) throw new UsageError("name the key by its prefix (`aos keys` lists yours)");
    const key = await (await ctx.client()).bindKey(prefix, await certificateOf(values));
    if (ctx.json) ctx.printJson(key);
    else
      ctx.term.err(
        `key ${key.prefix} is bound to the client certificate's key ${key.clientKeySha256}; present the certificate with it (AOS_CLIENT_CERT and AOS_CLIENT_KEY)`,
      );
    return EXIT.ok;
  },
};

const keyUnbind: Command = {
  name: "keys unbind",
  role: "bureau",
  summary: "Remove a key's client-certificate binding: any connection may present it again",
  usage: "aos keys unbind PREFIX",
  options: {},
  async run(ctx, _values, [prefix]) {
    if (!prefix) throw new UsageError("name the key by its prefix");
    const key = await (await ctx.client()).unbindKey(prefix);
    if (ctx.json) ctx.printJson(key);
    else ctx.term.err(`key ${key.prefix} is no longer bound to a client certificate`);
    return EXIT.ok;
  },
};

export const KEY_COMMANDS: readonly Command[] = [keys, keyIssue, keyBind, keyUnbind];
