// Image models: a grid of test images, each with its true label and, one line per run, the
// class that run predicts at its current step, marked ✓ (right) or ✗ (wrong): a mark as well as
// a colour, so it reads in greyscale and for every kind of colour vision.
import { useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { AppStore } from '../store/store';
import { PREDICTED_IMAGES } from '../store/runState';
import type { RunConfig } from '../train/config';
import type { ImagePredictions as Predictions } from '../worker/protocol';
import { runStyle } from './plots/style';

/** Draws image `index` of (N, C, H, W) bytes at its own size; CSS scales it up, pixelated. */
function ImageCanvas({ p, index }: { p: Predictions; index: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const { channels: C, height: H, width: W, pixels } = p;
    const plane = H * W;
    const base = index * C * plane;
    // Grey images repeat their one plane; colour images take the R, G, B planes.
    const at = (c: number) => base + (C >= 3 ? c : 0) * plane;
    const [r, g, b] = [at(0), at(1), at(2)];
    const img = ctx.createImageData(W, H);
    for (let k = 0; k < plane; k++) {
      img.data[4 * k] = pixels[r + k];
      img.data[4 * k + 1] = pixels[g + k];
      img.data[4 * k + 2] = pixels[b + k];
      img.data[4 * k + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [p, index]);
  return <canvas ref={ref} className="image-canvas" width={p.width} height={p.height} aria-hidden="true" />;
}

const labelName = (p: Predictions, k: number) => (k >= 0 ? (p.classNames[k] ?? String(k)) : 'none (no finite logit)');

function Cell({ p, index, runs }: { p: Predictions; index: number; runs: RunConfig[] }) {
  const truth = p.labels[index];
  const lines = runs.map((r) => {
    const predicted = p.byRun.find((x) => x.runId === r.id)?.predicted[index];
    return { run: r, style: runStyle(r.id), predicted, right: predicted === truth };
  });
  const spoken = lines
    .map((l) => `${l.run.id} (${l.run.name}) ${l.predicted === undefined ? 'has no prediction' : `predicts ${labelName(p, l.predicted)}, ${l.right ? 'right' : 'wrong'}`}`)
    .join('; ');
  return (
    <li>
      <figure className="image-cell" aria-label={`Test image ${index + 1}: true label ${labelName(p, truth)}; ${spoken}`} data-testid={`image-cell-${index}`}>
        <ImageCanvas p={p} index={index} />
        <figcaption>
          <div className="image-truth">
            true: <strong>{labelName(p, truth)}</strong>
          </div>
          <ul className="image-runs">
            {lines.map((l) => (
              <li key={l.run.id} data-testid={`prediction-${index}-${l.run.id}`}>
                <span className="image-run-id" style={{ color: l.style.color, borderBottom: `2px ${swatchStyle(l.style.dash)} ${l.style.color}` }}>
                  {l.run.id}
                </span>{' '}
                {l.predicted === undefined ? (
                  <span className="muted">—</span>
                ) : (
                  <>
                    <span className="image-guess">{labelName(p, l.predicted)}</span>{' '}
                    <span className={l.right ? 'mark mark-right' : 'mark mark-wrong'} title={l.right ? 'right' : 'wrong'}>
                      {l.right ? '✓' : '✗'}
                    </span>
                  </>
                )}
              </li>
            ))}
          </ul>
        </figcaption>
      </figure>
    </li>
  );
}

/** The chart dash of a run as a CSS border style (as the run cards draw their swatch). */
function swatchStyle(dash: string): string {
  return dash === 'solid' ? 'solid' : dash === 'dot' ? 'dotted' : 'dashed';
}

export function ImagePredictions({ store }: { store: AppStore }) {
  const runs = useStore(store, (s) => s.config.runs);
  const view = useStore(store, (s) => s.predictions);
  const step = useStore(store, (s) => s.step);
  const [error, setError] = useState<string | null>(null);
  const p = view?.result ?? null;
  const count = p ? p.labels.length : 0;

  return (
    <section className="predictions" aria-label="Image predictions">
      <div className="predict-row">
        <button type="button" className="primary" data-testid="predict-images" onClick={() => setError(store.getState().requestImagePredictions(PREDICTED_IMAGES))}>
          Predict with every run
        </button>
        <span className="muted" data-testid="predictions-status">
          {view === null
            ? `The first ${PREDICTED_IMAGES} test images, with the class each run predicts at its current step.`
            : p === null
              ? 'predicting…'
              : `${count} test images at step ${p.step}${p.step < step ? ` (training is at step ${step}: predict again to refresh)` : ''}`}
        </span>
        {error && (
          <p role="alert" className="field-error">
            {error}
          </p>
        )}
      </div>
      {p && (
        <>
          <ul className="prediction-summary">
            {runs.map((r) => {
              const got = p.byRun.find((x) => x.runId === r.id);
              const right = got ? got.predicted.filter((k, j) => k === p.labels[j]).length : 0;
              const style = runStyle(r.id);
              return (
                <li key={r.id} data-testid={`predictions-summary-${r.id}`}>
                  <span className="swatch" aria-hidden="true" style={{ borderTop: `3px ${swatchStyle(style.dash)} ${style.color}` }} />{' '}
                  <strong style={{ color: style.color }}>{r.id}</strong> {r.name}:{' '}
                  {got ? `${right} of ${count} right at step ${got.step}` : <span className="muted">no predictions (diverged, or added after the request)</span>}
                </li>
              );
            })}
          </ul>
          <ol className="image-grid" data-testid="image-grid">
            {p.labels.map((_, i) => (
              <Cell key={i} p={p} index={i} runs={runs} />
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
