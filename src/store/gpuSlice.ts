// What the page knows about the GPU the worker acquired.
import type { AdapterReport } from '../worker/protocol';
import type { DefaultRecommendation } from '../train/defaultComparison';

export type GpuStatus =
  | { state: 'probing' }
  /** `recommended`: the comparison the worker suggests opening with on this adapter (browser). */
  | { state: 'ready'; report: AdapterReport; recommended?: DefaultRecommendation }
  | { state: 'unavailable'; message: string }
  | { state: 'error'; message: string };
