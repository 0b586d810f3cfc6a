import { calibrateDataset, withDraftedBounds } from "../control/bounds-draft.ts";
import { DEFAULT_MAX_CLAMPED_SHARE } from "../policies/bounds-calibration.ts";
import type { DatasetManifest } from "../policies/manifest.ts";
import { DEMO_MANIFESTS } from "../seeds/manifests/index.ts";
import type { DataDomain } from "../storage/data-domain.ts";

/**
 * The demo manifests as they would be once every bounds draft (`aos policy draft-bounds`) is
 * published: each dataset with a privacy unit gets its cap on a unit's rows (units with several
 * rows) and each bounded numeric column its upper bound drafted from `domain`'s data at `epsilon`
 * per bound, each draft reported through `log`.
 * A fixed salt, so a benchmark's drafts are the same each run; a domain draws from its own key.
 */
export async function draftedDemoManifests(
  domain: Pick<DataDomain, "connect">,
  epsilon: number,
  log: (line: string) => void,
): Promise<DatasetManifest[]> {
  const salt = new Uint8Array(32).fill(1);
  const manifests: DatasetManifest[] = [];
  for (const manifest of DEMO_MANIFESTS) {
    if (
      manifest.privacyUnit === null ||
      (manifest.maxContributionsPerUnit === 1 && !manifest.columns.some((c) => c.bounds))
    ) {
      manifests.push(manifest);
      continue;
    }
    const calibration = await calibrateDataset(domain, manifest, salt, {
      epsilon,
      maxClampedShare: DEFAULT_MAX_CLAMPED_SHARE,
    });
    const cap = calibration.contributionCap;
    if (cap)
      log(
        `- ${manifest.name}, rows per unit: ${cap.declared} → ${cap.drafted}${cap.kept ? ` (kept: ${cap.kept})` : ` (leaves out about ${(cap.clampedShare * 100).toPrecision(2)}% of the rows)`}`,
      );
    for (const d of calibration.columns)
      log(
        `- ${manifest.name}.${d.column}: ${d.declared.max.toLocaleString("en")} → ${d.drafted.max.toLocaleString("en")}${d.kept ? ` (kept: ${d.kept})` : ` (clamps about ${(d.clampedShare * 100).toPrecision(2)}% of the total)`}`,
      );
    manifests.push(withDraftedBounds(manifest, calibration));
  }
  return manifests;
}
