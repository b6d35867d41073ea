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
import { NumberInput } from './NumberInput';
import { runStyle } from './plots/style';

export function SamplesPanel({ store }: { store: AppStore }) {
  const kind = useStore(store, (s) => MODEL_PRESETS[s.config.model].kind);
  if (kind === 'mlp' || kind === 'cnn') return <ImagePredictions store={store} />;
  if (kind !== 'gpt') return <p className="muted">Samples are for text and image models; pick a GPT, MLP or CNN preset.</p>;
  return <TextSamples store={store} />;
}

type SampleErrors = { prompt: string | null; length: string | null; temperature: string | null; request: string | null };
const NO_ERRORS: SampleErrors = { prompt: null, length: null, temperature: null, request: null };

/** The two numbers of a request: their check and keyboard (the key is the label). */
const SAMPLE_NUMBERS = {
  length: { check: checkSampleLength, inputMode: 'numeric' },
  temperature: { check: checkSampleTemperature, inputMode: 'decimal' },
} as const;
type SampleNumber = keyof typeof SAMPLE_NUMBERS;
const NUMBER_KEYS = Object.keys(SAMPLE_NUMBERS) as SampleNumber[];

/** One control of the form with its refusal below it (checked on blur, on Enter and on submit). */
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
  const [numbers, setNumbers] = useState<Record<SampleNumber, number>>({ length: 200, temperature: 0.8 }); // the last accepted values
  const [errors, setErrors] = useState<SampleErrors>(NO_ERRORS);
  const showError = (key: Exclude<keyof SampleErrors, 'request'>, message: string | null) => setErrors((e) => ({ ...e, [key]: message, request: null }));

  const commitNumber = (key: SampleNumber, text: string) => {
    const x = parseNumberInput(text) ?? Number.NaN;
    const refusal = SAMPLE_NUMBERS[key].check(x);
    showError(key, refusal);
    if (refusal === null) setNumbers((n) => ({ ...n, [key]: x }));
    return refusal;
  };
  // A number input is checked when it loses focus or on Enter, before the form submits: a refusal still shown blocks the request.
  const submit = () => {
    const promptError = checkSamplePrompt(prompt);
    if (promptError || errors.length || errors.temperature) {
      showError('prompt', promptError);
      return;
    }
    setErrors({ ...NO_ERRORS, request: store.getState().requestSample(prompt, numbers.length, numbers.temperature) });
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
              onBlur={() => showError('prompt', checkSamplePrompt(prompt))}
              data-testid="sample-prompt"
            />
          )}
        </SampleControl>
        {NUMBER_KEYS.map((key) => (
          <SampleControl key={key} label={key} error={errors[key]} testId={`sample-${key}`}>
            {(a) => (
              <NumberInput
                id={a.id}
                value={numbers[key]}
                commit={(text) => commitNumber(key, text)}
                onRevert={() => showError(key, null)}
                invalid={a.invalid}
                describedBy={a.describedBy}
                testId={`sample-${key}`}
                inputMode={SAMPLE_NUMBERS[key].inputMode}
              />
            )}
          </SampleControl>
        ))}
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
