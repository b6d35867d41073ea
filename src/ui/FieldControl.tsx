// A live setting of one run: a slider for quick moves and a number input for exact values.
// Input goes through the store's validating action; a refused value shows its message next to
// the control (aria-invalid, role=alert) and is never sent. A slider drag commits once, on release.
// The control shows the acknowledged value (what the run trains with); an edit the worker has
// not applied yet is shown beside it as pending. Labels, help and slider ranges come from the
// live-setting table (src/train/liveSettings.ts).
import { useEffect, useId, useState } from 'react';
import { useStore } from 'zustand';
import { shownValue } from '../store/runsSlice';
import { fieldKey } from '../store/runState';
import type { AppStore } from '../store/store';
import { formatLiveValue as formatValue, LIVE_SETTINGS, readLiveField, type LiveField, type LiveSettingRow } from '../train/liveSettings';
import { NumberInput } from './NumberInput';

type Slider = Extract<LiveSettingRow, { kind: 'number' }>['slider'];

const toSlider = (slider: Slider, x: number) => (slider.log ? Math.log10(Math.max(x, slider.min)) : x);
const fromSlider = (slider: Slider, p: number) => (slider.log ? Number((10 ** p).toPrecision(3)) : p);

/** The value asked for and not yet applied by the worker (or planned at this step), beside the control. */
function Pending({ store, runId, field }: { store: AppStore; runId: string; field: LiveField }) {
  const value = useStore(store, (s) => {
    const v = shownValue(s, runId, field);
    return v?.pending ? v.value : undefined;
  });
  if (value === undefined) return null;
  return (
    <span className="muted field-pending" data-testid={`pending-${runId}-${field}`} title="The run trains with the shown value until the next step boundary">
      → {formatValue(value)} at the next step
    </span>
  );
}

function useAcknowledged(store: AppStore, runId: string, field: LiveField) {
  return useStore(store, (s) => {
    const run = s.config.runs.find((r) => r.id === runId);
    return run ? readLiveField(run, field) : undefined;
  });
}

export function NumberField({ store, runId, field }: { store: AppStore; runId: string; field: LiveField }) {
  const spec = LIVE_SETTINGS[field];
  const slider: Slider = spec.kind === 'number' ? spec.slider : { min: 0, max: 1, log: false, step: 1 };
  const acknowledged = useAcknowledged(store, runId, field);
  const value = typeof acknowledged === 'number' ? acknowledged : NaN;
  const error = useStore(store, (s) => s.fieldErrors[fieldKey(runId, field)]);
  const [drag, setDrag] = useState<number | null>(null); // the slider's position while it is dragged
  const [slid, setSlid] = useState<number | null>(null); // the slider's value, in the text until the acknowledged value changes
  const id = useId();

  useEffect(() => setSlid(null), [value]);

  const commitDrag = () => {
    if (drag === null) return;
    store.getState().setRunField(runId, field, fromSlider(slider, drag));
    setDrag(null);
  };
  const sliderMin = slider.log ? Math.log10(slider.min) : slider.min;
  const sliderMax = slider.log ? Math.log10(slider.max) : slider.max;
  const shown = drag ?? toSlider(slider, value);

  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={`${id}-n`}>{spec.label}</label>
      <input
        type="range"
        aria-label={`${spec.label} slider, run ${runId}`}
        data-testid={`slider-${runId}-${field}`}
        min={sliderMin}
        max={sliderMax}
        step={slider.step}
        value={Math.min(sliderMax, Math.max(sliderMin, shown))}
        onChange={(e) => {
          const p = Number(e.target.value);
          setDrag(p);
          setSlid(fromSlider(slider, p));
        }}
        onPointerUp={commitDrag}
        onKeyUp={commitDrag}
        onBlur={commitDrag}
      />
      {/* The refusal is the store's (fieldErrors), shown below. */}
      <NumberInput
        id={`${id}-n`}
        value={slid ?? value}
        format={formatValue}
        commit={(text) => store.getState().setRunFieldText(runId, field, text)}
        invalid={Boolean(error)}
        testId={`field-${runId}-${field}`}
        describedBy={error ? `${id}-err` : `${id}-help`}
      />
      <Pending store={store} runId={runId} field={field} />
      {error ? (
        <p id={`${id}-err`} role="alert" className="field-error" data-testid={`error-${runId}-${field}`}>
          {error}
        </p>
      ) : (
        <p id={`${id}-help`} className="field-help">
          {spec.help}
        </p>
      )}
    </div>
  );
}

export function ToggleField({ store, runId, field }: { store: AppStore; runId: string; field: LiveField }) {
  const spec = LIVE_SETTINGS[field];
  const value = useAcknowledged(store, runId, field) === true;
  return (
    <label className="toggle" title={spec.help}>
      <input type="checkbox" data-testid={`toggle-${runId}-${field}`} checked={value} onChange={(e) => store.getState().setRunField(runId, field, e.target.checked)} />
      {spec.label}
      <Pending store={store} runId={runId} field={field} />
    </label>
  );
}
