import { describe, expect, it } from "vitest";
import { discreteLaplace, noiseGranularity, noisySum, sampleDiscreteLaplace } from "../../policies/noise.ts";

describe("discrete Laplace noise", () => {
  it("has the intended distribution (mean 0, variance 2e^(-1/b)/(1-e^(-1/b))^2, P(0) = tanh(1/2b))", () => {
    const b = 3;
    const n = 40_000;
    const samples = Array.from({ length: n }, () => discreteLaplace(b));
    expect(samples.every(Number.isInteger)).toBe(true);
    const mean = samples.reduce((a, x) => a + x, 0) / n;
    const variance = samples.reduce((a, x) => a + (x - mean) ** 2, 0) / n;
    const q = Math.exp(-1 / b);
    const expectedVariance = (2 * q) / (1 - q) ** 2;
    const p0 = samples.filter((x) => x === 0).length / n;
    // standard errors: mean ≈ 0.02, P(0) ≈ 0.002; bounds are ~5 standard errors
    expect(Math.abs(mean)).toBeLessThan(0.12);
    expect(Math.abs(variance / expectedVariance - 1)).toBeLessThan(0.06);
    expect(Math.abs(p0 - Math.tanh(1 / (2 * b)))).toBeLessThan(0.012);
    // symmetric
    const pos = samples.filter((x) => x > 0).length;
    const neg = samples.filter((x) => x < 0).length;
    expect(Math.abs(pos - neg) / n).toBeLessThan(0.02);
    // ratio of neighbouring probabilities is exp(-1/b)
    const count = (k: number) => samples.filter((x) => x === k).length;
    expect(Math.abs(count(2) / count(1) - q)).toBeLessThan(0.06);
  });

  it("samples exact rational scales with the integer sampler", () => {
    const n = 20_000;
    const samples = Array.from({ length: n }, () => sampleDiscreteLaplace(1, 2)); // scale 1/2
    const p0 = samples.filter((x) => x === 0).length / n;
    expect(Math.abs(p0 - Math.tanh(1))).toBeLessThan(0.02);
  });

  it("releases sums on a power-of-two grid, unbiased, with the stated spread", () => {
    const sensitivity = 2_000_000;
    const epsilon = 0.5;
    const gamma = noiseGranularity(sensitivity / epsilon);
    expect(Math.log2(gamma) % 1).toBe(0);
    const n = 4000;
    const outputs = Array.from({ length: n }, () => noisySum(123_456_789.37, sensitivity, epsilon));
    expect(outputs.every((x) => Number.isInteger(x / gamma))).toBe(true);
    const mean = outputs.reduce((a, x) => a + x, 0) / n;
    const sd = Math.sqrt(outputs.reduce((a, x) => a + (x - mean) ** 2, 0) / n);
    const b = sensitivity / epsilon;
    expect(Math.abs(mean - 123_456_789.37)).toBeLessThan((5 * Math.SQRT2 * b) / Math.sqrt(n));
    expect(Math.abs(sd / (Math.SQRT2 * b) - 1)).toBeLessThan(0.1);
  });

  it("refuses invalid scales", () => {
    expect(() => discreteLaplace(0)).toThrow(RangeError);
    expect(() => discreteLaplace(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => sampleDiscreteLaplace(1.5, 1)).toThrow(RangeError);
  });
});
