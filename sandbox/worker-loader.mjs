/**
 * Module hooks that let a sandbox worker run from TypeScript source (tests, `npm run dev`): each
 * `.ts` module's types are blanked out in place by ts-blank-space, in the worker's own process.
 * tsx is not used here: it hands some files to esbuild's service, a process of its own, and a
 * contained worker may not start processes. Compiled workers (`npm run build`) run without it.
 *
 * Given to node as `--import` on the worker's command line; it registers itself as the hooks.
 */
import { readFile } from "node:fs/promises";
import { register } from "node:module";
import { isMainThread } from "node:worker_threads";

if (isMainThread) register(import.meta.url);

let typescript;

/** A `.ts` module is an ES module (the project's `"type": "module"`) once transpiled. */
export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return nextLoad(url, context);
  typescript ??= (await import("typescript")).default;
  const source = await readFile(new URL(url), "utf8");
  const { outputText } = typescript.transpileModule(source, {
    fileName: url,
    compilerOptions: {
      module: typescript.ModuleKind.ESNext,
      target: typescript.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      rewriteRelativeImportExtensions: false,
      inlineSourceMap: true,
    },
  });
  return { format: "module", source: outputText, shortCircuit: true };
}
