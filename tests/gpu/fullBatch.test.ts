// Full-batch training on a subset (`npm run train -- --train-subset N`, docs/experiments.md "The
// edge of stability"): every step feeds the same N examples, and sharpness measured on the
// training batch ('train') is the curvature of that loss, not of the evaluation batch.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type TrainIo } from '../../src/cli/trainMain';
import { withTrainSubset } from '../../src/data/imageDataset';
import { batchIndices } from '../../src/data/sampler';
import { chooseKernelVariants } from '../../src/optim/kernelTuning';
import { Sharpness } from '../../src/optim/sharpness';
import type { ComparisonConfig } from '../../src/train/config';
import { Comparison } from '../../src/train/comparison';
import { MLP_DEFAULT_COMPARISON } from '../../src/train/defaultComparison';
import { bandDataset } from '../helpers/syntheticData';
import { useGpu } from '../helpers/gpu';

const dir = mkdtempSync(join(tmpdir(), 'full-batch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GD = { ...MLP_DEFAULT_COMPARISON.runs[0].optimizer, base: 'sgd' as const, lr: 0.05, minLr: 0.05, warmupSteps: 0, beta1: 0, weightDecay: 0, gradClip: 0 };

describe('full-batch training and the sharpness of the training loss', () => {
  const gpu = useGpu();

  it("measureSharpness 'train' is the curvature of the whole subset (in any order), 'eval' (the default) that of the evaluation batch", async () => {
    const { ctx } = gpu();
    await chooseKernelVariants(ctx);
    const N = 16;
    const config: ComparisonConfig = { ...MLP_DEFAULT_COMPARISON, batchSize: N, totalSteps: 10, evalEvery: 0, runs: [{ id: 'A', name: 'GD', optimizer: GD }] };
    const data = { kind: 'image' as const, dataset: withTrainSubset(bandDataset(64, 32), N) };
    const c = new Comparison(ctx, config, data, {}, { model: { kind: 'mlp', inputs: 784, hidden: [16], classes: 10 } });
    const reference = new Sharpness(ctx, 'Test.reference', c.runs[0].model);
    try {
      for (let k = 0; k < 3; k++) await c.step();
      const [byDefault] = await c.measureSharpness(0, 8);
      const [evalBatch] = await c.measureSharpness(0, 8, false, 'eval');
      const [train] = await c.measureSharpness(0, 8, false, 'train');
      expect(evalBatch.topEig).toBe(byDefault.topEig); // the page's behaviour is unchanged
      // The same subset in the orders of two other steps: the same Hessian up to f32 summation order.
      const t = c.nextStep;
      expect(batchIndices(config.seed, t + 1, N, N).join()).not.toBe(batchIndices(config.seed, t + 4, N, N).join());
      for (const k of [t + 1, t + 4]) {
        c.feeder.writeTrain(k);
        const [top] = await reference.topEigenvalues(8);
        expect(Math.abs(top.value - train.topEig!) / train.topEig!, `training batch of step ${k}`).toBeLessThan(1e-4);
      }
      c.feeder.writeEval(0);
      expect((await reference.topEigenvalues(8))[0].value).toBe(evalBatch.topEig);
      // 16 training images against 16 others: a different loss, a different curvature.
      expect(Math.abs(train.topEig! - evalBatch.topEig!) / evalBatch.topEig!).toBeGreaterThan(0.01);
      expect(train.threshold?.value).toBeCloseTo(2 / GD.lr, 9);
      console.log(`λ_max after 3 full-batch GD steps: training subset ${train.topEig!.toFixed(4)}, evaluation batch ${evalBatch.topEig!.toFixed(4)}, 2/η = ${train.threshold!.value}`);
    } finally {
      reference.destroy();
      c.destroy();
    }
  });

  it('npm run train --train-subset: batch N, the same N digits every step, sharpness from step 0 on them', async () => {
    const N = 32;
    const configPath = join(dir, 'gd.json');
    writeFileSync(configPath, JSON.stringify({ model: 'mlp-mnist', runs: [{ id: 'A', name: 'GD', optimizer: GD }] }));
    const out = join(dir, 'run');
    const dump = join(dir, 'batches.jsonl');
    let err = '';
    const io: Partial<TrainIo> = {
      stdout: { write: () => undefined, isTTY: false },
      stderr: { write: (t) => void (err += t) },
      createGpu: () => Promise.resolve({ ...gpu().node, close: () => undefined }),
    };
    const argv = ['--config', configPath, '--train-subset', String(N), '--steps', '4', '--sharpness-every', '2', '--sharpness-probes', '1', '--eval-every', '0', '--final-eval-batches', '1', '--dump-batches', dump, '--out', out];
    const code = await main(argv, io);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toMatchObject({ batchSize: N, trainSubset: N, totalSteps: 4 }); // a checkpoint's config carries the subset: --resume keeps it
    const lines = readFileSync(dump, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { count?: number; step?: number; indices?: number[] });
    expect(lines[0]).toMatchObject({ kind: 'image-indices', batchSize: N, count: N });
    const all = Array.from({ length: N }, (_, i) => i);
    for (const l of lines.slice(1)) expect([...l.indices!].sort((a, b) => a - b), `step ${l.step}`).toEqual(all);
    expect(lines.slice(1).map((l) => l.step)).toEqual([0, 1, 2, 3]);
    const rows = readFileSync(join(out, 'sharpness.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    expect(rows[0]).toEqual(['run', 'step', 'trace', 'trace_stderr', 'top_eig', 'precond_top_eig', 'eos_threshold']);
    expect(rows.slice(1).map((r) => r[1])).toEqual(['0', '2', '4']);
    for (const r of rows.slice(2)) {
      expect(Number(r[4])).toBeGreaterThan(0);
      expect(Number(r[6])).toBeCloseTo(2 / GD.lr, 9);
    }
    expect(rows[1][6]).toBe(''); // no threshold before the first step (no learning rate yet)
  });
});
