// The rest of the page's state: the GPU the worker got, samples and image predictions,
// checkpoint downloads, uploads, preferences and notices.
import { MODEL_PRESETS, type ComparisonConfig } from '../train/config';
import { recommendedComparison } from '../train/defaultComparison';
import { idleRun, PREDICTED_IMAGES } from './runState';
import { emptyRunSeries } from './series';
import { MAX_PREDICTED_IMAGES, PROTOCOL_VERSION } from '../worker/protocol';
import { checkSampleLength, checkSamplePrompt, checkSampleTemperature } from './sampleParams';
import type { Prefs, Slice, SliceDeps } from './store';

export const DEFAULT_PREFS: Prefs = { smoothing: 0.9, logX: false, logY: false, xAxis: 'step', tab: 'compare' };

type Keys = 'gpu' | 'workerProtocol' | 'samples' | 'predictions' | 'checkpointFile' | 'userData' | 'prefs' | 'notice'
  | 'requestSample' | 'requestImagePredictions' | 'exportCheckpoint' | 'setPrefs' | 'dismissNotice' | 'sendUserData';

/** `untouched`: the configuration the page opened with, when it may follow the adapter's recommendation. */
export function miscSlice({ set, get, send, nextRequestId }: SliceDeps, untouched: ComparisonConfig | null): Slice<Keys> {
  const built = () => get().session === 'ready';
  return {
    state: {
      gpu: { state: 'probing' },
      workerProtocol: null,
      samples: null,
      predictions: null,
      checkpointFile: null,
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
        if (!built()) return 'start training first: a checkpoint holds a run at its current step';
        if (!get().config.runs.some((r) => r.id === runId)) return `no run ${runId}`;
        send({ type: 'export-checkpoint', runId, requestId: nextRequestId() });
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
        set({ checkpointFile: { requestId: report.requestId, fileName: report.fileName, bytes: report.bytes } });
      },
    },
  };
}
