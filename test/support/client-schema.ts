/**
 * The client's wire types, generated from the published contract: `npm run gen:client` writes
 * `client/schema.ts`; test/client/schema.test.ts fails while the committed file differs from what
 * the routes now declare.
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import { type ContractDocument, contractDocument } from "../../gateway/contract.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Where the generated types are committed. */
export const CLIENT_SCHEMA_FILE = join(ROOT, "client", "schema.ts");

const HEADER = `// Generated from the gateway's /openapi.json by \`npm run gen:client\` (openapi-typescript): do not edit.
// client/types.ts names the shapes the client uses; test/client/schema.test.ts keeps this file current.
`;

/** Formats TypeScript source as the repository's biome settings do, so the file lints clean. */
function biomeFormat(source: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      join(ROOT, "node_modules", ".bin", "biome"),
      ["format", `--stdin-file-path=${CLIENT_SCHEMA_FILE}`],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
    child.stdin?.end(source);
  });
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The document with each request body's schema written out in place of its `$ref`s. openapi-typescript
 * types a field that has a default as always present, which holds for answers (the server fills it)
 * but not for requests (the caller may leave it out); it makes the exception only for schemas
 * written inside a request body, not for components a request body refers to.
 */
function withInlineRequestBodies(document: ContractDocument): ContractDocument {
  const schemas = ((document.components as { schemas?: Record<string, Json> } | undefined)?.schemas ??
    {}) as Record<string, Json>;
  const inline = (node: Json, seen: readonly string[]): Json => {
    if (Array.isArray(node)) return node.map((item) => inline(item, seen));
    if (node === null || typeof node !== "object") return node;
    const ref =
      typeof node.$ref === "string" ? /^#\/components\/schemas\/(.+)$/.exec(node.$ref)?.[1] : undefined;
    // A schema that contains itself stays a reference.
    if (ref !== undefined && schemas[ref] !== undefined && !seen.includes(ref))
      return inline(schemas[ref], [...seen, ref]);
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, inline(value, seen)]));
  };
  const paths = Object.fromEntries(
    Object.entries(document.paths).map(([path, item]) => [
      path,
      Object.fromEntries(
        Object.entries(item).map(([method, operation]) => {
          const body = (operation as { requestBody?: Json }).requestBody;
          return [
            method,
            body === undefined ? operation : { ...(operation as object), requestBody: inline(body, []) },
          ];
        }),
      ),
    ]),
  );
  return { ...document, paths };
}

/** The source `client/schema.ts` should hold for the routes as they are now. */
export async function clientSchemaSource(): Promise<string> {
  const document = withInlineRequestBodies(await contractDocument());
  const ast = await openapiTS(document as unknown as Parameters<typeof openapiTS>[0], { silent: true });
  return biomeFormat(`${HEADER}\n${astToString(ast)}`);
}

/** The committed file's text. */
export function committedClientSchema(): Promise<string> {
  return readFile(CLIENT_SCHEMA_FILE, "utf8");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(CLIENT_SCHEMA_FILE, await clientSchemaSource());
  process.stdout.write(`wrote ${CLIENT_SCHEMA_FILE}\n`);
}
