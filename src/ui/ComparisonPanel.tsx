// The comparison: model preset, the Scenarios menu, transport controls, the config diff line,
// one card per run, the event log, then the live charts.
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { configDiffLine } from '../store/configDiff';
import { eventText, type PlannedOrigin } from '../store/eventLog';
import { isBusy, isDetached } from '../store/runState';
import type { AppStore } from '../store/store';
import { MODEL_PRESETS, type ModelPreset } from '../train/config';
import type { Control } from '../worker/protocol';
import { ChartsPanel } from './ChartsPanel';
import { RunCard } from './RunCard';
import { ScenarioMenu } from './ScenarioMenu';

const MODEL_LABELS: Record<ModelPreset, string> = {
  'gpt-tiny': 'GPT tiny (2 layers, 128 wide)',
  'gpt-small': 'GPT small (4 layers, 256 wide)',
  'mlp-mnist': 'MLP on MNIST',
  'cnn-mnist': 'CNN on MNIST',
  'cnn-cifar10': 'CNN on CIFAR-10',
  'toy-2d': 'Toy 2-D landscape (2 parameters)',
};

const CONTROL_TEXT: Record<Control, string> = {
  idle: '',
  building: ' · building…',
  running: '',
  pausing: ' · pausing…',
  paused: ' · paused',
  failed: ' · stopped',
};

function Controls({ store }: { store: AppStore }) {
  const { control, session, step, gpuReady, totalSteps, replay, detached } = useStore(
    store,
    useShallow((s) => ({
      control: s.control,
      session: s.session,
      step: s.step,
      gpuReady: s.gpu.state === 'ready' && !s.deviceLost,
      totalSteps: s.config.totalSteps,
      replay: s.replay,
      detached: isDetached(s),
    })),
  );
  const a = store.getState();
  const busy = isBusy(control);
  const done = session !== 'none' && step >= totalSteps;
  return (
    <div className="controls" role="toolbar" aria-label="Training controls">
      {control === 'running' || control === 'pausing' ? (
        <button type="button" className="primary" data-testid="pause" disabled={control === 'pausing'} onClick={() => a.pause()}>
          {control === 'pausing' ? 'Pausing…' : '❚❚ Pause'}
        </button>
      ) : (
        <button type="button" className="primary" data-testid="start" disabled={!gpuReady || busy || done} onClick={() => a.start()}>
          ▶ {(session === 'none' && !detached) || (step === 0 && !replay) ? 'Start' : 'Resume'}
        </button>
      )}
      <button type="button" data-testid="step" disabled={!gpuReady || busy || done} onClick={() => a.stepOnce()}>
        Step
      </button>
      <button type="button" data-testid="reset" disabled={session === 'none' && step === 0 && !detached} onClick={() => a.reset()} title="Back to step 0: same seed, same initial parameters, same batches">
        ↺ Reset
      </button>
      <span className="step-counter" data-testid="step-counter" data-control={control} aria-live="off">
        step <strong>{step}</strong> / {totalSteps}
        {CONTROL_TEXT[control]}
        {replay ? ` · re-deriving the restored curves (to step ${replay.through})` : ''}
      </span>
    </div>
  );
}

/** The real message of a failure, and what the user can do next. */
function Failure({ store }: { store: AppStore }) {
  const failure = useStore(store, (s) => s.failure);
  const started = useStore(store, (s) => s.step > 0);
  const mismatch = useStore(store, (s) => s.replay?.mismatch ?? null);
  return (
    <>
      {failure && (
        <div role="alert" className="notice" data-testid="failure">
          <p>
            <strong>{started ? 'Training stopped.' : 'The comparison could not be built.'}</strong> {/[.!?]$/.test(failure) ? failure : `${failure}.`}
          </p>
          <p className="muted">Fix the setting or pick another model, then press Start: nothing needs a reload.</p>
        </div>
      )}
      {mismatch && (
        <p role="status" className="notice" data-testid="replay-mismatch">
          Training again gave a different loss for run {mismatch.runId} at step {mismatch.step} than the restored curve (another GPU or browser rounds differently); the curves now show this training.
        </p>
      )}
    </>
  );
}

function DiffLines({ store }: { store: AppStore }) {
  const runs = useStore(store, (s) => s.config.runs);
  if (runs.length < 2) return null;
  return (
    <ul className="diff-lines" data-testid="diff-line">
      {runs.slice(1).map((r) => (
        <li key={r.id}>{configDiffLine(runs[0], r)}</li>
      ))}
    </ul>
  );
}

const PLANNED_TEXT: Record<PlannedOrigin, { summary: string; explain: string }> = {
  link: { summary: 'planned from the link', explain: 'The link’s changes, applied at the same steps when this comparison trains from step 0.' },
  reset: { summary: 'planned again after Reset', explain: 'The changes Reset undid, applied again at the same steps when the comparison trains.' },
  replay: { summary: 'planned', explain: 'Applied at these steps while the comparison trains again from step 0.' },
};

/** Logged changes, then the planned ones still to come, and edits the worker has not applied yet. */
function EventLog({ store }: { store: AppStore }) {
  const events = useStore(store, (s) => s.events);
  const planned = useStore(store, (s) => s.planned);
  const origin = useStore(store, (s) => s.plannedOrigin) ?? 'replay';
  if (events.length === 0 && planned.length === 0) return null;
  return (
    <details className="event-log" open={events.length + planned.length <= 6}>
      <summary>
        Event log ({events.length}){planned.length > 0 ? ` · ${planned.length} ${PLANNED_TEXT[origin].summary}` : ''}
      </summary>
      {events.length > 0 && (
        <ol data-testid="event-log">
          {events.map((e, i) => (
            <li key={i}>{eventText(e)}</li>
          ))}
        </ol>
      )}
      {planned.length > 0 && (
        <>
          <p className="muted">
            {PLANNED_TEXT[origin].explain}{' '}
            <button type="button" className="quiet" data-testid="discard-planned" onClick={() => store.getState().discardPlanned()}>
              Discard planned changes
            </button>
          </p>
          <ol data-testid="planned-events" className="planned">
            {planned.map((e, i) => (
              <li key={i}>planned · {eventText(e)}</li>
            ))}
          </ol>
        </>
      )}
    </details>
  );
}

function Problems({ store }: { store: AppStore }) {
  const issues = useStore(store, (s) => s.configIssues);
  const lost = useStore(store, (s) => s.deviceLost);
  return (
    <>
      {issues.length > 0 && (
        <div role="alert" className="notice" data-testid="config-issues">
          <p>The engine refused this configuration:</p>
          <ul>
            {issues.map((i) => (
              <li key={i.path}>
                <code>{i.path}</code>: {i.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {lost && (
        <div role="alert" className="notice" data-testid="device-lost">
          <p>
            <strong>The GPU device was lost.</strong> {lost.message}
          </p>
          {lost.resumable ? (
            <button type="button" className="primary" onClick={() => store.getState().resume()}>
              Resume every run from its last checkpoint
            </button>
          ) : (
            <p>No checkpoint was kept; reset to start again.</p>
          )}
        </div>
      )}
    </>
  );
}

export function ComparisonPanel({ store }: { store: AppStore }) {
  const model = useStore(store, (s) => s.config.model);
  const busy = useStore(store, (s) => isBusy(s.control));
  const dataset = useStore(store, (s) => s.config.dataset);
  const runIds = useStore(store, useShallow((s) => s.config.runs.map((r) => r.id)));
  const seed = useStore(store, (s) => s.config.seed);
  return (
    <div className="comparison">
      <div className="setup-row">
        <label className="inline">
          Model{' '}
          <select data-testid="model" value={model} disabled={busy} onChange={(e) => store.getState().setModel(e.target.value as ModelPreset)}>
            {(Object.keys(MODEL_PRESETS) as ModelPreset[]).map((m) => (
              <option key={m} value={m}>
                {MODEL_LABELS[m]}
              </option>
            ))}
          </select>
        </label>
        <span className="muted">
          data: <strong>{dataset}</strong> · seed {seed} · both runs start from bit-identical parameters and see the same batches
        </span>
      </div>
      <ScenarioMenu store={store} />
      <Controls store={store} />
      <Failure store={store} />
      <Problems store={store} />
      <DiffLines store={store} />
      <div className="run-grid">
        {runIds.map((id) => (
          <RunCard key={id} store={store} runId={id} />
        ))}
      </div>
      <EventLog store={store} />
      <ChartsPanel store={store} />
    </div>
  );
}
