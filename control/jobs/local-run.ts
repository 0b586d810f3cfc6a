import { License } from "../../policies/license.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { createLogger, installLogger } from "../../telemetry/log.ts";
import {
  DEFAULT_DUMMY_ROWS,
  type DummyRunEvent,
  type DummyRunOptions,
  type DummyRunResult,
  runOnDummyData,
} from "./explain.ts";

/**
 * `aos run SCRIPT --local`: the script goes through the server's own job pipeline on this
 * machine, against a throwaway domain of dummy data generated from the manifests (see
 * `runOnDummyData` in control/jobs/explain.ts, which the server's dry run uses too). Nothing is
 * spent; verdicts are the ones the server would give on the same data.
 */

/** An event of a local run, shaped like the server's job events so one printer shows both. */
export type LocalRunEvent = DummyRunEvent;

export interface LocalRunOptions extends Omit<DummyRunOptions, "license" | "budget" | "explainQueries"> {
  /** The license to run under; by default one over every manifest (see `localLicense`). */
  readonly license?: License;
}

export type LocalRunResult = Omit<DummyRunResult, "explanations">;

/** Dummy rows per dataset when not told. */
export const DEFAULT_LOCAL_ROWS = DEFAULT_DUMMY_ROWS;

/**
 * A license over every given dataset for local runs: a year from now, ε on the differentially
 * private ones, automatic release (as the demo operator's license).
 */
export function localLicense(manifests: readonly DatasetManifest[], now = new Date()): License {
  return License.parse({
    id: "lic_local",
    operator: "local",
    purpose: "local development",
    validFrom: new Date(now.getTime() - 86_400_000).toISOString(),
    validTo: new Date(now.getTime() + 365 * 86_400_000).toISOString(),
    datasets: manifests.map((m) =>
      m.grade >= 3 ? { name: m.name, epsilon: { perQuery: 0.5, total: 1000 } } : { name: m.name },
    ),
    releaseMode: "auto",
  });
}

/**
 * Runs a script locally against dummy data.
 *
 * @example
 * const result = await runLocally({ script, language: "javascript", manifests: DEMO_MANIFESTS });
 * console.log(result.status, result.outputs);
 */
export function runLocally(options: LocalRunOptions): Promise<LocalRunResult> {
  // The CLI prints the run itself: from the layers below, only what went wrong reaches stderr.
  installLogger(createLogger("warn"));
  return runOnDummyData({ ...options, license: options.license ?? localLicense(options.manifests) });
}
