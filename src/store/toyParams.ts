// The allowed values of the toy landscape's settings (Toy tab: L(u, v) = (1 + u²) v² / 2, the toy
// problem of docs/algorithm.md) and the one check the panel and the store's `setToyParams` share, so that a
// refused value is reported next to its control instead of being dropped.

/** The settings the toy request carries (the store's ToyParams is assignable to this). */
export interface ToyParamValues {
  start: readonly [number, number]; // (u, v) at step 0
  eta: number; // GD step size η (the second trajectory runs at 2η)
  kappa: number; // IRE κ
  gamma: number; // IRE γ (0.5 picks u, the flat coordinate)
  steps: number; // iterations per trajectory
}

export interface ToyRange {
  label: string; // as shown next to the control
  min: number;
  max: number;
  integer: boolean;
}

/** Ranges of the numeric settings: the sliders span them and the check enforces them. */
export const TOY_RANGES = {
  eta: { label: 'η', min: 0.05, max: 2.5, integer: false }, // 2η = 5 already diverges from any start
  kappa: { label: 'κ', min: 0, max: 10_000, integer: false }, // the paper's figure goes to 9000
  gamma: { label: 'γ', min: 0, max: 1, integer: false }, // fraction of the 2 coordinates boosted
  steps: { label: 'steps', min: 10, max: 2000, integer: true }, // the worker records every point (8 B each)
} as const satisfies Record<Exclude<keyof ToyParamValues, 'start'>, ToyRange>;

/** |u| and |v| of the start point: far beyond the plotted valley, and finite in f32. */
export const TOY_START_LIMIT = 100;

/** "η must be a number in [0.05, 2.5]". */
export function describeToyRange(r: ToyRange): string {
  return `${r.label} must be ${r.integer ? 'an integer' : 'a number'} in [${r.min}, ${r.max}]`;
}

/** Checks one number against its range: null when acceptable, else the message. */
export function checkToyNumber(key: keyof typeof TOY_RANGES, value: unknown): string | null {
  const r: ToyRange = TOY_RANGES[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < r.min || value > r.max || (r.integer && !Number.isInteger(value))) return describeToyRange(r);
  return null;
}

/** Checks the settings given (a partial update checks only its own keys): null, or the first refusal. */
export function validateToyParams(p: Partial<ToyParamValues>): string | null {
  for (const key of Object.keys(TOY_RANGES) as (keyof typeof TOY_RANGES)[]) {
    if (key in p) {
      const problem = checkToyNumber(key, p[key]);
      if (problem) return problem;
    }
  }
  if ('start' in p) {
    const s: unknown = p.start;
    const ok = Array.isArray(s) && s.length === 2 && s.every((x) => typeof x === 'number' && Number.isFinite(x) && Math.abs(x) <= TOY_START_LIMIT);
    if (!ok) return `the start (u, v) must be two numbers in [-${TOY_START_LIMIT}, ${TOY_START_LIMIT}]`;
  }
  return null;
}
