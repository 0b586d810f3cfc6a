import type { ScriptLanguage } from "./protocol.ts";
import { positionAt } from "./script-source.ts";

/** Where and why a script fails to parse, in the parser's words (which name tokens, never values). */
export interface ScriptSyntaxProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

type TypeScript = typeof import("typescript");
let typescript: Promise<TypeScript> | undefined;

/**
 * Parses a script without running it, as the declared language and then as the other one (the
 * sandbox strips TypeScript types either way): a problem only when it parses as neither, so a
 * Python or R script is refused when submitted rather than failing later with a SyntaxError. The
 * TypeScript parser is loaded on the first call; nothing is compiled or evaluated.
 *
 * @example
 * await scriptSyntaxProblem("import pandas as pd", "javascript"); // { line: 1, column: 15, message: "'from' expected." }
 */
export async function scriptSyntaxProblem(
  source: string,
  language: ScriptLanguage,
): Promise<ScriptSyntaxProblem | undefined> {
  typescript ??= import("typescript").then(
    (module) => (module as { default?: TypeScript }).default ?? module,
  );
  const ts = await typescript;
  const kinds =
    language === "typescript" ? [ts.ScriptKind.TS, ts.ScriptKind.JS] : [ts.ScriptKind.JS, ts.ScriptKind.TS];
  let first: ScriptSyntaxProblem | undefined;
  for (const kind of kinds) {
    const file = ts.createSourceFile(
      kind === ts.ScriptKind.TS ? "script.ts" : "script.js",
      source,
      ts.ScriptTarget.Latest,
      false,
      kind,
    );
    // The parser's own diagnostics; the public API exposes them only through a whole program.
    const diagnostic = (file as unknown as { parseDiagnostics: readonly import("typescript").Diagnostic[] })
      .parseDiagnostics[0];
    if (!diagnostic) return undefined;
    first ??= {
      ...positionAt(source, diagnostic.start ?? 0),
      message: ts.flattenDiagnosticMessageText(diagnostic.messageText, " "),
    };
  }
  return first;
}
