// The memory plan without a GPU: hand-computed sizes of a preset, refusals that name the field,
// the buffer and the excess, the hook into validateConfig, and no throw on bad shapes.
import { describe, expect, it } from 'vitest';
import { DEFAULT_COMPARISON, DEFAULT_IRE, type ComparisonConfig } from '../../src/train/config';
import { validateConfig } from '../../src/train/configSchema';
import { alignSize } from '../../src/gpu/buffers';
import { checkMemoryPlan, formatBytes, memoryPlanCheck, modelDataFor, planComparison } from '../../src/train/memoryPlan';

const MiB = 1024 ** 2;
/** WebGPU's default limits (what every adapter offers at least). */
const DEFAULT_LIMITS = { maxStorageBufferBindingSize: 128 * MiB, maxBufferSize: 256 * MiB };

const bytesOf = (config: ComparisonConfig, label: string, vocab = 80) => {
  const b = planComparison(config, { vocab }).buffers.find((x) => x.label === label);
  if (!b) throw new Error(`no buffer ${label}`);
  return b.bytes;
};

describe('memory plan', () => {
  it('sizes the GPT preset buffers from the config (B=16, T=64, C=128, NH=4, V=80)', () => {
    const c = DEFAULT_COMPARISON; // gpt-tiny: 2 layers, 4 heads, width 128, context 64, tied head
    expect(bytesOf(c, 'RunA.model.h0.att')).toBe(16 * 4 * 64 * 64 * 4);
    expect(bytesOf(c, 'RunB.model.h1.fch')).toBe(16 * 64 * 4 * 128 * 4);
    expect(bytesOf(c, 'RunA.model.logits')).toBe(16 * 64 * 80 * 4);
    expect(bytesOf(c, 'RunA.model.embedding.backward.bounds')).toBe(2 * 80 * 4);
    expect(bytesOf(c, 'Batch.tokens')).toBe(16 * 64 * 4);
    // Parameters: wte 80·128, wpe 64·128, per block 12C² + 13C (+ padding of each view to 64 floats), lnf 2C.
    const P = bytesOf(c, 'RunA.model.params') / 4;
    const real = 80 * 128 + 64 * 128 + 2 * (12 * 128 * 128 + 13 * 128) + 2 * 128;
    expect(P).toBeGreaterThanOrEqual(real);
    expect(P % 64).toBe(0);
    expect(P - real).toBeLessThan(64 * 30);
    for (const name of ['RunA.model.grads', 'RunA.adamw.m', 'RunA.adamw.v', 'RunA.decay', 'RunB.ire.h', 'RunB.ire.mask']) expect(bytesOf(c, name)).toBe(P * 4);
    const labels = planComparison(c, { vocab: 80 }).buffers.map((b) => b.label);
    expect(labels).not.toContain('RunA.ire.h'); // A is plain AdamW
    expect(labels.filter((l) => l.startsWith('Comparison.metrics.staging'))).toHaveLength(3);
  });

  it('rounds sizes as the buffer helpers do and lists each optimizer state', () => {
    expect(alignSize(0)).toBe(16);
    expect(alignSize(5)).toBe(16);
    expect(alignSize(17)).toBe(20);
    const runs = DEFAULT_COMPARISON.runs;
    const c: ComparisonConfig = {
      ...DEFAULT_COMPARISON,
      runs: [
        { ...runs[0], optimizer: { ...runs[0].optimizer, base: 'sgd' } },
        { ...runs[1], optimizer: { ...runs[1].optimizer, base: 'sam', ire: { ...DEFAULT_IRE, enabled: true } } },
      ],
    };
    const labels = planComparison(c, { vocab: 80 }).buffers.map((b) => b.label);
    expect(labels).toContain('RunA.sgd.momentum');
    expect(labels).not.toContain('RunA.adamw.m');
    expect(labels).toEqual(expect.arrayContaining(['RunB.samBase.momentum', 'RunB.sam.saved', 'RunB.sam.ascentNorm.partials', 'RunB.ire.select.hist']));
  });

  it('accepts the presets at their defaults within WebGPU default limits', () => {
    for (const model of ['gpt-tiny', 'gpt-small', 'mlp-mnist', 'cnn-mnist', 'cnn-cifar10'] as const) {
      const dataset = model.startsWith('gpt') ? 'moby-dick' : model === 'cnn-cifar10' ? 'cifar10' : 'mnist';
      const c: ComparisonConfig = { ...DEFAULT_COMPARISON, model, dataset };
      expect(checkMemoryPlan(planComparison(c, modelDataFor(c)), DEFAULT_LIMITS, c), model).toEqual([]);
    }
  });

  it('refuses a buffer over maxStorageBufferBindingSize, naming the field, the buffer and the excess', () => {
    const c: ComparisonConfig = { ...DEFAULT_COMPARISON, model: 'gpt-small', batchSize: 1024 };
    // gpt-small: T = 128, C = 256. (B,T,4C) = 1024·128·1024 floats = 512 MiB: 384 MiB over 128 MiB,
    // 256 MiB over 256 MiB. Per run: 9 (B,T,4C) (4 blocks × fch, fchGelu; dfch), 5 (B,T,3C)
    // of 384 MiB (4 qkv, dqkv), 5 (B,NH,T,T) of 256 MiB (4 att, datt): 38 over 128 MiB, 28 over 256 MiB.
    const errors = checkMemoryPlan(planComparison(c, { vocab: 80 }), { ...DEFAULT_LIMITS, budgetBytes: 1e15 }, c);
    expect(errors).toEqual([
      "batchSize = 1024: buffer RunA.model.h0.fch needs 512.0 MiB, over this GPU's maxStorageBufferBindingSize (128.0 MiB) by 384.0 MiB (38 buffers are over); use a smaller batch size",
      "batchSize = 1024: buffer RunA.model.h0.fch needs 512.0 MiB, over this GPU's maxBufferSize (256.0 MiB) by 256.0 MiB (28 buffers are over); use a smaller batch size",
    ]);
  });

  it('names the model when a parameter-sized buffer is too large', () => {
    const c: ComparisonConfig = { ...DEFAULT_COMPARISON, batchSize: 1 };
    const plan = planComparison(c, { vocab: 80 });
    const P = plan.buffers.find((b) => b.label === 'RunA.model.params')!.bytes;
    const errors = checkMemoryPlan(plan, { maxStorageBufferBindingSize: P - 4, maxBufferSize: 1e12, budgetBytes: 1e12 }, c);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^model = "gpt-tiny": buffer RunA\.model\.\w+ needs .* by 4 B \(\d+ buffers are over\); use a smaller model$/);
  });

  it('refuses a plan over the total budget', () => {
    const c = DEFAULT_COMPARISON;
    const plan = planComparison(c, { vocab: 80 });
    expect(checkMemoryPlan(plan, { ...DEFAULT_LIMITS, budgetBytes: plan.totalBytes }, c)).toEqual([]);
    const errors = checkMemoryPlan(plan, { ...DEFAULT_LIMITS, budgetBytes: plan.totalBytes - 1024 }, c);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/the comparison needs .* of GPU memory in \d+ buffers, over the budget of .* by 1\.0 KiB/);
    expect(errors[0]).toMatch(/^(batchSize = 16|model = "gpt-tiny"): /);
  });

  it('runs inside validateConfig as a check, before anything is allocated', () => {
    const check = memoryPlanCheck({ ...DEFAULT_LIMITS, budgetBytes: 1e15 });
    expect(validateConfig(DEFAULT_COMPARISON, { checks: [check] }).ok).toBe(true);
    const big = { ...DEFAULT_COMPARISON, model: 'gpt-small', batchSize: 1024 };
    const r = validateConfig(big, { checks: [check] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^batchSize = 1024: buffer RunA\.model\.h0\.fch needs 512\.0 MiB/);
  });

  it('never throws: a shape the layers refuse becomes a message naming the model', () => {
    const check = memoryPlanCheck(DEFAULT_LIMITS, { image: { C: 3, H: 5, W: 5 } });
    const errors = check({ ...DEFAULT_COMPARISON, model: 'mlp-mnist', dataset: 'mnist' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^model = "mlp-mnist": MLP config: inputs = 784 but images are 3×5×5/);
  });

  it('formats sizes', () => {
    expect(formatBytes(640)).toBe('640 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });
});
