/**
 * The console's SM3 (console/src/sm3.ts), which the receipt check uses for `sm` profile receipts in
 * browsers without SM3: the standard's examples, and Node's (OpenSSL's) SM3 on inputs of every length
 * across the 64-byte block and padding boundaries.
 */
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sm3, sm3Hex } from "../../console/src/sm3.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);

describe("SM3 in the console (GB/T 32905)", () => {
  it("hashes the standard's two examples", () => {
    expect(sm3Hex(utf8("abc"))).toBe("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    expect(sm3Hex(utf8("abcd".repeat(16)))).toBe(
      "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732",
    );
  });

  it("agrees with Node's SM3 on random inputs of every length from 0 to 200 bytes, and longer ones", () => {
    const lengths = [...Array.from({ length: 201 }, (_, n) => n), 511, 512, 1000, 4097];
    for (const length of lengths) {
      const data = randomBytes(length);
      expect({ length, digest: sm3Hex(data) }).toEqual({
        length,
        digest: createHash("sm3").update(data).digest("hex"),
      });
    }
  });

  it("hashes UTF-8 text as Node does, and returns 32 bytes without touching its input", () => {
    const text = utf8('{"position":7,"text":"数据可用不可见"}');
    const copy = Uint8Array.from(text);
    const digest = sm3(text);
    expect(digest).toHaveLength(32);
    expect(Buffer.from(digest).toString("hex")).toBe(createHash("sm3").update(text).digest("hex"));
    expect(text).toEqual(copy);
  });
});
