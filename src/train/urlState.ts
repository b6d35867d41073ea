// The config in the URL: `#c=<base64url(UTF-8 JSON)>` carrying only the differences from
// DEFAULT_COMPARISON (configDiff), so a link stays short. Loading never throws and never
// evaluates anything: the text is length-checked, decoded as base64url and UTF-8, parsed with
// JSON.parse, merged over the defaults and validated by the schema; any failure opens the
// default config with a notice that says what was wrong.
//
// The event log rides along as `&e=<base64url(UTF-8 JSON)>`: a list of compact entries,
// `[step, runId, field, old, new]` for a setting change, `[step, runId, "fork", from]` for a
// fork and `[step, runId, "remove", index, run]` for a removal (the run's settings and place, so
// the comparison can be rolled back to before it). This file only checks their shape; what they mean for a comparison (rolled back to the
// start configuration, re-applied at their steps) is decided in src/store/shareLink.ts.
import type { ComparisonConfig } from './config';
import { DEFAULT_COMPARISON } from './config';
import { validatePartialConfig } from './configSchema';

export const URL_CONFIG_KEY = 'c';
export const MAX_URL_CONFIG_CHARS = 8192; // encoded length accepted from a link
export const URL_EVENTS_KEY = 'e';
export const MAX_URL_EVENTS_CHARS = 16384; // encoded length of the event log accepted from a link
export const MAX_URL_EVENTS = 1000; // entries in the event log of a link

export interface UrlConfigResult {
  config: ComparisonConfig;
  notice: string | null; // why the link's config was not used; null when it was (or there was none)
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function base64UrlEncode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += B64[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** Decodes unpadded base64url; null on a character outside the alphabet or an impossible length. */
export function base64UrlDecode(text: string): Uint8Array | null {
  if (text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const v = B64.indexOf(text[i]);
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function objectDiff(value: Record<string, unknown>, base: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    const b = base[key];
    if (deepEqual(v, b)) continue;
    out[key] = isPlainObject(v) && isPlainObject(b) ? objectDiff(v, b) : v;
  }
  return out;
}

/**
 * The differences of a config from `base`, in the shape mergeOverDefaults undoes: changed
 * fields only; `runs`, when it differs, as a list of per-run differences from base.runs[i]
 * (or from the base's last run past its end, with `id` always kept there).
 */
export function configDiff(config: ComparisonConfig, base: ComparisonConfig = DEFAULT_COMPARISON): Record<string, unknown> {
  const { runs, ...rest } = config;
  const { runs: baseRuns, ...baseRest } = base;
  const diff = objectDiff(rest as Record<string, unknown>, baseRest as Record<string, unknown>);
  if ('model' in diff) diff.dataset = config.dataset; // the dataset would otherwise follow the model's default
  if (!deepEqual(runs, baseRuns)) {
    diff.runs = runs.map((run, i) => {
      const b = baseRuns[Math.min(i, baseRuns.length - 1)];
      const d = objectDiff(run as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>);
      if (i >= baseRuns.length) d.id = run.id;
      return d;
    });
  }
  return diff;
}

/** The URL hash for a config: '' for the defaults, else `#c=…`. */
export function configToUrlHash(config: ComparisonConfig): string {
  const diff = configDiff(config);
  if (Object.keys(diff).length === 0) return '';
  return `#${URL_CONFIG_KEY}=${base64UrlEncode(new TextEncoder().encode(JSON.stringify(diff)))}`;
}

/** The value of `key` in a hash or whole URL (`…#c=…&e=…`), or null when there is none. */
function hashParam(hashOrUrl: string, key: string): string | null {
  const at = hashOrUrl.indexOf('#');
  const hash = at >= 0 ? hashOrUrl.slice(at + 1) : hashOrUrl;
  for (const part of hash.split('&')) {
    if (part.startsWith(`${key}=`)) return part.slice(key.length + 1);
  }
  return null;
}

const configParam = (hashOrUrl: string) => hashParam(hashOrUrl, URL_CONFIG_KEY);

function rejected(why: string): UrlConfigResult {
  return { config: structuredClone(DEFAULT_COMPARISON), notice: `The link's configuration ${why}; the default configuration was opened instead.` };
}

/** Reads the config from a URL hash (or whole URL). Never throws; see the file comment. */
export function configFromUrlHash(hashOrUrl: string): UrlConfigResult {
  if (typeof hashOrUrl !== 'string') return rejected('is not text');
  if (hashOrUrl.length > MAX_URL_CONFIG_CHARS + 4096) return rejected(`is too long (${hashOrUrl.length} characters)`);
  const encoded = configParam(hashOrUrl);
  if (encoded === null || encoded === '') return { config: structuredClone(DEFAULT_COMPARISON), notice: null };
  if (encoded.length > MAX_URL_CONFIG_CHARS) return rejected(`is too long (${encoded.length} characters; at most ${MAX_URL_CONFIG_CHARS})`);
  const bytes = base64UrlDecode(encoded);
  if (!bytes) return rejected('is damaged (not base64url text; was the link cut or edited?)');
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return rejected('is damaged (not UTF-8; was the link cut or edited?)');
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return rejected('is damaged (not valid JSON; was the link cut or edited?)');
  }
  if (!isPlainObject(value)) return rejected('is not a configuration object');
  const result = validatePartialConfig(value);
  if (!result.ok) {
    const shown = result.errors.slice(0, 3).join('; ');
    const more = result.errors.length > 3 ? ` and ${result.errors.length - 3} more` : '';
    return rejected(`was rejected (${shown}${more})`);
  }
  return { config: result.config, notice: null };
}

// ---------------------------------------------------------------------------------------------
// The event log in the link

/** One logged event as a link carries it (field names are checked by the store's live fields). */
export type UrlEvent =
  | { kind: 'set'; step: number; runId: string; field: string; old: number | boolean; new: number | boolean }
  | { kind: 'fork'; step: number; runId: string; from: string }
  | { kind: 'remove'; step: number; runId: string; index: number; run: unknown };

type CompactEvent = [number, string, string, number | boolean, number | boolean] | [number, string, 'fork', string] | [number, string, 'remove', number, unknown];

function compact(e: UrlEvent): CompactEvent {
  switch (e.kind) {
    case 'fork':
      return [e.step, e.runId, 'fork', e.from];
    case 'remove':
      return [e.step, e.runId, 'remove', e.index, e.run];
    case 'set':
      return [e.step, e.runId, e.field, e.old, e.new];
  }
}

/** `e=…` for an event log ('' when it is empty). */
export function eventsToUrlParam(events: readonly UrlEvent[]): string {
  if (events.length === 0) return '';
  return `${URL_EVENTS_KEY}=${base64UrlEncode(new TextEncoder().encode(JSON.stringify(events.map(compact))))}`;
}

/** The link's hash for a config and its event log: `#c=…&e=…`, `#e=…`, `#c=…` or ''. */
export function shareUrlHash(config: ComparisonConfig, events: readonly UrlEvent[]): string {
  const c = configToUrlHash(config).slice(1);
  const e = eventsToUrlParam(events);
  const parts = [c, e].filter((p) => p !== '');
  return parts.length ? `#${parts.join('&')}` : '';
}

export interface UrlEventsResult {
  events: UrlEvent[];
  notice: string | null; // why the link's event log was not used; null when it was (or there was none)
}

const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 40;
const isStep = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 1e9;
const isValue = (v: unknown): v is number | boolean => typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** One compact entry → an event, or why it is not one. */
function decodeEvent(v: unknown, i: number): UrlEvent | string {
  if (!Array.isArray(v)) return `entry ${i} is not a list`;
  const [step, runId, field] = v as unknown[];
  if (!isStep(step)) return `entry ${i}: the step must be an integer ≥ 0`;
  if (!isId(runId)) return `entry ${i}: the run id must be 1 to 40 characters`;
  if (field === 'fork') {
    if (v.length !== 4 || !isId(v[3])) return `entry ${i}: a fork is [step, run, "fork", from]`;
    return { kind: 'fork', step, runId, from: v[3] as string };
  }
  if (field === 'remove') {
    if (v.length !== 5 || !Number.isInteger(v[3]) || (v[3] as number) < 0 || (v[3] as number) > 64) return `entry ${i}: a removal is [step, run, "remove", index, settings]`;
    return { kind: 'remove', step, runId, index: v[3] as number, run: v[4] as unknown }; // the settings are checked with the configuration
  }
  if (typeof field !== 'string' || field.length > 40) return `entry ${i}: the field must be a setting's name`;
  if (v.length !== 5 || !isValue(v[3]) || !isValue(v[4])) return `entry ${i}: a change is [step, run, field, old, new] with finite numbers or true/false`;
  return { kind: 'set', step, runId, field, old: v[3] as number | boolean, new: v[4] as number | boolean };
}

/** Reads the event log of a URL hash (or whole URL). Never throws; steps must not decrease. */
export function eventsFromUrlHash(hashOrUrl: string): UrlEventsResult {
  const none = (why: string): UrlEventsResult => ({ events: [], notice: `The link's event log ${why}; it was left out.` });
  if (typeof hashOrUrl !== 'string') return none('is not text');
  const encoded = hashParam(hashOrUrl, URL_EVENTS_KEY);
  if (encoded === null || encoded === '') return { events: [], notice: null };
  if (encoded.length > MAX_URL_EVENTS_CHARS) return none(`is too long (${encoded.length} characters; at most ${MAX_URL_EVENTS_CHARS})`);
  const bytes = base64UrlDecode(encoded);
  if (!bytes) return none('is damaged (not base64url text)');
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return none('is damaged (not UTF-8 JSON)');
  }
  if (!Array.isArray(value)) return none('is not a list');
  if (value.length > MAX_URL_EVENTS) return none(`has ${value.length} entries; at most ${MAX_URL_EVENTS}`);
  const events: UrlEvent[] = [];
  for (let i = 0; i < value.length; i++) {
    const e = decodeEvent(value[i], i);
    if (typeof e === 'string') return none(`was rejected (${e})`);
    if (i > 0 && e.step < events[i - 1].step) return none(`was rejected (entry ${i}: steps must not decrease)`);
    events.push(e);
  }
  return { events, notice: null };
}
