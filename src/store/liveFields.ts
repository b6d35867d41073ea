// The per-run settings a user can change while training: where each lives in a RunConfig,
// its label and symbol, its allowed range, and the one validation every entry point uses.
import type { RunConfig } from '../train/config';
import { validateField } from '../train/configSchema';
import { liveFieldPath } from '../worker/liveFields';
import type { LiveField, LiveValue } from '../worker/protocol';

export { liveFieldPath, readLiveField, writeLiveField } from '../worker/liveFields';

export interface NumericFieldSpec {
  kind: 'number';
  label: string; // shown next to the control
  symbol: string; // used in the diff line and event log ("κ")
  min: number;
  max: number;
  minExclusive: boolean; // lr > 0
  integer: boolean;
  /** Slider range (a sub-range of [min, max]) and whether it is logarithmic. */
  slider: { min: number; max: number; log: boolean; step: number };
}

export interface BooleanFieldSpec {
  kind: 'boolean';
  label: string;
  symbol: string;
}

export type FieldSpec = NumericFieldSpec | BooleanFieldSpec;

export const FIELD_SPECS: Record<LiveField, FieldSpec> = {
  lr: { kind: 'number', label: 'learning rate', symbol: 'lr', min: 0, max: 10, minExclusive: true, integer: false, slider: { min: 1e-5, max: 1, log: true, step: 0.01 } },
  kappa: { kind: 'number', label: 'κ (boost)', symbol: 'κ', min: 0, max: 1000, minExclusive: false, integer: false, slider: { min: 0, max: 20, log: false, step: 0.1 } },
  gamma: { kind: 'number', label: 'γ (flat fraction)', symbol: 'γ', min: 0, max: 1, minExclusive: false, integer: false, slider: { min: 0, max: 1, log: false, step: 0.01 } },
  refreshEvery: { kind: 'number', label: 'K (refresh every)', symbol: 'K', min: 1, max: 1e7, minExclusive: false, integer: true, slider: { min: 1, max: 100, log: false, step: 1 } },
  rho: { kind: 'number', label: 'ρ (SAM radius)', symbol: 'ρ', min: 0, max: 10, minExclusive: false, integer: false, slider: { min: 0, max: 0.5, log: false, step: 0.005 } },
  weightDecay: { kind: 'number', label: 'weight decay', symbol: 'wd', min: 0, max: 10, minExclusive: false, integer: false, slider: { min: 0, max: 1, log: false, step: 0.001 } },
  kappaFollowsLr: { kind: 'boolean', label: 'κ follows lr', symbol: 'κ follows lr' },
  ireEnabled: { kind: 'boolean', label: 'IRE', symbol: 'IRE' },
};

/** Whether a field means anything for this run (ρ only for SAM, IRE knobs only with IRE on). */
export function fieldApplies(run: RunConfig, field: LiveField): boolean {
  const o = run.optimizer;
  switch (field) {
    case 'rho':
      return o.base === 'sam';
    case 'kappa':
    case 'gamma':
    case 'refreshEvery':
    case 'kappaFollowsLr':
      return o.ire.enabled;
    default:
      return true;
  }
}

function rangeText(spec: NumericFieldSpec): string {
  const lo = spec.minExclusive ? `> ${spec.min}` : `≥ ${spec.min}`;
  return `${spec.integer ? 'an integer' : 'a number'} ${lo} and ≤ ${spec.max}`;
}

/**
 * null when `value` is acceptable for `field` of the run at `runIndex`, else a message naming
 * the field and its range. The config schema (configSchema.ts) is the authority; its message
 * ("runs[1].optimizer.ire.gamma = 1.5: must be in [0, 1]") is shown with the control's label.
 */
export function validateLiveField(field: LiveField, value: unknown, runIndex = 0): string | null {
  const own = checkLiveField(field, value);
  if (own) return own;
  const schema = validateField(liveFieldPath(runIndex, field), value);
  if (!schema) return null;
  const cut = schema.indexOf(': ');
  return `${FIELD_SPECS[field].label} ${cut >= 0 ? schema.slice(cut + 2) : schema}`;
}

/** The type check (a finite number, a boolean); ranges are the schema's. */
function checkLiveField(field: LiveField, value: unknown): string | null {
  const spec = FIELD_SPECS[field];
  if (spec.kind === 'boolean') return typeof value === 'boolean' ? null : `${spec.label} must be true or false`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${spec.label} must be ${rangeText(spec)}`;
  return null;
}

/** Parses the text of a number input: null for anything that is not a plain finite number. */
export function parseNumberInput(text: string): number | null {
  const t = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  const x = Number(t);
  return Number.isFinite(x) ? x : null;
}

/** Short display of a value: 3e-3 → "0.003", 9000 → "9000", true → "on". */
export function formatValue(value: LiveValue): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (value === 0) return '0';
  const a = Math.abs(value);
  if (a >= 1e-3 && a < 1e6) return String(Number(value.toPrecision(4)));
  return value.toExponential(2).replace(/\.?0+e/, 'e');
}
