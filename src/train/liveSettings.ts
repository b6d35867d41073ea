// The live-setting table: every per-run setting a user may change while the run trains, one row
// each. The page's controls, the worker's application, the diff line, the URL and the event log
// all derive from this table (docs/architecture.md, "How a live edit reaches the GPU"); adding a
// live setting is one row here, plus its engine application when it is not a plain
// reconfiguration.
//
// A row says where the setting lives in a RunConfig (`path` under `optimizer`), its kind, its
// label, one line of help, the symbol used in the diff line and the event log, which runs it
// means something for, how the engine applies it, and the slider's range. The allowed range is
// the config schema's (configSchema.ts), never restated here.
import type { BaseOptimizer, OptimizerConfig, RunConfig } from './config';
import { describeSpec, fieldSpec, validateField } from './configSchema';

interface RowBase {
  /** Where the value lives under `RunConfig.optimizer`. */
  path: readonly string[];
  label: string; // next to the control
  symbol: string; // diff line and event log ("κ")
  help: string; // one line under the control
  /** The base optimizers it applies to (all when absent). */
  bases?: readonly BaseOptimizer[];
  /** Meaningful only while IRE is on for the run. */
  needsIre?: boolean;
  /**
   * How the engine applies a change at a step boundary: `reconfigure` updates the run's settings
   * in place (the next step's uniforms read them); `rebuild` replaces the run by a copy with the
   * same parameters and matching optimizer state (IRE on/off changes the buffers a run holds).
   */
  engine: 'reconfigure' | 'rebuild';
}
interface NumberRow extends RowBase {
  kind: 'number';
  /** Slider range (inside the schema's range) and scale; the number box takes the whole range. */
  slider: { min: number; max: number; log: boolean; step: number };
}
interface BooleanRow extends RowBase {
  kind: 'boolean';
}
export type LiveSettingRow = NumberRow | BooleanRow;

export const LIVE_SETTINGS = {
  lr: {
    kind: 'number', path: ['lr'], label: 'learning rate', symbol: 'lr', engine: 'reconfigure',
    help: 'Peak of the schedule (warm-up, then cosine down to min lr, or to this lr when it is lower).',
    slider: { min: 1e-5, max: 1, log: true, step: 0.01 },
  },
  kappa: {
    kind: 'number', path: ['ire', 'kappa'], label: 'κ (boost)', symbol: 'κ', engine: 'reconfigure', needsIre: true,
    help: 'The flat coordinates’ step is multiplied by 1 + κ.',
    slider: { min: 0, max: 20, log: false, step: 0.1 },
  },
  gamma: {
    kind: 'number', path: ['ire', 'gamma'], label: 'γ (flat fraction)', symbol: 'γ', engine: 'reconfigure', needsIre: true,
    help: 'Fraction of parameters boosted, flattest first (smallest Hessian-diagonal estimate); applies at the next refresh.',
    slider: { min: 0, max: 1, log: false, step: 0.01 },
  },
  refreshEvery: {
    kind: 'number', path: ['ire', 'refreshEvery'], label: 'K (refresh every)', symbol: 'K', engine: 'reconfigure', needsIre: true,
    help: 'Steps between estimates of the Hessian diagonal (each costs one extra backward pass).',
    slider: { min: 1, max: 100, log: false, step: 1 },
  },
  rho: {
    kind: 'number', path: ['rho'], label: 'ρ (SAM radius)', symbol: 'ρ', engine: 'reconfigure', bases: ['sam'],
    help: 'Radius of SAM’s ascent step before each gradient.',
    slider: { min: 0, max: 0.5, log: false, step: 0.005 },
  },
  weightDecay: {
    kind: 'number', path: ['weightDecay'], label: 'weight decay', symbol: 'wd', engine: 'reconfigure',
    help: 'Decoupled weight decay (multiplied by the learning rate).',
    slider: { min: 0, max: 1, log: false, step: 0.001 },
  },
  kappaFollowsLr: {
    kind: 'boolean', path: ['ire', 'kappaFollowsLr'], label: 'κ follows lr', symbol: 'κ follows lr', engine: 'reconfigure', needsIre: true,
    help: 'κ_t = κ · lr_t / lr: the boost shrinks with the schedule.',
  },
  ireEnabled: {
    kind: 'boolean', path: ['ire', 'enabled'], label: 'IRE', symbol: 'IRE', engine: 'rebuild',
    help: 'Wrap the base optimizer with IRE (the run keeps its parameters and optimizer state).',
  },
} as const satisfies Record<string, LiveSettingRow>;

export type LiveField = keyof typeof LIVE_SETTINGS;
/** Field → value type: numbers for number rows, booleans for boolean rows. */
export type LiveFieldValues = { [F in LiveField]: (typeof LIVE_SETTINGS)[F]['kind'] extends 'number' ? number : boolean };
export type LiveValue = LiveFieldValues[LiveField];
export const LIVE_FIELDS = Object.keys(LIVE_SETTINGS) as LiveField[];

export function isLiveField(x: unknown): x is LiveField {
  return typeof x === 'string' && Object.hasOwn(LIVE_SETTINGS, x);
}

export function liveRow(field: LiveField): LiveSettingRow {
  return LIVE_SETTINGS[field];
}

/** Where a live field lives in a ComparisonConfig ("runs[1].optimizer.ire.kappa"). */
export function liveFieldPath(runIndex: number, field: LiveField): string {
  return `runs[${runIndex}].optimizer.${LIVE_SETTINGS[field].path.join('.')}`;
}

/** The field whose config path (under a run) is `path`, if it is a live one. */
export function liveFieldAt(optimizerPath: string): LiveField | undefined {
  return LIVE_FIELDS.find((f) => LIVE_SETTINGS[f].path.join('.') === optimizerPath);
}

export function readLiveField<F extends LiveField>(run: RunConfig, field: F): LiveFieldValues[F] {
  let v: unknown = run.optimizer;
  for (const k of LIVE_SETTINGS[field].path) v = (v as Record<string, unknown>)[k];
  return v as LiveFieldValues[F];
}

/** A copy of `run` with one live field changed (value assumed valid). */
export function writeLiveField(run: RunConfig, field: LiveField, value: LiveValue): RunConfig {
  const path = LIVE_SETTINGS[field].path;
  const set = (obj: Record<string, unknown>, i: number): Record<string, unknown> =>
    ({ ...obj, [path[i]]: i === path.length - 1 ? value : set(obj[path[i]] as Record<string, unknown>, i + 1) });
  return { ...run, optimizer: set(run.optimizer as unknown as Record<string, unknown>, 0) as unknown as OptimizerConfig };
}

/** Whether a field means anything for this run (ρ only for SAM, IRE knobs only with IRE on). */
export function fieldApplies(run: RunConfig, field: LiveField): boolean {
  const row: LiveSettingRow = LIVE_SETTINGS[field];
  if (row.bases && !row.bases.includes(run.optimizer.base)) return false;
  return !row.needsIre || run.optimizer.ire.enabled;
}

/** The schema's range of a number field, in words ("a number in [0, 1]"). */
export function liveFieldRange(field: LiveField): string {
  const spec = fieldSpec(liveFieldPath(0, field));
  return spec ? describeSpec(spec) : '';
}

/**
 * null when `value` is acceptable for `field`, else a message naming the field by its label and
 * giving the schema's rule ("γ (flat fraction) must be in [0, 1]"). Page and worker both call it.
 */
export function validateLiveField(field: LiveField, value: unknown): string | null {
  const row = LIVE_SETTINGS[field];
  if (row.kind === 'boolean' && typeof value !== 'boolean') return `${row.label} must be true or false`;
  if (row.kind === 'number' && (typeof value !== 'number' || !Number.isFinite(value))) return `${row.label} must be ${liveFieldRange(field)}`;
  const schema = validateField(liveFieldPath(0, field), value);
  if (!schema) return null;
  const cut = schema.indexOf(': ');
  return `${row.label} ${cut >= 0 ? schema.slice(cut + 2) : schema}`;
}

/** Short display of a value: 3e-3 → "0.003", 9000 → "9000", true → "on". */
export function formatLiveValue(value: LiveValue): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (value === 0) return '0';
  const a = Math.abs(value);
  if (a >= 1e-3 && a < 1e6) return String(Number(value.toPrecision(4)));
  return value.toExponential(2).replace(/\.?0+e/, 'e');
}

/** "κ = 4", "IRE on", "κ follows lr off": a change as the event log and diff line say it. */
export function describeLiveValue(field: LiveField, value: LiveValue): string {
  const row = LIVE_SETTINGS[field];
  return row.kind === 'boolean' ? `${row.symbol} ${formatLiveValue(value)}` : `${row.symbol} = ${formatLiveValue(value)}`;
}
