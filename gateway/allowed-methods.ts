import type { Hono } from "hono";
import { TrieRouter } from "hono/router/trie-router";

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;

/**
 * The methods each registered path answers, for a 405's `Allow` header. Built from the app's routes
 * once they are all registered; middleware (method ALL) and catch-alls (`*`) name no path.
 *
 * @example
 * const allowed = allowedMethods(app);
 * allowed("/v1/jobs/job_1"); // ["GET", "HEAD"]
 */
export function allowedMethods(app: Pick<Hono, "routes">): (path: string) => string[] {
  let router: TrieRouter<true> | undefined;
  return function methodsOf(path) {
    if (!router) {
      router = new TrieRouter<true>();
      for (const route of app.routes) {
        if (route.method === "ALL" || route.path.includes("*")) continue;
        router.add(route.method, route.path, true);
        if (route.method === "GET") router.add("HEAD", route.path, true);
      }
    }
    const known = router;
    return METHODS.filter((method) => (known.match(method, path)[0]?.length ?? 0) > 0);
  };
}
