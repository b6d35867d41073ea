// Composition root: the training worker, the store (which sends intents to it), the React tree.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Persistence } from './store/persistence';
import { createAppStore } from './store/store';
import { openLink, shareHash } from './store/shareLink';
import { configToUrlHash } from './train/urlState';
import { App } from './ui/App';
import type { WorkerReport, WorkerRequest } from './worker/protocol';
import './ui/app.css';

let worker: Worker | null = null;
// The configuration and event log come from the link when it carries them (a damaged link opens
// the defaults with a notice; its logged changes are planned, re-applied at their steps when the
// comparison trains), and every change is written back to the address bar, so the link shares it.
const fromUrl = openLink(location.hash);
const store = createAppStore({
  send: (m: WorkerRequest) => worker?.postMessage(m),
  config: fromUrl.config,
  planned: fromUrl.planned,
  followRecommendation: location.hash === '',
});
if (fromUrl.notice) store.setState({ notice: fromUrl.notice });
let urlTimer: ReturnType<typeof setTimeout> | null = null;
let written = location.hash;
store.subscribe((s, prev) => {
  if ((s.config === prev.config && s.events === prev.events && s.planned === prev.planned) || urlTimer !== null) return;
  urlTimer = setTimeout(() => {
    urlTimer = null;
    written = shareHash(store.getState());
    history.replaceState(null, '', written === '' ? location.pathname + location.search : written);
  }, 300);
});
// A link pasted into this open tab changes only the hash: open its comparison in place (the one
// shown before stays in the saved comparisons).
addEventListener('hashchange', () => {
  if (location.hash === written) return;
  if (urlTimer !== null) clearTimeout(urlTimer);
  urlTimer = null;
  written = location.hash;
  store.getState().openLinkInPlace(location.hash);
});

if (!('gpu' in navigator) || !navigator.gpu) {
  store.getState().receive({ type: 'no-webgpu', message: 'navigator.gpu is not defined in this browser.' });
} else {
  worker = new Worker(new URL('./worker/training.worker.ts', import.meta.url), { type: 'module', name: 'training' });
  worker.onmessage = (ev: MessageEvent<WorkerReport>) => store.getState().receive(ev.data);
  worker.onerror = (ev) => store.getState().receive({ type: 'error', message: ev.message || 'the training worker failed to start' });
  worker.postMessage({ type: 'probe' } satisfies WorkerRequest);
}

// Runs and metrics are saved in IndexedDB as they arrive; the latest saved comparison reopens
// when the link carries no configuration or the same one (a reload).
const linkHash = configToUrlHash(fromUrl.finalConfig);
const persistence = Persistence.start(store, { restoreLatest: (saved) => location.hash === '' || configToUrlHash(saved) === linkHash });

// A handle for debugging from the console and for browser tests that drive the UI with reports
// (and, through `post`, send the worker diagnostics such as simulate-device-loss).
const post = (m: WorkerRequest) => worker?.postMessage(m);
(window as unknown as { irePlayground: { store: typeof store; persistence: typeof persistence; post: typeof post } }).irePlayground = { store, persistence, post };

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App store={store} persistence={persistence} />
  </StrictMode>,
);
