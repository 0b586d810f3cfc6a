#!/usr/bin/env node
// The installed `aos`: the same CLI as bin/aos.mjs runs from a checkout, bundled to plain JavaScript.
import { runCli } from "../../cli/main.ts";

process.exitCode = await runCli(process.argv.slice(2), process.env);
