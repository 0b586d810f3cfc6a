import { describe, expect, it } from "vitest";
import {
  conforms,
  dateOfDays,
  microsOfTimestamp,
  timestampOfMicros,
  valueOfDuckJson,
} from "../../policies/typed-values.ts";

// The same readings done in BigInt microseconds throughout, as typed-values.ts did before it
// split an instant into days and microseconds of the day: the faster arithmetic must agree.
const reference = {
  parse(text: string): { micros: bigint; offset: boolean } | undefined {
    const match =
      /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2}){0,2})?$/.exec(
        text,
      );
    if (!match) return undefined;
    const [y, mo, d, h, mi, s] = match.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const date = new Date(0);
    date.setUTCFullYear(y, mo - 1, d);
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d)
      return undefined;
    if (h > 23 || mi > 59 || s > 59) return undefined;
    const days = BigInt(Math.round((date.getTime() - (date.getTime() % 86_400_000)) / 86_400_000));
    let micros =
      (days * 86_400n + BigInt(h * 3600 + mi * 60 + s)) * 1_000_000n +
      BigInt((match[7] ?? "").padEnd(9, "0").slice(0, 6));
    const zone = match[8];
    if (zone && zone !== "Z") {
      const [zh = "0", zm = "0", zs = "0"] = zone.slice(1).match(/\d{2}/g) ?? [];
      const seconds = BigInt(Number(zh) * 3600 + Number(zm) * 60 + Number(zs));
      micros -= (zone.startsWith("-") ? -seconds : seconds) * 1_000_000n;
    }
    return { micros, offset: zone !== undefined };
  },
  text(micros: bigint, zone: "UTC" | null): string {
    const days = micros >= 0n ? micros / 86_400_000_000n : -((-micros + 86_399_999_999n) / 86_400_000_000n);
    const rest = micros - days * 86_400_000_000n;
    const seconds = Number(rest / 1_000_000n);
    const fraction = Number(rest % 1_000_000n);
    const pad = (n: number) => String(n).padStart(2, "0");
    const time = `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
    const fractionText = fraction === 0 ? "" : `.${String(fraction).padStart(6, "0").replace(/0+$/, "")}`;
    return `${dateOfDays(Number(days))}T${time}${fractionText}${zone === "UTC" ? "Z" : ""}`;
  },
  micros(text: string, zone: "UTC" | null): bigint | undefined {
    const parsed = reference.parse(text);
    if (!parsed || parsed.offset !== (zone === "UTC")) return undefined;
    return reference.text(parsed.micros, zone) === text ? parsed.micros : undefined;
  },
};

/** A deterministic stream of numbers in [0, 1) (mulberry32), so a failure repeats. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = -62_135_596_800_000_000n; // 0001-01-01
const END = 253_402_300_800_000_000n; // 10000-01-01

describe("timestamps in their output form", () => {
  it("writes every instant from year 1 to 9999 as the BigInt arithmetic does, and reads it back", () => {
    const next = random(7);
    const instants = [FIRST, END - 1n, 0n, -1n, 1n, 86_400_000_000n - 1n, -86_400_000_000n];
    for (let i = 0; i < 5000; i++) {
      const micros = FIRST + BigInt(Math.floor(next() * Number(END - FIRST)));
      // Whole seconds and whole days too, where fractions and times are empty or zero.
      instants.push(micros, (micros / 1_000_000n) * 1_000_000n, (micros / 86_400_000_000n) * 86_400_000_000n);
    }
    for (const micros of instants) {
      for (const zone of ["UTC", null] as const) {
        const text = timestampOfMicros(micros, zone);
        expect(text).toBe(reference.text(micros, zone));
        expect(microsOfTimestamp(text, zone)).toBe(micros);
        expect(conforms({ kind: "timestamp", zone }, text)).toBe(true);
      }
    }
  });

  it("refuses what is not an output form exactly as the BigInt reading does", () => {
    const next = random(11);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const texts = [
      "2024-02-29T00:00:00",
      "2023-02-29T00:00:00",
      "2024-13-01T00:00:00",
      "2024-01-01T24:00:00",
      "2024-01-01T23:59:60",
      "2024-01-01 00:00:00",
      "2024-01-01T00:00:00.5",
      "2024-01-01T00:00:00.50",
      "2024-01-01T00:00:00.1234567",
      "2024-01-01T00:00:00+00:00",
      "2024-01-01T00:00:00Z",
      "0000-01-01T00:00:00",
      "9999-12-31T23:59:59.999999Z",
      "infinity",
      "",
    ];
    for (let i = 0; i < 5000; i++) {
      const date = `${String(Math.floor(next() * 10_000)).padStart(4, "0")}-${pick(["01", "02", "04", "12", "13", "00"])}-${pick(["01", "28", "29", "30", "31", "32"])}`;
      const time = `${pick(["00", "12", "23", "24"])}:${pick(["00", "59", "60"])}:${pick(["00", "59", "60"])}`;
      const fraction = pick(["", ".5", ".50", ".000001", ".123456", ".1234567", ".000000"]);
      const zone = pick(["", "Z", "+08", "-05:30", "+00:00"]);
      texts.push(`${date}${pick(["T", " "])}${time}${fraction}${zone}`);
    }
    for (const text of texts) {
      for (const zone of ["UTC", null] as const) {
        expect(microsOfTimestamp(text, zone), `${text} ${zone}`).toBe(reference.micros(text, zone));
        expect(conforms({ kind: "timestamp", zone }, text)).toBe(reference.micros(text, zone) !== undefined);
      }
    }
  });

  it("turns DuckDB's spelling of a wall-clock time into the output form, whatever the fraction", () => {
    const next = random(13);
    const wall = { kind: "timestamp", zone: null } as const;
    for (let i = 0; i < 5000; i++) {
      const micros = FIRST + BigInt(Math.floor(next() * Number(END - FIRST)));
      const output = reference.text(micros, null);
      // DuckDB's spelling: a space for the T; a fraction also padded with zeros, as some writers do.
      expect(valueOfDuckJson(wall, output.replace("T", " "))).toBe(output);
      const padded = output.includes(".") ? `${output}000`.replace(/(\.\d{6})\d*$/, "$1") : `${output}.000`;
      expect(valueOfDuckJson(wall, padded.replace("T", " "))).toBe(output);
    }
    // Outside years 1 to 9999, and what is no timestamp, stay as DuckDB spelt them.
    for (const text of ["0000-12-31 23:59:59", "infinity", "-infinity", "0044-03-15 (BC) 00:00:00"])
      expect(valueOfDuckJson(wall, text)).toBe(text);
    expect(valueOfDuckJson({ kind: "timestamp", zone: "UTC" }, "2024-03-01 00:00:00.5+08")).toBe(
      "2024-02-29T16:00:00.5Z",
    );
  });
});
