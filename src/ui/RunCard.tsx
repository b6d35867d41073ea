// One run of the comparison: its name, optimizer, status and live settings.
import { useState } from 'react';
import { useStore } from 'zustand';
import { optimizerName } from '../store/configDiff';
import { fieldKey, type AppStore, type RunView } from '../store/store';
import type { BaseOptimizer } from '../train/config';
import { runStyle } from './plots/style';
import { NumberField, ToggleField } from './FieldControl';

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

const BASES: BaseOptimizer[] = ['adamw', 'sgd', 'sam'];

export function RunCard({ store, runId, index }: { store: AppStore; runId: string; index: number }) {
  const run = useStore(store, (s) => s.config.runs.find((r) => r.id === runId));
  const view = useStore(store, (s) => s.runs[runId]);
  const nameError = useStore(store, (s) => s.fieldErrors[fieldKey(runId, 'name')]);
  const runCount = useStore(store, (s) => s.config.runs.length);
  const session = useStore(store, (s) => s.session);
  const [name, setName] = useState(run?.name ?? '');
  if (!run) return null;
  const o = run.optimizer;
  const style = runStyle(index);
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
      </p>
      <div className="run-row">
        <label className="inline">
          base{' '}
          <select
            value={o.base}
            disabled={session !== 'none'}
            onChange={(e) => store.getState().setBase(run.id, e.target.value as BaseOptimizer)}
          >
            {BASES.map((b) => (
              <option key={b} value={b}>
                {b === 'adamw' ? 'AdamW' : b.toUpperCase()}
              </option>
            ))}
          </select>
        </label>
        <ToggleField store={store} runId={run.id} field="ireEnabled" />
        {o.ire.enabled && <ToggleField store={store} runId={run.id} field="kappaFollowsLr" />}
      </div>
      <NumberField store={store} runId={run.id} field="lr" />
      {o.ire.enabled && (
        <>
          <NumberField store={store} runId={run.id} field="kappa" />
          <NumberField store={store} runId={run.id} field="gamma" />
          <NumberField store={store} runId={run.id} field="refreshEvery" />
        </>
      )}
      {o.base === 'sam' && <NumberField store={store} runId={run.id} field="rho" />}
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
        {runCount > 1 && (
          <button type="button" className="quiet" onClick={() => store.getState().removeRun(run.id)}>
            Remove
          </button>
        )}
      </footer>
    </section>
  );
}
