// When sharpness is measured during training (config `sharpnessEvery`): every N steps, or, with
// 'auto', at an interval chosen from the measured cost so that measuring takes at most
// SHARPNESS_BUDGET of the training time (docs/algorithm.md "Sharpness"). Used by the worker and
// the CLI; measurements never change the training itself (the trainer's state is restored bit
// for bit), so an interval that follows the clock leaves the curves deterministic.

/** Largest share of training time that automatic sharpness measurements may take. */
export const SHARPNESS_BUDGET = 0.15;

/**
 * With 'auto': the step after which the first measurement is taken (its cost is unknown before).
 * Late enough not to delay the page's first answer (B leaving A after a 10–20-step warm-up).
 */
export const AUTO_FIRST_MEASUREMENT = 30;

/**
 * Steps between measurements so that a measurement of `measureMs` after every N steps of
 * `stepMs` takes at most `budget` of the time: measureMs / (N·stepMs + measureMs) ≤ budget.
 */
export function sharpnessInterval(measureMs: number, stepMs: number, budget = SHARPNESS_BUDGET): number {
  if (!(measureMs >= 0) || !(stepMs > 0) || !(budget > 0 && budget < 1)) return AUTO_FIRST_MEASUREMENT;
  return Math.max(1, Math.ceil((measureMs * (1 - budget)) / (budget * stepMs)));
}

/** What the schedule has measured so far, for the page ("every N steps, x % of the time"). */
export interface SharpnessCost {
  every: number; // the current interval (steps)
  auto: boolean;
  measureMs: number; // the latest measurement's wall time
  share: number; // measuring time over all training time so far (0 before any)
  /** The share at the current interval once training goes on: measureMs / (every·stepMs + measureMs). */
  steadyShare: number;
}

export class SharpnessSchedule {
  private next: number; // the step count after which the next measurement is due
  private every: number;
  private measuredMs = 0;
  private lastMeasureMs = 0;
  private lastStepMs = NaN;
  private measurements = 0;

  constructor(
    private readonly setting: number | 'auto',
    startStep = 0,
  ) {
    this.every = setting === 'auto' ? AUTO_FIRST_MEASUREMENT : setting;
    this.next = setting === 'auto' ? Math.max(startStep, 0) + AUTO_FIRST_MEASUREMENT : 0;
  }

  /** Whether to measure after `done` steps. */
  due(done: number): boolean {
    if (this.setting === 'auto') return done >= this.next;
    return this.setting > 0 && done % this.setting === 0;
  }

  /** Records a measurement taken after `done` steps; `stepMs`: the current time of one training step. */
  measured(done: number, measureMs: number, stepMs: number): void {
    this.measurements++;
    this.measuredMs += measureMs;
    this.lastMeasureMs = measureMs;
    this.lastStepMs = stepMs;
    if (this.setting !== 'auto') return;
    this.every = sharpnessInterval(measureMs, stepMs);
    this.next = done + this.every;
  }

  /** The cost so far, against `trainingMs` of training (sharpness included); null before any measurement. */
  cost(trainingMs: number): SharpnessCost | null {
    if (this.measurements === 0) return null;
    const steady = this.lastMeasureMs / (this.every * this.lastStepMs + this.lastMeasureMs);
    return {
      every: this.every,
      auto: this.setting === 'auto',
      measureMs: this.lastMeasureMs,
      share: trainingMs > 0 ? this.measuredMs / trainingMs : 0,
      steadyShare: Number.isFinite(steady) ? steady : 0,
    };
  }
}
