/// <reference lib="webworker" />
// The training worker: acquires the GPUDevice and (as the engine lands) runs training.
import { acquireDevice, NoAdapterError } from '../gpu/device';
import type { WorkerReport, WorkerRequest } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: WorkerReport) => scope.postMessage(m);

scope.onmessage = async (ev: MessageEvent<WorkerRequest>) => {
  if (ev.data.type === 'probe') {
    try {
      const { device, report } = await acquireDevice(navigator.gpu, 'Worker.device');
      post({ type: 'adapter', report });
      device.destroy();
    } catch (e) {
      if (e instanceof NoAdapterError) post({ type: 'no-webgpu', message: e.message });
      else post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  }
};
