// Fuzz: thousands of random and mutated configs and URL strings from a seeded generator go
// through the schema and the URL loader. None may throw; every rejection must name a field
// that exists in the value (or is a required field of the schema); every accepted config must
// survive the URL round trip.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng';
import type { ComparisonConfig } from '../../src/train/config';
import { DEFAULT_COMPARISON, MODEL_PRESETS } from '../../src/train/config';
import { fieldSpec, mergeOverDefaults, validateConfig, validateField, validatePartialConfig } from '../../src/train/configSchema';
import { base64UrlEncode, configFromUrlHash, configToUrlHash } from '../../src/train/urlState';

type Json = unknown;
type PathPart = string | number;

const SPECIAL_NUMBERS = [0, -0, 1, -1, 0.5, 1.5, 0.999999, 1e-12, 2, 3, 7, 16, 100, 1000, 1001, 1e7, 1e7 + 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53, 1e308, -1e308, NaN, Infinity, -Infinity];
const SPECIAL_STRINGS = ['', 'A', 'B', 'C', 'warmup-end', 'adamw', 'sgd', 'sam', 'square', 'abs', 'gpt-tiny', 'mnist', 'cifar10', 'toy', 'toy-2d', 'moby-dick', '<img src=x onerror=alert(1)>', '__proto__', 'constructor', 'a"b\\c', 'é𝄞\u0000\u2028', 'x'.repeat(101), '1', 'true', 'null', 'runs[0].lr'];
const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'lr', 'gamma', 'runs', 'id', 'name', 'optimizer', 'ire', 'a b', 'x.y', '[0]', '"', '', 'k'.repeat(60)];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

function randomJson(rng: Rng, depth: number): Json {
  const r = rng.int(depth > 0 ? 9 : 6);
  switch (r) {
    case 0:
      return pick(rng, SPECIAL_NUMBERS);
    case 1:
      return rng.range(-10, 10) * 10 ** rng.int(6);
    case 2:
      return pick(rng, SPECIAL_STRINGS);
    case 3:
      return rng.uniform() < 0.5;
    case 4:
      return rng.uniform() < 0.8 ? null : undefined;
    case 5:
      return rng.int(1000);
    case 6:
    case 7: {
      const o: Record<string, Json> = {};
      const n = rng.int(4);
      for (let i = 0; i < n; i++) Object.defineProperty(o, pick(rng, KEYS), { value: randomJson(rng, depth - 1), enumerable: true, writable: true, configurable: true });
      return o;
    }
    default:
      return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth - 1));
  }
}

/** Every path to a leaf or subtree of a value. */
function paths(value: Json, prefix: PathPart[] = [], out: PathPart[][] = []): PathPart[][] {
  if (prefix.length > 0) out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (typeof value === 'object' && value !== null) for (const k of Object.keys(value)) paths((value as Record<string, Json>)[k], [...prefix, k], out);
  return out;
}

function resolve(value: Json, parts: readonly PathPart[]): { found: boolean; value: Json } {
  let v = value;
  for (const p of parts) {
    if (typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, p)) return { found: false, value: undefined };
    v = (v as Record<string, Json>)[p as string];
  }
  return { found: true, value: v };
}

const toPath = (parts: readonly PathPart[]) => parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

/** A valid value for a field, drawn from its spec (so some mutations keep the config valid). */
function validValueFor(rng: Rng, path: string): Json {
  const spec = fieldSpec(path);
  if (!spec) return randomJson(rng, 1);
  switch (spec.kind) {
    case 'number': {
      const lo = spec.min + (spec.minOpen ? 1e-6 : 0);
      const hi = Math.min(spec.max, spec.min + 100) - (spec.maxOpen ? 1e-6 : 0);
      const v = rng.range(lo, hi);
      return spec.integer ? Math.ceil(v) : v;
    }
    case 'boolean':
      return rng.uniform() < 0.5;
    case 'enum':
      return pick(rng, spec.values);
    case 'string':
      return 'run' + rng.int(100);
    default:
      return randomJson(rng, 2);
  }
}

function mutate(rng: Rng, config: ComparisonConfig): Json {
  const c = structuredClone(config) as unknown as Record<string, Json>;
  const rounds = 1 + rng.int(3);
  for (let k = 0; k < rounds; k++) {
    const all = paths(c);
    const target = pick(rng, all);
    const parent = resolve(c, target.slice(0, -1)).value as Record<string, Json>;
    const key = target[target.length - 1] as string;
    const kind = rng.int(10);
    if (typeof parent !== 'object' || parent === null) continue;
    if (kind < 4) parent[key] = validValueFor(rng, toPath(target));
    else if (kind < 6) parent[key] = pick(rng, [...SPECIAL_NUMBERS, ...SPECIAL_STRINGS]);
    else if (kind === 6) delete parent[key];
    else if (kind === 7) Object.defineProperty(parent, pick(rng, KEYS), { value: randomJson(rng, 2), enumerable: true, writable: true, configurable: true });
    else if (kind === 8) parent[key] = randomJson(rng, 3);
    else if (Array.isArray(c.runs)) {
      const runs = c.runs as Json[];
      if (rng.uniform() < 0.5 && runs.length > 0) runs.push(structuredClone(runs[rng.int(runs.length)]));
      else {
        // an index loop, not splice: a hostile own "constructor" key (kind 7 above) breaks Array species
        const at = rng.int(runs.length + 1);
        const kept: Json[] = [];
        for (let i = 0; i < runs.length; i++) if (i !== at) kept.push(runs[i]);
        c.runs = kept;
      }
    }
  }
  return c;
}

/** Splits an error into its path parts: identifiers, [index], ["json key"]; null if it names none. */
function errorPath(error: string): PathPart[] | null {
  if (error.startsWith('(root)')) return [];
  const parts: PathPart[] = [];
  let i = 0;
  while (i < error.length) {
    const rest = error.slice(i);
    const ident = /^\.?([A-Za-z_$][\w$]*)/.exec(rest);
    const index = /^\[(\d+)\]/.exec(rest);
    if (ident && (parts.length === 0 ? !rest.startsWith('.') : rest.startsWith('.'))) {
      parts.push(ident[1]);
      i += ident[0].length;
    } else if (index) {
      parts.push(Number(index[1]));
      i += index[0].length;
    } else if (rest.startsWith('["')) {
      let j = 2;
      while (j < rest.length && rest[j] !== '"') j += rest[j] === '\\' ? 2 : 1;
      parts.push(JSON.parse(rest.slice(1, j + 1)) as string);
      i += j + 2;
    } else break;
  }
  const tail = error.slice(i);
  return parts.length > 0 && (tail.startsWith(' = ') || tail.startsWith(': ')) ? parts : null;
}

/** Every error names a path whose parent exists in the value, and whose leaf exists there or is a schema field. */
function expectErrorsNameFields(errors: string[], value: Json): void {
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) {
    const parts = errorPath(e);
    if (parts === null) throw new Error(`error names no field: ${e}`);
    if (parts.length === 0) continue;
    const parent = resolve(value, parts.slice(0, -1));
    const leaf = parts[parts.length - 1];
    const leafOk = resolve(value, parts).found || fieldSpec(toPath(parts)) !== null || (typeof leaf === 'string' && leaf.endsWith('…'));
    if (!parent.found || !leafOk) throw new Error(`error names a field that is not in the value: ${e}`);
  }
}

function checkAccepted(config: ComparisonConfig): void {
  expect(validateConfig(config).ok).toBe(true);
  const back = configFromUrlHash(configToUrlHash(config));
  expect(back.notice).toBeNull();
  expect(back.config).toEqual(config);
}

const validVariants = (rng: Rng): ComparisonConfig => {
  const c = structuredClone(DEFAULT_COMPARISON);
  const models = Object.keys(MODEL_PRESETS) as ComparisonConfig['model'][];
  if (rng.uniform() < 0.3) {
    c.model = pick(rng, models);
    c.dataset = ({ 'gpt-tiny': 'moby-dick', 'gpt-small': 'user-text', 'mlp-mnist': 'mnist', 'cnn-mnist': 'mnist', 'cnn-cifar10': 'cifar10', 'toy-2d': 'toy' } as const)[c.model];
  }
  return c;
};

describe('fuzz: schema and URL loader never throw and always name a field', () => {
  it('random and mutated configs (3,000) through validateConfig and validatePartialConfig', () => {
    const rng = new Rng(20240601, 1);
    let accepted = 0;
    let rejected = 0;
    for (let n = 0; n < 3000; n++) {
      const value = n % 5 === 0 ? randomJson(rng, 4) : mutate(rng, validVariants(rng));
      const strict = validateConfig(value);
      if (strict.ok) {
        accepted++;
        checkAccepted(strict.config);
      } else {
        rejected++;
        expectErrorsNameFields(strict.errors, value);
      }
      const partial = validatePartialConfig(value);
      if (partial.ok) checkAccepted(partial.config);
      else expectErrorsNameFields(partial.errors, mergeOverDefaults(value));
    }
    // both outcomes are exercised
    expect(accepted).toBeGreaterThan(150);
    expect(rejected).toBeGreaterThan(1500);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('random, truncated, bit-flipped and hostile URL strings (2,500) through the URL loader', () => {
    const rng = new Rng(777, 2);
    const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let notices = 0;
    let used = 0;
    for (let n = 0; n < 2500; n++) {
      const kind = n % 5;
      let url: string;
      if (kind === 0) url = Array.from({ length: rng.int(200) }, () => String.fromCharCode(rng.int(0x3000))).join('');
      else if (kind === 1) url = '#c=' + Array.from({ length: rng.int(400) }, () => b64[rng.int(64)]).join('');
      else {
        const mutated = mutate(rng, validVariants(rng));
        const good = validatePartialConfig(mutated);
        const payload = kind === 2 ? mutated : good.ok ? good.config : randomJson(rng, 3);
        let text: string;
        try {
          text = JSON.stringify(payload) ?? 'undefined';
        } catch {
          text = '{';
        }
        url = '#c=' + base64UrlEncode(new TextEncoder().encode(text));
        if (kind === 3) url = url.slice(0, 3 + rng.int(url.length - 2)); // truncated
        if (kind === 4) {
          const at = 3 + rng.int(Math.max(1, url.length - 3));
          url = url.slice(0, at) + pick(rng, [...b64, '%', '=', '+', '/', '#']) + url.slice(at + 1); // flipped
        }
        if (rng.uniform() < 0.02) url = url + 'A'.repeat(9000); // huge
      }
      const r = configFromUrlHash(url);
      expect(validateConfig(r.config).ok).toBe(true);
      if (r.notice !== null) {
        notices++;
        expect(r.config).toEqual(DEFAULT_COMPARISON);
        expect(r.notice).toMatch(/^The link's configuration .+; the default configuration was opened instead\.$/s);
      } else used++;
    }
    expect(notices).toBeGreaterThan(500);
    expect(used).toBeGreaterThan(300);
  });

  it('random field paths and values (1,000) through validateField', () => {
    const rng = new Rng(99, 3);
    const leafPaths = paths(DEFAULT_COMPARISON).map(toPath);
    for (let n = 0; n < 1000; n++) {
      const path = rng.uniform() < 0.8 ? pick(rng, leafPaths) : pick(rng, [...SPECIAL_STRINGS, 'runs[8].name', 'runs[0]..lr', 'x[0]']);
      const value = rng.uniform() < 0.5 ? validValueFor(rng, path) : randomJson(rng, 2);
      const message = validateField(path, value);
      if (message !== null) expect(message.startsWith(path.slice(0, 80))).toBe(true);
    }
  });
});
