import { License } from "../policies/license.ts";
import type { ControlPlane } from "../storage/control-plane.ts";

export const LicenseStatus = ["active", "suspended", "expired", "revoked"] as const;
export type LicenseStatus = (typeof LicenseStatus)[number];

export interface LicenseRecord {
  readonly license: License;
  readonly status: LicenseStatus;
}

type Store = Pick<ControlPlane, "query" | "run">;

/** Grants a license; the document is validated against the License schema before it is stored. */
export async function grantLicense(store: Store, document: License): Promise<LicenseRecord> {
  const license = License.parse(document);
  await store.run("INSERT INTO licenses VALUES ($1, $2, 'active', $3, now())", [
    license.id,
    license.operator,
    JSON.stringify(license),
  ]);
  return { license, status: "active" };
}

/** The licenses an operator holds, newest first. */
export async function licensesOfOperator(
  store: Pick<ControlPlane, "query">,
  operatorId: string,
): Promise<LicenseRecord[]> {
  const rows = await store.query<{ document: string; status: LicenseStatus }>(
    "SELECT document, status FROM licenses WHERE operator_id = $1 ORDER BY created_at DESC, id",
    [operatorId],
  );
  return rows.map((row) => ({ license: License.parse(JSON.parse(row.document)), status: row.status }));
}
