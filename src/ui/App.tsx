import { useStore } from 'zustand';
import type { AppStore } from '../store/store';
import { AdapterPanel } from './AdapterPanel';

export function App({ store }: { store: AppStore }) {
  const gpu = useStore(store, (s) => s.gpu);
  return (
    <main>
      <header>
        <h1>IRE playground</h1>
        <p className="subtitle">AdamW and AdmIRE (Implicit Regularization Enhancement) training side by side on your GPU.</p>
      </header>
      <AdapterPanel gpu={gpu} />
    </main>
  );
}
