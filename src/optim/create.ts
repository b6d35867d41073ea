// Builds the optimizer a run's OptimizerConfig names (name → implementation), wrapped with IRE
// when `ire.enabled`, and applies config edits between steps (the UI's sliders).
import { BufferTable, type BufferDecl } from '../gpu/bufferTable';
import type { GpuContext } from '../gpu/context';
import { ireStartStep, type BaseOptimizer, type OptimizerConfig } from './optimizerConfig';
import { AdamW, ADAMW_STATE, type AdamWHyper } from './adamw';
import { Ire, ireBuffers, type IreSettings } from './ire';
import { fusedOptimizerBuffers, type Optimizer, type OptimizerBuffers, type StepValues } from './optimizer';
import { Sam, samBuffers } from './sam';
import { Sgd, SGD_STATE, type SgdHyper } from './sgd';

export interface RunOptimizerBuffers extends Omit<OptimizerBuffers, 'ireMask'> {
  /** Padding entries of the flat layout (h = 0; excluded from the IRE γ-fraction). */
  padCount: number;
  /** Where IRE writes the flagged count and thr (default: a private buffer). */
  ireStats?: { buffer: GPUBuffer; maskCount: number; threshold: number };
}

export interface RunOptimizer {
  readonly optimizer: Optimizer;
  /** Present when the config enables IRE; the trainer asks it for refresh steps and κ_t. */
  readonly ire?: Ire;
  /** Uniform values of 0-based step `step` with scheduled learning rate lr (κ_t included). */
  stepValues(step: number, lr: number): StepValues;
  /** Applies an edited config; base and IRE-enabled must stay as built. */
  configure(cfg: OptimizerConfig): void;
  destroy(): void;
}

const adamwHyper = (c: OptimizerConfig): AdamWHyper => ({ beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weightDecay, clip: c.gradClip });
const sgdHyper = (c: OptimizerConfig): SgdHyper => ({ momentum: c.beta1, nesterov: c.nesterov, weightDecay: c.weightDecay, clip: c.gradClip });

/** IRE settings of a config; 'warmup-end' starts IRE at the first step after warm-up. */
export function ireSettings(c: OptimizerConfig): IreSettings {
  const { enabled: _enabled, startStep: _start, ...rest } = c.ire;
  return { ...rest, startStep: ireStartStep(c) };
}

/**
 * Every buffer createOptimizer allocates for `cfg` over P parameters when the run gives it the
 * decay flags and the stats slots (names relative to the run's label), in allocation order: the
 * same classes' tables, composed as createOptimizer composes the classes.
 */
export function optimizerBuffers(cfg: OptimizerConfig, P: number): BufferDecl[] {
  const t = new BufferTable({ role: 'optimizer', perBatch: false });
  if (cfg.ire.enabled) t.include('ire', ireBuffers(P));
  const tables: Record<BaseOptimizer, () => void> = {
    adamw: () => t.include('adamw', fusedOptimizerBuffers(P, ADAMW_STATE)),
    sgd: () => t.include('sgd', fusedOptimizerBuffers(P, SGD_STATE)),
    sam: () => t.include('samBase', fusedOptimizerBuffers(P, SGD_STATE)).include('sam', samBuffers(P)),
  };
  tables[cfg.base]();
  return t.decls;
}

export function createOptimizer(ctx: GpuContext, label: string, buffers: RunOptimizerBuffers, cfg: OptimizerConfig): RunOptimizer {
  const ire = cfg.ire.enabled
    ? new Ire(ctx, `${label}.ire`, { count: buffers.count, padCount: buffers.padCount, grads: buffers.grads, stats: buffers.ireStats }, ireSettings(cfg))
    : undefined;
  const b: OptimizerBuffers = { params: buffers.params, grads: buffers.grads, count: buffers.count, decay: buffers.decay, gradNormSq: buffers.gradNormSq, ireMask: ire?.mask };
  let adamw: AdamW | undefined;
  let sgd: Sgd | undefined;
  let sam: Sam | undefined;
  const builders: Record<BaseOptimizer, () => Optimizer> = {
    adamw: () => (adamw = new AdamW(ctx, `${label}.adamw`, b, adamwHyper(cfg))),
    sgd: () => (sgd = new Sgd(ctx, `${label}.sgd`, b, sgdHyper(cfg))),
    sam: () => {
      sgd = new Sgd(ctx, `${label}.samBase`, b, sgdHyper(cfg));
      return (sam = new Sam(ctx, `${label}.sam`, sgd, b, { rho: cfg.rho }));
    },
  };
  const build = builders[cfg.base];
  if (!build) throw new Error(`${label}: unknown optimizer "${String(cfg.base)}" (known: ${Object.keys(builders).join(', ')})`);
  const optimizer = build();
  let current = cfg;
  return {
    optimizer,
    ire,
    stepValues: (step, lr) => ({ t: step + 1, lr, kappa: ire ? ire.kappaAt(step, lr, current.lr) : 0 }),
    configure(next) {
      if (next.base !== current.base) throw new Error(`${label}: the base optimizer cannot change during a run (${current.base} → ${next.base})`);
      if (next.ire.enabled !== current.ire.enabled) throw new Error(`${label}: IRE cannot be switched on or off during a run; set κ = 0 instead`);
      adamw?.configure(adamwHyper(next));
      sgd?.configure(sgdHyper(next));
      sam?.configure({ rho: next.rho });
      ire?.configure(ireSettings(next));
      current = next;
    },
    destroy() {
      optimizer.destroy();
      ire?.destroy();
    },
  };
}
