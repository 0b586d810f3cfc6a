import { z } from "@hono/zod-openapi";

type Openapi = <T>(this: T, name: string) => T;

/**
 * A schema of the control or policy layer as a named component of the contract
 * (`#/components/schemas/<name>`), for use in route files. Those layers use plain zod, and their
 * schemas are built before the OpenAPI extension is loaded, so they lack `.openapi()`; this applies
 * it from the extended prototype. Like `.openapi(name)`, it answers a copy: the original is untouched.
 *
 * @example
 * const ProposalDoc = named(Proposal, "Proposal");
 */
export function named<T extends z.ZodType>(schema: T, name: string): T {
  const openapi = (z.ZodType.prototype as unknown as { openapi: Openapi }).openapi;
  return openapi.call(schema, name) as T;
}
