import { execFileSync } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile, type Plugin } from "esbuild";
import { SERVER_PACKAGE } from "../../cli/server-package.ts";

/**
 * `npm run build:cli`: the `aos` CLI and the typed client as plain JavaScript in
 * packages/aos-cli/dist, every pure dependency bundled in, so the package installs from its
 * tarball alone. The server's layers stay out: the CLI reaches them only by lazy imports, which
 * become imports of the server package (cli/server-package.ts); a static import of one, or any
 * native addon in the bundle, fails the build.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const OUT = join(ROOT, "packages/aos-cli/dist");

/** The server's layers: DuckDB, isolated-vm, SQLite and Hono live behind them. */
const SERVER_LAYER = /^(control|gateway|storage|sandbox|telemetry)\//;

const serverLayersStayOut: Plugin = {
  name: "server-layers-stay-out",
  setup(bundle) {
    bundle.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.pluginData === "resolved") return undefined;
      const resolved = await bundle.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: "resolved",
      });
      const path = relative(ROOT, resolved.path).split(sep).join("/");
      if (!SERVER_LAYER.test(path)) return resolved;
      if (args.kind === "dynamic-import") return { path: `${SERVER_PACKAGE}/${path}`, external: true };
      return {
        errors: [
          {
            text: `${relative(ROOT, args.importer)} imports ${path} statically: the CLI package carries no server layer. Move what the CLI needs to policies/ (or another pure module), or load it with fromServerPackage (cli/server-package.ts).`,
          },
        ],
      };
    });
  },
};

/** Every reason the bundle would need a native addon: a `.node` input, a package built by node-gyp, a dlopen. */
async function nativeCode(metafile: Metafile, outputs: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const packages = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    if (input.endsWith(".node")) found.push(`${input} is a native addon`);
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1]) packages.add(match[1]);
  }
  for (const folder of packages) {
    const manifest = JSON.parse(await readFile(join(ROOT, folder, "package.json"), "utf8")) as {
      gypfile?: boolean;
      binary?: unknown;
      name?: string;
    };
    const gyp = await readFile(join(ROOT, folder, "binding.gyp")).then(
      () => true,
      () => false,
    );
    if (gyp || manifest.gypfile || manifest.binary)
      found.push(`${manifest.name ?? folder} builds a native addon`);
  }
  for (const output of outputs) {
    const text = await readFile(output, "utf8");
    if (/require\(\s*["'`][^"'`]*\.node["'`]\s*\)/.test(text))
      found.push(`${relative(ROOT, output)} requires a .node file`);
    if (/process\.dlopen\s*\(/.test(text)) found.push(`${relative(ROOT, output)} calls process.dlopen`);
    for (const name of ["@duckdb/node-api", "isolated-vm", "better-sqlite3"])
      if (text.includes(`"${name}"`)) found.push(`${relative(ROOT, output)} imports ${name}`);
  }
  return found;
}

await rm(OUT, { recursive: true, force: true });
const result = await build({
  entryPoints: { aos: join(ROOT, "packages/aos-cli/aos.ts"), client: join(ROOT, "client/index.ts") },
  outdir: OUT,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  metafile: true,
  legalComments: "linked",
  // Bundled CommonJS dependencies call require(); an ES module has none of its own.
  banner: {
    js: 'import { createRequire as __aosCreateRequire } from "node:module";\nconst require = __aosCreateRequire(import.meta.url);',
  },
  plugins: [serverLayersStayOut],
  logLevel: "warning",
});
const outputs = Object.keys(result.metafile.outputs)
  .filter((o) => o.endsWith(".mjs"))
  .map((o) => join(ROOT, o));
const native = await nativeCode(result.metafile, outputs);
if (native.length > 0) {
  console.error(`the CLI package must carry no native code:\n  ${native.join("\n  ")}`);
  process.exit(1);
}
// The client's types, declared from its source (client/schema.ts is generated from the contract).
execFileSync(
  process.execPath,
  [
    join(dirname(fileURLToPath(import.meta.resolve("typescript"))), "tsc.js"),
    "--declaration",
    "--emitDeclarationOnly",
    "--allowImportingTsExtensions",
    "--module",
    "nodenext",
    "--target",
    "es2022",
    "--strict",
    "--skipLibCheck",
    "--types",
    "node",
    "--outDir",
    join(OUT, "client"),
    join(ROOT, "client/index.ts"),
  ],
  { stdio: "inherit" },
);
// tsc keeps the source's `.ts` specifiers in declarations; the package ships `.d.ts` beside no `.ts`.
for (const file of ["index.d.ts", "types.d.ts"]) {
  const path = join(OUT, "client", file);
  await writeFile(path, (await readFile(path, "utf8")).replace(/(["']\.\/[\w-]+)\.ts(["'])/g, "$1.js$2"));
}
console.error(`built ${relative(ROOT, OUT)}: ${outputs.map((o) => relative(OUT, o)).join(", ")}`);
