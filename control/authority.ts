import { DomainError } from "../policies/errors.ts";
import type { Principal, Role } from "./identity.ts";

/** Who acts: the authenticated principal, as domain verbs receive it. */
export type Actor = Pick<Principal, "id" | "role" | "organization">;

/**
 * Refuses an actor whose role may not do `action`. Domain verbs call this themselves, so a role
 * holds however a verb is reached (HTTP, CLI, a test, a future console backend); the gateway's
 * route guards are a first line only.
 *
 * @example
 * requireActor(actor, ["bureau"], "approve an application");
 */
export function requireActor(actor: Actor, roles: readonly Role[], action: string): void {
  if (!roles.includes(actor.role)) {
    throw new DomainError(
      "FORBIDDEN",
      `only the ${roles.join(" or ")} role may ${action}; this key belongs to the ${actor.role} role`,
    );
  }
}
