import tsBlankSpace from "ts-blank-space";
import type { ScriptLanguage } from "./protocol.ts";
import type { SandboxFailure } from "./result.ts";

/** The operator's script, ready to compile: types stripped, positions unchanged. */
export interface PreparedScript {
  code: string;
  /** The module's name in stack traces; positions are read back from frames of this file. */
  filename: string;
}

/** 1-based line and column of a UTF-16 offset. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Checks the size and strips TypeScript types with ts-blank-space, which replaces types with
 * spaces so every line:column of the result is the same in the operator's source. TypeScript that
 * needs code generation (enums, namespaces, parameter properties) is refused, not transformed.
 */
export function prepareScript(
  source: string,
  language: ScriptLanguage,
  scriptBytes: number,
): { ok: true; script: PreparedScript } | { ok: false; failure: SandboxFailure } {
  const bytes = Buffer.byteLength(source, "utf8");
  if (bytes > scriptBytes) {
    return {
      ok: false,
      failure: {
        code: "LIMIT_EXCEEDED",
        class: "LimitExceeded",
        message: `the script is ${bytes} bytes; the limit is ${scriptBytes}`,
        source: "sandbox",
      },
    };
  }
  if (language === "javascript") return { ok: true, script: { code: source, filename: "file:///script.js" } };
  let unsupportedAt = -1;
  const code = tsBlankSpace(source, (node) => {
    // node.pos includes leading whitespace; the construct starts at the first non-space after it.
    if (unsupportedAt < 0)
      unsupportedAt = node.pos + (/^\s*/.exec(source.slice(node.pos, node.end))?.[0].length ?? 0);
  });
  if (unsupportedAt >= 0) {
    return {
      ok: false,
      failure: {
        code: "SCRIPT_ERROR",
        class: "SyntaxError",
        message:
          "TypeScript syntax that needs code generation (enum, namespace, parameter property) is not supported",
        source: "sandbox",
        ...positionAt(source, unsupportedAt),
      },
    };
  }
  return { ok: true, script: { code, filename: "file:///script.ts" } };
}

/** Where the first static import is, for the "no imports" error (the module knows that there is one, not where). */
export function firstImportPosition(code: string): { line: number; column: number } | undefined {
  const match = /(^|[;\s])(import\s*[\w*{"'])/m.exec(code);
  return match ? positionAt(code, match.index + match[1]!.length) : undefined;
}
