// The toy slice: the parameters of the toy landscape (L(u, v) = (1 + u²) v² / 2) and the
// trajectories the worker computed for them. A refused value is kept out and its message shown.
import { validateToyParams } from './toyParams';
import type { Slice, SliceDeps, ToyParams } from './store';

export const DEFAULT_TOY: ToyParams = { start: [1, 0.01], eta: 1, kappa: 9000, gamma: 0.5, steps: 300 };

type Keys = 'toy' | 'setToyParams';

export function toySlice({ set, get, send, nextRequestId }: SliceDeps): Slice<Keys> {
  return {
    state: {
      toy: { params: DEFAULT_TOY, result: null, pendingId: null, error: null },
      setToyParams(p) {
        const problem = validateToyParams(p);
        if (problem) {
          set((s) => ({ toy: { ...s.toy, error: problem } }));
          return problem;
        }
        set((s) => ({ toy: { ...s.toy, params: { ...s.toy.params, ...p }, error: null } }));
        if (get().gpu.state === 'ready') {
          const requestId = nextRequestId();
          set((s) => ({ toy: { ...s.toy, pendingId: requestId } }));
          send({ type: 'toy', request: { requestId, ...get().toy.params } });
        }
        return null;
      },
    },
    handlers: {
      'toy-result'(report) {
        if (report.result.requestId === get().toy.pendingId) set((s) => ({ toy: { ...s.toy, result: report.result, pendingId: null } }));
      },
    },
  };
}
