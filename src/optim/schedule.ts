// Learning-rate schedule: linear warm-up, then cosine down to a floor (nanoGPT / llm.c style).
// A pure function of the step, so a resumed run and a UI preview compute the same values.

export interface LrSchedule {
  lr: number; // peak learning rate, reached at the end of warm-up
  minLr: number; // floor: the cosine ends here, and it holds after totalSteps
  warmupSteps: number; // linear warm-up length (0 = none)
  totalSteps: number; // step at which the cosine reaches minLr
}

/** Learning rate used by the update of 0-based step `step`. */
export function learningRate(step: number, s: LrSchedule): number {
  // 1. linear warm-up: lr·(step+1)/warmup, so step 0 already moves and step warmup−1 uses lr.
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  // 2. after the end of the schedule, the floor.
  if (step >= s.totalSteps) return s.minLr;
  // 3. in between, cosine from lr (at warmupSteps) down to minLr (at totalSteps).
  const ratio = (step - s.warmupSteps) / (s.totalSteps - s.warmupSteps);
  const coeff = 0.5 * (1 + Math.cos(Math.PI * ratio));
  return s.minLr + coeff * (s.lr - s.minLr);
}

/** Throws with a message naming the problem (negative rates, floor above peak, bad lengths). */
export function checkSchedule(s: LrSchedule): void {
  if (!(s.lr > 0) || !Number.isFinite(s.lr)) throw new Error(`learning rate ${s.lr} must be a positive number`);
  if (!(s.minLr >= 0) || s.minLr > s.lr) throw new Error(`minimum learning rate ${s.minLr} must be in [0, lr = ${s.lr}]`);
  if (!Number.isInteger(s.warmupSteps) || s.warmupSteps < 0) throw new Error(`warm-up steps ${s.warmupSteps} must be a non-negative integer`);
  if (!Number.isInteger(s.totalSteps) || s.totalSteps < 1) throw new Error(`total steps ${s.totalSteps} must be a positive integer`);
}
