// One run of the comparison: its name, optimizer, status and live settings.
import { useState } from 'react';
import { useStore } from 'zustand';
import { optimizerName } from '../store/configDiff';
import { fieldKey, isDetached } from '../store/runState';
import type { AppStore, RunView } from '../store/store';
import { fieldApplies, LIVE_FIELDS, LIVE_SETTINGS } from '../train/liveSettings';
import { BASE_OPTIMIZER_INFO, BASE_OPTIMIZERS, ireStartStep, type BaseOptimizer } from '../train/config';
import { runStyle } from './plots/style';
import { NumberField, ToggleField } from './FieldControl';
import { PytorchExportButton } from './PytorchExportButton';

function StatusBadge({ view }: { view: RunView | undefined }) {
  const st = view?.status ?? { state: 'idle' as const };
  switch (st.state) {
    case 'diverged':
      return (
        <span className="badge badge-bad" role="status" data-testid="run-status">
          diverged at step {st.step}
          {st.lastFinite ? ` (last finite loss ${st.lastFinite.loss.toPrecision(4)})` : ''}
        </span>
      );
    case 'device-lost':
      return (
        <span className="badge badge-bad" role="status" data-testid="run-status">
          device lost
        </span>
      );
    case 'finished':
      return <span className="badge badge-ok" data-testid="run-status">finished at step {st.step}</span>;
    default:
      return <span className={`badge badge-${st.state}`} data-testid="run-status">{st.state}</span>;
  }
}

export function RunCard({ store, runId }: { store: AppStore; runId: string }) {
  const run = useStore(store, (s) => s.config.runs.find((r) => r.id === runId));
  const view = useStore(store, (s) => s.runs[runId]);
  const nameError = useStore(store, (s) => s.fieldErrors[fieldKey(runId, 'name')]);
  const runCount = useStore(store, (s) => s.config.runs.length);
  const baseLocked = useStore(store, (s) => s.session !== 'none' || isDetached(s));
  const [name, setName] = useState(run?.name ?? '');
  const [confirmRemove, setConfirmRemove] = useState(false);
  if (!run) return null;
  const o = run.optimizer;
  const style = runStyle(run.id);
  const fields = LIVE_FIELDS.filter((f) => fieldApplies(run, f));
  const ireFrom = o.ire.enabled ? ireStartStep(o) : null;
  const swatch = style.dash === 'solid' ? 'solid' : style.dash === 'dot' ? 'dotted' : 'dashed';

  return (
    <section className="run-card" aria-label={`Run ${run.id}`} data-testid={`run-${run.id}`} style={{ borderTopColor: style.color }}>
      <header className="run-head">
        <span className="run-id" style={{ color: style.color }}>
          {run.id}
        </span>
        <span className="swatch" aria-hidden="true" style={{ borderTop: `3px ${swatch} ${style.color}` }} />
        <input
          className="run-name"
          aria-label={`Name of run ${run.id}`}
          data-testid={`name-${run.id}`}
          value={name}
          aria-invalid={nameError ? true : undefined}
          onChange={(e) => setName(e.target.value)}
          onBlur={() => store.getState().renameRun(run.id, name)}
          onKeyDown={(e) => e.key === 'Enter' && store.getState().renameRun(run.id, name)}
        />
        <StatusBadge view={view} />
      </header>
      {nameError && (
        <p role="alert" className="field-error">
          {nameError}
        </p>
      )}
      <p className="run-opt" data-testid={`optimizer-${run.id}`}>
        <strong>{optimizerName(o)}</strong>
        {view?.parameters ? <span className="muted"> · {view.parameters.toLocaleString('en')} parameters</span> : null}
        {view?.forkedFrom ? <span className="muted"> · forked from {view.forkedFrom.runId} at step {view.forkedFrom.step}</span> : null}
        {ireFrom !== null ? <span className="muted" data-testid={`ire-from-${run.id}`}> · IRE active from step {ireFrom}</span> : null}
      </p>
      <div className="run-row">
        <label className="inline">
          base{' '}
          <select
            value={o.base}
            disabled={baseLocked}
            onChange={(e) => store.getState().setBase(run.id, e.target.value as BaseOptimizer)}
          >
            {BASE_OPTIMIZERS.map((b) => (
              <option key={b} value={b}>
                {BASE_OPTIMIZER_INFO[b].name}
              </option>
            ))}
          </select>
        </label>
        {fields
          .filter((f) => LIVE_SETTINGS[f].kind === 'boolean')
          .map((f) => (
            <ToggleField key={f} store={store} runId={run.id} field={f} />
          ))}
      </div>
      {fields
        .filter((f) => LIVE_SETTINGS[f].kind === 'number')
        .map((f) => (
          <NumberField key={f} store={store} runId={run.id} field={f} />
        ))}
      <footer className="run-actions">
        <button type="button" data-testid={`fork-${run.id}`} onClick={() => store.getState().fork(run.id)} title="Copy this run's full state at the current step into a new run">
          Fork
        </button>
        <button
          type="button"
          className="quiet"
          data-testid={`checkpoint-${run.id}`}
          onClick={() => store.getState().exportCheckpoint(run.id)}
          title="Save this run's parameters, optimizer and IRE state at the current step as safetensors (loads in PyTorch)"
        >
          Checkpoint
        </button>
        <PytorchExportButton store={store} runId={run.id} />
        {runCount > 1 && !confirmRemove && (
          <button type="button" className="quiet" data-testid={`remove-${run.id}`} onClick={() => setConfirmRemove(true)}>
            Remove
          </button>
        )}
        {confirmRemove && (
          <span role="group" aria-label={`Remove run ${run.id}?`} className="confirm">
            Remove {run.id} and its curves?{' '}
            <button
              type="button"
              className="danger"
              data-testid={`remove-confirm-${run.id}`}
              onClick={() => {
                setConfirmRemove(false);
                const problem = store.getState().removeRun(run.id);
                if (problem) store.setState({ notice: problem });
              }}
            >
              Remove
            </button>{' '}
            <button type="button" className="quiet" data-testid={`remove-cancel-${run.id}`} onClick={() => setConfirmRemove(false)}>
              Cancel
            </button>
          </span>
        )}
      </footer>
    </section>
  );
}
