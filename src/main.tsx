// Composition root: the store, the training worker, and the React tree.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createAppStore } from './store/store';
import { App } from './ui/App';
import type { WorkerReport, WorkerRequest } from './worker/protocol';
import './ui/app.css';

const store = createAppStore();

if (!('gpu' in navigator) || !navigator.gpu) {
  store.getState().receive({ type: 'no-webgpu', message: 'navigator.gpu is not defined in this browser.' });
} else {
  const worker = new Worker(new URL('./worker/training.worker.ts', import.meta.url), { type: 'module', name: 'training' });
  worker.onmessage = (ev: MessageEvent<WorkerReport>) => store.getState().receive(ev.data);
  worker.onerror = (ev) => store.getState().receive({ type: 'error', message: ev.message || 'the training worker failed to start' });
  const probe: WorkerRequest = { type: 'probe' };
  worker.postMessage(probe);
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App store={store} />
  </StrictMode>,
);
