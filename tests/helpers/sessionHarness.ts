// A TrainingSession (src/worker/session.ts) on the test device with its reports collected: what the
// worker would post to the page, in order, read back by type. `configure` builds a config at step 0
// under a new generation, as the page's Start and Reset do.
import { describeAdapter } from '../../src/gpu/device';
import type { ComparisonConfig } from '../../src/train/config';
import type { TrainingData } from '../../src/train/trainingData';
import { PROTOCOL_VERSION, type WorkerReport } from '../../src/worker/protocol';
import { TrainingSession } from '../../src/worker/session';
import type { useGpu } from './gpu';

let generation = 0;

export function sessionHarness(gpu: ReturnType<typeof useGpu>, loadData: () => Promise<TrainingData>) {
  const { ctx, node } = gpu();
  const reports: WorkerReport[] = [];
  const s = new TrainingSession({
    ctx,
    report: describeAdapter(node.adapter, node.device),
    loadData,
    post: (r) => reports.push(r),
    flushEveryMs: 0,
    reacquire: () => Promise.reject(new Error('no second device in this test')),
  });
  const of = <T extends WorkerReport['type']>(type: T) => reports.filter((r): r is Extract<WorkerReport, { type: T }> => r.type === type);
  const configure = (config: ComparisonConfig) => s.handle({ type: 'configure', protocolVersion: PROTOCOL_VERSION, generation: ++generation, config, schedule: [], steps: 0 });
  return { s, of, configure };
}
