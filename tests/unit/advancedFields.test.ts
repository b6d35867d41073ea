// The Advanced settings catalogue (src/ui/advancedFields.ts): together with the run card and the
// model select it reaches every field of a ComparisonConfig; its ranges and choices are the
// schema's; number text, refusal wording and dataset choices.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE } from '../../src/train/config';
import { COMPARISON_SPEC, fieldSpec, type FieldSpec, type NumberSpec } from '../../src/train/configSchema';
import { LIVE_FIELDS, liveFieldPath } from '../../src/train/liveSettings';
import {
  COMPARISON_FIELDS,
  RUN_FIELDS,
  comparisonFieldApplies,
  datasetChoices,
  fieldMessage,
  helpLine,
  numberOption,
  parseNumberText,
  parseWidthListText,
  readConfigPath,
  runFieldApplies,
  runFieldPath,
  type RunFieldKey,
} from '../../src/ui/advancedFields';

/** Every leaf path of a spec, arrays of objects by their first item ("runs[0].optimizer.lr"); a list of numbers is one field ("mlpHidden"). */
function leaves(spec: FieldSpec, path: string): string[] {
  if (spec.kind === 'object') return Object.entries(spec.fields).flatMap(([k, f]) => leaves(f, path === '' ? k : `${path}.${k}`));
  if (spec.kind === 'array') return spec.item.kind === 'object' ? leaves(spec.item, `${path}[0]`) : [path];
  return [path];
}

/** Fields the page shows outside the panel, or that nobody sets. */
const ELSEWHERE = [
  'version', // fixed: the format's version
  'model', // the Model select
  'runs[0].id', // fixed when the run is made
  'runs[0].name', // the run card's name box
  'runs[0].optimizer.base', // the run card's base select
];

const RUN_KEYS = Object.keys(RUN_FIELDS) as RunFieldKey[];
const advancedPaths = [...Object.keys(COMPARISON_FIELDS), ...RUN_KEYS.map((k) => runFieldPath(0, k))];

describe('advanced settings catalogue', () => {
  it('with the run card (live settings) and the model select, reaches every field of the config', () => {
    const onCard = LIVE_FIELDS.map((f) => liveFieldPath(0, f)).filter((p) => !advancedPaths.includes(p));
    const reachable = new Set([...advancedPaths, ...onCard, ...ELSEWHERE]);
    const all = leaves(COMPARISON_SPEC, '');
    expect(all.filter((p) => !reachable.has(p))).toEqual([]);
    expect([...reachable].filter((p) => !all.includes(p))).toEqual([]); // no stale names
    expect(new Set(advancedPaths).size).toBe(advancedPaths.length);
  });

  it('names only schema fields; every choice is one of the schema values', () => {
    for (const [path, text] of [...Object.entries(COMPARISON_FIELDS), ...RUN_KEYS.map((k) => [runFieldPath(1, k), RUN_FIELDS[k]] as const)]) {
      const spec = fieldSpec(path);
      expect(spec, path).not.toBeNull();
      expect(text.label.length, path).toBeGreaterThan(0);
      expect(text.help, path).toMatch(/^\S.*\.$/);
      const choices = 'choices' in text ? Object.keys(text.choices) : [];
      const values = spec?.kind === 'enum' ? spec.values : spec?.kind === 'union' ? spec.options.flatMap((o) => (o.kind === 'enum' ? o.values : [])) : [];
      for (const c of choices) expect(values, `${path} choice ${c}`).toContain(c);
    }
  });

  it('appends the schema range to the help line of number fields only', () => {
    expect(helpLine(COMPARISON_FIELDS.totalSteps, fieldSpec('totalSteps'))).toBe(`${COMPARISON_FIELDS.totalSteps.help} An integer in [1, 10000000].`);
    expect(helpLine(RUN_FIELDS['optimizer.ire.ema'], fieldSpec('runs[0].optimizer.ire.ema'))).toMatch(/ A number in \[0, 1\)\.$/);
    // IRE's start is a union: the range is its number option's
    expect(helpLine(RUN_FIELDS['optimizer.ire.startStep'], fieldSpec('runs[0].optimizer.ire.startStep'))).toMatch(/ An integer in \[0, 10000000\]\.$/);
    expect(helpLine(COMPARISON_FIELDS.dataset, fieldSpec('dataset'))).toBe(COMPARISON_FIELDS.dataset.help);
    expect(numberOption(fieldSpec('runs[0].optimizer.nesterov'))).toBeNull();
  });

  it('reads values at schema paths', () => {
    expect(readConfigPath(DEFAULT_COMPARISON, 'totalSteps')).toBe(2000);
    expect(readConfigPath(DEFAULT_COMPARISON, 'runs[1].optimizer.ire.gamma')).toBe(0.8);
    expect(readConfigPath(DEFAULT_COMPARISON, 'runs[1].optimizer.ire.startStep')).toBe('warmup-end');
    expect(readConfigPath(DEFAULT_COMPARISON, 'runs[5].optimizer.lr')).toBeUndefined();
    expect(readConfigPath(DEFAULT_COMPARISON, 'totalSteps.x')).toBeUndefined();
    expect(readConfigPath(DEFAULT_COMPARISON, 'not a path')).toBeUndefined();
  });

  it('shows an optimizer field only where it means something', () => {
    const sgd = { ...DEFAULT_ADAMW, base: 'sgd' as const };
    const sam = { ...DEFAULT_ADAMW, base: 'sam' as const };
    const ire = { ...DEFAULT_ADAMW, ire: { ...DEFAULT_IRE, enabled: true } };
    expect(runFieldApplies(DEFAULT_ADAMW, 'optimizer.beta2')).toBe(true);
    expect(runFieldApplies(DEFAULT_ADAMW, 'optimizer.nesterov')).toBe(false);
    expect(runFieldApplies(sgd, 'optimizer.nesterov')).toBe(true);
    expect(runFieldApplies(sam, 'optimizer.nesterov')).toBe(true); // SAM's base step is SGD
    expect(runFieldApplies(sgd, 'optimizer.eps')).toBe(false);
    expect(runFieldApplies(sgd, 'optimizer.beta1')).toBe(true); // the momentum
    expect(runFieldApplies(DEFAULT_ADAMW, 'optimizer.ire.ema')).toBe(false);
    expect(runFieldApplies(ire, 'optimizer.ire.ema')).toBe(true);
    expect(runFieldApplies(ire, 'optimizer.warmupSteps')).toBe(true);
  });

  it('shows the training subset for image datasets and the MLP widths for MLP models only (the schema refuses them elsewhere)', () => {
    const mlp = { model: 'mlp-mnist' as const, dataset: 'mnist' as const };
    expect(comparisonFieldApplies(mlp, 'trainSubset')).toBe(true);
    expect(comparisonFieldApplies(mlp, 'mlpHidden')).toBe(true);
    expect(comparisonFieldApplies({ model: 'cnn-cifar10', dataset: 'cifar10' }, 'trainSubset')).toBe(true);
    expect(comparisonFieldApplies({ model: 'cnn-cifar10', dataset: 'cifar10' }, 'mlpHidden')).toBe(false);
    expect(comparisonFieldApplies(DEFAULT_COMPARISON, 'trainSubset')).toBe(false);
    expect(comparisonFieldApplies(DEFAULT_COMPARISON, 'mlpHidden')).toBe(false);
    expect(comparisonFieldApplies(DEFAULT_COMPARISON, 'seeds')).toBe(true);
  });
});

describe('advanced settings input', () => {
  const steps = fieldSpec('totalSteps') as NumberSpec;
  it('parses number text and refuses anything else with the label and the schema range', () => {
    expect(parseNumberText(' 1e3 ', 'total steps', steps)).toEqual({ ok: true, value: 1000 });
    for (const bad of ['', 'abc', '1,5', 'Infinity', '0x10']) {
      expect(parseNumberText(bad, 'total steps', steps)).toEqual({ ok: false, message: 'total steps must be an integer in [1, 10000000]' });
    }
    // In range or not is the store's to say: a number parses.
    expect(parseNumberText('-3', 'total steps', steps)).toEqual({ ok: true, value: -3 });
  });

  it('parses a list of widths ("128, 64"; empty: the preset\'s) and refuses other text with the label', () => {
    expect(parseWidthListText(' 128, 64 ', 'MLP hidden widths')).toEqual({ ok: true, value: [128, 64] });
    expect(parseWidthListText('64', 'MLP hidden widths')).toEqual({ ok: true, value: [64] });
    expect(parseWidthListText('  ', 'MLP hidden widths')).toEqual({ ok: true, value: [] });
    for (const bad of ['64,,32', '6.5', 'wide', '-4', '64 32', '1e3']) {
      expect(parseWidthListText(bad, 'MLP hidden widths'), bad).toEqual({ ok: false, message: 'MLP hidden widths must be a list of whole numbers such as 64 or 128, 64' });
    }
    // The ranges are the schema's, checked by the store: 0 parses.
    expect(parseWidthListText('0', 'MLP hidden widths')).toEqual({ ok: true, value: [0] });
  });

  it('words a refusal about the field with its label; other messages stay as they are', () => {
    const p = 'runs[0].optimizer.warmupSteps';
    expect(fieldMessage(p, 'warm-up steps', `${p} = 5000: must be in [0, 2000] (at most totalSteps)`)).toBe('warm-up steps must be in [0, 2000] (at most totalSteps)');
    expect(fieldMessage('totalSteps', 'total steps', 'totalSteps = 0: must be in [1, 10000000]')).toBe('total steps must be in [1, 10000000]');
    expect(fieldMessage('seed', 'seed', 'seed: missing; must be an integer')).toBe('seed missing; must be an integer');
    expect(fieldMessage('totalSteps', 'total steps', 'Reset to change totalSteps: it is fixed once the comparison has trained')).toBe(
      'Reset to change totalSteps: it is fixed once the comparison has trained',
    );
    // Another field's message (a cross-field rule) is not relabelled.
    expect(fieldMessage('runs[0].optimizer.minLr', 'minimum lr', 'runs[0].optimizer.minLrX = 1: no')).toBe('runs[0].optimizer.minLrX = 1: no');
    expect(fieldMessage('totalSteps', 'total steps', 'runs[0].optimizer.warmupSteps = 50: must be in [0, 10] (at most totalSteps)')).toBe(
      'runs[0].optimizer.warmupSteps = 50: must be in [0, 10] (at most totalSteps)',
    );
  });

  it('offers the datasets that fit the model; your text only once loaded; CIFAR-10 only for its CNN', () => {
    expect(datasetChoices('gpt-tiny', 'moby-dick', false)).toEqual(['moby-dick']);
    expect(datasetChoices('gpt-small', 'moby-dick', true)).toEqual(['moby-dick', 'user-text']);
    expect(datasetChoices('mlp-mnist', 'mnist', true)).toEqual(['mnist']);
    expect(datasetChoices('cnn-mnist', 'mnist', false)).toEqual(['mnist']);
    expect(datasetChoices('cnn-cifar10', 'cifar10', false)).toEqual(['cifar10']);
    expect(datasetChoices('toy-2d', 'toy', true)).toEqual(['toy']);
    // The dataset a link set stays listed, so the select shows what the config says.
    expect(datasetChoices('gpt-tiny', 'user-text', false)).toEqual(['moby-dick', 'user-text']);
  });
});
