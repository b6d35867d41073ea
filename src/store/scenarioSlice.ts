// The Scenarios menu: opening a curated comparison (src/train/scenarios.ts; docs/experiments.md,
// "Scenarios") replaces the comparison as a link opened in place does (replacedComparison):
// refused while training, curves, log and planned changes cleared. `scenario` names the one
// opened until another comparison replaces it; the menu says when its settings were changed since.
import type { ComparisonConfig } from '../train/config';
import type { Control } from '../worker/protocol';
import { scenarioByName, scenarioConfig } from '../train/scenarios';
import { configDiff } from '../train/urlState';
import { replacedComparison } from './replaceComparison';
import { busyRefusal, isBusy } from './runState';
import type { Slice, SliceDeps } from './store';

type Keys = 'scenario' | 'openScenario';

/** The scenario the comparison was opened from, and whether its settings were changed since (live edits, Advanced settings). */
export function openedScenario(s: { scenario: string | null; config: ComparisonConfig }): { name: string; title: string; changed: boolean } | null {
  const scenario = s.scenario === null ? undefined : scenarioByName(s.scenario);
  if (!scenario) return null;
  const changed = Object.keys(configDiff(s.config, scenarioConfig(scenario))).length > 0;
  return { name: scenario.name, title: scenario.title, changed };
}

/** The refusal while busy (training, or being built): opening a scenario replaces the comparison. */
export const scenarioBusy = (c: Control) => busyRefusal(c, 'opening a scenario (it replaces the comparison)');

export function scenarioSlice({ set, get }: SliceDeps): Slice<Keys> {
  return {
    state: {
      scenario: null,

      openScenario(name) {
        const s = scenarioByName(name);
        if (!s) return `There is no scenario "${name}".`;
        const control = get().control;
        if (isBusy(control)) {
          const refusal = scenarioBusy(control);
          set({ notice: refusal });
          return refusal;
        }
        const config = scenarioConfig(s);
        set((prev) => ({ ...replacedComparison(prev, config), scenario: s.name, notice: null }));
        return null;
      },
    },
    handlers: {},
  };
}
