// Composition root: the training worker, the store (which sends intents to it), the React tree.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createAppStore } from './store/store';
import { App } from './ui/App';
import type { WorkerReport, WorkerRequest } from './worker/protocol';
import './ui/app.css';

let worker: Worker | null = null;
const store = createAppStore({ send: (m: WorkerRequest) => worker?.postMessage(m) });

if (!('gpu' in navigator) || !navigator.gpu) {
  store.getState().receive({ type: 'no-webgpu', message: 'navigator.gpu is not defined in this browser.' });
} else {
  worker = new Worker(new URL('./worker/training.worker.ts', import.meta.url), { type: 'module', name: 'training' });
  worker.onmessage = (ev: MessageEvent<WorkerReport>) => store.getState().receive(ev.data);
  worker.onerror = (ev) => store.getState().receive({ type: 'error', message: ev.message || 'the training worker failed to start' });
  worker.postMessage({ type: 'probe' } satisfies WorkerRequest);
}

// A handle for debugging from the console and for browser tests that drive the UI with reports.
(window as unknown as { irePlayground: { store: typeof store } }).irePlayground = { store };

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App store={store} />
  </StrictMode>,
);
