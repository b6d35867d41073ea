// The incremental save format of persistence.ts: rows past a cursor, and series rebuilt from
// chunks in order, equal the series they came from whatever the flush points were.
import { describe, expect, it } from 'vitest';
import { rowsSince, seriesFromChunks, type ChunkRows, type SeriesCursor } from '../../src/store/persistence';
import { appendEval, appendSharpness, appendTrain, emptyRunSeries, type RunSeries } from '../../src/store/series';

function grow(series: Record<string, RunSeries>, id: string, from: number, to: number): void {
  const s = (series[id] ??= emptyRunSeries());
  for (let k = from; k <= to; k++) {
    appendTrain(s.train, { runId: id, step: k, wallMs: k * 3, loss: 1 / k, gradNorm: k, lr: 0.1, maskFraction: k % 3 ? 0.5 : undefined });
    if (k % 4 === 0) appendEval(s.eval, { runId: id, step: k, wallMs: k * 3, valLoss: 2 / k });
  }
}

describe('persistence chunks', () => {
  it('rows since a cursor rebuild the series exactly, across flushes, forks and quiet flushes', () => {
    const series: Record<string, RunSeries> = {};
    let cursors: Record<string, SeriesCursor> = {};
    const chunks: ChunkRows[] = [];
    const flush = () => {
      const { rows, next } = rowsSince(series, cursors);
      if (rows) chunks.push(structuredClone(rows));
      cursors = next;
      return rows;
    };
    grow(series, 'A', 1, 5);
    grow(series, 'B', 1, 5);
    expect(Object.keys(flush()!)).toEqual(['A', 'B']);
    expect(flush()).toBeNull(); // nothing new
    grow(series, 'A', 6, 13);
    expect(Object.keys(flush()!)).toEqual(['A']);
    grow(series, 'B', 6, 13);
    grow(series, 'C', 14, 15); // a fork appears
    const third = flush()!;
    expect(Object.keys(third)).toEqual(['B', 'C']);
    expect(third.B.train.step).toEqual([6, 7, 8, 9, 10, 11, 12, 13]);
    expect(third.B.eval.step).toEqual([8, 12]);
    const rebuilt = seriesFromChunks(['A', 'B', 'C'], chunks);
    for (const id of ['A', 'B', 'C']) expect(rebuilt[id]).toEqual({ ...series[id], histogram: null });
    // A run unknown to the record is ignored; a known run without rows is empty.
    expect(seriesFromChunks(['A', 'Z'], chunks).Z).toEqual(emptyRunSeries());
    expect(Object.keys(seriesFromChunks(['A'], chunks))).toEqual(['A']);
  });

  it('a chunk saved before a column existed rebuilds with that column null, as long as step', () => {
    const series: Record<string, RunSeries> = {};
    grow(series, 'A', 1, 4);
    appendSharpness(series.A.sharpness, { runId: 'A', step: 2, wallMs: 6, trace: 5, traceStderr: 1, topEig: 3 });
    appendSharpness(series.A.sharpness, { runId: 'A', step: 4, wallMs: 12, trace: 4, traceStderr: 1, topEig: 2, eosSharpness: 1.5, eosThreshold: 38 });
    const { rows } = rowsSince(series, {});
    const old = structuredClone(rows!);
    // What an earlier version wrote: the sharpness rows without the edge-of-stability columns.
    delete (old.A.sharpness as Partial<RunSeries['sharpness']>).eosSharpness;
    delete (old.A.sharpness as Partial<RunSeries['sharpness']>).eosThreshold;
    const rebuilt = seriesFromChunks(['A'], [old, rows!]).A.sharpness;
    expect(rebuilt.step).toEqual([2, 4, 2, 4]);
    expect(rebuilt.eosSharpness).toEqual([null, null, null, 1.5]);
    expect(rebuilt.eosThreshold).toEqual([null, null, null, 38]);
    expect(rebuilt.topEig).toEqual([3, 2, 3, 2]);
  });
});
