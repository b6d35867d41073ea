// What the page knows about the GPU the worker acquired.
import type { AdapterReport } from '../gpu/device';

export type GpuStatus =
  | { state: 'probing' }
  | { state: 'ready'; report: AdapterReport }
  | { state: 'unavailable'; message: string }
  | { state: 'error'; message: string };
