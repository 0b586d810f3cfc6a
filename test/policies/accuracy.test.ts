import { describe, expect, it } from "vitest";
import { NoiseRegister } from "../../control/jobs/output-accuracy.ts";
import {
  countAccuracy,
  discreteLaplaceHalfWidth95,
  meanAccuracy,
  roundToAccuracy,
  sumAccuracy,
} from "../../policies/accuracy.ts";
import { noisyCount, noisySum, sampledScale, sumNoise } from "../../policies/noise.ts";

/** P(|Z| > k) for discrete Laplace Z of scale b. */
function tail(k: number, b: number): number {
  return (2 * Math.exp(-(k + 1) / b)) / (1 + Math.exp(-1 / b));
}

describe("accuracy of noisy figures", () => {
  it("takes the smallest half-width whose interval holds 95% of the discrete Laplace", () => {
    for (const b of [0.5, 1, 3, 10, 97.3, 12_345.6]) {
      const k = discreteLaplaceHalfWidth95(b);
      expect(tail(k, b)).toBeLessThanOrEqual(0.05);
      if (k > 0) expect(tail(k - 1, b)).toBeGreaterThan(0.05);
    }
    // For a wide noise it tends to the continuous Laplace's b·ln 20.
    expect(discreteLaplaceHalfWidth95(1000) / (1000 * Math.log(20))).toBeCloseTo(1, 2);
  });

  it("covers the true count and the true sum 19 times in 20, as released", () => {
    const n = 20_000;
    const countScale = sampledScale(4 / 0.25);
    const count = countAccuracy(countScale);
    let inside = 0;
    for (let i = 0; i < n; i++) if (Math.abs(noisyCount(500, 4, 0.25) - 500) <= count.ci95) inside++;
    // 5 standard errors either side of the stated 95% (discrete: at least 95%).
    expect(inside / n).toBeGreaterThan(0.94);
    expect(inside / n).toBeLessThan(0.97);

    const { grid, gridScale } = sumNoise(4 * 50_000, 1);
    const sum = sumAccuracy(sampledScale(gridScale), grid);
    const truth = 123_456_789.123;
    inside = 0;
    for (let i = 0; i < n; i++) if (Math.abs(noisySum(truth, 4 * 50_000, 1) - truth) <= sum.ci95) inside++;
    expect(inside / n).toBeGreaterThan(0.94);
    expect(inside / n).toBeLessThan(0.97);
  });

  it("propagates a mean's error from its sum and count, never wider than its range", () => {
    const sum = { scale: 100, ci95: 300 };
    const units = { scale: 2, ci95: 6 };
    const mean = meanAccuracy(50, 1000, sum, units, 1000);
    expect(mean.scale).toBeNull();
    expect(mean.ci95).toBeCloseTo(Math.sqrt(300 ** 2 + (50 * 6) ** 2) / 1000, 10);
    expect(meanAccuracy(50, 0, sum, units, 100).ci95).toBe(100);
  });

  it("rounds a figure to one digit below the leading digit of its half-width", () => {
    expect(roundToAccuracy(12_345.678, 37)).toBe(12_346);
    expect(roundToAccuracy(12_345.678, 3_700)).toBe(12_300);
    expect(roundToAccuracy(8.123_456, 0.37)).toBe(8.12);
    expect(roundToAccuracy(-8.126, 0.037)).toBe(-8.126);
    expect(roundToAccuracy(41, 3)).toBe(41);
    expect(roundToAccuracy(0.1 + 0.2, 0.5)).toBe(0.3);
    expect(roundToAccuracy(7.5, 0)).toBe(7.5);
  });
});

describe("the accuracy an output passes on", () => {
  const answer = {
    columns: [
      { name: "district", type: "VARCHAR" },
      { name: "n", type: "BIGINT" },
      { name: "mean_income", type: "DOUBLE" },
    ],
    rows: [
      ["A", 120, 5123.4],
      ["B", 340, 6001.7],
    ],
    accuracy: [
      [null, { scale: 4, ci95: 11 }, { scale: null, ci95: 0.9 }],
      [null, { scale: 4, ci95: 11 }, { scale: null, ci95: 0.4 }],
    ],
  };

  it("annotates figures passed through, by column, and fine-grained values under a new name", () => {
    const register = new NoiseRegister();
    register.record(answer);
    const accuracy = register.annotate({
      same: [
        { district: "A", n: 120, mean_income: 5123.4 },
        { district: "B", n: 340, mean_income: 6001.7 },
      ],
      renamed: [{ 区: "B", 人数: 340, 平均收入: 6001.7 }],
      derived: [{ district: "A", share: 120 / 460, doubled: 240 }],
    });
    expect(accuracy).toEqual({
      same: {
        n: [
          { scale: 4, ci95: 11 },
          { scale: 4, ci95: 11 },
        ],
        mean_income: [
          { scale: null, ci95: 0.9 },
          { scale: null, ci95: 0.4 },
        ],
      },
      // 340 under another name could be any integer the script made; 6001.7 cannot.
      renamed: { 平均收入: [{ scale: null, ci95: 0.4 }] },
    });
  });

  it("does not take a whole number for a noisy one because it shares a column name and value", () => {
    const register = new NoiseRegister();
    register.record(answer);
    // An exact grade-2 count that happens to equal a noisy count of the population query.
    expect(register.annotate({ firms: [{ industry: "零售业", n: 120, staff: 5400 }] })).toBeUndefined();
  });

  it("says nothing for exact answers, and keeps the wider interval when two answers share a value", () => {
    const exact = new NoiseRegister();
    exact.record({ columns: answer.columns, rows: answer.rows });
    expect(exact.annotate({ same: [{ n: 120 }] })).toBeUndefined();

    const twice = new NoiseRegister();
    twice.record(answer);
    twice.record({
      columns: [{ name: "n", type: "BIGINT" }],
      rows: [[120]],
      accuracy: [[{ scale: 8, ci95: 23 }]],
    });
    expect(twice.annotate({ t: [{ n: 120 }] })).toEqual({ t: { n: [{ scale: 8, ci95: 23 }] } });
  });
});
