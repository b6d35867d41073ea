// A live setting of one run: a slider for quick moves and a number input for exact values.
// Input goes through the store's validating action; a refused value shows its message next to
// the control (aria-invalid, role=alert) and is never sent. A slider drag commits once, on release.
import { useEffect, useId, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { FIELD_SPECS, formatValue, readLiveField, type NumericFieldSpec } from '../store/liveFields';
import { fieldKey, type AppStore } from '../store/store';
import type { LiveField } from '../worker/protocol';

const toSlider = (spec: NumericFieldSpec, x: number) => (spec.slider.log ? Math.log10(Math.max(x, spec.slider.min)) : x);
const fromSlider = (spec: NumericFieldSpec, p: number) => (spec.slider.log ? Number((10 ** p).toPrecision(3)) : p);

export function NumberField({ store, runId, field }: { store: AppStore; runId: string; field: LiveField }) {
  const spec = FIELD_SPECS[field] as NumericFieldSpec;
  const value = useStore(store, (s) => {
    const run = s.config.runs.find((r) => r.id === runId);
    return run ? (readLiveField(run, field) as number) : NaN;
  });
  const error = useStore(store, (s) => s.fieldErrors[fieldKey(runId, field)]);
  const [text, setText] = useState(formatValue(value));
  const [drag, setDrag] = useState<number | null>(null);
  const editing = useRef(false);
  const id = useId();

  // A value changed elsewhere (slider, worker refusal, reset) shows unless the user is typing.
  useEffect(() => {
    if (!editing.current) setText(formatValue(value));
  }, [value]);

  const commitText = () => {
    editing.current = false;
    store.getState().setRunFieldText(runId, field, text);
  };
  const commitDrag = () => {
    if (drag === null) return;
    store.getState().setRunField(runId, field, fromSlider(spec, drag));
    setDrag(null);
  };
  const sliderMin = spec.slider.log ? Math.log10(spec.slider.min) : spec.slider.min;
  const sliderMax = spec.slider.log ? Math.log10(spec.slider.max) : spec.slider.max;
  const shown = drag ?? toSlider(spec, value);

  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={`${id}-n`}>{spec.label}</label>
      <input
        type="range"
        aria-label={`${spec.label} slider, run ${runId}`}
        data-testid={`slider-${runId}-${field}`}
        min={sliderMin}
        max={sliderMax}
        step={spec.slider.step}
        value={Math.min(sliderMax, Math.max(sliderMin, shown))}
        onChange={(e) => {
          const p = Number(e.target.value);
          setDrag(p);
          setText(formatValue(fromSlider(spec, p)));
        }}
        onPointerUp={commitDrag}
        onKeyUp={commitDrag}
        onBlur={commitDrag}
      />
      <input
        id={`${id}-n`}
        className="number"
        type="text"
        inputMode="decimal"
        spellCheck={false}
        data-testid={`field-${runId}-${field}`}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-err` : undefined}
        value={text}
        onFocus={() => (editing.current = true)}
        onChange={(e) => setText(e.target.value)}
        onBlur={commitText}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commitText();
          if (e.key === 'Escape') {
            editing.current = false;
            setText(formatValue(value));
          }
        }}
      />
      {error && (
        <p id={`${id}-err`} role="alert" className="field-error" data-testid={`error-${runId}-${field}`}>
          {error}
        </p>
      )}
    </div>
  );
}

export function ToggleField({ store, runId, field }: { store: AppStore; runId: string; field: LiveField }) {
  const spec = FIELD_SPECS[field];
  const value = useStore(store, (s) => {
    const run = s.config.runs.find((r) => r.id === runId);
    return run ? (readLiveField(run, field) as boolean) : false;
  });
  return (
    <label className="toggle">
      <input type="checkbox" data-testid={`toggle-${runId}-${field}`} checked={value} onChange={(e) => store.getState().setRunField(runId, field, e.target.checked)} />
      {spec.label}
    </label>
  );
}
