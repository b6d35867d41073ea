// The Scenarios menu, beside the model select: the curated comparisons of src/train/scenarios.ts
// (docs/experiments.md, "Scenarios") and the toy landscape, which has a tab of its own. Choosing
// one shows what to watch, what the paper claims and what this project measured (plain text);
// "Open scenario" replaces the comparison with the scenario's configuration through the store
// (`openScenario`: refused while training, with a notice).
import { useState } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { openedScenario } from '../store/scenarioSlice';
import type { AppStore } from '../store/store';
import { SCENARIOS } from '../train/scenarios';

/** The menu's entry for the toy landscape (no comparison: it switches to the toy tab). */
const TOY_ENTRY = 'toy-landscape';

interface MenuEntry {
  value: string;
  title: string;
  paragraphs: { label: string; text: string }[];
  action: string; // the button's text
}

const ENTRIES: MenuEntry[] = [
  ...SCENARIOS.map((s) => ({
    value: s.name,
    title: s.title,
    paragraphs: [
      { label: 'Watch', text: s.watch },
      { label: 'The paper claims', text: s.claim },
      { label: 'Measured here', text: s.measured },
    ],
    action: 'Open scenario',
  })),
  {
    value: TOY_ENTRY,
    title: 'Toy landscape: IRE on a 2-parameter valley',
    paragraphs: [
      {
        label: 'Watch',
        text: 'On L(u, v) = (1 + u²) v² / 2 every point of the valley v = 0 is a minimum and the flattest is u = 0. Gradient descent at the edge of stability bounces across the valley and drifts along it slowly; IRE boosts the flat coordinate and slides to the flat end, step by step, computed by the engine.',
      },
    ],
    action: 'Open the toy landscape',
  },
];

export function ScenarioMenu({ store }: { store: AppStore }) {
  const opened = useStore(store, useShallow((s) => openedScenario(s)));
  const [chosen, setChosen] = useState<string>(() => store.getState().scenario ?? '');
  const entry = ENTRIES.find((e) => e.value === chosen);
  const open = () => {
    if (!entry) return;
    if (entry.value === TOY_ENTRY) store.getState().setPrefs({ tab: 'toy' });
    else store.getState().openScenario(entry.value);
  };
  return (
    <div className="scenarios">
      <label className="inline">
        Scenario{' '}
        <select data-testid="scenario-select" value={chosen} onChange={(e) => setChosen(e.target.value)}>
          <option value="">choose a curated comparison…</option>
          {ENTRIES.map((e) => (
            <option key={e.value} value={e.value}>
              {e.title}
            </option>
          ))}
        </select>
      </label>
      {opened && (
        <span className="muted" data-testid="scenario-opened">
          {' '}
          opened from scenario “{opened.title}”{opened.changed ? ' · settings changed since' : ''}
        </span>
      )}
      {entry && (
        <div className="scenario-text" data-testid="scenario-text">
          {entry.paragraphs.map((p) => (
            <p key={p.label}>
              <strong>{p.label}:</strong> {p.text}
            </p>
          ))}
          <button type="button" className="primary" data-testid="scenario-open" onClick={open}>
            {entry.action}
          </button>
        </div>
      )}
    </div>
  );
}
