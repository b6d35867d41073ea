// The rest of the page's state: the GPU the worker got, samples and image predictions,
// checkpoint downloads (a run's safetensors, or the folder to continue it in PyTorch), uploads,
// preferences and notices.
import { MODEL_PRESETS, type ComparisonConfig } from '../train/config';
import { recommendedComparison } from '../train/defaultComparison';
import { idleRun, PREDICTED_IMAGES } from './runState';
import { emptyRunSeries } from './series';
import { MAX_PREDICTED_IMAGES, PROTOCOL_VERSION } from '../worker/protocol';
import { checkSampleLength, checkSamplePrompt, checkSampleTemperature } from './sampleParams';
import type { Prefs, Slice, SliceDeps } from './store';

/**
 * A run's checkpoint that the worker sent for "Continue in PyTorch" (docs/pytorch.md), with what
 * the page adds to it: the UI zips them with the Python package (src/ui/pytorchZip.ts).
 */
export interface PytorchExportFile {
  requestId: number;
  runId: string;
  /** The run's step: the checkpoint holds the state after this many steps. */
  step: number;
  /** The safetensors bytes: the same as the run's checkpoint download at this step. */
  checkpoint: Uint8Array;
  /** The comparison config as trained, live edits included (the page's config when the checkpoint came). */
  config: ComparisonConfig;
  /** The text the page trained on (user-text), or null when it has none. */
  userText: { name: string; text: string } | null;
}


export const DEFAULT_PREFS: Prefs = { smoothing: 0.9, logX: false, logY: false, xAxis: 'step', band: 'stderr', tab: 'compare' };

type Keys = 'gpu' | 'workerProtocol' | 'samples' | 'predictions' | 'checkpointFile' | 'userData' | 'prefs' | 'notice'
  | 'requestSample' | 'requestImagePredictions' | 'exportCheckpoint' | 'setPrefs' | 'dismissNotice' | 'sendUserData'
  | 'pytorchExport' | 'exportPytorch';

/** `untouched`: the configuration the page opened with, when it may follow the adapter's recommendation. */
export function miscSlice({ set, get, send, nextRequestId }: SliceDeps, untouched: ComparisonConfig | null): Slice<Keys> {
  const built = () => get().session === 'ready';
  /** Requests whose checkpoint goes into a PyTorch folder rather than a download of its own. */
  const forPytorch = new Set<number>();
  /** The last user text sent to the worker: what a user-text comparison trains on. */
  let userText: { name: string; text: string } | null = null;
  const checkExport = (runId: string): string | null => {
    if (!built()) return 'start training first: a checkpoint holds a run at its current step';
    if (!get().config.runs.some((r) => r.id === runId)) return `no run ${runId}`;
    return null;
  };
  return {
    state: {
      gpu: { state: 'probing' },
      workerProtocol: null,
      samples: null,
      predictions: null,
      checkpointFile: null,
      pytorchExport: null,
      userData: null,
      prefs: DEFAULT_PREFS,
      notice: null,

      requestSample(prompt, maxTokens, temperature) {
        const problem = checkSamplePrompt(prompt) ?? checkSampleLength(maxTokens) ?? checkSampleTemperature(temperature);
        if (problem) return problem;
        if (!built()) return 'start training first: samples come from the runs at their current step';
        const requestId = nextRequestId();
        set({ samples: { requestId, prompt, byRun: {} } });
        send({ type: 'sample', requestId, prompt, maxTokens, temperature, seed: get().config.seed });
        return null;
      },

      requestImagePredictions(count = PREDICTED_IMAGES) {
        const kind = MODEL_PRESETS[get().config.model].kind;
        if (kind !== 'mlp' && kind !== 'cnn') return 'predictions are for image models: pick mlp-mnist, cnn-mnist or cnn-cifar10';
        if (!Number.isInteger(count) || count < 1 || count > MAX_PREDICTED_IMAGES) return `the number of images must be an integer from 1 to ${MAX_PREDICTED_IMAGES}`;
        if (!built()) return 'start training first: predictions come from the runs at their current step';
        const requestId = nextRequestId();
        set({ predictions: { requestId, count, result: null } });
        send({ type: 'predict-images', requestId, count });
        return null;
      },

      exportCheckpoint(runId) {
        const problem = checkExport(runId);
        if (problem) return problem;
        send({ type: 'export-checkpoint', runId, requestId: nextRequestId() });
        return null;
      },

      exportPytorch(runId) {
        const problem = checkExport(runId);
        if (problem) return problem;
        const requestId = nextRequestId();
        forPytorch.add(requestId);
        send({ type: 'export-checkpoint', runId, requestId });
        return null;
      },

      setPrefs(p) {
        const prev = get().prefs;
        const smoothing = p.smoothing === undefined ? prev.smoothing : Math.min(0.999, Math.max(0, p.smoothing));
        set({ prefs: { ...prev, ...p, smoothing } });
        if (p.tab === 'toy' && prev.tab !== 'toy' && get().toy.result === null) get().setToyParams({});
      },

      dismissNotice() {
        set({ notice: null });
      },

      sendUserData(data) {
        set({ userData: { dataset: data.dataset, names: data.dataset === 'user-text' ? [data.name] : data.files.map((f) => f.name) } });
        if (data.dataset === 'user-text') userText = { name: data.name, text: data.text };
        send({ type: 'user-data', data });
      },
    },
    handlers: {
      adapter(report) {
        set({ gpu: { state: 'ready', report: report.report, ...(report.recommended ? { recommended: report.recommended } : {}) } });
        const s = get();
        if (report.recommended && untouched !== null && s.config === untouched && s.session === 'none' && s.step === 0 && s.events.length === 0) {
          // A new visitor: open the comparison that answers within seconds on this GPU.
          const config = recommendedComparison(report.recommended.gptTinyStepMs);
          set((t) => ({ config, runs: Object.fromEntries(config.runs.map((r) => [r.id, idleRun()])), series: Object.fromEntries(config.runs.map((r) => [r.id, emptyRunSeries()])), metricsRevision: t.metricsRevision + 1 }));
        }
        if (get().prefs.tab === 'toy' && get().toy.result === null) get().setToyParams({});
      },
      'no-webgpu'(report) {
        set({ gpu: { state: 'unavailable', message: report.message } });
      },
      'gpu-failed'(report) {
        set({ gpu: { state: 'error', message: report.message } });
      },
      error(report) {
        set({ notice: report.message });
      },
      hello(report) {
        set({ workerProtocol: report.protocolVersion });
        if (report.protocolVersion !== PROTOCOL_VERSION) set({ notice: `The training worker speaks protocol ${report.protocolVersion}, this page ${PROTOCOL_VERSION}: reload the page.` });
      },
      sample(report) {
        const cur = get().samples;
        if (!cur || cur.requestId !== report.requestId) return;
        set({ samples: { ...cur, byRun: { ...cur.byRun, [report.runId]: { step: report.step, text: report.text } } } });
      },
      'image-predictions'(report) {
        const cur = get().predictions;
        if (!cur || cur.requestId !== report.predictions.requestId) return;
        set({ predictions: { ...cur, result: report.predictions } });
      },
      'checkpoint-file'(report) {
        if (forPytorch.delete(report.requestId)) {
          set({ pytorchExport: { requestId: report.requestId, runId: report.runId, step: report.step, checkpoint: report.bytes, config: get().config, userText } });
          return;
        }
        set({ checkpointFile: { requestId: report.requestId, fileName: report.fileName, bytes: report.bytes } });
      },
    },
  };
}
