import type { MiddlewareHandler } from "hono";
import { authenticate, type Principal, type Role } from "../control/identity.ts";
import type { ControlPlane } from "../storage/control-plane.ts";
import { problem } from "./problem.ts";

export type GatewayEnv = {
  Variables: {
    requestId: string;
    principal: Principal;
  };
};

/**
 * Admits only requests carrying an active API key of one of `roles`. Every /v1 route declares
 * its roles through this; there is no route without one.
 */
export function requireRole(
  store: Pick<ControlPlane, "query">,
  ...roles: readonly Role[]
): MiddlewareHandler<GatewayEnv> {
  return async function requireRoleMiddleware(c, next) {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const principal = match ? await authenticate(store, match[1]!) : null;
    if (!principal) {
      c.header("www-authenticate", 'Bearer realm="aos"');
      return problem(c, "UNAUTHENTICATED", "a valid API key is required in the Authorization header");
    }
    if (!roles.includes(principal.role)) {
      return problem(c, "FORBIDDEN", `this route is not open to the ${principal.role} role`);
    }
    c.set("principal", principal);
    await next();
  };
}
