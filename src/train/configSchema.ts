// The one validator for every ComparisonConfig that enters the engine: from the UI, the URL, an
// imported bundle or the CLI. It never throws on any input (the fuzz test feeds it thousands of
// hostile values) and every rejection names the field path and the allowed range:
//   runs[1].optimizer.ire.gamma = 1.5: must be in [0, 1]
//
// Policy on partial objects:
// - validateConfig(value) is strict: a complete config, no unknown keys (imported bundles,
//   the engine's entry).
// - validatePartialConfig(value, base) first merges the value over a base config (default:
//   DEFAULT_COMPARISON), then validates strictly. Used for the URL (which carries only the
//   differences from the defaults) and CLI config files. Merging is key by key for objects;
//   `runs[i]` merges over base.runs[i], or over the base's last run when i is past its end (its
//   id then defaults to the i-th letter, "C", "D", …); other arrays are replaced; when the
//   value sets `model` but not `dataset`, the dataset becomes DEFAULT_DATASET[model].
// Device limits (memory plan against maxStorageBufferBindingSize / maxBufferSize) are the
// engine's: it passes them as `checks`, run only on a structurally valid config.
import { DATASET_KIND } from '../data/datasets';
import { datasetsForModel, datasetFitsModel } from './datasetFit';
import type { ComparisonConfig, DatasetName, IreConfig, ModelPreset } from './config';
import { BASE_OPTIMIZERS, DEFAULT_COMPARISON, DEFAULT_DATASET, MODEL_PRESETS } from './config';

// ---------------------------------------------------------------------------------------------
// Field specifications

export interface NumberSpec {
  kind: 'number';
  min: number;
  max: number;
  minOpen?: boolean; // min excluded: (min, …
  maxOpen?: boolean; // max excluded: …, max)
  integer?: boolean;
}
export interface BooleanSpec {
  kind: 'boolean';
}
export interface EnumSpec {
  kind: 'enum';
  values: readonly (string | number)[];
}
export interface StringSpec {
  kind: 'string';
  minLength: number; // in characters (code points)
  maxLength: number;
  pattern?: RegExp;
  patternHint?: string; // what the pattern allows, in words
}
export interface ObjectSpec {
  kind: 'object';
  fields: Readonly<Record<string, FieldSpec>>;
  /** Fields that may be missing, with the value a missing one takes (fields added after
   *  configurations were saved: older links, bundles and checkpoints stay valid). */
  defaults?: Readonly<Record<string, unknown>>;
}
export interface ArraySpec {
  kind: 'array';
  item: FieldSpec;
  minItems: number;
  maxItems: number;
}
export interface UnionSpec {
  kind: 'union';
  options: readonly FieldSpec[];
}
export type FieldSpec = NumberSpec | BooleanSpec | EnumSpec | StringSpec | ObjectSpec | ArraySpec | UnionSpec;

/** Upper bounds that keep a hostile URL or file from asking for absurd work. */
export const LIMITS = {
  maxSteps: 10_000_000,
  maxBatchSize: 4096,
  maxRuns: 8,
  maxNameLength: 100,
  maxIdLength: 16,
  maxSeeds: 5,
  maxHiddenLayers: 8, // mlpHidden entries (and the CLI's --hidden)
  maxHiddenWidth: 4096, // one mlpHidden width
} as const;

const num = (min: number, max: number, opts: Omit<NumberSpec, 'kind' | 'min' | 'max'> = {}): NumberSpec => ({ kind: 'number', min, max, ...opts });
const int = (min: number, max: number): NumberSpec => num(min, max, { integer: true });
const bool: BooleanSpec = { kind: 'boolean' };
const oneOf = (values: readonly (string | number)[]): EnumSpec => ({ kind: 'enum', values });

export const MODEL_NAMES = Object.keys(MODEL_PRESETS) as ModelPreset[];
export const DATASET_NAMES = Object.keys(DATASET_KIND) as DatasetName[];
const IMAGE_DATASETS = DATASET_NAMES.filter((d) => DATASET_KIND[d] === 'image');
const MLP_MODELS = MODEL_NAMES.filter((m) => MODEL_PRESETS[m].kind === 'mlp');
const HESSIAN_FORMS: Record<IreConfig['hessianForm'], true> = { square: true, abs: true };

const IRE_SPEC: ObjectSpec = {
  kind: 'object',
  fields: {
    enabled: bool,
    kappa: num(0, 1000),
    gamma: num(0, 1),
    refreshEvery: int(1, LIMITS.maxSteps),
    startStep: { kind: 'union', options: [int(0, LIMITS.maxSteps), oneOf(['warmup-end'])] },
    kappaFollowsLr: bool,
    hessianForm: oneOf(Object.keys(HESSIAN_FORMS)),
    ema: num(0, 1, { maxOpen: true }),
  },
};

const OPTIMIZER_SPEC: ObjectSpec = {
  kind: 'object',
  fields: {
    base: oneOf(BASE_OPTIMIZERS),
    lr: num(0, 10, { minOpen: true }),
    minLr: num(0, 10),
    warmupSteps: int(0, LIMITS.maxSteps),
    beta1: num(0, 1, { maxOpen: true }),
    beta2: num(0, 1, { maxOpen: true }),
    eps: num(0, 1, { minOpen: true }),
    weightDecay: num(0, 10),
    decayNormsBiasesEmbeddings: bool,
    nesterov: bool,
    rho: num(0, 10),
    gradClip: num(0, 1e6),
    ire: IRE_SPEC,
  },
};

const RUN_SPEC: ObjectSpec = {
  kind: 'object',
  fields: {
    id: { kind: 'string', minLength: 1, maxLength: LIMITS.maxIdLength, pattern: /^[A-Za-z0-9_-]+$/, patternHint: 'letters, digits, _ and -' },
    name: { kind: 'string', minLength: 1, maxLength: LIMITS.maxNameLength },
    optimizer: OPTIMIZER_SPEC,
  },
};

export const COMPARISON_SPEC: ObjectSpec = {
  kind: 'object',
  fields: {
    version: oneOf([1]),
    model: oneOf(MODEL_NAMES),
    dataset: oneOf(DATASET_NAMES),
    seed: int(0, 0xffffffff),
    seeds: int(1, LIMITS.maxSeeds),
    batchSize: int(1, LIMITS.maxBatchSize),
    totalSteps: int(1, LIMITS.maxSteps),
    evalEvery: int(0, LIMITS.maxSteps),
    sharpnessEvery: { kind: 'union', options: [int(0, LIMITS.maxSteps), oneOf(['auto'])] },
    sharpnessProbes: int(1, 1024),
    checkpointEvery: int(1, LIMITS.maxSteps),
    trainSubset: int(0, LIMITS.maxBatchSize),
    mlpHidden: { kind: 'array', item: int(1, LIMITS.maxHiddenWidth), minItems: 0, maxItems: LIMITS.maxHiddenLayers },
    runs: { kind: 'array', item: RUN_SPEC, minItems: 1, maxItems: LIMITS.maxRuns },
  },
  defaults: { seeds: 1, trainSubset: 0, mlpHidden: [] },
};

// ---------------------------------------------------------------------------------------------
// Messages

/** The allowed values of a spec, in words ("in (0, 10]", "one of "adamw", "sgd", "sam""). */
export function describeSpec(spec: FieldSpec): string {
  switch (spec.kind) {
    case 'number': {
      const what = spec.integer ? 'an integer' : 'a number';
      return `${what} in ${spec.minOpen ? '(' : '['}${spec.min}, ${spec.max}${spec.maxOpen ? ')' : ']'}`;
    }
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'string':
      return `text of ${spec.minLength} to ${spec.maxLength} characters${spec.patternHint ? ` (${spec.patternHint})` : ''}`;
    case 'object':
      return 'an object';
    case 'array':
      return `a list of ${spec.minItems} to ${spec.maxItems} items`;
    case 'union':
      return spec.options.map(describeSpec).join(' or ');
  }
}

/** A value as it may appear in a message: short, and never markup-bearing code. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return `a ${typeof value}`;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

const joinPath = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/** Path of an arbitrary (possibly hostile) key: `a.b` for identifiers, else `a["…"]`, shortened. */
function keyPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$]{0,39}$/.test(key)) return joinPath(path, key);
  return `${path}[${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}]`;
}

// ---------------------------------------------------------------------------------------------
// Structural validation

/** Errors of one value against one spec (empty when valid). `path` names the value in messages. */
export function checkValue(spec: FieldSpec, value: unknown, path: string, errors: string[] = []): string[] {
  const shown = path === '' ? '(root)' : path;
  const bad = (why: string) => errors.push(`${shown} = ${formatValue(value)}: ${why}`);
  switch (spec.kind) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) bad(`must be ${describeSpec(spec)}`);
      else if (spec.integer && !Number.isInteger(value)) bad(`must be ${describeSpec(spec)}`);
      else if ((spec.minOpen ? value <= spec.min : value < spec.min) || (spec.maxOpen ? value >= spec.max : value > spec.max)) {
        bad(`must be in ${spec.minOpen ? '(' : '['}${spec.min}, ${spec.max}${spec.maxOpen ? ')' : ']'}`);
      }
      break;
    }
    case 'boolean':
      if (typeof value !== 'boolean') bad('must be true or false');
      break;
    case 'enum':
      if (!spec.values.some((v) => v === value)) bad(`must be ${describeSpec(spec)}`);
      break;
    case 'string': {
      if (typeof value !== 'string') {
        bad(`must be ${describeSpec(spec)}`);
        break;
      }
      const chars = [...value].length;
      if (chars < spec.minLength || chars > spec.maxLength || (spec.pattern && !spec.pattern.test(value))) bad(`must be ${describeSpec(spec)}`);
      break;
    }
    case 'union':
      if (!spec.options.some((o) => checkValue(o, value, path).length === 0)) bad(`must be ${describeSpec(spec)}`);
      break;
    case 'array': {
      if (!Array.isArray(value)) {
        bad(`must be ${describeSpec(spec)}`);
        break;
      }
      if (value.length < spec.minItems || value.length > spec.maxItems) {
        bad(`must be ${describeSpec(spec)}`);
        break;
      }
      for (let i = 0; i < value.length; i++) checkValue(spec.item, value[i], `${path}[${i}]`, errors);
      break;
    }
    case 'object': {
      if (!isPlainObject(value)) {
        bad('must be an object');
        break;
      }
      for (const key of Object.keys(spec.fields)) {
        const field = spec.fields[key];
        if (!has(value, key)) {
          if (!spec.defaults || !has(spec.defaults, key)) errors.push(`${joinPath(path, key)}: missing; must be ${describeSpec(field)}`);
        }
        else checkValue(field, value[key], joinPath(path, key), errors);
      }
      for (const key of Object.keys(value)) {
        if (!has(spec.fields, key)) errors.push(`${keyPath(path, key)}: unknown key`);
      }
      break;
    }
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Cross-field rules (run once the structure is valid)

function crossFieldErrors(c: ComparisonConfig): string[] {
  const errors: string[] = [];
  if (!datasetFitsModel(c.model, c.dataset)) {
    const fits = datasetsForModel(c.model).map((d) => JSON.stringify(d));
    errors.push(`dataset = ${formatValue(c.dataset)}: does not fit model ${JSON.stringify(c.model)}; must be one of ${fits.join(', ')}`);
  }
  if (c.trainSubset !== 0 && DATASET_KIND[c.dataset] !== 'image') {
    errors.push(`trainSubset = ${c.trainSubset}: is for image datasets (${IMAGE_DATASETS.join(', ')}), not ${JSON.stringify(c.dataset)}; must be 0 (the whole training split)`);
  }
  if (c.mlpHidden.length > 0 && MODEL_PRESETS[c.model].kind !== 'mlp') {
    errors.push(`mlpHidden = ${formatValue(c.mlpHidden)}: is for MLP models (${MLP_MODELS.join(', ')}), not ${JSON.stringify(c.model)}; must be empty (the preset's widths)`);
  }
  const firstById = new Map<string, number>();
  c.runs.forEach((run, i) => {
    const first = firstById.get(run.id);
    if (first !== undefined) errors.push(`runs[${i}].id = ${formatValue(run.id)}: must be unique (runs[${first}].id is the same)`);
    else firstById.set(run.id, i);
    const o = run.optimizer;
    if (o.warmupSteps > c.totalSteps) errors.push(`runs[${i}].optimizer.warmupSteps = ${o.warmupSteps}: must be in [0, ${c.totalSteps}] (at most totalSteps)`);
  });
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Public API

export type ValidationResult = { ok: true; config: ComparisonConfig } | { ok: false; errors: string[] };

/** An extra check on a structurally valid config (the engine's memory plan); returns messages that name a field. */
export type ConfigCheck = (config: ComparisonConfig) => string[];

export interface ValidateOptions {
  checks?: readonly ConfigCheck[];
}

/** Validates a complete config (strict: every field present, no unknown keys). Never throws. */
export function validateConfig(value: unknown, options: ValidateOptions = {}): ValidationResult {
  const errors = checkValue(COMPARISON_SPEC, value, '');
  if (errors.length > 0) return { ok: false, errors };
  const config = cleanCopy(COMPARISON_SPEC, value) as ComparisonConfig; // missing defaults filled in
  const cross = crossFieldErrors(config);
  if (cross.length > 0) return { ok: false, errors: cross };
  for (const check of options.checks ?? []) {
    const more = check(config);
    if (more.length > 0) return { ok: false, errors: more };
  }
  return { ok: true, config };
}

/** Merges a partial config over `base` (see the policy at the top), then validates strictly. */
export function validatePartialConfig(value: unknown, base: ComparisonConfig = DEFAULT_COMPARISON, options: ValidateOptions = {}): ValidationResult {
  return validateConfig(mergeOverDefaults(value, base), options);
}

/** A fresh copy of a valid value holding only what the spec describes (no extra array props). */
function cleanCopy(spec: FieldSpec, value: unknown): unknown {
  if (spec.kind === 'object') {
    const v = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(spec.fields)) out[key] = has(v, key) ? cleanCopy(spec.fields[key], v[key]) : structuredClone(spec.defaults?.[key]);
    return out;
  }
  if (spec.kind === 'array') {
    const v = value as unknown[];
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) out.push(cleanCopy(spec.item, v[i]));
    return out;
  }
  return value === 0 ? 0 : value; // -0 → 0: JSON (and so the URL) cannot carry -0
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty, not assignment: a key named "__proto__" stays an own (unknown) key.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function mergeValue(value: unknown, base: unknown): unknown {
  if (!isPlainObject(value) || !isPlainObject(base)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(base)) setOwn(out, key, structuredClone(base[key]));
  for (const key of Object.keys(value)) setOwn(out, key, has(base, key) ? mergeValue(value[key], base[key]) : value[key]);
  return out;
}

/** `value` merged over `base`; returns `value` itself when it is not a plain object. Never throws. */
export function mergeOverDefaults(value: unknown, base: ComparisonConfig = DEFAULT_COMPARISON): unknown {
  if (!isPlainObject(value)) return value;
  const { runs, ...rest } = value;
  const { runs: baseRuns, ...baseRest } = base;
  const out = mergeValue(rest, baseRest) as Record<string, unknown>;
  if (has(value, 'model') && !has(value, 'dataset') && typeof value.model === 'string' && has(DEFAULT_DATASET, value.model)) {
    setOwn(out, 'dataset', DEFAULT_DATASET[value.model as ModelPreset]);
  }
  if (!has(value, 'runs')) setOwn(out, 'runs', structuredClone(baseRuns));
  else if (!Array.isArray(runs) || baseRuns.length === 0) setOwn(out, 'runs', runs);
  else {
    // an index loop, not runs.map: a hostile array may carry an own "constructor" key
    const merged: unknown[] = [];
    for (let i = 0; i < runs.length; i++) {
      const run: unknown = runs[i];
      const m = mergeValue(run, baseRuns[Math.min(i, baseRuns.length - 1)]);
      if (i >= baseRuns.length && isPlainObject(run) && !has(run, 'id') && isPlainObject(m)) setOwn(m, 'id', String.fromCharCode(65 + (i % 26)));
      merged.push(m);
    }
    setOwn(out, 'runs', merged);
  }
  return out;
}

/** Splits "runs[1].optimizer.ire.gamma" into ["runs", 1, "optimizer", "ire", "gamma"]; null if malformed. */
export function parseFieldPath(path: string): (string | number)[] | null {
  if (!/^[A-Za-z_$][\w$]*(\[\d+\]|\.[A-Za-z_$][\w$]*)*$/.test(path)) return null;
  const parts: (string | number)[] = [];
  for (const m of path.matchAll(/([A-Za-z_$][\w$]*)|\[(\d+)\]/g)) parts.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return parts;
}

/** The spec of a field path, or null when no such field exists. */
export function fieldSpec(path: string): FieldSpec | null {
  const parts = parseFieldPath(path);
  if (!parts) return null;
  let spec: FieldSpec = COMPARISON_SPEC;
  for (const part of parts) {
    if (typeof part === 'number') {
      if (spec.kind !== 'array' || part >= spec.maxItems) return null;
      spec = spec.item;
    } else {
      if (spec.kind !== 'object' || !has(spec.fields, part)) return null;
      spec = spec.fields[part];
    }
  }
  return spec;
}

/**
 * Checks one value for one field before the UI sends it ("runs[0].optimizer.ire.gamma", 1.5).
 * Returns null when acceptable, else the message. Cross-field rules (minLr ≤ lr, unique ids,
 * dataset fits model) are checked when the whole config is validated.
 */
export function validateField(path: string, value: unknown): string | null {
  const spec = fieldSpec(path);
  if (!spec) return `${path.slice(0, 80)}: unknown field`;
  const errors = checkValue(spec, value, path);
  return errors.length > 0 ? errors[0] : null;
}
