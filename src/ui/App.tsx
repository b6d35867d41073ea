import { useStore } from 'zustand';
import type { Persistence } from '../store/persistence';
import type { AppStore, Tab } from '../store/store';
import { AdapterPanel } from './AdapterPanel';
import { AdvancedPanel } from './AdvancedPanel';
import { ComparisonPanel } from './ComparisonPanel';
import { SamplesPanel } from './SamplesPanel';
import { StoragePanel } from './StoragePanel';
import { ToyPanel } from './ToyPanel';
import { CheckpointDownload } from './CheckpointDownload';
import { CopyLink } from './CopyLink';

const TABS: { id: Tab; label: string }[] = [
  { id: 'compare', label: 'Comparison' },
  { id: 'samples', label: 'Samples' },
  { id: 'toy', label: 'Toy landscape' },
];

/** Above the comparison: its link, and every setting the run cards do not show. */
function ComparisonTools({ store }: { store: AppStore }) {
  return (
    <div className="comparison-tools">
      <CopyLink store={store} />
      <AdvancedPanel store={store} />
    </div>
  );
}

function Notice({ store }: { store: AppStore }) {
  const notice = useStore(store, (s) => s.notice);
  if (!notice) return null;
  return (
    <div role="alert" className="notice notice-row" data-testid="notice">
      <span>{notice}</span>
      <button type="button" className="quiet" onClick={() => store.getState().dismissNotice()} aria-label="Dismiss">
        ✕
      </button>
    </div>
  );
}

export function App({ store, persistence = null }: { store: AppStore; persistence?: Promise<Persistence> | null }) {
  const gpu = useStore(store, (s) => s.gpu);
  const tab = useStore(store, (s) => s.prefs.tab);
  return (
    <main>
      <header className="app-header">
        <div>
          <h1>IRE playground</h1>
          <p className="subtitle">AdamW and AdmIRE (Implicit Regularization Enhancement) training side by side on your GPU.</p>
        </div>
        <div className="adapter-box">
          <AdapterPanel gpu={gpu} />
        </div>
      </header>
      <Notice store={store} />
      <CheckpointDownload store={store} />
      <nav className="tabs" role="tablist" aria-label="Views">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            data-testid={`tab-${t.id}`}
            className={tab === t.id ? 'tab active' : 'tab'}
            onClick={() => store.getState().setPrefs({ tab: t.id })}
          >
            {t.label}
          </button>
        ))}
      </nav>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'compare' && <ComparisonTools store={store} />}
        {tab === 'compare' && <ComparisonPanel store={store} />}
        {tab === 'compare' && <StoragePanel store={store} persistence={persistence} />}
        {tab === 'samples' && <SamplesPanel store={store} />}
        {tab === 'toy' && <ToyPanel store={store} />}
      </div>
    </main>
  );
}
