// The comparison: model preset, transport controls, the config diff line, one card per run,
// the event log, then the live charts.
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { configDiffLine } from '../store/configDiff';
import { FIELD_SPECS, formatValue } from '../store/liveFields';
import type { AppStore, LogEvent } from '../store/store';
import { DEFAULT_DATASET, MODEL_PRESETS, type ModelPreset } from '../train/config';
import { ChartsPanel } from './ChartsPanel';
import { RunCard } from './RunCard';

const MODEL_LABELS: Record<ModelPreset, string> = {
  'gpt-tiny': 'GPT tiny (2 layers, 128 wide)',
  'gpt-small': 'GPT small (4 layers, 256 wide)',
  'mlp-mnist': 'MLP on MNIST',
  'cnn-mnist': 'CNN on MNIST',
  'cnn-cifar10': 'CNN on CIFAR-10',
  'toy-2d': 'Toy 2-D landscape',
};

function Controls({ store }: { store: AppStore }) {
  const { running, session, step, gpuReady, totalSteps } = useStore(
    store,
    useShallow((s) => ({ running: s.running, session: s.session, step: s.step, gpuReady: s.gpu.state === 'ready' && !s.deviceLost, totalSteps: s.config.totalSteps })),
  );
  const a = store.getState();
  return (
    <div className="controls" role="toolbar" aria-label="Training controls">
      {running ? (
        <button type="button" className="primary" data-testid="pause" onClick={() => a.pause()}>
          ❚❚ Pause
        </button>
      ) : (
        <button type="button" className="primary" data-testid="start" disabled={!gpuReady} onClick={() => a.start()}>
          ▶ {session === 'none' ? 'Start' : 'Resume'}
        </button>
      )}
      <button type="button" data-testid="step" disabled={!gpuReady || running} onClick={() => a.stepOnce()}>
        Step
      </button>
      <button type="button" data-testid="reset" disabled={session === 'none' && step === 0} onClick={() => a.reset()} title="Back to step 0: same seed, same initial parameters, same batches">
        ↺ Reset
      </button>
      <span className="step-counter" data-testid="step-counter" aria-live="off">
        step <strong>{step}</strong> / {totalSteps}
        {session === 'configuring' ? ' · building…' : ''}
      </span>
    </div>
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

const eventText = (e: LogEvent) =>
  `step ${e.step}: ${e.kind === 'fork' ? `${e.runId} forked from ${e.from}` : `${e.runId} ${FIELD_SPECS[e.field].symbol} ${formatValue(e.old)} → ${formatValue(e.new)}`}`;

/** Logged changes, then the changes a shared link planned that are still to come. */
function EventLog({ store }: { store: AppStore }) {
  const events = useStore(store, (s) => s.events);
  const planned = useStore(store, (s) => s.planned);
  if (events.length === 0 && planned.length === 0) return null;
  return (
    <details className="event-log" open={events.length + planned.length <= 6}>
      <summary>
        Event log ({events.length}){planned.length > 0 ? ` · ${planned.length} planned from the link` : ''}
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
            Planned: re-applied at the same steps when this comparison trains from step 0.{' '}
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
  const running = useStore(store, (s) => s.running);
  const runIds = useStore(store, useShallow((s) => s.config.runs.map((r) => r.id)));
  const seed = useStore(store, (s) => s.config.seed);
  return (
    <div className="comparison">
      <div className="setup-row">
        <label className="inline">
          Model{' '}
          <select data-testid="model" value={model} disabled={running} onChange={(e) => store.getState().setModel(e.target.value as ModelPreset)}>
            {(Object.keys(MODEL_PRESETS) as ModelPreset[])
              .filter((m) => m !== 'toy-2d')
              .map((m) => (
                <option key={m} value={m}>
                  {MODEL_LABELS[m]}
                </option>
              ))}
          </select>
        </label>
        <span className="muted">
          data: <strong>{DEFAULT_DATASET[model]}</strong> · seed {seed} · both runs start from bit-identical parameters and see the same batches
        </span>
      </div>
      <Controls store={store} />
      <Problems store={store} />
      <DiffLines store={store} />
      <div className="run-grid">
        {runIds.map((id, i) => (
          <RunCard key={id} store={store} runId={id} index={i} />
        ))}
      </div>
      <EventLog store={store} />
      <ChartsPanel store={store} />
    </div>
  );
}
