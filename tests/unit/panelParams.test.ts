// The checks behind the toy and sample controls (src/store/toyParams.ts, sampleParams.ts) and the
// name of a saved comparison (persistence.ts): each refusal is a message, never a silent drop.
import { describe, expect, it } from 'vitest';
import { derivedTitle, savedLabel, validateSavedTitle, type SavedComparison } from '../../src/store/persistence';
import { checkSampleLength, checkSamplePrompt, checkSampleTemperature } from '../../src/store/sampleParams';
import { TOY_RANGES, TOY_START_LIMIT, validateToyParams } from '../../src/store/toyParams';

describe('toy parameters', () => {
  it('accepts the defaults and the ends of each range', () => {
    expect(validateToyParams({ start: [1, 0.01], eta: 1, kappa: 9000, gamma: 0.5, steps: 300 })).toBeNull();
    for (const [key, r] of Object.entries(TOY_RANGES)) {
      expect(validateToyParams({ [key]: r.min })).toBeNull();
      expect(validateToyParams({ [key]: r.max })).toBeNull();
    }
    expect(validateToyParams({})).toBeNull();
    expect(validateToyParams({ start: [-TOY_START_LIMIT, TOY_START_LIMIT] })).toBeNull();
  });

  it('refuses out-of-range, non-finite and non-integer values with the range', () => {
    expect(validateToyParams({ eta: 0.01 })).toBe('η must be a number in [0.05, 2.5]');
    expect(validateToyParams({ eta: 3 })).toBe('η must be a number in [0.05, 2.5]');
    expect(validateToyParams({ eta: Number.NaN })).toBe('η must be a number in [0.05, 2.5]');
    expect(validateToyParams({ kappa: -1 })).toBe('κ must be a number in [0, 10000]');
    expect(validateToyParams({ kappa: Number.POSITIVE_INFINITY })).toBe('κ must be a number in [0, 10000]');
    expect(validateToyParams({ gamma: 1.5 })).toBe('γ must be a number in [0, 1]');
    expect(validateToyParams({ steps: 15.5 })).toBe('steps must be an integer in [10, 2000]');
    expect(validateToyParams({ steps: 5 })).toBe('steps must be an integer in [10, 2000]');
    expect(validateToyParams({ steps: 2001 })).toBe('steps must be an integer in [10, 2000]');
  });

  it('checks only the keys given, and the start point as a pair of finite numbers', () => {
    expect(validateToyParams({ eta: 1, steps: 1 })).toBe('steps must be an integer in [10, 2000]');
    const bad = 'the start (u, v) must be two numbers in [-100, 100]';
    expect(validateToyParams({ start: [Number.NaN, 0] })).toBe(bad);
    expect(validateToyParams({ start: [0, 101] })).toBe(bad);
    expect(validateToyParams({ start: [1] as unknown as [number, number] })).toBe(bad);
  });
});

describe('sample parameters', () => {
  it('refuses an empty or long prompt, a length outside 1..1000, a temperature outside (0, 5]', () => {
    expect(checkSamplePrompt('Call me Ishmael. ')).toBeNull();
    expect(checkSamplePrompt('')).toBe('the prompt is empty');
    expect(checkSamplePrompt('x'.repeat(1001))).toBe('the prompt is longer than 1000 characters');
    expect(checkSampleLength(1)).toBeNull();
    expect(checkSampleLength(1000)).toBeNull();
    for (const bad of [0, 1001, 2.5, Number.NaN]) expect(checkSampleLength(bad)).toBe('length must be an integer from 1 to 1000');
    expect(checkSampleTemperature(5)).toBeNull();
    expect(checkSampleTemperature(0.05)).toBeNull();
    for (const bad of [0, -1, 5.01, Number.NaN]) expect(checkSampleTemperature(bad)).toBe('temperature must be > 0 and ≤ 5');
  });
});

describe('saved comparison names', () => {
  const item: SavedComparison = { id: 'c1', updatedAt: 0, model: 'gpt-tiny', runNames: ['AdamW', 'AdmIRE'], step: 3, title: null };

  it('derive from the run names until renamed', () => {
    expect(derivedTitle(['AdamW', 'AdmIRE', 'C'])).toBe('AdamW vs AdmIRE vs C');
    expect(savedLabel(item)).toBe('AdamW vs AdmIRE');
    expect(savedLabel({ ...item, title: 'lr sweep <b>' })).toBe('lr sweep <b>');
  });

  it('are trimmed and 1 to 100 characters (code points)', () => {
    expect(validateSavedTitle('  lr sweep  ')).toEqual({ ok: true, title: 'lr sweep' });
    expect(validateSavedTitle('😀'.repeat(100))).toEqual({ ok: true, title: '😀'.repeat(100) });
    expect(validateSavedTitle('   ')).toEqual({ ok: false, message: 'name must be 1 to 100 characters (it has 0)' });
    expect(validateSavedTitle('x'.repeat(101))).toEqual({ ok: false, message: 'name must be 1 to 100 characters (it has 101)' });
  });
});
