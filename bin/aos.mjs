#!/usr/bin/env node
// The `aos` CLI is TypeScript: tsx compiles it on the fly, from wherever the command is run.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../cli/main.ts");
process.exitCode = await runCli(process.argv.slice(2), process.env);
