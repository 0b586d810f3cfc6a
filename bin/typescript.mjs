// The project is TypeScript: tsx compiles it on the fly. Loaded by `aos` from a checkout, and by the
// installed CLI package before it runs the server's code (cli/server-package.ts).
import { register } from "tsx/esm/api";

register();
