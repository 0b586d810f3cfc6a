#!/usr/bin/env node
// The `aos` CLI is TypeScript, compiled on the fly from wherever the command is run.
import "./typescript.mjs";

const { runCli } = await import("../cli/main.ts");
process.exitCode = await runCli(process.argv.slice(2), process.env);
