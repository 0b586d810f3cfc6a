import { generateDemoDatasets } from "./generate.ts";
import { DEMO_MANIFESTS } from "./manifests/index.ts";

/**
 * The demo domain of the fictional Hohhot data bureau as provisioning takes it (`DemoDomain` of
 * control/provisioning.ts): the start-up and the tests pass it in, so the control plane never
 * imports the generator.
 *
 * @example
 * await provisionDataFolder({ dir: "data", seedScale: 0.1, demo: demoDomain });
 */
export const demoDomain = { manifests: DEMO_MANIFESTS, generate: generateDemoDatasets } as const;
