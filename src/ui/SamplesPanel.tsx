// Text models: one prompt, each run's continuation at its current step, side by side.
// Image models: a grid of test images with each run's prediction (ImagePredictions.tsx).
// A refused prompt, length or temperature shows its message next to its control.
import { useId, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { parseNumberInput } from '../util/parseNumber';
import { checkSampleLength, checkSamplePrompt, checkSampleTemperature, SAMPLE_LIMITS } from '../store/sampleParams';
import type { AppStore } from '../store/store';
import { MODEL_PRESETS } from '../train/config';
import { ImagePredictions } from './ImagePredictions';
import { runStyle } from './plots/style';

export function SamplesPanel({ store }: { store: AppStore }) {
  const kind = useStore(store, (s) => MODEL_PRESETS[s.config.model].kind);
  if (kind === 'mlp' || kind === 'cnn') return <ImagePredictions store={store} />;
  if (kind !== 'gpt') return <p className="muted">Samples are for text and image models; pick a GPT, MLP or CNN preset.</p>;
  return <TextSamples store={store} />;
}

type SampleErrors = { prompt: string | null; length: string | null; temperature: string | null; request: string | null };
const NO_ERRORS: SampleErrors = { prompt: null, length: null, temperature: null, request: null };

const numberCheck = (check: (x: number) => string | null) => (text: string) => check(parseNumberInput(text) ?? Number.NaN);
const CHECKS = { prompt: checkSamplePrompt, length: numberCheck(checkSampleLength), temperature: numberCheck(checkSampleTemperature) } as const;

/** One control of the form with its refusal below it (checked on blur and on submit). */
function SampleControl({ label, error, testId, children }: { label: string; error: string | null; testId: string; children: (a: { id: string; invalid: true | undefined; describedBy: string | undefined }) => ReactNode }) {
  const id = useId();
  return (
    <div className={`sample-control${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, invalid: error ? true : undefined, describedBy: error ? `${id}-err` : undefined })}
      {error && (
        <p id={`${id}-err`} role="alert" className="field-error" data-testid={`${testId}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

function TextSamples({ store }: { store: AppStore }) {
  const runs = useStore(store, (s) => s.config.runs);
  const samples = useStore(store, (s) => s.samples);
  const [prompt, setPrompt] = useState('Call me Ishmael. ');
  const [length, setLength] = useState('200');
  const [temperature, setTemperature] = useState('0.8');
  const [errors, setErrors] = useState<SampleErrors>(NO_ERRORS);
  const check = (key: keyof typeof CHECKS, text: string) => setErrors((e) => ({ ...e, [key]: CHECKS[key](text), request: null }));

  const submit = () => {
    const found: SampleErrors = { prompt: CHECKS.prompt(prompt), length: CHECKS.length(length), temperature: CHECKS.temperature(temperature), request: null };
    if (found.prompt || found.length || found.temperature) {
      setErrors(found);
      return;
    }
    setErrors({ ...NO_ERRORS, request: store.getState().requestSample(prompt, Number(parseNumberInput(length)), Number(parseNumberInput(temperature))) });
  };

  return (
    <section className="samples" aria-label="Text samples">
      <form
        className="sample-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <SampleControl label="Prompt" error={errors.prompt} testId="sample-prompt">
          {(a) => (
            <textarea
              id={a.id}
              value={prompt}
              rows={2}
              maxLength={SAMPLE_LIMITS.maxPromptLength}
              aria-invalid={a.invalid}
              aria-describedby={a.describedBy}
              onChange={(e) => setPrompt(e.target.value)}
              onBlur={() => check('prompt', prompt)}
              data-testid="sample-prompt"
            />
          )}
        </SampleControl>
        <SampleControl label="length" error={errors.length} testId="sample-length">
          {(a) => (
            <input
              id={a.id}
              className="number"
              type="text"
              inputMode="numeric"
              value={length}
              aria-invalid={a.invalid}
              aria-describedby={a.describedBy}
              onChange={(e) => setLength(e.target.value)}
              onBlur={() => check('length', length)}
              data-testid="sample-length"
            />
          )}
        </SampleControl>
        <SampleControl label="temperature" error={errors.temperature} testId="sample-temperature">
          {(a) => (
            <input
              id={a.id}
              className="number"
              type="text"
              inputMode="decimal"
              value={temperature}
              aria-invalid={a.invalid}
              aria-describedby={a.describedBy}
              onChange={(e) => setTemperature(e.target.value)}
              onBlur={() => check('temperature', temperature)}
              data-testid="sample-temperature"
            />
          )}
        </SampleControl>
        <button type="submit" className="primary" data-testid="sample-submit">
          Sample every run
        </button>
        {errors.request && (
          <p role="alert" className="field-error" data-testid="sample-error">
            {errors.request}
          </p>
        )}
      </form>
      <div className="sample-grid">
        {runs.map((r) => {
          const got = samples?.byRun[r.id];
          return (
            <article key={r.id} className="sample" style={{ borderTopColor: runStyle(r.id).color }} data-testid={`sample-${r.id}`}>
              <h3>
                {r.id}: {r.name} {got && <span className="muted">at step {got.step}</span>}
              </h3>
              <p className="sample-text">
                {got ? (
                  <>
                    <span className="muted">{samples?.prompt}</span>
                    {got.text}
                  </>
                ) : samples ? (
                  'sampling…'
                ) : (
                  '—'
                )}
              </p>
            </article>
          );
        })}
      </div>
    </section>
  );
}
