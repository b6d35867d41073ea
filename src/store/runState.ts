// Small facts about runs and run control that the store and its slices share: a leaf module
// (it imports only types), so that store.ts and the slices do not import values from each other.
import type { AppState, RunView } from './store';
import type { Control } from '../worker/protocol';

/** A run that has not trained: what a new or rebuilt run card shows. */
export const idleRun = (): RunView => ({ status: { state: 'idle' }, forkedFrom: null, parameters: null, checkpoints: [] });

/** Whether the worker is building, training or pausing the comparison (opening another must wait). */
export const isBusy = (c: Control) => c === 'building' || c === 'running' || c === 'pausing';

/**
 * Why `action` (a change that replaces the comparison) must wait while `c` is busy: training
 * is paused first; a comparison the worker is still building (after Start or Reset) is waited for.
 */
export const busyRefusal = (c: Control, action: string) =>
  c === 'building' ? `The comparison is being built: ${action} once the step counter no longer says “building…”.` : `Pause training before ${action}.`;

/** Whether the page shows a comparison that has trained steps but is not built in the worker. */
export const isDetached = (s: Pick<AppState, 'session' | 'step' | 'events'>) => s.session === 'none' && (s.step > 0 || s.events.length > 0);

/** The key of a field's error message: run id and field path. */
export const fieldKey = (runId: string, field: string) => `${runId}.${field}`;

/** Test images shown with each run's prediction (Samples tab, image models). */
export const PREDICTED_IMAGES = 16;
