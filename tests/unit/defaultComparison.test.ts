import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEPARTURE, departureStep } from '../../src/store/departure';
import { DEFAULT_COMPARISON } from '../../src/train/config';
import { validateConfig } from '../../src/train/configSchema';
import {
  estimateGptTinyStepMs,
  GPT_TINY_DEFAULT_COMPARISON,
  GPT_TINY_DEFAULT_WARMUP,
  GPT_TINY_MATMUL_SHARE,
  GPT_TINY_STEP_LIMIT_MS,
  gptTinyMatmulFlops,
  MLP_DEFAULT_COMPARISON,
  recommendDefault,
  recommendedComparison,
  recommendFromTuning,
} from '../../src/train/defaultComparison';
import type { MatmulTuning } from '../../src/nn/matmulTuning';

type Tuning = Pick<MatmulTuning, 'choice' | 'perShape'>;

/** A tuning whose chosen variant ran the two tuning shapes (÷2 along K) at `gflops`. */
function swiftShaderLike(gflops: number): Tuning {
  const row = (shape: string, flops: number) => ({ shape, variant: 'quadShared' as const, ms: flops / (gflops * 1e6), repeats: 4 });
  return {
    choice: 'quadShared',
    perShape: [
      row('1024x256x64 transB', 2 * 1024 * 256 * 64),
      row('128x128x512 transA', 2 * 128 * 128 * 512),
      // A slower variant that was not chosen: ignored.
      { shape: '1024x256x64 transB', variant: 'sharedTiles', ms: 1000, repeats: 1 },
    ],
  };
}

describe('the page’s default comparison', () => {
  it('counts the matmul FLOPs of a gpt-tiny step: 12C² per row and block, plus the head, three times', () => {
    // B·T = 1024 rows, C = 128, L = 2, V = 89: 3 · (2 · 2·1024·128·1536 + 2·1024·128·89)
    expect(gptTinyMatmulFlops()).toBe(2_485_911_552);
    expect(gptTinyMatmulFlops(32)).toBe(2 * gptTinyMatmulFlops(16));
  });

  it('predicts a gpt-tiny step from the chosen variant’s throughput and the matmul share', () => {
    // docs/performance.md: quadShared at ≈ 6.3 GFLOP/s on the halved tuning shapes, a 482 ms step.
    const ms = estimateGptTinyStepMs(swiftShaderLike(6.26));
    expect(ms).toBeCloseTo(2_485_911_552 / 6.26e6 / GPT_TINY_MATMUL_SHARE, 6);
    expect(ms).toBeGreaterThan(482 * 0.8);
    expect(ms).toBeLessThan(482 * 1.5);
    expect(recommendFromTuning(swiftShaderLike(6.26))).toEqual({ preset: 'mlp-mnist', gptTinyStepMs: ms, seeds: 1 });
    // A GPU: full-size products at hundreds of GFLOP/s.
    const gpu: Tuning = { choice: 'sharedTiles', perShape: [{ shape: '1024x256x128 transB', variant: 'sharedTiles', ms: 0.05, repeats: 64 }] };
    expect(recommendFromTuning(gpu).preset).toBe('gpt-tiny');
    expect(recommendFromTuning(gpu).gptTinyStepMs).toBeLessThan(10);
  });

  it('opens with the MLP when there is no usable measurement', () => {
    expect(estimateGptTinyStepMs({ choice: 'registerBlocked', perShape: [] })).toBeNull();
    expect(estimateGptTinyStepMs({ choice: 'registerBlocked', perShape: [{ shape: '64x64x64', variant: 'registerBlocked', ms: 0, repeats: 1 }] })).toBeNull();
    expect(estimateGptTinyStepMs({ choice: 'registerBlocked', perShape: [{ shape: 'odd', variant: 'registerBlocked', ms: 3, repeats: 1 }] })).toBeNull();
    expect(estimateGptTinyStepMs({ ...swiftShaderLike(6.26), choice: 'registerBlocked' })).toBeNull(); // only the chosen variant's rows count
    expect(recommendFromTuning(undefined)).toEqual({ preset: 'mlp-mnist', gptTinyStepMs: null, seeds: 1 });
    for (const x of [null, NaN, Infinity, -1]) expect(recommendDefault(x)).toEqual({ preset: 'mlp-mnist', gptTinyStepMs: null, seeds: 1 });
  });

  it('opens gpt-tiny with as many seeds (at most 5) as keep a lockstep step within the limit of one seed; the MLP with one', () => {
    // floor(200 / predicted ms): 200 → 1, 100 → 2, 66.7 → 3, 50 → 4, 40 and below → 5.
    expect([200, 150, 100, 99.9, 66.7, 50, 40, 5, 0].map((ms) => recommendDefault(ms).seeds)).toEqual([1, 1, 2, 2, 2, 4, 5, 5, 5]);
    expect([200.1, 540, null].map((ms) => recommendedComparison(ms).seeds)).toEqual([1, 1, 1]);
  });

  it('switches to the MLP above the limit', () => {
    expect(recommendDefault(GPT_TINY_STEP_LIMIT_MS).preset).toBe('gpt-tiny');
    expect(recommendDefault(GPT_TINY_STEP_LIMIT_MS + 0.1).preset).toBe('mlp-mnist');
    expect(recommendDefault(480)).toEqual({ preset: 'mlp-mnist', gptTinyStepMs: 480, seeds: 1 });
    expect(recommendedComparison(GPT_TINY_STEP_LIMIT_MS)).toEqual(GPT_TINY_DEFAULT_COMPARISON);
    expect(recommendedComparison(5)).toEqual({ ...GPT_TINY_DEFAULT_COMPARISON, seeds: 5 });
    expect(GPT_TINY_DEFAULT_COMPARISON).toEqual({ ...DEFAULT_COMPARISON, sharpnessEvery: 'auto', runs: GPT_TINY_DEFAULT_COMPARISON.runs });
    expect(GPT_TINY_DEFAULT_COMPARISON.runs.map((r) => r.optimizer.warmupSteps)).toEqual([GPT_TINY_DEFAULT_WARMUP, GPT_TINY_DEFAULT_WARMUP]);
    expect(recommendedComparison(480)).toEqual(MLP_DEFAULT_COMPARISON);
    expect(recommendedComparison(null)).toEqual(MLP_DEFAULT_COMPARISON);
  });

  it('returns valid, fresh configs whose IRE run starts inside the first tenth', () => {
    for (const ms of [5, 480]) {
      const c = recommendedComparison(ms);
      const checked = validateConfig(c);
      expect(checked.ok, checked.ok ? '' : checked.errors.join('; ')).toBe(true);
      expect(c.runs.map((r) => [r.id, r.optimizer.ire.enabled])).toEqual([['A', false], ['B', true]]);
      const b = c.runs[1].optimizer;
      expect(b.ire.startStep).toBe('warmup-end');
      expect(b.warmupSteps).toBeLessThan(c.totalSteps / 10);
      expect(c.runs[0].optimizer).toEqual({ ...b, ire: { ...b.ire, enabled: false, kappa: c.runs[0].optimizer.ire.kappa, gamma: c.runs[0].optimizer.ire.gamma } });
      expect(c.evalEvery).toBeGreaterThan(0);
      expect(c.sharpnessEvery).toBe('auto'); // the page measures sharpness by default, within its budget
      c.runs[1].optimizer.ire.kappa = 99;
      c.totalSteps = 1;
      expect(recommendedComparison(ms).totalSteps).not.toBe(1);
      expect(recommendedComparison(ms).runs[1].optimizer.ire.kappa).not.toBe(99);
    }
    expect(MLP_DEFAULT_COMPARISON).toMatchObject({ model: 'mlp-mnist', dataset: 'mnist' });
    expect(DEFAULT_COMPARISON.model).toBe('gpt-tiny'); // the CLI's and the links' default is unchanged
  });

  it('is the comparison whose long run docs/experiments.md reports (docs/scenarios/page-default-gpt-tiny.json, sharpness left to the page)', () => {
    const file = JSON.parse(readFileSync(new URL('../../docs/scenarios/page-default-gpt-tiny.json', import.meta.url), 'utf8')) as unknown;
    expect(file).toEqual({ ...GPT_TINY_DEFAULT_COMPARISON, sharpnessEvery: 0 });
  });
});

describe('departureStep: when B’s loss leaves A’s', () => {
  const series = (loss: number[], from = 0) => ({ step: loss.map((_, i) => i + from), loss });

  it('is null while the runs are equal, and for gaps under the fraction', () => {
    const a = Array.from({ length: 50 }, (_, i) => 2 / (1 + i / 10));
    expect(departureStep(series(a), series(a))).toBeNull();
    expect(departureStep(series(a), series(a.map((x) => x * (1 + DEPARTURE.fraction * 0.9))))).toBeNull();
    expect(departureStep(series([]), series([]))).toBeNull();
  });

  it('finds the first step at which the smoothed gap exceeds the fraction of A’s smoothed loss, either sign', () => {
    const a = Array.from({ length: 60 }, () => 1);
    for (const sign of [1, -1]) {
      const b = a.map((x, i) => (i < 20 ? x : x + sign * 0.1)); // a 10 % gap from step 20
      // EMA with bias correction: gap_t = 0.1·(1 − β^(t−19)) / (1 − β^(t+1)); > 0.02 from step 20 + k
      const beta = DEPARTURE.beta;
      let expected = 20;
      while ((0.1 * (1 - beta ** (expected - 19))) / (1 - beta ** (expected + 1)) <= 0.02) expected++;
      expect(departureStep(series(a), series(b))).toBe(expected);
      expect(departureStep(series(a), series(b), { beta: 0, fraction: 0.05 })).toBe(20);
    }
  });

  it('pairs the runs by step', () => {
    const a = { step: [0, 1, 2, 3, 4, 5], loss: [1, 1, 1, 1, 1, 1] };
    const b = { step: [2, 3, 5], loss: [1, 1, 2] };
    expect(departureStep(a, b, { beta: 0, fraction: 0.5 })).toBe(5);
    expect(departureStep(b, a, { beta: 0, fraction: 0.4 })).toBe(5); // |1 − 2| > 0.4 · 2
  });
});
