// The page's gpt-tiny default (src/train/defaultComparison.ts), the one a fast GPU opens with,
// trained as the worker trains it: run B (AdmIRE) must leave run A (AdamW) by departureStep's
// measure (src/store/departure.ts) within the first tenth of the run. The browser test of the
// default comparison sees the MLP on this machine (SwiftShader), so the gpt-tiny default is
// checked here, in Node, on the real Moby Dick data and tokenizer. Before IRE starts the two
// runs share parameters and batches, so their losses are equal bit for bit.
import { describe, expect, it } from 'vitest';
import { loadData } from '../../src/cli/trainSetup';
import { departureStep } from '../../src/store/departure';
import { chooseKernelVariants } from '../../src/optim/kernelTuning';
import { Comparison } from '../../src/train/comparison';
import { ireStartStep } from '../../src/train/config';
import { GPT_TINY_DEFAULT_COMPARISON } from '../../src/train/defaultComparison';
import type { StepMetrics } from '../../src/train/run';
import { useGpu } from '../helpers/gpu';

/** Steps trained: enough for the departure measured at step 16 (docs/performance.md). */
const STEPS = 20;

describe('the gpt-tiny default comparison', () => {
  const gpu = useGpu();

  it('B leaves A within the first tenth of the run, after equal losses before IRE', async () => {
    // The variants the worker would pick on this adapter (on SwiftShader the barrier-free ones,
    // several times faster there than the shared-memory ones).
    await chooseKernelVariants(gpu().ctx);
    const config = structuredClone(GPT_TINY_DEFAULT_COMPARISON);
    const rows: StepMetrics[] = [];
    const c = new Comparison(gpu().ctx, config, loadData(config, {}), { onStep: (m) => rows.push(...m) });
    try {
      for (let s = 0; s < STEPS; s++) await c.step();
      await c.drain();
    } finally {
      c.destroy();
    }
    const series = (id: string) => {
      const r = rows.filter((m) => m.runId === id);
      return { step: r.map((m) => m.step), loss: r.map((m) => m.loss) };
    };
    const [a, b] = [series('A'), series('B')];
    const ireFrom = ireStartStep(config.runs[1].optimizer);
    expect(b.loss.slice(0, ireFrom)).toEqual(a.loss.slice(0, ireFrom));
    expect(b.loss[ireFrom + 1]).not.toBe(a.loss[ireFrom + 1]);
    const departed = departureStep(a, b);
    console.log(`gpt-tiny default: IRE from step ${ireFrom}, B left A at step ${departed ?? `never within ${STEPS}`} of ${config.totalSteps}`);
    expect(departed).not.toBeNull();
    expect(departed!).toBeLessThan(config.totalSteps / 10);
  });
});
