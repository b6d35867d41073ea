// Where each live field (a run setting that may change while training) lives in a RunConfig:
// read, write and the config path. Shared by the store (the page's copy of the config) and the
// training session (the worker's), so both apply a change identically.
import type { OptimizerConfig, RunConfig } from '../train/config';
import type { LiveField, LiveFieldValues, LiveValue } from './protocol';

export function readLiveField<F extends LiveField>(run: RunConfig, field: F): LiveFieldValues[F] {
  const o = run.optimizer;
  const values: LiveFieldValues = {
    lr: o.lr,
    kappa: o.ire.kappa,
    gamma: o.ire.gamma,
    refreshEvery: o.ire.refreshEvery,
    rho: o.rho,
    kappaFollowsLr: o.ire.kappaFollowsLr,
    ireEnabled: o.ire.enabled,
    weightDecay: o.weightDecay,
  };
  return values[field];
}

/** A copy of `run` with one live field changed (value assumed valid). */
export function writeLiveField(run: RunConfig, field: LiveField, value: LiveValue): RunConfig {
  const o = run.optimizer;
  let optimizer: OptimizerConfig;
  switch (field) {
    case 'lr':
      optimizer = { ...o, lr: value as number, minLr: Math.min(o.minLr, value as number) }; // the floor stays ≤ the peak
      break;
    case 'rho':
      optimizer = { ...o, rho: value as number };
      break;
    case 'weightDecay':
      optimizer = { ...o, weightDecay: value as number };
      break;
    case 'kappa':
      optimizer = { ...o, ire: { ...o.ire, kappa: value as number } };
      break;
    case 'gamma':
      optimizer = { ...o, ire: { ...o.ire, gamma: value as number } };
      break;
    case 'refreshEvery':
      optimizer = { ...o, ire: { ...o.ire, refreshEvery: value as number } };
      break;
    case 'kappaFollowsLr':
      optimizer = { ...o, ire: { ...o.ire, kappaFollowsLr: value as boolean } };
      break;
    case 'ireEnabled':
      optimizer = { ...o, ire: { ...o.ire, enabled: value as boolean } };
      break;
  }
  return { ...run, optimizer };
}

/** Where a live field lives in a ComparisonConfig ("runs[1].optimizer.ire.kappa"). */
export function liveFieldPath(runIndex: number, field: LiveField): string {
  const o = `runs[${runIndex}].optimizer`;
  switch (field) {
    case 'kappa':
    case 'gamma':
    case 'refreshEvery':
    case 'kappaFollowsLr':
      return `${o}.ire.${field}`;
    case 'ireEnabled':
      return `${o}.ire.enabled`;
    default:
      return `${o}.${field}`;
  }
}

