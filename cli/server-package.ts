import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { CliFailure, EXIT } from "./exit-codes.ts";

/**
 * The few commands that run the server's own code on this machine (`aos run --local`, `aos backup`,
 * `aos backup verify`, `aos restore`) need DuckDB, isolated-vm or SQLite, which are native addons.
 * The installed CLI (packages/aos-cli) carries none of them: its build turns each such lazy import
 * into an import of the server package by name, and this module loads it, or says what to install.
 */
export const SERVER_PACKAGE = "authorized-operation-sandbox";

/** Compiling the server package's TypeScript, once per process (the bundle itself is JavaScript). */
let typescriptLoader: Promise<void> | undefined;

/**
 * Loads what `command` needs from the server package, or fails with what to install.
 *
 * @example
 * const { runLocally } = await fromServerPackage("aos run --local", () => import("../../control/jobs/local-run.ts"));
 */
export async function fromServerPackage<T>(command: string, load: () => Promise<T>): Promise<T> {
  try {
    // From a checkout, tsx already compiles TypeScript; from the bundle, the server package's own tsx does.
    if (!import.meta.url.endsWith(".ts")) {
      typescriptLoader ??= registerServerTypeScript();
      await typescriptLoader;
    }
    return await load();
  } catch (error) {
    if (!isServerPackageMissing(error)) throw error;
    typescriptLoader = undefined;
    throw new CliFailure(
      [
        `${command} runs the server's code on this machine (DuckDB, isolated-vm, SQLite), which this CLI package does not carry.`,
        `Install the server package (${SERVER_PACKAGE}) beside it: in a checkout of the project run \`npm ci\`, then \`npm install /path/to/checkout\` in the folder this CLI is installed in;`,
        `or run the command from the checkout: \`npm run aos -- ${command.replace(/^aos /, "")} …\`.`,
        "Every other command needs only a gateway's URL.",
      ].join("\n"),
      EXIT.usage,
    );
  }
}

async function registerServerTypeScript(): Promise<void> {
  const serverRoot = dirname(createRequire(import.meta.url).resolve(`${SERVER_PACKAGE}/package.json`));
  await import(pathToFileURL(join(serverRoot, "bin/typescript.mjs")).href);
}

function isServerPackageMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (
    (code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND") &&
    String((error as Error).message).includes(`'${SERVER_PACKAGE}`)
  );
}
