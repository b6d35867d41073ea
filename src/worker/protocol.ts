// Messages between the page and the training worker. The worker owns the GPU; the page sends
// intents and receives reports. Plain serialisable data only.
import type { AdapterReport } from '../gpu/device';

export type WorkerRequest = { type: 'probe' };

export type WorkerReport =
  | { type: 'adapter'; report: AdapterReport }
  | { type: 'no-webgpu'; message: string }
  | { type: 'error'; message: string };
