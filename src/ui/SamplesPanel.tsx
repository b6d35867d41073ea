// Text models: one prompt, each run's continuation at its current step, side by side.
// Image models: a grid of test images with each run's prediction (ImagePredictions.tsx).
import { useState } from 'react';
import { useStore } from 'zustand';
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

function TextSamples({ store }: { store: AppStore }) {
  const runs = useStore(store, (s) => s.config.runs);
  const samples = useStore(store, (s) => s.samples);
  const [prompt, setPrompt] = useState('Call me Ishmael. ');
  const [length, setLength] = useState(200);
  const [temperature, setTemperature] = useState(0.8);
  const [error, setError] = useState<string | null>(null);

  return (
    <section className="samples" aria-label="Text samples">
      <form
        className="sample-form"
        onSubmit={(e) => {
          e.preventDefault();
          setError(store.getState().requestSample(prompt, length, temperature));
        }}
      >
        <label className="block">
          Prompt
          <textarea value={prompt} rows={2} maxLength={1000} onChange={(e) => setPrompt(e.target.value)} data-testid="sample-prompt" />
        </label>
        <label className="inline">
          length <input className="number" type="number" min={1} max={1000} value={length} onChange={(e) => setLength(Number(e.target.value))} />
        </label>
        <label className="inline">
          temperature <input className="number" type="number" min={0.05} max={5} step={0.05} value={temperature} onChange={(e) => setTemperature(Number(e.target.value))} />
        </label>
        <button type="submit" className="primary">
          Sample every run
        </button>
        {error && (
          <p role="alert" className="field-error">
            {error}
          </p>
        )}
      </form>
      <div className="sample-grid">
        {runs.map((r, i) => {
          const got = samples?.byRun[r.id];
          return (
            <article key={r.id} className="sample" style={{ borderTopColor: runStyle(i).color }} data-testid={`sample-${r.id}`}>
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
