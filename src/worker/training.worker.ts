/// <reference lib="webworker" />
// The training worker: owns the GPUDevice and the training session. Requests are handled one
// after another (a configure finishes before the start that follows it); training itself runs
// in the background, so pause and live changes are handled between steps.
import { GpuContext } from '../gpu/context';
import { acquireDevice, NoAdapterError, type AcquiredDevice } from '../gpu/device';
import { viteShaderSource } from '../gpu/shaderSourceVite';
import { fetchImageDataset, fetchTextDataset } from '../data/fetch';
import { chooseKernelVariants, type KernelTuning } from '../optim/kernelTuning';
import { recommendFromTuning, type DefaultRecommendation } from '../train/defaultComparison';
import type { ComparisonConfig } from '../train/config';
import type { TrainingData } from '../train/trainingData';
import { PROTOCOL_VERSION, type WorkerReport, type WorkerRequest } from './protocol';
import { TrainingSession } from './session';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: WorkerReport) => scope.postMessage(m);
const dataUrl = `${import.meta.env.BASE_URL}generated/`;

async function loadData(config: ComparisonConfig): Promise<TrainingData> {
  switch (config.dataset) {
    case 'moby-dick':
      return { kind: 'text', dataset: await fetchTextDataset(dataUrl, 'moby-dick') };
    case 'mnist':
      return { kind: 'image', dataset: await fetchImageDataset(dataUrl, 'mnist') };
    case 'toy':
      return { kind: 'toy' };
    default:
      throw new Error(
        config.dataset === 'cifar10'
          ? 'The dataset "cifar10" must be loaded from a file first: choose data_batch_1.bin (and more batches) with test_batch.bin under "Your data", or drop them on the page'
          : `The dataset "${config.dataset}" must be loaded from a file first: choose a text file under "Your data", or drop it on the page`,
      );
  }
}

/** A device with the engine's limits, its context and the per-adapter kernel choices. */
async function openDevice(): Promise<{ ctx: GpuContext; report: AcquiredDevice['report']; recommended: DefaultRecommendation }> {
  const { device, report } = await acquireDevice(navigator.gpu, 'Worker.device');
  const ctx = new GpuContext(device, viteShaderSource);
  let tuning: KernelTuning | undefined;
  try {
    tuning = await chooseKernelVariants(ctx);
  } catch {
    // Keep the default variants if the measurement fails; training does not depend on them.
  }
  // The page's default comparison follows the measured matmul speed (no GPU work of its own).
  return { ctx, report, recommended: recommendFromTuning(tuning?.matmul) };
}

let session: TrainingSession | undefined;

async function start(): Promise<TrainingSession | undefined> {
  let opened: Awaited<ReturnType<typeof openDevice>>;
  try {
    opened = await openDevice();
  } catch (e) {
    if (e instanceof NoAdapterError) post({ type: 'no-webgpu', message: e.message });
    else post({ type: 'gpu-failed', message: e instanceof Error ? e.message : String(e) });
    return undefined;
  }
  post({ type: 'adapter', report: opened.report, recommended: opened.recommended });
  return new TrainingSession({ ...opened, loadData, post, reacquire: openDevice });
}

const ready = start();
let queue: Promise<void> = Promise.resolve();
post({ type: 'hello', protocolVersion: PROTOCOL_VERSION });

scope.onmessage = (ev: MessageEvent<WorkerRequest>) => {
  const msg = ev.data;
  queue = queue.then(async () => {
    session ??= await ready;
    if (!session) return; // no adapter: already reported
    if (msg.type === 'probe') return; // the adapter was reported at start-up
    await session.handle(msg);
  });
};
