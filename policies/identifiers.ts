/**
 * Check-digit arithmetic of the Chinese national identifier standards. The seed generator's SQL
 * computes the same digits independently; tests hold the two against each other, and the release
 * gate uses these to recognise identifiers in outputs.
 */

const RESIDENT_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const RESIDENT_ID_CHECK = "10X98765432";

/** GB 11643-1999 check character for the first 17 digits of a resident identity number. */
export function residentIdCheckDigit(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError("expected 17 digits");
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * RESIDENT_ID_WEIGHTS[i]!;
  return RESIDENT_ID_CHECK[sum % 11]!;
}

/** True for an 18-character resident identity number with a real calendar birth date and a valid check character. */
export function isValidResidentId(value: string): boolean {
  if (!/^\d{17}[\dX]$/.test(value)) return false;
  const year = Number(value.slice(6, 10));
  const month = Number(value.slice(10, 12));
  const day = Number(value.slice(12, 14));
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1900 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  return residentIdCheckDigit(value.slice(0, 17)) === value[17];
}

/** Characters of the unified social credit code (GB 32100-2015): digits and capitals without I, O, S, V, Z. */
export const USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** GB 32100-2015 check character for the first 17 characters of a unified social credit code. */
export function usccCheckChar(first17: string): string {
  if (first17.length !== 17) throw new RangeError("expected 17 characters");
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_CHARSET.indexOf(first17[i]!);
    if (value < 0) throw new RangeError("character outside the GB 32100 set");
    sum += value * USCC_WEIGHTS[i]!;
  }
  return USCC_CHARSET[(31 - (sum % 31)) % 31]!;
}

const ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;

/** GB 11714-1997 check character of the 9-character organization code embedded in a credit code. */
export function organizationCodeCheckChar(first8: string): string {
  if (!/^[0-9A-Z]{8}$/.test(first8)) throw new RangeError("expected 8 digits or capitals");
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number.parseInt(first8[i]!, 36) * ORG_CODE_WEIGHTS[i]!;
  const check = 11 - (sum % 11);
  return check === 10 ? "X" : check === 11 ? "0" : String(check);
}

/** True for an 18-character unified social credit code whose embedded organization code and own check character are valid. */
export function isValidUscc(value: string): boolean {
  if (value.length !== 18) return false;
  for (const ch of value) if (!USCC_CHARSET.includes(ch)) return false;
  const org = value.slice(8, 17);
  if (!/^[0-9A-Z]{8}[0-9X]$/.test(org) || organizationCodeCheckChar(org.slice(0, 8)) !== org[8]) return false;
  return usccCheckChar(value.slice(0, 17)) === value[17];
}

/** Luhn check used by bank card numbers (ISO/IEC 7812). */
export function isLuhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Mainland mobile numbers: 11 digits starting 13-19. */
export function isMobileNumber(value: string): boolean {
  return /^1[3-9]\d{9}$/.test(value);
}

const NON_ASCII = /[\u0080-\uffff]/;
const LETTERS_OR_DIGITS_RUN = /[0-9A-Za-z]{11}/;

/** Identifier-shaped substrings whose check digits hold. */
export function findIdentifiers(text: string): { kind: string; value: string }[] {
  const found: { kind: string; value: string }[] = [];
  // Every pattern below needs 11 letters or digits in a row (a phone number; the others more).
  // In ASCII text, upper-casing only maps a-z to A-Z, so text without such a run holds none: the
  // release gate screens every string cell (dates, timestamps, names) and most are like that.
  // Outside ASCII, upper-casing can expand a character into letters ("ﬀ" to "FF"): scanned in full.
  if (!NON_ASCII.test(text) && !LETTERS_OR_DIGITS_RUN.test(text)) return found;
  for (const m of text.toUpperCase().matchAll(/(?<![0-9A-Z])\d{17}[\dX](?![0-9A-Z])/g)) {
    if (isValidResidentId(m[0])) found.push({ kind: "resident_id", value: m[0] });
  }
  for (const m of text.toUpperCase().matchAll(/(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{18}(?![0-9A-Z])/g)) {
    if (isValidUscc(m[0])) found.push({ kind: "uscc", value: m[0] });
  }
  for (const m of text.matchAll(/(?<!\d)1[3-9]\d{9}(?!\d)/g)) {
    if (isMobileNumber(m[0])) found.push({ kind: "phone", value: m[0] });
  }
  for (const m of text.matchAll(/(?<!\d)\d{16,19}(?!\d)/g)) {
    if (isLuhnValid(m[0])) found.push({ kind: "bank_card", value: m[0] });
  }
  return found;
}
