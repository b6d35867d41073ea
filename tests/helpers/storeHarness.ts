// A store driven as the page drives it, without a worker: the requests it sends are recorded, and
// the test plays the worker by feeding it the reports the worker would send (protocol.ts),
// stamped with the generation of the comparison the store last asked for.
import type { AdapterReport } from '../../src/gpu/device';
import { createAppStore, type StoreOptions } from '../../src/store/store';
import type { TrainPoint, WorkerReport, WorkerRequest } from '../../src/worker/protocol';

export const ADAPTER: AdapterReport = {
  vendor: 'test',
  architecture: 'test',
  device: 'test',
  description: 'test adapter',
  summary: 'test / test (test, test adapter)',
  limits: {
    maxStorageBufferBindingSize: 1 << 27,
    maxBufferSize: 1 << 28,
    maxStorageBuffersPerShaderStage: 8,
    maxComputeWorkgroupStorageSize: 16384,
    maxComputeInvocationsPerWorkgroup: 256,
    maxComputeWorkgroupSizeX: 256,
    maxComputeWorkgroupSizeY: 256,
    maxComputeWorkgroupSizeZ: 64,
    maxComputeWorkgroupsPerDimension: 65535,
    maxUniformBufferBindingSize: 65536,
  },
  features: [],
};

/** Reports about a comparison, without the generation stamp (the harness adds it). */
type Stamped = Extract<WorkerReport, { generation: number }>;
type WithoutGeneration<R> = R extends unknown ? Omit<R, 'generation'> : never;
export type ComparisonReport = WithoutGeneration<Stamped>;

export type Request<T extends WorkerRequest['type']> = Extract<WorkerRequest, { type: T }>;

export function harness(options: Omit<StoreOptions, 'send'> = {}) {
  const sent: WorkerRequest[] = [];
  const store = createAppStore({ ...options, send: (m) => sent.push(m) });
  const s = () => store.getState();
  /** A report about the comparison of `generation` (default: the one the store asked for last). */
  const worker = (r: ComparisonReport, generation = s().generation) => s().receive({ ...r, generation } as WorkerReport);
  /** The last request of a type the store sent. */
  const last = <T extends WorkerRequest['type']>(type: T): Request<T> => {
    const m = sent.filter((x): x is Request<T> => x.type === type).at(-1);
    if (!m) throw new Error(`no ${type} request was sent (sent: ${sent.map((x) => x.type).join(', ') || 'nothing'})`);
    return m;
  };
  /** The worker found a GPU. */
  const gpu = () => s().receive({ type: 'adapter', report: ADAPTER });
  /** The worker built what the last `configure` asked for, at step 0 (control idle). */
  const built = () => {
    const c = last('configure');
    worker({ type: 'configured', config: c.config, runs: c.config.runs.map((r) => ({ runId: r.id, parameters: 100, step: 0 })) });
    worker({ type: 'control', state: 'idle', step: 0 });
  };
  /** GPU, Start, built, training: the worker holds the comparison and trains it. */
  const training = () => {
    gpu();
    s().start();
    built();
    worker({ type: 'control', state: 'running', step: 0 });
    sent.length = 0;
  };
  /** Metrics of steps `from`..`to` for `runs`, loss = `loss(runId, step)`. */
  const metrics = (runs: readonly string[], from: number, to: number, loss: (runId: string, step: number) => number = (_, k) => 3 / k, generation = s().generation) => {
    const train: TrainPoint[] = [];
    for (let k = from; k <= to; k++) for (const runId of runs) train.push(point(runId, k, loss(runId, k)));
    worker({ type: 'metrics', train, eval: [], sharpness: [] }, generation);
  };
  return { store, sent, s, worker, last, gpu, built, training, metrics };
}

export const point = (runId: string, step: number, loss: number): TrainPoint => ({ runId, step, wallMs: step * 10, loss, gradNorm: 1, lr: 1e-3 });
