import { z } from "zod";
import { dataCiphers } from "./cipher.ts";
import { type KeyEncryptionKey, newDataKey, type WrappedKey } from "./key-encryption-key.ts";

/**
 * A small value sealed under the KEK (the domain signing key, the control-plane secrets key): its
 * own data key, wrapped by the KEK, and the value sealed with that data key. A KEK rotation
 * re-wraps the data key and leaves the sealed value as it is.
 */

const FORMAT = "aos-at-rest/1";

const Sealed = z.object({
  sealed: z.literal(FORMAT),
  /** What the value is (authenticated: a sealed secret cannot pass for a sealed signing key). */
  what: z.string(),
  cipher: z.string(),
  dataKey: z.object({ kek: z.string(), cipher: z.string(), key: z.string() }),
  value: z.string(),
});
type Sealed = z.infer<typeof Sealed>;

/** True when `text` is a sealed value (as opposed to what a release without a KEK wrote). */
export function isSealed(text: string): boolean {
  return text.trimStart().startsWith(`{"sealed":"${FORMAT}"`);
}

/** The id of the KEK a sealed value is wrapped under. */
export function sealedUnder(text: string): string {
  return parse(text).dataKey.kek;
}

export async function sealValue(
  kek: KeyEncryptionKey,
  what: string,
  plaintext: Buffer,
  cipherName = "aes-256-gcm",
): Promise<string> {
  const cipher = dataCiphers.get(cipherName);
  if (!cipher) throw new Error(`unknown cipher ${cipherName}`);
  const dataKey = newDataKey(cipher);
  const value = cipher.seal(dataKey, plaintext, what).toString("base64");
  const sealed: Sealed = {
    sealed: FORMAT,
    what,
    cipher: cipher.name,
    dataKey: await kek.wrap(dataKey),
    value,
  };
  return `${JSON.stringify(sealed)}\n`;
}

export async function openSealedValue(kek: KeyEncryptionKey, what: string, text: string): Promise<Buffer> {
  const sealed = parse(text);
  if (sealed.what !== what) throw new Error(`a sealed ${sealed.what} is not a sealed ${what}`);
  const cipher = dataCiphers.get(sealed.cipher);
  if (!cipher) throw new Error(`unknown cipher ${sealed.cipher}`);
  const dataKey = await kek.unwrap(sealed.dataKey as WrappedKey);
  return cipher.open(dataKey, Buffer.from(sealed.value, "base64"), what);
}

/** The same sealed value with its data key re-wrapped from one KEK to another. */
export async function rewrapSealedValue(
  from: KeyEncryptionKey,
  to: KeyEncryptionKey,
  text: string,
): Promise<string> {
  const sealed = parse(text);
  const dataKey = await from.unwrap(sealed.dataKey);
  return `${JSON.stringify({ ...sealed, dataKey: await to.wrap(dataKey) })}\n`;
}

function parse(text: string): Sealed {
  const parsed = Sealed.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`not a sealed value of ${FORMAT}`);
  return parsed.data;
}
