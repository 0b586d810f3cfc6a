#!/usr/bin/env node
// The `aos` CLI is TypeScript: tsx compiles it on the fly, from wherever the command is run.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
