// "Advanced settings": every field of the comparison that the model select and the run cards do
// not show (advancedFields.ts), one control per schema field kind. Each edit goes through the
// store's `setConfigField`; a refusal shows next to its control (aria-invalid, role=alert) and
// changes nothing. Values shown are the acknowledged config's (`store.config`).
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { AppStore } from '../store/store';
import { fieldSpec, type EnumSpec, type NumberSpec } from '../train/configSchema';
import {
  COMPARISON_FIELDS,
  RUN_FIELDS,
  datasetChoices,
  fieldMessage,
  helpLine,
  numberOption,
  parseNumberText,
  readConfigPath,
  runFieldApplies,
  runFieldPath,
  type FieldText,
  type RunFieldKey,
} from './advancedFields';

interface Commit {
  error: string | null;
  setError(message: string | null): void;
  /** Sends a value unless it is the one shown; true when accepted. */
  commit(value: unknown): boolean;
}

function useCommit(store: AppStore, path: string, label: string): Commit {
  const [error, setError] = useState<string | null>(null);
  const commit = (value: unknown) => {
    if (Object.is(readConfigPath(store.getState().config, path), value)) {
      setError(null);
      return true;
    }
    const refusal = store.getState().setConfigField(path, value);
    setError(refusal === null ? null : fieldMessage(path, label, refusal));
    return refusal === null;
  };
  return { error, setError, commit };
}

/** Label, control, help line and refusal of one field. */
function FieldRow({ id, path, label, help, error, children }: { id: string; path: string; label: string; help: string; error: string | null; children: ReactNode }) {
  return (
    <div className={`adv-field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <div className="adv-control">{children}</div>
      <p id={`${id}-help`} className="adv-help muted">
        {help}
      </p>
      {error && (
        <p id={`${id}-err`} role="alert" className="field-error" data-testid={`adv-error-${path}`}>
          {error}
        </p>
      )}
    </div>
  );
}

const describedBy = (id: string, error: string | null) => (error ? `${id}-help ${id}-err` : `${id}-help`);

/** A number input: commits on Enter and on blur, Escape puts the shown value back. */
function NumberInput(props: { store: AppStore; path: string; label: string; spec: NumberSpec; id: string; testId: string; describedBy: string; ariaLabel?: string; c: Commit }) {
  const { store, path, label, spec, c } = props;
  const value = useStore(store, (s) => readConfigPath(s.config, path));
  const shown = typeof value === 'number' ? String(value) : '';
  const [text, setText] = useState(shown);
  const editing = useRef(false);
  // A value changed elsewhere (a reset, an import, the worker) shows unless the user is typing.
  useEffect(() => {
    if (!editing.current) setText(shown);
  }, [shown]);
  const commitText = () => {
    editing.current = false;
    const parsed = parseNumberText(text, label, spec);
    if (!parsed.ok) c.setError(parsed.message);
    else if (c.commit(parsed.value)) {
      const now = readConfigPath(store.getState().config, path);
      setText(typeof now === 'number' ? String(now) : text);
    }
  };
  return (
    <input
      id={props.id}
      className="number"
      type="text"
      inputMode="decimal"
      spellCheck={false}
      data-testid={props.testId}
      aria-label={props.ariaLabel}
      aria-invalid={c.error ? true : undefined}
      aria-describedby={props.describedBy}
      value={text}
      onFocus={() => (editing.current = true)}
      onChange={(e) => setText(e.target.value)}
      onBlur={commitText}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commitText();
        if (e.key === 'Escape') {
          editing.current = false;
          setText(shown);
          c.setError(null);
        }
      }}
    />
  );
}

function NumberField({ store, path, text }: { store: AppStore; path: string; text: FieldText }) {
  const spec = numberOption(fieldSpec(path))!;
  const id = useId();
  const c = useCommit(store, path, text.label);
  return (
    <FieldRow id={id} path={path} label={text.label} help={helpLine(text, spec)} error={c.error}>
      <NumberInput store={store} path={path} label={text.label} spec={spec} id={id} testId={`adv-${path}`} describedBy={describedBy(id, c.error)} c={c} />
    </FieldRow>
  );
}

function ToggleField({ store, path, text }: { store: AppStore; path: string; text: FieldText }) {
  const value = useStore(store, (s) => readConfigPath(s.config, path) === true);
  const id = useId();
  const c = useCommit(store, path, text.label);
  return (
    <FieldRow id={id} path={path} label={text.label} help={text.help} error={c.error}>
      <input
        id={id}
        type="checkbox"
        data-testid={`adv-${path}`}
        checked={value}
        aria-invalid={c.error ? true : undefined}
        aria-describedby={describedBy(id, c.error)}
        onChange={(e) => c.commit(e.target.checked)}
      />
    </FieldRow>
  );
}

/** A select over `values` (an enum field's, or fewer: the datasets that fit the model). */
function SelectField({ store, path, text, values }: { store: AppStore; path: string; text: FieldText; values: readonly (string | number)[] }) {
  const value = useStore(store, (s) => readConfigPath(s.config, path));
  const id = useId();
  const c = useCommit(store, path, text.label);
  return (
    <FieldRow id={id} path={path} label={text.label} help={text.help} error={c.error}>
      <select
        id={id}
        data-testid={`adv-${path}`}
        value={String(value)}
        aria-invalid={c.error ? true : undefined}
        aria-describedby={describedBy(id, c.error)}
        onChange={(e) => c.commit(values.find((v) => String(v) === e.target.value))}
      >
        {values.map((v) => (
          <option key={String(v)} value={String(v)}>
            {text.choices?.[String(v)] ?? String(v)}
          </option>
        ))}
      </select>
    </FieldRow>
  );
}

const AT_STEP = '#step'; // the select's option for a number value of a union field

/** IRE's start (the schema's union of a step and "warmup-end"): a select, and the step when one is chosen. */
function StartStepField({ store, runIndex, text }: { store: AppStore; runIndex: number; text: FieldText }) {
  const path = runFieldPath(runIndex, 'optimizer.ire.startStep');
  const spec = fieldSpec(path);
  const words = spec?.kind === 'union' ? (spec.options.find((o) => o.kind === 'enum') as EnumSpec | undefined)?.values ?? [] : [];
  const value = useStore(store, (s) => readConfigPath(s.config, path));
  const id = useId();
  const c = useCommit(store, path, text.label);
  const choose = (option: string) => {
    // A step chosen: start where the warm-up ends, the same step as before, then edit it.
    if (option === AT_STEP) c.commit(readConfigPath(store.getState().config, runFieldPath(runIndex, 'optimizer.warmupSteps')));
    else c.commit(words.find((w) => String(w) === option));
  };
  return (
    <FieldRow id={id} path={path} label={text.label} help={helpLine(text, spec)} error={c.error}>
      <select
        id={id}
        data-testid={`adv-${path}`}
        value={typeof value === 'number' ? AT_STEP : String(value)}
        aria-invalid={c.error ? true : undefined}
        aria-describedby={describedBy(id, c.error)}
        onChange={(e) => choose(e.target.value)}
      >
        {words.map((w) => (
          <option key={String(w)} value={String(w)}>
            {text.choices?.[String(w)] ?? String(w)}
          </option>
        ))}
        <option value={AT_STEP}>at step</option>
      </select>{' '}
      {typeof value === 'number' && (
        <NumberInput
          store={store}
          path={path}
          label={text.label}
          spec={numberOption(spec)!}
          id={`${id}-step`}
          testId={`adv-${path}-step`}
          ariaLabel={`${text.label}: step`}
          describedBy={describedBy(id, c.error)}
          c={c}
        />
      )}
    </FieldRow>
  );
}

/** One field by the kind of its schema spec. */
function ConfigField({ store, path, text }: { store: AppStore; path: string; text: FieldText }) {
  const spec = fieldSpec(path);
  switch (spec?.kind) {
    case 'number':
      return <NumberField store={store} path={path} text={text} />;
    case 'boolean':
      return <ToggleField store={store} path={path} text={text} />;
    case 'enum':
      return <SelectField store={store} path={path} text={text} values={spec.values} />;
    default:
      return null;
  }
}

function DatasetField({ store }: { store: AppStore }) {
  const values = useStore(store, useShallow((s) => datasetChoices(s.config.model, s.config.dataset, s.userData?.dataset === 'user-text')));
  return <SelectField store={store} path="dataset" text={COMPARISON_FIELDS.dataset} values={values} />;
}

const RUN_KEYS = Object.keys(RUN_FIELDS) as RunFieldKey[];

function RunFields({ store, runId, index }: { store: AppStore; runId: string; index: number }) {
  const run = useStore(store, (s) => s.config.runs.find((r) => r.id === runId));
  if (!run) return null;
  const shown = RUN_KEYS.filter((k) => runFieldApplies(run.optimizer, k));
  return (
    <fieldset className="adv-group" data-testid={`adv-run-${runId}`}>
      <legend>
        Run {run.id}: {run.name}
      </legend>
      {shown.map((k) =>
        k === 'optimizer.ire.startStep' ? (
          <StartStepField key={k} store={store} runIndex={index} text={RUN_FIELDS[k]} />
        ) : (
          <ConfigField key={k} store={store} path={runFieldPath(index, k)} text={RUN_FIELDS[k]} />
        ),
      )}
      {!run.optimizer.ire.enabled && <p className="muted adv-help">IRE is off for this run: switch it on on the card for its settings.</p>}
    </fieldset>
  );
}

const COMPARISON_KEYS = (Object.keys(COMPARISON_FIELDS) as (keyof typeof COMPARISON_FIELDS)[]).filter((k) => k !== 'dataset');

export function AdvancedPanel({ store }: { store: AppStore }) {
  const runIds = useStore(store, useShallow((s) => s.config.runs.map((r) => r.id)));
  return (
    <details className="advanced" data-testid="advanced">
      <summary>Advanced settings</summary>
      <p className="muted">Every setting of the comparison. Settings that do not change while training apply from step 0: reset to change them once steps have run.</p>
      <div className="adv-groups">
        <fieldset className="adv-group" data-testid="adv-comparison">
          <legend>Comparison</legend>
          <DatasetField store={store} />
          {COMPARISON_KEYS.map((k) => (
            <ConfigField key={k} store={store} path={k} text={COMPARISON_FIELDS[k]} />
          ))}
        </fieldset>
        {runIds.map((id, i) => (
          <RunFields key={id} store={store} runId={id} index={i} />
        ))}
      </div>
    </details>
  );
}
