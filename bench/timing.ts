// Wall-clock timing of asynchronous steps. Each step must resolve only when its work is done
// (a GPU submission awaited with onSubmittedWorkDone, a TF.js loss read back), so the figure
// is the real time of a step, not the time to enqueue it.

export interface Timing {
  meanMs: number; // mean of the timed steps
  minMs: number;
  maxMs: number;
  samplesMs: number[];
}

export async function timeSteps(step: () => Promise<void>, warmup: number, iters: number): Promise<Timing> {
  if (!Number.isInteger(iters) || iters < 1) throw new Error(`iters = ${iters} must be a positive integer`);
  for (let i = 0; i < warmup; i++) await step();
  const samplesMs: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    await step();
    samplesMs.push(performance.now() - t0);
  }
  const meanMs = samplesMs.reduce((s, x) => s + x, 0) / samplesMs.length;
  return { meanMs, minMs: Math.min(...samplesMs), maxMs: Math.max(...samplesMs), samplesMs };
}

/** "12.3 ms (min 11.9, max 13.0, n=3)" for the row's detail. */
export function spread(t: Timing): string {
  return `min ${t.minMs.toFixed(1)} ms, max ${t.maxMs.toFixed(1)} ms, n=${t.samplesMs.length}`;
}
