import { describe, expect, it } from "vitest";
import {
  isLuhnValid,
  isMobileNumber,
  isValidResidentId,
  isValidUscc,
  organizationCodeCheckChar,
  residentIdCheckDigit,
  usccCheckChar,
} from "../../policies/identifiers.ts";

// Published examples: GB 11643's own sample number, and well-known credit codes of listed companies.
describe("identifier check digits", () => {
  it("computes the GB 11643 check character", () => {
    expect(residentIdCheckDigit("11010519491231002")).toBe("X");
    expect(isValidResidentId("11010519491231002X")).toBe(true);
    expect(isValidResidentId("110105194912310021")).toBe(false);
    expect(isValidResidentId("11010519490231002X")).toBe(false); // 31 February
    expect(isValidResidentId("1101051949123100")).toBe(false);
  });

  it("computes GB 11714 and GB 32100 check characters", () => {
    expect(organizationCodeCheckChar("D2143569")).toBe("X");
    expect(usccCheckChar("91350100M000100Y4")).toBe("3");
    expect(isValidUscc("91350100M000100Y43")).toBe(true);
    expect(isValidUscc("91350100M000100Y44")).toBe(false);
    expect(isValidUscc("91350100M000I00Y43")).toBe(false); // I is not in the character set
  });

  it("recognises bank card and mobile numbers", () => {
    expect(isLuhnValid("6222021234567890128")).toBe(true);
    expect(isLuhnValid("6222021234567890127")).toBe(false);
    expect(isMobileNumber("13912345678")).toBe(true);
    expect(isMobileNumber("12912345678")).toBe(false);
  });
});
