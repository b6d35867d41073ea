// Export and import of a comparison as one versioned JSON bundle: the config, each run's view
// (status, fork origin, size), its metric series (each seed's) and the event log. Import is all-or-nothing:
// the text is parsed and every part validated (the config by the one schema) before the store
// is touched, so a rejected bundle leaves the current runs exactly as they were.
import { validateConfig } from '../train/configSchema';
import { DEFAULT_COMPARISON, type ComparisonConfig } from '../train/config';
import { LIVE_FIELDS, type HessianHistogram, type RunStatus } from '../worker/protocol';
import type { AppState, AppStore, LogEvent, RunView } from './store';
import { busyRefusal, isBusy } from './runState';
import { emptyRunSeries, seriesKey, type EvalSeries, type RunSeries, type SharpnessSeries, type TrainSeries } from './series';

export const BUNDLE_FORMAT = 'ire-playground-bundle';
export const BUNDLE_VERSION = 1;
/** Largest bundle file accepted (a long run of 8 runs is a few MiB). */
export const BUNDLE_MAX_BYTES = 64 * 1024 * 1024;

export interface BundleRun {
  view: RunView;
  series: RunSeries; // seed 0
  seeds?: RunSeries[]; // seeds 1 … config.seeds − 1, when config.seeds > 1 (absent in bundles of one seed)
}

export interface Bundle {
  format: typeof BUNDLE_FORMAT;
  version: typeof BUNDLE_VERSION;
  exportedAt: string; // ISO time
  config: ComparisonConfig;
  step: number; // lockstep position when exported
  runs: Record<string, BundleRun>; // by run id, every id of config.runs
  events: LogEvent[];
}

export type BundleResult = { ok: true; bundle: Bundle } | { ok: false; message: string };

/** The part of the app state a bundle holds. */
export type BundleSource = Pick<AppState, 'config' | 'runs' | 'series' | 'events' | 'step'>;

/** A bundle of the store's current comparison (deep copies: later training does not change it). */
export function exportBundle(state: BundleSource, now: Date = new Date()): Bundle {
  const runs: Record<string, BundleRun> = {};
  for (const r of state.config.runs) {
    const run: BundleRun = { view: savedView(state.runs[r.id]), series: state.series[r.id] ?? emptyRunSeries() };
    if (state.config.seeds > 1) run.seeds = Array.from({ length: state.config.seeds - 1 }, (_, k) => state.series[seriesKey(r.id, k + 1)] ?? emptyRunSeries());
    runs[r.id] = structuredClone(run);
  }
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    exportedAt: now.toISOString(),
    config: structuredClone(state.config),
    step: state.step,
    runs,
    events: structuredClone(state.events),
  };
}

/**
 * A run's view as saved: checkpoints live in the worker's memory and are not carried (yet); a
 * run that was training is saved as paused, since nothing trains it once it is opened again.
 */
export function savedView(view: RunView | undefined): RunView {
  const v = view ?? { status: { state: 'idle' }, forkedFrom: null, parameters: null, checkpoints: [] };
  const status: RunStatus = v.status.state === 'running' ? { state: 'paused' } : v.status;
  return { ...v, status, checkpoints: [] };
}

export function serializeBundle(bundle: Bundle): string {
  return JSON.stringify(bundle);
}

/** A file name for a bundle: the run names are user text, so only the time goes in. */
export function bundleFileName(bundle: Bundle): string {
  return `ire-playground-${bundle.exportedAt.replace(/[:.]/g, '-')}.json`;
}


// ---------------------------------------------------------------------------------------------
// Validation (never throws; the first problem is reported with its path)

class Invalid extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (path: string, why: string): never => {
  throw new Invalid(`${path}: ${why}`);
};
const obj = (v: unknown, path: string) => (isObject(v) ? v : fail(path, 'must be an object'));
const finite = (v: unknown, path: string) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(path, 'must be a finite number'));
const str = (v: unknown, path: string, max = 200) => (typeof v === 'string' && v.length <= max ? v : fail(path, `must be text of at most ${max} characters`));
const stepOf = (v: unknown, path: string) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : fail(path, 'must be an integer ≥ 0'));

function exactKeys(o: Record<string, unknown>, path: string, required: readonly string[], optional: readonly string[] = []): void {
  for (const k of required) if (!(k in o)) fail(`${path}.${k}`, 'missing');
  for (const k of Object.keys(o)) if (!required.includes(k) && !optional.includes(k)) fail(`${path}[${JSON.stringify(k.slice(0, 40))}]`, 'unknown key');
}

/** Columns of equal length: `numbers` finite, `nullable` finite or null; `step` strictly increasing integers. */
/**
 * Checks a column-wise series. `added`: nullable columns newer than the format's first version,
 * which an older bundle lacks; they are filled with nulls here.
 */
function checkColumns(value: unknown, path: string, numbers: readonly string[], nullable: readonly string[], added: readonly string[] = []): void {
  const o = obj(value, path);
  const n = Array.isArray(o.step) ? o.step.length : fail(`${path}.step`, 'must be a list');
  for (const k of added) if (!(k in o)) o[k] = new Array<null>(n).fill(null);
  exactKeys(o, path, [...numbers, ...nullable]);
  for (const k of [...numbers, ...nullable]) {
    const col = o[k];
    if (!Array.isArray(col)) fail(`${path}.${k}`, 'must be a list');
    const a = col as unknown[];
    if (a.length !== n) fail(`${path}.${k}`, `has ${a.length} entries, step has ${n}`);
    const allowNull = nullable.includes(k);
    for (let i = 0; i < a.length; i++) if (!(allowNull && a[i] === null)) finite(a[i], `${path}.${k}[${i}]`);
  }
  const steps = o.step as number[];
  for (let i = 0; i < n; i++) {
    stepOf(steps[i], `${path}.step[${i}]`);
    if (i > 0 && steps[i] <= steps[i - 1]) fail(`${path}.step[${i}]`, 'steps must increase');
  }
}

const TRAIN_NUMBERS: readonly (keyof TrainSeries)[] = ['step', 'wallMs', 'loss', 'gradNorm', 'lr'];
const TRAIN_ADDED: readonly (keyof TrainSeries)[] = ['gradEvals'];
const TRAIN_NULLABLE: readonly (keyof TrainSeries)[] = ['maskFraction', 'kappaEff', 'stepsPerSec', ...TRAIN_ADDED];
const EVAL_NUMBERS: readonly (keyof EvalSeries)[] = ['step', 'wallMs', 'valLoss'];
const EVAL_NULLABLE: readonly (keyof EvalSeries)[] = ['valAcc'];
const SHARP_NUMBERS: readonly (keyof SharpnessSeries)[] = ['step', 'wallMs', 'trace', 'traceStderr'];
const SHARP_ADDED: readonly (keyof SharpnessSeries)[] = ['eosSharpness', 'eosThreshold'];
const SHARP_NULLABLE: readonly (keyof SharpnessSeries)[] = ['topEig', ...SHARP_ADDED];

function checkNumberList(v: unknown, path: string): void {
  if (!Array.isArray(v)) fail(path, 'must be a list');
  (v as unknown[]).forEach((x, i) => finite(x, `${path}[${i}]`));
}

function checkHistogram(v: unknown, path: string): void {
  if (v === null) return;
  const h = obj(v, path) as Partial<Record<keyof HessianHistogram, unknown>>;
  exactKeys(h as Record<string, unknown>, path, ['runId', 'step', 'edges', 'counts', 'zeros', 'threshold', 'gamma']);
  str(h.runId, `${path}.runId`);
  stepOf(h.step, `${path}.step`);
  checkNumberList(h.edges, `${path}.edges`);
  checkNumberList(h.counts, `${path}.counts`);
  finite(h.zeros, `${path}.zeros`);
  finite(h.threshold, `${path}.threshold`);
  finite(h.gamma, `${path}.gamma`);
}

export function checkRunSeries(v: unknown, path: string): void {
  const o = obj(v, path);
  exactKeys(o, path, ['train', 'eval', 'sharpness', 'histogram']);
  checkColumns(o.train, `${path}.train`, TRAIN_NUMBERS, TRAIN_NULLABLE, TRAIN_ADDED);
  checkColumns(o.eval, `${path}.eval`, EVAL_NUMBERS, EVAL_NULLABLE);
  checkColumns(o.sharpness, `${path}.sharpness`, SHARP_NUMBERS, SHARP_NULLABLE, SHARP_ADDED);
  checkHistogram(o.histogram, `${path}.histogram`);
}

const STATES: readonly RunStatus['state'][] = ['idle', 'running', 'paused', 'finished', 'diverged', 'device-lost'];

function checkStatus(v: unknown, path: string): void {
  const s = obj(v, path);
  if (!STATES.includes(s.state as RunStatus['state'])) fail(`${path}.state`, `must be one of ${STATES.join(', ')}`);
  switch (s.state as RunStatus['state']) {
    case 'finished':
      exactKeys(s, path, ['state', 'step']);
      stepOf(s.step, `${path}.step`);
      break;
    case 'diverged':
      exactKeys(s, path, ['state', 'step', 'lastFinite', 'reason']);
      stepOf(s.step, `${path}.step`);
      str(s.reason, `${path}.reason`, 1000);
      if (s.lastFinite !== null) {
        const p = obj(s.lastFinite, `${path}.lastFinite`);
        for (const k of ['step', 'wallMs', 'loss', 'gradNorm', 'lr']) finite(p[k], `${path}.lastFinite.${k}`);
        str(p.runId, `${path}.lastFinite.runId`);
      }
      break;
    case 'device-lost':
      exactKeys(s, path, ['state', 'message', 'checkpointStep']);
      str(s.message, `${path}.message`, 1000);
      if (s.checkpointStep !== null) stepOf(s.checkpointStep, `${path}.checkpointStep`);
      break;
    default:
      exactKeys(s, path, ['state']);
  }
}

function checkRunView(v: unknown, path: string): void {
  const o = obj(v, path);
  exactKeys(o, path, ['status', 'forkedFrom', 'parameters', 'checkpoints']);
  checkStatus(o.status, `${path}.status`);
  if (o.forkedFrom !== null) {
    const f = obj(o.forkedFrom, `${path}.forkedFrom`);
    exactKeys(f, `${path}.forkedFrom`, ['runId', 'step']);
    str(f.runId, `${path}.forkedFrom.runId`);
    stepOf(f.step, `${path}.forkedFrom.step`);
  }
  if (o.parameters !== null) stepOf(o.parameters, `${path}.parameters`);
  if (!Array.isArray(o.checkpoints)) fail(`${path}.checkpoints`, 'must be a list');
  (o.checkpoints as unknown[]).forEach((x, i) => stepOf(x, `${path}.checkpoints[${i}]`));
}

function checkEvent(v: unknown, path: string): void {
  const e = obj(v, path);
  stepOf(e.step, `${path}.step`);
  str(e.runId, `${path}.runId`); // may name a run removed since
  if (e.kind === 'fork') {
    exactKeys(e, path, ['kind', 'step', 'runId', 'from', 'name']);
    str(e.from, `${path}.from`);
    str(e.name, `${path}.name`);
  } else if (e.kind === 'remove') {
    exactKeys(e, path, ['kind', 'step', 'runId', 'index', 'run']);
    stepOf(e.index, `${path}.index`);
    const run = validateConfig({ ...DEFAULT_COMPARISON, runs: [e.run] });
    if (!run.ok) fail(`${path}.run`, run.errors[0]);
  } else if (e.kind === 'set') {
    exactKeys(e, path, ['kind', 'step', 'runId', 'field', 'old', 'new'], ['requestId']);
    if (!LIVE_FIELDS.includes(e.field as (typeof LIVE_FIELDS)[number])) fail(`${path}.field`, `must be one of ${LIVE_FIELDS.join(', ')}`);
    for (const k of ['old', 'new']) if (typeof e[k] !== 'boolean') finite(e[k], `${path}.${k}`);
    if ('requestId' in e) finite(e.requestId, `${path}.requestId`);
  } else fail(`${path}.kind`, 'must be "set", "fork" or "remove"');
}

/** Parses and validates a bundle file's text. Never throws; a refusal says what and where. */
export function parseBundle(text: string): BundleResult {
  if (text.length > BUNDLE_MAX_BYTES) return { ok: false, message: `The file is larger than ${BUNDLE_MAX_BYTES / 1024 ** 2} MiB; it is not a playground bundle.` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'The file is not valid JSON (damaged or not a playground bundle).' };
  }
  try {
    const b = obj(value, 'bundle');
    if (b.format !== BUNDLE_FORMAT) fail('bundle.format', `must be "${BUNDLE_FORMAT}": this is not a playground bundle`);
    if (b.version !== BUNDLE_VERSION) {
      return {
        ok: false,
        message: `This bundle has version ${JSON.stringify(b.version)}; this page reads version ${BUNDLE_VERSION}. Open it with the matching version of the playground.`,
      };
    }
    exactKeys(b, 'bundle', ['format', 'version', 'exportedAt', 'config', 'step', 'runs', 'events']);
    str(b.exportedAt, 'bundle.exportedAt', 40);
    stepOf(b.step, 'bundle.step');
    const checked = validateConfig(b.config);
    if (!checked.ok) fail('bundle.config', checked.errors.slice(0, 3).join('; '));
    const config = (checked as { ok: true; config: ComparisonConfig }).config;
    const runs = obj(b.runs, 'bundle.runs');
    const ids = new Set(config.runs.map((r) => r.id));
    exactKeys(runs, 'bundle.runs', [...ids]);
    for (const id of ids) {
      const r = obj(runs[id], `bundle.runs.${id}`);
      exactKeys(r, `bundle.runs.${id}`, ['view', 'series'], config.seeds > 1 ? ['seeds'] : []);
      checkRunView(r.view, `bundle.runs.${id}.view`);
      checkRunSeries(r.series, `bundle.runs.${id}.series`);
      if (r.seeds !== undefined) {
        if (!Array.isArray(r.seeds) || r.seeds.length !== config.seeds - 1) fail(`bundle.runs.${id}.seeds`, `must be a list of ${config.seeds - 1} series (config.seeds − 1)`);
        (r.seeds as unknown[]).forEach((x, k) => checkRunSeries(x, `bundle.runs.${id}.seeds[${k}]`));
      }
    }
    if (!Array.isArray(b.events)) fail('bundle.events', 'must be a list');
    (b.events as unknown[]).forEach((e, i) => checkEvent(e, `bundle.events[${i}]`));
    return { ok: true, bundle: { ...(b as unknown as Bundle), config } };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, message: `Not a valid bundle: ${e.message}` };
    return { ok: false, message: `Not a valid bundle: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * Replaces the store's comparison with a bundle's (as a finished, not live, comparison: the
 * worker holds nothing of it; Start trains it again from step 0). Refused while training.
 */
export function applyBundle(store: AppStore, bundle: Bundle): string | null {
  const s = store.getState();
  if (isBusy(s.control)) return busyRefusal(s.control, 'opening another comparison');
  const runs: Record<string, RunView> = {};
  const series: Record<string, RunSeries> = {};
  for (const r of bundle.config.runs) {
    const b = structuredClone(bundle.runs[r.id]);
    runs[r.id] = b.view;
    series[r.id] = b.series;
    (b.seeds ?? []).forEach((x, k) => (series[seriesKey(r.id, k + 1)] = x));
  }
  store.setState((prev) => ({
    config: structuredClone(bundle.config),
    runs,
    series,
    events: structuredClone(bundle.events),
    planned: [], // a link's planned changes belong to the comparison it opened, not to this one
    step: bundle.step,
    session: 'none',
    control: 'idle',
    failure: null,
    generation: prev.generation + 1,
    pending: [],
    plannedOrigin: null,
    replay: null,
    scenario: null,
    fieldErrors: {},
    configIssues: [],
    samples: null,
    predictions: null,
    metricsRevision: prev.metricsRevision + 1,
  }));
  return null;
}

/** parseBundle then applyBundle; returns the refusal message, or null when imported. */
export function importBundleText(store: AppStore, text: string): string | null {
  const parsed = parseBundle(text);
  if (!parsed.ok) return parsed.message;
  return applyBundle(store, parsed.bundle);
}
