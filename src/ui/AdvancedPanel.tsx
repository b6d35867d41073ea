// "Advanced settings": every field of the comparison that the model select and the run cards do
// not show (advancedFields.ts), one control per schema field kind. Each edit goes through the
// store's `setConfigField`; a refusal shows next to its control (aria-invalid, role=alert) and
// changes nothing. Values shown are the acknowledged config's (`store.config`).
import { useId, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { AppStore } from '../store/store';
import { fieldSpec, type EnumSpec, type NumberSpec } from '../train/configSchema';
import {
  COMPARISON_FIELDS,
  RUN_FIELDS,
  comparisonFieldApplies,
  datasetChoices,
  fieldMessage,
  helpLine,
  numberOption,
  parseNumberText,
  parseWidthListText,
  readConfigPath,
  runFieldApplies,
  runFieldPath,
  type ComparisonFieldKey,
  type FieldText,
  type RunFieldKey,
} from './advancedFields';
import { NumberInput } from './NumberInput';

/** What every control of a field shares: its id, the config's value, the refusal shown and the commit. */
interface Field {
  id: string;
  value: unknown; // at the field's path in the acknowledged config
  error: string | null;
  setError(message: string | null): void;
  /** Sends a value unless it is the one shown; answers the refusal shown, or null when accepted. */
  commit(value: unknown): string | null;
  aria: { 'aria-invalid': true | undefined; 'aria-describedby': string }; // of the field's control: its help line, and its refusal when one shows
}

function useField(store: AppStore, path: string, label: string): Field {
  const value = useStore(store, (s) => readConfigPath(s.config, path));
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const commit = (next: unknown) => {
    if (Object.is(readConfigPath(store.getState().config, path), next)) {
      setError(null);
      return null;
    }
    const refusal = store.getState().setConfigField(path, next);
    const message = refusal === null ? null : fieldMessage(path, label, refusal);
    setError(message);
    return message;
  };
  const aria = { 'aria-invalid': error ? (true as const) : undefined, 'aria-describedby': error ? `${id}-help ${id}-err` : `${id}-help` };
  return { id, value, error, setError, commit, aria };
}

/** Label, control, help line and refusal of one field. */
function FieldRow({ f, path, label, help, children }: { f: Field; path: string; label: string; help: string; children: ReactNode }) {
  return (
    <div className={`adv-field${f.error ? ' field-invalid' : ''}`}>
      <label htmlFor={f.id}>{label}</label>
      <div className="adv-control">{children}</div>
      <p id={`${f.id}-help`} className="adv-help muted">
        {help}
      </p>
      {f.error && (
        <p id={`${f.id}-err`} role="alert" className="field-error" data-testid={`adv-error-${path}`}>
          {f.error}
        </p>
      )}
    </div>
  );
}

/** The number input of a field: the text parsed and checked on Enter and on blur; once accepted, the stored value shows. */
function ConfigNumber({ f, label, spec, id, testId, ariaLabel }: { f: Field; label: string; spec: NumberSpec; id: string; testId: string; ariaLabel?: string }) {
  const commit = (text: string) => {
    const parsed = parseNumberText(text, label, spec);
    if (parsed.ok) return f.commit(parsed.value);
    f.setError(parsed.message);
    return parsed.message;
  };
  return (
    <NumberInput
      id={id}
      value={typeof f.value === 'number' ? f.value : Number.NaN}
      commit={commit}
      reformat
      onRevert={() => f.setError(null)}
      invalid={f.error !== null}
      testId={testId}
      ariaLabel={ariaLabel}
      describedBy={f.aria['aria-describedby']}
    />
  );
}

function NumberField({ store, path, text }: { store: AppStore; path: string; text: FieldText }) {
  const spec = numberOption(fieldSpec(path))!;
  const f = useField(store, path, text.label);
  return (
    <FieldRow f={f} path={path} label={text.label} help={helpLine(text, spec)}>
      <ConfigNumber f={f} label={text.label} spec={spec} id={f.id} testId={`adv-${path}`} />
    </FieldRow>
  );
}

function ToggleField({ store, path, text }: { store: AppStore; path: string; text: FieldText }) {
  const f = useField(store, path, text.label);
  return (
    <FieldRow f={f} path={path} label={text.label} help={text.help}>
      <input id={f.id} type="checkbox" data-testid={`adv-${path}`} checked={f.value === true} {...f.aria} onChange={(e) => f.commit(e.target.checked)} />
    </FieldRow>
  );
}

/** A select over `values` (an enum field's, or fewer: the datasets that fit the model). */
function SelectField({ store, path, text, values }: { store: AppStore; path: string; text: FieldText; values: readonly (string | number)[] }) {
  const f = useField(store, path, text.label);
  return (
    <FieldRow f={f} path={path} label={text.label} help={text.help}>
      <select id={f.id} data-testid={`adv-${path}`} value={String(f.value)} {...f.aria} onChange={(e) => f.commit(values.find((v) => String(v) === e.target.value))}>
        {values.map((v) => (
          <option key={String(v)} value={String(v)}>
            {text.choices?.[String(v)] ?? String(v)}
          </option>
        ))}
      </select>
    </FieldRow>
  );
}

const AT_NUMBER = '#number'; // the select's option for a number value of a union field

/**
 * A field whose schema is a union of words and a number (IRE's start: "warmup-end" or a step;
 * sharpness every: 'auto' or a step count): a select of the words and `numberLabel`, and the
 * number's input when a number is chosen, starting from `numberDefault()`.
 */
function UnionField({ store, path, text, numberLabel, numberDefault }: { store: AppStore; path: string; text: FieldText; numberLabel: string; numberDefault: () => number }) {
  const spec = fieldSpec(path);
  const words = spec?.kind === 'union' ? (spec.options.find((o) => o.kind === 'enum') as EnumSpec | undefined)?.values ?? [] : [];
  const f = useField(store, path, text.label);
  const choose = (option: string) => {
    if (option === AT_NUMBER) f.commit(numberDefault());
    else f.commit(words.find((w) => String(w) === option));
  };
  return (
    <FieldRow f={f} path={path} label={text.label} help={helpLine(text, spec)}>
      <select id={f.id} data-testid={`adv-${path}`} value={typeof f.value === 'number' ? AT_NUMBER : String(f.value)} {...f.aria} onChange={(e) => choose(e.target.value)}>
        {words.map((w) => (
          <option key={String(w)} value={String(w)}>
            {text.choices?.[String(w)] ?? String(w)}
          </option>
        ))}
        <option value={AT_NUMBER}>{numberLabel}</option>
      </select>{' '}
      {typeof f.value === 'number' && <ConfigNumber f={f} label={text.label} spec={numberOption(spec)!} id={`${f.id}-number`} testId={`adv-${path}-number`} ariaLabel={`${text.label}: ${numberLabel}`} />}
    </FieldRow>
  );
}

/** IRE's start: at the end of warm-up, or at a step (first offered: where the warm-up ends). */
function StartStepField({ store, runIndex, text }: { store: AppStore; runIndex: number; text: FieldText }) {
  const warmup = () => readConfigPath(store.getState().config, runFieldPath(runIndex, 'optimizer.warmupSteps')) as number;
  return <UnionField store={store} path={runFieldPath(runIndex, 'optimizer.ire.startStep')} text={text} numberLabel="at step" numberDefault={warmup} />;
}

/** Sharpness: automatic within its time budget, or every N steps (first offered: the interval 'auto' chose, else 50). */
function SharpnessEveryField({ store }: { store: AppStore }) {
  const chosen = () => store.getState().sharpnessCost?.every ?? 50;
  return <UnionField store={store} path="sharpnessEvery" text={COMPARISON_FIELDS.sharpnessEvery} numberLabel="every N steps" numberDefault={chosen} />;
}

/** A list of widths (an MLP's hidden layers): typed as "128, 64", committed on Enter and on blur. */
function WidthListField({ store, path, text }: { store: AppStore; path: string; text: FieldText }) {
  const f = useField(store, path, text.label);
  const widths = Array.isArray(f.value) ? (f.value as number[]) : [];
  const commit = (typed: string) => {
    const parsed = parseWidthListText(typed, text.label);
    if (!parsed.ok) {
      f.setError(parsed.message);
      return parsed.message;
    }
    if (parsed.value.join() === widths.join()) {
      f.setError(null);
      return null;
    }
    return f.commit(parsed.value);
  };
  return (
    <FieldRow f={f} path={path} label={text.label} help={text.help}>
      <NumberInput<number[]>
        id={f.id}
        value={widths}
        format={(w) => w.join(', ')}
        commit={commit}
        reformat
        onRevert={() => f.setError(null)}
        invalid={f.error !== null}
        testId={`adv-${path}`}
        describedBy={f.aria['aria-describedby']}
        inputMode="text"
      />
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
    case 'array':
      return <WidthListField store={store} path={path} text={text} />;
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

const COMPARISON_KEYS = (Object.keys(COMPARISON_FIELDS) as ComparisonFieldKey[]).filter((k) => k !== 'dataset');

export function AdvancedPanel({ store }: { store: AppStore }) {
  const runIds = useStore(store, useShallow((s) => s.config.runs.map((r) => r.id)));
  const comparisonKeys = useStore(store, useShallow((s) => COMPARISON_KEYS.filter((k) => comparisonFieldApplies(s.config, k))));
  return (
    <details className="advanced" data-testid="advanced">
      <summary>Advanced settings</summary>
      <p className="muted">Every setting of the comparison. Settings that do not change while training apply from step 0: reset to change them once steps have run.</p>
      <div className="adv-groups">
        <fieldset className="adv-group" data-testid="adv-comparison">
          <legend>Comparison</legend>
          <DatasetField store={store} />
          {comparisonKeys.map((k) => (
            k === 'sharpnessEvery' ? <SharpnessEveryField key={k} store={store} /> : <ConfigField key={k} store={store} path={k} text={COMPARISON_FIELDS[k]} />
          ))}
        </fieldset>
        {runIds.map((id, i) => (
          <RunFields key={id} store={store} runId={id} index={i} />
        ))}
      </div>
    </details>
  );
}
