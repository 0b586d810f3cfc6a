import { DomainError } from "../policies/errors.ts";
import type { KeyEncryptionKey } from "../storage/at-rest/key-encryption-key.ts";
import {
  isSealed,
  openSealedValue,
  rewrapSealedValue,
  sealedUnder,
  sealValue,
} from "../storage/at-rest/sealed-file.ts";
import type { SqlStore } from "../storage/sql-store.ts";

/**
 * Secrets the control plane must keep in a usable form (a webhook's signing secret: the server
 * signs with it), sealed under the KEK when there is one. What a release without a KEK stored in
 * the clear still opens; `sealControlSecrets` seals it at the first start with a KEK.
 */
export interface ControlSecrets {
  /** The form to store: sealed under the KEK, or the secret itself without one. */
  seal(what: string, secret: string): Promise<string>;
  /** The secret from its stored form; a sealed one needs the KEK it was sealed under. */
  open(what: string, stored: string): Promise<string>;
}

/** The name a webhook's secret is sealed as: bound to its row, so one cannot pass for another. */
export const webhookSecretName = (id: string) => `webhook secret ${id}`;

export function controlSecrets(kek: KeyEncryptionKey | undefined): ControlSecrets {
  return {
    async seal(what, secret) {
      return kek ? sealValue(kek, what, Buffer.from(secret, "utf8")) : secret;
    },
    async open(what, stored) {
      if (!isSealed(stored)) return stored;
      if (!kek)
        throw new DomainError(
          "NOT_READY",
          `the ${what} is sealed under the key-encryption key ${sealedUnder(stored)}: start this node with KEK_FILE or KEK set`,
        );
      return (await openSealedValue(kek, what, stored)).toString("utf8");
    },
  };
}

/** Control plane secrets stored in the clear, sealed under the KEK now; answers how many. */
export async function sealControlSecrets(
  store: Pick<SqlStore, "transaction">,
  kek: KeyEncryptionKey,
): Promise<number> {
  return store.transaction(async (tx) => {
    const rows = await tx.query<{ id: string; secret: string }>("SELECT id, secret FROM webhooks");
    let sealed = 0;
    for (const row of rows) {
      if (isSealed(row.secret)) continue;
      const text = await sealValue(kek, webhookSecretName(row.id), Buffer.from(row.secret, "utf8"));
      await tx.run("UPDATE webhooks SET secret = $1 WHERE id = $2", [text, row.id]);
      sealed++;
    }
    return sealed;
  });
}

/** Control plane secrets re-wrapped from one KEK to another (a rotation); answers how many. */
export async function rewrapControlSecrets(
  store: Pick<SqlStore, "transaction">,
  from: KeyEncryptionKey,
  to: KeyEncryptionKey,
): Promise<number> {
  return store.transaction(async (tx) => {
    const rows = await tx.query<{ id: string; secret: string }>("SELECT id, secret FROM webhooks");
    let rewrapped = 0;
    for (const row of rows) {
      if (!isSealed(row.secret) || sealedUnder(row.secret) === to.id) continue;
      await tx.run("UPDATE webhooks SET secret = $1 WHERE id = $2", [
        await rewrapSealedValue(from, to, row.secret),
        row.id,
      ]);
      rewrapped++;
    }
    return rewrapped;
  });
}
