import { DomainError } from "../policies/errors.ts";
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
  await store.run(
    "INSERT INTO licenses (id, operator_id, status, document, created_at, updated_at) VALUES ($1, $2, 'active', $3, now(), now())",
    [license.id, license.operator, JSON.stringify(license)],
  );
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

/** One license by id, or null. */
export async function findLicense(
  store: Pick<ControlPlane, "query">,
  id: string,
): Promise<LicenseRecord | null> {
  const rows = await store.query<{ document: string; status: LicenseStatus }>(
    "SELECT document, status FROM licenses WHERE id = $1",
    [id],
  );
  const row = rows[0];
  return row ? { license: License.parse(JSON.parse(row.document)), status: row.status } : null;
}

/**
 * Whether `record` lets `operatorId` run a job for `purpose` at `now`; throws the code the
 * operator can act on. Checked at submission and again when the job starts: a license can be
 * suspended or run out while its job waits in the queue.
 */
export function assertLicenseUsable(
  record: LicenseRecord | null,
  request: { operatorId: string; purpose?: string; now: Date },
): LicenseRecord {
  // Another operator's license answers exactly like a missing one: its existence is not disclosed.
  if (!record || record.license.operator !== request.operatorId) {
    throw new DomainError("LICENSE_INVALID", "no such license for this operator");
  }
  const { license, status } = record;
  if (status !== "active") throw new DomainError("LICENSE_INVALID", `license ${license.id} is ${status}`);
  const now = request.now.getTime();
  if (now < Date.parse(license.validFrom)) {
    throw new DomainError("LICENSE_INVALID", `license ${license.id} is valid from ${license.validFrom}`);
  }
  if (now >= Date.parse(license.validTo)) {
    throw new DomainError("LICENSE_EXPIRED", `license ${license.id} expired at ${license.validTo}`);
  }
  if (request.purpose !== undefined && request.purpose !== license.purpose) {
    throw new DomainError(
      "LICENSE_INVALID",
      `license ${license.id} is granted for purpose '${license.purpose}'`,
    );
  }
  return record;
}
