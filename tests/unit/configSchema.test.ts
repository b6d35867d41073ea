import { describe, expect, it } from 'vitest';
import type { ComparisonConfig } from '../../src/train/config';
import { DEFAULT_COMPARISON } from '../../src/train/config';
import { fieldSpec, mergeOverDefaults, validateConfig, validateField, validatePartialConfig } from '../../src/train/configSchema';
import { base64UrlDecode, base64UrlEncode, configDiff, configFromUrlHash, configToUrlHash } from '../../src/train/urlState';

const clone = (): ComparisonConfig => structuredClone(DEFAULT_COMPARISON);
const errorsOf = (value: unknown) => {
  const r = validateConfig(value);
  return r.ok ? [] : r.errors;
};

describe('config schema', () => {
  it('accepts the defaults and returns a copy', () => {
    const r = validateConfig(DEFAULT_COMPARISON);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.config).toEqual(DEFAULT_COMPARISON);
      expect(r.config).not.toBe(DEFAULT_COMPARISON);
    }
  });

  it('names the field and the allowed range of each rejected value', () => {
    const c = clone() as unknown as { runs: { optimizer: Record<string, unknown> & { ire: Record<string, unknown> } }[] } & Record<string, unknown>;
    c.runs[1].optimizer.ire.gamma = 1.5;
    c.runs[0].optimizer.lr = -0.1;
    c.runs[0].optimizer.ire.kappa = -1;
    c.runs[1].optimizer.ire.refreshEvery = 2.5;
    c.runs[0].optimizer.beta1 = 1;
    c.seed = 2 ** 32;
    c.batchSize = '16';
    c.model = 'gpt-huge';
    expect(errorsOf(c)).toEqual([
      'model = "gpt-huge": must be one of "gpt-tiny", "gpt-small", "mlp-mnist", "cnn-mnist", "cnn-cifar10", "toy-2d"',
      'seed = 4294967296: must be in [0, 4294967295]',
      'batchSize = "16": must be an integer in [1, 4096]',
      'runs[0].optimizer.lr = -0.1: must be in (0, 10]',
      'runs[0].optimizer.beta1 = 1: must be in [0, 1)',
      'runs[0].optimizer.ire.kappa = -1: must be in [0, 1000]',
      'runs[1].optimizer.ire.gamma = 1.5: must be in [0, 1]',
      'runs[1].optimizer.ire.refreshEvery = 2.5: must be an integer in [1, 10000000]',
    ]);
  });

  it('rejects unknown and missing keys, NaN, empty run lists and long names', () => {
    const c = clone() as unknown as Record<string, unknown> & { runs: Record<string, unknown>[] };
    c.colour = 'red';
    delete c.runs[0].name;
    c.runs[1].name = 'x'.repeat(101);
    (c.runs[1].optimizer as Record<string, unknown>).lr = NaN;
    expect(errorsOf(c)).toEqual([
      'runs[0].name: missing; must be text of 1 to 100 characters',
      'runs[1].name = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…": must be text of 1 to 100 characters',
      'runs[1].optimizer.lr = NaN: must be a number in (0, 10]',
      'colour: unknown key',
    ]);
    expect(errorsOf({ ...clone(), runs: [] })).toEqual(['runs = a list of 0: must be a list of 1 to 8 items']);
    expect(errorsOf(7)).toEqual(['(root) = 7: must be an object']);
    expect(errorsOf({ ...clone(), 'a b': 1 })).toEqual(['["a b"]: unknown key']);
  });

  it('checks rules across fields once the structure is valid', () => {
    const c = clone();
    c.runs[1].id = 'A';
    c.dataset = 'mnist';
    c.runs[0].optimizer = { ...c.runs[0].optimizer, minLr: 0.01, warmupSteps: 3000 };
    expect(errorsOf(c)).toEqual([
      'dataset = "mnist": does not fit model "gpt-tiny"; must be one of "moby-dick", "user-text"',
      'runs[0].optimizer.warmupSteps = 3000: must be in [0, 2000] (at most totalSteps)',
      'runs[1].id = "A": must be unique (runs[0].id is the same)',
    ]);
  });

  it('trainSubset and mlpHidden: optional (older links, bundles and checkpoints), ranges named, only where they apply', () => {
    const { trainSubset: _t, mlpHidden: _m, ...older } = clone();
    const r = validateConfig(older);
    expect(r.ok && [r.config.trainSubset, r.config.mlpHidden]).toEqual([0, []]);
    const mlp: ComparisonConfig = { ...clone(), model: 'mlp-mnist', dataset: 'mnist', batchSize: 512 };
    expect(validateConfig({ ...mlp, trainSubset: 512, mlpHidden: [64, 32] }).ok).toBe(true);
    expect(errorsOf({ ...mlp, trainSubset: 4097, mlpHidden: [64, 0, 1.5, 5000] })).toEqual([
      'trainSubset = 4097: must be in [0, 4096]',
      'mlpHidden[1] = 0: must be in [1, 4096]',
      'mlpHidden[2] = 1.5: must be an integer in [1, 4096]',
      'mlpHidden[3] = 5000: must be in [1, 4096]',
    ]);
    expect(errorsOf({ ...mlp, mlpHidden: Array(9).fill(8) })).toEqual(['mlpHidden = a list of 9: must be a list of 0 to 8 items']);
    expect(errorsOf({ ...mlp, trainSubset: -1 })).toEqual(['trainSubset = -1: must be in [0, 4096]']);
    expect(errorsOf({ ...clone(), trainSubset: 512, mlpHidden: [64] })).toEqual([
      'trainSubset = 512: is for image datasets (mnist, cifar10), not "moby-dick"; must be 0 (the whole training split)',
      'mlpHidden = a list of 1: is for MLP models (mlp-mnist), not "gpt-tiny"; must be empty (the preset\'s widths)',
    ]);
    expect(errorsOf({ ...mlp, model: 'cnn-mnist', mlpHidden: [64] })).toEqual(['mlpHidden = a list of 1: is for MLP models (mlp-mnist), not "cnn-mnist"; must be empty (the preset\'s widths)']);
    expect(validateConfig({ ...mlp, model: 'cnn-mnist', trainSubset: 100 }).ok).toBe(true); // a subset fits any image model
    expect(validateField('mlpHidden', [64])).toBeNull();
    expect(validateField('mlpHidden', [0])).toBe('mlpHidden[0] = 0: must be in [1, 4096]');
    expect(validateField('trainSubset', 0)).toBeNull();
  });

  it('a link carries trainSubset and mlpHidden, and leaves them out at their defaults', () => {
    const c: ComparisonConfig = { ...clone(), model: 'mlp-mnist', dataset: 'mnist', trainSubset: 512, batchSize: 512, mlpHidden: [64, 32] };
    expect(configDiff(c)).toMatchObject({ trainSubset: 512, mlpHidden: [64, 32] });
    expect(configFromUrlHash(configToUrlHash(c))).toEqual({ config: c, notice: null });
    const widerOnly: ComparisonConfig = { ...c, trainSubset: 0, mlpHidden: [] };
    expect(Object.keys(configDiff(widerOnly))).not.toContain('mlpHidden');
    expect(Object.keys(configDiff(widerOnly))).not.toContain('trainSubset');
    expect(configFromUrlHash(configToUrlHash(widerOnly)).config).toEqual(widerOnly);
    // An array is replaced, not merged item by item: [128] over a base of [64, 32] is [128].
    expect(validatePartialConfig({ mlpHidden: [128] }, c)).toMatchObject({ ok: true, config: { mlpHidden: [128] } });
  });

  it('runs the engine hook (device limits) only on a valid config', () => {
    const check = (c: ComparisonConfig) => (c.batchSize > 8 ? [`batchSize = ${c.batchSize}: activations need 2.0 GiB, the device allows 1.0 GiB`] : []);
    expect(validateConfig(DEFAULT_COMPARISON, { checks: [check] })).toEqual({ ok: false, errors: ['batchSize = 16: activations need 2.0 GiB, the device allows 1.0 GiB'] });
    expect(validateConfig({ ...clone(), batchSize: 8 }, { checks: [check] }).ok).toBe(true);
  });

  it('merges partial configs over the defaults (documented policy)', () => {
    const r = validatePartialConfig({ model: 'cnn-mnist', runs: [{ optimizer: { lr: 0.01 } }, {}, { name: 'third', optimizer: { ire: { gamma: 0.3 } } }] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.dataset).toBe('mnist'); // followed the model
    expect(r.config.runs.map((x) => x.id)).toEqual(['A', 'B', 'C']);
    expect(r.config.runs[0].optimizer.lr).toBe(0.01);
    expect(r.config.runs[0].optimizer.beta2).toBe(0.95);
    expect(r.config.runs[2].optimizer.ire).toMatchObject({ enabled: true, gamma: 0.3 }); // over the last default run
    expect(validatePartialConfig({ optimizer: {} })).toEqual({ ok: false, errors: ['optimizer: unknown key'] });
  });

  it('keeps "__proto__" keys inert: rejected as unknown, no prototype touched', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": 1}, "runs": [{"__proto__": {"x": 1}}]}') as unknown;
    const merged = mergeOverDefaults(hostile) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(errorsOf(merged)).toEqual(['runs[0].__proto__: unknown key', '__proto__: unknown key']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('validates single fields for the UI and exposes their specs', () => {
    expect(validateField('runs[1].optimizer.ire.gamma', 1.5)).toBe('runs[1].optimizer.ire.gamma = 1.5: must be in [0, 1]');
    expect(validateField('runs[1].optimizer.ire.gamma', 0.25)).toBeNull();
    expect(validateField('runs[0].optimizer.ire.startStep', 'warmup-end')).toBeNull();
    expect(validateField('runs[0].optimizer.ire.startStep', -3)).toBe('runs[0].optimizer.ire.startStep = -3: must be an integer in [0, 10000000] or one of "warmup-end"');
    expect(validateField('runs[0].optimizer.base', 'lion')).toBe('runs[0].optimizer.base = "lion": must be one of "adamw", "sgd", "sam"');
    expect(validateField('runs[0].optimizer.flux', 1)).toBe('runs[0].optimizer.flux: unknown field');
    expect(validateField('runs[9].name', 'x')).toBe('runs[9].name: unknown field');
    expect(fieldSpec('runs[0].optimizer.ire.kappa')).toEqual({ kind: 'number', min: 0, max: 1000 });
  });
});

describe('URL codec', () => {
  it('encodes only the differences and round-trips', () => {
    expect(configToUrlHash(DEFAULT_COMPARISON)).toBe('');
    const c = clone();
    c.seed = 7;
    c.runs[1].optimizer = { ...c.runs[1].optimizer, ire: { ...c.runs[1].optimizer.ire, kappa: 3 } };
    c.runs.push({ id: 'C', name: 'SGD <b>', optimizer: { ...c.runs[0].optimizer, base: 'sgd', lr: 0.1 } });
    // Run C differs from the last default run (B: IRE on, κ = 2, γ = 0.8) in IRE as well.
    expect(configDiff(c)).toEqual({ seed: 7, runs: [{}, { optimizer: { ire: { kappa: 3 } } }, { id: 'C', name: 'SGD <b>', optimizer: { base: 'sgd', lr: 0.1, ire: { enabled: false, kappa: 4, gamma: 0.6 } } }] });
    const hash = configToUrlHash(c);
    expect(hash).toMatch(/^#c=[A-Za-z0-9_-]+$/);
    expect(configFromUrlHash(hash)).toEqual({ config: c, notice: null });
    expect(configFromUrlHash(`https://example.org/app/?x=1${hash}&other=2`).config).toEqual(c);
    const m = clone();
    m.model = 'gpt-small';
    expect(configFromUrlHash(configToUrlHash(m)).config).toEqual(m);
  });

  it('opens the defaults with a notice for tampered, truncated and huge links', () => {
    const c = clone();
    c.batchSize = 32;
    const hash = configToUrlHash(c);
    for (const bad of [hash.slice(0, -3), '#c=%%%', '#c=' + 'A'.repeat(9000), '#c=' + base64UrlEncode(new TextEncoder().encode('{"runs": [{"optimizer": {"lr": -1}}]}')), '#c=' + base64UrlEncode(new TextEncoder().encode('[1,2]'))]) {
      const r = configFromUrlHash(bad);
      expect(r.config).toEqual(DEFAULT_COMPARISON);
      expect(r.notice).toMatch(/^The link's configuration .+; the default configuration was opened instead\.$/);
    }
    expect(configFromUrlHash('#c=' + base64UrlEncode(new TextEncoder().encode('{"runs": [{"optimizer": {"lr": -1}}]}'))).notice).toContain('runs[0].optimizer.lr = -1: must be in (0, 10]');
    expect(configFromUrlHash('')).toEqual({ config: DEFAULT_COMPARISON, notice: null });
  });

  it('base64url round-trips every length', () => {
    for (let n = 0; n < 20; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n) & 255);
      expect(Array.from(base64UrlDecode(base64UrlEncode(bytes)) ?? [])).toEqual(Array.from(bytes));
    }
    expect(base64UrlEncode(new TextEncoder().encode('hi?>'))).toBe('aGk_Pg');
    expect(base64UrlDecode('abcde')).toBeNull();
    expect(base64UrlDecode('ab+c')).toBeNull();
  });
});
