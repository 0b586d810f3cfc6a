import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/** The console: built into console/dist, which the gateway serves at `/` (same origin as the API). */
export default defineConfig({
  root,
  base: "/",
  // Vite transforms TSX itself; React 19's automatic runtime needs no plugin.
  oxc: { jsx: { runtime: "automatic" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The gateway's CSP allows scripts from 'self' only: nothing may be inlined as a data: URL.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: { proxy: { "/v1": "http://127.0.0.1:8080" } },
  preview: { proxy: { "/v1": "http://127.0.0.1:8080" } },
});
