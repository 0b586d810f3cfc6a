import { generateKeyPairSync } from "node:crypto";
import { silentLogger } from "../telemetry/log.ts";
import { type GatewayServices, newApp } from "./app.ts";

/** The OpenAPI document's top level, as far as its readers here need it. */
export interface ContractDocument {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, unknown>>;
  readonly [field: string]: unknown;
}

/**
 * The published contract (`GET /openapi.json`) without a running gateway or any store: the app is
 * built with no services behind it, and the document is asked of it in process. The client's types are generated from this
 * (`npm run gen:client`), so they follow every route definition.
 *
 * @example
 * const doc = await contractDocument();
 * Object.keys(doc.paths); // ["/healthz", "/readyz", "/v1/session", …]
 */
export async function contractDocument(): Promise<ContractDocument> {
  // Routes read the public key when registering; a throwaway one keeps the document key-free.
  const publicKey = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" });
  // The stores, runner and limiters stay unset: registering a route only keeps references to
  // them, and this app answers nothing but its own document.
  const services = {
    domainPublicKeyPem: publicKey.toString(),
    logger: silentLogger,
    maxBodyBytes: 1,
    traceRequests: false,
  } as Partial<GatewayServices> as GatewayServices;
  const res = await newApp(services).request("/openapi.json");
  if (!res.ok) throw new Error(`the gateway answered ${res.status} for its own /openapi.json`);
  return (await res.json()) as ContractDocument;
}
