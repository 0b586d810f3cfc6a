// The import direction of the layers (README "Where things live"), checked by `npm run lint`:
//
//   cli, client (above the server; packages/aos-cli bundles them without the server's layers)
//   gateway                      HTTP edge; the start-up (gateway/server.ts) passes the demo domain in
//   control                      domain verbs
//   storage, sandbox, audit      siblings: none imports another
//   policies                     pure functions and schemas: imports nothing of ours
//   telemetry                    usable by every server layer, imports none
//
// seeds/ (the demo domain) is imported only by the start-up, the CLI, tests and benchmarks; the
// console is a browser app that imports only itself. Fix a violation by moving code, not by adding
// an exception here.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A cycle joins two modules into one layer: move the shared part down.",
      from: {},
      to: { circular: true },
    },
    {
      name: "policies-import-only-policies",
      severity: "error",
      comment: "policies/ is the bottom layer: pure functions and schemas, no I/O, no other layer.",
      from: { path: "^policies/" },
      to: { path: "^(?!policies/)[^/]+/", dependencyTypes: ["local"] },
    },
    {
      name: "telemetry-imports-no-layer",
      severity: "error",
      comment: "telemetry/ is used by every layer, so it may import none of them.",
      from: { path: "^telemetry/" },
      to: { path: "^(?!telemetry/)[^/]+/", dependencyTypes: ["local"] },
    },
    {
      name: "low-layers-stay-below-control",
      severity: "error",
      comment:
        "storage/, sandbox/ and audit/ sit below control/ and the gateway: domain verbs call them, never the reverse.",
      from: { path: "^(storage|sandbox|audit)/" },
      to: { path: "^(control|gateway|cli|client|seeds|console|bench|test|examples)/" },
    },
    {
      name: "low-layers-are-siblings",
      severity: "error",
      comment:
        "storage/, sandbox/ and audit/ do not import each other: a shape two of them share belongs in policies/.",
      from: { path: "^(storage|sandbox|audit)/" },
      to: { path: "^(storage|sandbox|audit)/", pathNot: "^$1/" },
    },
    {
      name: "control-below-gateway",
      severity: "error",
      comment: "control/ holds the domain verbs; only the gateway speaks HTTP (and Hono).",
      from: { path: "^control/" },
      to: { path: "^(gateway|cli|client|console|bench|test|examples)/" },
    },
    {
      name: "gateway-below-clients",
      severity: "error",
      comment: "The server never imports its clients.",
      from: { path: "^gateway/" },
      to: { path: "^(cli|client|console|bench|test|examples)/" },
    },
    {
      name: "seeds-only-from-start-up-cli-tests",
      severity: "error",
      comment:
        "The demo domain is passed in (control/provisioning.ts DemoDomain) by the start-up, the CLI, tests and benchmarks; the server's layers never import it.",
      from: {
        path: "^(gateway|control|storage|sandbox|audit|policies|telemetry|client)/",
        pathNot: "^gateway/server\\.ts$",
      },
      to: { path: "^seeds/" },
    },
    {
      name: "seeds-use-only-policies",
      severity: "error",
      comment: "The generator and manifests describe data; they depend on the manifest schema only.",
      from: { path: "^seeds/" },
      to: { path: "^(?!seeds/|policies/)[^/]+/", dependencyTypes: ["local"] },
    },
    {
      name: "client-imports-no-server-internals",
      severity: "error",
      comment:
        "The client is installed without the server: its wire types should come from the published contract (/openapi.json), not from the server's modules.",
      from: { path: "^client/" },
      to: { path: "^(?!client/)[^/]+/", dependencyTypes: ["local"] },
    },
    {
      name: "cli-installs-without-the-server",
      severity: "error",
      comment:
        "The CLI package (packages/aos-cli) carries no native addon: the CLI reaches the server's layers only by a lazy import through cli/server-package.ts, which its build turns into an import of the server package (types are erased, so a type-only import is fine).",
      from: { path: "^(cli|packages)/" },
      to: {
        path: "^(control|gateway|storage|sandbox|telemetry)/",
        dependencyTypesNot: ["dynamic-import", "type-only"],
      },
    },
    {
      name: "console-imports-only-console",
      severity: "error",
      comment: "The console is a browser app speaking the HTTP API; it shares no module with the server.",
      from: { path: "^console/" },
      to: { path: "^(?!console/)[^/]+/", dependencyTypes: ["local"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports count: a type from a higher layer is a dependency on it all the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js", ".mjs"] },
    exclude: { path: "(^|/)(node_modules|dist)/" },
  },
};
